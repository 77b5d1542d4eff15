"""Everything a request handler needs, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bugbrain.artifacts.base import ArtifactStore
from bugbrain.settings import Settings
from bugbrain.worker.pool import WorkerPool


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    store: ArtifactStore
    secret: bytes
    pool: WorkerPool | None
