from __future__ import annotations

import json

import pytest

from rounds.selectors import round_committees, round_default
from tests.eligibility.conftest import base_profile

pytestmark = pytest.mark.django_db


def test_default_round_is_the_one_open_for_filing_else_the_newest(round_2023):
    assert round_default() == round_2023  # closed, but the only one loaded
    from django.utils import timezone

    from rounds.services import round_create_demo

    demo = round_create_demo(base_slug="bz-2023-highway", today=timezone.localdate())
    assert round_default() == demo  # open for filing today


def test_default_round_is_none_when_nothing_is_loaded():
    assert round_default() is None


def test_eligibility_api_without_a_round_uses_the_default_round(client, demo_users):
    client.force_login(demo_users["demo_applicant"])
    no_round = client.post("/api/eligibility/check", json.dumps(base_profile()), content_type="application/json")
    assert no_round.status_code == 404 and "round" in no_round.json()["message"]


def test_eligibility_api_default_round_answers(client, demo_users, round_2023):
    client.force_login(demo_users["demo_applicant"])
    response = client.post("/api/eligibility/check", json.dumps(base_profile()), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["eligible"] is True


def test_footer_names_the_committee_of_the_loaded_rounds(client, round_2023, open_round):
    assert round_committees() == ["巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审"]
    page = client.get("/").content.decode()
    assert "巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审 · 开源平台" in page


def test_footer_names_a_changed_policy_at_once_and_decodes_an_unchanged_one_once(round_2023, django_assert_num_queries):
    round_committees()
    with django_assert_num_queries(1):  # the digests only: every policy text was met before
        assert round_committees() == ["巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审"]
    round_2023.policy_data["specialty"] = "水运"
    round_2023.save()
    with django_assert_num_queries(2):  # the digests, then the one changed policy
        assert round_committees() == ["巴音郭楞蒙古自治州 · 工程系列水运专业职称评审"]
