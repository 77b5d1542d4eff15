"""The domain error tree. Services raise these; each edge (API, CLI) maps them once.

BugbrainError
├── ConfigError          bad settings; the process cannot start
├── AuthError            missing/malformed/unknown/revoked/expired key (401)
├── NotFound             no such object *in this workspace* (404)
├── Conflict             the object's state forbids the operation (409)
├── InvalidInput         a request field is wrong (422), names the field
└── Unavailable          a service the server relies on did not answer (503)
"""

from __future__ import annotations

from dataclasses import dataclass


class BugbrainError(Exception):
    code = "error"  # not vocabulary: the API's generic error code

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BugbrainError):
    code = "config_error"


class AuthError(BugbrainError):
    code = "unauthorized"


class NotFound(BugbrainError):
    code = "not_found"


class Conflict(BugbrainError):
    code = "conflict"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class InvalidInput(BugbrainError):
    code = "validation_error"

    def __init__(self, message: str, details: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.details = details or []

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", [FieldError(field, message)])


class Unavailable(BugbrainError):
    """A service the server relies on (the artifact store's bucket) failed."""

    code = "unavailable"
