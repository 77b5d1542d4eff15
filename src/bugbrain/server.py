"""Running the API under uvicorn, holding the data-directory lock."""

from __future__ import annotations

import logging
import os
from typing import Any

import uvicorn
from fastapi import FastAPI

from bugbrain.api.app import create_app
from bugbrain.artifacts.base import open_store
from bugbrain.artifacts.store import load_or_create_secret
from bugbrain.datadir import DataDirLock
from bugbrain.db.engine import create_engine
from bugbrain.db.migrate import upgrade
from bugbrain.settings import ENV_PREFIX, Settings, load_settings
from bugbrain.vault import load_vault
from bugbrain.worker.distributed import EmbeddedWorker

log = logging.getLogger("bugbrain")


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the API (bench/bare_api.py serves its baseline alike)."""
    return {
        "log_level": settings.log_level,
        # httptools' HTTP parser ("auto" takes it when installed, and it is a
        # dependency), on asyncio's own event loop: not uvloop, even where it is
        # installed. Measured in docs/benchmarks.md ("API throughput").
        "loop": "asyncio",
        "http": "auto",  # not vocabulary: a uvicorn setting
        # A synchronous create may be waiting on a long run: do not hang shutdown on it.
        "timeout_graceful_shutdown": 5,
    }


def build_server(settings: Settings) -> uvicorn.Server:
    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, **uvicorn_options(settings)
    )
    return uvicorn.Server(config)


def serve(settings: Settings, server: uvicorn.Server | None = None) -> None:
    """Serve until interrupted. Only one server may use a data directory."""
    lock = DataDirLock(settings.data_dir)
    lock.acquire()
    try:
        if settings.api_processes > 1:
            _serve_processes(settings)
            return
        server = server or build_server(settings)
        log.info(
            "bugbrain on http://%s:%d (data dir %s, %d workers)",
            settings.host,
            settings.port,
            settings.data_dir.resolve(),
            settings.workers,
        )
        server.run()
    finally:
        lock.release()


def _serve_processes(settings: Settings) -> None:
    """PostgreSQL: ``api_processes`` API processes sharing one socket (uvicorn's
    supervisor restarts one that dies), and this process running the
    executions (``workers`` of them, if any). One process of Python serves one
    core: on the 2-core machine of docs/benchmarks.md two of them answered
    1.3-1.6x the status requests of one."""
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)  # once, before the processes (each would, one at a time)
    # Made here, so that the processes do not race to make different ones.
    load_or_create_secret(settings.data_dir, settings.secret_key)
    load_vault(settings.data_dir, settings.secrets_key)
    worker = EmbeddedWorker(engine, settings, open_store(settings)) if settings.workers else None
    # The API processes build their settings from the environment: these
    # (the command line's too); their workers run here, not there.
    flags = {"data_dir": settings.data_dir, "host": settings.host, "port": settings.port}
    flags |= {"workers": settings.workers, "api_processes": settings.api_processes}
    os.environ.update({ENV_PREFIX + k.upper(): str(v) for k, v in flags.items()})
    log.info(
        "bugbrain on http://%s:%d (data dir %s, %d API processes, %d workers)",
        settings.host,
        settings.port,
        settings.data_dir.resolve(),
        settings.api_processes,
        settings.workers,
    )
    if worker is not None:
        worker.start()
    try:
        uvicorn.run(
            f"{__name__}:{api_process_app.__name__}",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.api_processes,
            **uvicorn_options(settings),
        )
    finally:
        if worker is not None:
            worker.stop()
        engine.dispose()


def api_process_app() -> FastAPI:
    """One of ``_serve_processes``'s API processes: settings from the environment,
    and no workers (the first process runs them)."""
    return create_app(load_settings(), start_workers=False)
