"""The routes CI pipelines poll (an execution's status, summary, results and
heals), called without FastAPI's request handler.

FastAPI solves each request's parameters through its dependency machinery
(``solve_dependencies``: ~7 % of a status request's CPU on the 2-core machine
of docs/benchmarks.md, "API throughput"), even for a route whose only input is
a path parameter. A route marked ``@polled`` must take its path parameters
(strings, which Starlette's path already gives) and the request, and return a
``Response``: its endpoint is then awaited directly. The marking is checked
when the route is built, so a polled route that grows a query parameter or a
dependency fails at import, not in production.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

E = TypeVar("E", bound=Callable[..., Awaitable[Response]])
_POLLED = "__bugbrain_polled__"


def polled(endpoint: E) -> E:
    """Mark ``endpoint`` (below its ``@router.get``) to be awaited directly."""
    setattr(endpoint, _POLLED, True)
    return endpoint


def direct_handler(
    route: APIRoute,
) -> Callable[[Request], Coroutine[Any, Any, Response]] | None:
    """The handler of a ``@polled`` route's endpoint, or None for another route."""
    if not getattr(route.endpoint, _POLLED, False):
        return None
    dependant = route.dependant
    other_inputs = (
        dependant.dependencies,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
    )
    request_name = dependant.request_param_name
    strings = all(param.field_info.annotation is str for param in dependant.path_params)
    if any(other_inputs) or request_name is None or not strings:
        raise TypeError(
            f"{route.path}: a polled route takes string path parameters and the request"
        )
    if not inspect.iscoroutinefunction(route.endpoint):
        raise TypeError(f"{route.path}: a polled route is async")
    endpoint: Callable[..., Awaitable[Any]] = route.endpoint
    names = [param.name for param in dependant.path_params]

    async def call(request: Request) -> Response:
        arguments = {name: request.path_params[name] for name in names}
        response = await endpoint(**arguments, **{request_name: request})
        if not isinstance(response, Response):
            raise TypeError(f"{route.path}: a polled route returns a Response")
        return response

    return call
