"""`seed_demo`: the whole demo set-up in one call (idempotent)."""

from __future__ import annotations

from accounts.models import User
from committee.services import expert_assign
from demo.committee import committee_summary, seed_committee_stage
from demo.review import seed_review_dossiers
from demo.setup import DEMO_PASSWORD, seed_organizations, seed_rounds, seed_users
from dossiers.models import Dossier
from dossiers.states import COMMITTEE_RECEIVED
from rounds.models import Round


def seed_demo() -> dict[str, object]:
    orgs = seed_organizations()
    users = seed_users(orgs)
    rounds = seed_rounds()
    # Dossiers waiting at every review step of the demo round (the last round: the demo copy).
    users += seed_review_dossiers(demo_round=rounds[-1], password=DEMO_PASSWORD)
    seed_expert_assignments(demo_round=rounds[-1])
    # The committee stage: its own demo round, experts in the pool, dossiers at every committee step.
    committee_round, committee_users = seed_committee_stage(orgs=orgs, password=DEMO_PASSWORD)
    users += committee_users
    return {
        "organizations": orgs,
        "users": users,
        "rounds": [*rounds, committee_round],
        "committee": committee_summary(committee_round),
    }


def seed_expert_assignments(*, demo_round: Round) -> None:
    """Give the demo expert the dossiers the committee has received, so the blind view can be tried."""
    expert = User.objects.get(username="demo_expert")
    for dossier in Dossier.objects.filter(round=demo_round, status=COMMITTEE_RECEIVED):
        expert_assign(actor=None, dossier=dossier, expert=expert)
