"""Electronic certificates for passed applicants, after the results are confirmed. The number is the round's
prefix, year and a sequence; the verification code is the documents app's (same alphabet, same public page).
The PDF is produced after commit (a rolled-back issue leaves no file); until it exists the certificate is
"owed" and `certificate_document` produces it on first read."""

from __future__ import annotations

from accounts.models import User
from committee.models import Certificate
from committee.permissions import require_office
from committee.results import confirmed_publicity
from committee.stage import PASSED
from committee.transitions import dossier_move
from core.errors import AlreadyRecorded, IllegalTransition, NotFound
from documents.models import DocumentKind, GeneratedDocument
from documents.services import certificate_document_generate
from dossiers.models import Dossier
from rounds.models import Round


def certificate_number(round_: Round, sequence: int) -> str:
    """BZGL-2023-0007: prefix (policy), round year, sequence within the round."""
    return f"{round_.policy.committee_value('certificate_prefix')}-{round_.year}-{sequence:04d}"


def certificate_issue_check(actor: User | None, dossier: Dossier) -> None:
    require_office(actor, dossier)
    if Certificate.objects.filter(dossier=dossier).exists():
        raise AlreadyRecorded("该申报已发放证书。")
    if dossier.status != PASSED:
        raise IllegalTransition(f"当前状态为“{dossier.status_label}”，只有评审通过的申报可以发证。")
    if confirmed_publicity(dossier) is None:
        raise IllegalTransition("评审结果公示结束并确认后才能发放证书。")


def certificate_issue(*, actor: User, dossier: Dossier) -> Certificate:
    """Issue through the policy's `certificate_issue` action (committee.actions.CertificateIssueAction), which
    creates the certificate in the same transaction as the move and draws its PDF after commit."""
    dossier_move(dossier=dossier, action="certificate_issue", actor=actor)
    return Certificate.objects.get(dossier=dossier)


def certificate_document(certificate: Certificate) -> GeneratedDocument:
    """The certificate's PDF, produced now if it is still owed."""
    existing = GeneratedDocument.objects.filter(
        kind=DocumentKind.CERTIFICATE, verification_code=certificate.verification_code
    ).first()
    if existing is not None:
        return existing
    return certificate_document_generate(
        dossier=certificate.dossier,
        number=certificate.number,
        code=certificate.verification_code,
        issued_on=certificate.issued_on,
        actor=certificate.issued_by,
    )


def certificate_by_number(number: str) -> Certificate:
    """Public lookup by certificate number."""
    certificate = Certificate.objects.select_related("dossier").filter(number=number.strip().upper()).first()
    if certificate is None:
        raise NotFound("未找到该证书编号。")
    return certificate
