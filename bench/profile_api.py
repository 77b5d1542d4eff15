"""Where an API request's time goes: ``bugbrain serve`` under ``wrk`` load,
sampled with py-spy (every thread, native code left out, idle threads left
out), so the shares are of the CPU the server spends.

Sets up and seeds the server as ``api_throughput.py`` does, then loads one
endpoint with wrk for ``--seconds`` while py-spy samples the server process
(``--seconds`` minus 2, starting 1 s in). Prints the share of samples spent in
each part of a request (``PARTS``: a sample counts for the first part with a
frame on its stack), the functions most often on top of the stack, and the
throughput wrk saw (py-spy slows the server a little).

    .venv/bin/python bench/profile_api.py [--endpoint status|list|results|health|bare]
        [--connections 50] [--seconds 12] [--rate 250] [--top 25]
        [--src DIR] [--without-speedups] [--database-url postgresql://…]
        [--collapsed FILE]   # keep py-spy's stacks (flame-graph input)
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import api_throughput as at

# Each sample goes to the first part (in this order) that has a frame on its
# stack containing one of the part's strings ("function (file:line)").
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("worker pool threads (claim loop, reaper)", ("bugbrain/worker/",)),
    (
        "database: SQLAlchemy, the driver, transactions",
        ("sqlalchemy/", "psycopg", "asyncpg/", "bugbrain/db/"),
    ),
    ("views: JSON-shaped dicts (execution_views)", ("bugbrain/services/execution_views.py",)),
    ("signing artifact URLs", ("bugbrain/artifacts/signing.py",)),
    ("pydantic: building, validating, serialising models", ("pydantic/", "pydantic_core")),
    ("authentication (api key cache, lookup)", ("bugbrain/api/auth.py", "authenticate (")),
    ("thread pool hand-off (anyio to_thread, threading)", ("anyio/", "threading.py", "queue.py")),
    ("FastAPI: solving dependencies", ("solve_dependencies",)),
    ("FastAPI: jsonable_encoder (plain dict responses)", ("jsonable_encoder",)),
    ("FastAPI/Starlette: middleware, routing, responses", ("fastapi/", "starlette/")),
    ("uvicorn: HTTP parsing and writing", ("uvicorn/",)),
    ("asyncio: the event loop, sockets", ("asyncio/",)),
    ("logging", ("logging/",)),
]


def _endpoint_url(name: str, server: str, bare: str, ids: dict[str, str]) -> str:
    return {
        "bare": bare + "/bare",
        "health": server + "/health",
        "status": f"{server}/api/v1/executions/{ids['execution_id']}/status",
        "list": f"{server}/api/v1/executions?project_id={ids['project_id']}",
        "results": f"{server}/api/v1/executions/{ids['execution_id']}/results",
    }[name]


def _load_stacks(path: Path) -> collections.Counter[tuple[str, ...]]:
    stacks: collections.Counter[tuple[str, ...]] = collections.Counter()
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks[tuple(frames.split(";"))] += int(count)
    return stacks


def _short(frame: str) -> str:
    return frame.replace("site-packages/", "").split("/lib/python3")[-1]


def _report(stacks: collections.Counter[tuple[str, ...]], top: int) -> None:
    total = sum(stacks.values())
    print(f"\n{total} samples (threads py-spy saw active: one blocked on a lock counts too)")
    print("\nWhere they were (each sample counted once, in the first part that matches):")
    parts: collections.Counter[str] = collections.Counter()
    for frames, n in stacks.items():
        label = next(
            (label for label, needles in PARTS if any(x in f for f in frames for x in needles)),
            "other",
        )
        parts[label] += n
    for label in [*(label for label, _ in PARTS), "other"]:
        print(f"  {100 * parts[label] / total:5.1f} %  {label}")
    own: collections.Counter[str] = collections.Counter()
    for frames, n in stacks.items():
        own[_short(frames[-1])] += n
    print("\nOn top of the stack (own time):")
    for frame, n in own.most_common(top):
        print(f"  {100 * n / total:5.1f} %  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="status")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--src", type=Path)
    parser.add_argument("--without-speedups", action="store_true")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--collapsed", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists() or shutil.which("wrk") is None:
        print("needs py-spy (pip install py-spy) and wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bugbrain-profile-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        env = stack.enter_context(
            at.servers(tmp, args.src, args.without_speedups, args.database_url, [])
        )
        ids = at.seed(env.api, env.shop.url)
        assert env.server.proc is not None
        assert env.bare.proc is not None
        url = _endpoint_url(args.endpoint, env.server.url, env.bare.url, ids)
        pid = env.bare.proc.pid if args.endpoint == "bare" else env.server.proc.pid
        script = tmp / "report.lua"
        script.write_text(at.REPORT_LUA)
        at.wrk(url, env.key, args.connections, 3, script)  # warm-up
        result: dict[str, Any] = {}
        load = threading.Thread(
            target=lambda: result.update(
                at.wrk(url, env.key, args.connections, args.seconds, script)
            )
        )
        load.start()
        collapsed = args.collapsed or tmp / "stacks.txt"
        threading.Event().wait(1)
        record = ["record", "--pid", str(pid), "--duration", str(int(args.seconds - 2))]
        sampling = ["--rate", str(args.rate), "--nonblocking"]
        subprocess.run(
            [py_spy, *record, *sampling, "--format", "raw", "--output", str(collapsed)],
            check=True,
            capture_output=True,
        )
        load.join()
        rps = result["requests"] / (result["duration_us"] / 1e6)
        print(
            f"{args.endpoint} at {args.connections} connections, sampled: {rps:,.0f} req/s, "
            f"p50 {result['p50'] / 1000:.1f} ms, p99 {result['p99'] / 1000:.1f} ms "
            f"(source sha256 {env.source}; load average {os.getloadavg()[0]:.1f})"
        )
        _report(_load_stacks(collapsed), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
