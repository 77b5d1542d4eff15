"""Workspaces and API keys. A key is shown once; only its SHA-256 is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import api_keys, workspaces
from bugbrain.db.upsert import insert_once
from bugbrain.errors import AuthError, Conflict, InvalidInput, NotFound

MAX_ACTIVE_KEYS = 10
DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True)
class CreatedKey:
    id: str
    key: str
    name: str
    workspace_id: str
    workspace_name: str
    environment: str
    expires_at: datetime | None


def get_or_create_workspace(conn: Connection, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput.field("workspace", "must be 1-200 characters")
    named = sa.select(workspaces.c.id).where(workspaces.c.name == name)
    found = conn.execute(named).scalar()
    if found is not None:
        return str(found)
    # Two keys made at once for a new workspace: one row, whichever comes first.
    values = {"id": ids.new_id("ws"), "name": name, "created_at": utcnow()}
    insert_once(conn, workspaces, values, unique="name")
    return str(conn.execute(named).scalar_one())


def _active(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        api_keys.c.revoked_at.is_(None),
        sa.or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now),
    )


def create_key(
    conn: Connection,
    *,
    name: str,
    workspace: str = DEFAULT_WORKSPACE,
    environment: str = "prod",
    expires_at: datetime | None = None,
) -> CreatedKey:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput.field("name", "must be 1-200 characters")
    if environment not in ids.KEY_ENVIRONMENTS:
        raise InvalidInput.field("environment", "must be 'prod' or 'dev'")
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput.field("expires_at", "must be in the future")
    workspace_id = get_or_create_workspace(conn, workspace)
    active = conn.execute(
        sa.select(sa.func.count())
        .select_from(api_keys)
        .where(api_keys.c.workspace_id == workspace_id, _active(now))
    ).scalar_one()
    if active >= MAX_ACTIVE_KEYS:
        raise Conflict(
            f"workspace {workspace!r} already has {MAX_ACTIVE_KEYS} active keys; revoke one first"
        )
    key = ids.new_api_key(environment)
    key_id = ids.new_id("key")
    conn.execute(
        api_keys.insert().values(
            id=key_id,
            workspace_id=workspace_id,
            name=name,
            environment=environment,
            display_prefix=key[: len(ids.KEY_PREFIX) + len(environment) + 5],
            key_hash=ids.hash_key(key),
            created_at=now,
            expires_at=expires_at,
        )
    )
    return CreatedKey(key_id, key, name, workspace_id, workspace, environment, expires_at)


def list_keys(conn: Connection, workspace: str | None = None) -> list[dict[str, Any]]:
    query = (
        sa.select(api_keys, workspaces.c.name.label("workspace"))
        .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
        .order_by(api_keys.c.created_at)
    )
    if workspace is not None:
        query = query.where(workspaces.c.name == workspace)
    now = utcnow()
    out = []
    for row in conn.execute(query).mappings():
        expired = row["expires_at"] is not None and row["expires_at"] <= now
        state = "revoked" if row["revoked_at"] else "expired" if expired else "active"
        out.append(
            {
                "id": row["id"],
                "name": row["name"],
                "workspace": row["workspace"],
                "environment": row["environment"],
                "prefix": row["display_prefix"] + "…",
                "state": state,
                "created_at": isoformat(row["created_at"]),
                "expires_at": isoformat(row["expires_at"]),
                "last_used_at": isoformat(row["last_used_at"]),
            }
        )
    return out


def revoke_key(conn: Connection, key_id: str) -> None:
    result = conn.execute(
        api_keys.update()
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if result.rowcount == 0:
        exists = conn.execute(sa.select(api_keys.c.id).where(api_keys.c.id == key_id)).scalar()
        if exists is None:
            raise NotFound(f"API key {key_id} not found")
        raise Conflict(f"API key {key_id} is already revoked")


@dataclass(frozen=True)
class Principal:
    workspace_id: str
    key_id: str
    needs_touch: bool = False
    # When the key stops working (a cached principal is checked against it).
    expires_at: datetime | None = None


# Built once: a statement built per call costs more than running it.
_BY_HASH = sa.select(api_keys).where(api_keys.c.key_hash == sa.bindparam("key_hash"))


def authenticate(conn: Connection, key: str) -> Principal:
    """Resolve a bearer key. Every failure is the same AuthError to the caller,
    with a message that says which rule failed (no secret is echoed)."""
    if not ids.is_well_formed_key(key):
        raise AuthError("Malformed API key: expected bugbrain_sk_prod_… or bugbrain_sk_dev_…")
    row = conn.execute(_BY_HASH, {"key_hash": ids.hash_key(key)}).mappings().first()
    if row is None:
        raise AuthError("Unknown API key")
    now = utcnow()
    if row["revoked_at"] is not None:
        raise AuthError("API key has been revoked")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise AuthError("API key has expired")
    last = row["last_used_at"]
    # Recording use is throttled, so that authenticating is a pure read on almost
    # every request; the caller records it in a write transaction of its own.
    stale = last is None or (now - last).total_seconds() > 60
    return Principal(
        workspace_id=row["workspace_id"],
        key_id=row["id"],
        needs_touch=stale,
        expires_at=row["expires_at"],
    )


def touch_key(conn: Connection, key_id: str) -> None:
    conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(last_used_at=utcnow()))
