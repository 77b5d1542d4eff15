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

A key in steady use is never missed: once its entry is half its age, the
first request to see that starts one read in the background (and goes on with
the entry), whose answer replaces it. Requests that do miss (a key's first
use, or after a pause) share one read, not one each: 200 clients polling with
one key would otherwise all read it at once, every ``api_key_cache_seconds``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from anyio import to_thread
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
        # Reads under way, by key hash (touched on the event loop only).
        self._reading: dict[str, tuple[asyncio.Future[Principal], float]] = {}

    def cached(self, token: str) -> Principal | None:
        """The principal for ``token`` if a read of it is still fresh; never blocks."""
        entry = self._fresh(ids.hash_key(token))
        return None if entry is None else entry.principal

    def _fresh(self, digest: str) -> _Entry | None:
        if self._ttl <= 0:
            return None
        entry = self._entries.get(digest)
        if entry is None or self._clock() - entry.read_at >= self._ttl:
            return None
        expires = entry.principal.expires_at
        if expires is not None and expires <= utcnow():
            return None  # the read says why
        return entry

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
                newer = self._entries.get(digest)
                if newer is None or newer.read_at <= read_at:
                    self._entries[digest] = _Entry(replace(principal, needs_touch=False), read_at)
        return principal

    def principal(self, token: str) -> Principal:
        """Cached, else looked up (blocking: for code running in a thread)."""
        return self.cached(token) or self.lookup(token)

    async def principal_async(self, token: str) -> Principal:
        """Cached, else looked up in a thread, one read per key at a time."""
        if self._ttl <= 0:
            return await to_thread.run_sync(self.lookup, token)
        entry = self._fresh(ids.hash_key(token))
        if entry is None:
            return await asyncio.shield(self._read_once(token))
        if self._clock() - entry.read_at >= self._ttl / 2:
            self._read_once(token)  # refresh ahead; this request goes on with the entry
        return entry.principal

    def _read_once(self, token: str) -> asyncio.Future[Principal]:
        """The read of this key under way, or a new one. A read that started a
        TTL ago or more is not joined: its answer may predate a revocation."""
        digest = ids.hash_key(token)
        now = self._clock()
        under_way = self._reading.get(digest)
        if under_way is not None and now - under_way[1] < self._ttl:
            return under_way[0]
        reading = asyncio.ensure_future(to_thread.run_sync(self.lookup, token))
        self._reading[digest] = (reading, now)
        reading.add_done_callback(lambda done: self._read_done(digest, done))
        return reading

    def _read_done(self, digest: str, done: asyncio.Future[Principal]) -> None:
        if self._reading.get(digest, (None, 0.0))[0] is done:
            del self._reading[digest]
        if not done.cancelled():
            done.exception()  # retrieved: a refresh nobody waits for may fail

    def _sweep(self) -> None:
        now = self._clock()
        for digest, entry in list(self._entries.items()):
            if now - entry.read_at >= self._ttl:
                del self._entries[digest]
