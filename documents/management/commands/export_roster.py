"""manage.py export_roster --round SLUG [--unit UNIT_CODE] --out FILE.xlsx (SPEC section 7).

Writes 申报人员花名册 (notice 附件5): the title row, the 单位（盖章） row, then exactly the annex's columns,
one row per dossier that reached the committee. Without --unit the whole round is listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from documents.roster import write_roster
from rounds.models import Round


class Command(BaseCommand):
    help = "导出申报人员花名册（附件5，XLSX）：--round 批次标识 [--unit 单位代码] --out 文件.xlsx"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", required=True, dest="round_slug", help="评审批次标识，如 bz-2023-highway")
        parser.add_argument(
            "--unit", dest="unit_code", help="单位代码（accounts.Organization.code）；县（市）代码导出辖区汇总"
        )
        parser.add_argument("--out", required=True, help="输出的 .xlsx 文件路径")

    def handle(self, *args: Any, round_slug: str, unit_code: str | None, out: str, **options: Any) -> None:
        round_ = Round.objects.filter(slug=round_slug).first()
        if round_ is None:
            raise CommandError(f"未找到评审批次“{round_slug}”。")
        organization = None
        if unit_code:
            organization = Organization.objects.filter(code=unit_code).first()
            if organization is None:
                raise CommandError(f"未找到单位代码“{unit_code}”。")
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件必须以 .xlsx 结尾。")
        if not path.parent.exists():
            raise CommandError(f"输出目录不存在：{path.parent}")
        rows = write_roster(round_=round_, organization=organization, out=path)
        scope = organization.name if organization else "全批次"
        self.stdout.write(f"已导出 {rows} 人（{round_.name}，{scope}）到 {path}")
