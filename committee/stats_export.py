"""The round statistics as XLSX. Every text cell is written as a string cell, so a unit name such as
"=HYPERLINK(…)" is shown as text and never runs as a formula in the office's spreadsheet program."""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from committee.stats import RoundStatistics

ROW_HEADER = ["分组", "申报数", "已表决", "通过", "通过率"]
FEE_HEADER = ["申报级别", "应缴人数", "应缴金额（元）", "已缴人数", "已缴金额（元）", "逾期未缴"]


def _text(sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    # openpyxl infers a formula from a leading "="; the data type is set after the value to keep it text.
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _header(sheet: WriteOnlyWorksheet, captions: list[str]) -> list[WriteOnlyCell]:
    return [_text(sheet, c, bold=True) for c in captions]


def write_statistics(stats: RoundStatistics, out: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    for title, rows in stats.tables():
        sheet = workbook.create_sheet(title.removeprefix("按"))
        sheet.append([_text(sheet, f"{stats.round.name} · {title} · {stats.scope_label}", bold=True)])
        sheet.append(_header(sheet, ROW_HEADER))
        for row in [*rows, stats.total]:
            rate = row.pass_rate
            sheet.append([_text(sheet, row.label), row.total, row.voted, row.passed, rate if rate is not None else ""])
    fees = workbook.create_sheet("评审费")
    fees.append([_text(fees, f"{stats.round.name} · 评审费收缴 · {stats.scope_label}", bold=True)])
    fees.append(_header(fees, FEE_HEADER))
    fee_rows = [*stats.fees, stats.fees_total] if stats.fees_total else stats.fees
    for fee in fee_rows:
        fees.append([_text(fees, fee.label), fee.dossiers, fee.due_yuan, fee.paid_count, fee.paid_yuan, fee.overdue])
    workbook.save(out)
