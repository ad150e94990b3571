"""The 15 sections of notice part 5 as data: their forms, the shape they are stored in (the section data
contract every other app reads), the rules across rows, and the attachments each section takes.

`validate_section(key, data, context)` is the one validator: the page and the API both call it through
dossiers.services.section_save, so a rule holds whichever way the data comes in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from accounts.unit_types import UnitType
from dossiers import forms as f
from dossiers.vocabularies.education import EDUCATION_RANK

if TYPE_CHECKING:
    from dossiers.models import Attachment, Dossier
    from rounds.policy import Policy

EMPTY = "无"


@dataclass(frozen=True)
class SectionContext:
    """What a section's rules need to know besides its own data."""

    policy: Policy
    is_enterprise: bool
    today: dt.date
    # From section 1 (basic_info); None while it is not filled in.
    started_work: dt.date | None = None

    @property
    def round_year(self) -> int:
        return self.policy.year

    @property
    def min_insurance_months(self) -> int:
        # One home for the number: the eligibility parameter (notice 五(一)2), dated like every parameter.
        return int(self.policy.eligibility_value("social_insurance")["min_months"])

    @property
    def assessment_years(self) -> list[int]:
        # "近三年": the last N completed years before the round year in which the person was in post (from
        # the year they started work); the round year's assessment is not made until its end, after online
        # filing closes. Someone who started work in the round year owes none (our reading of 五(一)10).
        n = int(self.policy.section("assessments").get("years", 3))
        first = self.round_year - n
        if self.started_work is not None:
            first = max(first, self.started_work.year)
        return list(range(first, self.round_year))

    @property
    def work_summary_min_chars(self) -> int:
        return int(self.policy.section("work_summary").get("min_chars", 0))

    @property
    def commitment_text(self) -> str:
        return self.policy.text("commitment")

    @property
    def title_proofs_required_xinjiang(self) -> int:
        return int(self.policy.section("current_title").get("proofs_required_xinjiang", 2))

    @property
    def title_proofs_required_elsewhere(self) -> int:
        return int(self.policy.section("current_title").get("proofs_required_elsewhere", 3))


def context_for(dossier: Dossier, *, today: dt.date | None = None) -> SectionContext:
    return SectionContext(
        policy=dossier.round.policy,
        is_enterprise=dossier.unit.unit_type == UnitType.ENTERPRISE,
        today=today or timezone.localdate(),
        started_work=_started_work(dossier),
    )


def _started_work(dossier: Dossier) -> dt.date | None:
    basic = next((s.data for s in dossier.sections.all() if s.key == "basic_info"), None) or {}
    try:
        return dt.date.fromisoformat(str(basic.get("started_work")))
    except ValueError:
        return None


@dataclass(frozen=True)
class DocType:
    key: str
    label: str
    # A single-file slot: uploading again replaces the file (e.g. the ID card front).
    single: bool = False
    # Always shows the holder's name: blind-review masking flags it when OCR finds none there.
    bears_name: bool = False
    # Uploaded by the recommending unit, not the applicant (the signed publicity records, notice 五(二)):
    # filed with its section but not part of the applicant's completeness, never masked, never shown to
    # experts; the county and prefecture reviewers see it beside the dossier.
    unit_record: bool = False
    # Identity documents (ID card, photo, the signed commitment) are not review material: experts never
    # receive them in any form, masked or not (masking.selectors.attachment_file_for enforces it).
    withheld_from_experts: bool = False


@dataclass(frozen=True)
class Issue:
    """One validation problem; `path` points into the section data ("rows.2.end"; "" = the section)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


RowsCheck = Callable[[dict[str, Any], SectionContext], list[Issue]]
AttachmentCheck = Callable[[dict[str, Any], SectionContext, dict[str, int]], list[str]]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    form_class: type[f.SectionForm] | None
    row_form_class: type[f.SectionForm] | None = None
    rows_field: str = "rows"
    # Awards / IP / papers: a "无" box instead of rows.
    has_none: bool = False
    # Rows the section must have at least one of (unless `none`).
    min_rows: int = 0
    doc_types: tuple[DocType, ...] = ()
    # Contract key -> row-form field name where they differ ("from" is a Python keyword).
    row_renames: dict[str, str] = field(default_factory=dict)
    cross_check: RowsCheck | None = None
    attachment_check: AttachmentCheck | None = None
    intro: str = ""
    # Heading of the rows table on the page.
    rows_title: str = ""

    @property
    def has_rows(self) -> bool:
        return self.row_form_class is not None

    def doc_type(self, key: str) -> DocType | None:
        return next((d for d in self.doc_types if d.key == key), None)

    @property
    def applicant_doc_types(self) -> tuple[DocType, ...]:
        """What the applicant uploads here (the unit's records are uploaded by the unit)."""
        return tuple(d for d in self.doc_types if not d.unit_record)

    @property
    def unit_record_keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.doc_types if d.unit_record)


# ---- conversions between cleaned form data and the stored contract shape ----------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def row_to_data(spec: SectionSpec, cleaned: dict[str, Any]) -> dict[str, Any]:
    reverse = {form_name: key for key, form_name in spec.row_renames.items()}
    return {reverse.get(name, name): _to_json(value) for name, value in cleaned.items() if name != "DELETE"}


def row_to_form(spec: SectionSpec, row: dict[str, Any]) -> dict[str, Any]:
    return {spec.row_renames.get(key, key): value for key, value in row.items()}


def build_data(spec: SectionSpec, main_cleaned: dict[str, Any], rows_cleaned: list[dict[str, Any]]) -> dict[str, Any]:
    data = {name: _to_json(value) for name, value in main_cleaned.items()}
    if spec.has_rows:
        data[spec.rows_field] = [] if data.get("none") else [row_to_data(spec, row) for row in rows_cleaned]
    return data


class SectionInvalid(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


def _form_issues(form: forms.Form, prefix: str = "") -> list[Issue]:
    issues = []
    for name, errors in form.errors.items():
        path = prefix + ("" if name == "__all__" else name)
        label = form.fields[name].label if name in form.fields else ""
        for message in errors:
            prefixed = f"{label}：{message}" if label and not str(message).startswith(str(label)) else str(message)
            issues.append(Issue(path.rstrip("."), prefixed))
    return issues


def _scalars(data: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], list[Issue]]:
    """JSON values as the text a form field parses: a number becomes its digits (so a date sent as
    19800101 is refused as a date, not a crash); a list or object where one value belongs is an issue."""
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    for name, value in data.items():
        if value is None or isinstance(value, bool | str):
            out[name] = value
        elif isinstance(value, int | float):
            out[name] = str(value)
        else:
            issues.append(Issue(f"{prefix}{name}", "格式不正确：应为单个值。"))
    return out, issues


def validate_section(key: str, data: Any, context: SectionContext) -> dict[str, Any]:
    """Validate a section's data (contract shape); return it cleaned, or raise SectionInvalid."""
    spec = SECTIONS[key]
    if spec.form_class is None:
        raise SectionInvalid([Issue("", "该栏目无需填写表单。")])
    if not isinstance(data, dict):
        raise SectionInvalid([Issue("", "栏目数据格式不正确。")])
    main_data, issues = _scalars({k: v for k, v in data.items() if k != spec.rows_field})
    main = spec.form_class(data=main_data, context=context)
    issues += _form_issues(main)
    rows_cleaned: list[dict[str, Any]] = []
    if spec.has_rows:
        raw_rows = data.get(spec.rows_field) or []
        if not isinstance(raw_rows, list):
            issues.append(Issue(spec.rows_field, "应为列表。"))
            raw_rows = []
        none_ticked = bool(main.is_valid() and main.cleaned_data.get("none"))
        if not none_ticked:
            for i, row in enumerate(raw_rows):
                assert spec.row_form_class is not None
                row_data, row_issues = _scalars(row if isinstance(row, dict) else {}, f"{spec.rows_field}.{i}.")
                issues.extend(row_issues)
                row_form = spec.row_form_class(data=row_to_form(spec, row_data), context=context)
                if row_form.is_valid():
                    rows_cleaned.append(row_form.cleaned_data)
                else:
                    issues.extend(_form_issues(row_form, f"{spec.rows_field}.{i}."))
    if issues:
        raise SectionInvalid(issues)
    cleaned = build_data(spec, main.cleaned_data, rows_cleaned)
    if spec.has_none and not cleaned.get("none") and not cleaned[spec.rows_field]:
        raise SectionInvalid([Issue(spec.rows_field, "请至少填写一行；没有此类情况的请勾选“无”。")])
    if spec.has_rows and not spec.has_none and len(cleaned[spec.rows_field]) < spec.min_rows:
        raise SectionInvalid([Issue(spec.rows_field, f"请至少填写 {spec.min_rows} 行。")])
    if spec.cross_check is not None:
        cross = spec.cross_check(cleaned, context)
        if cross:
            raise SectionInvalid(cross)
    return cleaned


# ---- rules across rows ------------------------------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def check_education(data: dict[str, Any], context: SectionContext) -> list[Issue]:
    """Notice 五(一)3: from the lowest education to the highest, in the order they were obtained."""
    issues = []
    rows = data["rows"]
    for i in range(1, len(rows)):
        prev, row = rows[i - 1], rows[i]
        if EDUCATION_RANK[row["level"]] < EDUCATION_RANK[prev["level"]]:
            issues.append(Issue(f"rows.{i}.level", f"第 {i + 1} 行学历低于第 {i} 行：请从低到高依次填写。"))
        elif row["graduated"] < prev["graduated"]:
            issues.append(
                Issue(f"rows.{i}.graduated", f"第 {i + 1} 行毕业时间早于第 {i} 行：请按时间先后从低到高填写。")
            )
    return issues


def check_work_history(data: dict[str, Any], context: SectionContext) -> list[Issue]:
    """Notice 五(一)5: periods follow one another (上下衔接): no gap, no overlap; only the last may be open."""
    issues = []
    rows = data["rows"]
    for i, row in enumerate(rows):
        if row.get("end") is None and i != len(rows) - 1:
            issues.append(Issue(f"rows.{i}.end", f"第 {i + 1} 行未填截止时间：只有最后一行可以是“至今”。"))
    for i in range(1, len(rows)):
        prev_end = _date(rows[i - 1].get("end"))
        start = _date(rows[i]["start"])
        assert start is not None
        if prev_end is None:
            continue
        prev_start = _date(rows[i - 1]["start"])
        assert prev_start is not None  # every row's start is a required field
        if start < prev_start:
            issues.append(Issue(f"rows.{i}.start", f"第 {i + 1} 行起始时间早于第 {i} 行：请按时间先后顺序填写。"))
        elif start < prev_end:
            # Ending one period and starting the next on the same day still counts as continuous.
            issues.append(
                Issue(
                    f"rows.{i}.start",
                    f"第 {i} 行与第 {i + 1} 行时间重叠（第 {i + 1} 行起始 {start:%Y-%m-%d} "
                    f"早于第 {i} 行截止 {prev_end:%Y-%m-%d}）。",
                )
            )
        elif start > prev_end + dt.timedelta(days=1):
            issues.append(
                Issue(
                    f"rows.{i}.start",
                    f"第 {i} 行与第 {i + 1} 行之间有空档（{prev_end + dt.timedelta(days=1):%Y-%m-%d} 至 "
                    f"{start - dt.timedelta(days=1):%Y-%m-%d}），简历时间段应上下衔接。",
                )
            )
    return issues


def check_assessments(data: dict[str, Any], context: SectionContext) -> list[Issue]:
    """Notice 五(一)10: the annual assessments of the last N years (policy `years`), each year once."""
    issues = []
    seen: dict[int, int] = {}
    for i, row in enumerate(data["rows"]):
        if row["year"] in seen:
            issues.append(
                Issue(f"rows.{i}.year", f"第 {i + 1} 行与第 {seen[row['year']] + 1} 行年度重复（{row['year']} 年）。")
            )
        seen.setdefault(row["year"], i)
        if row["year"] >= context.round_year + 1:
            issues.append(Issue(f"rows.{i}.year", f"第 {i + 1} 行年度 {row['year']} 尚未到来。"))
    missing = [y for y in context.assessment_years if y not in seen]
    if missing:
        years = "、".join(str(y) for y in missing)
        since = (
            "（按基本信息中的参加工作时间计算）"
            if context.started_work is not None
            else "（请先在基本信息中填写参加工作时间）"
        )
        issues.append(Issue("rows", f"缺少任职期间近三年的年度考核：{years} 年{since}（通知五(一)10）。"))
    return issues


def check_continuing_education(data: dict[str, Any], context: SectionContext) -> list[Issue]:
    if not data.get("exempt") and not data["rows"]:
        return [Issue("rows", "请填写继续教育合格证书；符合免试条件的请勾选免试并上传免试审批表（附件4）。")]
    return []


# ---- attachments each section expects ---------------------------------------------------------------


def _need(counts: dict[str, int], spec_key: str, doc: str, minimum: int = 1) -> list[str]:
    if counts.get(doc, 0) >= minimum:
        return []
    label = doc_type_label(spec_key, doc)
    return [f"请上传“{label}”" + (f"（至少 {minimum} 张，已传 {counts.get(doc, 0)} 张）" if minimum > 1 else "")]


def attachments_basic_info(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    return [m for doc in ("id_front", "id_back", "photo") for m in _need(counts, "basic_info", doc)]


def attachments_social_insurance(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    return _need(counts, "social_insurance", "insurance_statement") if ctx.is_enterprise else []


def attachments_education(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    """Notice 五(一)3: "上传相应毕业证书及…备案表" — one diploma and one CHSI record (or 学籍档案) per education row."""
    rows = max(len(data.get("rows") or []), 1)
    return _need(counts, "education", "diploma", rows) + _need(counts, "education", "chsi_record", rows)


TITLE_PROOF_TYPES = ("title_document", "title_certificate", "title_evaluation_form")


def title_proofs_required(data: dict[str, Any], ctx: SectionContext) -> int:
    if not data.get("has_title"):
        return 0
    return ctx.title_proofs_required_xinjiang if data.get("issued_in_xinjiang") else ctx.title_proofs_required_elsewhere


def attachments_current_title(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    missing = []
    required = title_proofs_required(data, ctx)
    present = sum(1 for doc in TITLE_PROOF_TYPES if counts.get(doc, 0))
    if present < required:
        where = "在新疆取得" if data.get("issued_in_xinjiang") else "在其他省区市取得"
        missing.append(
            f"现任职资格{where}，需上传“任职资格文件”“职称证书”“专业技术职务任职资格评审表”"
            f"中的 {required} 项（已传 {present} 项）"
        )
    if data.get("transferred_from_government"):
        missing += _need(counts, "current_title", "appointment_papers")
    return missing


def attachments_achievements(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    return _need(counts, "achievements", "achievement_proof")


def _attachments_unless_none(section: str, doc: str) -> AttachmentCheck:
    def check(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
        return [] if data.get("none") else _need(counts, section, doc)

    return check


def attachments_assessments(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    """Notice 五(一)10: "年度考核表（正、反面）" — two images (both sides) per year row."""
    rows = max(len(data.get("rows") or []), len(ctx.assessment_years))
    return _need(counts, "assessments", "assessment_form", 2 * rows) if rows else []


def attachments_continuing_education(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    if data.get("exempt"):
        return _need(counts, "continuing_education", "exemption_form")
    return _need(counts, "continuing_education", "ce_certificate")


def attachments_commitment(data: dict[str, Any], ctx: SectionContext, counts: dict[str, int]) -> list[str]:
    return _need(counts, "commitment", "signed_commitment")


SECTIONS: dict[str, SectionSpec] = {
    s.key: s
    for s in [
        SectionSpec(
            "basic_info",
            f.BasicInfoForm,
            f.SpecialAssignmentRowForm,
            rows_title="特殊工作经历（“访惠聚”驻村等，没有的不填）",
            rows_field="special_assignments",
            row_renames={"from": "date_from", "to": "date_to"},
            doc_types=(
                DocType("id_front", "身份证（正面）", single=True, bears_name=True, withheld_from_experts=True),
                DocType("id_back", "身份证（反面）", single=True, withheld_from_experts=True),
                DocType("photo", "近期一寸免冠照片", single=True, withheld_from_experts=True),
                DocType("assignment_proof", "特殊工作经历证明"),
            ),
            attachment_check=attachments_basic_info,
            intro="申报人按要求填报个人信息，并上传身份证（正、反面）、近期一寸免冠照片（作为电子职称证书的照片）等附件材料。"
            "参加“访惠聚”驻村、寺管会、南疆学前教育支教和内地服务管理工作以及担任深度贫困村第一书记的，请在下方逐行填写。",
        ),
        SectionSpec(
            "social_insurance",
            f.SocialInsuranceForm,
            doc_types=(
                DocType("insurance_statement", "社会保险个人缴费汇总单/个人养老保险缴费对账单", bears_name=True),
            ),
            attachment_check=attachments_social_insurance,
            intro="企业需上传近6个月以上带二维码验证的“社会保险个人缴费汇总单”或“个人养老保险缴费对账单”等印证资料。",
        ),
        SectionSpec(
            "education",
            f.SectionForm,
            f.EducationRowForm,
            rows_title="学历学位（从低到高依次填写）",
            min_rows=1,
            doc_types=(
                DocType("diploma", "毕业证书", bears_name=True),
                DocType("chsi_record", "教育部学历证书电子注册备案表（或学籍档案）", bears_name=True),
            ),
            cross_check=check_education,
            attachment_check=attachments_education,
            intro="从低到高依次填写，并上传相应毕业证书及最新查询有效期内带二维码验证的学信网《教育部学历证书电子注册备案表》；"
            "无法查询的，需扫描上传学籍档案。",
        ),
        SectionSpec(
            "current_title",
            f.CurrentTitleForm,
            doc_types=(
                DocType("title_document", "任职资格文件", single=True, bears_name=True),
                DocType("title_certificate", "职称证书", single=True, bears_name=True),
                DocType("title_evaluation_form", "专业技术职务任职资格评审表", single=True, bears_name=True),
                DocType("appointment_papers", "任命文件及干部任免审批表", bears_name=True),
            ),
            attachment_check=attachments_current_title,
            intro="填报现专业技术任职资格，取得时间、聘任时间及从事专业技术工作年限。",
        ),
        SectionSpec(
            "work_history",
            f.SectionForm,
            f.WorkHistoryRowForm,
            rows_title="工作经历（时间段上下衔接）",
            min_rows=1,
            doc_types=(DocType("work_proof", "工作经历证明材料"),),
            cross_check=check_work_history,
            intro="参加工作以来的工作经历，按实际准确填写，简历时间段应上下衔接（无空档、无重叠）。",
        ),
        SectionSpec(
            "achievements",
            f.AchievementsForm,
            doc_types=(DocType("achievement_proof", "实践能力、业绩成果佐证材料"),),
            attachment_check=attachments_achievements,
        ),
        SectionSpec(
            "awards",
            f.NoneChoiceForm,
            f.AwardRowForm,
            rows_title="获奖情况",
            has_none=True,
            doc_types=(DocType("award_certificate", "获奖证书", bears_name=True),),
            attachment_check=_attachments_unless_none("awards", "award_certificate"),
            intro="如实填写相关信息，并上传证书原件，所有内容须与附件一致。",
        ),
        SectionSpec(
            "intellectual_property",
            f.NoneChoiceForm,
            f.IntellectualPropertyRowForm,
            rows_title="知识产权",
            has_none=True,
            doc_types=(DocType("ip_certificate", "知识产权证明（专利证书等）"),),
            attachment_check=_attachments_unless_none("intellectual_property", "ip_certificate"),
            intro="任现职以来在学术方面取得的发明专利等。本平台附件统一为 JPG 图片，请将扫描件逐页上传。",
        ),
        SectionSpec(
            "papers",
            f.NoneChoiceForm,
            f.PaperRowForm,
            rows_title="发表论文",
            has_none=True,
            doc_types=(DocType("paper", "论文（封面、目录、正文）"),),
            attachment_check=_attachments_unless_none("papers", "paper"),
            intro="按任职资格条件要求填写并上传。",
        ),
        SectionSpec(
            "assessments",
            f.AssessmentsForm,
            f.AssessmentRowForm,
            rows_title="年度考核结果",
            # Rows are owed per year in post (check_assessments); someone who started work in the round year has none.
            doc_types=(DocType("assessment_form", "年度考核表（正、反面）", bears_name=True),),
            cross_check=check_assessments,
            attachment_check=attachments_assessments,
            intro="按要求上传近三年年度考核表（正、反面），每个年度两张。参加工作不足三年的，填写参加工作以来的年度；"
            "评审年度当年参加工作的无需填写。",
        ),
        SectionSpec("work_summary", f.WorkSummaryForm),
        SectionSpec(
            "continuing_education",
            f.ContinuingEducationForm,
            f.ContinuingEducationRowForm,
            rows_title="继续教育合格证书",
            doc_types=(
                DocType("ce_certificate", "继续教育培训合格证书", bears_name=True),
                DocType("exemption_form", "继续教育免试审批表（附件4）", single=True, bears_name=True),
            ),
            cross_check=check_continuing_education,
            attachment_check=attachments_continuing_education,
            intro="按照公需科目30课时/年、专业科目60课时/年的标准，初级提供近两年的继续教育合格证书；"
            "中级提供近五年的公需科目及近三年专业科目合格证书。",
        ),
        SectionSpec(
            "other_attachments",
            f.OtherAttachmentsForm,
            doc_types=(
                DocType("unit_publicity", "推荐单位公示（附件1，签字盖章）", single=True, unit_record=True),
                DocType("publicity_result", "推荐单位公示结果（附件2，签字盖章）", single=True, unit_record=True),
                DocType("other_proof", "其他证明材料"),
            ),
        ),
        SectionSpec(
            "commitment",
            f.CommitmentForm,
            doc_types=(
                DocType(
                    "signed_commitment",
                    "手写承诺书（签字按手印）",
                    single=True,
                    bears_name=True,
                    withheld_from_experts=True,
                ),
            ),
            attachment_check=attachments_commitment,
        ),
        SectionSpec(
            "masking",
            None,
            intro="职称评审采取“盲评”方式：请逐张检查所传附件图片中的本人姓名，需要遮盖的选择【是】并进行【遮盖】，"
            "无需遮盖的选择【否】。",
        ),
    ]
}

FORM_SECTIONS = [key for key, spec in SECTIONS.items() if spec.form_class is not None]


# (section, doc type) → label of the records the unit uploads (DocType.unit_record), in the notice's order.
UNIT_RECORD_TYPES: dict[tuple[str, str], str] = {
    (key, d.key): d.label for key, spec in SECTIONS.items() for d in spec.doc_types if d.unit_record
}


def is_unit_record(section: str, doc_type: str) -> bool:
    return (section, doc_type) in UNIT_RECORD_TYPES


NAME_BEARING_DOC_TYPES = frozenset(d.key for spec in SECTIONS.values() for d in spec.doc_types if d.bears_name)
# Doc types blind review never shows (SPEC 2: never the ID card, photo or signed commitment). By doc type
# alone (the keys are unique across sections), so a file filed under another section is withheld all the same.
EXPERT_WITHHELD_DOC_TYPES = frozenset(
    d.key for spec in SECTIONS.values() for d in spec.doc_types if d.withheld_from_experts
)


def withheld_from_experts(attachment: Attachment) -> bool:
    return attachment.doc_type in EXPERT_WITHHELD_DOC_TYPES


def doc_type_label(section: str, doc_type: str) -> str:
    spec = SECTIONS.get(section)
    doc = spec.doc_type(doc_type) if spec else None
    return doc.label if doc else doc_type


def attachment_counts(attachments: list[Attachment]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for a in attachments:
        if is_unit_record(a.section, a.doc_type):
            continue  # the unit's records are not part of the applicant's completeness
        per_section = counts.setdefault(a.section, {})
        per_section[a.doc_type] = per_section.get(a.doc_type, 0) + 1
    return counts
