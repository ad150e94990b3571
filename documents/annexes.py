"""The notice's annexes 1-4 filled from a dossier: 推荐单位公示, 推荐单位公示结果, 个人承诺书,
继续教育免试申请表. Text annexes are built once as blocks and rendered to PDF and (for officers who edit
them before stamping) DOCX."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Literal

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from documents.content import EDUCATION_LEVELS, DossierContent, chinese_date
from documents.pdf import FRAME_WIDTH, PageDecoration, build_pdf, grid_table, para

BlockStyle = Literal["title", "indent", "right", "body", "gap"]

# Notice 附件1 asks for the 思想政治条件; the dossier has no such field, so the unit's usual wording is
# printed and stays editable in the DOCX (and overridable by the caller).
DEFAULT_POLITICAL_CONDUCT = (
    "坚决拥护中国共产党的领导，政治立场坚定，遵守国家法律法规，恪守职业道德，无违反职业操守和从业行为规范的情况。"
)
ACHIEVEMENTS_MAX_CHARS = 600


@dataclass(frozen=True)
class Block:
    style: BlockStyle
    text: str = ""


def _qualification(content: DossierContent) -> str:
    """e.g. 工程系列公路与运输专业中级（工程师）专业技术任职资格."""
    return f"{content.series}{content.specialty}专业{content.target_grade}（{content.target_title}）专业技术任职资格"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "……"


def publicity_notice_blocks(
    content: DossierContent, *, start: dt.date, end: dt.date, contact: str, political_conduct: str | None = None
) -> list[Block]:
    """附件1 推荐单位公示. The ID number is masked: the notice is posted publicly inside the unit."""
    b = content.basic
    current = content.current_title_name
    if current != content.empty and content.current_title_obtained != content.empty:
        current = f"{current}（{chinese_date(content.current_title_obtained)}取得）"
    basic = (
        f"性别：{content.sex}；族别：{content.value(b.get('ethnicity'))}；政治面貌：{content.value(b.get('political_status'))}；"
        f"身份证号：{content.masked_id_number}；现任专业技术职务任职资格：{current}。"
    )
    achievements = _shorten(content.value(content.section("achievements").get("text")), ACHIEVEMENTS_MAX_CHARS)
    return [
        Block("title", "推荐单位公示"),
        Block("indent", f"根据自治区职称评审工作的要求，现对{content.name}同志申报{_qualification(content)}进行公示。"),
        Block("indent", f"基本信息：{basic}"),
        Block("indent", f"思想政治条件：{political_conduct or DEFAULT_POLITICAL_CONDUCT}"),
        Block("indent", f"业绩成果：{achievements}"),
        Block(
            "indent",
            f"公示时间从{chinese_date(start)}起至{chinese_date(end)}止（公示期不少于"
            f"{content.policy.publicity_min_working_days}个工作日）。如对{content.name}同志的相关信息有疑异，"
            f"请以电话或书面形式反映至{contact}。",
        ),
        Block("gap"),
        Block("right", "签字：（单位负责人签字）            "),
        Block("right", f"{content.dossier.unit.name}（推荐单位公章）"),
        Block("right", chinese_date(start)),
    ]


def publicity_result_blocks(
    content: DossierContent, *, start: dt.date, end: dt.date, working_days: int, objections: str, issued_on: dt.date
) -> list[Block]:
    """附件2 推荐单位公示结果. With objections the text reports them instead of “公示无异议… 同意推荐”."""
    period = (
        f"{content.name}同志申报材料于{chinese_date(start)}至{chinese_date(end)}在本单位公示{working_days}个工作日，"
    )
    objections = objections.strip()
    # The workflow records “无” when nothing was raised: that is the no-objection wording, not an objection.
    if objections and objections != content.empty:
        body = period + f"公示期间收到以下异议：{objections}。是否推荐以推荐单位对异议的核查结论为准。"
    else:
        body = (
            period + "公示无异议，未收到投诉、举报，申报材料真实、完整、有效，"
            f"同意推荐{content.name}同志申报{_qualification(content)}。"
        )
    return [
        Block("title", "推荐单位公示结果"),
        Block("indent", body),
        Block("gap"),
        Block("right", f"{content.dossier.unit.name}（公章）"),
        Block("right", chinese_date(issued_on)),
    ]


def commitment_blocks(content: DossierContent) -> list[Block]:
    """附件3 个人承诺书 in annex 3's own wording (policy texts.annex3_commitment), which differs from the
    sentence 五(一)14 asks to be handwritten in section 14 (texts.commitment)."""
    signed_on = content.section("commitment").get("signed_on")
    return [
        Block("title", "个人承诺书"),
        Block("body", f"承诺人：{content.name}    身份证号：{content.id_number}"),
        Block("body", f"工作单位：{content.dossier.unit.name}"),
        Block("body", f"申报：{_qualification(content)}（{content.dossier.kind_label}）"),
        Block("gap"),
        Block("indent", content.policy.text("annex3_commitment")),
        Block("gap"),
        Block("right", "签字：（承诺人）                    "),
        Block("right", chinese_date(signed_on) if signed_on else "年      月      日"),
    ]


def blocks_to_pdf(blocks: list[Block], *, title: str, watermark: str = "") -> bytes:
    flowables: list[Flowable] = []
    for block in blocks:
        if block.style == "gap":
            flowables.append(Spacer(1, 12 * mm))
        elif block.style == "title":
            flowables += [para(block.text, "title"), Spacer(1, 6 * mm)]
        else:
            flowables += [para(block.text, block.style), Spacer(1, 2 * mm)]
    # Single-sheet annexes are printed one-sided: no blank back page.
    return build_pdf(flowables, title=title, decoration=PageDecoration(watermark=watermark, duplex=False))


def _docx_font(run_or_style, size: float | None = None) -> None:
    """Word needs the East-Asian font set explicitly, or it substitutes a Latin font for the Chinese text."""
    run_or_style.font.name = "SimSun"
    rpr = run_or_style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    if size:
        run_or_style.font.size = Pt(size)


def blocks_to_docx(blocks: list[Block], *, title: str) -> bytes:
    document = DocxDocument()
    document.core_properties.title = title
    section = document.sections[0]
    section.page_width, section.page_height = (Pt(595.3), Pt(841.9))  # A4
    _docx_font(document.styles["Normal"], 12)
    for block in blocks:
        if block.style == "gap":
            document.add_paragraph()
            continue
        paragraph = document.add_paragraph()
        run = paragraph.add_run(block.text)
        _docx_font(run, 18 if block.style == "title" else 12)
        if block.style == "title":
            run.bold = True
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.style == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif block.style == "indent":
            paragraph.paragraph_format.first_line_indent = Pt(24)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


CE_EXEMPTION_NOTES = [
    "注：1. 仍在参加“访惠聚”驻村（含抽调到各级“访惠聚”办公室）工作的专业技术人员，由同级“访惠聚”办公室审核；"
    "参加驻村管寺、南疆学前双语教育干部支教工作的专业技术人员，由同级党委统战部门或南疆四地州学前双语教育干部支教工作领导小组办公室审核。",
    "2. 参加“访惠聚”驻村、驻村管寺、南疆学前双语教育干部支教工作已返回人员，"
    "由原派驻单位所属的地州市或自治区区属主管单位审核。",
    "3. 各地各部门不得私自设置免除继续教育学习事项及申请表（审批表）。",
]


def render_ce_exemption_pdf(content: DossierContent) -> bytes:
    """附件4 自治区“访惠聚”驻村等专业技术人员职称评审免除继续教育学习申请表."""
    b = content.basic
    edu = content.highest_education

    graduated = (
        f"{chinese_date(edu.get('graduated'), with_day=False)}毕业于{edu.get('school', '')}{edu.get('major', '')}专业"
        if edu
        else None
    )
    birth = chinese_date(b.get("birth_date"), with_day=False) if b.get("birth_date") else None
    reason = content.special_assignment_text or None
    w = FRAME_WIDTH
    # The 18-digit ID number needs the widest value column.
    widths = [24 * mm, 40 * mm, 20 * mm, 30 * mm, 22 * mm, w - 136 * mm]
    rows = [
        ["姓名", content.name, "性别", content.sex, "出生年月", content.value(birth)],
        [
            "身份证号",
            content.id_number,
            "学历",
            content.value(EDUCATION_LEVELS.get(edu.get("level", ""), None)),
            "学位",
            content.value(edu.get("degree")),
        ],
        ["何时何学校何专业毕业", content.value(graduated), "", "", "", ""],
        ["现工作单位", content.dossier.unit.name, "", "参加工作时间", content.value(b.get("started_work")), ""],
        ["现有专业技术职务", content.current_title_name, "", "拟申报专业技术职务", content.target_title, ""],
        ["免学理由", para(content.value(reason), "body"), "", "", "", ""],
        ["审核意见", para("\n\n\n\n公 章\n年    月    日", "right"), "", "", "", ""],
    ]
    table = grid_table(
        rows,
        widths,
        extra_style=[
            ("SPAN", (1, 2), (5, 2)),
            ("SPAN", (1, 3), (2, 3)),
            ("SPAN", (4, 3), (5, 3)),
            ("SPAN", (1, 4), (2, 4)),
            ("SPAN", (4, 4), (5, 4)),
            ("SPAN", (1, 5), (5, 5)),
            ("SPAN", (1, 6), (5, 6)),
            ("TOPPADDING", (0, 5), (-1, 5), 20),
            ("BOTTOMPADDING", (0, 5), (-1, 5), 20),
        ],
    )
    flowables: list[Flowable] = [
        para("自治区“访惠聚”驻村等专业技术人员职称评审\n免除继续教育学习申请表", "title"),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
    ]
    flowables += [para(note, "small") for note in CE_EXEMPTION_NOTES]
    return build_pdf(flowables, title="免除继续教育学习申请表", decoration=PageDecoration(duplex=False))
