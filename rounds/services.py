"""Writes for rounds: loading policy files into the database."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import audit
from rounds.models import Round
from rounds.policy import PolicyError, load_policy_file, validate_policy


@transaction.atomic
def round_save_policy(
    *, policy: dict[str, Any], sha256: str, source_file: str = "", is_demo: bool = False, actor: User | None = None
) -> Round:
    existing = Round.objects.filter(slug=policy["slug"]).first()
    if existing and existing.policy_version > policy["version"]:
        raise PolicyError("version", f"已加载版本 {existing.policy_version}，不能回退到版本 {policy['version']}")
    round_, created = Round.objects.update_or_create(
        slug=policy["slug"],
        defaults={
            "name": policy["name"],
            "year": policy["year"],
            "policy_data": policy,
            "policy_version": policy["version"],
            "policy_sha256": sha256,
            "source_file": source_file,
            "is_demo": is_demo,
        },
    )
    if created or (existing and existing.policy_sha256 != sha256):
        audit(actor, "round_policy_loaded", round_, version=policy["version"], sha256=sha256, source=source_file)
    return round_


def round_load_from_file(*, path: Path, actor: User | None = None) -> Round:
    policy, sha = load_policy_file(path)
    return round_save_policy(policy=policy, sha256=sha, source_file=path.name, actor=actor)


def rounds_load_all(*, directory: Path | None = None) -> list[Round]:
    directory = directory or Path(settings.POLICY_DIR)
    return [round_load_from_file(path=p) for p in sorted(directory.glob("*.yaml"))]


def _shift(value: str, days: int) -> str:
    return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()


def round_create_demo(*, base_slug: str, today: dt.date) -> Round:
    """A demo copy of a real round whose windows are moved so that online filing is open today.

    The real round (e.g. bz-2023-highway) keeps its true dates; the demo lets a new user walk the
    whole journey now. Durations and the order of windows are preserved.
    """
    base = Round.objects.get(slug=base_slug)
    policy = copy.deepcopy(base.policy_data)
    filing_start = dt.date.fromisoformat(policy["windows"]["online_filing"]["start"])
    offset = (today - filing_start).days - 14  # filing opened two weeks ago
    for window in policy["windows"].values():
        window["start"] = _shift(window["start"], offset)
        window["end"] = _shift(window["end"], offset)
    return round_save_demo(base, policy, prefix="demo", label="演示批次", year=today.year)


def demo_round_slug(base_slug: str, prefix: str) -> str:
    """`demo-bz-highway` for `bz-2023-highway`: a demo round computes with the current year, so its slug
    names no year at all (and stays the same from one year's start to the next)."""
    return "-".join([prefix, *(part for part in base_slug.split("-") if not re.fullmatch(r"(19|20)\d\d", part))])


def round_save_demo(base: Round, policy: dict[str, Any], *, prefix: str, label: str, year: int) -> Round:
    """Save a demo copy of `base` (its windows already moved) under an honest identity: named for the year it
    computes with (dossier numbers, assessment years, the roster's 年度) and openly a demo —
    "演示批次 · 2026年自治州工程系列…", not the real round's 2023 title."""
    policy["slug"] = demo_round_slug(base.slug, prefix)
    policy["name"] = f"{label} · {str(policy['name']).replace(str(policy['year']), str(year))}"
    policy["year"] = year
    policy = validate_policy(policy, source="demo")
    sha = hashlib.sha256(json.dumps(policy, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return round_save_policy(policy=policy, sha256=sha, source_file=f"demo of {base.source_file}", is_demo=True)
