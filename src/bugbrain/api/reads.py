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
- **PostgreSQL**: a read waits on the network, so it awaits it on the loop,
  on asyncpg (``db/pg_reads.py``: at most ``READ_CONNECTIONS`` at once, first
  come first served, autocommit, one round trip per query). The thread each
  read used to take cost about as much CPU as the rest of a status request,
  and SQLAlchemy's asyncio engine on psycopg a third more than asyncpg alone
  (docs/benchmarks.md). A connection the server closed (a restart, an idle
  timeout) ends the others, and the read, which changes nothing, runs again
  once on a new one.

A request's reads are written once, as a ``Reads`` generator
(``db/prepared.py``) that each database answers its own way.

Writes stay where they were: in FastAPI's thread pool, in transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, TypeVarTuple

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bugbrain.api.context import AppContext
from bugbrain.db import prepared
from bugbrain.db.prepared import Reads

T = TypeVar("T")
Args = TypeVarTuple("Args")

# Connections for PostgreSQL reads, per API process.
READ_CONNECTIONS = 8


async def read(ctx: AppContext, reads: Callable[[*Args], Reads[T]], *args: *Args) -> T:
    """What ``reads(*args)`` returns: the reads of one request."""
    if ctx.pg_reads is not None:
        return await ctx.pg_reads.read(reads, *args)
    with _on_loop(ctx) as conn:
        return prepared.run(conn, reads(*args))


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
