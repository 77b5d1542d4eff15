"""Request dependencies: the app context and the authenticated workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bugbrain.api.context import AppContext
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.errors import AuthError
from bugbrain.services import keys
from bugbrain.services.keys import Principal


def get_ctx(request: Request) -> AppContext:
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


def authenticate(
    request: Request,
    ctx: Ctx,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)] = None,
) -> Principal:
    token = bearer_token(request)
    with read_tx(ctx.engine) as conn:
        principal = keys.authenticate(conn, token)
    if principal.needs_touch:
        with write_tx(ctx.engine) as conn:
            keys.touch_key(conn, principal.key_id)
    return principal


Auth = Annotated[Principal, Depends(authenticate)]
