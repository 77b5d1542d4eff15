"""Where the server is and which key to use: arguments first, then the
``BUGBRAIN_URL`` and ``BUGBRAIN_API_KEY`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from bugbrain import __version__
from bugbrain.client.errors import BugbrainClientError

URL_VARIABLE = "BUGBRAIN_URL"
KEY_VARIABLE = "BUGBRAIN_API_KEY"
USER_AGENT = f"bugbrain-python/{__version__}"
API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = 30.0


def base_url(value: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The server's root URL, e.g. ``http://127.0.0.1:8000``; a trailing
    ``/api/v1`` is taken off (paths carry it, and ``/health`` is outside it)."""
    url = (value or environ.get(URL_VARIABLE, "")).strip()
    if not url:
        raise BugbrainClientError(f"no server URL: pass base_url= or set {URL_VARIABLE}")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise BugbrainClientError(f"the server URL must be http(s)://host[:port], not {url!r}")
    url = url.rstrip("/")
    return url.removesuffix(API_PREFIX).rstrip("/")


def api_key(value: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    return value or environ.get(KEY_VARIABLE) or None


def headers(key: str | None) -> dict[str, str]:
    out = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if key:
        out["Authorization"] = f"Bearer {key}"
    return out


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is on the server itself (the key may go there)."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())
