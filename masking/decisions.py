"""Reads for the prefecture office: each dossier's masking decisions — what detection found, what the
applicant covered, what they marked "not my name" and why, and what the recheck of the masked copy
still read. (Kept beside masking/selectors.py so that module's access functions can move freely.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Role, User
from core.errors import NotFound
from dossiers.access import can_act_as, dossier_visible_to
from dossiers.models import Dossier
from dossiers.sections import doc_type_label
from masking.coverage import COVERED_SHARE, KIND_LABELS, Finding, covered_share
from masking.models import RecheckStatus
from masking.selectors import MaskingItem, masking_items


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    covered: bool
    not_mine_reason: str | None

    @property
    def decision_label(self) -> str:
        if self.not_mine_reason is not None:
            return "申报人标记为非本人信息"
        return "已遮盖" if self.covered else "未遮盖"


@dataclass
class AttachmentDecisions:
    item: MaskingItem
    doc_label: str
    findings: list[FindingView] = field(default_factory=list)

    @property
    def masking_id(self) -> int | None:
        return self.item.masking.pk if self.item.masking else None

    @property
    def marked(self) -> list[FindingView]:
        return [f for f in self.findings if f.not_mine_reason is not None]

    @property
    def recheck(self) -> str:
        return self.item.masking.recheck if self.item.masking else RecheckStatus.NONE

    @property
    def recheck_label(self) -> str:
        return RecheckStatus(self.recheck).label

    @property
    def leak(self) -> bool:
        return self.recheck == RecheckStatus.LEAK

    @property
    def leak_labels(self) -> list[str]:
        kinds = self.item.masking.leak_kinds if self.item.masking else []
        return [KIND_LABELS.get(k, k) for k in kinds]

    @property
    def needs_office(self) -> bool:
        """The office should look: a mark to judge, a copy that still shows an identifier, or no clean copy."""
        return bool(self.marked) or self.recheck in (RecheckStatus.LEAK, RecheckStatus.FAILED)


def office_dossier(user: User, dossier_id: int) -> Dossier:
    """A dossier of the user's prefecture (the office's scope), else NotFound (absent and hidden alike)."""
    dossier = Dossier.objects.select_related("round", "unit").filter(pk=dossier_id).first()
    if dossier is None or not is_office_for(user, dossier):
        raise NotFound("未找到该申报材料。")
    return dossier


def is_office_for(user: User, dossier: Dossier) -> bool:
    """A prefecture officer of this dossier's chain, once the dossier has left the applicant (drafts never do)."""
    return can_act_as(user, Role.PREFECTURE_OFFICER, dossier) and dossier_visible_to(user, dossier)


def dossier_masking_decisions(dossier: Dossier) -> list[AttachmentDecisions]:
    result: list[AttachmentDecisions] = []
    for item in masking_items(dossier):
        attachment, masking = item.attachment, item.masking
        entry = AttachmentDecisions(item, doc_type_label(attachment.section, attachment.doc_type))
        if masking is not None:
            boxes = masking.confirmed_boxes if masking.needs_masking else []
            for raw in masking.findings:
                finding = Finding.from_dict(raw)
                entry.findings.append(
                    FindingView(
                        finding,
                        covered_share(finding.core, boxes) >= COVERED_SHARE,
                        masking.not_mine.get(finding.id),
                    )
                )
        result.append(entry)
    return result


def experts_assigned(dossier: Dossier) -> bool:
    return dossier.expert_assignments.exists()
