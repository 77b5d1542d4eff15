"""Webhook signatures, both ends: the server signs each attempt, a receiver
checks it (``bugbrain.client.verify_signature``). Standard library only.

``X-BugBrain-Signature: t=<unix seconds>, v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``:
the key is the endpoint's secret as text (``whsec_…``, prefix included); the
timestamp is inside what is signed, so an old request cannot be replayed with
a new time, and a receiver refuses one older than its tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final

SIGNATURE_HEADER: Final = "X-BugBrain-Signature"
EVENT_HEADER: Final = "X-BugBrain-Event"
DELIVERY_HEADER: Final = "X-BugBrain-Delivery"
SECRET_PREFIX: Final = "whsec_"  # noqa: S105 (a prefix, not a secret)
# How old a signed timestamp a receiver accepts by default (and how far ahead).
DEFAULT_TOLERANCE_SECONDS: Final = 300


class InvalidSignature(ValueError):
    """The request was not signed with this secret, or not recently."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``X-BugBrain-Signature`` value for ``body``, signed now (or at ``timestamp``)."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when}, v1={_digest(secret, when, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value.strip())
    if timestamp is None or not signatures:
        raise InvalidSignature("the signature header has no t=… and v1=… parts")
    return timestamp, signatures


def verify_signature(
    body: bytes | str,
    header: str | None,
    secret: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check an ``X-BugBrain-Signature`` ``header`` against the raw request
    ``body`` (the bytes received, before any JSON parsing) and the endpoint's
    ``secret``; returns the signed timestamp. Raises InvalidSignature when the
    header is missing or malformed, no ``v1`` matches (compared in constant
    time), or the timestamp is further than ``tolerance_seconds`` from now
    (0 turns that check off)."""
    if not header:
        raise InvalidSignature("no signature header")
    raw = body.encode() if isinstance(body, str) else body
    timestamp, signatures = _parse(header)
    expected = _digest(secret, timestamp, raw)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise InvalidSignature("no signature matches this body and secret")
    current = time.time() if now is None else now
    if tolerance_seconds > 0 and abs(current - timestamp) > tolerance_seconds:
        raise InvalidSignature(
            f"the signature's timestamp is {current - timestamp:.0f} s from now "
            f"(tolerance {tolerance_seconds:g} s)"
        )
    return timestamp
