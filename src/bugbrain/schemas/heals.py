"""Heals: a missing element replaced by another (plan setting ``healing: auto``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bugbrain.schemas.common import ResponseModel, Timestamp
from bugbrain.schemas.test_cases import TestCase


class Heal(ResponseModel):
    id: str = Field(examples=["heal_abc123"])
    execution_id: str
    test_case_id: str
    step_id: str
    original_selector: str
    healed_selector: str
    score: float | None = Field(description="The replacement's score; null when a heal was reused.")
    reused: bool = Field(description="An earlier run's heal, applied again.")
    status: Literal["applied", "accepted"]
    created_at: Timestamp
    accepted_at: Timestamp | None


class HealList(ResponseModel):
    data: list[Heal]


class ExecutionHeals(ResponseModel):
    id: str = Field(description="The execution's id.")
    heals: list[Heal]


class HealAccepted(ResponseModel):
    heal: Heal
    test_case: TestCase = Field(description="The test case with the step's selector rewritten.")
