"""Statistics of a round for the office (issue 12 point 10): counts per status, unit, level and kind, pass
rates and fees collected. The counts add up the round's count cells (workflow.models.DossierTally, kept with
every dossier write: a few per unit and state, whatever the number of dossiers); the fees add up the fee
figures (committee.models.FeeFigures, kept with every fee write: a few per unit and level). Never a loop
over dossiers.

Scope: the prefecture office counts the dossiers of its prefecture; region-level officers (the office role
held at the region) and administrators count the whole round."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import Organization, Role, User
from accounts.selectors import organizations_for_role
from committee.fraud_register import reads_whole_register
from committee.models import FeeFigures
from core.errors import PermissionDenied
from dossiers.access import unit_ids_under
from dossiers.states import CERTIFICATE_ISSUED, DRAFT, NOT_PASSED, PASSED
from rounds.models import Round
from workflow.models import DossierTally

# Outcomes of the vote: a certificate is only issued to a passed applicant.
PASSED_STATES = (PASSED, CERTIFICATE_ISSUED)
VOTED_STATES = (PASSED, NOT_PASSED, CERTIFICATE_ISSUED)


@dataclass
class Row:
    """One line of a table: a group, how many dossiers, how many were voted on and passed."""

    key: str
    label: str
    total: int
    voted: int = 0
    passed: int = 0

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.voted if self.voted else None

    @property
    def pass_rate_text(self) -> str:
        rate = self.pass_rate
        return "—" if rate is None else f"{rate:.1%}"


@dataclass
class FeeRow:
    key: str
    label: str
    dossiers: int
    due_yuan: int
    paid_count: int
    paid_yuan: int
    overdue: int


@dataclass
class RoundStatistics:
    round: Round
    scope_label: str
    total: Row
    by_status: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_level: list[Row] = field(default_factory=list)
    by_kind: list[Row] = field(default_factory=list)
    fees: list[FeeRow] = field(default_factory=list)
    fees_total: FeeRow | None = None

    def tables(self) -> list[tuple[str, list[Row]]]:
        return [
            ("按申报状态", self.by_status),
            ("按推荐单位", self.by_unit),
            ("按申报级别", self.by_level),
            ("按申报类型", self.by_kind),
        ]


def _scope_unit_ids(user: User | None) -> tuple[list[int] | None, str]:
    """The units whose dossiers `user` may count (None: every unit) and a label for them; PermissionDenied
    for anyone else."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("只有州评委会办公室和自治区职称主管部门可以查看统计。")
    if reads_whole_register(user):
        return None, "全部辖区"
    offices = organizations_for_role(user, Role.PREFECTURE_OFFICER)
    if not offices:
        raise PermissionDenied("只有州评委会办公室和自治区职称主管部门可以查看统计。")
    label = "、".join(o.name for o in offices)
    # By unit ids (dossiers_under's rule), not `pk IN (a join over every dossier)` in each of the figures.
    unit_ids: set[int] = set()
    for office in offices:
        ids = unit_ids_under(office)
        if ids is None:
            return None, label
        unit_ids.update(ids)
    return sorted(unit_ids), label


def statistics_rounds(user: User | None) -> QuerySet[Round]:
    """The rounds holding dossiers the user may count (from the count cells, not the dossiers)."""
    unit_ids, _ = _scope_unit_ids(user)
    held = DossierTally.objects.filter(n__gt=0)
    if unit_ids is not None:
        held = held.filter(unit_id__any_of=unit_ids)
    return Round.objects.filter(pk__in=held.values("round")).order_by("-year", "slug")


def _rolled_up(cells: list[dict[str, Any]], column: str, labels: dict[str, str]) -> list[Row]:
    """Rows by one column out of the (unit, status, level, kind) counts: the database counted the dossiers,
    this adds up at most units × states × levels × kinds cells, whatever the number of dossiers."""
    rows: dict[str, Row] = {}
    for cell in cells:
        key = str(cell[column])
        row = rows.setdefault(key, Row(key, labels.get(key, key), 0))
        _add(row, cell)
    order = list(labels)
    # In the policy's order (the life cycle for states), not alphabetically by key.
    return sorted(rows.values(), key=lambda row: (order.index(row.key) if row.key in order else len(order), row.key))


def _add(row: Row, cell: dict[str, Any]) -> None:
    row.total += cell["n"]
    if cell["status"] in VOTED_STATES:
        row.voted += cell["n"]
    if cell["status"] in PASSED_STATES:
        row.passed += cell["n"]


def _fee_rows(cells: QuerySet[FeeFigures], labels: dict[str, str]) -> list[FeeRow]:
    # The fee figures kept per unit and level by the fee services (committee.board), added up per level: a
    # few cells per unit whatever the number of dossiers, not the round's dossiers joined to their fees.
    rows = (
        cells.values("level")
        .annotate(
            n=Sum("dossiers"),
            due=Sum("due_yuan"),
            paid_n=Sum("paid_count"),
            paid=Sum("paid_yuan"),
            late=Sum("overdue"),
        )
        .filter(n__gt=0)
        .order_by("level")
    )
    return [
        FeeRow(
            key=str(r["level"]),
            label=labels.get(str(r["level"]), str(r["level"])),
            dossiers=int(r["n"]),
            due_yuan=int(r["due"] or 0),
            paid_count=int(r["paid_n"] or 0),
            paid_yuan=int(r["paid"] or 0),
            overdue=int(r["late"] or 0),
        )
        for r in rows
    ]


def _fee_total(rows: list[FeeRow]) -> FeeRow:
    return FeeRow(
        key="total",
        label="合计",
        dossiers=sum(r.dossiers for r in rows),
        due_yuan=sum(r.due_yuan for r in rows),
        paid_count=sum(r.paid_count for r in rows),
        paid_yuan=sum(r.paid_yuan for r in rows),
        overdue=sum(r.overdue for r in rows),
    )


def round_statistics(user: User | None, round_: Round) -> RoundStatistics:
    """The figures of one round within the user's scope (drafts are not applications yet)."""
    unit_ids, scope_label = _scope_unit_ids(user)
    # A fee is drawn up once the committee has a dossier: no draft has one.
    fee_cells = FeeFigures.objects.filter(round=round_)
    tallies = DossierTally.objects.filter(round=round_).exclude(status=DRAFT)
    if unit_ids is not None:
        fee_cells, tallies = fee_cells.filter(unit_id__any_of=unit_ids), tallies.filter(unit_id__any_of=unit_ids)
    policy = round_.policy
    states = {str(k): str(v) for k, v in policy.workflow["states"].items()}
    levels = {str(k): policy.level_label(k) for k in policy.data["levels"]}
    kinds = {str(k): policy.kind_label(k) for k in policy.data["kinds"]}
    fees = _fee_rows(fee_cells, levels)
    # The count cells of the round by (unit, status, level, kind) (ever submitted or not: both count), every
    # table adds them up. The stubs type values() without the annotations; the rows are plain dicts.
    cells = cast(
        list[dict[str, Any]],
        list(
            tallies.values("unit_id", "status", "level", "kind")
            .annotate(n=Coalesce(Sum("n"), 0))
            .filter(n__gt=0)
            .order_by()
        ),
    )
    units = Organization.objects.in_bulk({c["unit_id"] for c in cells})
    unit_labels = {str(pk): units[pk].name for pk in sorted(units, key=lambda pk: units[pk].code)}
    total = Row("total", "合计", 0)
    for cell in cells:
        _add(total, cell)
    by_unit = _rolled_up(cells, "unit_id", unit_labels)
    for row in by_unit:
        row.key = units[int(row.key)].code  # the table names units by code, as before
    return RoundStatistics(
        round=round_,
        scope_label=scope_label,
        total=total,
        by_status=_rolled_up(cells, "status", states),
        by_unit=by_unit,
        by_level=_rolled_up(cells, "level", levels),
        by_kind=_rolled_up(cells, "kind", kinds),
        fees=fees,
        fees_total=_fee_total(fees),
    )
