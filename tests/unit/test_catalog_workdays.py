"""Working days around the long holidays: expected dates are counted by hand from the State Council
notices for 2025 and 2026, not recomputed with the code under test."""

from __future__ import annotations

from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from blocklake.errors import BlocklakeError
from catalog.workdays import (
    CalendarError,
    add_working_days,
    deadline_for,
    is_overdue,
    is_provisional,
    working_days_between,
)


def test_calendar_knows_the_make_up_days_the_expectations_rely_on() -> None:
    # National Day 2025: Oct 1-8 off; Sun Sep 28 and Sat Oct 11 are make-up workdays.
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    assert not any(chinese_calendar.is_workday(date(2025, 10, d)) for d in range(1, 9))
    # Spring Festival 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are make-up workdays.
    assert chinese_calendar.is_workday(date(2026, 2, 14))
    assert chinese_calendar.is_workday(date(2026, 2, 28))
    assert not any(chinese_calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))


def test_national_day_2025_deadline_skips_holiday_and_counts_make_up_days() -> None:
    # Fri Sep 26 + 10: Sep 28(1) 29(2) 30(3), Oct 9(4) 10(5) 11 Sat(6) 13(7) 14(8) 15(9) 16(10).
    assert deadline_for(datetime(2025, 9, 26, 15, 30)) == date(2025, 10, 16)
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # make-up Sunday
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)  # whole holiday skipped
    assert add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)  # make-up Saturday
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_national_day_2025_working_days_between() -> None:
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 12)) == 6  # Sep 28-30, Oct 9-11
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 16)) == 10
    assert working_days_between(date(2025, 10, 16), date(2025, 10, 16)) == 0
    assert working_days_between(date(2025, 10, 16), date(2025, 9, 26)) == 0


def test_spring_festival_2026() -> None:
    # Fri Feb 13 + 10: Feb 14 Sat(1), 24(2) 25(3) 26(4) 27(5) 28 Sat(6), Mar 2(7) 3(8) 4(9) 5(10).
    assert deadline_for(datetime(2026, 2, 13, 9, 0)) == date(2026, 3, 5)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 13), date(2026, 3, 1)) == 6


def test_plain_week() -> None:
    assert add_working_days(date(2025, 6, 9), 5) == date(2025, 6, 16)  # Mon -> next Mon
    assert add_working_days(date(2025, 6, 13), 1) == date(2025, 6, 16)  # Fri -> Mon
    assert add_working_days(date(2025, 6, 14), 1) == date(2025, 6, 16)  # filed on a Saturday
    assert add_working_days(date(2025, 6, 9), 0) == date(2025, 6, 9)
    assert working_days_between(date(2025, 6, 9), date(2025, 6, 15)) == 4
    assert deadline_for(datetime(2025, 6, 9, 10, 0)) == date(2025, 6, 23)


def test_aware_submission_time_is_read_in_china_time() -> None:
    # 18:00 UTC on Thu Sep 25 is 02:00 on Fri Sep 26 in Beijing.
    assert deadline_for(datetime(2025, 9, 25, 18, 0, tzinfo=UTC)) == date(2025, 10, 16)
    # Naive: Thu Sep 25 + 10 = Oct 15 (Sep 26, 28, 29, 30, Oct 9, 10, 11, 13, 14, 15).
    assert deadline_for(datetime(2025, 9, 25, 18, 0)) == date(2025, 10, 15)


def test_is_overdue() -> None:
    assert not is_overdue(date(2025, 10, 16), date(2025, 10, 15))
    assert not is_overdue(date(2025, 10, 16), date(2025, 10, 16))
    assert is_overdue(date(2025, 10, 16), date(2025, 10, 17))


@pytest.mark.parametrize(("start", "days", "year"), [(date(2100, 1, 1), 1, 2100), (date(2004, 1, 2), -5, 2003)])
def test_year_outside_the_calendar_names_the_year_and_the_fix(start: date, days: int, year: int) -> None:
    with pytest.raises(CalendarError) as caught:
        add_working_days(start, days)
    assert isinstance(caught.value, BlocklakeError)
    message = str(caught.value)
    assert str(year) in message
    assert "upgrade chinese-calendar" in message


def test_the_year_after_the_calendar_is_counted_provisionally() -> None:
    """In December the next year's notice is not out yet: applications filed then still get a deadline,
    counted Monday to Friday less 元旦 (2027-01-01 is a Friday; Jan 2 and 3 a weekend)."""
    assert add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)
    assert add_working_days(date(2027, 9, 30), 2) == date(2027, 10, 5)  # Oct 1 a holiday, then the weekend
    assert is_provisional(date(2027, 3, 1)) and not is_provisional(date(2026, 3, 1))
    with pytest.raises(CalendarError):
        add_working_days(date(2028, 1, 3), 1)  # a year further on still needs a newer release
