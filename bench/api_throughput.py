"""The API under polling load, as a ratio to a bare FastAPI endpoint measured in
the same run: requests per second and latency (p50, p99) of ``GET /health``,
``GET /api/v1/executions/{id}/status``, ``GET /api/v1/executions`` (list) and
``GET /api/v1/executions/{id}/results`` at 50 and 200 concurrent keep-alive
connections, with ``wrk`` in a process of its own on loopback.

The server is ``bugbrain serve`` (one worker, warm runners off) on a snapshot of
``src/``, seeded through the API with a project, a plan of six demo-shop tests
(one of them fails; screenshots at every step, the plan default) and three
executions run to their end against the demo shop; nothing runs while it is
measured. The baseline is ``bare_api.py`` (one ``async def`` endpoint returning
a dict shaped like a finished status), served by uvicorn with the options
bugbrain's API process uses. Targets (issue 11): status >= 0.5x the bare
throughput, and status p99 at 200 clients <= 2x the bare p99.

Points are interleaved round after round (bare, health, status, list, results
at 50 connections, then the same at 200), after one unrecorded warm-up round;
medians over the rounds are compared. Also printed: the server's CPU time per
request (its process and every child, from /proc), which the machine's other
tenants disturb less than throughput.

    .venv/bin/python bench/api_throughput.py [--rounds 3] [--duration 10]
        [--connections 50,200] [--database-url postgresql://USER@HOST/DB]
        [--src DIR] [--without-speedups]

``--database-url`` runs bugbrain on a fresh PostgreSQL database created next to
the one named (and dropped at the end). ``--src`` measures another revision's
source tree (e.g. ``git worktree add /tmp/main main``, then ``--src
/tmp/main/src``). ``--without-speedups`` makes ``uvloop`` and ``httptools``
unimportable in both servers, as on an install of uvicorn without them (what
bugbrain depended on before httptools).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import common
import psutil
from shop_plan import TESTS, text

STATUS_TARGET = 0.5  # status throughput / bare throughput, at least
P99_TARGET = 2.0  # status p99 / bare p99 at 200 connections, at most
SEEDED_TESTS = (
    "login_valid",
    "add_to_cart_flash",
    "cart_two_products_total",
    "search_mugs",
    "logout",
)
EXECUTIONS = 3

# wrk's summary as one JSON line (latencies in microseconds).
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""
HIDDEN = ("uvloop", "httptools")


@dataclass
class Point:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float  # server CPU per request
    body_bytes: float


def wrk(url: str, key: str, connections: int, seconds: float, script: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {key}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRK "))
    return dict(json.loads(line[4:]))


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants (live ones)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def measure(url: str, key: str, connections: int, seconds: float, script: Path, pid: int) -> Point:
    before = tree_cpu(pid)
    got = wrk(url, key, connections, seconds, script)
    cpu = tree_cpu(pid) - before
    requests = max(int(got["requests"]), 1)
    errors = sum(int(got[k]) for k in ("connect", "read", "write", "status", "timeout"))
    return Point(
        rps=requests / (got["duration_us"] / 1e6),
        p50_ms=got["p50"] / 1000,
        p99_ms=got["p99"] / 1000,
        errors=errors,
        cpu_ms=cpu * 1000 / requests,
        body_bytes=got["bytes"] / requests,
    )


@contextlib.contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """A fresh database on the server of ``url``; yields its URL, drops it after."""
    import psycopg  # the postgres extra

    base, _, _ = url.rpartition("/")
    name = f"bugbrain_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def hide_modules(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for name in HIDDEN:
        (where / f"{name}.py").write_text(f"raise ImportError('{name} hidden by the benchmark')\n")
    return where


class Bare:
    """``bare_api.py`` in a process of its own, on the same source snapshot."""

    def __init__(self, env: dict[str, str], log: Path, processes: int = 1) -> None:
        self.processes = processes
        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = str(self.port)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    common.PYTHON,
                    str(Path(__file__).with_name("bare_api.py")),
                    *("--port", port, "--processes", str(self.processes)),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        common.wait_http(self.url + "/bare", proc=self.proc)

    def stop(self) -> None:
        common._stop(self.proc)


def seed(api: common.Api, shop_url: str) -> dict[str, str]:
    tests = {name: TESTS[name] for name in SEEDED_TESTS}
    tests["catalog_title_wrong"] = [*TESTS["login_valid"][:-1], text("h1", "Not the catalog")]
    project_id, plan_id = common.seed_plan(
        api, shop_url, tests, name="api-bench", element_wait_timeout_ms=1000
    )
    last = ""
    for _ in range(EXECUTIONS):
        wall, answer = common.run_execution(api, project_id, plan_id, timeout_seconds=300)
        print(f"  execution {answer['id']}: {answer['status']} in {wall:.1f} s", flush=True)
        last = answer["id"]
    return {"project_id": project_id, "execution_id": last}


def get(url: str, key: str) -> tuple[int, int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, len(response.read())


@dataclass
class Servers:
    shop: common.Shop
    server: common.Bugbrain
    bare: Bare
    bare_n: Bare | None  # the same with --bare-processes N, if asked
    key: str
    api: common.Api
    source: str  # hash of the src/ snapshot
    database: str  # what bugbrain runs on, for the report


@contextlib.contextmanager
def servers(
    tmp: Path,
    source_dir: Path | None,
    without_speedups: bool,
    database_url: str,
    serve_args: list[str],
    bare_processes: int = 1,
) -> Iterator[Servers]:
    """The demo shop, ``bugbrain serve`` (one worker, warm runners off) and the bare
    app, on one snapshot of the source, with a key; stopped on exit."""
    with contextlib.ExitStack() as stack:
        src = tmp / "src"
        source = common.snapshot_source(src, source=source_dir)
        print(f"bugbrain source: snapshot of {source_dir or 'src/'} (sha256 {source})", flush=True)
        path = str(src)
        if without_speedups:
            path = f"{hide_modules(tmp / 'hide')}{os.pathsep}{path}"
        extra = {"PYTHONPATH": path, "BUGBRAIN_WARM_RUNNERS": "0"}
        database = "SQLite (a WAL file in the data directory)"
        if database_url:
            db_url = stack.enter_context(postgres_database(database_url))
            extra["BUGBRAIN_DATABASE_URL"] = db_url
            database = f"PostgreSQL ({db_url.rpartition('@')[2]})"
        shop = common.Shop("v1", tmp / "shop.log", src=src)
        server = common.Bugbrain(
            tmp / "data", workers=1, src=src, extra_env=extra, serve_args=serve_args
        )
        bare_env = {**common.with_src(src), "PYTHONPATH": path}
        bare = Bare(bare_env, tmp / "bare.log")
        bare_n = Bare(bare_env, tmp / "bare_n.log", bare_processes) if bare_processes > 1 else None
        stack.callback(shop.stop)
        shop.start()
        stack.callback(server.stop)
        server.start()
        stack.callback(bare.stop)
        bare.start()
        if bare_n is not None:
            stack.callback(bare_n.stop)
            bare_n.start()
        key = server.create_key()
        api = common.Api(server.url, key)
        yield Servers(shop, server, bare, bare_n, key, api, source, database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per point")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per warm-up point")
    parser.add_argument("--connections", default="50,200")
    parser.add_argument(
        "--endpoints", default="health,status,list,results", help="besides bare, which ones"
    )
    parser.add_argument("--database-url", default="", help="postgresql://… (default: SQLite)")
    parser.add_argument("--src", type=Path, help="source tree to measure (default: src/)")
    parser.add_argument("--without-speedups", action="store_true")
    parser.add_argument(
        "--serve-arg", action="append", default=[], help="extra `bugbrain serve` argument"
    )
    parser.add_argument(
        "--bare-processes",
        type=int,
        default=1,
        help="also measure the bare app in N processes (bare-N; ratios stay to one: "
        "for `--serve-arg=--api-processes=N`)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    levels = [int(c) for c in args.connections.split(",")]
    info = common.print_machine()

    tmp = Path(tempfile.mkdtemp(prefix="bugbrain-bench-"))
    script = tmp / "report.lua"
    script.write_text(REPORT_LUA)
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        env = stack.enter_context(
            servers(
                tmp,
                args.src,
                args.without_speedups,
                args.database_url,
                args.serve_arg,
                args.bare_processes,
            )
        )
        source, database, key = env.source, env.database, env.key
        print(f"database: {database}; seeding {EXECUTIONS} executions …", flush=True)
        ids = seed(env.api, env.shop.url)
        server, bare = env.server, env.bare
        assert server.proc is not None
        assert bare.proc is not None
        targets = {
            "bare": (bare.url + "/bare", bare.proc.pid),
            "health": (server.url + "/health", server.proc.pid),
            "status": (f"{server.url}/api/v1/executions/{ids['execution_id']}/status", 0),
            "list": (f"{server.url}/api/v1/executions?project_id={ids['project_id']}", 0),
            "results": (f"{server.url}/api/v1/executions/{ids['execution_id']}/results", 0),
        }
        if env.bare_n is not None:
            assert env.bare_n.proc is not None
            name = f"bare-{env.bare_n.processes}"
            targets = {
                "bare": targets["bare"],
                name: (env.bare_n.url + "/bare", env.bare_n.proc.pid),
                **targets,
            }
        wanted = {
            "bare",
            *(n for n in targets if n.startswith("bare-")),
            *args.endpoints.split(","),
        }
        targets = {
            name: (url, pid or server.proc.pid)
            for name, (url, pid) in targets.items()
            if name in wanted
        }
        for name, (url, _) in targets.items():
            code, size = get(url, key)
            print(f"  {name:<8} {code} {size:>6} bytes  {url}", flush=True)
            if code != 200:
                raise RuntimeError(f"{name} answered {code}")
        names = list(targets)
        load_start = os.getloadavg()[0]
        results: dict[tuple[int, str], list[Point]] = {(c, n): [] for c in levels for n in names}
        for round_no in range(args.rounds + 1):
            warm = round_no == 0
            seconds = args.warmup if warm else args.duration
            load = os.getloadavg()[0]
            print(f"{'warm-up' if warm else f'round {round_no}'} (load {load:.1f}):", flush=True)
            for connections in levels:
                for name in names:
                    url, pid = targets[name]
                    point = measure(url, key, connections, seconds, script, pid)
                    print(
                        f"  c{connections:<4} {name:<8} {point.rps:8.0f}/s  "
                        f"p50 {point.p50_ms:7.1f} ms  p99 {point.p99_ms:7.1f} ms  "
                        f"cpu {point.cpu_ms:5.2f} ms/req  errors {point.errors}",
                        flush=True,
                    )
                    if not warm:
                        results[(connections, name)].append(point)
        load_after = os.getloadavg()[0]

    headers = [
        "connections",
        "endpoint",
        "req/s",
        "× bare",
        "p50 ms",
        "p99 ms",
        "p99 × bare",
        "CPU ms/req",
        "bytes",
        "errors",
    ]
    rows = []
    summary: dict[tuple[int, str], tuple[float, float]] = {}
    for connections in levels:
        base = results[(connections, "bare")]
        base_rps = common.median([p.rps for p in base])
        base_p99 = common.median([p.p99_ms for p in base])
        for name in names:
            points = results[(connections, name)]
            rps = common.median([p.rps for p in points])
            p99 = common.median([p.p99_ms for p in points])
            summary[(connections, name)] = (rps / base_rps, p99 / base_p99)
            rows.append(
                [
                    str(connections),
                    name,
                    f"{rps:,.0f}",
                    f"{rps / base_rps:.2f}",
                    f"{common.median([p.p50_ms for p in points]):.1f}",
                    f"{p99:.1f}",
                    f"{p99 / base_p99:.2f}",
                    f"{common.median([p.cpu_ms for p in points]):.2f}",
                    f"{common.median([p.body_bytes for p in points]):,.0f}",
                    str(sum(p.errors for p in points)),
                ]
            )
    lines = []
    for connections in levels:
        if (connections, "status") not in summary:
            continue
        ratio, _ = summary[(connections, "status")]
        verdict = "met" if ratio >= STATUS_TARGET else "MISSED"
        lines.append(
            f"status at {connections} connections: {ratio:.2f}× the bare throughput "
            f"(target >= {STATUS_TARGET}: {verdict})"
        )
    if (200, "status") in summary:
        _, p99 = summary[(200, "status")]
        verdict = "met" if p99 <= P99_TARGET else "MISSED"
        lines.append(f"status p99 at 200 connections: {p99:.2f}× bare (target <= 2: {verdict})")
    print()
    print(common.table(headers, rows))
    print("\n".join(lines))
    print("\nMarkdown:\n")
    print(common.machine_markdown(info))
    print(
        f"bugbrain: snapshot of {args.src or 'src/'} with sha256 {source}; {database}; "
        f"`{' '.join(['bugbrain serve', *args.serve_arg])}`"
        + f"; uvloop and httptools {'hidden' if args.without_speedups else 'importable'}. "
        f"wrk -t1, {args.rounds} rounds of {args.duration:g} s per point, interleaved; "
        f"load average {load_start:.1f} → {load_after:.1f}.\n"
    )
    print(common.markdown_table(headers, rows))
    print()
    print("\n".join(f"- {line}" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
