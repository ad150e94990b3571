from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from ops.backup import backup_restore


class Command(BaseCommand):
    help = "Restore an archive written by `backup` into an empty database (migrated first) and its storage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        try:
            manifest = backup_restore(archive_path=options["archive"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"restored {sum(manifest['rows'].values())} rows and {len(manifest['files'])} files "
            f"from a {manifest['vendor']} backup of {manifest['created_at']}"
        )
