"""``bugbrain run`` and ``bugbrain rerun``: the real CLI as a subprocess against
a real ``bugbrain serve`` (the session's server) running real Chromium on the
demo shop and the lab pages. Exit codes for pass, fail, timeout, cancel, bad key
and bad usage; the JUnit file read back with junitparser (failure details,
properties, flaky and rerun failures, heals); output without ANSI codes when it
is not a terminal; ``--json``; ``--no-wait``; reruns; secrets never printed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from junitparser import xunit2

from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD
from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

pytestmark = pytest.mark.browser

BUGBRAIN = [sys.executable, "-m", "bugbrain.cli"]
ESC = "\x1b"


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("cli")


def env_for(bugbrain: BugbrainServer, key: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "TERM"}}
    return {**env, "BUGBRAIN_URL": bugbrain.url, "BUGBRAIN_API_KEY": key, **extra}


def cli(
    bugbrain: BugbrainServer, api: Api, *args: str, key: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*BUGBRAIN, *args],
        env=env_for(bugbrain, key if key is not None else api.key, **extra),
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )
    assert ESC not in done.stdout, done.stdout
    assert ESC not in done.stderr, done.stderr
    return done


def junit_cases(path: Path) -> dict[str, xunit2.TestCase]:
    """The report's test cases by name, as junitparser reads them."""
    return {
        case.name: cast(xunit2.TestCase, case)
        for suite in xunit2.JUnitXml.fromfile(str(path))
        for case in suite
    }


def properties(element: Any) -> dict[str, str]:
    """A test case's or suite's ``<properties>`` (the last of a repeated name)."""
    return {prop.name: prop.value for prop in element.properties()}


def shop_plan(
    api: Api, shop: ShopServer, tests: dict[str, list[dict[str, Any]]], **settings: Any
) -> tuple[str, str]:
    return seed.simple_plan(api, shop.url, tests, element_wait_timeout_ms=1000, **settings)


def test_a_passing_plan_exits_0_with_plain_output(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer
) -> None:
    project, plan = shop_plan(api, shop, {"Login": seed.PASSING})
    done = cli(bugbrain, api, "run", "--plan", plan, "--project", project)
    assert done.returncode == 0, done.stderr
    assert "completed" in done.stdout
    assert "1 passed, 0 failed" in done.stdout
    # Plain progress lines on stderr (not a terminal): the id and the counts.
    assert "/1 tests done" in done.stderr
    assert "started exec_" in done.stderr


def test_a_failing_plan_exits_1_and_its_junit_has_the_failure(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer, tmp_path: Path
) -> None:
    project, plan = shop_plan(api, shop, {"Login": seed.PASSING, "Add to cart": seed.FAILING})
    report = tmp_path / "reports" / "junit.xml"
    done = cli(bugbrain, api, "run", "--plan", plan, "--project", project, "--junit", str(report))
    assert done.returncode == 1, done.stderr
    # Followed by its events: a line per test as it ends (polling has no such line).
    assert re.search(r"exec_\w+: passed: Login in \d+\.\d s", done.stderr), done.stderr
    assert re.search(r"exec_\w+: failed: Add to cart in ", done.stderr), done.stderr
    # The summary: the failed test with its category and a suggestion, then links.
    assert "Failed tests" in done.stdout
    assert "Add to cart" in done.stdout
    assert "selector_changed" in done.stdout
    assert "Add to cart screenshot: http" in done.stdout

    xml = xunit2.JUnitXml.fromfile(str(report))
    (suite,) = list(xml)
    assert (suite.tests, suite.failures, suite.skipped) == (2, 1, 0)
    cases = {case.name: case for case in suite}
    assert cases["Login"].is_passed
    failing = cases["Add to cart"]
    (failure,) = failing.result
    assert failure.message
    assert ".add-to-cart-button" in failure.message
    assert failure.type == "selector_changed"
    assert "Failure category: selector_changed" in (failure.text or "")
    assert "Suggestions:" in (failure.text or "")
    props = properties(failing)
    assert props["failure_category"] == "selector_changed"
    assert requests.get(props["screenshot"], timeout=30).status_code == 200
    assert props["trace"].startswith("http")
    assert "[failed] Add" in (failing.system_out or "")
    assert "[passed] Open login" in (failing.system_out or "")
    suite_props = properties(suite)
    assert suite_props["status"] == "completed"
    assert suite_props["execution_id"].startswith("exec_")


def test_flaky_and_rerun_failures_in_junit(
    bugbrain: BugbrainServer, api: Api, lab: ShopServer, tmp_path: Path
) -> None:
    key = uuid.uuid4().hex
    flaky = [
        {"description": "Open", "action": "navigate", "value": f"/flaky?key={key}"},
        {"description": "Ready", "action": "assert_text", "selector": "#state", "value": "Ready"},
    ]
    broken = [
        {"description": "Open", "action": "navigate", "value": "/health"},
        {"description": "Nope", "action": "assert_text", "value": "never there"},
    ]
    project, plan = seed.simple_plan(
        api, lab.url, {"Flaky": flaky, "Broken": broken}, retries=1, element_wait_timeout_ms=500
    )
    report = tmp_path / "junit.xml"
    done = cli(bugbrain, api, "run", "--plan", plan, "--project", project, "--junit", str(report))
    assert done.returncode == 1, done.stderr
    assert "flaky (passed on a retry): Flaky" in done.stdout
    cases = junit_cases(report)
    flaky_case = cases["Flaky"]
    assert flaky_case.is_passed
    assert flaky_case.is_flaky
    (flaky_failure,) = flaky_case.flaky_failures()
    assert flaky_failure.type == "assertion_failed"
    assert "[failed] Ready" in (flaky_failure.system_out or "")
    props = properties(flaky_case)
    assert props["flaky"] == "true"
    assert props["attempt.1.screenshot"].startswith("http")
    broken_case = cases["Broken"]
    assert broken_case.is_failure
    assert broken_case.is_rerun
    (rerun,) = broken_case.rerun_failures()
    assert rerun.message
    assert "never there" in rerun.message


def test_heals_are_properties(
    bugbrain: BugbrainServer, api: Api, lab: ShopServer, tmp_path: Path
) -> None:
    project = seed.project(api, lab.url)
    case = seed.test_case(api, project["id"], "Add to Cart", seed.HEAL_STEPS)
    plan = seed.plan(api, project["id"], [case], element_wait_timeout_ms=1000, healing="auto")
    ids = ["--plan", plan, "--project", project["id"]]
    assert cli(bugbrain, api, "run", *ids, "--var", "page=/pages/heal-v1.html").returncode == 0
    report = tmp_path / "junit.xml"
    done = cli(
        bugbrain, api, "run", *ids, "--var", "page=/pages/heal-v2.html", "--junit", str(report)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (test,) = junit_cases(report).values()
    healed = [p.value for p in test.properties() if p.name == "healed"]  # type: ignore[no-untyped-call]
    assert len(healed) == 1
    assert ".add-to-cart-btn -> " in healed[0]
    assert "(healed: .add-to-cart-btn -> " in (test.system_out or "")


def test_timeout_exits_2(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer, tmp_path: Path
) -> None:
    project, plan = shop_plan(api, shop, {"Slow": seed.wait_steps(30_000)})
    report = tmp_path / "junit.xml"
    done = cli(
        bugbrain,
        api,
        "run",
        "--plan",
        plan,
        "--project",
        project,
        "--timeout",
        "3",
        "--junit",
        str(report),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "execution failed: timeout" in done.stdout
    (suite,) = list(xunit2.JUnitXml.fromfile(str(report)))
    assert properties(suite)["failure_reason"] == "timeout"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_interrupt(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer, *extra: str
) -> tuple[subprocess.Popen[str], str, str, str]:
    project, plan = shop_plan(api, shop, {"Slow": seed.wait_steps(60_000)})
    proc = subprocess.Popen(
        [*BUGBRAIN, "run", "--plan", plan, "--project", project, *extra],
        env=env_for(bugbrain, api.key),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        # As a CI runner or a terminal delivers Ctrl-C: a suite started in the
        # background by a shell without job control inherits SIGINT ignored,
        # and Python then never turns it into KeyboardInterrupt.
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 60
        running = None
        while time.monotonic() < deadline and running is None:
            listed = api.ok("GET", f"/api/v1/executions?project_id={project}")["data"]
            running = next((e for e in listed if e["status"] == "running"), None)
            time.sleep(0.3)
        assert running is not None, "the execution did not start"
        time.sleep(1.5)  # past the first status poll
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert ESC not in out + err
    return proc, str(running["id"]), out, err


def test_ctrl_c_with_cancel_on_interrupt_cancels_and_exits_2(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer
) -> None:
    proc, execution_id, _out, err = _start_and_interrupt(
        bugbrain, api, shop, "--cancel-on-interrupt"
    )
    assert proc.returncode == 2, err
    assert f"cancelled {execution_id}" in err
    assert api.wait_terminal(execution_id)["status"] == "cancelled"


def test_ctrl_c_without_a_terminal_leaves_it_running_and_prints_its_id(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer
) -> None:
    proc, execution_id, out, err = _start_and_interrupt(bugbrain, api, shop)
    assert proc.returncode == 130, err
    assert out.strip().splitlines()[-1] == execution_id
    assert api.status(execution_id)["status"] == "running"
    api.ok("DELETE", f"/api/v1/executions/{execution_id}")


def test_a_cancel_from_elsewhere_exits_2(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer
) -> None:
    project, plan = shop_plan(api, shop, {"Slow": seed.wait_steps(60_000)})
    queued = cli(bugbrain, api, "run", "--plan", plan, "--project", project, "--no-wait")
    execution_id = queued.stdout.strip()
    proc = subprocess.Popen(
        [*BUGBRAIN, "rerun", execution_id],
        env=env_for(bugbrain, api.key),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    api.ok("DELETE", f"/api/v1/executions/{execution_id}")
    rerun_id = None
    deadline = time.monotonic() + 60
    while rerun_id is None and time.monotonic() < deadline:
        listed = api.ok("GET", f"/api/v1/executions?project_id={project}")["data"]
        rerun_id = next((e["id"] for e in listed if e.get("rerun_of") == execution_id), None)
        time.sleep(0.2)
    assert rerun_id is not None
    api.wait_status(rerun_id, ("running",))
    api.ok("DELETE", f"/api/v1/executions/{rerun_id}")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert "cancelled" in out


def test_bad_key_and_bad_usage_exit_3(bugbrain: BugbrainServer, api: Api, shop: ShopServer) -> None:
    project, plan = shop_plan(api, shop, {"Login": seed.PASSING})
    bad_key = cli(
        bugbrain, api, "run", "--plan", plan, "--project", project, key="bugbrain_sk_prod_nope"
    )
    assert bad_key.returncode == 3
    assert "401" in bad_key.stderr
    assert "BUGBRAIN_API_KEY" in bad_key.stderr
    missing = cli(bugbrain, api, "run", "--plan", plan)
    assert missing.returncode == 3
    assert "--project" in missing.stderr
    not_a_number = cli(bugbrain, api, "run", "--plan", plan, "--project", project, "--timeout", "x")
    assert not_a_number.returncode == 3
    bad_var = cli(bugbrain, api, "run", "--plan", plan, "--project", project, "--var", "novalue")
    assert bad_var.returncode == 3
    assert "KEY=VALUE" in bad_var.stderr
    unknown_plan = cli(bugbrain, api, "run", "--plan", "tp_nope", "--project", project)
    assert unknown_plan.returncode == 3
    assert "test_plan_id" in unknown_plan.stderr
    no_server = cli(bugbrain, api, "run", "--plan", plan, "--project", project, BUGBRAIN_URL="")
    assert no_server.returncode == 3
    assert "BUGBRAIN_URL" in no_server.stderr
    unknown_execution = cli(bugbrain, api, "rerun", "exec_nope")
    assert unknown_execution.returncode == 3
    assert "404" in unknown_execution.stderr


def test_json_no_wait_rerun_and_only_failed(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer
) -> None:
    project, plan = shop_plan(api, shop, {"Login": seed.PASSING, "Add to cart": seed.FAILING})
    ids = ["--plan", plan, "--project", project]
    queued = cli(bugbrain, api, "run", *ids, "--no-wait", "--json")
    assert queued.returncode == 0
    body = json.loads(queued.stdout)
    assert body["status"] == "queued"
    assert body["id"].startswith("exec_")
    original = body["id"]
    api.wait_terminal(original)

    done = cli(bugbrain, api, "rerun", original, "--only-failed", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["exit_code"] == 1
    assert report["rerun_of"] == original
    assert [t["name"] for t in report["tests"]] == ["Add to cart"]
    (test,) = report["tests"]
    assert test["failure_category"] == "selector_changed"
    assert test["fix_suggestions"]
    assert test["screenshot"]
    execution = api.ok("GET", f"/api/v1/executions/{report['id']}")
    assert execution["rerun_of"] == original
    assert execution["total_tests"] == 1
    assert "rerun_of" not in api.ok("GET", f"/api/v1/executions/{original}")

    whole = api.ok("POST", f"/api/v1/executions/{original}/rerun", json={"only_failed": False})
    assert whole["rerun_of"] == original
    assert api.wait_terminal(whole["id"])["total_tests"] == 2
    assert api.post("/api/v1/executions/exec_nope/rerun", json={}).status_code == 404

    passing_project, passing_plan = shop_plan(api, shop, {"Login": seed.PASSING})
    passed = cli(
        bugbrain, api, "run", "--plan", passing_plan, "--project", passing_project, "--json"
    )
    assert passed.returncode == 0
    passed_id = json.loads(passed.stdout)["id"]
    nothing = api.post(f"/api/v1/executions/{passed_id}/rerun", json={"only_failed": True})
    assert nothing.status_code == 409
    refused = cli(bugbrain, api, "rerun", passed_id, "--only-failed")
    assert refused.returncode == 3
    assert "409" in refused.stderr


def test_secrets_are_sent_sealed_and_never_printed(
    bugbrain: BugbrainServer, api: Api, shop: ShopServer, tmp_path: Path
) -> None:
    project = api.ok(
        "POST",
        "/api/v1/projects",
        json={"name": "Secret shop", "base_url": shop.url, "variables": {"email": DEMO_EMAIL}},
    )
    login = seed.test_case(api, project["id"], "Login", seed.PASSING)
    failing = seed.test_case(api, project["id"], "Add to cart", seed.FAILING)
    plan = seed.plan(api, project["id"], [login, failing], element_wait_timeout_ms=1000)
    report = tmp_path / "junit.xml"
    done = cli(
        bugbrain,
        api,
        "run",
        "--plan",
        plan,
        "--project",
        project["id"],
        "--secret",
        "password",
        "--junit",
        str(report),
        "--json",
        password=DEMO_PASSWORD,
    )
    # The login passed: the secret reached the browser.
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert [t["status"] for t in result["tests"]] == ["passed", "failed"]
    for text in (done.stdout, done.stderr, report.read_text()):
        assert DEMO_PASSWORD not in text
    # A rerun keeps it sealed, and still has it.
    again = cli(bugbrain, api, "rerun", result["id"], "--junit", str(report))
    assert again.returncode == 1, again.stderr
    assert "1 passed, 1 failed" in again.stdout
    for text in (again.stdout, again.stderr, report.read_text()):
        assert DEMO_PASSWORD not in text
