"""The electronic title certificate (电子证书) of a passed applicant: photo, number, QR and the same kind of
verification code as the evaluation form, leading to the same public verification page."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from documents.content import DossierContent, chinese_date
from documents.evaluation_form import _photo_flowable, format_code
from documents.pdf import FONT_NAME, FRAME_WIDTH, PageDecoration, QRCode, build_pdf, grid_table, para, styles
from dossiers.models import Dossier


def render_certificate(dossier: Dossier, *, number: str, code: str, verify_url: str, issued_on: dt.date) -> bytes:
    content = DossierContent(dossier)
    policy = dossier.round.policy
    rows = [
        ["姓名", content.name, _photo_flowable(content)],
        ["身份证号", content.masked_id_number, ""],
        ["工作单位", dossier.unit.name, ""],
        ["评审系列及专业", f"{content.series} {content.specialty}", ""],
        ["资格名称", f"{dossier.level_label}（{dossier.kind_label}）", ""],
        ["评审委员会", str(policy.data.get("issuer", "")), ""],
        ["证书编号", number, ""],
        ["发证日期", chinese_date(issued_on.isoformat()), ""],
    ]
    table = grid_table(
        rows,
        [32 * mm, FRAME_WIDTH - 32 * mm - 36 * mm, 36 * mm],
        extra_style=[("SPAN", (2, 0), (2, len(rows) - 1)), ("ALIGN", (2, 0), (2, 0), "CENTER")],
    )
    qr = Table(
        [
            [
                [para(f"验证码：{format_code(code)}", "body"), para(f"核验网址：{verify_url}", "small")],
                QRCode(verify_url),
            ]
        ],
        colWidths=[FRAME_WIDTH - 34 * mm, 34 * mm],
    )
    qr.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    flowables: list[Flowable] = [
        Paragraph("专业技术职务任职资格证书", styles()["title"]),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 8 * mm),
        para("经评审委员会评审通过，具备上述专业技术职务任职资格。扫描二维码或登录核验网址可核验本证书真伪。", "body"),
        Spacer(1, 6 * mm),
        qr,
    ]
    decoration = PageDecoration(
        watermark=f"{dossier.round.name}\n证书编号 {number}",
        footer=f"证书编号 {number} · 验证码 {format_code(code)}",
        duplex=False,
    )
    return build_pdf(
        flowables, title=f"专业技术职务任职资格证书 {number}", decoration=decoration, subject=dossier.round.name
    )
