"""`manage.py storage_cleanup [--delete] [--requeue] [--min-age-minutes N] [--json]`

Lists stored files no row points to (deleted with --delete), rows whose file is gone, OCR and batch
jobs whose worker died, and messages not yet delivered (--requeue runs the periodic sweeps now)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.recovery import batch_jobs_requeue_lost
from masking.recovery import masking_requeue_lost
from ops.recovery import inspect
from workflow.outbox import outbox_flush


class Command(BaseCommand):
    help = "查找并清理孤立文件、缺失文件的记录、中断的后台任务和未送达的通知。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="删除孤立文件（无任何记录指向的文件）")
        parser.add_argument("--requeue", action="store_true", help="立即重新排队中断的任务并发送未送达的通知")
        parser.add_argument("--min-age-minutes", type=float, default=60.0, help="只处理早于此时间的文件（分钟）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["requeue"]:
            masking_requeue_lost()
            batch_jobs_requeue_lost()
            outbox_flush()
        report = inspect(min_age=dt.timedelta(minutes=options["min_age_minutes"]), delete=options["delete"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        lines: list[tuple[str, list[str] | list[int]]] = [
            ("孤立文件", report.orphan_files),
            ("已删除的孤立文件", report.deleted_files),
            ("文件缺失的记录", report.missing_files),
            ("中断的识别任务", report.stalled_ocr),
            ("中断的批量生成任务", report.stalled_batches),
            ("未送达的通知消息", report.undelivered_messages),
        ]
        for label, items in lines:
            self.stdout.write(f"{label}：{len(items)}")
            for item in items[:50]:
                self.stdout.write(f"  {item}")
        self.stdout.write("检查通过，没有遗留问题。" if report.clean else "发现遗留问题，见上。")
