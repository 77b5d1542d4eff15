"""Webhooks: endpoints that receive signed events, and their deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, Strict, StrictBool

from bugbrain.schemas.common import (
    NOT_NULL,
    Description,
    HttpUrl,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
    omitted,
)
from bugbrain.vocabulary import DeliveryStatus, WebhookEvent


def _no_duplicates(events: list[WebhookEvent]) -> list[WebhookEvent]:
    seen: set[WebhookEvent] = set()
    for event in events:
        if event in seen:
            raise ValueError(f"{event.value!r} is listed twice")
        seen.add(event)
    return events


Events = Annotated[
    list[WebhookEvent],
    Field(
        min_length=1,
        max_length=len(WebhookEvent),
        json_schema_extra={"uniqueItems": True},
        description="The events posted to `url`; at least one, no duplicates.",
        examples=[[WebhookEvent.EXECUTION_COMPLETED, WebhookEvent.EXECUTION_FAILED]],
    ),
    AfterValidator(_no_duplicates),
]
WebhookUrl = Annotated[
    HttpUrl,
    Field(
        description="An absolute `http://` or `https://` URL, posted from the server's "
        "network (see the SSRF note in docs/webhooks.md). Redirects are not followed.",
        examples=["https://hooks.example.com/bugbrain"],
    ),
]


class WebhookCreate(RequestModel):
    url: WebhookUrl
    events: Events
    description: Description = ""
    enabled: StrictBool = True


class WebhookUpdate(RequestModel):
    """Only the fields sent change; none may be ``null``."""

    url: Annotated[WebhookUrl | None, NOT_NULL] = omitted()
    events: Annotated[Events | None, NOT_NULL] = omitted()
    description: Annotated[Description | None, NOT_NULL] = omitted()
    enabled: Annotated[StrictBool | None, NOT_NULL] = omitted(
        "Disabled: no new deliveries are made for it, and those waiting wait."
    )


# ---- responses ----------------------------------------------------------------


class Webhook(ResponseModel):
    id: str = Field(examples=["wh_8Fq2…"])
    url: str
    events: list[Annotated[WebhookEvent, Strict(False)]]
    description: str
    enabled: bool
    created_at: Timestamp
    updated_at: Timestamp


class WebhookWithSecret(Webhook):
    """Answered once, on create and on rotate: the secret is not shown again."""

    secret: str = Field(
        description="`whsec_…`: the HMAC-SHA256 key of `X-BugBrain-Signature`. Keep it; "
        "it is never shown again (rotate it to get a new one).",
        examples=["whsec_3yZ…"],
    )


class WebhookList(ResponseModel):
    data: list[Webhook]
    pagination: Pagination


class DeliveryAttempt(ResponseModel):
    number: int = Field(description="1 for the first attempt.")
    started_at: Timestamp
    status_code: int | None = Field(description="The receiver's answer; `null` when none came.")
    latency_ms: int
    succeeded: bool = Field(description="A 2xx answer.")
    error: str | None = Field(
        description="Why it failed: the HTTP status, a timeout, a refused connection."
    )


class Delivery(ResponseModel):
    id: str = Field(description="`X-BugBrain-Delivery`: the same on every attempt.")
    webhook_id: str
    event: str
    event_id: str = Field(description="The payload's `id` (`evt_…`); a redelivery keeps it.")
    status: Annotated[DeliveryStatus, Strict(False)] = Field(
        description="`pending` (an attempt is due at `next_attempt_at`), `succeeded`, or "
        "`failed` (every attempt failed)."
    )
    attempts: list[DeliveryAttempt]
    next_attempt_at: Timestamp | None
    redelivery_of: str | None = Field(description="The delivery this one repeats.")
    payload: dict[str, Any] = Field(description="The body posted, as JSON.")
    created_at: Timestamp
    completed_at: Timestamp | None


class DeliveryList(ResponseModel):
    data: list[Delivery]
    pagination: Pagination
