"""How a request reads the database: the status, list and results reads, each
in one trip, and no trip to a thread where none is needed.

- **SQLite**: the read runs on the event loop as it is. The file is local, a
  read transaction in WAL mode never waits for a writer, and the reads here
  take tens of microseconds: less than handing them to a thread, which cost
  0.4-0.7 ms of CPU per status request on the 2-core machine of
  docs/benchmarks.md ("API throughput"), where the whole request costs ~0.5 ms.
  They share one connection, kept open (only the loop uses it, one read at a
  time: a read never awaits): a pool checkout and return cost more than the
  query. A connection that failed is closed and the next read opens another.
- **PostgreSQL**: a read waits on the network, so it runs in a thread (at most
  ``READ_THREADS`` at once, one pooled connection each) on the read engine
  (``db.engine.create_read_engine``: autocommit, one round trip per query). A
  connection the server closed (a restart, an idle timeout) is dropped by the
  pool, and the read, which changes nothing, runs again once on a new one.
  (SQLAlchemy's asyncio engine on psycopg was measured too: more CPU per read
  than the thread, see the benchmarks.)

Writes stay where they were: in FastAPI's thread pool, in transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, TypeVarTuple

from anyio import to_thread
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bugbrain.api.context import AppContext

T = TypeVar("T")
Args = TypeVarTuple("Args")

# Threads (and connections) for PostgreSQL reads, per API process.
READ_THREADS = 8


async def read(ctx: AppContext, work: Callable[[Connection, *Args], T], *args: *Args) -> T:
    """``work(conn, *args)``: the reads of one request."""
    if ctx.read_engine is None:
        with _on_loop(ctx) as conn:
            return work(conn, *args)
    return await to_thread.run_sync(
        _read_in_thread, ctx.read_engine, work, *args, limiter=ctx.read_threads
    )


@contextmanager
def _on_loop(ctx: AppContext) -> Iterator[Connection]:
    conn = ctx.loop_connection
    if conn is None:
        conn = ctx.loop_connection = ctx.engine.connect()
    try:
        with conn.begin():
            yield conn
    except DBAPIError:
        ctx.loop_connection = None
        conn.close()
        raise


def close(ctx: AppContext) -> None:
    """Close the loop's connection, if open (at shutdown)."""
    if ctx.loop_connection is not None:
        ctx.loop_connection.close()
        ctx.loop_connection = None


def _read_in_thread(engine: Engine, work: Callable[[Connection, *Args], T], *args: *Args) -> T:
    try:
        with engine.connect() as conn:
            return work(conn, *args)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as conn:
        return work(conn, *args)
