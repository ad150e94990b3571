"""Builders for the committee stage: a round whose committee windows hold today, dossiers walked to
评审委员会已接收材料 through the real engine, and experts in the pool."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from accounts.models import Organization, Role, User
from committee.models import Expert
from dossiers.models import Dossier
from rounds.models import Round
from tests.documents.conftest import make_dossier, walk_to
from tests.factories import UserFactory, give_role

_people = itertools.count(101)

COMMITTEE_WINDOWS = ("paper_submission", "fee_payment", "defence", "committee_review")


def open_committee_windows(round_: Round, *, today: dt.date | None = None) -> Round:
    """Move the committee-stage windows so they hold today (a month either side)."""
    today = today or timezone.localdate()
    data = round_.policy_data
    for key in COMMITTEE_WINDOWS:
        data["windows"][key]["start"] = (today - dt.timedelta(days=30)).isoformat()
        data["windows"][key]["end"] = (today + dt.timedelta(days=30)).isoformat()
    round_.policy_data = data
    round_.save(update_fields=["policy_data"])
    round_.refresh_from_db()
    return round_


def id_number(n: int) -> str:
    body = f"65280119900315{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18 digits


def received_dossier(
    round_: Round,
    unit: Organization,
    *,
    level: str = "mid",
    kind: str = "evaluation",
    exempt: bool = False,
    name: str | None = None,
) -> Dossier:
    """A dossier at 评审委员会已接收材料. `exempt` keeps the sample's 访惠聚 assignment (notice 六(一));
    otherwise it is removed, so the eligibility rules say the applicant defends (mid level)."""
    n = next(_people)
    applicant = give_role(UserFactory.create(full_name=name or f"申报人{n}"), Role.APPLICANT, unit)
    dossier = make_dossier(
        round_=round_,
        applicant=applicant,
        unit=unit,
        level=level,
        kind=kind,
        name=applicant.full_name,
        id_number=id_number(n),
    )
    if not exempt:
        basic = dossier.sections.get(key="basic_info")
        basic.data = {**basic.data, "special_assignments": []}
        basic.save()
    return walk_to(dossier)


def make_expert(prefecture: Organization, *, unit: Organization | None = None, **fields: Any) -> Expert:
    user: User = give_role(UserFactory.create(), Role.EXPERT, prefecture)
    return Expert.objects.create(
        user=user,
        title=fields.get("title", "高级工程师"),
        specialty=fields.get("specialty", "公路与运输"),
        unit=unit,
        organization_name="" if unit else "新疆交通规划勘察设计研究院",
    )
