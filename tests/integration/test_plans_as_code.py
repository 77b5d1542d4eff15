"""Plans as code: ``bugbrain export`` and ``bugbrain apply`` run as real CLI
processes against real ``bugbrain serve`` processes.

Acceptance 4 of issue 12: export → apply on an empty server → export gives the
same files; applying twice changes nothing (all unchanged, no ``updated_at``
moves). Also: ``--dry-run`` changes nothing; bad YAML, an unknown field and a
missing secret are errors with the file and line, exit code 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bugbrain.client import Client
from bugbrain.client.models import HiddenSecret
from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD
from tests.support import seed
from tests.support.servers import BugbrainServer, ShopServer

SECRET_TOKEN = "tok-Zq81-never-in-a-file"
SCHEDULE_SECRET = "sched-Kx92-never-in-a-file"


@dataclass(frozen=True)
class Remote:
    url: str
    key: str

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "BUGBRAIN_URL": self.url, "BUGBRAIN_API_KEY": self.key, **extra}


def bugbrain(remote: Remote, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bugbrain.cli", *args],
        env=remote.env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def source(bugbrain: BugbrainServer, shop: ShopServer) -> tuple[Remote, str]:
    """A project built through the API (every kind of field, secrets included),
    in a workspace of its own on the session's server: (remote, project id)."""
    remote = Remote(bugbrain.url, bugbrain.create_key("ascode-source"))
    with Client(remote.url, remote.key) as bb:
        project = bb.create_project(
            "Demo shop",
            base_url=shop.url,
            environments={
                "staging": {
                    "base_url": shop.url,
                    "variables": {"token": {"value": SECRET_TOKEN, "secret": True}, "n": 2},
                },
                "empty": {},
            },
            default_environment="staging",
            variables={
                "email": DEMO_EMAIL,
                "password": {"value": DEMO_PASSWORD, "secret": True},
                "greeting": "yes",
            },
        )
        login = bb.create_test_case(
            project.id, "Login", priority="high", tags=["smoke", "auth"], steps=seed.PASSING
        )
        cart = bb.create_test_case(
            project.id,
            "Add to cart",
            description="Adds a mug.\nThen checks the cart.",
            steps=[*seed.FAILING, {"description": "Click 'Checkout'"}],
        )
        bb.create_test_case(
            project.id,
            "Old search",
            status="archived",
            priority="low",
            steps=[{"action": "wait", "value": 250}, {"action": "assert_title", "value": "no"}],
        )
        smoke = bb.create_test_plan(
            project.id,
            "Smoke",
            description="Login only",
            test_case_ids=[login.id],
            element_wait_timeout_ms=2000,
        )
        bb.create_test_plan(
            project.id,
            "Full",
            test_case_ids=[cart.id, login.id],
            retries=1,
            screenshot_mode="on_failure",
            healing="off",
            trace_mode="always",
            parallelism=2,
        )
        bb.create_schedule(
            project.id,
            smoke.id,
            "Nightly",
            "0 3 1 1 *",
            timezone="Europe/Paris",
            environment="staging",
            variables={"who": "nightly", "pin": {"value": SCHEDULE_SECRET, "secret": True}},
            timeout_seconds=600,
            enabled=False,
        )
    return remote, project.id


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BugbrainServer]:
    """A server of its own, with nothing in it."""
    server = BugbrainServer(tmp_path_factory.mktemp("ascode-empty"), workers=1)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty(empty_server: BugbrainServer, request: pytest.FixtureRequest) -> Remote:
    """The empty server, through a key of a workspace of the test's own."""
    return Remote(empty_server.url, empty_server.create_key(request.node.name[:40]))


# The placeholder names export derives from the project's, environment's or
# schedule's name and the variable's.
SECRETS = {
    "DEMO_SHOP_PASSWORD": DEMO_PASSWORD,
    "DEMO_SHOP_STAGING_TOKEN": SECRET_TOKEN,
    "DEMO_SHOP_NIGHTLY_PIN": SCHEDULE_SECRET,
}


def _snapshot(remote: Remote) -> dict[str, Any]:
    """Every object of the key's workspace and its updated_at, by id."""
    out: dict[str, Any] = {}
    with Client(remote.url, remote.key) as bb:
        for project in bb.list_projects(limit=500).data:
            out[project.id] = project.model_dump(mode="json")
            for case in bb.list_test_cases(project.id, limit=500).data:
                out[case.id] = case.model_dump(mode="json")
            for plan in bb.list_test_plans(project.id, limit=500).data:
                out[plan.id] = plan.model_dump(mode="json")
            for schedule in bb.list_schedules(project.id, limit=500).data:
                out[schedule.id] = schedule.model_dump(mode="json")
    return out


def _files(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.glob("*.yaml"))}


def test_export_apply_export_round_trips_and_a_second_apply_changes_nothing(
    source: tuple[Remote, str], empty: Remote, tmp_path: Path, shop: ShopServer
) -> None:
    remote, project_id = source
    first = tmp_path / "first"
    done = bugbrain(remote, "export", "--project", project_id, "--out", str(first))
    assert done.returncode == 0, done.stderr
    files = _files(first)
    assert list(files) == ["demo-shop.yaml"]
    text = files["demo-shop.yaml"]
    for secret in (DEMO_PASSWORD, SECRET_TOKEN, SCHEDULE_SECRET):
        assert secret not in text
    assert "password: {secret_env: DEMO_SHOP_PASSWORD}" in text
    assert "token: {secret_env: DEMO_SHOP_STAGING_TOKEN}" in text
    assert "pin: {secret_env: DEMO_SHOP_NIGHTLY_PIN}" in text

    applied = bugbrain(empty, "apply", str(first), **SECRETS)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[-1] == "7 created, 0 updated, 0 unchanged"
    assert "project 'Demo shop': created" in applied.stdout

    second = tmp_path / "second"
    done = bugbrain(empty, "export", "--all", "--out", str(second))
    assert done.returncode == 0, done.stderr
    assert _files(second) == files

    before = _snapshot(empty)
    again = bugbrain(empty, "apply", str(first), **SECRETS)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "0 created, 0 updated, 7 unchanged"
    assert " created" not in again.stdout.replace("0 created", "")
    assert _snapshot(empty) == before  # updated_at included: nothing was written

    # The secrets went from the environment to the server, as secrets.
    with Client(empty.url, empty.key) as bb:
        (project,) = bb.list_projects().data
        assert project.variables["password"] == HiddenSecret(value=None, secret=True)
        assert project.environments["staging"].variables["token"] == HiddenSecret(
            value=None, secret=True
        )
        smoke = next(p for p in bb.list_test_plans(project.id).data if p.name == "Smoke")
        results = bb.run_and_wait(smoke.id, project.id, timeout=120)
    assert (results.status, results.summary.passed) == ("completed", 1)  # it logged in


def test_dry_run_shows_the_diff_and_changes_nothing_then_apply_changes_only_that(
    empty: Remote, tmp_path: Path
) -> None:
    path = tmp_path / "diner.yaml"
    path.write_text(
        "name: Diner\n"
        "base_url: http://diner.example\n"
        "test_cases:\n"
        "  - name: Menu\n"
        "    steps:\n"
        "      - {action: navigate, value: /menu}\n"
        "  - name: Order\n"
        "    steps:\n"
        "      - {action: navigate, value: /order}\n"
        "test_plans:\n"
        "  - name: All\n"
        "    test_cases: [Menu, Order]\n"
    )
    created = bugbrain(empty, "apply", str(path))
    assert created.returncode == 0, created.stderr
    changed = tmp_path / "changed" / "diner.yaml"
    changed.parent.mkdir()
    changed.write_text(
        path.read_text()
        .replace("http://diner.example", "http://diner.test")
        .replace(
            "      - {action: navigate, value: /order}\n",
            "      - {action: navigate, value: /order}\n"
            "      - {action: assert_text, value: Thanks}\n",
        )
        + "    settings: {retries: 2}\n"
    )
    before = _snapshot(empty)
    dry = bugbrain(empty, "apply", "--dry-run", str(changed.parent))
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert "project 'Diner': would be updated (base_url)" in lines
    assert "    base_url: 'http://diner.example' → 'http://diner.test'" in lines
    assert "  test case 'Order': would be updated (steps)" in lines
    assert "        + assert_text value='Thanks'" in lines
    assert "  test case 'Menu': unchanged" in lines
    assert "      retries: 0 → 2" in lines
    assert lines[-1] == "0 to create, 3 to update, 1 unchanged; dry run: nothing was changed"
    assert _snapshot(empty) == before

    applied = bugbrain(empty, "apply", str(changed))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[-1] == "0 created, 3 updated, 1 unchanged"
    after = _snapshot(empty)
    moved = {i for i in after if after[i]["updated_at"] != before[i]["updated_at"]}
    with Client(empty.url, empty.key) as bb:
        project = next(p for p in bb.list_projects().data if p.name == "Diner")
        by_name = {c.name: c for c in bb.list_test_cases(project.id).data}
        (plan,) = bb.list_test_plans(project.id).data
    assert moved == {project.id, by_name["Order"].id, plan.id}
    assert project.base_url == "http://diner.test"
    assert [s.action for s in by_name["Order"].steps] == ["navigate", "assert_text"]
    assert plan.retries == 2


def test_bad_yaml_an_unknown_field_and_a_missing_secret_name_the_file_and_line(
    empty: Remote, tmp_path: Path
) -> None:
    before = _snapshot(empty)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: Broken\ntest_cases:\n  - name: a\n    steps: [\n")
    done = bugbrain(empty, "apply", str(broken))
    assert done.returncode == 3
    assert f"{broken}:5:1: not valid YAML" in done.stderr

    typo = tmp_path / "typo.yaml"
    typo.write_text("name: Typo\ntest_cases:\n  - name: a\n    priorty: high\n    steps: []\n")
    done = bugbrain(empty, "apply", str(typo))
    assert done.returncode == 3
    assert f"{typo}:4:5: test_cases[0].priorty: unknown field 'priorty'" in done.stderr
    assert "priority" in done.stderr  # the known fields are listed

    twice = tmp_path / "twice.yaml"
    twice.write_text("name: Twice\nbase_url: http://a.example\nbase_url: http://b.example\n")
    done = bugbrain(empty, "apply", str(twice))
    assert done.returncode == 3
    assert f"{twice}:3:1:" in done.stderr
    assert "duplicate key" in done.stderr

    secret = tmp_path / "secret.yaml"
    secret.write_text(
        "name: Secretive\nvariables:\n  email: a@example.com\n"
        "  password: {secret_env: NOT_SET_ANYWHERE_123}\n"
    )
    done = bugbrain(empty, "apply", str(secret))
    assert done.returncode == 3
    assert f"{secret}:4:14: variables.password: the environment variable " in done.stderr
    assert "NOT_SET_ANYWHERE_123 is not set" in done.stderr
    # A dry run sends no secret, so it does not need them.
    dry = bugbrain(empty, "apply", "--dry-run", str(secret))
    assert dry.returncode == 0, dry.stderr
    assert "project 'Secretive': would be created" in dry.stdout

    inline = tmp_path / "inline.yaml"
    inline.write_text("name: Inline\nvariables:\n  password: {value: hunter2, secret: true}\n")
    done = bugbrain(empty, "apply", str(inline))
    assert done.returncode == 3
    assert f"{inline}:3:3: variables.password: a secret's value is never written" in done.stderr

    assert _snapshot(empty) == before  # none of it wrote anything


def test_a_bad_key_or_no_server_is_a_usage_error(empty: Remote, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: P\n")
    done = bugbrain(Remote(empty.url, "bugbrain_sk_prod_" + "x" * 32), "apply", str(path))
    assert done.returncode == 3
    assert "the server refused the API key" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "bugbrain.cli", "export", "--all", "--out", str(tmp_path)],
        env={k: v for k, v in os.environ.items() if not k.startswith("BUGBRAIN_")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert "no server URL" in done.stderr
