"""The rules of a section, said before the first error: read from the round's policy and the section
definitions, so what the page announces is what the checks enforce (one source for both)."""

from __future__ import annotations

from dossiers.models import Dossier
from dossiers.sections import SECTIONS, SectionContext, context_for
from rounds.policy import Policy


def _assessments(ctx: SectionContext) -> list[str]:
    years = ctx.assessment_years
    return [f"须填写近 {len(years)} 年（{years[0]}–{years[-1]} 年）每年的年度考核结果，并上传考核表。"]


def _work_summary(ctx: SectionContext) -> list[str]:
    n = ctx.work_summary_min_chars
    return [f"工作总结不少于 {n} 字。"] if n else []


def _social_insurance(ctx: SectionContext) -> list[str]:
    if not ctx.is_enterprise:
        return []
    return [f"企业申报人须有近 {ctx.min_insurance_months} 个月以上的社保缴费记录，并上传带二维码的缴费证明。"]


def _current_title(ctx: SectionContext) -> list[str]:
    return [
        f"已取得职称的：新疆内取得的上传 {ctx.title_proofs_required_xinjiang} 种证明，"
        f"疆外取得的上传 {ctx.title_proofs_required_elsewhere} 种证明（文件、证书、评审表）。"
    ]


RULES = {
    "assessments": _assessments,
    "work_summary": _work_summary,
    "social_insurance": _social_insurance,
    "current_title": _current_title,
}


def section_rules(dossier: Dossier, key: str) -> list[str]:
    """What this section asks for, in the applicant's words (empty when its intro already says it all)."""
    rule = RULES.get(key)
    return rule(context_for(dossier)) if rule is not None else []


def attachment_rules(policy: Policy, key: str) -> list[str]:
    """The image limits of this section's uploads: size, format and each slot's minimum resolution."""
    limits = policy.attachments
    spec = SECTIONS[key]
    mb = int(limits["max_bytes"]) / 1024 / 1024
    rules = [
        f"仅限 JPG 格式，请正向上传、内容清晰（通知八(一)）；单个不超过 {mb:.0f} MB（本平台限制），"
        "手机拍摄的大照片会在上传前自动缩小。",
        f"图片短边不少于 {int(limits['min_side_px'])} 像素；可一次选择多张。",
    ]
    for doc in spec.applicant_doc_types:
        own = policy.attachment_limits(doc.key)["min_side_px"]
        if own != int(limits["min_side_px"]):
            hint = "（标准一寸照 295×413 像素可直接上传）" if doc.key == "photo" else ""
            rules.append(f"“{doc.label}”短边不少于 {own} 像素{hint}。")
    return rules
