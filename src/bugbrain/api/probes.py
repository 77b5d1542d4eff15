"""``/healthz`` (the process answers) and ``/readyz`` (it can do its job: the
database answers, its schema is current, and, where this process runs
executions, a browser launches), for load balancers and orchestrators.
``GET /health`` stays as it was.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import sqlalchemy as sa
from fastapi import FastAPI

from bugbrain import __version__
from bugbrain.api import openapi
from bugbrain.api.context import AppContext
from bugbrain.api.errors import error_response
from bugbrain.db.migrate import pending
from bugbrain.errors import FieldError
from bugbrain.runner.browser import launch_check
from bugbrain.schemas.meta import Check, Health, Readiness
from bugbrain.settings import Settings
from bugbrain.vocabulary import CheckStatus

# A probe that hangs is a failed probe; orchestrators time out at 1 to 10 s.
DATABASE_TIMEOUT_S = 5.0
# Launching a browser costs about a second of CPU: one launch answers for this long.
BROWSER_CHECK_TTL_S = 60.0
BROWSER_TIMEOUT_S = 30.0


_OK = Check(status=CheckStatus.OK)


def _failed(why: str) -> Check:
    return Check(status=CheckStatus.FAILED, detail=why)


def _skipped(why: str) -> Check:
    return Check(status=CheckStatus.SKIPPED, detail=why)


def _outcome(why_not: str | None) -> Check:
    return _OK if why_not is None else _failed(why_not)


class BrowserCheck:
    """The last launch check, reused for ``BROWSER_CHECK_TTL_S``; one at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = asyncio.Lock()
        self._at = -BROWSER_CHECK_TTL_S
        self._last = _failed("not checked yet")

    async def check(self) -> Check:
        async with self._lock:
            if time.monotonic() - self._at < BROWSER_CHECK_TTL_S:
                return self._last
            try:
                async with asyncio.timeout(BROWSER_TIMEOUT_S):
                    why = await launch_check(
                        self.settings.chromium_path or None, self.settings.headless
                    )
            except TimeoutError:
                why = f"the browser did not launch within {BROWSER_TIMEOUT_S:.0f} s"
            self._last = _outcome(why)
            self._at = time.monotonic()
            return self._last


def _database(ctx: AppContext) -> Check:
    with ctx.engine.connect() as conn:
        conn.execute(sa.select(1))
    return _OK


async def _in_thread(ctx: AppContext, what: str) -> Check:
    def run() -> Check:
        if what == "database":
            return _database(ctx)
        why = pending(ctx.engine)
        return _outcome(why)

    try:
        with anyio.fail_after(DATABASE_TIMEOUT_S):
            return await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
    except TimeoutError:
        return _failed(f"no answer within {DATABASE_TIMEOUT_S:.0f} s")
    except Exception as exc:  # noqa: BLE001 - whatever fails, the answer is "not ready" and why
        return _failed(f"{exc.__class__.__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def install(app: FastAPI, ctx: AppContext, *, runs_executions: bool) -> None:
    browser = BrowserCheck(ctx.settings) if runs_executions else None

    @app.get("/healthz", tags=["meta"])
    async def healthz() -> Health:
        """The process is up and answering (no dependency is checked)."""
        return Health(status="ok", version=__version__)

    @app.get(
        "/readyz",
        tags=["meta"],
        response_model=Readiness,
        response_model_exclude_none=True,
        responses=openapi.errors((503, "Not ready: `details` names each failed check and why")),
    )
    async def readyz() -> Any:
        """Ready to serve: the database answers, its schema is current and, where
        this process runs executions, a browser launches (checked at most once a
        minute). Otherwise 503, in the one error shape: code ``not_ready``, a
        detail per failed check."""
        checks = {"database": await _in_thread(ctx, "database")}
        if checks["database"].status == CheckStatus.OK:
            checks["migrations"] = await _in_thread(ctx, "migrations")
        else:
            checks["migrations"] = _skipped("the database did not answer")
        checks["browser"] = (
            await browser.check()
            if browser is not None
            else _skipped("this process runs no executions")
        )
        failed = [
            FieldError(name, check.detail or check.status)
            for name, check in checks.items()
            if check.status == CheckStatus.FAILED
        ]
        if not failed:
            return Readiness(status="ready", checks=checks)
        why = "; ".join(f"{f.field}: {f.message}" for f in failed)
        return error_response(503, "not_ready", f"Not ready: {why}", failed)
