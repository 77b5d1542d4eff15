"""Everything a request handler needs, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from bugbrain.api.auth import KeyCache
from bugbrain.artifacts.base import ArtifactStore
from bugbrain.db.pg_reads import PgReads
from bugbrain.runner.snapshot_render import SnapshotRenderer
from bugbrain.settings import Settings
from bugbrain.vault import Vault
from bugbrain.worker.pool import WorkerPool


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    store: ArtifactStore
    secret: bytes
    # Seals secret variables (bugbrain.vault).
    vault: Vault
    pool: WorkerPool | None
    keys: KeyCache
    # PostgreSQL only: the API's polled reads, on asyncpg (api/reads.py).
    pg_reads: PgReads | None
    # Renders passing steps' screenshots from DOM snapshots (api/step_screenshots.py).
    renderer: SnapshotRenderer
    # SQLite only: the connection the reads on the event loop use (api/reads.py).
    loop_connection: Connection | None = None
