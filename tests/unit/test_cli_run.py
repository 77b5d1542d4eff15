"""The pure parts of ``bugbrain run``: exit codes, ``KEY=VALUE`` arguments, the
JUnit XML built from a results body (read back with junitparser), the plain
summary, and docs/cli.md against every command's real ``--help``."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path
from typing import Any, cast

import pytest
from junitparser import xunit2

from bugbrain.ci import console, junit, outcome
from bugbrain.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
URL = "http://bb.example/api/v1/artifacts/exec_1/test_"


@pytest.mark.parametrize(
    ("status", "failed", "code"),
    [
        ("completed", 0, 0),
        ("completed", 2, 1),
        ("failed", 0, 2),
        ("failed", 1, 2),
        ("cancelled", 0, 2),
    ],
)
def test_exit_codes(status: str, failed: int, code: int) -> None:
    assert outcome.exit_code(status, failed) == code


def test_assignments() -> None:
    parsed = outcome.parse_assignments(["a=1", "b=x=y", "a=2", "e="], "--var")
    assert parsed == {"a": "2", "b": "x=y", "e": ""}
    assert outcome.parse_assignments(None, "--var") == {}


def test_a_bare_secret_comes_from_the_environment() -> None:
    env = {"PASSWORD": "hunter2"}
    parsed = outcome.parse_assignments(
        ["PASSWORD", "token=t"], "--secret", environ=env, from_environment=True
    )
    assert parsed == {"PASSWORD": "hunter2", "token": "t"}
    assert outcome.variables({"a": "1"}, parsed) == {
        "a": "1",
        "PASSWORD": {"value": "hunter2", "secret": True},
        "token": {"value": "t", "secret": True},
    }


@pytest.mark.parametrize(
    ("values", "option", "words"),
    [
        (["novalue"], "--var", "expected KEY=VALUE"),
        (["=x"], "--var", "not a variable name"),
        (["1a=x"], "--var", "not a variable name"),
        (["MISSING"], "--secret", "no environment variable MISSING"),
        (["pw=  "], "--secret", "the value is empty"),
    ],
)
def test_bad_assignments(values: list[str], option: str, words: str) -> None:
    with pytest.raises(outcome.UsageError, match=words):
        outcome.parse_assignments(values, option, environ={}, from_environment=option == "--secret")


def test_a_bad_assignment_never_quotes_the_value() -> None:
    with pytest.raises(outcome.UsageError) as raised:
        outcome.parse_assignments(["bad name=s3cr3t"], "--secret", from_environment=True)
    assert "s3cr3t" not in str(raised.value)


def _step(name: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"step_id": name, "name": name, "status": status, "duration_ms": 10, **extra}


def _attempt(number: int, status: str, error: str | None = None) -> dict[str, Any]:
    return {
        "attempt": number,
        "status": status,
        "duration_ms": 100,
        "error": error,
        "error_type": "assertion_failed" if error else None,
        "screenshot": f"{URL}{number}.png" if error else None,
        "steps": [_step("Open", "passed"), _step("Check", status, error=error)],
    }


RESULTS: dict[str, Any] = {
    "id": "exec_1",
    "test_plan_id": "tp_1",
    "status": "completed",
    "summary": {"total": 4, "passed": 2, "failed": 1, "skipped": 1, "flaky": 1},
    "heals": [
        {
            "test_case_id": "tc_ok",
            "step_id": "s2",
            "original_selector": ".old",
            "healed_selector": "[data-testid=new]",
        }
    ],
    "test_results": [
        {
            "test_id": "tc_ok",
            "name": "Healed <&> test",
            "status": "passed",
            "duration_ms": 1500,
            "flaky": False,
            "healed": True,
            "steps": [
                _step(
                    "Click", "passed", healed=True, original_selector=".old", healed_selector="#n"
                )
            ],
        },
        {
            "test_id": "tc_flaky",
            "name": "Flaky",
            "status": "passed",
            "duration_ms": 900,
            "flaky": True,
            "healed": False,
            "steps": [_step("Check", "passed")],
            "attempts": [_attempt(1, "failed", "Expected Ready"), _attempt(2, "passed")],
        },
        {
            "test_id": "tc_bad",
            "name": "Broken",
            "status": "failed",
            "duration_ms": 2000,
            "flaky": False,
            "healed": False,
            "error": "Element not found: .add\x01",
            "error_type": "element_not_found",
            "screenshot": f"{URL}bad.png",
            "trace": f"{URL}bad.zip",
            "steps": [_step("Add", "failed", error="Element not found: .add")],
            "attempts": [_attempt(1, "failed", "first"), _attempt(2, "failed", "second")],
        },
        {
            "test_id": "tc_skip",
            "name": "Never ran",
            "status": "skipped",
            "duration_ms": 0,
            "flaky": False,
            "healed": False,
            "steps": [],
        },
    ],
}
ANALYSIS = {
    "analysis": [
        {
            "test_id": "tc_bad",
            "failure_category": "selector_changed",
            "confidence": 0.7,
            "description": "The selector no longer exists.",
            "fix_suggestions": ["Use [data-testid=add]", "Prefer stable selectors"],
        }
    ]
}


def _read(xml: bytes, tmp_path: Path) -> tuple[Any, dict[str, xunit2.TestCase]]:
    path = tmp_path / "junit.xml"
    path.write_bytes(xml)
    (suite,) = list(xunit2.JUnitXml.fromfile(str(path)))
    return suite, {case.name: cast(xunit2.TestCase, case) for case in suite}


def _properties(element: Any) -> list[tuple[str, str]]:
    return [(prop.name, prop.value) for prop in element.properties()]


def test_junit_from_a_results_body(tmp_path: Path) -> None:
    execution = {"duration_ms": 4500, "started_at": "2026-01-01T00:00:00Z", "rerun_of": "exec_0"}
    suite, cases = _read(junit.build(RESULTS, ANALYSIS, execution, suite_name="Smoke"), tmp_path)
    assert suite.name == "Smoke"
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 0, 1)
    assert suite.time == pytest.approx(4.5)
    assert ("rerun_of", "exec_0") in _properties(suite)

    broken = cases["Broken"]
    (failure,) = broken.result
    assert failure.message == "Element not found: .add"  # the control character dropped
    assert failure.type == "selector_changed"
    assert "Failure category: selector_changed (confidence 0.70)" in (failure.text or "")
    assert "- Use [data-testid=add]" in (failure.text or "")
    props = dict(_properties(broken))
    assert props["screenshot"] == f"{URL}bad.png"
    assert props["trace"] == f"{URL}bad.zip"
    assert props["failure_category"] == "selector_changed"
    (rerun,) = broken.rerun_failures()
    assert rerun.message == "first"
    assert "[failed] Add (10 ms): Element not found: .add" in (broken.system_out or "")

    flaky = cases["Flaky"]
    assert flaky.is_passed
    (flaky_failure,) = flaky.flaky_failures()
    assert flaky_failure.message == "Expected Ready"
    assert flaky_failure.type == "assertion_failed"
    assert "attempt 1" in (flaky_failure.stack_trace or "")
    assert "[failed] Check" in (flaky_failure.system_out or "")
    assert ("flaky", "true") in _properties(flaky)
    assert ("attempt.1.screenshot", f"{URL}1.png") in _properties(flaky)

    healed = cases["Healed <&> test"]
    assert ("healed", "s2: .old -> [data-testid=new]") in _properties(healed)
    assert "(healed: .old -> #n)" in (healed.system_out or "")
    assert cases["Never ran"].is_skipped


def test_junit_of_a_failed_execution_says_why_tests_did_not_run(tmp_path: Path) -> None:
    results = {**RESULTS, "status": "failed"}
    execution = {"failure_reason": "timeout", "failure_message": "over 3 s"}
    suite, cases = _read(junit.build(results, None, execution), tmp_path)
    assert suite.name == "tp_1"
    (skipped,) = cases["Never ran"].result
    assert skipped.message == "skipped: the execution failed: timeout (over 3 s)"
    (failure,) = cases["Broken"].result
    assert failure.type == "element_not_found"  # no analysis: the error's type


def test_plain_summary_has_the_table_and_whole_links() -> None:
    stream = io.StringIO()
    console.summary(stream, {"duration_ms": 4500}, RESULTS, ANALYSIS)
    text = stream.getvalue()
    assert "\x1b" not in text
    assert text.startswith("exec_1: completed in 4.5 s: 2 passed, 1 failed, 1 skipped, 1 flaky")
    assert "selector_changed" in text
    assert "Use [data-testid=add]" in text
    assert f"  Broken screenshot: {URL}bad.png\n" in text
    assert "flaky (passed on a retry): Flaky" in text


def test_plain_progress_prints_a_line_per_change(capsys: pytest.CaptureFixture[str]) -> None:
    from bugbrain.client.models import STATUS

    view = console.ProgressView("exec_1", io.StringIO())
    running = {
        "id": "exec_1",
        "status": "running",
        "progress": {"current": 1, "total": 4, "percent": 25},
        "created_at": "2026-01-01T00:00:00Z",
        "started_at": "2026-01-01T00:00:00Z",
        "estimated_completion": None,
    }
    for _ in range(3):
        view.update(STATUS.validate_python(running))
    assert cast(io.StringIO, view.stream).getvalue() == ("exec_1: running, 1/4 tests done (25%)\n")


def test_usage_errors_of_run_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["run", "--plan", "tp_1"])
    assert raised.value.code == 3
    assert "--project" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:
        main(["rerun"])
    assert raised.value.code == 3
    with pytest.raises(SystemExit) as raised:
        main(["keys", "create"])  # other commands keep argparse's 2
    assert raised.value.code == 2


def _parsers(
    parser: argparse.ArgumentParser, prefix: str = "bugbrain"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _parsers(sub, f"{prefix} {name}")
                found.extend(nested or [(f"{prefix} {name}", sub)])
    return found


@pytest.mark.parametrize(("command", "parser"), _parsers(build_parser()))
def test_docs_cli_has_every_command_and_option_of_its_help(
    command: str, parser: argparse.ArgumentParser
) -> None:
    """docs/cli.md against the real ``--help``: each command has a section, and
    every option and argument its help lists is in that section."""
    docs = (ROOT / "docs" / "cli.md").read_text()
    heading = re.search(rf"^## `{re.escape(command)}`.*$", docs, re.MULTILINE)
    assert heading is not None, f"docs/cli.md has no '## `{command}`' section"
    following = docs[heading.end() :]
    section = (
        following[: next_heading.start()]
        if (next_heading := re.search(r"^## ", following, re.MULTILINE))
        else following
    )
    help_text = parser.format_help()
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", help_text)) - {"--help"}
    positionals = {a.metavar or a.dest for a in parser._actions if not a.option_strings}
    for name in sorted(options | {str(p) for p in positionals}):
        assert name in section, f"{command}: {name} (from --help) is not in its docs/cli.md section"
