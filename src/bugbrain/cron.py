"""Cron expressions and time zones for schedules: checked, and the next time.

Five fields (minute hour day month weekday), or six with seconds last (croniter's
form, for schedules under a minute), or a nickname (``@hourly``, ``@daily``,
``@weekly``, ``@monthly``, ``@yearly``). Times are computed in the schedule's
time zone, so ``0 9 * * 1-5`` means 09:00 local on weekdays across daylight
saving changes, and returned in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

NICKNAMES = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight")


def check_cron(expression: str) -> str:
    """``expression`` with its spaces normalised; ValueError saying what is wrong."""
    text = " ".join(expression.split())
    if text.startswith("@"):
        if text not in NICKNAMES:
            raise ValueError(f"unknown nickname {text!r}: one of {', '.join(NICKNAMES)}")
        return text
    fields = text.split(" ")
    if len(fields) not in (5, 6):
        raise ValueError(
            f"has {len(fields)} fields: a cron expression has 5 (minute hour day month "
            "weekday), or 6 with seconds last"
        )
    if not croniter.is_valid(text):
        raise ValueError(f"{text!r} is not a valid cron expression")
    return text


def check_timezone(name: str) -> str:
    """An IANA time zone name (``Europe/Paris``, ``UTC``); ValueError otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Paris)") from exc
    return name


def next_after(expression: str, timezone: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` (aware) that ``expression`` names, in UTC."""
    local = after.astimezone(ZoneInfo(timezone))
    following: datetime = croniter(expression, local).get_next(datetime)
    return following.astimezone(UTC)
