"""committee.board: the stored step of every committee dossier equals the step computed from its records after
every committee service; the fee figures equal a direct aggregate of the fees after payments, an import and
the overdue flags; the rebuild (command, data migration) repairs both; and two writes at once leave them
exact (PostgreSQL row locks: run with DATABASE_URL=postgres://…)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count, Q, Sum

from committee.board import STORED_FIELDS, computed_steps, rebuild_committee_board
from committee.certificates import certificate_issue
from committee.defence import defence_outcomes_settle
from committee.draws import committee_draw, group_draw
from committee.fees import fee_for, fee_import, fee_payment_record, fees_flag_overdue
from committee.fraud import fraud_case_record
from committee.meetings import (
    attendance_record,
    ballot_cast,
    meeting_create,
    minutes_seal,
    vote_count,
    voting_open,
)
from committee.models import BoardCell, BoardStep, CommitteeMember, Fee, FeeFigures, PaperReceipt
from committee.office import BoardFilters, board_queryset, board_summary
from committee.paper import paper_receipt_record
from committee.results import results_confirm, results_publicity_start
from committee.stage import AT_COMMITTEE, id_number_of
from dossiers.models import Dossier
from rounds.models import Round
from tests.committee.stage import received_dossier
from tests.committee.test_fees_and_paper import xlsx
from tests.documents.conftest import make_dossier


def assert_steps_exact(round_: Round, *, cells: bool = True) -> None:
    """Every stored row equals the step computed from the records now, and no committee dossier lacks one;
    the board's count cells equal a direct GROUP BY of the stored rows."""
    expected = {row[0]: row[1:] for row in computed_steps(round_.pk)}
    stored = {row[0]: row[1:] for row in BoardStep.objects.filter(round=round_).values_list("dossier", *STORED_FIELDS)}
    assert stored == expected
    if cells:  # (not before migration 0008)
        assert kept_board_cells(round_) == direct_board_cells(round_)


BOARD_CELL_FIGURES = ("dossiers", "fee_unpaid", "fee_flagged", "paper_missing", "unpaid_or_paper", "flagged_or_paper")


def direct_board_cells(round_: Round) -> dict[tuple[int, str], tuple[int, ...]]:
    """(unit, step) → the counts of BoardCell, grouped from the stored steps themselves."""
    unpaid, flagged, paper = Q(fee_unpaid=True), Q(fee_flagged=True), Q(paper_missing=True)
    rows = (
        BoardStep.objects.filter(round=round_)
        .values("unit_id", "step")
        .annotate(
            n=Count("pk"),
            unpaid=Count("pk", filter=unpaid),
            flagged=Count("pk", filter=flagged),
            paper=Count("pk", filter=paper),
            unpaid_or_paper=Count("pk", filter=unpaid | paper),
            flagged_or_paper=Count("pk", filter=flagged | paper),
        )
    )
    return {
        (r["unit_id"], r["step"]): (
            r["n"],
            r["unpaid"],
            r["flagged"],
            r["paper"],
            r["unpaid_or_paper"],
            r["flagged_or_paper"],
        )
        for r in rows
    }


def kept_board_cells(round_: Round) -> dict[tuple[int, str], tuple[int, ...]]:
    cells = BoardCell.objects.filter(round=round_).exclude(dossiers=0)
    kept = {(unit, step): tuple(n) for unit, step, *n in cells.values_list("unit_id", "step", *BOARD_CELL_FIGURES)}
    # A cell left at zero holds nothing.
    zero = BoardCell.objects.filter(round=round_, dossiers=0).values_list(*BOARD_CELL_FIGURES)
    assert all(not any(figures) for figures in zero)
    return kept


def step_of(dossier: Dossier) -> str | None:
    assert_steps_exact(dossier.round)
    return BoardStep.objects.filter(dossier=dossier).values_list("step", flat=True).first()


def direct_fee_figures(round_: Round) -> dict[tuple[int, str], tuple[int, ...]]:
    """(unit, level) → the figures, aggregated from the fees themselves (what the statistics used to query),
    then the same of the dossiers still at the committee (what the office's fees page used to query)."""
    paid = Q(paid_at__isnull=False)
    held = Q(dossier__status__in=AT_COMMITTEE)
    rows = (
        Fee.objects.filter(dossier__round=round_)
        .values("dossier__unit_id", "dossier__level")
        .annotate(
            n=Count("pk"),
            due=Sum("amount_yuan"),
            paid_n=Count("pk", filter=paid),
            paid=Sum("amount_yuan", filter=paid),
            late=Count("pk", filter=Q(paid_at__isnull=True, overdue_flagged_at__isnull=False)),
            held_n=Count("pk", filter=held),
            held_due=Sum("amount_yuan", filter=held),
            held_paid_n=Count("pk", filter=held & paid),
            held_paid=Sum("amount_yuan", filter=held & paid),
        )
    )
    return {
        (r["dossier__unit_id"], r["dossier__level"]): (
            r["n"],
            r["due"],
            r["paid_n"],
            r["paid"] or 0,
            r["late"],
            r["held_n"],
            r["held_due"] or 0,
            r["held_paid_n"],
            r["held_paid"] or 0,
        )
        for r in rows
    }


def kept_fee_figures(round_: Round) -> dict[tuple[int, str], tuple[int, ...]]:
    cells = FeeFigures.objects.filter(round=round_, dossiers__gt=0)
    return {
        (c.unit_id, c.level): (
            c.dossiers,
            c.due_yuan,
            c.paid_count,
            c.paid_yuan,
            c.overdue,
            c.committee_dossiers,
            c.committee_due_yuan,
            c.committee_paid_count,
            c.committee_paid_yuan,
        )
        for c in cells.all()
    }


def voted_on_board(user: Any, round_: Round) -> set[int]:
    """The results page's dossiers (a vote counted or a certificate issued), as the board's filter selects them."""
    return {d.pk for d in board_queryset(user, round_, BoardFilters(voted=True))}


def test_the_stored_step_follows_two_dossiers_through_every_service(stage_round, orgs, office, experts, today):
    """fee → paper → defence → group → vote → certificate for one, a failing vote for the other, and a
    fraud cancellation taking a third off the board: stored == computed after each."""
    # Juniors: exempt and nobody defends, so settling the defence passes them (test_meeting's setting).
    passing, failing, cancelled = (received_dossier(stage_round, orgs["U-KRLJT"], level="junior") for _ in range(3))
    assert step_of(passing) == step_of(failing) == "unpaid"
    fee_payment_record(actor=office, fee=fee_for(passing), paid_on=today, method="cash")
    assert step_of(passing) == "paper"
    paper_receipt_record(actor=office, dossier=passing, received_on=today)
    assert step_of(passing) == "defence"
    paper_receipt_record(actor=office, dossier=failing, received_on=today)
    assert step_of(failing) == "unpaid"
    fee_payment_record(actor=office, fee=fee_for(failing), paid_on=today, method="transfer")
    assert step_of(failing) == "defence"
    defence_outcomes_settle(actor=office, round_=stage_round)
    assert step_of(passing) == step_of(failing) == "group"
    committee_draw(actor=office, round_=stage_round, size=9, seed="m")
    group_draw(actor=office, round_=stage_round, name="评议组1", dossiers=[passing, failing], size=3, seed="g")
    assert step_of(passing) == step_of(failing) == "vote"
    assert voted_on_board(office, stage_round) == set()
    fraud_case_record(actor=office, dossier=cancelled, evidence="学历证书经学信网核验为伪造")
    assert step_of(cancelled) is None  # it left the committee states, and the board
    # Its fee stays in the statistics' figures and leaves those of the dossiers at the committee.
    figures = kept_fee_figures(stage_round)
    assert figures == direct_fee_figures(stage_round)
    assert sum(f[0] for f in figures.values()) == 3 and sum(f[5] for f in figures.values()) == 2

    meeting = meeting_create(
        actor=office, round_=stage_round, held_on=today, place="会议室", dossiers=[passing, failing]
    )
    members = [m.expert for m in CommitteeMember.objects.filter(round=stage_round).order_by("expert_id")]
    attendance_record(actor=office, meeting=meeting, present_expert_ids={e.pk for e in members[:6]})
    voting_open(actor=office, meeting=meeting)
    for dossier, choice in ((passing, "yes"), (failing, "no")):
        for expert in members[:6]:
            ballot_cast(actor=expert.user, meeting=meeting, dossier=dossier, choice=choice)
        vote_count(actor=office, meeting=meeting, dossier=dossier)
    assert step_of(passing) == "vote_passed" and step_of(failing) == "vote_failed"
    assert board_summary(office, stage_round).steps == {"评审通过": 1, "评审未通过": 1}
    assert voted_on_board(office, stage_round) == {passing.pk, failing.pk}  # the results page's list

    minutes_seal(actor=office, meeting=meeting)
    publicity = results_publicity_start(actor=office, round_=stage_round, starts_on=today)
    results_confirm(actor=office, publicity=publicity, today=publicity.ends_on + dt.timedelta(days=1))
    certificate_issue(actor=office, dossier=Dossier.objects.get(pk=passing.pk))
    assert step_of(passing) == "certified"
    assert board_summary(office, stage_round).steps == {"评审未通过": 1, "已发放证书": 1}
    assert voted_on_board(office, stage_round) == {passing.pk, failing.pk}


def test_a_deleted_record_moves_the_step_back(stage_round, orgs, office, today):
    dossier = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    paper_receipt_record(actor=office, dossier=dossier, received_on=today)
    fee_payment_record(actor=office, fee=fee_for(dossier), paid_on=today, method="cash")
    assert step_of(dossier) == "defence"
    PaperReceipt.objects.filter(dossier=dossier).get().delete()
    assert step_of(dossier) == "paper"
    Fee.objects.get(dossier=dossier).delete()
    assert step_of(dossier) == "unpaid"
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round) == {}


def test_the_board_counts_the_stored_steps_and_the_rebuild_repairs_them(stage_round, orgs, office, today, demo_users):
    dossiers = [received_dossier(stage_round, orgs["U-KRLJT"], level="junior") for _ in range(3)]
    fee_payment_record(actor=office, fee=fee_for(dossiers[0]), paid_on=today, method="cash")
    before = board_summary(office, stage_round)
    assert before.steps == {"待缴费": 2, "待收纸质评审表": 1}
    # Corrupted behind the receivers' back: a wrong step, a missing row, a row of a dossier not at the committee.
    BoardStep.objects.filter(dossier=dossiers[1]).update(step="vote", fee_unpaid=False)
    BoardStep.objects.filter(dossier=dossiers[2]).delete()
    outsider = make_dossier(round_=stage_round, applicant=demo_users["demo_applicant"], unit=orgs["U-KRLJT"])
    BoardStep.objects.create(
        dossier=outsider,
        round=stage_round,
        unit=orgs["U-KRLJT"],
        serial_number="X",
        step="vote",
        **dict.fromkeys(("fee_unpaid", "fee_flagged", "paper_missing"), False),
    )
    FeeFigures.objects.filter(round=stage_round).update(paid_count=7)
    BoardCell.objects.filter(round=stage_round, step="unpaid").update(dossiers=5)
    BoardCell.objects.create(round=stage_round, unit=orgs["U-KRLJT"], step="vote", dossiers=1)
    assert board_summary(office, stage_round).steps != before.steps  # the board reads the count cells
    out = StringIO()
    call_command("rebuild_committee_board", stdout=out)
    assert "评审进度" in out.getvalue() and "评审进度统计格" in out.getvalue()
    assert_steps_exact(stage_round)
    assert not BoardStep.objects.filter(dossier=outsider).exists()
    assert board_summary(office, stage_round) == before
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round)
    assert rebuild_committee_board() == rebuild_committee_board()  # idempotent


def test_the_fee_figures_follow_payments_an_import_and_the_overdue_flags(stage_round, orgs, office, today):
    mids = [received_dossier(stage_round, orgs["U-KRLJT"], level="mid") for _ in range(3)]
    juniors = [received_dossier(stage_round, orgs["U-BZGL"], level="junior", kind="initial") for _ in range(2)]
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round)
    assert len(direct_fee_figures(stage_round)) == 2
    fee_payment_record(actor=office, fee=fee_for(mids[0]), paid_on=today, method="cash")
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round)
    rows = [
        [fee_for(mids[1]).serial, "", 380, today.isoformat(), "T1"],
        ["", id_number_of(juniors[0]), 100, today.isoformat(), "T2"],
        [fee_for(juniors[1]).serial, "", 999, today.isoformat(), "T3"],  # wrong amount: not applied
    ]
    fee_import(actor=office, round_=stage_round, file_name="bank.xlsx", data=xlsx(rows))
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round)
    assert sum(figures[2] for figures in kept_fee_figures(stage_round).values()) == 3
    window_end = stage_round.policy.window("fee_payment").end
    assert fees_flag_overdue(actor=office, round_=stage_round, today=window_end + dt.timedelta(days=1)) == 2
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round)
    assert sum(figures[4] for figures in kept_fee_figures(stage_round).values()) == 2
    # The board's stored flags followed the bulk update too.
    assert_steps_exact(stage_round)
    assert BoardStep.objects.filter(fee_flagged=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_fills_the_steps_and_figures_of_existing_records(stage_round, orgs, office, today):
    dossier = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    fee_payment_record(actor=office, fee=fee_for(dossier), paid_on=today, method="cash")
    received_dossier(stage_round, orgs["U-BZGL"], level="mid")
    BoardStep.objects.all().delete()  # as before the migration: records, nothing stored
    FeeFigures.objects.all().delete()
    BoardCell.objects.all().delete()
    call_command("migrate", "committee", "0003", verbosity=0)
    call_command("migrate", "committee", "0004", verbosity=0)
    assert_steps_exact(stage_round, cells=False)
    assert BoardStep.objects.count() == 2
    # 0004 fills the figures it knows; 0007 the figures of the dossiers still at the committee (0006).
    known = ("dossiers", "due_yuan", "paid_count", "paid_yuan", "overdue")  # the columns 0006 has not added yet
    cells = FeeFigures.objects.filter(round=stage_round, dossiers__gt=0).values_list("unit_id", "level", *known)
    assert {(u, level): tuple(v) for u, level, *v in cells} == {
        k: v[:5] for k, v in direct_fee_figures(stage_round).items()
    }
    call_command("migrate", "committee", verbosity=0)
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round) != {}
    assert sum(figures[5] for figures in kept_fee_figures(stage_round).values()) == 2
    assert kept_board_cells(stage_round) == direct_board_cells(stage_round) != {}


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_fills_the_board_cells_from_the_stored_steps(stage_round, orgs, office, today):
    dossier = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    fee_payment_record(actor=office, fee=fee_for(dossier), paid_on=today, method="cash")
    received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    received_dossier(stage_round, orgs["U-BZGL"], level="mid")
    before = board_summary(office, stage_round)
    call_command("migrate", "committee", "0007", verbosity=0)  # the cells' table goes
    call_command("migrate", "committee", verbosity=0)
    assert_steps_exact(stage_round)
    assert sum(cells[0] for cells in kept_board_cells(stage_round).values()) == 3
    assert board_summary(office, stage_round) == before


# --- two writes at once (PostgreSQL) ---------------------------------------------------------------------------


def _at_once(slow: Callable[[], Any], quick: Callable[[], Any]) -> list[object]:
    """`slow` writes and holds its transaction open a moment; `quick` writes meanwhile, then must wait for it
    (it reads nothing of `slow`'s write before that commits). Returns each result or exception."""
    results: list[object] = [None, None]
    started = threading.Event()

    def run_slow() -> None:
        try:
            with transaction.atomic():
                results[0] = slow()
                started.set()
                time.sleep(0.5)
        except Exception as exc:  # asserted on below
            results[0] = exc
        finally:
            started.set()
            connections.close_all()

    def run_quick() -> None:
        try:
            started.wait(10)
            results[1] = quick()
        except Exception as exc:
            results[1] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_slow), threading.Thread(target=run_quick)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_paper_receipt_and_the_defence_outcome_at_once_store_the_step_both_make(stage_round, orgs, office, today):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL=postgres://…)")
    dossier = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    fee_payment_record(actor=office, fee=fee_for(dossier), paid_on=today, method="cash")
    # Settling the outcomes locks outcome rows only, never the dossier: the step's own lock must order them.
    results = _at_once(
        lambda: paper_receipt_record(actor=office, dossier=dossier, received_on=today),
        lambda: defence_outcomes_settle(actor=office, round_=stage_round),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    # Computed alone, each would have stored what it saw: "defence" (form, no outcome) or "paper" (outcome, no
    # form), the later commit overwriting the other.
    assert step_of(dossier) == "group"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_payments_in_one_cell_at_once_are_both_counted(stage_round, orgs, office, today):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL=postgres://…)")
    first, second = (received_dossier(stage_round, orgs["U-KRLJT"], level="mid") for _ in range(2))
    fees = [fee_for(first), fee_for(second)]
    results = _at_once(
        lambda: fee_payment_record(actor=office, fee=fees[0], paid_on=today, method="cash"),
        lambda: fee_payment_record(actor=office, fee=fees[1], paid_on=today, method="cash"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert kept_fee_figures(stage_round) == direct_fee_figures(stage_round)
    assert next(iter(kept_fee_figures(stage_round).values()))[2] == 2
    # Both left the cell "unpaid" for "paper": the board's count cells, locked in turn, counted both moves.
    assert_steps_exact(stage_round)
    assert {step: cells[0] for (_, step), cells in kept_board_cells(stage_round).items()} == {"paper": 2}
