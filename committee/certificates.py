"""Electronic certificates for passed applicants, after the results are confirmed. The number is the round's
prefix, year and a sequence; the verification code is the documents app's (same alphabet, same public page).
The PDF is produced after commit (a rolled-back issue leaves no file); until it exists the certificate is
"owed" and `certificate_document` produces it on first read."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from committee.models import Certificate
from committee.permissions import require_office
from committee.results import confirmed_publicity
from committee.stage import PASSED
from committee.transitions import dossier_move
from core.errors import AlreadyRecorded, IllegalTransition, NotFound
from documents.models import DocumentKind, GeneratedDocument
from documents.services import certificate_document_generate, new_verification_code
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


@transaction.atomic
def certificate_issue(*, actor: User, dossier: Dossier) -> Certificate:
    # Lock the round: numbers are a per-round sequence, two officers issuing at once must not share one.
    round_ = Round.objects.select_for_update().get(pk=dossier.round_id)
    dossier = Dossier.objects.select_related("round", "unit").get(pk=dossier.pk)
    certificate_issue_check(actor, dossier)
    sequence = Certificate.objects.filter(dossier__round=round_).count() + 1
    certificate = Certificate.objects.create(
        dossier=dossier,
        number=certificate_number(round_, sequence),
        verification_code=new_verification_code(),
        issued_on=timezone.localdate(),
        issued_by=actor,
    )
    dossier_move(dossier=dossier, action="certificate_issue", actor=actor, note=certificate.number)
    audit(actor, "certificate_issued", certificate, dossier=dossier.pk, number=certificate.number)
    transaction.on_commit(lambda: certificate_document(certificate))
    return certificate


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
