from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rounds.policy import PolicyError
from rounds.services import round_load_from_file, rounds_load_all


class Command(BaseCommand):
    help = "Load (validate and store) round policy files; by default every file in policies/."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, files: list[Path], **options):
        try:
            rounds = [round_load_from_file(path=f) for f in files] if files else rounds_load_all()
        except PolicyError as exc:
            raise CommandError(f"策略文件无效：{exc.message}") from exc
        for r in rounds:
            self.stdout.write(f"{r.slug} v{r.policy_version}: {r.name}")
