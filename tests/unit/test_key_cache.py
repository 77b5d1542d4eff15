"""api.auth.KeyCache on a real SQLite file and a clock the test moves: an
accepted key is trusted for the TTL and read again after it, so a revocation
takes effect at most a TTL later; expiry and unknown keys are never cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine

from bugbrain.api.auth import KeyCache
from bugbrain.clock import utcnow
from bugbrain.db.engine import create_engine, write_tx
from bugbrain.db.migrate import upgrade
from bugbrain.errors import AuthError
from bugbrain.services import keys

TTL = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'bugbrain.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _key(engine: Engine, **kwargs: object) -> keys.CreatedKey:
    with write_tx(engine) as conn:
        return keys.create_key(conn, name="ci", **kwargs)  # type: ignore[arg-type]


def _revoke(engine: Engine, key_id: str) -> None:
    with write_tx(engine) as conn:
        keys.revoke_key(conn, key_id)


def test_a_revoked_key_is_refused_once_the_ttl_has_passed(engine: Engine) -> None:
    clock = Clock()
    cache = KeyCache(engine, TTL, clock)
    created = _key(engine)
    assert cache.cached(created.key) is None
    principal = cache.principal(created.key)
    assert principal.key_id == created.id
    assert principal.workspace_id == created.workspace_id
    _revoke(engine, created.id)
    clock.now += TTL - 0.01
    assert cache.principal(created.key).key_id == created.id  # still trusted, as documented
    clock.now += 0.01
    assert cache.cached(created.key) is None
    with pytest.raises(AuthError, match="revoked"):
        cache.principal(created.key)
    with pytest.raises(AuthError, match="revoked"):  # and it stays refused
        cache.principal(created.key)


def test_the_entry_is_stamped_before_its_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow read does not extend the trust: the TTL runs from before it."""
    clock = Clock()
    cache = KeyCache(engine, TTL, clock)
    created = _key(engine)
    read = keys.authenticate

    def slow_read(conn: Connection, token: str) -> keys.Principal:
        clock.now += 3.0
        return read(conn, token)

    monkeypatch.setattr(keys, "authenticate", slow_read)
    cache.principal(created.key)  # read from 1000 to 1003
    clock.now = 1000.0 + TTL
    assert cache.cached(created.key) is None


def test_expiry_is_checked_on_every_use(engine: Engine) -> None:
    clock = Clock()  # stands still: the entry stays fresh
    cache = KeyCache(engine, TTL, clock)
    created = _key(engine, expires_at=utcnow() + timedelta(milliseconds=300))
    assert cache.principal(created.key).expires_at == created.expires_at
    time.sleep(0.4)
    assert cache.cached(created.key) is None
    with pytest.raises(AuthError, match="expired"):
        cache.principal(created.key)


def test_refusals_are_not_cached_and_ttl_zero_reads_every_time(engine: Engine) -> None:
    clock = Clock()
    cache = KeyCache(engine, TTL, clock)
    unknown = "bugbrain_sk_prod_" + "A" * 32
    for _ in range(2):
        with pytest.raises(AuthError, match="Unknown API key"):
            cache.principal(unknown)
    with pytest.raises(AuthError, match="Malformed"):
        cache.principal("not-a-key")
    assert cache._entries == {}

    created = _key(engine)
    uncached = KeyCache(engine, 0, clock)
    uncached.principal(created.key)
    assert uncached.cached(created.key) is None
    _revoke(engine, created.id)
    with pytest.raises(AuthError, match="revoked"):
        uncached.principal(created.key)


def test_use_is_recorded_when_the_key_is_read(engine: Engine) -> None:
    clock = Clock()
    cache = KeyCache(engine, TTL, clock)
    created = _key(engine)
    cache.principal(created.key)
    with write_tx(engine) as conn:
        (listed,) = keys.list_keys(conn)
    assert listed["last_used_at"] is not None


def test_misses_share_one_read_and_steady_use_refreshes_ahead(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    cache = KeyCache(engine, TTL, clock)
    created = _key(engine)
    reads: list[float] = []
    read = keys.authenticate

    def counted(conn: Connection, token: str) -> keys.Principal:
        reads.append(clock.now)
        return read(conn, token)

    monkeypatch.setattr(keys, "authenticate", counted)

    async def scenario() -> None:
        got = await asyncio.gather(*(cache.principal_async(created.key) for _ in range(50)))
        assert {p.key_id for p in got} == {created.id}
        assert len(reads) == 1  # fifty requests on a cold cache, one read
        clock.now += TTL / 2 - 0.1
        await cache.principal_async(created.key)
        assert len(reads) == 1
        clock.now += 0.1  # half the TTL: the next request refreshes ahead …
        assert (await cache.principal_async(created.key)).key_id == created.id
        for _ in range(100):  # … in the background
            if len(reads) == 2 and not cache._reading:
                break
            await asyncio.sleep(0.01)
        assert reads == [1000.0, 1000.0 + TTL / 2]
        clock.now = 1000.0 + TTL + 0.1  # the first read's entry would have run out
        assert cache.cached(created.key) is not None
        assert len(reads) == 2

    asyncio.run(scenario())


def test_a_revoked_key_refreshed_ahead_is_dropped(engine: Engine) -> None:
    clock = Clock()
    cache = KeyCache(engine, TTL, clock)
    created = _key(engine)

    async def scenario() -> None:
        await cache.principal_async(created.key)
        _revoke(engine, created.id)
        clock.now += TTL / 2
        await cache.principal_async(created.key)  # served from the entry, refresh started
        for _ in range(100):
            if not cache._reading:
                break
            await asyncio.sleep(0.01)
        with pytest.raises(AuthError, match="revoked"):
            await cache.principal_async(created.key)

    asyncio.run(scenario())
