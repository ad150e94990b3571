"""The fraud register's pages: the office and region-level officers list and record cases; the public and
other roles cannot; a finding during a round asks for confirmation, then cancels that round's application
through the fraud_cancel action; the ban reaches the eligibility rules without anyone copying it."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import AuditEvent, Organization, Role
from dossiers.states import CANCELLED, COMMITTEE_RECEIVED
from eligibility.models import FraudFinding
from eligibility.selectors import dossier_profile, dossier_self_check
from tests.committee.stage import id_number, make_expert, received_dossier
from tests.factories import UserFactory, give_role
from workflow.models import Transition

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _unit(orgs) -> Organization:
    return next(o for o in orgs.values() if o.kind == Organization.Kind.UNIT)


@pytest.fixture
def case(stage_round, orgs):
    dossier = received_dossier(stage_round, _unit(orgs))
    basic = dossier.sections.get(key="basic_info").data
    return {
        "round": stage_round.pk,
        "id_number": basic["id_number"],
        "name": basic["name"],
        "evidence": "学历证书系伪造，经学信网核查无此记录。",
        "note": "州评委会办公室核查",
    }


def test_recording_during_a_round_asks_to_confirm_then_cancels_the_application(case, office, stage_round) -> None:
    client = _as(office)
    assert "登记弄虚作假记录" in client.get("/committee/fraud/").content.decode()
    first = client.post("/committee/fraud/new/", case)
    assert first.status_code == 200
    page = first.content.decode()
    from dossiers.models import Dossier

    dossier = Dossier.objects.get(
        round=stage_round, sections__key="basic_info", sections__data__id_number=case["id_number"]
    )
    assert f'data-cancels="{dossier.serial_number}"' in page and "确认登记并取消该申报" in page
    # Nothing happens before the confirmation.
    assert not FraudFinding.objects.exists()
    dossier.refresh_from_db()
    assert dossier.status == COMMITTEE_RECEIVED

    done = client.post("/committee/fraud/new/", {**case, "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == "/committee/fraud/"
    finding = FraudFinding.objects.get()
    assert (finding.id_number, finding.round_year, finding.dossier_id) == (
        case["id_number"],
        stage_round.year,
        dossier.pk,
    )
    assert finding.evidence == case["evidence"] and finding.recorded_by == office
    dossier.refresh_from_db()
    assert dossier.status == CANCELLED
    move = Transition.objects.filter(dossier=dossier).order_by("-pk").first()
    assert move is not None and move.action == "fraud_cancel" and move.actor == office
    assert AuditEvent.objects.filter(action="fraud_cancelled").exists()
    listing = client.get("/committee/fraud/").content.decode()
    assert case["id_number"] in listing and dossier.serial_number in listing
    assert f"{stage_round.year + 1}—{stage_round.year + 3} 年" in listing

    # The ban feeds eligibility by itself: the self-check and the command's profile both carry it.
    check = next(c for c in dossier_self_check(dossier).checks if c.rule == "fraud_ban")
    assert not check.passed and f"{stage_round.year + 1}—{stage_round.year + 3} 年度不得申报" in check.reason


def test_the_ban_reaches_the_eligibility_command_profile(case, office, stage_round, tmp_path, capsys) -> None:
    from committee.fraud import fraud_person_record
    from rounds.models import Round

    round_ = Round.objects.get(pk=case["round"])
    finding = fraud_person_record(actor=office, round_=round_, id_number=case["id_number"], evidence="伪造证书")
    assert finding.dossier is not None
    profile = dossier_profile(finding.dossier).profile
    assert profile["fraud_findings"] == [{"round_year": stage_round.year}]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    call_command("eligibility", "--round", stage_round.slug, str(path))
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["eligible"] is False
    assert any(c["rule"] == "fraud_ban" and not c["passed"] for c in verdict["checks"])


def test_a_person_without_an_application_in_the_round_is_recorded_only(office, stage_round) -> None:
    client = _as(office)
    data = {
        "round": stage_round.pk,
        "id_number": id_number(555),
        "name": "王五",
        "evidence": "冒用他人业绩",
        "note": "",
    }
    confirm = client.post("/committee/fraud/new/", data).content.decode()
    assert "仅登记记录" in confirm
    client.post("/committee/fraud/new/", {**data, "confirm": "1"})
    finding = FraudFinding.objects.get()
    assert finding.dossier is None and finding.evidence == "冒用他人业绩"
    # Recording the same person for the same year again is refused with its message.
    again = client.post("/committee/fraud/new/", data, follow=True).content.decode()
    assert "已登记" in again
    assert FraudFinding.objects.count() == 1


def test_bad_input_stays_on_the_form(office, stage_round) -> None:
    response = _as(office).post("/committee/fraud/new/", {"round": stage_round.pk, "id_number": "123", "evidence": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "证据材料" in body and 'value="123"' in body
    bad_checksum = _as(office).post(
        "/committee/fraud/new/",
        {"round": stage_round.pk, "id_number": "652801199003150000", "evidence": "x"},
        follow=True,
    )
    assert "身份证号码校验不通过" in bad_checksum.content.decode()
    assert not FraudFinding.objects.exists()


def test_the_public_and_other_roles_cannot_see_the_register(case, office, demo_users, orgs, stage_round) -> None:
    from committee.fraud import fraud_person_record
    from rounds.models import Round

    fraud_person_record(
        actor=office, round_=Round.objects.get(pk=case["round"]), id_number=case["id_number"], evidence="伪造"
    )
    assert Client().get("/committee/fraud/").status_code == 302  # to the login page
    assert "/accounts/login/" in Client().get("/committee/fraud/")["Location"]
    outsiders = [
        demo_users["demo_applicant"],
        demo_users["demo_unit"],
        demo_users["demo_county"],
        make_expert(orgs["BZ"]).user,
    ]
    for user in outsiders:
        client = _as(user)
        for url in ("/committee/fraud/", "/committee/fraud/new/"):
            response = client.get(url, follow=True)
            assert case["id_number"] not in response.content.decode(), (user, url)
            assert "只有州评委会办公室" in response.content.decode()
        client.post("/committee/fraud/new/", {**case, "confirm": "1"})
    assert FraudFinding.objects.count() == 1


def test_region_officers_see_every_prefecture_and_another_prefecture_sees_none(case, office, orgs) -> None:
    from committee.fraud import fraud_person_record
    from rounds.models import Round

    fraud_person_record(
        actor=office, round_=Round.objects.get(pk=case["round"]), id_number=case["id_number"], evidence="伪造"
    )
    region_officer = give_role(UserFactory.create(), Role.PREFECTURE_OFFICER, orgs["XJ"])
    assert case["id_number"] in _as(region_officer).get("/committee/fraud/").content.decode()
    other_prefecture = Organization.objects.create(
        code="AKS", name="阿克苏地区", kind=Organization.Kind.PREFECTURE, parent=orgs["XJ"]
    )
    other_office = give_role(UserFactory.create(), Role.PREFECTURE_OFFICER, other_prefecture)
    page = _as(other_office).get("/committee/fraud/")
    assert page.status_code == 200 and case["id_number"] not in page.content.decode()


def test_the_generic_action_route_cannot_cancel_without_a_recorded_finding(stage_round, orgs, office) -> None:
    # The cancellation is the consequence of a finding with its evidence, never a bare move.
    dossier = received_dossier(stage_round, _unit(orgs))
    client = _as(office)
    offered = client.get(f"/api/dossiers/{dossier.pk}/actions").json()
    assert "fraud_cancel" not in json.dumps(offered)
    response = client.post(f"/api/dossiers/{dossier.pk}/actions/fraud_cancel", "{}", content_type="application/json")
    assert response.status_code == 409, response.content
    assert "弄虚作假记录" in response.json()["message"]
    dossier.refresh_from_db()
    assert dossier.status == COMMITTEE_RECEIVED and not FraudFinding.objects.exists()
