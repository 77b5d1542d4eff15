"""Webhook endpoints: CRUD, the secret (shown once, sealed at rest), and their
deliveries as the API shows them. Events are written by ``webhook_outbox``."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db.tables import webhook_attempts, webhook_deliveries, webhooks
from bugbrain.errors import InvalidInput, NotFound
from bugbrain.schemas.webhooks import WebhookCreate, WebhookUpdate
from bugbrain.services.common import Page, get_scoped, paged, pagination
from bugbrain.vault import Vault
from bugbrain.vocabulary import DeliveryStatus
from bugbrain.webhook_signing import SECRET_PREFIX

SECRET_LENGTH = 32


def new_secret() -> str:
    return SECRET_PREFIX + ids.base58_token(SECRET_LENGTH)


def to_json(row: RowMapping) -> dict[str, Any]:
    """Never the secret."""
    return {
        "id": row["id"],
        "url": row["url"],
        "events": list(row["events"]),
        "description": row["description"],
        "enabled": row["enabled"],
        "created_at": isoformat(row["created_at"]),
        "updated_at": isoformat(row["updated_at"]),
    }


def get(conn: Connection, workspace_id: str, webhook_id: str) -> RowMapping:
    return get_scoped(conn, webhooks, webhook_id, workspace_id, "Webhook")


def create(
    conn: Connection, workspace_id: str, body: WebhookCreate, vault: Vault
) -> dict[str, Any]:
    """The new endpoint, with its secret: the only time it is shown."""
    now = utcnow()
    secret = new_secret()
    webhook_id = ids.new_id("wh")
    conn.execute(
        webhooks.insert().values(
            id=webhook_id,
            workspace_id=workspace_id,
            url=body.url,
            events=[event.value for event in body.events],
            description=body.description,
            enabled=body.enabled,
            secret=vault.seal(secret),
            created_at=now,
            updated_at=now,
        )
    )
    return {**to_json(get(conn, workspace_id, webhook_id)), "secret": secret}


def update(
    conn: Connection, workspace_id: str, webhook_id: str, body: WebhookUpdate
) -> dict[str, Any]:
    get(conn, workspace_id, webhook_id)
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None:
            raise InvalidInput.field(name, "must not be null")
        changes[name] = [event.value for event in value] if name == "events" else value
    changes["updated_at"] = utcnow()
    conn.execute(webhooks.update().where(webhooks.c.id == webhook_id).values(**changes))
    return to_json(get(conn, workspace_id, webhook_id))


def rotate_secret(
    conn: Connection, workspace_id: str, webhook_id: str, vault: Vault
) -> dict[str, Any]:
    """A new secret, signing every attempt from now on (those pending included)."""
    get(conn, workspace_id, webhook_id)
    secret = new_secret()
    conn.execute(
        webhooks.update()
        .where(webhooks.c.id == webhook_id)
        .values(secret=vault.seal(secret), updated_at=utcnow())
    )
    return {**to_json(get(conn, workspace_id, webhook_id)), "secret": secret}


def delete(conn: Connection, workspace_id: str, webhook_id: str) -> None:
    """Its deliveries go with it, pending ones included."""
    get(conn, workspace_id, webhook_id)
    conn.execute(webhooks.delete().where(webhooks.c.id == webhook_id))


def list_(conn: Connection, workspace_id: str, page: Page) -> dict[str, Any]:
    query = sa.select(webhooks).where(webhooks.c.workspace_id == workspace_id)
    rows, total = paged(conn, query, page, [webhooks.c.created_at, webhooks.c.id])
    return {"data": [to_json(r) for r in rows], "pagination": pagination(page, total)}


# ---- deliveries -----------------------------------------------------------------


def _attempt_json(row: RowMapping) -> dict[str, Any]:
    return {
        "number": row["number"],
        "started_at": isoformat(row["started_at"]),
        "status_code": row["status_code"],
        "latency_ms": row["latency_ms"],
        "succeeded": row["succeeded"],
        "error": row["error"],
    }


def delivery_json(row: RowMapping, attempts: list[RowMapping]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "webhook_id": row["webhook_id"],
        "event": row["event"],
        "event_id": row["event_id"],
        "status": row["status"],
        "attempts": [_attempt_json(a) for a in attempts],
        "next_attempt_at": isoformat(row["next_attempt_at"]),
        "redelivery_of": row["redelivery_of"],
        "payload": json.loads(row["body"]),
        "created_at": isoformat(row["created_at"]),
        "completed_at": isoformat(row["completed_at"]),
    }


def _with_attempts(conn: Connection, rows: list[RowMapping]) -> list[dict[str, Any]]:
    by_delivery: dict[str, list[RowMapping]] = {row["id"]: [] for row in rows}
    if by_delivery:
        found = conn.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(list(by_delivery)))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.number)
        ).mappings()
        for attempt in found:
            by_delivery[attempt["delivery_id"]].append(attempt)
    return [delivery_json(row, by_delivery[row["id"]]) for row in rows]


def list_deliveries(
    conn: Connection, workspace_id: str, webhook_id: str, page: Page
) -> dict[str, Any]:
    """Newest first, each with its attempts."""
    get(conn, workspace_id, webhook_id)
    query = sa.select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
    rows, total = paged(
        conn,
        query,
        page,
        [webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc()],
    )
    return {"data": _with_attempts(conn, rows), "pagination": pagination(page, total)}


def _delivery(conn: Connection, webhook_id: str, delivery_id: str) -> RowMapping:
    row = (
        conn.execute(
            sa.select(webhook_deliveries).where(
                webhook_deliveries.c.id == delivery_id,
                webhook_deliveries.c.webhook_id == webhook_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"Delivery {delivery_id} not found")
    return row


def redeliver(
    conn: Connection, workspace_id: str, webhook_id: str, delivery_id: str
) -> dict[str, Any]:
    """A new delivery of the same event (same payload and ``evt_`` id, a new
    ``X-BugBrain-Delivery``), due now, with a fresh set of attempts."""
    get(conn, workspace_id, webhook_id)
    original = _delivery(conn, webhook_id, delivery_id)
    now = utcnow()
    new_id = ids.new_id("whd")
    conn.execute(
        webhook_deliveries.insert().values(
            id=new_id,
            webhook_id=webhook_id,
            event=original["event"],
            event_id=original["event_id"],
            body=original["body"],
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            redelivery_of=original["id"],
            created_at=now,
        )
    )
    return delivery_json(_delivery(conn, webhook_id, new_id), [])
