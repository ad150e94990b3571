"""`manage.py publicity_end START_DATE [--days N]`: last day (ISO) of a publicity of N working days (SPEC 7)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from rounds.workdays import publicity_end


class Command(BaseCommand):
    help = "Print the last day (YYYY-MM-DD) of a publicity of N working days (default 5) starting on START_DATE."

    def add_arguments(self, parser):
        parser.add_argument("start_date", help="first day of the publicity, YYYY-MM-DD")
        parser.add_argument("--days", type=int, default=5, help="number of working days (default 5)")

    def handle(self, *args, start_date: str, days: int, **options):
        try:
            # ISO dates; a non-padded month or day ("2023-9-28") is read the same way.
            match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", start_date.strip())
            start = dt.date(*(int(g) for g in match.groups())) if match else dt.date.fromisoformat(start_date.strip())
        except ValueError as exc:
            raise CommandError(f"日期“{start_date}”无效，应为 YYYY-MM-DD 格式的真实日期。", returncode=2) from exc
        try:
            end = publicity_end(start, days)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(end.isoformat())
