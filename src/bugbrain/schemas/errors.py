"""The one error shape every failure has (see ``bugbrain.api.errors``)."""

from __future__ import annotations

from pydantic import Field

from bugbrain.schemas.common import ResponseModel


class ErrorDetail(ResponseModel):
    field: str = Field(description="The field at fault: `name`, `steps[2].action`, `body`, …")
    message: str


class ErrorBody(ResponseModel):
    code: str = Field(
        description="`invalid_json`, `invalid_body`, `unauthorized`, `forbidden`, `not_found`, "
        "`method_not_allowed`, `conflict`, `validation_error`, …",
        examples=["validation_error"],
    )
    message: str
    details: list[ErrorDetail] = Field(
        default_factory=list, description="Present when particular fields are at fault."
    )


class ErrorResponse(ResponseModel):
    error: ErrorBody
