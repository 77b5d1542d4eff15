"""What the SDK raises, and the mapping from an error answer to it.

BugbrainClientError           everything the SDK raises (not bugbrain.errors.BugbrainError,
│                             the server's own domain errors)
├── TransportError            no answer: connection refused, reset, timed out (after retries)
├── UnexpectedResponseError   an answer the SDK cannot read (an HTML page from a proxy, …)
├── ExecutionTimeoutError     ``run_and_wait``'s deadline passed; carries the execution id
└── ApiError                  the API answered an error (status, code, message, details)
    ├── AuthError             401 (bad, revoked, expired key) and 403 (bad signed URL)
    ├── NotFoundError         404
    ├── ConflictError         409: the object's state forbids it (cancel an ended execution)
    ├── ValidationError       400 and 422: ``details`` name the fields at fault
    ├── RateLimitedError      429, with ``retry_after`` (seconds) when the server said
    └── ServerError           5xx, with ``retry_after`` when the server said (503)
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from typing import Any

from bugbrain.schemas.errors import ErrorDetail
from bugbrain.schemas.executions import FinishedStatus, ProgressingStatus


class BugbrainClientError(Exception):
    """Everything ``bugbrain.client`` raises."""


class TransportError(BugbrainClientError):
    """The server could not be reached or did not answer, retries included."""


class UnexpectedResponseError(BugbrainClientError):
    """The server answered something that is not the API's JSON."""

    def __init__(self, message: str, status_code: int, body: bytes) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class ExecutionTimeoutError(BugbrainClientError, TimeoutError):
    """``run_and_wait`` gave up waiting. The execution may still be running
    (unless ``cancel_on_timeout`` cancelled it): ``execution_id`` says which."""

    def __init__(
        self,
        message: str,
        execution_id: str,
        last_status: ProgressingStatus | FinishedStatus | None,
        cancelled: bool = False,
    ) -> None:
        super().__init__(message)
        self.execution_id = execution_id
        self.last_status = last_status
        self.cancelled = cancelled


class ApiError(BugbrainClientError):
    """The API answered with an error status, in its one error shape
    (``{"error": {"code", "message", "details"}}``, see docs/api.md)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str,
        details: list[ErrorDetail] | None = None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
    ) -> None:
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status_code} {code}: {message}{where}")
        self.message = message
        self.status_code = status_code
        self.code = code
        self.details = details or []
        self.method = method
        self.url = url
        self.retry_after = retry_after
        # An earlier attempt of the same request got no answer and may have
        # been carried out: a 404 or 409 may be that attempt's doing.
        self.after_lost_attempt = False


class AuthError(ApiError):
    """401: the key is missing, malformed, unknown, revoked or expired;
    403: a tampered or expired signed artifact URL."""


class NotFoundError(ApiError):
    """404: no such object in the key's workspace (or no such route)."""


class ConflictError(ApiError):
    """409: the object's state forbids the operation."""


class ValidationError(ApiError):
    """400 (the body is not JSON or not an object) and 422 (a field is wrong).
    ``details`` has one entry per field at fault; ``fields`` their names."""

    @property
    def fields(self) -> list[str]:
        return [detail.field for detail in self.details]


class RateLimitedError(ApiError):
    """429: too many requests; ``retry_after`` is the server's ``Retry-After``."""


class ServerError(ApiError):
    """5xx: the server failed (500), or a gateway or the service is unavailable."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitedError,
}

# Longest Retry-After believed: a bigger or unreadable one is treated as absent.
_RETRY_AFTER_LIMIT = 24 * 3600.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an
    HTTP-date (RFC 9110 §10.2.3); ``None`` when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP-date is GMT; a bad one may lack the zone
            return None
        seconds = max(0.0, when.timestamp() - (time.time() if now is None else now))
    return seconds if math.isfinite(seconds) and seconds <= _RETRY_AFTER_LIMIT else None


def _error_body(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else None


def _details(error: dict[str, Any]) -> list[ErrorDetail]:
    found = error.get("details")
    if not isinstance(found, list):
        return []
    return [
        ErrorDetail(field=str(item.get("field", "")), message=str(item.get("message", "")))
        for item in found
        if isinstance(item, dict)
    ]


def error_from_response(
    status_code: int,
    headers: dict[str, str],
    body: bytes,
    *,
    method: str = "",
    url: str = "",
    now: float | None = None,
) -> ApiError:
    """The exception for an error answer. ``headers``' keys are lower case.
    A body that is not the API's error shape (a proxy's page) still maps by status."""
    error = _error_body(body)
    if error is not None:
        code = str(error.get("code", "error"))  # not vocabulary: the API's generic error code
        message = str(error.get("message", ""))
        details = _details(error)
    else:
        code = f"http_{status_code}"
        text = body[:300].decode("utf-8", "replace").strip()
        message = text or "no error body"
        details = []
    kind = _BY_STATUS.get(status_code)
    if kind is None:
        kind = ServerError if status_code >= 500 else ApiError
    return kind(
        message,
        status_code=status_code,
        code=code,
        details=details,
        method=method,
        url=url,
        retry_after=parse_retry_after(headers.get("retry-after"), now),
    )
