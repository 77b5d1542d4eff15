"""Secret values masked (``••••``) wherever a run's output could show them (pure).

A secret can surface as it is (a step's value, an assertion's expected text),
and as the page or the browser encoded it: URL-encoded in a request's URL or a
form body, JSON-escaped in a trace or a JSON body, HTML-escaped in markup. A
``Masker`` replaces every one of those spellings, in text, in JSON-shaped data
(keys too) and in bytes (files the browser wrote).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote, quote_plus

MASK: Final = "••••"


def spellings(secret: str) -> set[str]:
    """``secret`` as it is and as URLs, JSON and HTML encode it."""
    if not secret:
        return set()
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),  # "/" left as it is, as in a path
        quote_plus(secret),
        quote_plus(secret, safe="/"),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1],
    }


class Masker:
    """Replaces every spelling of the given secrets with ``MASK``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        found: set[str] = set()
        for secret in secrets:
            found |= spellings(secret)
        # Longest first: a spelling that contains another is replaced whole.
        ordered = sorted(found, key=lambda s: (-len(s), s))
        self.active = bool(ordered)
        self._text = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._bytes = (
            re.compile(b"|".join(re.escape(s.encode()) for s in ordered)) if ordered else None
        )

    def text(self, value: str) -> str:
        return value if self._text is None else self._text.sub(MASK, value)

    def data(self, value: Any) -> Any:
        """JSON-shaped ``value`` with every string (and key) masked."""
        if self._text is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value

    def raw(self, value: bytes) -> bytes:
        return value if self._bytes is None else self._bytes.sub(MASK.encode(), value)

    def found_in(self, value: bytes) -> bool:
        return self._bytes is not None and self._bytes.search(value) is not None
