"""Bearer keys, looked up once per few seconds.

A key's row is read (by the SHA-256 of the key) and the answer kept in this
process for ``api_key_cache_seconds``; a request within that time costs a hash
and a dict lookup instead of a trip to the thread pool and a query. Each entry
is stamped *before* its read, so a key revoked at time *t* (by ``bugbrain keys
revoke``, in any process) is refused by every request that starts
authenticating at *t* + ``api_key_cache_seconds`` or later, whichever process
serves it; a key past its ``expires_at`` is refused at once (the cached entry
carries it). Only keys that were accepted are kept: an unknown, revoked or
expired key is read again every time, with its precise error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from bugbrain import ids
from bugbrain.clock import utcnow
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.errors import AuthError
from bugbrain.services import keys
from bugbrain.services.keys import Principal

# Past this many entries, an insert first drops the ones that have run out.
_SWEEP_AT = 1024


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    read_at: float  # clock() taken before the row was read


class KeyCache:
    def __init__(
        self, engine: Engine, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """The principal for ``token`` if a read of it is still fresh; never blocks."""
        if self._ttl <= 0:
            return None
        entry = self._entries.get(ids.hash_key(token))
        if entry is None or self._clock() - entry.read_at >= self._ttl:
            return None
        expires = entry.principal.expires_at
        if expires is not None and expires <= utcnow():
            return None  # the read says why
        return entry.principal

    def lookup(self, token: str) -> Principal:
        """Read the key's row (blocking: call it from a thread), record its use
        when due, and keep the answer; raises ``AuthError`` as ``keys.authenticate``."""
        digest = ids.hash_key(token)
        read_at = self._clock()
        try:
            with read_tx(self._engine) as conn:
                principal = keys.authenticate(conn, token)
        except AuthError:
            with self._lock:
                self._entries.pop(digest, None)
            raise
        if principal.needs_touch:
            with write_tx(self._engine) as conn:
                keys.touch_key(conn, principal.key_id)
        if self._ttl > 0:
            with self._lock:
                if len(self._entries) >= _SWEEP_AT:
                    self._sweep()
                self._entries[digest] = _Entry(replace(principal, needs_touch=False), read_at)
        return principal

    def principal(self, token: str) -> Principal:
        """Cached, else looked up (blocking)."""
        return self.cached(token) or self.lookup(token)

    def _sweep(self) -> None:
        now = self._clock()
        for digest, entry in list(self._entries.items()):
            if now - entry.read_at >= self._ttl:
                del self._entries[digest]
