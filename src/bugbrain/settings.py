"""Runtime settings: defaults, overridden by ``BUGBRAIN_*`` environment variables,
overridden by explicit arguments (CLI flags). Nothing is read at import time."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from bugbrain.errors import ConfigError

ENV_PREFIX = "BUGBRAIN_"
# The job queue an execution goes to unless its plan names another (PostgreSQL),
# and what a queue's name may be.
DEFAULT_QUEUE: Final = "executions"
QUEUE_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


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
    # Executions this process runs at once; 0 runs the API alone (PostgreSQL only:
    # `bugbrain worker` processes, on any host, run them).
    workers: int = 2
    # API processes of `bugbrain serve` (PostgreSQL: more than one shares the
    # port, the workers staying in the first).
    api_processes: int = 1
    # Secret for signing artifact URLs; empty means "generate once, keep in data_dir".
    secret_key: str = ""
    # Fernet key(s) sealing secret variables (comma-separated: the first seals,
    # any opens); empty means "generate once, keep in data_dir" (bugbrain.vault).
    secrets_key: str = field(default="", repr=False)
    artifact_url_ttl_seconds: int = 3600
    # Where screenshots, traces and page archives are kept: empty means
    # "<data_dir>/artifacts"; ``s3://bucket/prefix`` an S3-compatible bucket.
    artifacts_url: str = ""
    # For s3:// only; each one empty means "boto3's own default" (the AWS
    # endpoint, and AWS_* variables, ~/.aws, instance roles for the rest).
    artifacts_s3_endpoint_url: str = ""
    artifacts_s3_region: str = ""
    artifacts_s3_access_key_id: str = ""
    artifacts_s3_secret_access_key: str = field(default="", repr=False)
    # How long the API trusts an API key it has looked up before it reads the
    # key's row again: a revoked key is refused by every request that starts this
    # long after the revocation. 0 reads the row on every request.
    api_key_cache_seconds: float = 5.0
    chromium_path: str = ""
    headless: bool = True
    # A claimed execution whose heartbeat is older than this (three heartbeats)
    # is declared lost by the reaper that every process runs.
    lease_seconds: int = 9
    heartbeat_seconds: float = 3.0
    # Executions of one project running at once, on all workers together (0: no
    # limit), so one project cannot take every worker; the rest wait, oldest first.
    project_concurrency: int = 5
    # A worker told to stop (SIGTERM) lets its executions run this long, then
    # ends them (re-queued when their plan says so, else failed).
    shutdown_grace_seconds: float = 30.0
    # The job queues this process's workers take executions from (PostgreSQL;
    # comma-separated): a plan's `queue` sends its executions to one of them.
    queues: str = DEFAULT_QUEUE
    poll_seconds: float = 0.5
    default_timeout_seconds: int = 300
    max_timeout_seconds: int = 21600
    # A passing step's element fingerprint (for healing) is read again once the
    # stored one is older than this; 0 reads it on every run. Reading it costs
    # about as much as the step's own action.
    fingerprint_refresh_seconds: int = 86400
    # Each worker keeps a runner started (Chromium launched) before it is needed.
    warm_runners: bool = True
    # Seconds to wait before each retry of a webhook delivery that failed
    # (comma-separated): one attempt, then one more after each delay; when the
    # last fails the delivery is given up ("failed"). "none": a single attempt.
    webhook_retry_seconds: str = "5,30,120,600,3600,18000"
    # How long a webhook receiver has to answer one attempt.
    webhook_timeout_seconds: float = 10.0
    log_level: str = "info"

    @property
    def queue_names(self) -> list[str]:
        return [name.strip() for name in self.queues.split(",") if name.strip()]

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return parse_retry_seconds(self.webhook_retry_seconds)

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

    @property
    def artifacts_s3(self) -> S3Location | None:
        """The bucket and prefix of ``artifacts_url``; None for the local directory."""
        return parse_artifacts_url(self.artifacts_url)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    # "" or segments joined by "/", with no leading or trailing slash.
    prefix: str


_ARTIFACTS_URL = f"{ENV_PREFIX}ARTIFACTS_URL"
# What botocore itself accepts as a bucket name (S3 proper is stricter).
_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9._=+-]+")


def parse_artifacts_url(url: str) -> S3Location | None:
    """``""`` is the local directory (None); ``s3://bucket[/prefix]`` a bucket.
    Anything else is a ConfigError naming the setting."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "s3":
        what = f"unsupported scheme {parts.scheme + '://'!r}" if parts.scheme else "not a URL"
        raise ConfigError(
            f"{_ARTIFACTS_URL}: {what}; use s3://bucket/prefix, "
            "or leave it empty for <data dir>/artifacts"
        )
    if not _BUCKET.fullmatch(parts.netloc):
        # Not echoed: credentials written into the URL would end up in a log.
        raise ConfigError(
            f"{_ARTIFACTS_URL}: name a bucket, as in s3://bucket/prefix (letters, digits, "
            f"'.', '-', '_'; credentials go in {ENV_PREFIX}ARTIFACTS_S3_ACCESS_KEY_ID and "
            f"{ENV_PREFIX}ARTIFACTS_S3_SECRET_ACCESS_KEY)"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"{_ARTIFACTS_URL}: no query or fragment, only s3://bucket/prefix")
    prefix = parts.path.strip("/")
    segments = prefix.split("/") if prefix else []
    if any(not _PREFIX_SEGMENT.fullmatch(s) or s in {".", ".."} for s in segments):
        raise ConfigError(
            f"{_ARTIFACTS_URL}: the prefix {prefix!r} must be names of letters, digits, "
            "'.', '_', '-', '=', '+' separated by single '/' (no '.' or '..')"
        )
    return S3Location(parts.netloc, prefix)


def parse_retry_seconds(text: str) -> tuple[float, ...]:
    """``"5,30,120"`` → (5.0, 30.0, 120.0), ``"none"`` → () (no retry);
    ConfigError naming the setting otherwise."""
    if text.strip().lower() == "none":
        return ()
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        delays = (-1.0,)
    if any(not 0 <= delay <= 7 * 86400 for delay in delays) or len(delays) > 20:
        raise ConfigError(
            f"{ENV_PREFIX}WEBHOOK_RETRY_SECONDS: invalid value {text!r}; at most 20 "
            "comma-separated delays in seconds, each between 0 and 604800 "
            "(or none: no retries)"
        )
    return delays


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
    "api_processes": int,
    "secret_key": str,
    "secrets_key": str,
    "artifact_url_ttl_seconds": int,
    "artifacts_url": str,
    "artifacts_s3_endpoint_url": str,
    "artifacts_s3_region": str,
    "artifacts_s3_access_key_id": str,
    "artifacts_s3_secret_access_key": str,
    "api_key_cache_seconds": float,
    "chromium_path": str,
    "headless": bool,
    "lease_seconds": int,
    "heartbeat_seconds": float,
    "project_concurrency": int,
    "shutdown_grace_seconds": float,
    "queues": str,
    "poll_seconds": float,
    "default_timeout_seconds": int,
    "max_timeout_seconds": int,
    "fingerprint_refresh_seconds": int,
    "warm_runners": bool,
    "webhook_retry_seconds": str,
    "webhook_timeout_seconds": float,
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
    if settings.workers < 0:
        raise ConfigError("workers must be 0 or more")
    if settings.workers == 0 and settings.is_sqlite:
        raise ConfigError(
            "workers must be at least 1 with SQLite: the server runs the executions itself "
            "(separate `bugbrain worker` processes need PostgreSQL, BUGBRAIN_DATABASE_URL)"
        )
    if not 1 <= settings.api_processes <= 64:
        raise ConfigError("api_processes must be between 1 and 64")
    if settings.api_processes > 1 and settings.is_sqlite:
        raise ConfigError(
            "api_processes above 1 needs PostgreSQL (BUGBRAIN_DATABASE_URL): on SQLite the "
            "server's queue and the executions it runs live in one process"
        )
    if not 0 < settings.port < 65536:
        raise ConfigError("port must be between 1 and 65535")
    _validate_workers(settings)
    if not 0 <= settings.api_key_cache_seconds <= 60:
        raise ConfigError("api_key_cache_seconds must be between 0 and 60")
    if settings.fingerprint_refresh_seconds < 0:
        raise ConfigError("fingerprint_refresh_seconds must be 0 or more")
    if not 1 <= settings.default_timeout_seconds <= settings.max_timeout_seconds:
        # An execution created without timeout_seconds gets the default.
        raise ConfigError("default_timeout_seconds must be between 1 and max_timeout_seconds")
    parse_retry_seconds(settings.webhook_retry_seconds)
    if not 0 < settings.webhook_timeout_seconds <= 60:
        raise ConfigError("webhook_timeout_seconds must be more than 0 and at most 60")
    _validate_artifacts(settings)
    _validate_secrets_key(settings.secrets_key)


def _validate_secrets_key(text: str) -> None:
    """Each comma-separated part a Fernet key: 32 bytes, url-safe base64."""
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            raw = base64.urlsafe_b64decode(part.encode("ascii"))
        except (ValueError, UnicodeError):
            raw = b""
        if len(raw) != 32:
            raise ConfigError(
                f"{ENV_PREFIX}SECRETS_KEY: not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            )


def _validate_workers(settings: Settings) -> None:
    """Leases, fairness, shutdown and queues: how workers run executions."""
    if not 0 < settings.heartbeat_seconds <= 5:
        raise ConfigError("heartbeat_seconds must be more than 0 and at most 5")
    if settings.lease_seconds < 5 or settings.lease_seconds < 2 * settings.heartbeat_seconds:
        raise ConfigError("lease_seconds must be at least 5 and at least two heartbeat_seconds")
    if settings.project_concurrency < 0:
        raise ConfigError("project_concurrency must be 0 (no limit) or more")
    if settings.shutdown_grace_seconds < 0:
        raise ConfigError("shutdown_grace_seconds must be 0 or more")
    bad = [q for q in settings.queue_names if not QUEUE_NAME.fullmatch(q)]
    if bad or not settings.queue_names:
        raise ConfigError(
            f"queues: {', '.join(map(repr, bad)) or 'none given'}: a queue name is lower-case "
            "letters, digits, '_', '.', '-', at most 40, starting with a letter or digit"
        )


def _validate_artifacts(settings: Settings) -> None:
    s3_settings = {
        "artifacts_s3_endpoint_url": settings.artifacts_s3_endpoint_url,
        "artifacts_s3_region": settings.artifacts_s3_region,
        "artifacts_s3_access_key_id": settings.artifacts_s3_access_key_id,
        "artifacts_s3_secret_access_key": settings.artifacts_s3_secret_access_key,
    }
    if settings.artifacts_s3 is None:
        given = [f"{ENV_PREFIX}{name.upper()}" for name, value in s3_settings.items() if value]
        if given:
            raise ConfigError(
                f"{', '.join(given)} set, but {_ARTIFACTS_URL} is not an s3:// URL: "
                "artifacts would stay in the local directory"
            )
        return
    endpoint = urlsplit(settings.artifacts_s3_endpoint_url)
    if settings.artifacts_s3_endpoint_url and (
        endpoint.scheme not in {"http", "https"} or not endpoint.hostname
    ):
        raise ConfigError(
            f"{ENV_PREFIX}ARTIFACTS_S3_ENDPOINT_URL: invalid value "
            f"{settings.artifacts_s3_endpoint_url!r}; an http:// or https:// URL, "
            "e.g. http://127.0.0.1:9000"
        )
    if bool(settings.artifacts_s3_access_key_id) != bool(settings.artifacts_s3_secret_access_key):
        raise ConfigError(
            f"{ENV_PREFIX}ARTIFACTS_S3_ACCESS_KEY_ID and "
            f"{ENV_PREFIX}ARTIFACTS_S3_SECRET_ACCESS_KEY go together: set both, or neither "
            "to use boto3's own credentials (AWS_* variables, ~/.aws, an instance role)"
        )
