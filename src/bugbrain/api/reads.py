"""How a request reads the database: the status, list and results reads, each
in one trip, and no trip to a thread.

- **SQLite**: the read runs on the event loop as it is. The file is local, a
  read transaction in WAL mode never waits for a writer, and the reads here
  take tens of microseconds: less than handing them to a thread, which cost
  0.4-0.7 ms of CPU per status request on the 2-core machine of
  docs/benchmarks.md ("API throughput"), where the whole request costs ~0.5 ms.
  They share one connection, kept open (only the loop uses it, one read at a
  time: a read never awaits): a pool checkout and return cost more than the
  query. A connection that failed is closed and the next read opens another.
- **PostgreSQL**: a read waits on the network, so it awaits it on the loop:
  the same synchronous read functions run under SQLAlchemy's asyncio engine
  (``AsyncConnection.run_sync``: each query suspends the read, not the loop),
  on psycopg's ``AsyncConnection``, at most ``READ_CONNECTIONS`` at once,
  first come first served (``db.engine.create_read_engine``: autocommit, one
  round trip per query).
  The thread each read used to take cost about as much CPU as the rest of a
  status request (docs/benchmarks.md). A connection the server closed (a
  restart, an idle timeout) ends the pool's connections, and the read, which
  changes nothing, runs again once on a new one.

Writes stay where they were: in FastAPI's thread pool, in transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, TypeVarTuple

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bugbrain.api.context import AppContext

T = TypeVar("T")
Args = TypeVarTuple("Args")

# Connections for PostgreSQL reads, per API process.
READ_CONNECTIONS = 8


async def read(ctx: AppContext, work: Callable[[Connection, *Args], T], *args: *Args) -> T:
    """``work(conn, *args)``: the reads of one request."""
    if ctx.read_engine is None:
        with _on_loop(ctx) as conn:
            return work(conn, *args)
    # In turn: the pool's own queue lets a newcomer take a connection a woken
    # waiter was about to, which left some requests waiting for seconds under
    # load (docs/benchmarks.md); the limiter hands the slots out first come,
    # first served, and a read that holds one always finds a connection.
    async with ctx.read_slots:
        return await _read_awaiting(ctx.read_engine, lambda conn: work(conn, *args))


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


async def _read_awaiting(engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(work)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    # A server that ended one connection (a restart) ended the others too: a
    # new pool, rather than a retry that meets the next dead one.
    await engine.dispose()
    async with engine.connect() as conn:
        return await conn.run_sync(work)
