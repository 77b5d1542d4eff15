"""Engine construction. SQLite gets WAL, foreign keys, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so read-then-write never deadlocks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_WRITE = "bugbrain_write"


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return sa.create_engine(_driver_url(url), pool_pre_ping=True)


def create_read_engine(url: str, connections: int) -> AsyncEngine | None:
    """PostgreSQL: an asyncio engine for the API's reads (``api/reads.py``), on
    psycopg's ``AsyncConnection``, in autocommit and without a ping before each
    checkout, so that a read is one round trip per query instead of three or
    four (a ping, ``BEGIN``, the query, ``COMMIT``) and waits on the event loop,
    not in a thread. Under PostgreSQL's READ COMMITTED each statement of a
    transaction takes a snapshot of its own anyway, so reads lose nothing; a
    read that meets a dead connection is tried again. None for SQLite, whose
    reads use the one engine (local: a read transaction costs microseconds).
    """
    if url.startswith("sqlite"):
        return None
    return create_async_engine(
        _driver_url(url), isolation_level="AUTOCOMMIT", pool_size=connections, max_overflow=0
    )


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so we can choose BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        # On the DB-API connection: through SQLAlchemy (exec_driver_sql) this
        # cost several times the statement, on every read transaction.
        driver = conn.connection.driver_connection
        assert driver is not None, "a connection in use has its DB-API connection"
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A transaction that intends to write: takes SQLite's write lock up front."""
    with engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
