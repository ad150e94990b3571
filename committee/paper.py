"""Receipt of the printed evaluation forms and unit rosters (notice 三(二): 纸质材料报送时间). The office scans
the QR printed on a form: it carries the form's verification code, which names the dossier."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import Organization, User
from accounts.services import audit
from committee.models import PaperReceipt, RosterReceipt
from committee.permissions import require_office
from committee.stage import AT_COMMITTEE
from core.errors import AlreadyRecorded, IllegalTransition, NotFound, OutsideWindow
from documents.selectors import verification_lookup
from dossiers.models import Dossier
from rounds.models import Round

PAPER_WINDOW = "paper_submission"


def dossier_for_form_code(code: str) -> Dossier:
    """The dossier whose printed evaluation form carries this verification code (scanned from its QR)."""
    # A scanner gives the whole URL (…/verify/CODE/); a person may type the code alone.
    document = verification_lookup(code.strip().rstrip("/").rsplit("/", 1)[-1])
    if document is None or document.dossier is None:
        raise NotFound("未找到与该二维码或验证码对应的评审表。")
    return document.dossier


def _require_in_window(round_: Round, day: dt.date) -> None:
    window = round_.policy.window(PAPER_WINDOW)
    if not window.contains(day):
        raise OutsideWindow(f"收件日期 {day:%Y-%m-%d} 不在{window.describe()}内。", details={"window": PAPER_WINDOW})


def paper_receipt_record_check(actor: User | None, dossier: Dossier, *, received_on: dt.date) -> None:
    require_office(actor, dossier)
    if dossier.status not in AT_COMMITTEE:
        raise IllegalTransition("评审委员会接收材料后才能登记纸质评审表。", details={"status": dossier.status})
    if PaperReceipt.objects.filter(dossier=dossier).exists():
        raise AlreadyRecorded("该申报的纸质评审表已登记收到。")
    _require_in_window(dossier.round, received_on)


@transaction.atomic
def paper_receipt_record(*, actor: User, dossier: Dossier, received_on: dt.date, note: str = "") -> PaperReceipt:
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("round").get(pk=dossier.pk)
    paper_receipt_record_check(actor, dossier, received_on=received_on)
    receipt = PaperReceipt.objects.create(dossier=dossier, received_on=received_on, received_by=actor, note=note)
    audit(actor, "paper_received", receipt, dossier=dossier.pk, received_on=received_on.isoformat())
    return receipt


def roster_receipt_record_check(actor: User | None, round_: Round, unit: Organization, *, received_on: dt.date) -> None:
    require_office(actor)
    if RosterReceipt.objects.filter(round=round_, unit=unit).exists():
        raise AlreadyRecorded(f"{unit.name}的花名册已登记收到。")
    _require_in_window(round_, received_on)


@transaction.atomic
def roster_receipt_record(*, actor: User, round_: Round, unit: Organization, received_on: dt.date) -> RosterReceipt:
    roster_receipt_record_check(actor, round_, unit, received_on=received_on)
    receipt = RosterReceipt.objects.create(round=round_, unit=unit, received_on=received_on, received_by=actor)
    audit(actor, "roster_received", receipt, unit=unit.pk, received_on=received_on.isoformat())
    return receipt
