"""The board's step of every committee dossier and the fee figures, kept as the data changes.

One expression defines the step (`step_expression`, the order in which a dossier passes the stage); it is
evaluated for the dossiers a write touched and stored in committee.BoardStep in that write's transaction.
The writers are the committee's records themselves: every save or delete of a fee, paper receipt, defence
outcome, vote count or certificate, every change of a review group's dossiers and every dossier save that
moves its state (receivers below, connected when this module is imported at ready()), so no service can
forget it. QuerySet.update() and bulk_create() bypass them: a service that uses them calls
`board_steps_refresh` / `fee_figures_refresh` itself (fees_flag_overdue), and after bulk loads
`rebuild_committee_board()` (`manage.py rebuild_committee_board`) rebuilds both tables from the records.

The fee figures (committee.FeeFigures, per round × unit × level) are recounted cell by cell from the fees
whenever a fee is created, paid, flagged or deleted, and when a dossier with a fee enters or leaves the
committee states (the cells also add up the fees of the dossiers still at the committee).

The board's count cells (committee.BoardCell, per round × unit × step) are recounted from the stored steps
whenever a write creates, changes or deletes a BoardStep row, in that write's transaction: the board's step
counts and overdue total add them up instead of grouping the round's steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import connection, transaction
from django.db.models import BooleanField, Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from committee.models import (
    BoardCell,
    BoardStep,
    Certificate,
    DefenceOutcome,
    Fee,
    FeeFigures,
    PaperReceipt,
    ReviewGroup,
    VoteCount,
)
from committee.stage import AT_COMMITTEE, RECEIVED
from dossiers.models import Dossier
from rounds.models import Round

# The board's steps as shown, in the order a dossier passes them (the counts are shown in this order).
CERTIFIED_STEP = "已发放证书"
PASSED_STEP = "评审通过"
FAILED_STEP = "评审未通过"
UNPAID_STEP = "待缴费"
PAPER_STEP = "待收纸质评审表"
DEFENCE_STEP = "待答辩"
GROUP_STEP = "待分配评议组"
VOTE_STEP = "待表决"
RECEIVED_STEPS = (UNPAID_STEP, PAPER_STEP, DEFENCE_STEP, GROUP_STEP, VOTE_STEP)
STEP_ORDER = (*RECEIVED_STEPS, PASSED_STEP, FAILED_STEP, CERTIFIED_STEP)

# What BoardStep.step stores: a code per step; a state after the vote without a count is stored as
# STATE_STEP + state and shown with the policy's label for it (labels may change with the policy, codes not).
STEP_LABELS = {
    "certified": CERTIFIED_STEP,
    "vote_passed": PASSED_STEP,
    "vote_failed": FAILED_STEP,
    "unpaid": UNPAID_STEP,
    "paper": PAPER_STEP,
    "defence": DEFENCE_STEP,
    "group": GROUP_STEP,
    "vote": VOTE_STEP,
}
# Steps that say a vote was counted or a certificate issued (the step expression's first three branches).
VOTED_STEP_CODES = ("certified", "vote_passed", "vote_failed")
STATE_STEP = "state:"
STATE_STEPS = tuple(state for state in AT_COMMITTEE if state != RECEIVED)

WRITE_BATCH = 2000


def step_label(round_: Round, code: str | None) -> str:
    """The board's text for a stored step code ('' for none: a dossier not yet counted by a rebuild)."""
    if not code:
        return ""
    if code.startswith(STATE_STEP):
        return round_.policy.state_label(code.removeprefix(STATE_STEP))
    return STEP_LABELS.get(code, code)


def step_codes(round_: Round, label: str) -> list[str]:
    """The stored codes shown as `label` (two when the policy names a state as a step is named)."""
    every = [*STEP_LABELS, *(STATE_STEP + state for state in STATE_STEPS)]
    return [code for code in every if step_label(round_, code) == label]


def as_flag(condition: Q) -> Case:
    """True where `condition` holds, else False, as a column."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def unpaid() -> Q:
    return Q(fee__isnull=True) | Q(fee__paid_at__isnull=True)


def step_expression(round_id: int, apps: Apps = global_apps) -> Case:
    """A dossier's step code, from its fee, paper receipt, defence outcome, review groups, vote counts,
    certificate and state: the first that holds, in this order (`apps`: a migration's historical models)."""
    vote_count = apps.get_model("committee", "VoteCount")
    group_dossiers = apps.get_model("committee", "ReviewGroup").dossiers.through
    # Membership tests as `id IN (SELECT …)` of the round's few counts and groups: PostgreSQL hashes them once
    # instead of running a correlated subquery per dossier (a rebuild reads a whole round).
    # A counted dossier leaves 评审委员会已接收材料, so it has one count: "any count passed" is its outcome.
    counts = vote_count.objects.filter(meeting__round_id=round_id)
    counted = Q(pk__in=counts.values("dossier_id"))
    passed = Q(pk__in=counts.filter(passed=True).values("dossier_id"))
    grouped = Q(pk__in=group_dossiers.objects.filter(reviewgroup__round_id=round_id).values("dossier_id"))
    return Case(
        When(certificate__isnull=False, then=Value("certified")),
        When(passed, then=Value("vote_passed")),
        When(counted, then=Value("vote_failed")),
        *(When(status=state, then=Value(STATE_STEP + state)) for state in STATE_STEPS),
        When(unpaid(), then=Value("unpaid")),
        When(paper_receipt__isnull=True, then=Value("paper")),
        When(defence_outcome__passed__isnull=True, then=Value("defence")),  # none, or not settled
        When(~grouped, then=Value("group")),
        default=Value("vote"),
        output_field=CharField(),
    )


STORED_FIELDS = ("round_id", "unit_id", "serial_number", "step", "fee_unpaid", "fee_flagged", "paper_missing")


def computed_steps(
    round_id: int, condition: Q | None = None, apps: Apps = global_apps
) -> QuerySet[Dossier, tuple[Any, ...]]:
    """(dossier id, *STORED_FIELDS) of the round's committee dossiers meeting `condition`, computed from the records."""
    found = apps.get_model("dossiers", "Dossier").objects.filter(round_id=round_id, status__in=AT_COMMITTEE)
    if condition is not None:
        found = found.filter(condition)
    return (
        found.order_by()
        .annotate(
            step=step_expression(round_id, apps),
            fee_unpaid=as_flag(unpaid()),
            fee_flagged=as_flag(unpaid() & Q(fee__overdue_flagged_at__isnull=False)),
            paper_missing=as_flag(Q(paper_receipt__isnull=True, status=RECEIVED)),
        )
        .values_list("pk", *STORED_FIELDS)
    )


def _write_steps(rows: Iterable[tuple[Any, ...]], apps: Apps = global_apps) -> int:
    model = apps.get_model("committee", "BoardStep")
    steps = [model(dossier_id=row[0], **dict(zip(STORED_FIELDS, row[1:], strict=True))) for row in rows]
    model.objects.bulk_create(
        steps,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["dossier"],
        update_fields=[name.removesuffix("_id") for name in STORED_FIELDS],
    )
    return len(steps)


@transaction.atomic(savepoint=False)  # the caller's transaction, or its own: the locks need one
def board_steps_refresh(dossier_ids: Iterable[int], *, create: bool = True) -> None:
    """Stores the step of these dossiers as their records now say (no row for one outside the committee
    states). `create=False` only rewrites rows that exist: a deletion may be part of deleting the dossier,
    whose own row may be gone already."""
    ids = sorted(set(dossier_ids))
    for start in range(0, len(ids), WRITE_BATCH):
        _refresh(ids[start : start + WRITE_BATCH], create=create)


def _refresh(ids: list[int], *, create: bool) -> None:
    # The dossiers are locked in key order first: two writes moving one dossier's step at once (its fee paid
    # while its paper form is received) take turns, and the second computes from what the first committed.
    locked = Dossier.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("round_id", flat=True)
    rows = [row for round_id in sorted(set(locked)) for row in computed_steps(round_id, Q(pk__in=ids))]
    # The stored rows as they were (their dossiers are locked: no other write moves them meanwhile).
    before = {
        row[0]: tuple(row[1:])
        for row in BoardStep.objects.filter(dossier_id__in=ids).values_list("dossier_id", *STORED_FIELDS)
    }
    BoardStep.objects.filter(dossier_id__in=ids).exclude(dossier_id__in=[row[0] for row in rows]).delete()
    if not create:
        rows = [row for row in rows if row[0] in before]
    _write_steps(rows)
    after = {row[0]: tuple(row[1:]) for row in rows}
    # The cells a row left or entered (a row rewritten as it was moves none).
    moved = [pk for pk in before.keys() | after.keys() if before.get(pk) != after.get(pk)]
    recount_board_cells({_cell_key(found[pk]) for found in (before, after) for pk in moved if pk in found})


def delete_steps(dossier_ids: Iterable[int]) -> int:
    """Deletes the stored steps of these dossiers and recounts the cells they were in; how many were stored."""
    ids = list(dossier_ids)
    keys = set(BoardStep.objects.filter(dossier_id__in=ids).values_list("round_id", "unit_id", "step"))
    deleted = BoardStep.objects.filter(dossier_id__in=ids).delete()[0]
    recount_board_cells(keys)
    return deleted


# --- the board's count cells ----------------------------------------------------------------------------------

CellKey = tuple[int, int, str]
# What a board cell holds (committee.BoardCell), and the stored rows each counts.
BOARD_CELL_COUNTS = {
    "dossiers": Q(),
    "fee_unpaid": Q(fee_unpaid=True),
    "fee_flagged": Q(fee_flagged=True),
    "paper_missing": Q(paper_missing=True),
    "unpaid_or_paper": Q(fee_unpaid=True) | Q(paper_missing=True),
    "flagged_or_paper": Q(fee_flagged=True) | Q(paper_missing=True),
}


def _cell_key(stored: tuple[Any, ...]) -> CellKey:
    """The cell of a stored row's STORED_FIELDS values."""
    named = dict(zip(STORED_FIELDS, stored, strict=True))
    return (named["round_id"], named["unit_id"], named["step"])


def _board_cell_sums(steps: QuerySet[Any]) -> dict[CellKey, dict[str, int]]:
    rows = (
        steps.order_by()
        .values("round_id", "unit_id", "step")
        # Named apart from the stored flags the conditions read.
        .annotate(**{f"n_{name}": Count("pk", filter=condition) for name, condition in BOARD_CELL_COUNTS.items()})
    )
    return {
        (row["round_id"], row["unit_id"], row["step"]): {name: int(row[f"n_{name}"]) for name in BOARD_CELL_COUNTS}
        for row in cast(Iterable[dict[str, Any]], rows)
    }


@transaction.atomic(savepoint=False)
def recount_board_cells(keys: Iterable[CellKey]) -> None:
    """Recounts these board cells from the stored steps (after the write that moved the steps)."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), 200):
        chunk = ordered[start : start + 200]
        _recount(
            BoardCell,
            "step",
            BOARD_CELL_COUNTS,
            chunk,
            lambda: _board_cell_sums(BoardStep.objects.filter(_cells(chunk, third="step"))),  # noqa: B023 (called at once)
        )


def _cells(keys: list[tuple[int, int, str]], prefix: str = "", *, third: str = "level") -> Q:
    """The cells (round, unit, `third`) of `keys`, or the rows under them (`prefix`: the path to the cell's fields)."""
    found = Q(pk__in=[])
    for round_id, unit_id, value in keys:
        found |= Q(**{f"{prefix}round_id": round_id, f"{prefix}unit_id": unit_id, f"{prefix}{third}": value})
    return found


def _recount(
    model: type[Cell],
    third: str,
    figures: Iterable[str],
    keys: list[tuple[int, int, str]],
    counted: Callable[[], dict[tuple[int, int, str], dict[str, int]]],
) -> None:
    """Recounts the count cells `keys` of `model` (per round, unit and `third`), creating missing ones: locks
    them, then writes the `figures` that `counted()` reads (a key it does not name is written as zero)."""
    if not keys:
        return
    model.objects.bulk_create([model(round_id=r, unit_id=u, **{third: x}) for r, u, x in keys], ignore_conflicts=True)
    # The cells are locked in key order before they are counted: two writes in one cell (two payments of one
    # unit) take turns, and the second counts what the first committed (the count is a new statement).
    list(
        model.objects.select_for_update()
        .filter(_cells(keys, third=third))
        .order_by("round", "unit", third)
        .values("pk")
    )
    sums = counted()
    zero = dict.fromkeys(figures, 0)
    model.objects.bulk_create(
        [model(round_id=r, unit_id=u, **{third: x}, **sums.get((r, u, x), zero)) for r, u, x in keys],
        update_conflicts=True,
        unique_fields=["round", "unit", third],
        update_fields=list(zero),
    )


def _recount_unit_cells(round_id: int, unit_id: int) -> None:
    """Recounts the existing cells of one unit in one round (a dossier deleted with its stored step: the
    cascade sends no signal for the step, and the round or unit may be going too, so no cell is created)."""
    cells = BoardCell.objects.select_for_update().filter(round_id=round_id, unit_id=unit_id).order_by("step")
    found = list(cells)
    if not found:
        return
    sums = _board_cell_sums(BoardStep.objects.filter(round_id=round_id, unit_id=unit_id))
    zero = dict.fromkeys(BOARD_CELL_COUNTS, 0)
    for cell in found:
        for name, value in sums.get((round_id, unit_id, cell.step), zero).items():
            setattr(cell, name, value)
    BoardCell.objects.bulk_update(found, list(zero))


def rebuild_board_cells(apps: Apps = global_apps) -> int:
    """Rebuilds every board cell from the stored steps (the data migration adding the cells)."""
    board_cell = apps.get_model("committee", "BoardCell")
    board_cell.objects.all().delete()
    sums = _board_cell_sums(apps.get_model("committee", "BoardStep").objects.all())
    cells = [board_cell(round_id=r, unit_id=u, step=step, **n) for (r, u, step), n in sums.items()]
    board_cell.objects.bulk_create(cells, batch_size=WRITE_BATCH)
    return len(cells)


# --- fee figures ----------------------------------------------------------------------------------------------

FeeKey = tuple[int, int, str]
Cell = TypeVar("Cell", BoardCell, FeeFigures)  # the count cells recounted by _recount
# What a cell holds (committee.FeeFigures), all zero.
FEE_FIGURES = (
    "dossiers",
    "due_yuan",
    "paid_count",
    "paid_yuan",
    "overdue",
    "committee_dossiers",
    "committee_due_yuan",
    "committee_paid_count",
    "committee_paid_yuan",
)


def _fee_sums(fees: QuerySet[Fee]) -> dict[FeeKey, dict[str, int]]:
    paid = Q(paid_at__isnull=False)
    held = Q(dossier__status__in=AT_COMMITTEE)  # the dossier has not left the stage (cancelled)
    rows = (
        fees.order_by()
        .values("dossier__round_id", "dossier__unit_id", "dossier__level")
        .annotate(
            dossiers=Count("pk"),
            due_yuan=Coalesce(Sum("amount_yuan"), 0),
            paid_count=Count("pk", filter=paid),
            paid_yuan=Coalesce(Sum("amount_yuan", filter=paid), 0),
            overdue=Count("pk", filter=Q(paid_at__isnull=True, overdue_flagged_at__isnull=False)),
            committee_dossiers=Count("pk", filter=held),
            committee_due_yuan=Coalesce(Sum("amount_yuan", filter=held), 0),
            committee_paid_count=Count("pk", filter=held & paid),
            committee_paid_yuan=Coalesce(Sum("amount_yuan", filter=held & paid), 0),
        )
    )
    found: dict[FeeKey, dict[str, int]] = {}
    for row in cast(Iterable[dict[str, Any]], rows):
        key = (row["dossier__round_id"], row["dossier__unit_id"], row["dossier__level"])
        found[key] = {name: int(row[name]) for name in FEE_FIGURES}
    return found


@transaction.atomic(savepoint=False)
def fee_figures_refresh(dossier_ids: Iterable[int]) -> None:
    """Recounts the fee figures of the cells (round, unit, level) these dossiers are in, from their fees."""
    ids = sorted(set(dossier_ids))
    keys: set[FeeKey] = set()
    for start in range(0, len(ids), WRITE_BATCH):
        chunk = ids[start : start + WRITE_BATCH]
        keys.update(Dossier.objects.filter(pk__in=chunk).values_list("round_id", "unit_id", "level"))
    ordered = sorted(keys)
    for start in range(0, len(ordered), 200):
        _recount_cells(ordered[start : start + 200])


def _recount_cells(keys: list[FeeKey]) -> None:
    _recount(FeeFigures, "level", FEE_FIGURES, keys, lambda: _fee_sums(Fee.objects.filter(_cells(keys, "dossier__"))))


# --- rebuild --------------------------------------------------------------------------------------------------

# What the step and the figures are computed from: locked against writes while a rebuild reads them.
_SOURCE_TABLES = tuple(
    model._meta.db_table
    for model in (Dossier, Fee, PaperReceipt, DefenceOutcome, ReviewGroup.dossiers.through, VoteCount, Certificate)
)


@transaction.atomic
def rebuild_committee_board(apps: Apps = global_apps) -> dict[str, int]:
    """Rebuilds every stored step, board cell and fee cell from the records (idempotent): after bulk_create /
    QuerySet.update, which bypass the receivers, after a restore, or to repair them (`apps`: the data
    migration's historical models). On PostgreSQL the records are locked against writes meanwhile (SHARE:
    readers go on), so no change slips between read and rewrite."""
    board_step, fee_figures = apps.get_model("committee", "BoardStep"), apps.get_model("committee", "FeeFigures")
    dossier, fee = apps.get_model("dossiers", "Dossier"), apps.get_model("committee", "Fee")
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(table) for table in _SOURCE_TABLES)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")
    board_step.objects.all().delete()
    rounds = dossier.objects.filter(status__in=AT_COMMITTEE).order_by("round_id").values_list("round_id", flat=True)
    steps = sum(_write_steps(computed_steps(r, apps=apps).iterator(), apps) for r in rounds.distinct())
    try:  # a migration before 0008 has no board cells
        apps.get_model("committee", "BoardCell")
    except LookupError:
        board_cells = 0
    else:
        board_cells = rebuild_board_cells(apps)
    return {"steps": steps, "board_cells": board_cells, "fee_cells": _rebuild_fee_figures(fee_figures, fee)}


def rebuild_fee_figures(apps: Apps = global_apps) -> int:
    """Rebuilds every fee cell from the fees (the data migration adding figures to the cells)."""
    return _rebuild_fee_figures(apps.get_model("committee", "FeeFigures"), apps.get_model("committee", "Fee"))


def _rebuild_fee_figures(fee_figures: Any, fee: Any) -> int:
    fee_figures.objects.all().delete()
    sums = _fee_sums(fee.objects.all())
    # A migration's historical model may hold fewer figures (0004 ran before 0006 added some).
    held = {f.name for f in fee_figures._meta.get_fields()} & set(FEE_FIGURES)
    cells = [
        fee_figures(round_id=r, unit_id=u, level=level, **{k: v for k, v in n.items() if k in held})
        for (r, u, level), n in sums.items()
    ]
    fee_figures.objects.bulk_create(cells, batch_size=WRITE_BATCH)
    return len(cells)


# --- the writers ----------------------------------------------------------------------------------------------

# True while rows are loaded as they were stored (a restore). loaddata saves rows `raw`, which the receivers
# below skip, but links a review group's dossiers through `.set()`, whose m2m signal carries no `raw`: it
# recomputed their steps from records not yet loaded (dossiers at the vote shown unpaid).
_loading_stored_rows: ContextVar[bool] = ContextVar("loading_stored_rows", default=False)


@contextmanager
def board_receivers_paused() -> Iterator[None]:
    """Within: a review group's dossier links leave the stored steps and count cells as they are (a restore
    brings those back from its archive, or rebuilds them with `rebuild_committee_board` when it holds none)."""
    token = _loading_stored_rows.set(True)
    try:
        yield
    finally:
        _loading_stored_rows.reset(token)


# Dossier fields the stored step copies or depends on (a save leaving them out cannot move it).
_DOSSIER_FIELDS = {"status", "round", "unit", "serial_number"}


@receiver(post_save, sender=Dossier)
def _dossier_saved(sender: type[Dossier], instance: Dossier, created: bool, raw: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if raw or (fields is not None and not _DOSSIER_FIELDS & set(fields)):
        return
    # Whether it had a stored step says whether it was at the committee before this save.
    if instance.status in AT_COMMITTEE:
        entered = created or not BoardStep.objects.filter(dossier_id=instance.pk).exists()
        board_steps_refresh([instance.pk])
        moved = entered
    else:  # it may just have left the committee (cancelled)
        moved = not created and delete_steps([instance.pk]) > 0
    if moved and Fee.objects.filter(dossier_id=instance.pk).exists():
        # Its fee enters or leaves the figures of the dossiers at the committee.
        fee_figures_refresh([instance.pk])


@receiver(post_delete, sender=Dossier)
def _dossier_deleted(sender: type[Dossier], instance: Dossier, **kwargs: Any) -> None:
    if instance.status in AT_COMMITTEE:  # its stored step went with it (CASCADE)
        _recount_unit_cells(instance.round_id, instance.unit_id)


@receiver(post_save, sender=PaperReceipt)
@receiver(post_save, sender=DefenceOutcome)
@receiver(post_save, sender=VoteCount)
@receiver(post_save, sender=Certificate)
def _record_saved(sender: type[Any], instance: Any, raw: bool, **kwargs: Any) -> None:
    if not raw:
        board_steps_refresh([instance.dossier_id])


@receiver(post_delete, sender=PaperReceipt)
@receiver(post_delete, sender=DefenceOutcome)
@receiver(post_delete, sender=VoteCount)
@receiver(post_delete, sender=Certificate)
def _record_deleted(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    board_steps_refresh([instance.dossier_id], create=False)


@receiver(post_save, sender=Fee)
def _fee_saved(sender: type[Fee], instance: Fee, raw: bool, **kwargs: Any) -> None:
    if not raw:
        board_steps_refresh([instance.dossier_id])
        fee_figures_refresh([instance.dossier_id])


@receiver(post_delete, sender=Fee)
def _fee_deleted(sender: type[Fee], instance: Fee, **kwargs: Any) -> None:
    board_steps_refresh([instance.dossier_id], create=False)
    fee_figures_refresh([instance.dossier_id])


@receiver(pre_delete, sender=ReviewGroup)
def _group_deleted(sender: type[ReviewGroup], instance: ReviewGroup, **kwargs: Any) -> None:
    # The group's dossier links go with it without an m2m signal: their steps are rewritten after.
    instance._board_dossier_ids = list(instance.dossiers.values_list("pk", flat=True))  # type: ignore[attr-defined]


@receiver(post_delete, sender=ReviewGroup)
def _group_gone(sender: type[ReviewGroup], instance: ReviewGroup, **kwargs: Any) -> None:
    board_steps_refresh(getattr(instance, "_board_dossier_ids", []), create=False)


@receiver(m2m_changed, sender=ReviewGroup.dossiers.through)
def _group_dossiers_changed(
    sender: type[Any], instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if _loading_stored_rows.get():
        return
    if action == "pre_clear" and not reverse:
        instance._board_cleared = list(instance.dossiers.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # dossier.review_groups changed: the dossier is the instance
        ids = [instance.pk]
    elif action == "post_clear":
        ids = getattr(instance, "_board_cleared", [])
    else:
        ids = list(pk_set or ())
    board_steps_refresh(ids, create=action == "post_add")
