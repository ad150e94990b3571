"""The action registry: a page offers exactly what execute() accepts; files a step owes are drawn after
its commit (or on the first read), never inside a transaction that may roll back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from benchmarks.seeding import grow_to
from core.errors import DomainError, ErrorCode, ValidationFailed
from documents.models import DocumentKind, GeneratedDocument, OwedDocument
from dossiers.models import Dossier
from workflow import services
from workflow.actions import (
    PublicityNotEnded,
    act,
    available_actions,
    bulk_menu,
    dossier_action,
    dossier_actions,
)
from workflow.models import Publicity

from .conftest import file_unit_records, submit

pytestmark = pytest.mark.django_db


def _publicise(dossier, unit) -> Publicity:
    act(action="unit_accept", dossier_id=dossier.pk, actor=unit)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.publicity_start(
            dossier_ids=[dossier.pk], actor=unit, start=timezone.localdate(), contact="人事科，0996-2024500"
        )


def _day_after(publicity: Publicity):
    day = publicity.end + dt.timedelta(days=1)
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))), tick=False)


def test_recommend_is_not_offered_before_the_publicity_ends(client, submitted, demo_users):
    unit = demo_users["demo_unit"]
    publicity = _publicise(submitted, unit)
    submitted.refresh_from_db()
    recommend = dossier_action(submitted, "recommend")
    # The page: no 同意推荐 button, and the names the API lists do not include it.
    client.force_login(unit)
    page = client.get(reverse("workflow:detail", args=[submitted.pk])).content.decode()
    assert 'value="recommend"' not in page and "同意推荐</button>" not in page
    assert "公示结束后方可推荐" in page  # the page says why it is not offered yet
    assert "recommend" not in [a.name for a in available_actions(unit, submitted)]
    assert "recommend" not in client.get(f"/api/dossiers/{submitted.pk}/actions").json()
    # check() alone refuses with the same typed error execute() raises.
    with pytest.raises(PublicityNotEnded) as err:
        recommend.check(unit, submitted)
    assert err.value.code == ErrorCode.PUBLICITY_NOT_ENDED and "公示结束后方可推荐" in err.value.message
    with pytest.raises(PublicityNotEnded):
        act(action="recommend", dossier_id=submitted.pk, actor=unit)
    with _day_after(publicity):
        # Ended but no result recorded yet: still not offered.
        assert not recommend.allows(unit, submitted)
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
        # Nor before the unit filed the signed annex 1 and 2 (issue 10 point 7); the page says so.
        assert not recommend.allows(unit, submitted)
        assert "推荐单位公示（附件1" in client.get(reverse("workflow:detail", args=[submitted.pk])).content.decode()
        file_unit_records(submitted, unit)
        assert recommend.allows(unit, submitted)
        page = client.get(reverse("workflow:detail", args=[submitted.pk])).content.decode()
        assert 'value="recommend"' in page
        assert act(action="recommend", dossier_id=submitted.pk, actor=unit).status == "recommended"


class _Undo(Exception):
    pass


def _accepted(action, user, dossier) -> bool:
    """Whether execute() goes through (then undone, so the next try starts from the same state)."""
    try:
        with transaction.atomic():
            action.execute(user, dossier.pk)
            raise _Undo
    except _Undo:
        return True
    except DomainError:
        return False


def test_offered_plain_steps_are_exactly_those_execute_accepts(submitted, demo_users):
    for username in ("demo_unit", "demo_unit_qm", "demo_county", "demo_prefecture", "demo_applicant"):
        user = demo_users[username]
        for action in dossier_actions(submitted):
            if not action.form:
                assert action.allows(user, submitted) == _accepted(action, user, submitted), (username, action.name)
    assert [a.name for a in available_actions(demo_users["demo_unit"], submitted)] == ["unit_accept", "return"]
    assert available_actions(demo_users["demo_county"], submitted) == []


def test_bulk_menu_lists_only_steps_someone_may_take(submitted, new_dossier, demo_users):
    unit = demo_users["demo_unit"]
    assert bulk_menu(unit, [submitted]) == {"unit_accept": "开始审核"}
    act(action="unit_accept", dossier_id=submitted.pk, actor=unit)
    submitted.refresh_from_db()
    assert bulk_menu(unit, [submitted]) == {"start_publicity": "开始单位公示"}
    assert bulk_menu(demo_users["demo_county"], [submitted]) == {}


def test_bulk_menu_of_a_mixed_page_is_every_dossier_s_own_menu_merged(demo_users, open_round):
    """The menu checks each (round, state)'s steps once built and skips a step already offered: the same menu,
    in the same order, as asking dossier by dossier, for a page of dossiers in every state."""
    grow_to(40)
    dossiers = list(Dossier.objects.select_related("round", "unit").exclude(status="draft").order_by("pk"))
    assert len({d.status for d in dossiers}) > 3
    offered = set()
    for username in ("demo_unit", "demo_county", "demo_prefecture"):
        user = demo_users[username]
        merged: dict[str, str] = {}
        for dossier in dossiers:
            for name, label in bulk_menu(user, [dossier]).items():
                merged.setdefault(name, label)
        assert bulk_menu(user, dossiers) == merged and list(bulk_menu(user, dossiers)) == list(merged), username
        offered |= set(merged)
    assert len(offered) > 2, offered


def test_generic_api_route_takes_any_step_with_one_schema(client, submitted, demo_users):
    client.force_login(demo_users["demo_unit"])
    base = f"/api/dossiers/{submitted.pk}/actions"
    assert client.get(base).json() == ["unit_accept", "return"]
    r = client.post(f"{base}/teleport", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = client.post(f"{base}/return", {"reasons": []}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    r = client.post(
        f"{base}/start_publicity",
        {"start": timezone.localdate().isoformat(), "contact": "人事科"},
        content_type="application/json",
    )
    assert r.status_code == 409  # still submitted: the unit accepts first
    client.post(f"{base}/unit_accept", {}, content_type="application/json")
    r = client.post(
        f"{base}/start_publicity",
        {"start": timezone.localdate().isoformat(), "contact": "人事科"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "unit_publicity"
    assert Publicity.objects.filter(dossiers=submitted).count() == 1


def test_bulk_refuses_steps_that_need_their_own_form(submitted, demo_users):
    from workflow.actions import bulk_act

    for name in ("return", "start_publicity", "submit"):
        with pytest.raises(ValidationFailed, match="须逐份办理"):
            bulk_act(dossier_ids=[submitted.pk], action=name, actor=demo_users["demo_unit"])
    # 同意推荐 takes no input (the opinion is the policy's text): bulk, each dossier checked on its own.
    done, refused = bulk_act(dossier_ids=[submitted.pk], action="recommend", actor=demo_users["demo_unit"])
    assert done == [] and "不能执行“同意推荐”" in refused[submitted.pk].message


# ---- files owed, not written inside the transaction ---------------------------------------------------


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "documents"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_publicity_file_is_owed_until_its_job_runs_then_drawn_on_first_read(client, submitted, demo_users):
    unit = demo_users["demo_unit"]
    act(action="unit_accept", dossier_id=submitted.pk, actor=unit)
    # The commit happens, but the job enqueued on commit never runs (the process died in between).
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        services.publicity_start(
            dossier_ids=[submitted.pk], actor=unit, start=timezone.localdate(), contact="人事科，0996-2024500"
        )
    assert callbacks  # the job was enqueued for after the commit
    owed = OwedDocument.objects.get(dossier=submitted, kind=DocumentKind.PUBLICITY_NOTICE)
    assert owed.produced is None
    assert not GeneratedDocument.objects.filter(dossier=submitted).exists()
    assert _stored_files() == []
    # The first read of the dossier's review page draws what is still owed.
    client.force_login(unit)
    page = client.get(reverse("workflow:detail", args=[submitted.pk])).content.decode()
    owed.refresh_from_db()
    assert owed.produced is not None and owed.produced.kind == DocumentKind.PUBLICITY_NOTICE
    assert owed.produced.file.open("rb").read(5) == b"%PDF-"
    assert "推荐单位公示（PDF）" in page
    # Drawn once: a second read does not draw it again.
    client.get(reverse("workflow:detail", args=[submitted.pk]))
    assert GeneratedDocument.objects.filter(dossier=submitted, kind=DocumentKind.PUBLICITY_NOTICE).count() == 2


def test_a_rolled_back_publicity_leaves_no_file_and_nothing_owed(submitted, new_dossier, demo_users):
    unit = demo_users["demo_unit"]
    act(action="unit_accept", dossier_id=submitted.pk, actor=unit)
    still_submitted = submit(new_dossier(applicant="demo_applicant2"))  # another unit: the whole step is refused
    with pytest.raises(ValidationFailed), TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.publicity_start(
            dossier_ids=[submitted.pk, still_submitted.pk], actor=unit, start=timezone.localdate(), contact="人事科"
        )
    assert callbacks == []
    assert not OwedDocument.objects.exists() and not GeneratedDocument.objects.exists()
    assert _stored_files() == []
    submitted.refresh_from_db()
    assert submitted.status == "unit_review"


def test_publicity_steps_are_audited_through_one_function(submitted, demo_users):
    publicity = _publicise(submitted, demo_users["demo_unit"])
    event = AuditEvent.objects.get(action="publicity_start")
    assert event.actor == demo_users["demo_unit"] and event.target == f"publicity:{publicity.pk}"
    assert event.extra["dossiers"] == [submitted.pk]
    generated = AuditEvent.objects.filter(action="document_generated", target=f"dossier:{submitted.pk}")
    assert generated.count() == 2  # annex 1 as PDF and its editable DOCX


# ---- pages: one mapping of refusals -------------------------------------------------------------------


def test_page_refusal_is_a_message_and_htmx_gets_the_partial(client, submitted, demo_users):
    client.force_login(demo_users["demo_unit"])
    url = reverse("workflow:act", args=[submitted.pk])
    response = client.post(url, {"action": "county_accept"}, follow=True)
    assert "不能执行" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("workflow:detail", args=[submitted.pk])
    partial = client.post(url, {"action": "county_accept"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'data-code="illegal_transition"' in partial.content.decode()
    # A dossier the user may not see is the 404 page, whichever the refusal.
    client.force_login(demo_users["demo_unit_qm"])
    assert client.post(url, {"action": "unit_accept"}).status_code == 404
