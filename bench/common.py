"""Shared pieces of the benchmarks: the demo shop and a bugbrain server on free
loopback ports (in a temporary data directory), an API client, seeding, timing
helpers and a description of the machine.

Run the benchmarks from the repository root with the project's virtualenv, e.g.
``.venv/bin/python bench/vs_playwright.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# What the runner launches by default for headless runs (browser.system_chromium);
# every variant uses it.
_SHELL = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM = os.environ.get("BUGBRAIN_CHROMIUM_PATH") or (
    _SHELL if os.path.exists(_SHELL) else "/usr/bin/chromium"
)
# The runner's launch arguments (src/bugbrain/runner/browser.py BROWSER_ARGS); the
# Playwright baselines use the same ones so only the harness differs.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 720}
ELEMENT_TIMEOUT_MS = 5000  # a plan's default element_wait_timeout_ms
NAVIGATION_TIMEOUT_MS = 30_000  # what the worker gives the runner
TERMINAL = ("completed", "failed", "cancelled")
CLI = [PYTHON, "-m", "bugbrain.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, seconds: float = 60, proc: subprocess.Popen[bytes] | None = None) -> None:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def snapshot_source(dest: Path, attempts: int = 10, source: Path | None = None) -> str:
    """Copy ``src/`` (or ``source``, e.g. another revision's) to ``dest`` and check
    that it imports; returns a short hash.

    The work tree may be edited while a benchmark runs (other people's work in
    progress); every process of a run uses this one consistent copy instead
    (``PYTHONPATH`` wins over the editable install's path entry).
    """
    problem = ""
    for _ in range(attempts):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(source or ROOT / "src", dest, ignore=shutil.ignore_patterns("__pycache__"))
        check = subprocess.run(
            [PYTHON, "-c", "import bugbrain.runner.child, bugbrain.server, bugbrain.cli"],
            env={**os.environ, "PYTHONPATH": str(dest)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check.returncode == 0:
            digest = hashlib.sha256()
            for path in sorted(dest.rglob("*.py")):
                digest.update(str(path.relative_to(dest)).encode())
                digest.update(path.read_bytes())
            return digest.hexdigest()[:12]
        problem = check.stderr.strip().splitlines()[-1] if check.stderr.strip() else "?"
        time.sleep(15)  # someone is mid-edit: try again shortly
    raise RuntimeError(f"src/ does not import: {problem}")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def with_src(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


class Shop:
    """The demo shop (``run_shop``) in a process of its own."""

    def __init__(
        self, variant: str = "v1", log_path: Path | None = None, src: Path | None = None
    ) -> None:
        self.src = src
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.variant = variant
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        code = (
            "from bugbrain.demo.shop import run_shop; "
            f"run_shop('127.0.0.1', {self.port}, {self.variant!r})"
        )
        with contextlib.ExitStack() as stack:
            log: Any = subprocess.DEVNULL
            if self.log_path:
                log = stack.enter_context(self.log_path.open("ab"))
            self.proc = subprocess.Popen(
                [PYTHON, "-c", code],
                stdout=log,
                stderr=log,
                start_new_session=True,
                env=with_src(self.src),
            )
        wait_http(self.url + "/health", proc=self.proc)

    def stop(self) -> None:
        _stop(self.proc)


class Api:
    """A JSON client on the standard library."""

    def __init__(self, base: str, key: str, server: Bugbrain | None = None) -> None:
        self.base = base.rstrip("/")
        self.key = key
        self.server = server  # when known, run_execution lets its warm runners settle

    def call(self, method: str, path: str, body: Any = None, timeout: float = 900) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path} -> {exc.code}: {exc.read().decode()}") from None


class Bugbrain:
    """``bugbrain serve`` as a subprocess with its own data directory."""

    def __init__(
        self,
        data_dir: Path,
        workers: int = 1,
        src: Path | None = None,
        extra_env: dict[str, str] | None = None,
        serve_args: Sequence[str] = (),
    ) -> None:
        self.src = src
        self.extra_env = extra_env or {}
        self.serve_args = list(serve_args)
        self.data_dir = data_dir
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {
            **with_src(self.src),
            "BUGBRAIN_DATA_DIR": str(self.data_dir),
            "BUGBRAIN_WORKERS": str(self.workers),
            "BUGBRAIN_LOG_LEVEL": "warning",
            **self.extra_env,
        }

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port), *self.serve_args],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_http(self.url + "/health", proc=self.proc)

    def create_key(self, workspace: str = "bench") -> str:
        """A key made with the CLI, as an operator would."""
        out = subprocess.run(
            [*CLI, "keys", "create", "--name", "bench", "--workspace", workspace, "--json"],
            env=self.env(),
            capture_output=True,
            check=True,
            timeout=120,
        )
        return str(json.loads(out.stdout)["key"])

    def stop(self) -> None:
        _stop(self.proc)

    def wait_warm_runners(self, timeout: float = 30) -> bool:
        """Wait until every worker's warm runner is up (its Chromium launched) and
        the server's process tree is idle; False if that did not happen in time.

        The worker starts the next warm runner when an execution ends, which takes
        ~0.7 s of CPU. An execution that follows at once would find it still
        starting, and pay for that within its measured time, where a server that
        had a moment between executions would not; so each one waits for it.
        """
        if self.proc is None or os.environ.get("BUGBRAIN_WARM_RUNNERS", "1") in ("0", "false"):
            return True
        import psutil  # the bench extra

        server = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                tree = [server, *server.children(recursive=True)]
                warm = [p for p in server.children() if "--warm" in p.cmdline()]
                launched = [
                    w for w in warm if any("chrom" in c.name() for c in w.children(recursive=True))
                ]
                before = sum(sum(p.cpu_times()[:2]) for p in tree)
                time.sleep(0.3)
                after = sum(sum(p.cpu_times()[:2]) for p in tree)
            except psutil.Error:
                continue  # a process came or went: look again
            if len(launched) >= self.workers and after - before < 0.03:
                return True
        return False


@dataclass
class Stack:
    shop: Shop
    server: Bugbrain
    api: Api
    tmp: Path
    source: str  # hash of the src/ snapshot this run uses


@contextlib.contextmanager
def stack(workers: int = 1, variant: str = "v1") -> Iterator[Stack]:
    """Shop + server + key on a snapshot of src/, torn down (with the temp dir) on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="bugbrain-bench-"))
    src = tmp / "src"
    shop = Shop(variant, tmp / "shop.log", src=src)
    server = Bugbrain(tmp / "data", workers=workers, src=src)
    try:
        source = snapshot_source(src)
        print(f"bugbrain source: snapshot of src/ (sha256 {source})", flush=True)
        shop.start()
        server.start()
        api = Api(server.url, server.create_key(), server)
        yield Stack(shop, server, api, tmp, source)
    finally:
        server.stop()
        shop.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def seed_plan(
    api: Api,
    base_url: str,
    tests: dict[str, list[dict[str, Any]]],
    name: str = "bench",
    **plan_settings: Any,
) -> tuple[str, str]:
    """A project with the given tests in one plan: (project_id, test_plan_id)."""
    project = api.call("POST", "/api/v1/projects", {"name": name, "base_url": base_url})
    case_ids = [
        api.call(
            "POST",
            "/api/v1/test-cases",
            {"project_id": project["id"], "name": test_name, "steps": steps},
        )["id"]
        for test_name, steps in tests.items()
    ]
    plan = api.call(
        "POST",
        "/api/v1/test-plans",
        {"project_id": project["id"], "name": name, "test_case_ids": case_ids, **plan_settings},
    )
    return project["id"], plan["id"]


def run_execution(
    api: Api, project_id: str, plan_id: str, timeout_seconds: int = 600
) -> tuple[float, dict[str, Any]]:
    """Synchronous ``POST /executions``: (wall seconds until the answer, the answer)."""
    body = {"project_id": project_id, "test_plan_id": plan_id, "timeout_seconds": timeout_seconds}
    start = time.perf_counter()
    answer = api.call("POST", "/api/v1/executions", body)
    elapsed = time.perf_counter() - start
    if answer.get("status") not in TERMINAL:
        raise RuntimeError(f"execution did not end: {answer.get('status')}")
    if api.server is not None and not api.server.wait_warm_runners():
        print("(warm runners not settled after 30 s)", flush=True)
    return elapsed, answer


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _chromium_version() -> str:
    try:
        out = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        return f"unavailable ({exc})"
    match = re.search(r"Chromium [\d.]+", out.stdout)
    return match.group(0) if match else out.stdout.strip()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "ram": _ram_gib(),
        "os": platform.platform(),
        "chromium": f"{_chromium_version()} ({CHROMIUM})",
        "python": platform.python_version(),
        "playwright": _version("playwright"),
        "pytest-playwright": _version("pytest-playwright"),
        "bugbrain": _version("bugbrain"),
    }


def print_machine() -> dict[str, str]:
    info = machine()
    print("Machine:")
    for key, value in info.items():
        print(f"  {key:<17} {value}")
    print(flush=True)
    return info


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out.extend(line.format(*row) for row in rows)
    return "\n".join(out)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(out)


def machine_markdown(info: dict[str, str]) -> str:
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; "
        f"{info['chromium']}; Python {info['python']}, Playwright {info['playwright']}, "
        f"pytest-playwright {info['pytest-playwright']}. Measured {info['date']}."
    )
