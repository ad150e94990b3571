"""The demo set-up leaves work waiting for every demo officer, built through the services."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demo.review import DEMO_APPLICANTS, seed_review_dossiers
from demo.setup import DEMO_PASSWORD
from dossiers.models import Dossier
from workflow import selectors
from workflow.models import Transition

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_dossiers_in_every_state_with_history(open_round, demo_users):
    rows = seed_review_dossiers(demo_round=open_round, password=DEMO_PASSWORD)
    assert len(rows) == len(DEMO_APPLICANTS)
    states = dict(Dossier.objects.filter(round=open_round).values_list("applicant__username", "status"))
    for username, *_, target in DEMO_APPLICANTS:
        assert states[username] == target, (username, states[username])
    # Built through the services: every state change is in the history, none written directly.
    for dossier in Dossier.objects.filter(round=open_round):
        last = Transition.objects.filter(dossier=dossier).order_by("id").last()
        assert last.to_state == dossier.status
    publicity_dossier = Dossier.objects.get(round=open_round, applicant__username="demo_applicant4")
    assert publicity_dossier.publicities.get().end < timezone.localdate()  # the unit can recommend today
    returned = Dossier.objects.get(round=open_round, applicant__username="demo_applicant7")
    assert returned.return_deadline > timezone.now()
    assert selectors.open_return(returned).by_section.keys() == {"work_summary", "papers"}
    # Each officer has something waiting in their own queue.
    for officer in ("demo_unit", "demo_county", "demo_county_qm", "demo_prefecture"):
        assert selectors.reviewer_queue(demo_users[officer]), officer
    # Idempotent.
    seed_review_dossiers(demo_round=open_round, password=DEMO_PASSWORD)
    assert Dossier.objects.filter(round=open_round).count() == len(DEMO_APPLICANTS)
