"""The bugbrain Python SDK: ``Client`` (blocking) and ``AsyncClient`` (asyncio)
over httpx, typed with the API's own response models. See docs/sdk.md.

    from bugbrain.client import Client

    with Client("http://127.0.0.1:8000", "bugbrain_sk_prod_…") as bb:
        results = bb.run_and_wait("tp_…", "proj_…", timeout=600)
        print(results.status, results.summary.failed)

It imports no server code (FastAPI, SQLAlchemy, Playwright): only httpx,
pydantic and ``bugbrain.schemas`` (the models, shared with the API).
``verify_signature`` checks a webhook's ``X-BugBrain-Signature`` (standard library only).
"""

from __future__ import annotations

from bugbrain.client.aio import AsyncClient
from bugbrain.client.errors import (
    ApiError,
    AuthError,
    BugbrainClientError,
    ConflictError,
    ExecutionTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from bugbrain.client.retry import RetryPolicy
from bugbrain.client.sync import Client
from bugbrain.webhook_signing import InvalidSignature, verify_signature

__all__ = [
    "ApiError",
    "AsyncClient",
    "AuthError",
    "BugbrainClientError",
    "Client",
    "ConflictError",
    "ExecutionTimeoutError",
    "InvalidSignature",
    "NotFoundError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "verify_signature",
]
