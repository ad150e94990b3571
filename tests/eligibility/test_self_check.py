"""The self-check on a real dossier: built from its own sections, its unit and the fraud register, with the same
rules as the command; the panel, the API and the submit gate use it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from core.errors import Ineligible, PermissionDenied, ValidationFailed
from demo.samples import sample_sections
from demo.setup import DEMO_PASSWORD
from dossiers import services as dossier_services
from eligibility.models import FraudFinding
from eligibility.rules import evaluate_profile
from eligibility.selectors import dossier_profile, dossier_self_check
from eligibility.services import fraud_finding_record
from tests.dossiers.conftest import fill_sections, upload_required
from tests.dossiers.test_services import confirm_masking
from tests.eligibility.conftest import base_profile
from workflow.actions import act


@pytest.fixture
def applicant(demo_users):
    return demo_users["demo_applicant"]


@pytest.fixture
def dossier(open_round, applicant):
    return dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")


def save(dossier, actor, key, **changes):
    data = sample_sections(dossier)[key]
    data.update(changes)
    dossier_services.section_save(dossier_id=dossier.pk, actor=actor, key=key, data=data)


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return client


@pytest.mark.django_db
def test_an_empty_dossier_says_what_to_fill_in_and_fails_nothing(dossier):
    result = dossier_self_check(dossier)
    by_rule = {c.rule: c for c in result.checks}
    assert by_rule["education_years"].pending and "待填写" in by_rule["education_years"].reason
    assert by_rule["continuing_education"].pending
    assert by_rule["social_insurance"].pending  # the demo applicant works for an enterprise
    assert not by_rule["application"].pending and by_rule["application"].passed
    assert result.hard_failures == []
    assert result.eligible is False and result.earliest_year is None
    assert result.fee == 380


@pytest.mark.django_db
def test_a_filled_dossier_is_eligible_with_the_same_verdict_as_the_command(dossier, applicant):
    fill_sections(dossier, applicant)
    result = dossier_self_check(dossier)
    assert result.complete and result.eligible, [(c.rule, c.reason) for c in result.checks]
    # The demo enterprise is a county-level unit: "县级以下基层单位" includes county units (our reading).
    assert result.fee == 380 and result.defence_exempt is True
    assert "含县级" in next(c.reason for c in result.checks if c.rule == "defence_exemption")
    assert result.earliest_year == dossier.round.year
    # No second implementation: the dossier's profile through the command's path gives the same answer.
    profile = dossier_profile(dossier).profile
    assert evaluate_profile(dossier.round.policy, profile).as_contract() == result.as_contract()
    assert profile["employment"]["county"] == "库尔勒市" and profile["employment"]["employer_type"] == "enterprise"


@pytest.mark.django_db
def test_a_short_title_is_a_hard_failure_and_submission_is_refused(dossier, applicant):
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    confirm_masking(dossier, applicant)
    year = dossier.round.year
    save(dossier, applicant, "current_title", obtained=f"{year - 3}-01-01", appointed=f"{year - 3}-02-01")
    result = dossier_self_check(dossier)
    failing = [c.rule for c in result.hard_failures]
    assert failing == ["education_years"], [(c.rule, c.reason) for c in result.checks]
    assert "需 4 年" in result.hard_failures[0].reason
    assert result.earliest_year == year + 1
    with pytest.raises(Ineligible, match="需 4 年"):
        act(action="submit", dossier_id=dossier.pk, actor=applicant)
    dossier.refresh_from_db()
    assert dossier.status == "draft" and dossier.submission_count == 0


@pytest.mark.django_db
def test_a_fraud_finding_in_the_register_bars_the_applicant(dossier, applicant, demo_users):
    fill_sections(dossier, applicant)
    id_number = sample_sections(dossier)["basic_info"]["id_number"]
    year = dossier.round.year
    fraud_finding_record(
        actor=demo_users["demo_prefecture"], id_number=id_number.lower(), round_year=year - 2, note="伪造业绩材料"
    )
    result = dossier_self_check(dossier)
    assert [c.rule for c in result.hard_failures] == ["fraud_ban"]
    assert result.earliest_year == year + 2


@pytest.mark.django_db
def test_defence_exemption_comes_from_the_unit(open_round, demo_users):
    applicant2 = demo_users["demo_applicant2"]  # 且末县公路养护站: below county level, in 且末县
    dossier = dossier_services.dossier_create(actor=applicant2, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant2)
    result = dossier_self_check(dossier)
    assert result.defence_exempt is True
    reason = next(c.reason for c in result.checks if c.rule == "defence_exemption")
    assert "且末县" in reason and "县级以下" in reason
    # An institution: no social insurance proof asked for.
    assert next(c for c in result.checks if c.rule == "social_insurance").passed


@pytest.mark.django_db
def test_a_unit_managed_as_civil_servant_is_excluded_even_before_basic_info(dossier):
    dossier.unit.managed_as_civil_servant = True
    dossier.unit.save()
    result = dossier_self_check(dossier)
    exclusion = next(c for c in result.checks if c.rule == "exclusion")
    assert not exclusion.pending and not exclusion.passed
    assert result.hard_failures == [exclusion] and result.earliest_year is None


@pytest.mark.django_db
def test_fraud_register_is_kept_by_the_prefecture_office_only(demo_users):
    with pytest.raises(PermissionDenied):
        fraud_finding_record(actor=demo_users["demo_applicant"], id_number="11010519491231002X", round_year=2022)
    with pytest.raises(ValidationFailed, match="身份证"):
        fraud_finding_record(actor=demo_users["demo_prefecture"], id_number="110105194912310021", round_year=2022)
    finding = fraud_finding_record(actor=demo_users["demo_prefecture"], id_number="11010519491231002x", round_year=2022)
    assert FraudFinding.objects.get().id_number == "11010519491231002X" == finding.id_number


# --- the panel and the API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_panel_fragment_lists_every_rule_and_refreshes_on_save(dossier, applicant, demo_users):
    fill_sections(dossier, applicant)
    client = client_for(applicant)
    page = client.get(f"/dossiers/{dossier.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="eligibility-panel"' in html and 'hx-trigger="dossier-saved from:body"' in html
    assert "符合申报条件" in html  # drawn with the page: no second request for it on load
    fragment = client.get(f"/eligibility/dossiers/{dossier.pk}/panel/")
    body = fragment.content.decode()
    assert fragment.status_code == 200
    for label in ("评审范围", "学历与任职年限", "年度考核顺延", "继续教育", "弄虚作假限制申报", "社保缴费", "答辩免试"):
        assert label in body
    assert "符合申报条件" in body and "380 元" in body and "免于答辩" in body
    # Another applicant may not see it.
    other = client_for(demo_users["demo_applicant2"])
    assert other.get(f"/eligibility/dossiers/{dossier.pk}/panel/").status_code == 404


@pytest.mark.django_db
def test_api_dossier_eligibility_for_owner_only(dossier, applicant, demo_users):
    fill_sections(dossier, applicant)
    response = client_for(applicant).get(f"/api/eligibility/dossiers/{dossier.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is True and body["fee"] == 380
    assert {c["rule"] for c in body["checks"]} >= {"education_years", "fraud_ban"}
    assert all({"label", "hard", "reason", "passed"} <= set(c) for c in body["checks"])
    denied = client_for(demo_users["demo_unit"]).get(f"/api/eligibility/dossiers/{dossier.pk}")  # a draft
    assert denied.status_code == 404


@pytest.mark.django_db
def test_api_check_profile_returns_the_contract_object(round_2023, applicant):
    client = client_for(applicant)
    response = client.post(
        "/api/eligibility/check?round=bz-2023-highway", json.dumps(base_profile()), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["eligible"] is True and body["earliest_year"] == 2023 and body["defence_exempt"] is True
    assert body["manual_review"] == []
    conferral = {**base_profile(), "kind": "conferral", "current_title": None}
    response = client.post(
        "/api/eligibility/check?round=bz-2023-highway", json.dumps(conferral), content_type="application/json"
    )
    body = response.json()
    assert body["eligible"] is True and body["manual_review"] == ["education_years"]
    assert next(c for c in body["checks"] if c["rule"] == "education_years")["passed"] is None
    bad = base_profile()
    bad.pop("education")
    response = client.post("/api/eligibility/check", json.dumps(bad), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input" and "education" in response.json()["message"]
