"""Which database a test's server uses: its own SQLite file by default, or,
when ``BUGBRAIN_TEST_DATABASE_URL`` names a PostgreSQL server
(``postgresql://postgres@127.0.0.1/postgres``), a database of its own there,
made on first use and dropped when the test run ends."""

from __future__ import annotations

import atexit
import hashlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

TEST_DATABASE_ENV = "BUGBRAIN_TEST_DATABASE_URL"
_created: dict[str, str] = {}  # database name -> the admin URL it was made through
_forced: dict[str, str] = {}  # data dir -> admin URL: servers on PostgreSQL in a SQLite run


def use_postgres(data_dir: Path, admin_url: str) -> None:
    """Put the server on ``data_dir`` on PostgreSQL whatever the run's database."""
    _forced[str(data_dir.resolve())] = admin_url


# Where PostgreSQL-only tests (workers on the job queue) find a server when the
# whole run is not on PostgreSQL.
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"


def on_postgres() -> bool:
    return bool(os.environ.get(TEST_DATABASE_ENV))


def postgres_admin_url() -> str | None:
    """A PostgreSQL server for the tests that need one, or None (they skip, unless
    ``BUGBRAIN_REQUIRE_POSTGRES=1``: CI, which starts it, fails instead)."""
    url = os.environ.get(TEST_DATABASE_ENV) or DEFAULT_ADMIN_URL
    try:
        _admin(url, "SELECT 1")
    except Exception as exc:  # any reason: no server to test against
        if os.environ.get("BUGBRAIN_REQUIRE_POSTGRES") == "1":
            raise RuntimeError(f"PostgreSQL is required and unreachable at {url}: {exc}") from exc
        return None
    return url


def database_url(data_dir: Path) -> str | None:
    """The ``BUGBRAIN_DATABASE_URL`` for a server on ``data_dir`` (one database per
    data directory, so a restarted server finds its data), or None for SQLite."""
    admin = os.environ.get(TEST_DATABASE_ENV) or _forced.get(str(data_dir.resolve()))
    if not admin:
        return None
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    name = f"bbt_{os.getpid()}_{digest}"
    if name not in _created:
        _admin(admin, f'CREATE DATABASE "{name}"')
        _created[name] = admin
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_all() -> None:
    """Drop every database this process made (at the end of the test run, and at
    exit: a helper process, such as the API fuzzer's, makes its own)."""
    for name, admin in list(_created.items()):
        _admin(
            admin,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        _admin(admin, f'DROP DATABASE IF EXISTS "{name}"')
        del _created[name]


def _admin(admin_url: str, sql: str) -> None:
    import psycopg  # only on PostgreSQL runs: the extra is installed with the dev tools

    url = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql.encode())


atexit.register(drop_all)


def allow_connections(data_dir: Path, allowed: bool) -> None:
    """PostgreSQL: refuse (and end) or allow again connections to the database of
    the server on ``data_dir``, as a database that goes away and comes back."""
    url = database_url(data_dir)
    assert url is not None, "not on PostgreSQL"
    name = make_url(url).database
    admin = _created[str(name)]
    _admin(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
    if not allowed:
        _admin(
            admin,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
