"""Schedules' cron expressions and time zones (``bugbrain.cron``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bugbrain import cron


@pytest.mark.parametrize(
    ("expression", "normalised"),
    [
        ("0 6 * * 1-5", "0 6 * * 1-5"),
        ("  */15   * * * *  ", "*/15 * * * *"),
        ("* * * * * */10", "* * * * * */10"),
        ("@daily", "@daily"),
        ("@hourly", "@hourly"),
    ],
)
def test_good_expressions(expression: str, normalised: str) -> None:
    assert cron.check_cron(expression) == normalised


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * *", "has 3 fields"),
        ("* * * * * * *", "has 7 fields"),
        ("61 * * * *", "not a valid cron expression"),
        ("* * * 13 *", "not a valid cron expression"),
        ("every day", "has 2 fields"),
        ("@often", "unknown nickname '@often'"),
        ("", "has 1 fields"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cron.check_cron(expression)


def test_time_zones() -> None:
    assert cron.check_timezone("Europe/Paris") == "Europe/Paris"
    assert cron.check_timezone("UTC") == "UTC"
    for bad in ("Mars/Olympus", "../etc/passwd", "not a zone"):
        with pytest.raises(ValueError, match="unknown time zone"):
            cron.check_timezone(bad)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_next_is_local_time_across_daylight_saving() -> None:
    # 09:00 in Paris on weekdays: 08:00 UTC in winter, 07:00 UTC once clocks go forward
    # (Sunday 29 March 2026); from a Friday afternoon, the Monday after.
    assert cron.next_after("0 9 * * 1-5", "Europe/Paris", at(2026, 3, 26, 12)) == at(2026, 3, 27, 8)
    assert cron.next_after("0 9 * * 1-5", "Europe/Paris", at(2026, 3, 27, 12)) == at(2026, 3, 30, 7)


def test_next_is_strictly_after() -> None:
    assert cron.next_after("*/5 * * * *", "UTC", at(2026, 1, 1, 10, 5)) == at(2026, 1, 1, 10, 10)
    assert cron.next_after("* * * * * */2", "UTC", at(2026, 1, 1, 10, 0, 1)) == at(
        2026, 1, 1, 10, 0, 2
    )
    assert cron.next_after("@daily", "UTC", at(2026, 1, 1, 10)) == at(2026, 1, 2)
