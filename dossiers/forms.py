"""The forms of the 15 sections of notice part 5 (五(一)1-15), labelled in the notice's own words.

Each section has a main form and, where the notice asks for a list (学历、工作经历、获奖…), a row form used
in a formset. Field-level rules live here; rules across rows or sections live in dossiers.sections.
Every form takes `context` (a SectionContext) because some rules are round policy data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from core.text import is_mobile_phone, names_listed, normalise_number
from dossiers.vocabularies.assessments import AssessmentResult
from dossiers.vocabularies.continuing_education import CeSubject
from dossiers.vocabularies.education import Education
from dossiers.vocabularies.special_assignments import SpecialAssignment
from dossiers.vocabularies.titles import TitleLevel

EMPTY_MARKER_HELP = "无填写内容的请填写“无”，不得留空（通知四(二)）。"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def choice_pairs(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    """The field's choices as (value, label) pairs.

    Django normalises choices to a list of pairs when they are assigned; the stubs type the getter as wide as
    the setter's input (mappings, enum classes), so the pairs are stated here once."""
    return list(cast(Iterable[tuple[Any, Any]], field.choices))


def _required_message(field: forms.Field, text_message: str) -> str:
    """ "Write 无" only where 无 can be written: dates, choices and numbers say what they need instead."""
    if isinstance(field, forms.DateField):
        return "请填写日期（年-月-日）。"
    if isinstance(field, forms.ChoiceField):
        return "请选择一项。"
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        return "请填写数字。"
    if isinstance(field, forms.BooleanField):
        return "请勾选此项。"
    return text_message


class SectionForm(forms.Form):
    """Base: every field required unless said otherwise; errors in plain Chinese."""

    required_message = "此项必填；无内容请填写“无”。"

    def __init__(self, *args: Any, context: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.context = context
        for field in self.fields.values():
            field.error_messages["required"] = _required_message(field, self.required_message)
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = "请输入有效日期（年-月-日）。"
            if isinstance(field, forms.IntegerField | forms.DecimalField):
                field.error_messages["invalid"] = "请输入数字。"
            # A select must start blank: a preselected first option would make an untouched row look filled in.
            if isinstance(field, forms.ChoiceField) and not isinstance(field.widget, forms.RadioSelect):
                pairs = choice_pairs(field)
                if not any(value == "" for value, _ in pairs):
                    field.choices = [("", "请选择"), *pairs]

    def clean(self) -> dict[str, Any]:
        # Django's Form.clean returns cleaned_data (typed Optional in the stubs); say so once for every section.
        super().clean()
        return self.cleaned_data

    def today(self) -> dt.date:
        return self.context.today if self.context is not None else dt.date.today()

    def _not_future(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value and value > self.today():
            raise forms.ValidationError("日期不能晚于今天。")
        return value


def text_field(label: str, *, help_text: str = EMPTY_MARKER_HELP, max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, help_text=help_text)


def long_text_field(label: str, *, help_text: str = EMPTY_MARKER_HELP) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 6}), help_text=help_text, max_length=20000)


# ---- 1 基本信息 -------------------------------------------------------------------------------------


class BasicInfoForm(SectionForm):
    name = text_field("姓名", help_text="与身份证一致。", max_length=64)
    former_names = forms.CharField(
        label="曾用名",
        required=False,
        max_length=128,
        help_text="有曾用名的请填写（多个用顿号分隔）：盲评时证书等材料上的曾用名也会被遮盖。没有的留空。",
    )
    sex = forms.ChoiceField(label="性别", choices=[("男", "男"), ("女", "女")], widget=forms.RadioSelect)
    ethnicity = text_field("族别", help_text="如：汉族、维吾尔族。", max_length=32)
    political_status = text_field("政治面貌", help_text="如：中共党员、共青团员、群众。", max_length=32)
    id_number = forms.CharField(label="身份证号码", max_length=18, min_length=18, help_text="18 位居民身份证号码。")
    birth_date = forms.DateField(label="出生日期", widget=DateInput())
    phone = forms.CharField(label="联系电话", max_length=20, help_text="11 位手机号码。")
    email = forms.CharField(label="电子邮箱", max_length=254, help_text="没有电子邮箱的请填写“无”。")
    started_work = forms.DateField(label="参加工作时间", widget=DateInput())
    retired = forms.BooleanField(label="已离退休", required=False, help_text="离退休人员不得参加（通知一）。")
    civil_servant = forms.BooleanField(
        label="公务员或参照公务员法管理的事业单位人员", required=False, help_text="此类人员不得参加（通知一）。"
    )

    def clean_former_names(self) -> str:
        return "、".join(names_listed(self.cleaned_data.get("former_names")))

    def clean_phone(self) -> str:
        value = normalise_number(self.cleaned_data["phone"])
        if not is_mobile_phone(value):
            raise forms.ValidationError("请输入 11 位手机号码（仅限数字 0-9）。")
        return value

    def clean_id_number(self) -> str:
        value = normalise_number(self.cleaned_data["id_number"]).upper()
        if not re.fullmatch(r"[0-9]{17}[0-9X]", value, re.ASCII):
            raise forms.ValidationError("身份证号码应为 18 位：17 位数字 0-9 加末位数字或 X。")
        try:
            return str(ric.validate(value))
        except StdnumValidationError as exc:
            raise forms.ValidationError("身份证号码校验不通过，请核对（含末位校验码）。") from exc

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        if value != "无":
            forms.EmailField().clean(value)
        return value

    def clean_birth_date(self) -> dt.date | None:
        return self._not_future("birth_date")

    def clean_started_work(self) -> dt.date | None:
        return self._not_future("started_work")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        id_number = data.get("id_number")
        if id_number:
            birth = ric.get_birth_date(id_number)
            if data.get("birth_date") and data["birth_date"] != birth:
                self.add_error("birth_date", f"出生日期与身份证号码不一致（身份证号码中为 {birth:%Y-%m-%d}）。")
            # GB 11643: the 17th digit is the sequence code; odd for men, even for women.
            sex_from_id = "男" if int(id_number[16]) % 2 == 1 else "女"
            if data.get("sex") and data["sex"] != sex_from_id:
                self.add_error("sex", f"性别与身份证号码不一致（身份证号码第 17 位表示“{sex_from_id}”）。")
        if data.get("started_work") and data.get("birth_date") and data["started_work"] <= data["birth_date"]:
            self.add_error("started_work", "参加工作时间应晚于出生日期。")
        return data


class SpecialAssignmentRowForm(SectionForm):
    type = forms.ChoiceField(label="特殊工作经历", choices=SpecialAssignment.choices)
    date_from = forms.DateField(label="开始时间", widget=DateInput())
    date_to = forms.DateField(label="结束时间", widget=DateInput(), required=False, help_text="仍在岗的留空。")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "结束时间不能早于开始时间。")
        return data


# ---- 2 社保缴费证明 ---------------------------------------------------------------------------------


class SocialInsuranceForm(SectionForm):
    months = forms.IntegerField(
        label="连续缴纳社会保险月数",
        min_value=0,
        max_value=720,
        required=False,
        help_text="企业人员需上传近 6 个月以上带二维码验证的“社会保险个人缴费汇总单”"
        "或“个人养老保险缴费对账单”（通知五(一)2）。",
    )
    note = text_field("说明", help_text="如：养老保险个人缴费对账单 2023年1月—7月；非企业人员可填写“无”。")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        context = self.context
        if context is not None and context.is_enterprise:
            months = data.get("months")
            if months is None:
                self.add_error("months", "企业人员必须填写社保缴费月数。")
            elif months < context.min_insurance_months:
                self.add_error(
                    "months", f"企业人员须提供近 {context.min_insurance_months} 个月以上的社保缴费证明（通知五(一)2）。"
                )
        if data.get("months") is None and "months" not in self.errors:
            data["months"] = 0
        return data


# ---- 3 学历学位情况 ---------------------------------------------------------------------------------


class EducationRowForm(SectionForm):
    level = forms.ChoiceField(label="学历", choices=Education.choices)
    school = text_field("毕业院校", max_length=128)
    major = text_field("所学专业", max_length=128)
    start = forms.DateField(label="入学时间", widget=DateInput())
    graduated = forms.DateField(label="毕业时间", widget=DateInput())
    degree = text_field("学位", help_text="如：工学学士；无学位的填写“无”。", max_length=64)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("graduated") and data["graduated"] <= data["start"]:
            self.add_error("graduated", "毕业时间应晚于入学时间。")
        if data.get("graduated") and data["graduated"] > self.today():
            self.add_error("graduated", "毕业时间不能晚于今天。")
        return data


# ---- 4 专业技术资格 ---------------------------------------------------------------------------------


class CurrentTitleForm(SectionForm):
    has_title = forms.BooleanField(
        label="已取得专业技术任职资格",
        required=False,
        help_text="初次确定且尚无职称的，不勾选，以下资格栏目填“无”或留空。",
    )
    title_name = forms.CharField(
        label="现专业技术任职资格名称", max_length=64, required=False, help_text="如：助理工程师。"
    )
    level = forms.ChoiceField(label="资格等级", choices=[("", "——"), *TitleLevel.choices], required=False)
    obtained = forms.DateField(label="取得时间", widget=DateInput(), required=False)
    appointed = forms.DateField(label="聘任时间", widget=DateInput(), required=False)
    issued_in_xinjiang = forms.BooleanField(
        label="现任职资格在新疆取得",
        required=False,
        help_text="在新疆取得者，上传“任职资格文件”“职称证书”“专业技术职务任职资格评审表”三项中的两项；"
        "在其他省区市取得者，三项都要上传（通知五(一)4）。",
    )
    transferred_from_government = forms.BooleanField(
        label="由机关调动（含分流、转移）到企事业单位从事专业技术工作",
        required=False,
        help_text="需上传任命文件及组织人事部门认定后的干部任免审批表（通知五(一)4）。",
    )
    professional_years = forms.IntegerField(label="从事专业技术工作年限（年）", min_value=0, max_value=60)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("has_title"):
            for name in ("title_name", "level", "obtained", "appointed"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "已取得任职资格的，此项必填。")
            if data.get("title_name") == "无":
                self.add_error("title_name", "已取得任职资格的，请填写资格名称。")
            for name in ("obtained", "appointed"):
                if data.get(name) and data[name] > self.today():
                    self.add_error(name, "日期不能晚于今天。")
        else:
            # No title yet (e.g. initial determination): the notice wants "无", never a blank.
            data["title_name"] = "无"
            data["level"] = ""
            data["obtained"] = None
            data["appointed"] = None
            data["issued_in_xinjiang"] = False
        return data


# ---- 5 工作经历 -------------------------------------------------------------------------------------


class WorkHistoryRowForm(SectionForm):
    start = forms.DateField(label="起始时间", widget=DateInput())
    end = forms.DateField(label="截止时间", widget=DateInput(), required=False, help_text="至今的留空（仅最后一行）。")
    unit = text_field(
        "工作单位名称", help_text="借调、驻村、“访惠聚”等可在此表述，也可另起一行（通知五(一)5）。", max_length=200
    )
    position = text_field("职务/岗位", max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "截止时间不能早于起始时间。")
        return data


# ---- 6 / 11 / 13 free text --------------------------------------------------------------------------


class AchievementsForm(SectionForm):
    text = long_text_field(
        "实践能力、业绩成果",
        help_text="按本专业任职资格条件填报，并上传与实践能力、业绩成果相关的佐证材料；条件不够的将予以退回（通知五(一)6）。",
    )


class WorkSummaryForm(SectionForm):
    text = long_text_field(
        "任现职以来个人工作总结",
        help_text="反映任现职后的工作态度、业务能力、工作业绩、学术水平等方面情况（通知五(一)11）。",
    )

    def clean_text(self) -> str:
        value = self.cleaned_data["text"].strip()
        min_chars = self.context.work_summary_min_chars if self.context is not None else 0
        if len(value) < min_chars:
            # The minimum is the platform's own (policy min_chars_source); the notice sets no length.
            raise forms.ValidationError(
                f"工作总结不少于 {min_chars} 字（当前 {len(value)} 字；本平台要求，通知未规定字数）。"
            )
        return value


class OtherAttachmentsForm(SectionForm):
    note = text_field(
        "其他附件或证明材料说明",
        help_text="《推荐单位公示》（附件1）和《推荐单位公示结果》（附件2）由推荐单位在公示结束后上传签字盖章件，归入本栏目；"
        "申报人在此上传本专业评审条件规定的其他证明材料，无其他材料的填写“无”（通知五(一)13、五(二)）。",
        max_length=2000,
    )


# ---- 7 / 8 / 9 repeating lists with a "none" choice -------------------------------------------------


class NoneChoiceForm(SectionForm):
    none = forms.BooleanField(label="无", required=False, help_text="没有此类情况的请勾选“无”。")


class AwardRowForm(SectionForm):
    name = text_field("奖项名称", max_length=200)
    grade = text_field("获奖等级", help_text="如：自治区级二等奖。", max_length=64)
    issuer = text_field("颁发单位", max_length=128)
    awarded_on = forms.DateField(label="获奖时间", widget=DateInput())
    rank = text_field("本人排名", help_text="如：第 2 名（共 5 人）。", max_length=32)


class IntellectualPropertyRowForm(SectionForm):
    name = text_field("名称", max_length=200)
    ip_type = text_field("类别", help_text="如：发明专利、实用新型专利、软件著作权。", max_length=32)
    number = text_field("专利号/登记号", max_length=64)
    granted_on = forms.DateField(label="授权时间", widget=DateInput())
    rank = text_field("本人排名", max_length=32)


class PaperRowForm(SectionForm):
    title = text_field("论文题目", max_length=200)
    journal = text_field("刊物名称", max_length=128)
    issue = text_field("刊号（ISSN/CN）及期次", max_length=64)
    published_on = forms.DateField(label="发表时间", widget=DateInput())
    rank = text_field("作者排名", help_text="如：独著、第一作者。", max_length=32)


# ---- 10 任现职期间考核情况 --------------------------------------------------------------------------


class AssessmentsForm(SectionForm):
    """No main fields: the rows are the years."""


class AssessmentRowForm(SectionForm):
    year = forms.IntegerField(label="年度", min_value=1990, max_value=2100)
    result = forms.ChoiceField(
        label="考核结果",
        choices=AssessmentResult.choices,
        help_text="每出现 1 次基本合格顺延 1 年申报，每出现 1 次不合格顺延 2 年申报（通知五(一)10）。",
    )


# ---- 12 继续教育 ------------------------------------------------------------------------------------


class ContinuingEducationForm(SectionForm):
    exempt = forms.BooleanField(
        label="符合继续教育免试条件", required=False, help_text="符合免试的，需上传继续教育免试审批表（附件4）。"
    )


class ContinuingEducationRowForm(SectionForm):
    year = forms.IntegerField(label="年度", min_value=1990, max_value=2100)
    type = forms.ChoiceField(label="科目类别", choices=CeSubject.choices)
    hours = forms.DecimalField(label="学时（课时）", min_value=0, max_value=1000, decimal_places=1, max_digits=6)
    certificate_no = text_field("合格证书编号", max_length=64)


# ---- 14 个人承诺书 ----------------------------------------------------------------------------------


class CommitmentForm(SectionForm):
    text = forms.CharField(
        label="承诺内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="请逐字录入承诺内容，并上传手写承诺、签字按手印的照片（通知五(一)14）。",
        max_length=2000,
    )
    signed_on = forms.DateField(label="承诺日期", widget=DateInput())

    def clean_text(self) -> str:
        value = "".join(self.cleaned_data["text"].split())
        expected = self.context.commitment_text if self.context is not None else value
        if value != "".join(expected.split()):
            raise forms.ValidationError(f"承诺内容须与通知原文完全一致：“{expected}”")
        return expected

    def clean_signed_on(self) -> dt.date | None:
        return self._not_future("signed_on")
