"""Time helpers: every timestamp in bugbrain is timezone-aware UTC, to the millisecond."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, truncated to the millisecond: what is stored is exactly what the
    API shows, so a timestamp read from a response selects, as a filter, the
    very rows it came from."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 (RFC 3339) in UTC with milliseconds and a ``Z``:
    ``2025-03-08T10:30:00.123Z``. Finer precision (rows stored before timestamps
    were cut to the millisecond) is truncated, never rounded up."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_utc(value: datetime) -> datetime:
    """Naive datetimes from clients are taken to be UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
