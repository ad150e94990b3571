"""`manage.py eligibility --round SLUG PROFILE.json`: the eligibility verdict as one JSON object (SPEC 7).

Exit 0 whatever the verdict; exit 2 with a message on stderr when the profile breaks the schema, cannot be
read, or the round is unknown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from eligibility.rules import evaluate_profile
from eligibility.schema import validate_profile
from eligibility.selectors import round_policy_for_slug


class Command(BaseCommand):
    help = "Check an applicant profile (JSON, profile.schema.json) against a round's eligibility rules; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, dest="round_slug", help="round slug, e.g. bz-2023-highway")
        parser.add_argument("profile", type=Path, help="profile JSON file ('-' reads standard input)")

    def handle(self, *args, round_slug: str, profile: Path, **options):
        try:
            raw = self.stdin.read() if str(profile) == "-" else profile.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取申报人资料文件“{profile}”：{exc}", returncode=2) from exc
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"申报人资料不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}", returncode=2
            ) from exc
        try:
            validate_profile(data)
            policy = round_policy_for_slug(round_slug)
            result = evaluate_profile(policy, data)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(json.dumps(result.as_contract(), ensure_ascii=False))

    def execute(self, *args, **options):
        self.stdin = options.pop("stdin", sys.stdin)
        return super().execute(*args, **options)
