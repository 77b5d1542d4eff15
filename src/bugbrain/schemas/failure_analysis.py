"""The failure-analysis body (``bugbrain.services.failure_analysis``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, Strict

from bugbrain.schemas.common import NOT_NULL, ResponseModel, omitted
from bugbrain.schemas.executions import ExecutionStatusValue
from bugbrain.vocabulary import FailureCategory

# What the analysis says went wrong (the vocabulary's enum; the views hold strings).
Category = Annotated[FailureCategory, Strict(False)]


class AnalysisEvidence(ResponseModel):
    """The keys below, and those the verdict adds when they apply: ``candidates``,
    ``expected``/``actual``, ``failed_request``, ``script_error``, ``overlay``,
    ``document_status``, ``page_message``, ``timeout_ms``/``suggested_timeout_ms``,
    ``timeout_seconds``/``suggested_timeout_seconds``, …"""

    model_config = ConfigDict(extra="allow")

    expected_selector: str | None
    suggested_alternative: str | None = Field(
        description="A unique selector for the most similar element."
    )
    screenshot: str | None = Field(description="A signed URL.")
    error: str | None
    url: str | None
    signals: list[str] = Field(description="The signals that decided the category.")
    close_match: Annotated[bool | None, NOT_NULL] = omitted(
        "For a missing element: whether an element close enough to replace it was found."
    )
    close_match_reason: Annotated[str | None, NOT_NULL] = omitted(
        "Why the nearest element is (not) close enough."
    )
    nearest_candidates: Annotated[list[dict[str, Any]] | None, NOT_NULL] = omitted(
        "The most similar elements, for information only (not a suggested fix)."
    )


class UrlChange(ResponseModel):
    last_pass: str | None
    now: str | None
    changed: bool


class AttributeDifference(ResponseModel):
    attribute: str
    last_pass: Any
    now: Any


class ChangesSinceLastPass(ResponseModel):
    """What differs between the step's last passing run and this one."""

    model_config = ConfigDict(extra="allow")

    last_passed_execution_id: str | None
    url: UrlChange
    element_last_pass: Annotated[dict[str, Any] | None, NOT_NULL] = omitted(
        "Tag, id, classes, test ids, role, accessible name, text of the element it touched."
    )
    closest_element_now: Annotated[dict[str, Any] | None, NOT_NULL] = omitted(
        "The best replacement's selector, description, score and the same attributes."
    )
    differences: Annotated[list[AttributeDifference] | None, NOT_NULL] = omitted()
    text_near_element: Annotated[dict[str, list[str]] | None, NOT_NULL] = omitted(
        "`last_pass` and `now`: the labels around the element then, and now."
    )


class FailureAnalysisEntry(ResponseModel):
    test_id: str
    test_name: str
    step_id: str | None
    failure_category: Category
    confidence: float = Field(ge=0, le=1)
    description: str
    evidence: AnalysisEvidence
    fix_suggestions: list[str]
    changes_since_last_pass: Annotated[ChangesSinceLastPass | None, NOT_NULL] = omitted(
        "For a step with a passing history."
    )


class FailureAnalysis(ResponseModel):
    id: str
    status: ExecutionStatusValue
    analysis: list[FailureAnalysisEntry] = Field(
        description="One entry per failed test, and per test the execution's deadline cut off."
    )
