"""What one polled read costs the API process on PostgreSQL, by driver: the
client's CPU per query (this process only, from ``getrusage``) and the wall
time, for a status-shaped row read by primary key, one at a time and eight at
once, on the event loop.

Ways compared (each a prepared statement, autocommit):

- ``psycopg pool``: ``psycopg_pool.AsyncConnectionPool``, ``conn.execute``;
- ``psycopg conns``: eight psycopg ``AsyncConnection``s handed out from a list;
- ``asyncpg pool``: ``asyncpg.create_pool`` as it comes (a reset query at
  each release);
- ``asyncpg pool, no reset``: the same without the reset query;
- ``asyncpg conns``: eight asyncpg connections handed out from a list (what
  ``db/pg_reads.py`` does, behind its semaphore);
- ``asyncpg conns, greenlet``: the same, the read run as synchronous code
  under SQLAlchemy's ``greenlet_spawn`` (what the asyncio engine's
  ``run_sync`` does).

    .venv/bin/python bench/pg_driver_cost.py [--url postgresql://postgres@127.0.0.1/postgres]
        [--queries 20000] [--rounds 2]

Creates and drops a table of its own (``bench_driver_cost``) in that database.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.util import await_only, greenlet_spawn

COLUMNS = "id, status, workspace_id, created_at, started_at, completed_at, total_tests"
PSYCOPG_SQL = f"SELECT {COLUMNS} FROM bench_driver_cost WHERE id = %s AND workspace_id = %s"
ASYNCPG_SQL = f"SELECT {COLUMNS} FROM bench_driver_cost WHERE id = $1 AND workspace_id = $2"
SIZE = 8

Read = Callable[[], Awaitable[Any]]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(read: Read, queries: int, concurrency: int) -> tuple[float, float]:
    """(client CPU µs per query, wall µs per query)."""

    async def reader(count: int) -> None:
        for _ in range(count):
            await read()

    await reader(200)  # warm: connections open, statements prepared
    c0, t0 = cpu(), time.perf_counter()
    await asyncio.gather(*(reader(queries // concurrency) for _ in range(concurrency)))
    return 1e6 * (cpu() - c0) / queries, 1e6 * (time.perf_counter() - t0) / queries


def handed_out(conns: list[Any], read: Callable[[Any], Awaitable[Any]]) -> Read:
    free: asyncio.Queue[Any] = asyncio.Queue()
    for conn in conns:
        free.put_nowait(conn)

    async def one() -> Any:
        conn = await free.get()
        try:
            return await read(conn)
        finally:
            free.put_nowait(conn)

    return one


class NoReset(asyncpg.Connection):
    def get_reset_query(self) -> str:
        return ""


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--queries", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    setup = await psycopg.AsyncConnection.connect(args.url, autocommit=True)
    await setup.execute("DROP TABLE IF EXISTS bench_driver_cost")
    await setup.execute(
        "CREATE TABLE bench_driver_cost (id text PRIMARY KEY, status text, workspace_id text, "
        "created_at timestamp, started_at timestamp, completed_at timestamp, total_tests int)"
    )
    await setup.execute(
        "INSERT INTO bench_driver_cost VALUES ('e1', 'completed', 'w1', now(), now(), now(), 6)"
    )
    pool = AsyncConnectionPool(
        args.url, min_size=SIZE, max_size=SIZE, kwargs={"autocommit": True}, open=False
    )
    await pool.open()
    await pool.wait()
    pconns = [await psycopg.AsyncConnection.connect(args.url, autocommit=True) for _ in range(SIZE)]
    apool = await asyncpg.create_pool(args.url, min_size=SIZE, max_size=SIZE)
    apool_nr = await asyncpg.create_pool(
        args.url, min_size=SIZE, max_size=SIZE, connection_class=NoReset
    )
    aconns = [await asyncpg.connect(args.url) for _ in range(SIZE)]

    async def psycopg_pool() -> Any:
        async with pool.connection() as conn:
            cursor = await conn.execute(PSYCOPG_SQL, ("e1", "w1"), prepare=True)
            return await cursor.fetchone()

    async def psycopg_read(conn: psycopg.AsyncConnection[Any]) -> Any:
        cursor = await conn.execute(PSYCOPG_SQL, ("e1", "w1"), prepare=True)
        return await cursor.fetchone()

    async def asyncpg_pool() -> Any:
        async with apool.acquire() as conn:
            return await conn.fetchrow(ASYNCPG_SQL, "e1", "w1")

    async def asyncpg_pool_nr() -> Any:
        async with apool_nr.acquire() as conn:
            return await conn.fetchrow(ASYNCPG_SQL, "e1", "w1")

    async def asyncpg_read(conn: asyncpg.Connection) -> Any:
        return await conn.fetchrow(ASYNCPG_SQL, "e1", "w1")

    def sync_read(conn: asyncpg.Connection) -> Any:
        return await_only(conn.fetchrow(ASYNCPG_SQL, "e1", "w1"))

    async def asyncpg_greenlet(conn: asyncpg.Connection) -> Any:
        return await greenlet_spawn(sync_read, conn)

    ways: dict[str, Read] = {
        "psycopg pool": psycopg_pool,
        "psycopg conns": handed_out(pconns, psycopg_read),
        "asyncpg pool": asyncpg_pool,
        "asyncpg pool, no reset": asyncpg_pool_nr,
        "asyncpg conns": handed_out(aconns, asyncpg_read),
        "asyncpg conns, greenlet": handed_out(aconns, asyncpg_greenlet),
    }
    print(f"{'way':<26} {'at once':>7} {'CPU µs/query':>13} {'wall µs/query':>14}")
    try:
        for concurrency in (1, SIZE):
            figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
            for _ in range(args.rounds):  # interleaved, round after round
                for name, read in ways.items():
                    figures[name].append(await measure(read, args.queries, concurrency))
            for name, runs in figures.items():
                cpu_us = sorted(c for c, _ in runs)[len(runs) // 2]
                wall_us = sorted(w for _, w in runs)[len(runs) // 2]
                print(f"{name:<26} {concurrency:>7} {cpu_us:>13.1f} {wall_us:>14.1f}")
    finally:
        await pool.close()
        await apool.close()
        await apool_nr.close()
        for conn in pconns:
            await conn.close()
        for aconn in aconns:
            await aconn.close()
        await setup.execute("DROP TABLE bench_driver_cost")
        await setup.close()


if __name__ == "__main__":
    asyncio.run(main())
