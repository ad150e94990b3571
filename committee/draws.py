"""Random draws from the expert pool (人社部令第40号): the committee of a round, then review groups of at
least `group_min` members from it. Each draw is recorded with its seed and the ordered candidates, so
`draw_replay` reproduces it from the record alone; experts skipped for recusal are recorded with the reason."""

from __future__ import annotations

import secrets

from django.db import transaction

from accounts.models import User
from accounts.services import audit
from committee.experts import recusal_reason
from committee.models import CommitteeMember, Draw, Expert, ExpertAssignment, ReviewGroup
from committee.permissions import require_office
from committee.rules import draw
from committee.services import pseudonym_for
from committee.stage import RECEIVED
from core.errors import AlreadyRecorded, IllegalTransition, ValidationFailed
from dossiers.models import Dossier
from rounds.models import Round


def new_seed() -> str:
    return secrets.token_hex(8)


def committee_draw_check(actor: User | None, round_: Round, *, size: int) -> None:
    require_office(actor)
    if CommitteeMember.objects.filter(round=round_).exists():
        raise AlreadyRecorded("本批次的评审委员会已抽取。")
    if size < round_.policy.committee_value("group_min"):
        raise ValidationFailed(
            f"评审委员会人数不能少于评议组最少人数 {round_.policy.committee_value('group_min')} 人。"
        )


@transaction.atomic
def committee_draw(*, actor: User, round_: Round, size: int, seed: str | None = None) -> Draw:
    """Draw the round's committee from the active experts."""
    committee_draw_check(actor, round_, size=size)
    candidates = list(Expert.objects.filter(status=Expert.Status.ACTIVE).values_list("pk", flat=True))
    seed = seed or new_seed()
    outcome = draw(candidates, seed=seed, size=size)
    record = Draw.objects.create(
        round=round_,
        purpose=Draw.Purpose.COMMITTEE,
        seed=seed,
        size=size,
        candidates=sorted(candidates),
        drawn=outcome.drawn,
        skipped=[],
        drawn_by=actor,
    )
    CommitteeMember.objects.bulk_create(
        CommitteeMember(round=round_, expert_id=pk, draw=record) for pk in outcome.drawn
    )
    audit(actor, "committee_drawn", record, seed=seed, size=size, drawn=outcome.drawn)
    return record


def group_draw_check(actor: User | None, round_: Round, *, size: int, dossiers: list[Dossier]) -> None:
    require_office(actor)
    minimum = round_.policy.committee_value("group_min")
    if size < minimum:
        raise ValidationFailed(f"评议组不得少于 {minimum} 人（人社部令第40号）。", details={"group_min": minimum})
    if not CommitteeMember.objects.filter(round=round_).exists():
        raise IllegalTransition("请先抽取本批次的评审委员会。")
    if not dossiers:
        raise ValidationFailed("请选择评议组评审的申报。")
    for dossier in dossiers:
        if dossier.round_id != round_.pk or dossier.status != RECEIVED:
            raise IllegalTransition(f"{dossier.serial_number} 不在本批次评审委员会已接收状态。")
        if ReviewGroup.objects.filter(round=round_, dossiers=dossier).exists():
            raise AlreadyRecorded(f"{dossier.serial_number} 已分配给评议组。")


@transaction.atomic
def group_draw(
    *, actor: User, round_: Round, name: str, dossiers: list[Dossier], size: int, seed: str | None = None
) -> ReviewGroup:
    """Draw a review group from the committee for these dossiers, skipping experts who must recuse from any
    of them; each member is assigned each dossier under the dossier's pseudonym."""
    group_draw_check(actor, round_, size=size, dossiers=dossiers)
    members = {m.expert_id: m.expert for m in CommitteeMember.objects.filter(round=round_).select_related("expert")}

    def skip_reason(expert_id: int) -> str | None:
        reasons = [f"{d.serial_number}：{r}" for d in dossiers if (r := recusal_reason(members[expert_id], d))]
        return "；".join(reasons) or None

    seed = seed or new_seed()
    outcome = draw(list(members), seed=seed, size=size, skip_reason=skip_reason)
    record = Draw.objects.create(
        round=round_,
        purpose=Draw.Purpose.GROUP,
        seed=seed,
        size=size,
        candidates=sorted(members),
        drawn=outcome.drawn,
        skipped=[{"expert": pk, "reason": reason} for pk, reason in outcome.skipped],
        drawn_by=actor,
    )
    group = ReviewGroup.objects.create(round=round_, name=name, draw=record)
    group.members.set(outcome.drawn)
    group.dossiers.set(dossiers)
    for dossier in dossiers:
        pseudonym = pseudonym_for(dossier)
        for expert_id in outcome.drawn:
            ExpertAssignment.objects.get_or_create(
                expert=members[expert_id].user, dossier=dossier, defaults={"pseudonym": pseudonym, "assigned_by": actor}
            )
    audit(actor, "group_drawn", group, seed=seed, drawn=outcome.drawn, skipped=record.skipped)
    return group


def draw_replay(record: Draw) -> bool:
    """True when the recorded seed and candidates, with the recorded recusals, give the recorded result."""
    recused = {row["expert"]: row["reason"] for row in record.skipped}
    try:
        replayed = draw(record.candidates, seed=record.seed, size=record.size, skip_reason=recused.get)
    except ValidationFailed:
        return False
    return replayed.drawn == record.drawn and [pk for pk, _ in replayed.skipped] == list(recused)
