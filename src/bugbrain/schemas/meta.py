"""Service-level answers: health and readiness."""

from __future__ import annotations

from typing import Literal

from bugbrain.schemas.common import ResponseModel
from bugbrain.vocabulary import CheckStatus


class Health(ResponseModel):
    status: Literal["ok"]
    version: str


class Check(ResponseModel):
    """One thing ``/readyz`` looked at: ``ok``, or ``failed`` and why; ``skipped``
    when this process does not need it (a browser, for an API without workers)."""

    status: CheckStatus
    detail: str | None = None


class Readiness(ResponseModel):
    """What a ready process answers (not ready: 503 in the one error shape)."""

    status: Literal["ready"]
    checks: dict[str, Check]
