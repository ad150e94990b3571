"""Fees from the policy, payments one by one and by XLSX import (matched by serial or ID number, mismatches
listed, nothing applied twice), overdue flags after the window, and paper receipt."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from committee.fees import fee_for, fee_import, fee_payment_record, fees_flag_overdue
from committee.models import Fee, FeeImportRow, PaperReceipt
from committee.paper import dossier_for_form_code, paper_receipt_record
from committee.stage import id_number_of
from core.errors import AlreadyRecorded, IllegalTransition, OutsideWindow, PermissionDenied
from documents.services import evaluation_form_generate
from tests.committee.stage import received_dossier


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["某银行代收评审费明细"])  # a title row above the header, as bank exports have
    sheet.append(["缴费编号", "身份证号码", "缴费金额", "交易日期", "交易流水号"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def mid_and_junior(stage_round, orgs):
    mid = received_dossier(stage_round, orgs["U-KRLJT"], level="mid", kind="evaluation")
    junior = received_dossier(stage_round, orgs["U-KRLJT"], level="junior", kind="initial")
    return mid, junior


def test_fee_comes_from_the_round_fee_table(mid_and_junior):
    mid, junior = mid_and_junior
    assert fee_for(mid).amount_yuan == 380  # notice 七: 中级 380
    assert fee_for(junior).amount_yuan == 100  # 初次确定初级 100
    assert fee_for(mid).serial == f"F{mid.serial_number}"


def test_the_fee_is_drawn_up_when_the_committee_receives_the_dossier(mid_and_junior):
    """Receipt (the prefecture's acceptance, through the workflow) writes the fee in the same move."""
    mid, junior = mid_and_junior
    fees = {f.dossier_id: f for f in Fee.objects.filter(dossier__in=[mid, junior])}
    assert fees[mid.pk].amount_yuan == 380 and fees[junior.pk].amount_yuan == 100
    assert fees[mid.pk].serial == f"F{mid.serial_number}" and not fees[mid.pk].is_paid
    assert fee_for(mid).pk == fees[mid.pk].pk  # asked again, the same record


def test_no_fee_before_the_committee_has_the_dossier(stage_round, orgs, demo_users):
    from tests.documents.conftest import make_dossier

    draft = make_dossier(round_=stage_round, applicant=demo_users["demo_applicant"], unit=orgs["U-KRLJT"])
    with pytest.raises(IllegalTransition):
        fee_for(draft)
    assert not Fee.objects.filter(dossier=draft).exists()


def test_payment_recorded_once_inside_the_window_by_the_office(mid_and_junior, office, demo_users, today):
    fee = fee_for(mid_and_junior[0])
    with pytest.raises(PermissionDenied):
        fee_payment_record(actor=demo_users["demo_unit"], fee=fee, paid_on=today, method="cash")
    with pytest.raises(OutsideWindow, match="缴费"):
        fee_payment_record(actor=office, fee=fee, paid_on=today + dt.timedelta(days=60), method="cash")
    fee_payment_record(actor=office, fee=fee, paid_on=today, method="cash")
    with pytest.raises(AlreadyRecorded):
        fee_payment_record(actor=office, fee=fee, paid_on=today, method="cash")
    assert Fee.objects.get(pk=fee.pk).is_paid


def test_import_matches_by_serial_or_id_lists_mismatches_and_never_applies_twice(mid_and_junior, office, today):
    mid, junior = mid_and_junior
    third = received_dossier(mid.round, mid.unit)
    rows = [
        [f"F{mid.serial_number}", "", 380, today.isoformat(), "T001"],  # by serial
        ["", id_number_of(junior), "100.00", today, "T002"],  # by ID number, a real date cell
        ["F-NOSUCH", "", 380, today.isoformat(), "T003"],  # unknown serial
        [f"F{third.serial_number}", "", 220, today.isoformat(), "T004"],  # wrong amount
        [f"F{mid.serial_number}", "", 380, today.isoformat(), "T001"],  # the same payment twice in one file
    ]
    data = xlsx(rows)
    first = fee_import(actor=office, round_=mid.round, file_name="bank.xlsx", data=data)
    outcomes = list(first.rows.order_by("row_number").values_list("row_number", "outcome"))
    assert outcomes == [
        (3, FeeImportRow.Outcome.APPLIED),
        (4, FeeImportRow.Outcome.APPLIED),
        (5, FeeImportRow.Outcome.UNMATCHED),
        (6, FeeImportRow.Outcome.AMOUNT_MISMATCH),
        (7, FeeImportRow.Outcome.ALREADY_PAID),
    ]
    assert (first.applied, first.already_paid, first.mismatched) == (2, 1, 2)
    paid_at = Fee.objects.get(dossier=mid).paid_at
    # Importing the same file again applies nothing and changes no payment.
    second = fee_import(actor=office, round_=mid.round, file_name="bank.xlsx", data=data)
    assert (second.applied, second.already_paid) == (0, 3)
    assert Fee.objects.get(dossier=mid).paid_at == paid_at
    assert not Fee.objects.get(dossier=third).is_paid


def test_import_refuses_payments_dated_outside_the_window(mid_and_junior, office, today):
    mid = mid_and_junior[0]
    late = (today + dt.timedelta(days=45)).isoformat()
    record = fee_import(
        actor=office,
        round_=mid.round,
        file_name="late.xlsx",
        data=xlsx([[f"F{mid.serial_number}", "", 380, late, "X"]]),
    )
    assert record.rows.get().outcome == FeeImportRow.Outcome.OUTSIDE_WINDOW
    assert not Fee.objects.get(dossier=mid).is_paid


def test_unpaid_fees_are_flagged_after_the_window_not_deleted(mid_and_junior, office, today):
    mid, junior = mid_and_junior
    fee_payment_record(actor=office, fee=fee_for(mid), paid_on=today, method="transfer")
    with pytest.raises(OutsideWindow, match="尚未结束"):
        fees_flag_overdue(actor=office, round_=mid.round, today=today)
    after = mid.round.policy.window("fee_payment").end + dt.timedelta(days=1)
    assert fees_flag_overdue(actor=office, round_=mid.round, today=after) == 1
    assert fees_flag_overdue(actor=office, round_=mid.round, today=after) == 0
    assert Fee.objects.get(dossier=junior).overdue_flagged_at is not None
    assert Fee.objects.get(dossier=mid).overdue_flagged_at is None
    assert Fee.objects.count() == 2


def test_paper_receipt_found_by_the_forms_qr_and_recorded_once(mid_and_junior, office, today):
    mid = mid_and_junior[0]
    form = evaluation_form_generate(dossier=mid, actor=mid.applicant)
    assert dossier_for_form_code(form.meta["verify_url"]) == mid
    assert dossier_for_form_code(form.verification_code.lower()) == mid
    paper_receipt_record(actor=office, dossier=mid, received_on=today)
    with pytest.raises(AlreadyRecorded):
        paper_receipt_record(actor=office, dossier=mid, received_on=today)
    with pytest.raises(OutsideWindow, match="纸质材料"):
        paper_receipt_record(actor=office, dossier=mid_and_junior[1], received_on=today - dt.timedelta(days=90))
    assert PaperReceipt.objects.filter(dossier=mid).exists()
    assert timezone.localdate() == today
