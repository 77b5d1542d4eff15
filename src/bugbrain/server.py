"""Running the API under uvicorn, holding the data-directory lock."""

from __future__ import annotations

import logging

import uvicorn

from bugbrain.api.app import create_app
from bugbrain.datadir import DataDirLock
from bugbrain.settings import Settings

log = logging.getLogger("bugbrain")


def build_server(settings: Settings) -> uvicorn.Server:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # A synchronous create may be waiting on a long run: do not hang shutdown on it.
        timeout_graceful_shutdown=5,
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
