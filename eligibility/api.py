"""Eligibility API: the self-check of a dossier, and a check of any profile (the SPEC 7 contract object)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.auth import signed_in_user
from core.errors import NotFound, ValidationFailed
from dossiers.access import visible_dossier
from eligibility.rules import EligibilityResult, evaluate_profile
from eligibility.schema import validate_profile
from eligibility.selectors import dossier_self_check, round_policy_for_slug
from rounds.selectors import round_default

router = Router(tags=["eligibility"])


class CheckOut(Schema):
    rule: str
    passed: bool | None
    reason: str
    label: str
    hard: bool
    pending: bool
    clause: str


class EligibilityOut(Schema):
    eligible: bool
    checks: list[CheckOut]
    fee: int
    defence_exempt: bool
    earliest_year: int | None
    manual_review: list[str]


def _out(result: EligibilityResult) -> dict[str, Any]:
    body = result.as_contract()
    body["checks"] = [
        {**c.as_contract(), "label": c.label, "hard": c.hard, "pending": c.pending, "clause": c.clause}
        for c in result.checks
    ]
    return body


@router.get("/dossiers/{dossier_id}", response=EligibilityOut, summary="申报材料的资格自查结果")
def dossier_eligibility(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    return _out(dossier_self_check(visible_dossier(signed_in_user(request), dossier_id)))


@router.post("/check", response=EligibilityOut, summary="按批次规则检查一份申报人资料（profile.schema.json）")
def check_profile(request: HttpRequest, round: str = "") -> dict[str, Any]:
    """Body: a profile JSON object. Query `round`: the round slug (default: the round open for filing)."""
    try:
        data = json.loads(request.body or b"null")
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"请求体不是有效的 JSON：{exc.msg}") from exc
    validate_profile(data)
    return _out(evaluate_profile(round_policy_for_slug(round or _default_round_slug()), data))


def _default_round_slug() -> str:
    default = round_default()
    if default is None:
        raise NotFound("尚未加载任何评审批次，请在查询参数 round 中指定批次标识。")
    return default.slug
