"""Small pages with known misbehaviour, served on loopback for the tests."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

# Pages in several markup styles (wrapping labels, ARIA widgets, icon buttons,
# tables, lists of similar cards), each with a visible outcome to check.
PAGES_DIR = Path(__file__).parent / "lab_pages"

BROKEN_PAGE = """<!doctype html><title>Broken</title>
<h1>Dashboard</h1><p id="status">Loading…</p>
<script>
  console.error("Failed to render widget: undefined is not a function");
  fetch("/api/stats").then(r => r.json()).catch(() => {});
  setTimeout(() => { throw new Error("Uncaught TypeError: stats is undefined"); }, 0);
</script>"""


def create_lab_app() -> Starlette:
    hits: defaultdict[str, itertools.count[int]] = defaultdict(itertools.count)
    lock = threading.Lock()

    async def broken(_: Request) -> Response:
        return HTMLResponse(BROKEN_PAGE)

    async def stats(_: Request) -> Response:
        return JSONResponse({"error": "database unavailable"}, status_code=500)

    async def flaky(request: Request) -> Response:
        """Fails the first visit of each key, works from the second on."""
        key = request.query_params.get("key", "")
        with lock:
            visit = next(hits[key])
        text = "Ready" if visit >= 1 else "Not yet"
        return HTMLResponse(f"<!doctype html><title>Flaky</title><p id='state'>{text}</p>")

    return Starlette(
        routes=[
            Route("/broken", broken),
            Route("/api/stats", stats),
            Route("/flaky", flaky),
            Route("/health", lambda _: JSONResponse({"status": "ok"})),
            Mount("/pages", StaticFiles(directory=PAGES_DIR)),
        ]
    )
