"""Japanese working days: public holidays and the office's closure days have no reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from test_reminders import Recording, submit

from bot.approval import schedule
from bot.config import Settings
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.workdays import ClosedDaysError, WorkingDays, parse_closed_days

AT = time(9, 30)


def at_ten(day: date) -> datetime:
    """10:00 in Japan on `day`."""
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 2), True),  # a Monday
        (date(2026, 11, 3), False),  # 文化の日 (a Tuesday)
        (date(2026, 11, 23), False),  # 勤労感謝の日 (a Monday)
        (date(2026, 5, 6), False),  # 振替休日 (憲法記念日 fell on a Sunday)
        (date(2026, 9, 22), False),  # 国民の休日, between 敬老の日 and 秋分の日
        (date(2026, 12, 28), True),  # the last working day of the year
        (date(2026, 12, 29), False),  # the year-end closure begins
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), False),
        (date(2027, 1, 4), True),  # the office opens again
        (date(2026, 11, 7), False),  # a Saturday
    ],
)
def test_working_days_skip_weekends_holidays_and_the_year_end_closure(day, working):
    assert WorkingDays().is_working_day(day) is working


def test_the_reminder_waits_over_a_holiday_and_goes_the_next_working_day(factory):
    holiday, after = at_ten(date(2026, 11, 3)), at_ten(date(2026, 11, 4))
    submit(factory, "U0OPERATOR")
    told = Recording()
    clock = [holiday]
    dispatcher = Dispatcher(factory, {}, {"slack": told}, Messages("ja"), lambda: clock[0],
                            reminder_at=AT)  # fmt: skip
    dispatcher.housekeeping()
    assert told.reminded == []
    clock[0] = after
    dispatcher.housekeeping()
    assert [mark.key for _, _, mark in told.reminded] == ["reminder:waiting:slack:2026-11-04"]


def test_the_year_end_closure_has_no_reminder_unless_configured_otherwise(factory):
    submit(factory, "U0OPERATOR")
    closed = at_ten(date(2026, 12, 30))  # a Wednesday
    assert schedule.reminder_due(closed, AT) is None
    told = Recording()
    dispatcher = Dispatcher(factory, {}, {"slack": told}, Messages("ja"), lambda: closed,
                            reminder_at=AT, workdays=WorkingDays.from_setting("none"))  # fmt: skip
    dispatcher.housekeeping()
    assert len(told.reminded) == 1


def test_closed_days_are_configurable_with_single_days_and_ranges():
    settings = Settings.from_env({"SNSBOT_CLOSED_DAYS": " 12-29..01-03 , 08-15, 08-13..08-14"})
    assert settings.problems() == []
    workdays = settings.workdays
    assert not workdays.is_working_day(date(2026, 8, 13))  # a Thursday
    assert not workdays.is_working_day(date(2026, 8, 14))
    assert workdays.is_working_day(date(2026, 8, 12))
    assert schedule.reminder_due(at_ten(date(2026, 8, 14)), AT, workdays) is None
    assert schedule.reminder_due(at_ten(date(2026, 8, 12)), AT, workdays) == "2026-08-12"


def test_empty_setting_means_the_default_year_end_closure():
    assert Settings.from_env({"SNSBOT_CLOSED_DAYS": ""}).workdays == WorkingDays()
    assert parse_closed_days("none") == ()


@pytest.mark.parametrize("value", ["12/29", "13-01", "02-30", "12-29..", "12-29...01-03", "x"])
def test_a_bad_closed_days_value_is_named_in_plain_words(value):
    with pytest.raises(ClosedDaysError, match="MM-DD"):
        parse_closed_days(value)
    (problem,) = Settings.from_env({"SNSBOT_CLOSED_DAYS": value}).problems()
    assert problem.startswith("SNSBOT_CLOSED_DAYS") and "12-29..01-03" in problem


def test_doctor_mentions_a_bad_closed_days_value(monkeypatch, tmp_path, database_url, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SNSBOT_CLOSED_DAYS", "12-32")
    assert main(["doctor"]) == 1
    assert "✗ SNSBOT_CLOSED_DAYS: '12-32' is not a day of the year" in capsys.readouterr().out


def test_next_day_after_closure_is_the_first_working_day():
    workdays, day = WorkingDays(), date(2026, 12, 29)
    while not workdays.is_working_day(day):
        day += timedelta(days=1)
    assert day == date(2027, 1, 4)
