"""Random draws from the expert pool: seeded, recorded, replayable; recused experts are never drawn."""

from __future__ import annotations

import pytest

from committee.draws import committee_draw, draw_replay, group_draw
from committee.experts import conflict_declare, recusal_reason
from committee.models import CommitteeMember, Draw, ExpertAssignment
from committee.services import expert_assign
from committee.stage import id_number_of
from core.errors import AlreadyRecorded, ValidationFailed
from tests.committee.stage import make_expert, received_dossier


@pytest.fixture
def dossier(stage_round, orgs):
    return received_dossier(stage_round, orgs["U-KRLJT"], level="junior")


@pytest.fixture
def recused(orgs, dossier, experts):
    """Two experts who must recuse: one works at the applicant's unit, one declared a conflict (relative)."""
    colleague = make_expert(orgs["BZ"], unit=orgs["U-KRLJT"])
    relative = experts[0]
    conflict_declare(actor=relative.user, expert=relative, id_number=id_number_of(dossier), kind="relative")
    return [colleague, relative]


def test_committee_draw_is_recorded_and_replays(stage_round, office, experts):
    record = committee_draw(actor=office, round_=stage_round, size=7, seed="2023-bz")
    assert record.candidates == sorted(e.pk for e in experts)
    assert len(record.drawn) == 7 == CommitteeMember.objects.filter(round=stage_round).count()
    assert draw_replay(record)
    record.drawn = list(reversed(record.drawn))
    assert not draw_replay(record)
    with pytest.raises(AlreadyRecorded):
        committee_draw(actor=office, round_=stage_round, size=7)


def test_recusal_reasons(recused, dossier):
    colleague, relative = recused
    assert recusal_reason(colleague, dossier) == "与申报人同一单位"
    assert recusal_reason(relative, dossier) == "已申报回避（近亲属）"


@pytest.mark.parametrize("seed", [f"seed-{n}" for n in range(12)])
def test_a_recused_expert_is_never_drawn_and_the_skip_is_recorded(stage_round, office, experts, recused, dossier, seed):
    committee_draw(actor=office, round_=stage_round, size=10, seed="committee")  # the whole pool of 10
    group = group_draw(actor=office, round_=stage_round, name="第一评议组", dossiers=[dossier], size=5, seed=seed)
    recused_ids = {e.pk for e in recused}
    assert not recused_ids & set(group.members.values_list("pk", flat=True))
    assert not ExpertAssignment.objects.filter(dossier=dossier, expert__in=[e.user for e in recused]).exists()
    assert group.members.count() == 5
    record = Draw.objects.get(group=group)
    assert {row["expert"] for row in record.skipped} <= recused_ids
    assert all(dossier.serial_number in row["reason"] for row in record.skipped)
    assert draw_replay(record)


def test_review_groups_have_at_least_three_members(stage_round, office, experts, dossier):
    committee_draw(actor=office, round_=stage_round, size=9)
    with pytest.raises(ValidationFailed, match="不得少于 3 人"):
        group_draw(actor=office, round_=stage_round, name="小组", dossiers=[dossier], size=2)


def test_manual_assignment_refuses_a_recused_expert(recused, dossier, office):
    with pytest.raises(ValidationFailed, match="回避"):
        expert_assign(actor=office, dossier=dossier, expert=recused[0].user)
