"""Working-day arithmetic for sharing applications.

A provider must answer a 有条件共享 application within 10 working days (see DESIGN.md, "Resource
directory"). Working days follow the State Council's yearly holiday notice, which moves weekends around
(调休): a Saturday or Sunday can be a workday and a weekday a holiday, so weekday arithmetic is wrong
around every long holiday. ``chinese_calendar`` ships those notices; it only knows the years published
when the installed release was cut.

Every December the next year's deadlines are due before anyone has the next notice (it comes out in
November at the earliest, and a release carrying it later), so for the year just after the newest one
the calendar knows, days are counted *provisionally*: Monday to Friday, less the statutory holidays on
fixed dates (元旦, 劳动节 two days, 国庆节 three days; 全国年节及纪念日放假办法, 2024). The lunar holidays
and make-up workdays of that year are not known yet, so a deadline across the Spring Festival comes out
early: a provider is told to answer sooner, never later. Further years are :class:`CalendarError`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import chinese_calendar

from blocklake.errors import BlocklakeError

# China has had no daylight saving since 1991, so a fixed offset is exact and needs no tz database.
CHINA_TIME = timezone(timedelta(hours=8), "CST")
ANSWER_WORKING_DAYS = 10


# The newest year whose State Council notice the installed chinese-calendar carries.
LAST_KNOWN_YEAR = max(day.year for day in chinese_calendar.holidays)
FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


class CalendarError(BlocklakeError):
    """The holiday calendar has no data for a date we need (chinese-calendar too old for that year)."""


def is_provisional(day: date) -> bool:
    """Whether ``day`` is counted without its year's holiday notice (see the module's docstring)."""
    return day.year == LAST_KNOWN_YEAR + 1


def _is_workday(day: date) -> bool:
    if is_provisional(day):
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarError(
            f"chinese-calendar {chinese_calendar.__version__} has no holiday data for the year {day.year}; "
            f"upgrade chinese-calendar (pip install -U chinese-calendar) to a release that covers {day.year}"
        ) from exc


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``; ``start`` itself is not counted, so an
    application filed on a holiday still gets the full number of working days. Negative ``days`` count
    backwards."""
    step = timedelta(days=1 if days >= 0 else -1)
    day, remaining = start, abs(days)
    while remaining:
        day += step
        remaining -= _is_workday(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``): the same
    counting as :func:`add_working_days`, so ``working_days_between(s, add_working_days(s, n)) == n``."""
    return sum(_is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def deadline_for(submitted_at: datetime, working_days: int = ANSWER_WORKING_DAYS) -> date:
    """The last day on which the provider may answer an application submitted at ``submitted_at``.

    An aware timestamp is read in China time: a submission at 20:00 UTC is already the next day for
    the provider. A naive one is taken as China time already."""
    if submitted_at.tzinfo is not None:
        submitted_at = submitted_at.astimezone(CHINA_TIME)
    return add_working_days(submitted_at.date(), working_days)


def is_overdue(deadline: date, today: date) -> bool:
    """True once ``today`` is past the deadline; answering on the deadline day itself is in time."""
    return today > deadline
