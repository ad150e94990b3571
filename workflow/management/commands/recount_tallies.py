from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from workflow.tallies import recount_tallies


class Command(BaseCommand):
    help = (
        "Rebuild the dossier counts (workflow.DossierTally) from the dossiers, after bulk writes that bypass "
        "Dossier.save or to repair them (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = recount_tallies()
        self.stdout.write(f"已重新统计：{result['dossiers']} 份申报，{result['cells']} 个计数格。")
