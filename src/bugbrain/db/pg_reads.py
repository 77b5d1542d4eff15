"""PostgreSQL: the API's polled reads, awaited on the event loop with asyncpg.

A ``Reads`` generator (``db/prepared.py``) is answered here: each query it
yields runs as a prepared statement (asyncpg keeps them per connection) on one
of at most ``size`` connections, in autocommit (each statement of a READ
COMMITTED transaction takes a snapshot of its own anyway), one round trip a
query. Measured on the API's status read (docs/benchmarks.md, "API
throughput"): psycopg's ``AsyncConnection`` under SQLAlchemy's asyncio engine
cost ~0.2 ms more CPU per request than asyncpg awaited directly, and
asyncpg's own pool (a proxy object and a reset query per checkout) ~0.05 ms
more than the list of idle connections kept here, behind a first-come,
first-served semaphore whose slots never outnumber the connections.

A connection the server ended (a restart, an idle timeout, a terminated
backend) ends the idle ones too, and the reads, which change nothing, run
again once on a new connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar, TypeVarTuple

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect, make_url

from bugbrain.db.prepared import Fetch, Reads, compiled

T = TypeVar("T")
Args = TypeVarTuple("Args")

# What tells a lost connection from a failed query: the socket, the client's
# view of the connection, a connection-class SQLSTATE (08), an operator
# intervention (57: a shutdown, a terminated backend, a cancelled query).
_LOST = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)


def asyncpg_dsn(url: str) -> str:
    """``postgresql[+driver]://…`` as asyncpg takes it (its own query
    parameters, ``host=/socket/dir`` included, pass through)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgReads:
    """Up to ``size`` asyncpg connections to ``url``, opened when first needed."""

    def __init__(self, url: str, size: int) -> None:
        self._dsn = asyncpg_dsn(url)
        # FIFO: asyncio's semaphore hands a released slot to the longest waiter,
        # and a newcomer queues behind waiters (cheaper than anyio's limiter).
        self._slots = asyncio.Semaphore(size)
        self._idle: list[asyncpg.Connection] = []
        # SQLAlchemy's dialect classes are untyped.
        self._dialect: Dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]

    async def read(self, reads: Callable[[*Args], Reads[T]], *args: *Args) -> T:
        """What ``reads(*args)`` returns, its queries answered in turn."""
        # In turn: a slot is taken first come, first served (a pool's asyncio
        # queue lets a newcomer overtake a woken waiter, which left some
        # requests waiting for seconds under load: docs/benchmarks.md).
        async with self._slots:
            try:
                return await self._on_a_connection(reads, *args)
            except _LOST:
                pass
            # A server that ended one connection (a restart) ended the others:
            # a fresh one, rather than a retry that meets the next dead one.
            self._drop_idle()
            return await self._on_a_connection(reads, *args)

    async def _on_a_connection(self, reads: Callable[[*Args], Reads[T]], *args: *Args) -> T:
        conn = self._idle.pop() if self._idle else await self._connect()
        try:
            return await self._answer(conn, reads(*args))
        finally:
            # Kept unless ``_answer`` ended it: an error of the reads' own (not
            # found) or a refused query leaves it as good as it was.
            if not conn.is_closed():
                self._idle.append(conn)

    async def close(self) -> None:
        """Close the idle connections (at shutdown: no read is in flight)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            try:
                await conn.close(timeout=2)
            except (*_LOST, TimeoutError):
                conn.terminate()

    def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.terminate()

    async def _connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self._dsn)
        # JSON decoded as SQLAlchemy's asyncpg dialect and psycopg decode it.
        for name in ("json", "jsonb"):  # not vocabulary: PostgreSQL type names
            await conn.set_type_codec(
                name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
        return conn

    async def _answer(self, conn: asyncpg.Connection, reads: Reads[T]) -> T:
        try:
            fetch = next(reads)
            while True:
                try:
                    rows = await self._fetch(conn, fetch)
                except BaseException as exc:
                    # A query the server refused leaves the connection as it
                    # was; one cancelled or cut off mid-way is not used again.
                    if isinstance(exc, _LOST) or not isinstance(exc, asyncpg.PostgresError):
                        conn.terminate()
                    raise
                fetch = reads.send(rows)
        except StopIteration as done:
            result: T = done.value
            return result

    async def _fetch(self, conn: asyncpg.Connection, fetch: Fetch) -> list[dict[str, Any]]:
        prepared = compiled(fetch.statement, self._dialect)
        parameters = prepared.parameters(fetch.values)
        assert isinstance(parameters, tuple), "asyncpg's parameters are positional"
        if not prepared.described:
            statement = await conn.prepare(prepared.sql)
            prepared.describe([(a.name, a.type.oid) for a in statement.get_attributes()])
        if fetch.first:
            record = await conn.fetchrow(prepared.sql, *parameters)
            return prepared.rows([] if record is None else [record])
        return prepared.rows(await conn.fetch(prepared.sql, *parameters))
