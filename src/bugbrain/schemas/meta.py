"""Service-level answers: health."""

from __future__ import annotations

from typing import Literal

from bugbrain.schemas.common import ResponseModel


class Health(ResponseModel):
    status: Literal["ok"]
    version: str
