"""Japanese working days: not a weekend, a public holiday (jpholiday) or an office closure day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import jpholiday

DEFAULT_CLOSED_DAYS = "12-29..01-03"  # the city office's year-end closure (12月29日〜1月3日)
MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})")

MonthDay = tuple[int, int]


class ClosedDaysError(ValueError):
    """SNSBOT_CLOSED_DAYS cannot be read; the message says what is wrong and how to write it."""


def _month_day(text: str, whole: str) -> MonthDay:
    match = MONTH_DAY.fullmatch(text.strip())
    if match:
        month, day = int(match[1]), int(match[2])
        try:
            date(2000, month, day)  # a leap year: 02-29 is a day some years have
            return month, day
        except ValueError:
            pass
    raise ClosedDaysError(
        f"SNSBOT_CLOSED_DAYS: '{text.strip()}' is not a day of the year in '{whole}'; write "
        "MM-DD or MM-DD..MM-DD ranges separated by commas, e.g. 12-29..01-03,08-15 "
        "(or 'none')."
    )


def parse_closed_days(text: str) -> tuple[tuple[MonthDay, MonthDay], ...]:
    """The closure ranges of a comma list of MM-DD days or MM-DD..MM-DD ranges ('none': none).

    A range whose end comes before its start runs over the new year (12-29..01-03).
    """
    ranges = []
    if text.strip().lower() == "none":
        return ()
    for part in (p for p in text.split(",") if p.strip()):
        first, dots, last = part.partition("..")
        start = _month_day(first, text)
        ranges.append((start, _month_day(last, text) if dots else start))
    return tuple(ranges)


def _within(day: MonthDay, start: MonthDay, end: MonthDay) -> bool:
    if start <= end:
        return start <= day <= end
    return day >= start or day <= end  # over the new year


@dataclass(frozen=True)
class WorkingDays:
    """Which days the office works: Monday to Friday, except public holidays and closures."""

    closed: tuple[tuple[MonthDay, MonthDay], ...] = parse_closed_days(DEFAULT_CLOSED_DAYS)

    @classmethod
    def from_setting(cls, text: str) -> WorkingDays:
        return cls(parse_closed_days(text))

    def is_closed(self, day: date) -> bool:
        """Whether `day` falls in one of the office's closure ranges."""
        return any(_within((day.month, day.day), s, e) for s, e in self.closed)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or self.is_closed(day):
            return False
        return not jpholiday.is_holiday(day)  # 国民の祝日, 振替休日 and 国民の休日 included
