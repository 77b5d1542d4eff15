"""API keys are cached by the server for ``BUGBRAIN_API_KEY_CACHE_SECONDS``; a
key revoked with the CLI (another process) must be refused by every request
that starts that long after the revocation, and at once with the cache off."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.servers import BUGBRAIN, BugbrainServer

TTL = 5.0  # the default
CLOCKS = 0.1  # ours and the server's monotonic clocks are read at slightly different moments


def _cli(server: BugbrainServer, *args: str) -> str:
    out = subprocess.run(
        [*BUGBRAIN, *args], env=server.env(), capture_output=True, check=True, timeout=60, text=True
    )
    return out.stdout


def _new_key(server: BugbrainServer) -> tuple[str, str]:
    made = json.loads(_cli(server, "keys", "create", "--name", "ci", "--workspace", "w", "--json"))
    return str(made["id"]), str(made["key"])


def _get(server: BugbrainServer, key: str) -> requests.Response:
    return requests.get(
        f"{server.url}/api/v1/projects", headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BugbrainServer]:
    server = BugbrainServer(tmp_path_factory.mktemp("cached"), workers=1)
    server.start()
    yield server
    server.stop()


def test_revoked_key_is_refused_within_the_cache_ttl(cached: BugbrainServer) -> None:
    key_id, key = _new_key(cached)
    assert _get(cached, key).status_code == 200  # now in the server's cache
    _cli(cached, "keys", "revoke", key_id)
    revoked = time.monotonic()  # the revocation has committed by now
    first_refusal = None
    while time.monotonic() < revoked + TTL + 1.0:
        sent = time.monotonic()
        response = _get(cached, key)
        if response.status_code == 200:
            # Only while the entry read before the revocation is fresh: the server
            # authenticates this request after we sent it, so at most TTL later.
            assert sent < revoked + TTL + CLOCKS, f"accepted {sent - revoked:.2f} s after"
            assert first_refusal is None, "accepted again after a refusal"
        else:
            assert response.status_code == 401
            assert response.json()["error"]["message"] == "API key has been revoked"
            first_refusal = first_refusal or sent
        time.sleep(0.05)
    assert first_refusal is not None
    assert first_refusal - revoked <= TTL + CLOCKS
    for _ in range(5):  # and it stays refused
        assert _get(cached, key).status_code == 401


def test_other_keys_keep_working_and_unknown_keys_are_refused(cached: BugbrainServer) -> None:
    _, key = _new_key(cached)
    for _ in range(3):
        assert _get(cached, key).status_code == 200
    unknown = _get(cached, "bugbrain_sk_prod_" + "A" * 32)
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "Unknown API key"
    assert unknown.headers["WWW-Authenticate"] == "Bearer"


def test_with_the_cache_off_a_revoked_key_is_refused_at_once(tmp_path: Path) -> None:
    server = BugbrainServer(
        tmp_path / "uncached", workers=1, extra_env={"BUGBRAIN_API_KEY_CACHE_SECONDS": "0"}
    )
    server.start()
    try:
        key_id, key = _new_key(server)
        assert _get(server, key).status_code == 200
        _cli(server, "keys", "revoke", key_id)
        response = _get(server, key)
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "API key has been revoked"
    finally:
        server.stop()
