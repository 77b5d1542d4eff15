"""Scale-out on PostgreSQL: executions per minute with 1, 2 and 3 ``bugbrain
worker`` processes behind one API (``--workers 0``), and the queue's added
latency, create → running (the browser up, as the status reports it), on
SQLite's embedded queue
(``bugbrain serve --workers 1``) against PostgreSQL's (procrastinate, one worker).

Each round, for N = 1, 2, 3 in turn: N workers (concurrency 1 each) are
started, ``--executions`` executions of a one-test plan (open a page, check a
heading) are created at once, and the time from the first create to the last
end gives executions per minute; the workers are then stopped (SIGTERM). The
ratio to N = 1 in the same round is the speed-up. Latency: executions made one
at a time on idle workers, ``started_at - created_at`` read from the database.
The embedded queue's workers keep a runner started ahead (warm); a ``bugbrain
worker`` starts its runner when it claims.

    .venv/bin/python bench/workers.py [--rounds 3] [--executions 12] [--latency 8]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import common
import psycopg
import sqlalchemy as sa

from bugbrain.db.tables import executions

ADMIN = "postgresql://postgres@127.0.0.1/postgres"
STEPS = [
    {"description": "Open about", "action": "navigate", "value": "/about"},
    {"description": "Heading", "action": "assert_visible", "selector": "h1"},
]


class Server(common.Bugbrain):
    def __init__(self, data_dir: Path, workers: int, src: Path, database_url: str | None) -> None:
        super().__init__(data_dir, workers=workers, src=src)
        self.database_url = database_url

    def env(self) -> dict[str, str]:
        env = super().env()
        if self.database_url:
            env["BUGBRAIN_DATABASE_URL"] = self.database_url
        return env


@contextlib.contextmanager
def database(name: str) -> Iterator[str]:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        yield f"postgresql://postgres@127.0.0.1/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def start_workers(server: Server, n: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(n):
        log = logs / f"worker-{i}-{time.monotonic_ns()}.log"
        with log.open("ab") as out:
            procs.append(
                subprocess.Popen(
                    [*common.CLI, "worker", "--concurrency", "1"],
                    env={**server.env(), "BUGBRAIN_LOG_LEVEL": "info"},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while "Starting worker on queues" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_all(api: common.Api, ids: list[str]) -> None:
    for execution_id in ids:
        while True:
            status = api.call("GET", f"/api/v1/executions/{execution_id}/status")
            if status["status"] in common.TERMINAL:
                if status["status"] != "completed":
                    raise RuntimeError(f"{execution_id} ended {status}")
                break
            time.sleep(0.2)


def throughput(api: common.Api, project: str, plan: str, count: int) -> float:
    """Executions per minute: ``count`` created at once, until the last ends."""
    body = {"project_id": project, "test_plan_id": plan}
    start = time.perf_counter()
    ids = [api.call("POST", "/api/v1/executions/async", body)["id"] for _ in range(count)]
    wait_all(api, ids)
    return count / (time.perf_counter() - start) * 60


def latency(api: common.Api, url: str, project: str, plan: str, count: int) -> float:
    """Median seconds from create to running, one execution at a time."""
    body = {"project_id": project, "test_plan_id": plan}
    ids = []
    for _ in range(count):
        ids.append(api.call("POST", "/api/v1/executions/async", body)["id"])
        wait_all(api, ids[-1:])
        time.sleep(1.0)  # idle workers (and, on SQLite, its warm runner back up)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    query = sa.select(executions.c.created_at, executions.c.started_at).where(
        executions.c.id.in_(ids)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    engine.dispose()
    return statistics.median((r.started_at - r.created_at).total_seconds() for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--executions", type=int, default=12)
    parser.add_argument("--latency", type=int, default=8)
    args = parser.parse_args()
    info = common.print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="bugbrain-bench-workers-"))
    src = tmp / "src"
    source = common.snapshot_source(src)
    print(f"bugbrain source: snapshot of src/ (sha256 {source})", flush=True)
    shop = common.Shop("v1", tmp / "shop.log", src=src)
    shop.start()
    rates: dict[int, list[float]] = {1: [], 2: [], 3: []}
    try:
        with database("bugbrain_bench_workers") as url:
            server = Server(tmp / "pg", workers=0, src=src, database_url=url)
            server.start()
            api = common.Api(server.url, server.create_key())
            project, plan = common.seed_plan(api, shop.url, {"Heading": STEPS})
            for round_no in range(args.rounds):
                line = []
                for n in rates:
                    procs = start_workers(server, n, tmp)
                    try:
                        rate = throughput(api, project, plan, args.executions)
                    finally:
                        stop_workers(procs)
                    rates[n].append(rate)
                    line.append(f"{n} worker(s) {rate:.1f}/min")
                print(f"round {round_no + 1}/{args.rounds}: " + ", ".join(line), flush=True)
            procs = start_workers(server, 1, tmp)
            try:
                pg_running = latency(api, url, project, plan, args.latency)
            finally:
                stop_workers(procs)
            server.stop()
        lite = Server(tmp / "lite", workers=1, src=src, database_url=None)
        lite.start()
        lite_api = common.Api(lite.url, lite.create_key())
        lproject, lplan = common.seed_plan(lite_api, shop.url, {"Heading": STEPS})
        lite_running = latency(
            lite_api, f"sqlite:///{tmp / 'lite' / 'bugbrain.db'}", lproject, lplan, args.latency
        )
        lite.stop()
    finally:
        shop.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    med = {n: statistics.median(r) for n, r in rates.items()}
    rows = [
        [f"{n}", f"{med[n]:.1f}", ", ".join(f"{r:.1f}" for r in rates[n]), f"{med[n] / med[1]:.2f}"]
        for n in rates
    ]
    headers = ["workers", "executions/min (median)", "rounds", "vs 1 worker"]
    lat = [
        ["SQLite, embedded queue (serve --workers 1, warm runner)", f"{lite_running:.2f} s"],
        ["PostgreSQL, procrastinate (1 bugbrain worker)", f"{pg_running:.2f} s"],
    ]
    print()
    print(common.table(headers, rows))
    print()
    print(common.table(["queue", "create → running (median)"], lat))
    print("\nMarkdown:\n")
    print(common.machine_markdown(info))
    print(f"bugbrain: snapshot of src/ with sha256 {source}.\n")
    print(common.markdown_table(headers, rows))
    print()
    print(common.markdown_table(["queue", "create → running (median)"], lat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
