"""``@polled`` routes are awaited without FastAPI's request handler: only a route
whose inputs are string path parameters and the request may be marked, and that
is checked when the route is built."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest
from fastapi import APIRouter, Request, Response

from bugbrain.api.polled import direct_handler, polled
from bugbrain.api.strict_json import StrictJsonRoute


@polled
async def part(thing_id: str, part: str, request: Request) -> Response:
    return Response(f"{thing_id}/{part}/{request.url.path}", media_type="text/plain")


@polled
async def with_query(thing_id: str, request: Request, limit: int = 5) -> Response:
    return Response()


@polled
async def with_int(thing_id: int, request: Request) -> Response:
    return Response()


@polled
async def without_request(thing_id: str) -> Response:
    return Response()


def sync(thing_id: str, request: Request) -> Response:
    return Response()


def _route(endpoint: Callable[..., Any]) -> StrictJsonRoute:
    router = APIRouter(route_class=StrictJsonRoute)
    router.add_api_route("/things/{thing_id}/parts/{part}", endpoint)
    return cast(StrictJsonRoute, router.routes[0])


def test_a_polled_route_gets_its_path_parameters_and_the_request() -> None:
    route = _route(part)
    handler = direct_handler(route)
    assert handler is not None
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/things/a b/parts/7",
        "path_params": {"thing_id": "a b", "part": "7"},
        "headers": [],
        "query_string": b"",
    }
    answer = asyncio.run(handler(Request(scope)))
    assert answer.body == b"a b/7//things/a b/parts/7"


def test_another_route_keeps_fastapis_handler() -> None:
    async def plain(thing_id: str, part: str) -> dict[str, str]:
        return {}

    assert direct_handler(_route(plain)) is None


@pytest.mark.parametrize(
    "endpoint",
    [with_query, with_int, without_request, polled(cast(Any, sync))],
    ids=["a query parameter", "an int path parameter", "no request", "not async"],
)
def test_a_polled_route_with_other_inputs_is_refused_when_built(
    endpoint: Callable[..., Any],
) -> None:
    with pytest.raises(TypeError, match="a polled route"):
        _route(endpoint)
