"""Dossiers filled per the section data contract, walked to 评审委员会已接收材料 through the real engine."""

from __future__ import annotations

import io
from collections import deque
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import Role, RoleAssignment, User
from accounts.selectors import applicant_unit
from dossiers.models import Attachment, Dossier, DossierSection
from dossiers.services import dossier_create
from workflow.actions import dossier_actions, next_level_state, record_transition, transition_rules

ID_NUMBER = "652801199003151234"


def section_data(name: str = "李建国", id_number: str = ID_NUMBER) -> dict[str, dict[str, Any]]:
    return {
        "basic_info": {
            "name": name,
            "sex": "男",
            "ethnicity": "汉族",
            "political_status": "中共党员",
            "id_number": id_number,
            "birth_date": "1990-03-15",
            "phone": "13899990000",
            "email": "lijianguo@example.invalid",
            "started_work": "2012-07-01",
            "retired": False,
            "civil_servant": False,
            "special_assignments": [{"type": "fanghuiju_village", "from": "2019-02-01", "to": "2020-02-01"}],
        },
        "social_insurance": {"months": 96, "note": "库尔勒市社保中心缴费证明"},
        "education": {
            "rows": [
                {
                    "level": "associate",
                    "school": "新疆交通职业技术学院",
                    "major": "道路桥梁工程技术",
                    "start": "2009-09-01",
                    "graduated": "2012-06-30",
                    "degree": "无",
                },
                {
                    "level": "bachelor",
                    "school": "长安大学",
                    "major": "交通工程",
                    "start": "2014-03-01",
                    "graduated": "2017-01-15",
                    "degree": "工学学士",
                },
            ]
        },
        "current_title": {
            "has_title": True,
            "title_name": "助理工程师",
            "level": "junior",
            "obtained": "2018-12-20",
            "appointed": "2019-01-01",
            "issued_in_xinjiang": True,
            "transferred_from_government": False,
            "professional_years": 11,
        },
        "work_history": {
            "rows": [
                {
                    "start": "2012-07-01",
                    "end": "2016-12-31",
                    "unit": "库尔勒交通建设工程有限公司",
                    "position": "施工员",
                },
                {
                    "start": "2017-01-01",
                    "end": None,
                    "unit": "库尔勒交通建设工程有限公司",
                    "position": "项目技术负责人",
                },
            ]
        },
        "achievements": {"text": "主持G218线库尔勒至尉犁段改建工程路基路面施工技术管理，解决盐渍土路基处治难题。"},
        "awards": {
            "none": False,
            "rows": [
                {"name": "自治州优秀工程技术人员", "level": "州级", "date": "2021-05-01", "issuer": "巴州交通运输局"}
            ],
        },
        "intellectual_property": {"none": True, "rows": []},
        "papers": {
            "none": False,
            "rows": [{"title": "盐渍土地区公路路基处治技术研究", "journal": "西部交通科技", "published": "2022-03-01"}],
        },
        "assessments": {
            "rows": [
                {"year": 2020, "result": "pass"},
                {"year": 2021, "result": "excellent"},
                {"year": 2022, "result": "pass"},
            ]
        },
        "work_summary": {"text": "任现职以来，本人长期从事公路工程施工技术管理工作，严格执行技术规范。" * 6},
        "continuing_education": {
            "exempt": False,
            "rows": [
                {"year": 2021, "type": "public", "hours": 30, "certificate_no": "GX2021-001"},
                {"year": 2021, "type": "professional", "hours": 60, "certificate_no": "ZY2021-001"},
            ],
        },
        "other_attachments": {"note": "推荐单位公示及公示结果"},
        "commitment": {"text": "本人承诺所填内容真实。", "signed_on": "2023-09-01"},
    }


def make_dossier(
    *,
    round_,
    applicant: User,
    unit,
    level: str = "mid",
    kind: str = "evaluation",
    name: str = "李建国",
    id_number: str = ID_NUMBER,
    with_photo: bool = True,
) -> Dossier:
    assert applicant_unit(applicant) == unit, f"{applicant} does not work at {unit}"
    dossier = dossier_create(actor=applicant, round_=round_, level=level, kind=kind)
    # Section data is stored as is: some documents tests need data the section forms would refuse.
    for key, data in section_data(name, id_number).items():
        DossierSection.objects.create(dossier=dossier, key=key, data=data)
    if with_photo:
        image = Image.new("RGB", (413, 579), (70, 130, 180))  # 1-inch photo at 300 dpi
        ImageDraw.Draw(image).ellipse((100, 120, 313, 380), fill=(240, 220, 200))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG")
        attachment = Attachment(
            dossier=dossier,
            section="basic_info",
            doc_type="photo",
            original_name="photo.jpg",
            width=413,
            height=579,
            size_bytes=len(buffer.getvalue()),
            sha256="0" * 64,
            uploaded_by=applicant,
        )
        attachment.file.save("photo.jpg", ContentFile(buffer.getvalue()), save=False)
        attachment.save()
    return dossier


def _actor_for(role: str, dossier: Dossier) -> User:
    from dossiers.access import organization_for_level

    if role == Role.APPLICANT:
        return dossier.applicant
    level = {Role.UNIT_REVIEWER: "unit", Role.COUNTY_REVIEWER: "county", Role.PREFECTURE_OFFICER: "prefecture"}[
        Role(role)
    ]
    org = organization_for_level(dossier, level)
    assert org is not None, f"no {level} organisation above {dossier.unit}"
    assignment = RoleAssignment.objects.filter(role=role, organization=org).select_related("user").first()
    if assignment is None:
        user = User.objects.create_user(
            username=f"{role}-{org.code}", password="Secret-pass-123", full_name=f"{org.name}审核人"
        )
        RoleAssignment.objects.create(user=user, role=role, organization=org)
        return user
    return assignment.user


def walk_to(dossier: Dossier, target: str = "committee_received") -> Dossier:
    """Apply the policy's own transitions (shortest forward path) until the dossier reaches `target`."""
    states = dossier.round.policy.workflow["states"]
    rules = [r for r in transition_rules(dossier) if r.role != "system" and r.target in (*states, "next_level")]
    paths: dict[str, list] = {dossier.status: []}
    queue = deque([dossier.status])
    while queue:
        state = queue.popleft()
        for rule in (r for r in rules if state in r.sources):
            # `next_level` is decided by the dossier's route (dossiers.access), not by the table row.
            to = next_level_state(dossier, state) if rule.target == "next_level" else rule.target
            if to not in paths and to != "returned":
                paths[to] = [*paths[state], (state, rule)]
                queue.append(to)
    if target not in paths:
        raise AssertionError(f"the policy has no forward path from {dossier.status} to {target}")
    for state, rule in paths[target]:
        action = next(a for a in dossier_actions(dossier) if a.name == rule.action)
        with transaction.atomic():
            # A fixture walk: the actions' writes without their checks (publicity, completeness…).
            dossier = Dossier.objects.select_for_update().select_related("round", "unit").get(pk=dossier.pk)
            role = action.role(dossier)
            actor = _actor_for(role, dossier)
            if rule.counts_submission:
                dossier.submission_count += 1
            record_transition(
                dossier,
                action=rule.action,
                actor=actor,
                actor_role=role,
                from_state=state,
                to_state=action.target(dossier),
            )
    return dossier


@pytest.fixture
def applicant(demo_users):
    return demo_users["demo_applicant"]


@pytest.fixture
def draft_dossier(open_round, orgs, applicant):
    return make_dossier(round_=open_round, applicant=applicant, unit=orgs["U-KRLJT"])


@pytest.fixture
def committee_dossier(draft_dossier):
    return walk_to(draft_dossier)
