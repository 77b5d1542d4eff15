"""Webhooks: endpoints that receive signed events (``services/webhooks.py``), and
their deliveries (the outbox, sent by ``worker/webhook_sender.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from bugbrain.api.deps import Auth, Ctx
from bugbrain.api.openapi import errors
from bugbrain.api.routes.resources import Limit, Offset
from bugbrain.api.strict_json import StrictJsonRoute
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.schemas.webhooks import (
    Delivery,
    DeliveryList,
    Webhook,
    WebhookCreate,
    WebhookList,
    WebhookUpdate,
    WebhookWithSecret,
)
from bugbrain.services import webhooks
from bugbrain.services.common import Page

router = APIRouter(route_class=StrictJsonRoute, prefix="/api/v1", tags=["webhooks"])

_MISSING = (404, "No such webhook in your workspace.")


@router.get("/webhooks", responses=errors(401, 422))
def list_webhooks(ctx: Ctx, auth: Auth, limit: Limit = 50, offset: Offset = 0) -> WebhookList:
    """Oldest first; secrets are never shown."""
    with read_tx(ctx.engine) as conn:
        page = webhooks.list_(conn, auth.workspace_id, Page(limit, offset))
    return WebhookList.model_validate(page)


@router.post("/webhooks", status_code=201, responses=errors(400, 401, 422))
def create_webhook(body: WebhookCreate, ctx: Ctx, auth: Auth) -> WebhookWithSecret:
    """The answer holds the endpoint's signing `secret` (`whsec_…`): the only
    time it is shown."""
    with write_tx(ctx.engine) as conn:
        made = webhooks.create(conn, auth.workspace_id, body, ctx.vault)
    return WebhookWithSecret.model_validate(made)


@router.get("/webhooks/{webhook_id}", responses=errors(401, _MISSING))
def get_webhook(webhook_id: str, ctx: Ctx, auth: Auth) -> Webhook:
    with read_tx(ctx.engine) as conn:
        row = webhooks.get(conn, auth.workspace_id, webhook_id)
    return Webhook.model_validate(webhooks.to_json(row))


@router.patch("/webhooks/{webhook_id}", responses=errors(400, 401, _MISSING, 422))
def update_webhook(webhook_id: str, body: WebhookUpdate, ctx: Ctx, auth: Auth) -> Webhook:
    with write_tx(ctx.engine) as conn:
        updated = webhooks.update(conn, auth.workspace_id, webhook_id, body)
    return Webhook.model_validate(updated)


@router.delete("/webhooks/{webhook_id}", status_code=204, responses=errors(401, _MISSING))
def delete_webhook(webhook_id: str, ctx: Ctx, auth: Auth) -> Response:
    """Its deliveries, pending ones included, go with it."""
    with write_tx(ctx.engine) as conn:
        webhooks.delete(conn, auth.workspace_id, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/rotate-secret", responses=errors(401, _MISSING))
def rotate_webhook_secret(webhook_id: str, ctx: Ctx, auth: Auth) -> WebhookWithSecret:
    """A new `secret`, shown this once; every attempt from now on (those of
    deliveries already waiting too) is signed with it, the old one no longer."""
    with write_tx(ctx.engine) as conn:
        rotated = webhooks.rotate_secret(conn, auth.workspace_id, webhook_id, ctx.vault)
    return WebhookWithSecret.model_validate(rotated)


@router.get("/webhooks/{webhook_id}/deliveries", responses=errors(401, _MISSING, 422))
def list_deliveries(
    webhook_id: str, ctx: Ctx, auth: Auth, limit: Limit = 50, offset: Offset = 0
) -> DeliveryList:
    """Newest first, each with every attempt (status code, latency, error) and
    when the next one is due."""
    with read_tx(ctx.engine) as conn:
        page = webhooks.list_deliveries(conn, auth.workspace_id, webhook_id, Page(limit, offset))
    return DeliveryList.model_validate(page)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=201,
    responses=errors(401, (404, "No such webhook in your workspace, or no such delivery of it.")),
)
def redeliver(webhook_id: str, delivery_id: str, ctx: Ctx, auth: Auth) -> Delivery:
    """A new delivery of the same event (same payload and `evt_…` id, a new
    `X-BugBrain-Delivery`), sent at once with a fresh set of retries."""
    with write_tx(ctx.engine) as conn:
        made = webhooks.redeliver(conn, auth.workspace_id, webhook_id, delivery_id)
    return Delivery.model_validate(made)
