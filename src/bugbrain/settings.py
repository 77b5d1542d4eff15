"""Runtime settings: defaults, overridden by ``BUGBRAIN_*`` environment variables,
overridden by explicit arguments (CLI flags). Nothing is read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bugbrain.errors import ConfigError

ENV_PREFIX = "BUGBRAIN_"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./bugbrain-data")
    # Empty means "a SQLite file in data_dir".
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # Externally visible base URL used in absolute links (screenshots, polling);
    # empty means "derive it from the request".
    public_url: str = ""
    workers: int = 2
    # Secret for signing artifact URLs; empty means "generate once, keep in data_dir".
    secret_key: str = ""
    artifact_url_ttl_seconds: int = 3600
    # How long the API trusts an API key it has looked up before it reads the
    # key's row again: a revoked key is refused by every request that starts this
    # long after the revocation. 0 reads the row on every request.
    api_key_cache_seconds: float = 5.0
    chromium_path: str = ""
    headless: bool = True
    # A claimed execution whose heartbeat is older than this is declared lost.
    lease_seconds: int = 30
    heartbeat_seconds: float = 2.0
    poll_seconds: float = 0.5
    default_timeout_seconds: int = 300
    max_timeout_seconds: int = 21600
    # A passing step's element fingerprint (for healing) is read again once the
    # stored one is older than this; 0 reads it on every run. Reading it costs
    # about as much as the step's own action.
    fingerprint_refresh_seconds: int = 86400
    # Each worker keeps a runner started (Chromium launched) before it is needed.
    warm_runners: bool = True
    log_level: str = "info"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "bugbrain.db"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def _coerce(name: str, raw: str, target: Any) -> Any:
    try:
        if target is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:  # not vocabulary: words for false
                return False
            raise ValueError(raw)
        if target is int:
            return int(raw)
        if target is float:
            return float(raw)
        if target is Path:
            return Path(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}: invalid value {raw!r}") from None
    return raw


_TYPES: dict[str, Any] = {
    "data_dir": Path,
    "database_url": str,
    "host": str,
    "port": int,
    "public_url": str,
    "workers": int,
    "secret_key": str,
    "artifact_url_ttl_seconds": int,
    "api_key_cache_seconds": float,
    "chromium_path": str,
    "headless": bool,
    "lease_seconds": int,
    "heartbeat_seconds": float,
    "poll_seconds": float,
    "default_timeout_seconds": int,
    "max_timeout_seconds": int,
    "fingerprint_refresh_seconds": int,
    "warm_runners": bool,
    "log_level": str,
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment, then apply non-None ``overrides``."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, target in _TYPES.items():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw, target)
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if settings.workers < 1:
        raise ConfigError("workers must be at least 1")
    if not 0 < settings.port < 65536:
        raise ConfigError("port must be between 1 and 65535")
    if settings.lease_seconds < 5:
        raise ConfigError("lease_seconds must be at least 5")
    if not 0 <= settings.api_key_cache_seconds <= 60:
        raise ConfigError("api_key_cache_seconds must be between 0 and 60")
    if settings.fingerprint_refresh_seconds < 0:
        raise ConfigError("fingerprint_refresh_seconds must be 0 or more")
    if not 1 <= settings.default_timeout_seconds <= settings.max_timeout_seconds:
        # An execution created without timeout_seconds gets the default.
        raise ConfigError("default_timeout_seconds must be between 1 and max_timeout_seconds")
