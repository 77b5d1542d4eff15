"""Real processes and servers used by the integration tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import requests
import uvicorn

from bugbrain.demo.shop import create_shop_app
from tests.support import databases
from tests.support.waiting import WaitTimeout, eventually


@contextlib.contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server for ``handler`` on a free loopback port, for the
    duration of the block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerExited(RuntimeError):
    """The process that was to serve a URL exited before it answered."""


def wait_http(url: str, seconds: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    def answer() -> int | str:
        """The status code, or why there is none yet."""
        if proc is not None and proc.poll() is not None:
            raise ServerExited(f"the process serving {url} exited with code {proc.returncode}")
        try:
            return requests.get(url, timeout=2).status_code
        except requests.RequestException as exc:
            return type(exc).__name__

    eventually(
        answer,
        until=lambda code: isinstance(code, int) and code < 500,
        timeout=seconds,
        interval=0.05,
        message=f"{url} to answer",
    )


class ShopServer:
    """An ASGI app (the demo shop by default) under uvicorn in a thread of the test process."""

    def __init__(self, app: Any = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app if app is not None else create_shop_app(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        wait_http(self.url + "/health")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


BUGBRAIN = [sys.executable, "-m", "bugbrain.cli"]


def descendants(proc: subprocess.Popen[bytes] | None) -> list[psutil.Process]:
    """Every process ``proc`` started, and theirs (none once it is gone)."""
    if proc is None:
        return []
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


class BugbrainServer:
    """``bugbrain serve`` as a real subprocess with its own data directory."""

    def __init__(
        self,
        data_dir: Path,
        workers: int = 2,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.extra_env = extra_env or {}
        self.data_dir = data_dir
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def database_url(self) -> str:
        """The database this server uses (tests that read it directly)."""
        return databases.database_url(self.data_dir) or (
            f"sqlite:///{(self.data_dir / 'bugbrain.db').resolve()}"
        )

    def env(self) -> dict[str, str]:
        on_postgres = databases.database_url(self.data_dir)
        return {
            **os.environ,
            **({"BUGBRAIN_DATABASE_URL": on_postgres} if on_postgres else {}),
            "BUGBRAIN_DATA_DIR": str(self.data_dir),
            "BUGBRAIN_WORKERS": str(self.workers),
            "BUGBRAIN_LOG_LEVEL": "warning",
            **self.extra_env,
        }

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*BUGBRAIN, "serve", "--port", str(self.port)],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            wait_http(self.url + "/health", proc=self.proc)
        except (ServerExited, WaitTimeout):
            self.stop()
            raise RuntimeError(
                f"server did not start: {self.log_path.read_text()[-3000:]}"
            ) from None

    def create_key(self, workspace: str, environment: str = "prod", name: str = "test") -> str:
        out = subprocess.run(
            [
                *BUGBRAIN,
                "keys",
                "create",
                "--name",
                name,
                "--workspace",
                workspace,
                "--environment",
                environment,
                "--json",
            ],
            env=self.env(),
            capture_output=True,
            check=True,
            timeout=60,
        )
        return str(json.loads(out.stdout)["key"])

    def client(self, workspace: str) -> Api:
        return Api(self.url, self.create_key(workspace))

    def descendants(self) -> list[psutil.Process]:
        return descendants(self.proc)

    def kill(self) -> None:
        """SIGKILL the server process alone, as a crash would."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class WorkerProcess:
    """``bugbrain worker`` as a real subprocess, sharing ``server``'s database."""

    def __init__(
        self,
        server: BugbrainServer,
        name: str,
        concurrency: int = 1,
        extra_env: dict[str, str] | None = None,
        queues: tuple[str, ...] = (),
    ) -> None:
        self.server = server
        self.name = name
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.queues = queues
        self.log_path = server.data_dir / f"worker-{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        queues = [arg for q in self.queues for arg in ("--queue", q)]
        self.proc = subprocess.Popen(
            [*BUGBRAIN, "worker", "--concurrency", str(self.concurrency), *queues],
            env={**self.server.env(), "BUGBRAIN_LOG_LEVEL": "info", **self.extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        eventually(
            lambda: "Starting worker on queues" in self.log(),
            message=f"worker {self.name} to start: {self.log()[-2000:]}",
            timeout=60,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def descendants(self) -> list[psutil.Process]:
        return descendants(self.proc)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


class Api:
    """A thin requests wrapper that knows the base URL and the key."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.key = key
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def status(self, execution_id: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/api/v1/executions/{execution_id}/status"))

    def wait_status(
        self, execution_id: str, wanted: tuple[str, ...], seconds: float = 120
    ) -> dict[str, Any]:
        """The execution's status body once its status is one of ``wanted``."""
        return eventually(
            lambda: self.status(execution_id),
            until=lambda body: body["status"] in wanted,
            timeout=seconds,
            interval=0.2,
            message=f"execution {execution_id} to be {' or '.join(wanted)}",
        )

    def wait_terminal(self, execution_id: str, seconds: float = 120) -> dict[str, Any]:
        return self.wait_status(execution_id, ("completed", "failed", "cancelled"), seconds)
