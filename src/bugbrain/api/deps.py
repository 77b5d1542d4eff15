"""Request dependencies: the app context and the authenticated workspace.

Both are ``async``: FastAPI runs a plain ``def`` dependency in the thread pool,
a round trip that costs more than either does with the key in the cache. And
each is one dependency with no others under it: FastAPI's solving costs per
dependency, which showed on the polled routes (docs/benchmarks.md, "API
throughput"). So the bearer scheme that documents ``Auth`` is not a dependency
(FastAPI's ``HTTPBearer`` would be one more): ``api.openapi`` declares it on
every operation that depends on ``authenticate``.

The routes polled most (an execution's status, results, summary and heals)
take no dependency at all: they call ``authenticate`` first thing, which is the
same as long as a route has no parameter that could fail validation before it
(a path's string). Their ``openapi_extra=KEYED`` says so in the document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from bugbrain.api.context import AppContext
from bugbrain.errors import AuthError
from bugbrain.services.keys import Principal


async def get_ctx(request: Request) -> AppContext:
    return app_ctx(request)


def app_ctx(request: Request) -> AppContext:
    """The app context, for a route that takes ``Request`` anyway."""
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


# The security scheme the OpenAPI document declares ("Authorize" in /docs);
# parsing is ours, so that every failure gets a precise message in the common
# error shape.
BEARER_SCHEME = HTTPBearer(auto_error=False, description="bugbrain_sk_prod_… or bugbrain_sk_dev_…")


async def authenticate(request: Request) -> Principal:
    return await app_ctx(request).keys.principal_async(bearer_token(request))


def authenticate_blocking(request: Request, ctx: AppContext) -> Principal:
    """``authenticate`` for code already running in a thread."""
    return ctx.keys.principal(bearer_token(request))


Auth = Annotated[Principal, Depends(authenticate)]

# ``openapi_extra`` of a route that calls ``authenticate`` itself.
KEYED: dict[str, Any] = {"security": [{BEARER_SCHEME.scheme_name: []}]}


def needs_key(route: APIRoute) -> bool:
    """Whether the route takes an API key: it depends on ``authenticate`` or
    says it calls it (``KEYED``)."""
    if route.openapi_extra is not None and "security" in route.openapi_extra:
        return True
    return any(dep.call is authenticate for dep in route.dependant.dependencies)
