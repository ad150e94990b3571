"""The oral defence (notice 三(四), 六).

Who defends comes from the eligibility rules (`dossier_self_check(...).defence_exempt`, notice 六(一)(二)) —
never a second reading of the exemptions here — plus the policy's kinds that do not defend at all (初次确定).
Where the round scores the defence, an exempt applicant receives the average score of that year's defended
applicants of the same specialty and level; where nobody of that level defends (juniors, 六(二)) or the round
does not score the defence, exemption counts as passing. Every score saved recomputes its whole group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction

from accounts.models import User
from accounts.services import audit
from committee.models import DefenceOutcome, DefenceScore, DefenceSession, Expert
from committee.permissions import require_office
from committee.rules import average, sheet_total
from committee.stage import AT_COMMITTEE, RECEIVED
from core.errors import IllegalTransition, OutsideWindow, PermissionDenied, ValidationFailed
from dossiers.models import Dossier
from eligibility.selectors import dossier_self_check
from rounds.models import Round

DEFENCE_WINDOW = "defence"


class Requirement(StrEnum):
    DEFEND = "defend"
    EXEMPT = "exempt"
    NOT_REQUIRED = "not_required"


def defence_requirement(dossier: Dossier) -> Requirement:
    policy = dossier.round.policy
    if dossier.kind in policy.defence_value("no_defence_kinds"):
        return Requirement.NOT_REQUIRED
    if dossier_self_check(dossier).defence_exempt:
        return Requirement.EXEMPT
    return Requirement.DEFEND


@dataclass(frozen=True)
class GroupKey:
    """Whose defended scores an exempt applicant's average comes from (notice 六: 当年…该专业)."""

    year: int
    specialty: str
    level: str

    @classmethod
    def of(cls, dossier: Dossier) -> GroupKey:
        return cls(dossier.round.year, str(dossier.round.policy.data.get("specialty", "")), dossier.level)


def group_dossiers(key: GroupKey) -> list[Dossier]:
    rounds = [r for r in Round.objects.filter(year=key.year) if r.policy.data.get("specialty", "") == key.specialty]
    return list(
        Dossier.objects.filter(round__in=rounds, level=key.level, status__in=AT_COMMITTEE).select_related("round")
    )


def dossier_defence_score(dossier: Dossier) -> Decimal | None:
    """The mean of the panel members' sheet totals, None before any sheet."""
    return average(DefenceScore.objects.filter(dossier=dossier).values_list("total", flat=True))


def _outcome_values(
    requirement: Requirement, own: Decimal | None, group_average: Decimal | None, *, others_defend: bool, policy: Any
) -> tuple[str, Decimal | None, bool | None]:
    pass_score = Decimal(str(policy.defence_value("pass_score")))
    if requirement == Requirement.NOT_REQUIRED:
        return DefenceOutcome.Basis.NOT_REQUIRED, None, True
    if requirement == Requirement.DEFEND:
        if own is None:
            return DefenceOutcome.Basis.PENDING, None, None
        return DefenceOutcome.Basis.DEFENDED, own, own >= pass_score
    if not policy.defence_value("scored") or not others_defend:
        return DefenceOutcome.Basis.EXEMPT_PASS, None, True
    if group_average is None:
        return DefenceOutcome.Basis.PENDING, None, None
    return DefenceOutcome.Basis.EXEMPT_AVERAGE, group_average, group_average >= pass_score


def defence_outcomes_recompute(key: GroupKey) -> list[DefenceOutcome]:
    """(Re)compute every outcome of one year × specialty × level (called whenever a score changes)."""
    dossiers = group_dossiers(key)
    requirements = {d.pk: defence_requirement(d) for d in dossiers}
    own = {d.pk: dossier_defence_score(d) for d in dossiers if requirements[d.pk] == Requirement.DEFEND}
    group_average = average(score for score in own.values() if score is not None)
    others_defend = bool(own)
    outcomes = []
    for dossier in dossiers:
        basis, score, passed = _outcome_values(
            requirements[dossier.pk],
            own.get(dossier.pk),
            group_average,
            others_defend=others_defend,
            policy=dossier.round.policy,
        )
        outcome, _ = DefenceOutcome.objects.update_or_create(
            dossier=dossier, defaults={"basis": basis, "score": score, "passed": passed}
        )
        outcomes.append(outcome)
    return outcomes


def defence_outcomes_recompute_round(round_: Round) -> None:
    keys = {
        GroupKey.of(d) for d in Dossier.objects.filter(round=round_, status__in=AT_COMMITTEE).select_related("round")
    }
    for key in keys:
        defence_outcomes_recompute(key)


def defence_outcomes_settle_check(actor: User | None, round_: Round) -> None:
    require_office(actor)


@transaction.atomic
def defence_outcomes_settle(*, actor: User, round_: Round) -> int:
    """The office (re)computes every outcome of the round, e.g. where nobody defends at all; returns how many
    dossiers still wait for scores."""
    defence_outcomes_settle_check(actor, round_)
    defence_outcomes_recompute_round(round_)
    pending = DefenceOutcome.objects.filter(dossier__round=round_, basis=DefenceOutcome.Basis.PENDING).count()
    audit(actor, "defence_outcomes_settled", round_, pending=pending)
    return pending


# --- scheduling and scoring -------------------------------------------------------------------------------


def defence_session_schedule_check(
    actor: User | None, round_: Round, *, held_on: dt.date, panel: list[User], dossiers: list[Dossier]
) -> None:
    require_office(actor)
    window = round_.policy.window(DEFENCE_WINDOW)
    if not window.contains(held_on):
        raise OutsideWindow(
            f"答辩日期 {held_on:%Y-%m-%d} 不在{window.describe()}内。", details={"window": DEFENCE_WINDOW}
        )
    if not panel:
        raise ValidationFailed("请选择答辩评委。")
    outsiders = [u for u in panel if not Expert.objects.filter(user=u, status=Expert.Status.ACTIVE).exists()]
    if outsiders:
        raise ValidationFailed(f"答辩评委须为专家库中的在库专家：{'、'.join(str(u) for u in outsiders)}")
    for dossier in dossiers:
        if dossier.round_id != round_.pk or dossier.status != RECEIVED:
            raise IllegalTransition(f"{dossier.serial_number} 不在本批次评审委员会已接收状态，不能安排答辩。")
        requirement = defence_requirement(dossier)
        if requirement != Requirement.DEFEND:
            label = "免于答辩" if requirement == Requirement.EXEMPT else "不参加答辩"
            raise ValidationFailed(f"{dossier.serial_number} {label}，无需安排答辩。", details={"dossier": dossier.pk})


@transaction.atomic
def defence_session_schedule(
    *, actor: User, round_: Round, held_on: dt.date, place: str, panel: list[User], dossiers: list[Dossier]
) -> DefenceSession:
    defence_session_schedule_check(actor, round_, held_on=held_on, panel=panel, dossiers=dossiers)
    session = DefenceSession.objects.create(round=round_, held_on=held_on, place=place, created_by=actor)
    session.panel.set(panel)
    session.dossiers.set(dossiers)
    # Every group's outcomes exist from the first session on (juniors and 初次确定 need none to pass).
    defence_outcomes_recompute_round(round_)
    audit(
        actor, "defence_scheduled", session, held_on=held_on.isoformat(), place=place, dossiers=[d.pk for d in dossiers]
    )
    return session


def defence_score_record_check(actor: User | None, session: DefenceSession, dossier: Dossier) -> None:
    if actor is None or not session.panel.filter(pk=actor.pk).exists():
        raise PermissionDenied("只有本场答辩的评委可以评分。")
    if not session.dossiers.filter(pk=dossier.pk).exists():
        raise ValidationFailed("该申报人不在本场答辩名单中。")
    if dossier.status != RECEIVED:
        raise IllegalTransition("该申报已完成评审，不能再修改答辩评分。", details={"status": dossier.status})


@transaction.atomic
def defence_score_record(
    *, actor: User, session: DefenceSession, dossier: Dossier, items: dict[str, Any]
) -> DefenceScore:
    """A panel member's quantified sheet (items of the policy's sheet); saving it recomputes the group."""
    defence_score_record_check(actor, session, dossier)
    total = sheet_total(session.round.policy.defence_value("sheet"), items)
    sheet, created = DefenceScore.objects.update_or_create(
        session=session, dossier=dossier, member=actor, defaults={"items": items, "total": total}
    )
    audit(actor, "defence_scored", sheet, dossier=dossier.pk, total=str(total), revised=not created)
    defence_outcomes_recompute(GroupKey.of(dossier))
    return sheet
