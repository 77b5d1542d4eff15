"""``create_app(settings)`` builds the whole service; nothing is created at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bugbrain import __version__
from bugbrain.api import errors, metrics, openapi, probes, reads
from bugbrain.api.auth import KeyCache
from bugbrain.api.context import AppContext
from bugbrain.api.reads import READ_CONNECTIONS
from bugbrain.api.routes import artifacts, events, executions, resources, schedules, webhooks
from bugbrain.artifacts.base import open_store
from bugbrain.artifacts.store import load_or_create_secret
from bugbrain.db.engine import create_engine
from bugbrain.db.migrate import upgrade
from bugbrain.db.pg_reads import PgReads
from bugbrain.runner.snapshot_render import SnapshotRenderer
from bugbrain.schemas.meta import Health
from bugbrain.settings import Settings
from bugbrain.vault import load_vault
from bugbrain.worker.distributed import EmbeddedWorker
from bugbrain.worker.pool import WorkerPool, recover_after_restart
from bugbrain.worker.reaper import Reaper
from bugbrain.worker.scheduler import Scheduler
from bugbrain.worker.webhook_sender import WebhookSender

log = logging.getLogger("bugbrain")

DESCRIPTION = """Run end-to-end browser test plans and read what broke and why.

Every `/api/v1` request needs `Authorization: Bearer bugbrain_sk_…`
(create a key with `bugbrain keys create --name ci`)."""


def create_app(settings: Settings, *, start_workers: bool = True) -> FastAPI:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    store = open_store(settings)
    secret = load_or_create_secret(settings.data_dir, settings.secret_key)
    ctx = AppContext(
        settings=settings,
        engine=engine,
        store=store,
        secret=secret,
        vault=load_vault(settings.data_dir, settings.secrets_key),
        pool=None,
        keys=KeyCache(engine, settings.api_key_cache_seconds),
        pg_reads=(
            None
            if settings.is_sqlite
            else PgReads(settings.resolved_database_url, READ_CONNECTIONS)
        ),
        renderer=SnapshotRenderer(settings.chromium_path, settings.headless),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # SQLite: this process is the only worker host, and the executions table
        # its queue. PostgreSQL: procrastinate's queue, taken by `bugbrain worker`
        # processes anywhere and by this process's own workers, if any.
        reaper = Reaper(engine, settings)
        embedded: EmbeddedWorker | None = None
        if settings.is_sqlite:
            recover_after_restart(engine, settings)
            if start_workers:
                ctx.pool = WorkerPool(engine, settings, store)
                ctx.pool.start()
        elif start_workers and settings.workers > 0:
            embedded = EmbeddedWorker(engine, settings, store)
            embedded.start()
        reaper.start()
        scheduler = Scheduler(
            engine, settings, ctx.vault, ctx.pool.wake if ctx.pool is not None else None
        )
        scheduler.start()
        sender = WebhookSender(engine, settings, ctx.vault)
        sender.start()
        try:
            yield
        finally:
            sender.stop()
            scheduler.stop()
            reaper.stop()
            if ctx.pool is not None:
                ctx.pool.stop()
            if embedded is not None:
                embedded.stop()
            reads.close(ctx)
            ctx.renderer.close()
            if ctx.pg_reads is not None:
                await ctx.pg_reads.close()
            engine.dispose()

    app = FastAPI(
        title="bugbrain",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    errors.install(app)
    # Every router: the document marks their operations that take a key.
    routers = [
        executions.router,
        events.router,
        resources.router,
        schedules.router,
        webhooks.router,
        artifacts.router,
    ]
    openapi.install(app, settings, routers)
    for router in routers:
        app.include_router(router)

    metrics.install(app, engine)
    probes.install(
        app, ctx, runs_executions=start_workers and (settings.is_sqlite or settings.workers > 0)
    )

    @app.get("/health", tags=["meta"])
    async def health() -> Health:
        return Health(status="ok", version=__version__)

    return app
