"""The office pages' totals and counts come from count cells (workflow.DossierTally, committee.FeeFigures,
committee.BoardStep) instead of counting the office's dossiers: after every write that moves them they must
equal what the direct count over the dossiers gives (the queries the pages used to run)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from committee.board import STEP_ORDER, step_label
from committee.defence import defence_outcomes_settle, defence_session_schedule
from committee.draws import committee_draw, group_draw
from committee.fees import FEE_WINDOW, fee_for, fee_import, fee_payment_record, fees_draw_up, fees_flag_overdue
from committee.fraud import fraud_case_record
from committee.meetings import meeting_create
from committee.models import BoardStep, Fee
from committee.office import (
    BoardFilters,
    BoardSummary,
    _on_agenda,
    _overdue,
    board_page,
    board_queryset,
    board_summary,
    defence_candidates,
    fee_totals,
    meeting_candidates,
    meeting_waiting,
    office_dossiers,
    office_rounds,
    office_unit_ids,
    vote_ready,
)
from committee.paper import PAPER_WINDOW, paper_receipt_record
from committee.stage import RECEIVED, id_number_of
from dossiers.models import Dossier
from rounds.models import Round
from tests.committee.stage import received_dossier
from tests.committee.test_board import direct_board_cells, kept_board_cells
from tests.committee.test_fees_and_paper import xlsx

pytestmark = pytest.mark.django_db

FILTERS = [
    BoardFilters(),
    BoardFilters(fee="paid"),
    BoardFilters(fee="unpaid"),
    BoardFilters(unit="U-BZGL"),
    BoardFilters(unit="U-KRLJT", fee="unpaid"),
    BoardFilters(unit="U-KRLJT", fee="paid"),
]


def direct_fee_totals(user: Any, round_: Round) -> dict[str, int]:
    """The fees page's totals as it used to add them up: the office's dossiers joined to their fees."""
    totals = (
        office_dossiers(user, round_)
        .order_by()
        .aggregate(
            due=Coalesce(Sum("fee__amount_yuan"), 0),
            paid=Coalesce(Sum("fee__amount_yuan", filter=Q(fee__paid_at__isnull=False)), 0),
            missing=Count("pk", filter=Q(fee__isnull=True)),
        )
    )
    return {key: int(value) for key, value in totals.items()}


def direct_summary(user: Any, round_: Round, today: dt.date) -> BoardSummary:
    """The board's summary as it used to be counted: one GROUP BY over the office's stored steps."""
    fee_overdue, paper_overdue = _overdue(round_, today)
    grouped = (
        BoardStep.objects.filter(round=round_, unit_id__in=office_unit_ids(user))
        .order_by()
        .values("step")
        .annotate(n=Count("pk"), late=Count("pk", filter=fee_overdue | paper_overdue))
    )
    found: dict[str, int] = {}
    for row in grouped:
        label = step_label(round_, row["step"])
        found[label] = found.get(label, 0) + row["n"]
    order = list(STEP_ORDER)
    steps = dict(sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
    return BoardSummary(steps=steps, overdue=sum(row["late"] for row in grouped))


def assert_summary_exact(user: Any, round_: Round) -> None:
    """The board's summary from the count cells equals the GROUP BY over the stored steps, on a day with each
    window open or over (what is overdue depends on the day), and the cells equal a direct GROUP BY."""
    assert kept_board_cells(round_) == direct_board_cells(round_)
    ends = [round_.policy.window(key).end for key in (FEE_WINDOW, PAPER_WINDOW)]
    days = {ends[0], ends[1], ends[0] + dt.timedelta(days=1), ends[1] + dt.timedelta(days=1)}
    for day in sorted(days):
        summary = board_summary(user, round_, today=day)
        assert summary == direct_summary(user, round_, day), day
        assert list(summary.steps) == list(direct_summary(user, round_, day).steps)  # in the stage's order


def assert_counts_exact(user: Any, round_: Round) -> dict[str, int]:
    """Every total the fees, paper, defence and meetings pages show equals a direct count; returns them."""
    assert_summary_exact(user, round_)
    totals = fee_totals(user, round_)
    assert totals == direct_fee_totals(user, round_)
    for filters in FILTERS:
        told = board_page(user, round_, filters, limit=1).page.paginator.count
        assert told == board_queryset(user, round_, filters).count(), filters
    scope = office_dossiers(user, round_)
    no_defence = list(round_.policy.defence_value("no_defence_kinds") or [])
    to_defend = scope.filter(status=RECEIVED).exclude(defence_sessions__round=round_).exclude(kind__in=no_defence)
    waiting = scope.filter(Q(status=RECEIVED) & ~vote_ready(round_) & ~Q(_on_agenda(round_)))
    ready = scope.filter(vote_ready(round_) & ~Q(_on_agenda(round_)))
    # limit=0: the total is always asked (a list shorter than its limit is its own count).
    found = {
        "defence": defence_candidates(user, round_, limit=0)[1],
        "waiting": meeting_waiting(user, round_, limit=0)[1],
        "ready": meeting_candidates(user, round_, limit=0)[1],
    }
    assert found == {"defence": to_defend.count(), "waiting": waiting.count(), "ready": ready.count()}
    assert (round_ in office_rounds(user)) == scope.exists()
    return {**totals, **found}


def test_the_pages_totals_equal_direct_counts_after_every_write(stage_round, orgs, office, experts, today):
    assert_counts_exact(office, stage_round)  # nothing at the committee yet
    a = received_dossier(stage_round, orgs["U-BZGL"])  # mid: defends
    received_dossier(stage_round, orgs["U-BZGL"])
    junior = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")  # exempt: passes once settled
    cancelled = received_dossier(stage_round, orgs["U-KRLJT"])
    received_dossier(stage_round, orgs["U-QMYH"], exempt=True)
    first = assert_counts_exact(office, stage_round)
    assert first["missing"] == 0 and first["paid"] == 0 and first["due"] > 0 and first["defence"] == 5

    fee_for(junior).delete()  # received before fees were drawn up on receipt
    assert assert_counts_exact(office, stage_round)["missing"] == 1
    assert fees_draw_up(actor=office, round_=stage_round) == 1
    assert assert_counts_exact(office, stage_round)["missing"] == 0

    fee_payment_record(actor=office, fee=fee_for(a), paid_on=today, method="cash")
    assert assert_counts_exact(office, stage_round)["paid"] == fee_for(a).amount_yuan
    rows = [["", id_number_of(junior), fee_for(junior).amount_yuan, today.isoformat(), "T1"]]
    fee_import(actor=office, round_=stage_round, file_name="bank.xlsx", data=xlsx(rows))
    assert Fee.objects.get(dossier=junior).is_paid
    assert_counts_exact(office, stage_round)

    paper_receipt_record(actor=office, dossier=a, received_on=today)
    paper_receipt_record(actor=office, dossier=junior, received_on=today)
    assert_counts_exact(office, stage_round)
    panel = [e.user for e in experts[:3]]
    defence_session_schedule(actor=office, round_=stage_round, held_on=today, place="会议室", panel=panel, dossiers=[a])
    assert assert_counts_exact(office, stage_round)["defence"] == 4

    fraud_case_record(actor=office, dossier=cancelled, evidence="学历证书经学信网核验为伪造")
    after = assert_counts_exact(office, stage_round)  # its fee leaves the page's totals, not the statistics'
    assert after["defence"] == 3 and after["due"] == first["due"] - Fee.objects.get(dossier=cancelled).amount_yuan

    defence_outcomes_settle(actor=office, round_=stage_round)
    settled = assert_counts_exact(office, stage_round)
    assert settled["ready"] == 1  # the junior: paid, paper in, passes the defence as exempt
    committee_draw(actor=office, round_=stage_round, size=9, seed="m")
    group_draw(actor=office, round_=stage_round, name="评议组1", dossiers=[junior], size=3, seed="g")
    meeting_create(actor=office, round_=stage_round, held_on=today, place="会议室", dossiers=[junior])
    on_agenda = assert_counts_exact(office, stage_round)
    assert on_agenda["ready"] == 0 and on_agenda["waiting"] == settled["waiting"]

    # The unpaid fees flagged overdue (a bulk update that refreshes the steps itself) and the summary's
    # overdue total on a day after the fee window.
    window_end = stage_round.policy.window(FEE_WINDOW).end
    assert fees_flag_overdue(actor=office, round_=stage_round, today=window_end + dt.timedelta(days=1)) > 0
    assert_counts_exact(office, stage_round)
    assert board_summary(office, stage_round, today=window_end).overdue > 0

    # A committee dossier deleted: its stored step goes with it (CASCADE), its cell is recounted.
    gone = Dossier.objects.get(pk=a.pk)
    gone.delete()
    assert_counts_exact(office, stage_round)
