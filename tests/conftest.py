"""Shared fixtures: real servers on loopback (the demo shop, bugbrain itself)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import databases
from tests.support.lab import create_lab_app
from tests.support.servers import BugbrainServer, ShopServer


@pytest.fixture(scope="session")
def shop() -> Iterator[ShopServer]:
    server = ShopServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lab() -> Iterator[ShopServer]:
    """Pages with known misbehaviour (console errors, a 500 API, a flaky page)."""
    server = ShopServer(create_lab_app())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bugbrain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BugbrainServer]:
    """One server for the session; tests isolate themselves by workspace."""
    server = BugbrainServer(tmp_path_factory.mktemp("bugbrain-data"))
    server.start()
    yield server
    server.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """PostgreSQL runs: drop the databases the servers used."""
    databases.drop_all()
