"""专业技术职务任职资格评审表: the paper form the applicant prints once the committee has received the dossier
(通知 五(三): A4 正反双面打印, 贴本人免冠近照, 有水印方为有效, 本人签字并手写承诺语, 逐级签字盖章)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

from documents.content import (
    ASSESSMENT_RESULTS,
    CE_TYPES,
    EDUCATION_LEVELS,
    TITLE_LEVELS,
    DossierContent,
    chinese_date,
)
from documents.pdf import (
    FONT_NAME,
    FRAME_WIDTH,
    GRID_STYLE,
    PageDecoration,
    QRCode,
    build_pdf,
    grid_table,
    para,
    styles,
)
from dossiers.display import field_labels
from dossiers.models import Dossier

PHOTO_WIDTH = 25 * mm  # 一寸照片 25 × 35 mm
PHOTO_HEIGHT = 35 * mm


def format_code(code: str) -> str:
    """Print the verification code in groups of four, as people read it aloud."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class SealArea(Flowable):
    """A dashed circle where the office stamps its seal, with a date line below it."""

    def __init__(self, width: float, height: float, label: str = "（盖章）") -> None:
        super().__init__()
        self.width, self.height, self.label = width, height, label

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        radius = min(self.width, self.height - 8 * mm) / 2 - 1 * mm
        cx, cy = self.width / 2, 8 * mm + radius
        c.saveState()
        c.setStrokeColor(colors.HexColor("#999999"))
        c.setDash(3, 2)
        c.circle(cx, cy, radius, stroke=1, fill=0)
        c.setFont(FONT_NAME, 9)
        c.setFillColor(colors.HexColor("#777777"))
        c.drawCentredString(cx, cy - 3, self.label)
        c.setFillColor(colors.black)
        c.setFont(FONT_NAME, 10)
        c.drawCentredString(cx, 1.5 * mm, "年      月      日")
        c.restoreState()


def _photo_flowable(content: DossierContent) -> Flowable:
    attachment = content.photo()
    if attachment is None:
        return para("（贴一寸免冠近照）", "label")
    with attachment.file.open("rb") as handle:
        data = io.BytesIO(handle.read())
    return Image(data, width=PHOTO_WIDTH, height=PHOTO_HEIGHT, kind="proportional")


def _section_title(content: DossierContent, key: str) -> Paragraph:
    section = content.policy.section(key)
    return para(f"{section['number']}. {section['title']}", "h2")


def _rows_table(
    content: DossierContent, headers: list[str], rows: Iterable[list[Any]], widths: list[float]
) -> Flowable:
    body = [[content.value(v) for v in row] for row in rows]
    if not body:
        return grid_table([[content.empty]], [FRAME_WIDTH])
    return grid_table([headers, *body], widths, header=True)


def _text_block(content: DossierContent, text: Any) -> Flowable:
    return grid_table([[para(content.value(text), "body")]], [FRAME_WIDTH])


def _basic_info(content: DossierContent) -> list[Flowable]:
    b = content.basic
    w = FRAME_WIDTH
    label_w, photo_w = 25 * mm, 32 * mm
    value_w = (w - 2 * label_w - photo_w) / 2
    widths = [label_w, value_w, label_w, value_w, photo_w]
    rows = [
        ["姓名", content.name, "性别", content.sex, _photo_flowable(content)],
        ["族别", content.value(b.get("ethnicity")), "政治面貌", content.value(b.get("political_status")), ""],
        ["出生日期", content.value(b.get("birth_date")), "参加工作时间", content.value(b.get("started_work")), ""],
        ["身份证号", content.id_number, "联系电话", content.value(b.get("phone")), ""],
        ["工作单位", content.dossier.unit.name, "", "", ""],
        [
            "电子邮箱",
            content.value(b.get("email")),
            "单位性质",
            content.dossier.unit.get_unit_type_display() or content.empty,
            "",
        ],
        ["特殊工作经历", content.value(content.special_assignment_text), "", "", ""],
    ]
    table = grid_table(
        rows,
        widths,
        extra_style=[
            ("SPAN", (4, 0), (4, 3)),
            ("ALIGN", (4, 0), (4, 3), "CENTER"),
            ("SPAN", (1, 4), (4, 4)),
            ("SPAN", (1, 6), (4, 6)),
            ("SPAN", (3, 5), (4, 5)),
            ("ROWBACKGROUNDS", (0, 0), (0, -1), [colors.HexColor("#f4f4f4")]),
        ],
    )
    return [_section_title(content, "basic_info"), table]


def _social_insurance(content: DossierContent) -> list[Flowable]:
    s = content.section("social_insurance")
    months = s.get("months")
    rows = [
        [
            "社保缴费月数",
            content.value(f"{months} 个月" if months not in (None, "") else None),
            "说明",
            content.value(s.get("note")),
        ]
    ]
    return [
        _section_title(content, "social_insurance"),
        grid_table(rows, [30 * mm, 40 * mm, 20 * mm, FRAME_WIDTH - 90 * mm]),
    ]


def _education(content: DossierContent) -> list[Flowable]:
    rows = [
        [
            EDUCATION_LEVELS.get(r.get("level", ""), r.get("level")),
            r.get("school"),
            r.get("major"),
            r.get("start"),
            r.get("graduated"),
            r.get("degree"),
        ]
        for r in content.section("education").get("rows") or []
    ]
    widths = [20 * mm, 40 * mm, 32 * mm, 25 * mm, 25 * mm, FRAME_WIDTH - 142 * mm]
    return [
        _section_title(content, "education"),
        _rows_table(content, ["学历层次", "毕业院校", "所学专业", "入学时间", "毕业时间", "学位"], rows, widths),
    ]


def _current_title(content: DossierContent) -> list[Flowable]:
    t = content.current_title
    has = t.get("has_title", bool(t.get("title_name")))
    rows = [
        [
            "现任专业技术资格",
            content.current_title_name,
            "资格级别",
            content.value(TITLE_LEVELS.get(t.get("level", ""), t.get("level")) if has else None),
        ],
        [
            "取得资格时间",
            content.current_title_obtained,
            "聘任时间",
            content.value(t.get("appointed") if has else None),
        ],
        [
            "是否新疆颁发",
            content.value(t.get("issued_in_xinjiang") if has else None),
            "是否机关调入",
            content.value(t.get("transferred_from_government")),
        ],
        [
            "专业技术工作年限",
            content.value(f"{t['professional_years']} 年" if t.get("professional_years") not in (None, "") else None),
            "拟晋升专业技术职务",
            f"{content.target_title}（{content.dossier.kind_label}）",
        ],
    ]
    widths = [32 * mm, FRAME_WIDTH / 2 - 32 * mm, 32 * mm, FRAME_WIDTH / 2 - 32 * mm]
    return [_section_title(content, "current_title"), grid_table(rows, widths)]


def _work_history(content: DossierContent) -> list[Flowable]:
    rows = [
        [r.get("start"), r.get("end") or "至今", r.get("unit"), r.get("position")]
        for r in content.section("work_history").get("rows") or []
    ]
    widths = [25 * mm, 25 * mm, 70 * mm, FRAME_WIDTH - 120 * mm]
    return [
        _section_title(content, "work_history"),
        _rows_table(content, ["起始时间", "终止时间", "工作单位", "职务/岗位"], rows, widths),
    ]


def _free_rows(content: DossierContent, key: str) -> list[Flowable]:
    data = content.section(key)
    rows = data.get("rows") or []
    if data.get("none") or not rows:
        return [_section_title(content, key), grid_table([[content.empty]], [FRAME_WIDTH])]
    labels = field_labels(key)  # the captions the applicant filled in, never the stored keys
    order = list(labels)
    columns = sorted(content.row_columns(rows), key=lambda k: order.index(k) if k in order else len(order))
    # A key the form does not know (none today) is captioned 其他: a stored key is never printed on the signed form.
    headers = [labels.get(k) or "其他" for k in columns]
    widths = [FRAME_WIDTH / len(columns)] * len(columns)
    return [
        _section_title(content, key),
        _rows_table(content, headers, ([r.get(k) for k in columns] for r in rows), widths),
    ]


def _assessments(content: DossierContent) -> list[Flowable]:
    rows = [
        [f"{r.get('year')} 年度", ASSESSMENT_RESULTS.get(r.get("result", ""), r.get("result"))]
        for r in sorted(content.section("assessments").get("rows") or [], key=lambda r: r.get("year") or 0)
    ]
    return [
        _section_title(content, "assessments"),
        _rows_table(content, ["考核年度", "考核结果"], rows, [FRAME_WIDTH / 2] * 2),
    ]


def _continuing_education(content: DossierContent) -> list[Flowable]:
    ce = content.section("continuing_education")
    flowables: list[Flowable] = [_section_title(content, "continuing_education")]
    if ce.get("exempt"):
        flowables.append(_text_block(content, "符合继续教育免试条件，已提交《继续教育免试申请表》（附件4）。"))
    rows = [
        [r.get("year"), CE_TYPES.get(r.get("type", ""), r.get("type")), f"{r.get('hours')}", r.get("certificate_no")]
        for r in sorted(ce.get("rows") or [], key=lambda r: (r.get("year") or 0, r.get("type") or ""))
    ]
    if rows or not ce.get("exempt"):
        flowables.append(
            _rows_table(
                content,
                ["年度", "科目类别", "学时", "证书编号"],
                rows,
                [25 * mm, 35 * mm, 25 * mm, FRAME_WIDTH - 85 * mm],
            )
        )
    return flowables


def _masking(content: DossierContent) -> list[Flowable]:
    count = content.dossier.attachments.count()
    return [
        _section_title(content, "masking"),
        _text_block(content, f"附件材料共 {count} 份，均已上传至申报系统并完成本人姓名遮盖检查。"),
    ]


def _commitment(content: DossierContent) -> list[Flowable]:
    commitment = content.section("commitment")
    s = styles()
    text = content.policy.text("commitment")
    rows = [
        [para(text, "body")],
        [para("本人手写承诺语：", "cell")],
        [Spacer(1, 38 * mm)],
        [
            para(
                "承诺人（签字）：                        "
                + (chinese_date(commitment.get("signed_on")) or "年      月      日"),
                "right",
            )
        ],
    ]
    table = Table(rows, colWidths=[FRAME_WIDTH])
    table.setStyle(
        TableStyle([*GRID_STYLE[:1], ("BOX", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return [KeepTogether([_section_title(content, "commitment"), table, Spacer(1, 2 * mm), Paragraph("", s["body"])])]


def _opinions(content: DossierContent) -> list[Flowable]:
    """Signature and seal boxes of every level (逐级签字盖章)."""
    policy = content.policy
    seal_w = 48 * mm
    text_w = FRAME_WIDTH - 32 * mm - seal_w
    blocks = [
        ("本人签字", "本人对以上填报内容的真实性负责。\n\n签字：", SealArea(seal_w, 34 * mm, "（按手印）")),
        (
            "推荐单位意见",
            f"{policy.text('recommendation_opinion')}\n\n单位负责人（签字）：",
            SealArea(seal_w, 34 * mm, "推荐单位盖章"),
        ),
        ("县（市）审核意见", "\n\n\n审核人（签字）：", SealArea(seal_w, 34 * mm, "县（市）盖章")),
        ("州级审核意见", "\n\n\n审核人（签字）：", SealArea(seal_w, 34 * mm, "州级盖章")),
    ]
    rows = [[para(label, "label"), para(text, "body"), seal] for label, text, seal in blocks]
    table = grid_table(rows, [32 * mm, text_w, seal_w], extra_style=[("VALIGN", (1, 0), (1, -1), "TOP")])
    return [KeepTogether([para("逐级审核意见", "h2"), table])]


def _header(content: DossierContent, *, code: str, verify_url: str, printed_at: dt.datetime) -> list[Flowable]:
    dossier = content.dossier
    s = styles()
    info = [
        para(f"申报编号：{dossier.serial_number}", "body"),
        para(f"评审批次：{dossier.round.name}", "body"),
        para(f"评审系列及专业：{content.series} {content.specialty}", "body"),
        para(f"申报级别及类型：{dossier.level_label}（{dossier.kind_label}）", "body"),
        para(f"打印时间：{timezone.localtime(printed_at):%Y-%m-%d %H:%M}", "body"),
        para(f"验证码：{format_code(code)}", "body"),
        para(f"核验网址：{verify_url}", "small"),
    ]
    qr_size = 32 * mm
    qr_cell = [QRCode(verify_url, size=qr_size), para("扫码核验真伪", "label")]
    head = Table([[info, qr_cell]], colWidths=[FRAME_WIDTH - qr_size - 4 * mm, qr_size + 4 * mm])
    head.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return [Paragraph("专业技术职务任职资格评审表", s["title"]), Spacer(1, 2 * mm), head, Spacer(1, 3 * mm)]


def watermark_text(dossier: Dossier, printed_at: dt.datetime) -> str:
    """Two lines per stamp: the round, then the applicant's serial number and the print time."""
    return f"{dossier.round.name}\n{dossier.serial_number} · 打印时间 {timezone.localtime(printed_at):%Y-%m-%d %H:%M}"


def render_evaluation_form(dossier: Dossier, *, code: str, verify_url: str, printed_at: dt.datetime) -> bytes:
    content = DossierContent(dossier)
    flowables: list[Flowable] = []
    flowables += _header(content, code=code, verify_url=verify_url, printed_at=printed_at)
    flowables += _basic_info(content)
    flowables += _social_insurance(content)
    flowables += _education(content)
    flowables += _current_title(content)
    flowables += _work_history(content)
    flowables += [
        _section_title(content, "achievements"),
        _text_block(content, content.section("achievements").get("text")),
    ]
    for key in ("awards", "intellectual_property", "papers"):
        flowables += _free_rows(content, key)
    flowables += _assessments(content)
    flowables += [
        _section_title(content, "work_summary"),
        _text_block(content, content.section("work_summary").get("text")),
    ]
    flowables += _continuing_education(content)
    flowables += [
        _section_title(content, "other_attachments"),
        _text_block(content, content.section("other_attachments").get("note")),
    ]
    flowables += _commitment(content)
    flowables += _masking(content)
    flowables += _opinions(content)
    decoration = PageDecoration(
        watermark=watermark_text(dossier, printed_at),
        footer=f"{dossier.serial_number} · 验证码 {format_code(code)}",
    )
    return build_pdf(
        flowables,
        title=f"专业技术职务任职资格评审表 {dossier.serial_number}",
        decoration=decoration,
        subject=dossier.round.name,
    )
