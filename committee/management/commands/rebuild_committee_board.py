from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from committee.board import rebuild_committee_board


class Command(BaseCommand):
    help = (
        "Rebuild the board's stored steps (committee.BoardStep), its count cells (committee.BoardCell) and the "
        "fee figures (committee.FeeFigures) from the committee's records, after bulk writes that bypass the "
        "committee's receivers or to repair them (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rebuild_committee_board()
        self.stdout.write(
            f"已重新计算：{result['steps']} 份申报的评审进度，{result['board_cells']} 个评审进度统计格，"
            f"{result['fee_cells']} 个评审费统计格。"
        )
