"""Running the API under uvicorn, holding the data-directory lock."""

from __future__ import annotations

import logging
from typing import Any

import uvicorn

from bugbrain.api.app import create_app
from bugbrain.datadir import DataDirLock
from bugbrain.settings import Settings

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
