from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ops.backup import backup_create


class Command(BaseCommand):
    help = "Write one archive of the database and every stored file its rows point to (one snapshot)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="archive to write (.tar.gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = backup_create(out=options["out"])
        self.stdout.write(
            f"{options['out']}: {sum(manifest.rows.values())} rows in {len(manifest.rows)} tables, "
            f"{len(manifest.files)} files ({manifest.vendor}, {manifest.created_at})"
        )
