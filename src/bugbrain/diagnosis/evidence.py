"""What the analysis is given: a failed step's evidence and its previous runs,
and the small readers of it every rule uses (text, URLs, requests). Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

_LOGIN_PATH: Final = re.compile(
    r"/(log-?in|sign-?in|auth|session/new|account/login)(/|$|\?|#|\.)", re.IGNORECASE
)


@dataclass(frozen=True)
class PreviousRun:
    """The same step's last passing run."""

    selector: str | None = None  # what it acted on
    url: str | None = None
    description: str | None = None  # e.g. button.add-to-cart-btn "Add to cart"
    execution_id: str | None = None
    fingerprint: Mapping[str, Any] | None = None  # the element it touched


@dataclass(frozen=True)
class Evidence:
    """What the runner saw when a test failed."""

    error: str
    error_type: str | None
    step: Mapping[str, Any] | None = None  # the failed step's result
    steps: Sequence[Mapping[str, Any]] = ()  # every step result of the test, in order
    final_url: str | None = None
    console_errors: Sequence[Mapping[str, Any]] = ()
    page_errors: Sequence[str] = ()
    failed_requests: Sequence[Mapping[str, Any]] = ()
    previous: PreviousRun | None = None
    element_timeout_ms: int | None = None
    execution_timeout_s: int | None = None
    # The execution's own deadline cut this test off.
    deadline_exceeded: bool = False


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def login_path(path: str) -> bool:
    return bool(_LOGIN_PATH.search(path if path.endswith("/") else path + "/"))


def is_login_url(url: str | None) -> bool:
    if not url or not url.lower().startswith(("http://", "https://")):
        return False
    return login_path(urlsplit(url).path)


def same_page(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc, pa.path.rstrip("/")) == (pb.netloc, pb.path.rstrip("/"))


def request_line(req: Mapping[str, Any]) -> str:
    """``GET http://…``"""
    return f"{as_text(req.get('method')) or 'GET'} {as_text(req.get('url'))}"


def request_text(req: Mapping[str, Any]) -> str:
    """``GET http://… → HTTP 500`` (or the failure)."""
    status = req.get("status")
    how = (
        f"HTTP {status}" if status is not None else as_text(req.get("failure")) or "failed"
    )  # not vocabulary: words
    return f"{request_line(req)} → {how}"
