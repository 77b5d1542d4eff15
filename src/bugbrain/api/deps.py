"""Request dependencies: the app context and the authenticated workspace.

Both are ``async``: FastAPI runs a plain ``def`` dependency in the thread pool,
a round trip that costs more than either does with the key in the cache."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bugbrain.api.context import AppContext
from bugbrain.errors import AuthError
from bugbrain.services.keys import Principal


async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise AuthError("Missing Authorization header; send 'Authorization: Bearer <api key>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization header must be 'Bearer <api key>'")
    return token.strip()


# Declared for the OpenAPI document ("Authorize" in /docs); parsing is ours, so
# that every failure gets a precise message in the common error shape.
_bearer_scheme = HTTPBearer(auto_error=False, description="bugbrain_sk_prod_… or bugbrain_sk_dev_…")


async def authenticate(
    request: Request,
    ctx: Ctx,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)] = None,
) -> Principal:
    return await ctx.keys.principal_async(bearer_token(request))


def authenticate_blocking(request: Request, ctx: AppContext) -> Principal:
    """``authenticate`` for code already running in a thread."""
    return ctx.keys.principal(bearer_token(request))


Auth = Annotated[Principal, Depends(authenticate)]
