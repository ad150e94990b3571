"""Helpers for workflow tests: dossiers in the demo round, submitted with the submit action's writes.

The full applicant submit (completeness, eligibility, masking) is the dossiers app's service and is
tested there; here a submission is the same transition with the same submission bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierSection, Submission
from dossiers.sections import UNIT_RECORD_TYPES
from dossiers.services import dossier_create
from tests.dossiers.helpers import jpeg_bytes
from workflow.actions import SubmitAction, dossier_action, record_transition

BASIC_INFO = {
    "name": "李建国",
    "sex": "男",
    "ethnicity": "汉族",
    "political_status": "群众",
    "id_number": "652801198805120016",
    "birth_date": "1988-05-12",
    "phone": "13900000000",
    "email": "lijianguo@example.invalid",
    "started_work": "2010-07-01",
    "retired": False,
    "civil_servant": False,
    "special_assignments": [],
}


def make_dossier(round_: Any, applicant: User, *, level: str = "mid", kind: str = "evaluation") -> Dossier:
    """A draft made by dossiers.services.dossier_create; a round whose filing has closed gets it on its
    filing start day, as the applicant would have made it then."""
    window = round_.policy.window("online_filing")
    if window.contains(timezone.localdate()):
        dossier = dossier_create(actor=applicant, round_=round_, level=level, kind=kind)
    else:
        with time_machine.travel(dt.datetime.combine(window.start, dt.time(10)), tick=False):
            dossier = dossier_create(actor=applicant, round_=round_, level=level, kind=kind)
    DossierSection.objects.create(dossier=dossier, key="basic_info", data={**BASIC_INFO, "name": applicant.full_name})
    DossierSection.objects.create(dossier=dossier, key="work_summary", data={"text": "第一次提交的工作总结。"})
    return dossier


def submit(dossier: Dossier, actor: User | None = None) -> Dossier:
    """Submit or resubmit: the submit action's checks and writes except its content check (completeness,
    eligibility), which needs a fully filled dossier (tested in tests/dossiers)."""
    dossier.refresh_from_db()
    action = dossier_action(dossier, "submit" if dossier.status == "draft" else "resubmit")
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().select_related("round", "unit").get(pk=dossier.pk)
        assert isinstance(action, SubmitAction)
        action.check_turn(actor or locked.applicant, locked)  # state, role, window, limit, return deadline
        from_state, to_state = locked.status, action.target(locked)
        action.apply(locked)
        record_transition(
            locked,
            action=action.name,
            actor=actor or locked.applicant,
            actor_role="applicant",
            from_state=from_state,
            to_state=to_state,
            note=action.note(locked),
        )
    Submission.objects.create(
        dossier=locked,
        number=locked.submission_count,
        snapshot={"sections": {s.key: s.data for s in locked.sections.all()}, "attachments": []},
        submitted_by=locked.applicant,
    )
    return locked


@pytest.fixture
def new_dossier(open_round, demo_users) -> Callable[..., Dossier]:
    def factory(applicant: str | User = "demo_applicant", **kwargs: Any) -> Dossier:
        user = applicant if isinstance(applicant, User) else demo_users[applicant]
        return make_dossier(open_round, user, **kwargs)

    return factory


@pytest.fixture
def submitted(new_dossier) -> Dossier:
    return submit(new_dossier())


def file_unit_records(dossier: Dossier, actor: User) -> None:
    """The unit files the signed annex 1 and annex 2 (section 13) — required before 同意推荐 (issue 10)."""
    for _section, doc_type in UNIT_RECORD_TYPES:
        dossier_services.unit_record_upload(
            dossier_id=dossier.pk,
            actor=actor,
            doc_type=doc_type,
            upload=io.BytesIO(jpeg_bytes()),
            original_name="公示.jpg",
        )
