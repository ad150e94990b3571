"""Statistics of a round for the office (issue 12 point 10): counts per status, unit, level and kind, pass
rates and fees collected. Every figure is one aggregate query (GROUP BY in SQL), never a loop over dossiers.

Scope: the prefecture office counts the dossiers of its prefecture; region-level officers (the office role
held at the region) and administrators count the whole round."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Role, User
from accounts.selectors import organizations_for_role
from committee.fraud_register import reads_whole_register
from committee.models import Fee
from core.errors import PermissionDenied
from dossiers.access import dossiers_under
from dossiers.models import Dossier
from dossiers.states import CERTIFICATE_ISSUED, DRAFT, NOT_PASSED, PASSED
from rounds.models import Round

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


def statistics_scope(user: User | None) -> tuple[QuerySet[Dossier], str]:
    """The dossiers `user` may count and a label for them; PermissionDenied for anyone else."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("只有州评委会办公室和自治区职称主管部门可以查看统计。")
    if reads_whole_register(user):
        return Dossier.objects.all(), "全部辖区"
    offices = organizations_for_role(user, Role.PREFECTURE_OFFICER)
    if not offices:
        raise PermissionDenied("只有州评委会办公室和自治区职称主管部门可以查看统计。")
    condition = Q(pk__in=[])
    for office in offices:
        condition |= Q(pk__in=dossiers_under(office).values("pk"))
    return Dossier.objects.filter(condition), "、".join(o.name for o in offices)


def statistics_rounds(user: User | None) -> QuerySet[Round]:
    scope, _ = statistics_scope(user)
    return Round.objects.filter(pk__in=scope.values("round")).order_by("-year", "slug")


_COUNTS = {
    "total": Count("id"),
    "voted": Count("id", filter=Q(status__in=VOTED_STATES)),
    "passed": Count("id", filter=Q(status__in=PASSED_STATES)),
}


def _grouped(dossiers: QuerySet[Dossier], column: str, labels: dict[str, str]) -> list[Row]:
    rows = dossiers.values(column).annotate(**_COUNTS).order_by(column)
    order = list(labels)
    result = [
        Row(str(r[column]), labels.get(str(r[column]), str(r[column])), r["total"], r["voted"], r["passed"])
        for r in rows
    ]
    # In the policy's order (the life cycle for states), not alphabetically by key.
    return sorted(result, key=lambda row: order.index(row.key) if row.key in order else len(order))


def _fee_rows(dossiers: QuerySet[Dossier], labels: dict[str, str]) -> list[FeeRow]:
    rows = (
        Fee.objects.filter(dossier__in=dossiers.values("pk"))
        .values("dossier__level")
        .annotate(
            dossiers=Count("id"),
            due=Sum("amount_yuan"),
            paid_count=Count("id", filter=Q(paid_at__isnull=False)),
            paid=Sum("amount_yuan", filter=Q(paid_at__isnull=False)),
            overdue=Count("id", filter=Q(paid_at__isnull=True, overdue_flagged_at__isnull=False)),
        )
        .order_by("dossier__level")
    )
    return [
        FeeRow(
            key=str(r["dossier__level"]),
            label=labels.get(str(r["dossier__level"]), str(r["dossier__level"])),
            dossiers=r["dossiers"],
            due_yuan=int(r["due"] or 0),
            paid_count=r["paid_count"],
            paid_yuan=int(r["paid"] or Decimal(0)),
            overdue=r["overdue"],
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
    scope, scope_label = statistics_scope(user)
    dossiers = scope.filter(round=round_).exclude(status=DRAFT)
    policy = round_.policy
    states = {str(k): str(v) for k, v in policy.workflow["states"].items()}
    levels = {str(k): policy.level_label(k) for k in policy.data["levels"]}
    kinds = {str(k): policy.kind_label(k) for k in policy.data["kinds"]}
    totals = dossiers.aggregate(**_COUNTS)
    fees = _fee_rows(dossiers, levels)
    # The stubs type values() without the annotations; the rows are plain dicts.
    unit_rows = cast(
        list[dict[str, Any]],
        list(dossiers.values("unit__code", "unit__name").annotate(**_COUNTS).order_by("unit__code")),
    )
    return RoundStatistics(
        round=round_,
        scope_label=scope_label,
        total=Row("total", "合计", totals["total"], totals["voted"], totals["passed"]),
        by_status=_grouped(dossiers, "status", states),
        by_unit=[
            Row(str(r["unit__code"]), str(r["unit__name"]), r["total"], r["voted"], r["passed"]) for r in unit_rows
        ],
        by_level=_grouped(dossiers, "level", levels),
        by_kind=_grouped(dossiers, "kind", kinds),
        fees=fees,
        fees_total=_fee_total(fees),
    )
