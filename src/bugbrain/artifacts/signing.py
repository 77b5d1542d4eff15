"""Signed, expiring artifact URLs: ``…/artifacts/<path>?expires=<unix>&signature=<hex>``.

The signature is HMAC-SHA256 over ``"<path>\\n<expires>"`` with the server's
secret, so a URL can be handed to a browser or a CI log without the API key,
and stops working after its TTL.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

ARTIFACTS_PREFIX = "/api/v1/artifacts/"


def sign(secret: bytes, path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_path(secret: bytes, path: str, ttl_seconds: int, now: float | None = None) -> str:
    """Path and query (no host) of a signed URL for the artifact at ``path``."""
    expires = int((time.time() if now is None else now) + ttl_seconds)
    return (
        f"{ARTIFACTS_PREFIX}{quote(path)}?expires={expires}&signature={sign(secret, path, expires)}"
    )


def verify(
    secret: bytes, path: str, expires: str, signature: str, now: float | None = None
) -> str | None:
    """None when valid, else the reason it is not."""
    try:
        expires_at = int(expires)
    except ValueError:
        return "malformed expiry"
    # Bytes, not str: compare_digest rejects non-ASCII str instead of returning False.
    if not hmac.compare_digest(sign(secret, path, expires_at).encode(), signature.encode()):
        return "invalid signature"
    if expires_at < (time.time() if now is None else now):
        return "link expired"
    return None
