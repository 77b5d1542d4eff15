"""The polled reads on the DB-API cursor (db/prepared.py) give what SQLAlchemy
gives for the same statement: the same values, of the same types (aware UTC
datetimes, decoded JSON, booleans, floats), bound the same way (a datetime
filter, a literal in the statement), on SQLite and, when a server is there, on
PostgreSQL, through SQLAlchemy's connection and through asyncpg; a driver
error comes out as SQLAlchemy's."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from bugbrain.db.engine import create_engine, read_tx, write_tx
from bugbrain.db.pg_reads import PgReads
from bugbrain.db.prepared import Reads, every, fetch_all, fetch_first, first, run
from bugbrain.db.tables import UTCDateTime
from tests.support.databases import postgres_admin_url

T0 = datetime(2025, 3, 8, 10, 30, tzinfo=UTC)

metadata = sa.MetaData()
things = sa.Table(
    "prepared_things",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=True),
    sa.Column("doc", sa.JSON(), nullable=True),
    sa.Column("flag", sa.Boolean(), nullable=False),
    sa.Column("score", sa.Float(), nullable=True),
    sa.Column("count", sa.Integer(), nullable=True),
)

BY_ID = sa.select(things).where(things.c.id == sa.bindparam("id"))
SINCE = (
    sa.select(things.c.id, things.c.at, sa.func.count().over().label("total"))
    .where(things.c.at >= sa.bindparam("since"), things.c.kind == "a")  # a literal, too
    .order_by(things.c.id)
    .limit(sa.bindparam("limit"))
)
ROWS: list[dict[str, Any]] = [
    {"id": "t1", "kind": "a", "at": T0, "doc": {"x": [1, "é"]}, "flag": True, "score": 0.25},
    {"id": "t2", "kind": "a", "at": T0 + timedelta(seconds=1), "doc": None, "flag": False},
    {"id": "t3", "kind": "b", "at": None, "doc": [1, 2], "flag": True, "score": 3.0, "count": 7},
]


def _sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'prepared.db'}")
    yield engine
    engine.dispose()


def _postgres() -> Iterator[Engine]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server")
    name = f"bbt_prepared_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}"')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    made = _sqlite(tmp_path) if request.param == "sqlite" else _postgres()
    engine = next(made)
    metadata.create_all(engine)
    with write_tx(engine) as conn:
        for row in ROWS:
            conn.execute(things.insert().values(**row))
    yield engine
    next(made, None)


def _sqlalchemy(conn: Connection, statement: sa.Select[Any], values: dict[str, Any]) -> list[Any]:
    return [dict(row) for row in conn.execute(statement, values).mappings()]


def _typed(rows: list[dict[str, Any]]) -> list[list[tuple[str, type, Any]]]:
    return [[(key, type(value), value) for key, value in row.items()] for row in rows]


@pytest.mark.parametrize("thing", ["t1", "t2", "t3", "nope"])
def test_by_id_as_sqlalchemy(engine: Engine, thing: str) -> None:
    with read_tx(engine) as conn:
        expected = _sqlalchemy(conn, BY_ID, {"id": thing})
        got = fetch_all(conn, BY_ID, {"id": thing})
        first = fetch_first(conn, BY_ID, {"id": thing})
    assert _typed(got) == _typed(expected)
    assert first == (expected[0] if expected else None)
    if expected:
        assert got[0]["at"] is None or got[0]["at"].tzinfo is UTC


@pytest.mark.parametrize("limit", [1, 5])
def test_bound_datetime_literal_and_window(engine: Engine, limit: int) -> None:
    values = {"since": T0, "limit": limit}
    with read_tx(engine) as conn:
        assert _typed(fetch_all(conn, SINCE, values)) == _typed(_sqlalchemy(conn, SINCE, values))
        assert [r["id"] for r in fetch_all(conn, SINCE, values)] == ["t1", "t2"][:limit]


def test_outside_a_transaction_begins_one(engine: Engine) -> None:
    with engine.connect() as conn:
        assert fetch_first(conn, BY_ID, {"id": "t1"}) is not None
        assert conn.in_transaction()


def test_a_driver_error_is_sqlalchemys(engine: Engine) -> None:
    missing = sa.select(sa.table("prepared_missing", sa.column("id")).c.id)
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as raised:
        fetch_all(conn, missing, {})
    assert not raised.value.connection_invalidated


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Engine]:
    made = _postgres()
    engine = next(made)
    metadata.create_all(engine)
    with write_tx(engine) as conn:
        for row in ROWS:
            conn.execute(things.insert().values(**row))
    yield engine
    next(made, None)


def _both(thing: str) -> Reads[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    one = yield from first(BY_ID, {"id": thing})
    if one is None:
        raise LookupError(thing)
    return one, (yield from every(SINCE, {"since": T0, "limit": 5}))


def test_on_asyncpg_the_same_rows_and_a_lost_connection_read_again(postgres: Engine) -> None:
    """On PostgreSQL the API's reads run on asyncpg (``db/pg_reads.py``): the
    same rows, of the same types, as SQLAlchemy's; an error of the reads' own
    or of a query leaves the next read working; a connection the server ended
    costs a read one retry, not an error."""
    url = postgres.url.render_as_string(hide_password=False)
    pg = PgReads(url, 2)

    def by_id(thing: str) -> Reads[list[dict[str, Any]]]:
        return every(BY_ID, {"id": thing})

    async def scenario() -> dict[str, Any]:
        got: dict[str, Any] = {}
        try:
            for thing in ("t1", "t2", "t3", "nope"):
                got[thing] = await pg.read(by_id, thing)
            got["both"] = await pg.read(_both, "t1")
            with pytest.raises(LookupError):
                await pg.read(_both, "nope")
            missing = sa.select(sa.table("prepared_missing", sa.column("id")).c.id)
            with pytest.raises(asyncpg.UndefinedTableError):
                await pg.read(every, missing, {})
            with postgres.connect() as admin:  # ends every other connection to it
                admin.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            got["after"] = await pg.read(by_id, "t2")
        finally:
            await pg.close()
        return got

    got = asyncio.run(scenario())
    with read_tx(postgres) as conn:
        for thing in ("t1", "t2", "t3", "nope"):
            assert _typed(got[thing]) == _typed(_sqlalchemy(conn, BY_ID, {"id": thing}))
        since = _sqlalchemy(conn, SINCE, {"since": T0, "limit": 5})
        one, rows = got["both"]
        assert _typed([one]) == _typed(_sqlalchemy(conn, BY_ID, {"id": "t1"}))
        assert _typed(rows) == _typed(since)
        assert _typed(got["after"]) == _typed(_sqlalchemy(conn, BY_ID, {"id": "t2"}))


def test_run_answers_a_generator_of_reads(engine: Engine) -> None:
    with read_tx(engine) as conn:
        one, rows = run(conn, _both("t1"))
        assert one == fetch_first(conn, BY_ID, {"id": "t1"})
        assert rows == fetch_all(conn, SINCE, {"since": T0, "limit": 5})
        with pytest.raises(LookupError):
            run(conn, _both("nope"))
