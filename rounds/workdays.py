"""The Chinese working-day calendar (工作日): statutory holidays and adjusted working days.

Publicity periods (公示期) are counted in working days (notice 五(二): "公示期不少于5个工作日"). A working
day is a weekday that is not a statutory holiday, or a weekend day the State Council declared a working
day (调休上班). The data comes from the `chinese_calendar` package, which only knows the years the State
Council has published; for any other year we refuse with a clear message rather than guess (a guess
based on weekends alone would silently end a publicity during 国庆 or 春节).

Reading of "N working days starting on START" (used by `publicity_end` and the publicity service):
- if START is a working day it is day 1;
- if START is not a working day (weekend, holiday), counting starts on the next working day;
- the result is the date of working day N (the last day of the publicity, inclusive).
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from core.errors import DomainError, ErrorCode, ValidationFailed

# A publicity can never need more than this many calendar days per working day (the longest run of
# non-working days, 春节 plus weekends, is well under 15 days); it bounds the loop against bad input.
_MAX_CALENDAR_DAYS_PER_WORKING_DAY = 15


class CalendarUnavailableError(DomainError):
    """The working-day calendar has no data for the year of a date (holidays not yet published)."""

    code = ErrorCode.INVALID_INPUT

    def __init__(self, day: dt.date) -> None:
        first, last = known_years()
        super().__init__(
            f"{day.isoformat()} 所在的 {day.year} 年不在节假日日历已知的年份范围内（{first}—{last} 年），"
            "无法判断是否为工作日；请在国务院公布该年节假日安排并更新 chinese-calendar 后再试。",
            details={"date": day.isoformat(), "known_years": [first, last]},
        )
        self.day = day


def known_years() -> tuple[int, int]:
    """First and last year for which the calendar has the State Council's holiday arrangement."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years), max(years)


_KNOWN_YEARS = known_years()


def _check_known(day: dt.date) -> None:
    first, last = _KNOWN_YEARS
    if not first <= day.year <= last:
        raise CalendarUnavailableError(day)


def is_working_day(day: dt.date) -> bool:
    """True on a working day (weekday not a holiday, or an adjusted working weekend day)."""
    _check_known(day)
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:  # the package's own guard; kept in case its range differs from ours
        raise CalendarUnavailableError(day) from exc


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The date `count` working days after `day` (`day` itself is not counted; count 0 returns `day`).

    A negative count goes backwards the same way.
    """
    step = dt.timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    limit = remaining * _MAX_CALENDAR_DAYS_PER_WORKING_DAY + _MAX_CALENDAR_DAYS_PER_WORKING_DAY
    current = day
    for _ in range(limit):
        if remaining == 0:
            return current
        current += step
        if is_working_day(current):
            remaining -= 1
    if remaining == 0:
        return current
    raise ValidationFailed("工作日计算超出范围，请检查日期。")  # pragma: no cover


def publicity_end(start: dt.date, working_days: int) -> dt.date:
    """Last day (inclusive) of a publicity of `working_days` working days starting on `start`."""
    if working_days < 1:
        raise ValidationFailed(f"公示工作日数必须至少为 1，收到 {working_days}。")
    first_day = next_working_day(start)
    return add_working_days(first_day, working_days - 1)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Number of working days from `start` to `end`, both inclusive (0 when end < start)."""
    if end < start:
        return 0
    count = 0
    day = start
    while day <= end:
        if is_working_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count
