"""Timestamps to the millisecond: how they are made (clock.utcnow), shown
(clock.isoformat) and filtered on (created_after/created_before), including
rows an earlier version stored with whole seconds or with microseconds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.engine import Engine

from bugbrain.clock import as_utc, isoformat, utcnow
from bugbrain.db.engine import create_engine, read_tx, write_tx
from bugbrain.db.migrate import upgrade
from bugbrain.db.prepared import run
from bugbrain.db.tables import executions, projects, workspaces
from bugbrain.services import executions as service
from bugbrain.services.common import Page

T0 = datetime(2025, 3, 8, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (T0, "2025-03-08T10:30:00.000Z"),
        (T0.replace(microsecond=123000), "2025-03-08T10:30:00.123Z"),
        (T0.replace(microsecond=123999), "2025-03-08T10:30:00.123Z"),  # truncated, not rounded
        (T0.replace(microsecond=999999), "2025-03-08T10:30:00.999Z"),
        (
            datetime(2025, 3, 8, 11, 30, 0, 5000, tzinfo=timezone(timedelta(hours=1))),
            "2025-03-08T10:30:00.005Z",
        ),
        (None, None),
    ],
)
def test_isoformat_is_utc_with_milliseconds(value: datetime | None, shown: str | None) -> None:
    assert isoformat(value) == shown


def test_utcnow_is_utc_to_the_millisecond() -> None:
    now = utcnow()
    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
    assert abs(datetime.now(UTC) - now) < timedelta(minutes=1)


# --------------------------------------------------------------------------- filters

# created_at as stored in SQLite, by this version and by earlier ones (which kept
# whatever datetime.now() gave, microseconds included).
STORED = {
    "exec_whole": "2025-03-08 10:30:00.000000",
    "exec_micro": "2025-03-08 10:30:00.123456",
    "exec_milli": "2025-03-08 10:30:00.124000",
    "exec_next": "2025-03-08 10:30:01.000000",
}
SHOWN = {
    "exec_whole": "2025-03-08T10:30:00.000Z",
    "exec_micro": "2025-03-08T10:30:00.123Z",
    "exec_milli": "2025-03-08T10:30:00.124Z",
    "exec_next": "2025-03-08T10:30:01.000Z",
}
NEWEST_FIRST = ["exec_next", "exec_milli", "exec_micro", "exec_whole"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("timestamps") / "bugbrain.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with write_tx(engine) as conn:
        conn.execute(workspaces.insert().values(id="ws_t", name="t", created_at=T0))
        conn.execute(
            projects.insert().values(
                id="proj_t",
                workspace_id="ws_t",
                name="T",
                base_url=None,
                environments={},
                default_environment=None,
                variables={},
                created_at=T0,
                updated_at=T0,
            )
        )
        for execution_id in STORED:
            conn.execute(
                executions.insert().values(
                    id=execution_id,
                    workspace_id="ws_t",
                    project_id="proj_t",
                    test_plan_id="tp_t",
                    status="completed",
                    timeout_seconds=60,
                    spec={},
                    total_tests=0,
                    created_at=T0,
                )
            )
        for execution_id, stored in STORED.items():  # the text an earlier version wrote
            conn.execute(
                sa.text("UPDATE executions SET created_at = :at WHERE id = :id"),
                {"at": stored, "id": execution_id},
            )
    yield engine
    engine.dispose()


def listed(engine: Engine, **filters: str) -> list[str]:
    # As the API parses a query parameter, then as the route normalises it.
    parsed = {k: as_utc(TypeAdapter(datetime).validate_python(v)) for k, v in filters.items()}
    with read_tx(engine) as conn:
        out = run(
            conn,
            service.list_(
                "ws_t",
                Page(100, 0),
                project_id="proj_t",
                status=None,
                test_plan_id=None,
                created_after=parsed.get("created_after"),
                created_before=parsed.get("created_before"),
            ),
        )
    for item in out["data"]:
        assert item["created_at"] == SHOWN[item["id"]]
    return [item["id"] for item in out["data"]]


def test_listing_shows_every_stored_precision_with_milliseconds(engine: Engine) -> None:
    assert listed(engine) == NEWEST_FIRST


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # Whole seconds, as before.
        ({"created_after": "2025-03-08T10:30:00Z"}, NEWEST_FIRST),
        ({"created_after": "2025-03-08T10:30:01Z"}, ["exec_next"]),
        ({"created_before": "2025-03-08T10:30:01Z"}, NEWEST_FIRST[1:]),
        ({"created_before": "2025-03-08T10:30:00Z"}, []),
        # Milliseconds, as the API now shows them: a shown timestamp as
        # created_after keeps its own row, as created_before leaves it out.
        ({"created_after": "2025-03-08T10:30:00.123Z"}, ["exec_next", "exec_milli", "exec_micro"]),
        ({"created_before": "2025-03-08T10:30:00.123Z"}, ["exec_whole"]),
        ({"created_after": "2025-03-08T10:30:00.124Z"}, ["exec_next", "exec_milli"]),
        ({"created_before": "2025-03-08T10:30:00.124Z"}, ["exec_micro", "exec_whole"]),
        ({"created_after": "2025-03-08T10:30:00.001Z"}, NEWEST_FIRST[:3]),
        # Other ISO 8601 spellings: an offset, no zone (UTC), microseconds.
        ({"created_after": "2025-03-08T11:30:00.124+01:00"}, ["exec_next", "exec_milli"]),
        ({"created_after": "2025-03-08T10:30:00.5"}, ["exec_next"]),
        ({"created_after": "2025-03-08T10:30:00.123457Z"}, ["exec_next", "exec_milli"]),
        (
            {"created_after": "2025-03-08T10:30:00.1Z", "created_before": "2025-03-08T10:30:01Z"},
            ["exec_milli", "exec_micro"],
        ),
    ],
)
def test_filters_take_seconds_or_milliseconds(
    engine: Engine, filters: dict[str, str], expected: list[str]
) -> None:
    assert listed(engine, **filters) == expected
