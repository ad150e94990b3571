"""Fees (notice 七) and their payment within the window (notice 三(三)): one by one, or by importing the
bank's / payment platform's XLSX. An import never applies a payment twice: a fee already paid is reported as
such and left alone, so importing the same file again changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from accounts.services import audit
from committee.board import board_steps_refresh, fee_figures_refresh
from committee.models import Fee, FeeImport, FeeImportRow
from committee.permissions import require_office
from committee.stage import AT_COMMITTEE, committee_dossiers, id_number_of
from core.errors import AlreadyRecorded, IllegalTransition, OutsideWindow, ValidationFailed
from dossiers.models import Dossier
from eligibility.models import normalise_id_number
from rounds.models import Round

FEE_WINDOW = "fee_payment"


def fee_amount(dossier: Dossier) -> int:
    """The round's fee for the dossier's level × kind (policy `fees`, notice 七)."""
    amount = dossier.round.policy.fee(level=dossier.level, kind=dossier.kind)
    if amount is None:
        raise ValidationFailed(f"本批次未规定{dossier.level_label}（{dossier.kind_label}）的评审费。")
    return amount


def fee_for(dossier: Dossier) -> Fee:
    """The dossier's fee record, created on first need once the committee has the dossier."""
    if dossier.status not in AT_COMMITTEE:
        raise IllegalTransition("评审委员会接收材料后才产生评审费。", details={"status": dossier.status})
    fee, _ = Fee.objects.get_or_create(
        dossier=dossier, defaults={"serial": f"F{dossier.serial_number}", "amount_yuan": fee_amount(dossier)}
    )
    return fee


def fee_on_receipt(dossier: Dossier, _record: Any) -> None:
    """The fee is drawn up when the committee receives the dossier (registered on entering that state), so a
    page only reads fees. A round whose policy names no fee for the level × kind gets none here; paying it
    then says why (fee_for)."""
    if dossier.round.policy.fee(level=dossier.level, kind=dossier.kind) is not None:
        fee_for(dossier)


def fees_draw_up_check(actor: User | None, round_: Round) -> None:
    require_office(actor)


@transaction.atomic
def fees_draw_up(*, actor: User, round_: Round) -> int:
    """Fee records for dossiers received before fees were drawn up on receipt (older data): one audit row."""
    made = fees_create_for_round(round_)
    if made:
        audit(actor, "fees_drawn_up", round_, count=made)
    return made


def fees_create_for_round(round_: Round) -> int:
    """Fee records for every dossier the committee has in the round; returns how many were new."""
    existing = set(Fee.objects.filter(dossier__round=round_).values_list("dossier_id", flat=True))
    new = [d for d in committee_dossiers(round_).select_related("round") if d.pk not in existing]
    for dossier in new:
        fee_for(dossier)
    return len(new)


def _require_in_window(round_: Round, day: dt.date) -> None:
    window = round_.policy.window(FEE_WINDOW)
    if not window.contains(day):
        raise OutsideWindow(f"缴费日期 {day:%Y-%m-%d} 不在{window.describe()}内。", details={"window": FEE_WINDOW})


def fee_payment_record_check(actor: User | None, fee: Fee, *, paid_on: dt.date) -> None:
    require_office(actor, fee.dossier)
    if fee.is_paid:
        raise AlreadyRecorded(
            f"缴费编号 {fee.serial} 已于 {timezone.localtime(fee.paid_at):%Y-%m-%d} 入账，不能重复入账。"
        )
    _require_in_window(fee.dossier.round, paid_on)


@transaction.atomic
def fee_payment_record(*, actor: User, fee: Fee, paid_on: dt.date, method: str, reference: str = "") -> Fee:
    """Record one payment (the office, from a receipt in hand)."""
    fee = Fee.objects.select_for_update(of=("self", "dossier")).select_related("dossier__round").get(pk=fee.pk)
    fee_payment_record_check(actor, fee, paid_on=paid_on)
    if method not in Fee.Method.values:
        raise ValidationFailed(f"未知的缴费方式“{method}”。")
    _mark_paid(fee, paid_on=paid_on, method=method, reference=reference, actor=actor)
    audit(actor, "fee_paid", fee, dossier=fee.dossier_id, amount=fee.amount_yuan, method=method)
    return fee


def _mark_paid(
    fee: Fee, *, paid_on: dt.date, method: str, reference: str, actor: User, fee_import: FeeImport | None = None
) -> None:
    fee.paid_at = timezone.make_aware(dt.datetime.combine(paid_on, dt.time(12, 0)))
    fee.method = method
    fee.reference = reference
    fee.recorded_by = actor
    fee.imported_in = fee_import
    fee.overdue_flagged_at = None
    fee.save()


# --- import of a bank / payment XLSX -----------------------------------------------------------------------

# Header texts accepted for each column (banks name them differently); the first row holding a serial or an
# ID-number header is the header row.
COLUMNS: dict[str, tuple[str, ...]] = {
    "serial": ("缴费编号", "订单号", "缴费单号"),
    "id_number": ("身份证号码", "身份证号", "证件号码"),
    "amount": ("金额", "缴费金额", "实缴金额"),
    "paid_on": ("缴费日期", "交易日期", "到账日期"),
    "reference": ("交易流水号", "流水号", "交易号"),
}


@dataclass(frozen=True)
class PaymentRow:
    row_number: int
    serial: str
    id_number: str
    amount: Decimal | None
    paid_on: dt.date | None
    reference: str


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _cell_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_cell_text(value)[:10])
    except ValueError:
        return None


def _cell_amount(value: Any) -> Decimal | None:
    try:
        return Decimal(_cell_text(value)) if _cell_text(value) else None
    except InvalidOperation:
        return None


def read_payment_rows(data: bytes) -> list[PaymentRow]:
    """The payment rows of the first sheet, by header name; refuses a file without a recognisable header."""
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a file that is not XLSX
        raise ValidationFailed("无法读取该文件，请上传 Excel（.xlsx）格式的缴费清单。") from exc
    rows = list(sheet.iter_rows(values_only=True))
    for index, row in enumerate(rows):
        headers = [_cell_text(v) for v in row]
        found = {key: headers.index(name) for key, names in COLUMNS.items() for name in names if name in headers}
        if "serial" in found or "id_number" in found:
            return [
                _payment_row(index + 1 + offset + 1, data_row, found)
                for offset, data_row in enumerate(rows[index + 1 :])
                if any(v is not None and _cell_text(v) for v in data_row)
            ]
    raise ValidationFailed("缴费清单缺少表头：至少需要“缴费编号”或“身份证号码”一列。")


def _payment_row(row_number: int, row: tuple[Any, ...], found: dict[str, int]) -> PaymentRow:
    def cell(key: str) -> Any:
        return row[found[key]] if key in found and found[key] < len(row) else None

    return PaymentRow(
        row_number=row_number,
        serial=_cell_text(cell("serial")),
        id_number=normalise_id_number(_cell_text(cell("id_number"))),
        amount=_cell_amount(cell("amount")),
        paid_on=_cell_date(cell("paid_on")),
        reference=_cell_text(cell("reference")),
    )


def _fees_by_id_number(round_: Round) -> dict[str, list[int]]:
    """ID number → fee ids of the round (read once per import, not once per row)."""
    by_id: dict[str, list[int]] = {}
    for fee in Fee.objects.filter(dossier__round=round_).select_related("dossier"):
        by_id.setdefault(id_number_of(fee.dossier), []).append(fee.pk)
    return by_id


def _match(round_: Round, row: PaymentRow, by_id: dict[str, list[int]]) -> tuple[Fee | None, str | None]:
    """The fee a row pays (locked), or (None, outcome) when it cannot be matched unambiguously."""
    fees = Fee.objects.select_for_update().filter(dossier__round=round_)
    if row.serial:
        fee = fees.filter(serial=row.serial).first()
        return (fee, None) if fee else (None, FeeImportRow.Outcome.UNMATCHED)
    if not row.id_number:
        return None, FeeImportRow.Outcome.INVALID
    matches = by_id.get(row.id_number, [])
    if len(matches) > 1:
        return None, FeeImportRow.Outcome.AMBIGUOUS
    return (fees.get(pk=matches[0]), None) if matches else (None, FeeImportRow.Outcome.UNMATCHED)


def _outcome(round_: Round, row: PaymentRow, fee: Fee) -> str:
    if fee.is_paid:
        return FeeImportRow.Outcome.ALREADY_PAID
    if row.amount is None or row.paid_on is None:
        return FeeImportRow.Outcome.INVALID
    if row.amount != Decimal(fee.amount_yuan):
        return FeeImportRow.Outcome.AMOUNT_MISMATCH
    if not round_.policy.window(FEE_WINDOW).contains(row.paid_on):
        return FeeImportRow.Outcome.OUTSIDE_WINDOW
    return FeeImportRow.Outcome.APPLIED


def fee_import_check(actor: User | None, round_: Round) -> None:
    require_office(actor)
    if not Fee.objects.filter(dossier__round=round_).exists() and not committee_dossiers(round_).exists():
        raise ValidationFailed("本批次还没有评审委员会已接收的申报，无需导入缴费清单。")


@transaction.atomic
def fee_import(*, actor: User, round_: Round, file_name: str, data: bytes) -> FeeImport:
    """Apply a payment file: rows matched by 缴费编号 (else 身份证号码); every row's fate is kept."""
    fee_import_check(actor, round_)
    rows = read_payment_rows(data)
    fees_create_for_round(round_)
    record = FeeImport.objects.create(
        round=round_, file_name=file_name[:255], sha256=hashlib.sha256(data).hexdigest(), imported_by=actor
    )
    by_id = _fees_by_id_number(round_)
    for row in rows:
        fee, outcome = _match(round_, row, by_id)
        if fee is not None:
            outcome = _outcome(round_, row, fee)
        if outcome == FeeImportRow.Outcome.APPLIED and fee is not None and row.paid_on is not None:
            _mark_paid(
                fee,
                paid_on=row.paid_on,
                method=Fee.Method.IMPORT,
                reference=row.reference,
                actor=actor,
                fee_import=record,
            )
        FeeImportRow.objects.create(
            fee_import=record,
            row_number=row.row_number,
            serial=row.serial[:40],
            id_number=row.id_number[:18],
            amount_yuan=row.amount,
            reference=row.reference[:64],
            fee=fee,
            outcome=str(outcome),
        )
    counts = {o: record.rows.filter(outcome=o).count() for o in FeeImportRow.Outcome.values}
    record.applied = counts[FeeImportRow.Outcome.APPLIED]
    record.already_paid = counts[FeeImportRow.Outcome.ALREADY_PAID]
    record.mismatched = len(rows) - record.applied - record.already_paid
    record.save(update_fields=["applied", "already_paid", "mismatched"])
    audit(
        actor,
        "fee_import",
        record,
        file=record.file_name,
        sha256=record.sha256,
        applied=record.applied,
        mismatched=record.mismatched,
    )
    return record


# --- after the window ---------------------------------------------------------------------------------------


def fees_flag_overdue_check(actor: User | None, round_: Round, *, today: dt.date) -> None:
    require_office(actor)
    window = round_.policy.window(FEE_WINDOW)
    if today <= window.end:
        raise OutsideWindow(f"{window.describe()}尚未结束，不能标记逾期未缴。", details={"window": FEE_WINDOW})


@transaction.atomic
def fees_flag_overdue(*, actor: User, round_: Round, today: dt.date | None = None) -> int:
    """Flag (never delete) the fees still unpaid after the window; returns how many were newly flagged."""
    today = today or timezone.localdate()
    fees_flag_overdue_check(actor, round_, today=today)
    fees_create_for_round(round_)
    unpaid = Fee.objects.select_for_update().filter(
        dossier__round=round_, dossier__status__in=AT_COMMITTEE, paid_at__isnull=True, overdue_flagged_at__isnull=True
    )
    flagged = list(unpaid.values_list("serial", "dossier_id"))
    unpaid.update(overdue_flagged_at=timezone.now())
    # update() passes no receiver: the board's flags and the fee figures are rewritten here.
    board_steps_refresh(dossier_id for _, dossier_id in flagged)
    fee_figures_refresh(dossier_id for _, dossier_id in flagged)
    serials = [serial for serial, _ in flagged]
    if serials:
        audit(actor, "fees_flagged_overdue", round_, serials=serials)
    return len(serials)
