"""Table-driven tests for the pure step vocabulary (bugbrain.steps.rules) and spec parsing."""

from __future__ import annotations

from typing import Any

import pytest

from bugbrain.contract.spec import SpecError, StepSpec, parse_spec
from bugbrain.steps import rules as steps

VARS = {"email": "demo@bugbrain.dev", "pw": "s3cret", "user.name": "Ann", "empty": ""}

# --------------------------------------------------------------------------- normalisation

NORMALIZE_CASES = [
    ("click", "click"),
    ("CLICK", "click"),
    ("  Click  ", "click"),
    ("type", "fill"),
    ("Type", "fill"),
    ("fill", "fill"),
    ("assert_text", "assert_text"),
    ("Assert Text", "assert_text"),
    ("assert-visible", "assert_visible"),
    ("assertUrl", "assert_url"),
    ("ASSERT_TITLE", "assert_title"),
    ("goto", "navigate"),
    ("Navigate", "navigate"),
    ("select_option", "select"),
    ("wait_for", "wait"),
    ("teleport", "teleport"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize_action(raw: str, expected: str) -> None:
    assert steps.normalize_action(raw) == expected


@pytest.mark.parametrize(
    ("raw", "known"),
    [("click", True), ("TYPE", True), ("press", True), ("teleport", False), ("", False)],
)
def test_is_known_action(raw: str, known: bool) -> None:
    assert steps.is_known_action(raw) is known


# --------------------------------------------------------------------------- substitution

SUBSTITUTE_CASES: list[tuple[str | None, str | None]] = [
    (None, None),
    ("", ""),
    ("plain text", "plain text"),
    ("{{email}}", "demo@bugbrain.dev"),
    ("{{ email }}", "demo@bugbrain.dev"),
    ("{{\temail\n}}", "demo@bugbrain.dev"),
    ("user={{email}}&pw={{pw}}", "user=demo@bugbrain.dev&pw=s3cret"),
    ("{{user.name}}!", "Ann!"),
    ("[{{empty}}]", "[]"),
    ("{email}", "{email}"),
    ("{{ }}", "{{ }}"),
    ("#id-{{pw}}", "#id-s3cret"),
]


@pytest.mark.parametrize(("text", "expected"), SUBSTITUTE_CASES)
def test_substitute(text: str | None, expected: str | None) -> None:
    assert steps.substitute(text, VARS) == expected


@pytest.mark.parametrize(
    ("text", "variables", "message"),
    [
        ("{{nope}}", {"a": "1", "b": "2"}, "Unknown variable {{nope}} (known: a, b)"),
        ("x {{ nope }} y", {"b": "1", "a": "2"}, "Unknown variable {{nope}} (known: a, b)"),
        ("{{email}} {{missing}}", {"email": "x"}, "Unknown variable {{missing}} (known: email)"),
        ("{{x}}", {}, "Unknown variable {{x}} (known: none)"),
    ],
)
def test_substitute_unknown(text: str, variables: dict[str, str], message: str) -> None:
    with pytest.raises(steps.VariableMissingError) as info:
        steps.substitute(text, variables)
    assert str(info.value) == message


# --------------------------------------------------------------------------- join_url

JOIN_CASES: list[tuple[str | None, str, str]] = [
    ("http://127.0.0.1:8001", "/login", "http://127.0.0.1:8001/login"),
    ("http://127.0.0.1:8001", "login", "http://127.0.0.1:8001/login"),
    ("http://127.0.0.1:8001/", "/login", "http://127.0.0.1:8001/login"),
    ("http://127.0.0.1:8001/", "login", "http://127.0.0.1:8001/login"),
    ("http://h/app", "login", "http://h/app/login"),
    ("http://h/app/", "login", "http://h/app/login"),
    ("http://h/app", "./login", "http://h/app/login"),
    ("http://h/app", "/login", "http://h/login"),
    ("http://h/app?x=1", "login", "http://h/app/login"),
    ("http://h", "?q=1", "http://h/?q=1"),
    ("http://h/app", "", "http://h/app"),
    ("http://h", "https://example.com/x", "https://example.com/x"),
    (None, "https://example.com/x", "https://example.com/x"),
    (None, "HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM"),
    ("https://h", "//cdn.example.com/a", "https://cdn.example.com/a"),
    (None, "about:blank", "about:blank"),
    (None, "localhost:3000/login", "http://localhost:3000/login"),
    ("http://h/app", "localhost:3000/login", "http://localhost:3000/login"),
    ("http://h/app", "example.com:8080", "http://example.com:8080"),
    (None, "example.com", "http://example.com"),
    ("127.0.0.1:8001", "/login", "http://127.0.0.1:8001/login"),
    ("http://h", "  /padded  ", "http://h/padded"),
]


@pytest.mark.parametrize(("base", "target", "expected"), JOIN_CASES)
def test_join_url(base: str | None, target: str, expected: str) -> None:
    assert steps.join_url(base, target) == expected


@pytest.mark.parametrize("target", ["/login", "login", "./x"])
def test_join_url_relative_without_base(target: str) -> None:
    with pytest.raises(ValueError, match="needs a base_url"):
        steps.join_url(None, target)


# --------------------------------------------------------------------------- validation


def _step(action: str, selector: str | None = None, value: str | None = None) -> StepSpec:
    return StepSpec(step_id="s", action=action, selector=selector, value=value)


VALIDATE_CASES: list[tuple[StepSpec, str | None]] = [
    (_step("navigate", value="/login"), None),
    (_step("navigate", selector="/login"), None),
    (_step("navigate", selector="/a", value=""), None),
    (_step("navigate"), "Action 'navigate' requires a URL in value"),
    (_step("navigate", value="  "), "Action 'navigate' requires a URL in value"),
    (_step("click", ".x"), None),
    (_step("CLICK", ".x"), None),
    (_step("click"), "Action 'click' requires a selector"),
    (_step("click", "  "), "Action 'click' requires a selector"),
    (_step("hover"), "Action 'hover' requires a selector"),
    (_step("check"), "Action 'check' requires a selector"),
    (_step("uncheck"), "Action 'uncheck' requires a selector"),
    (_step("fill", "#e", "x"), None),
    (_step("type", "#e", "x"), None),
    (_step("fill", "#e", ""), None),
    (_step("fill", "#e"), "Action 'fill' requires a value (the text to type)"),
    (_step("type", value="x"), "Action 'fill' requires a selector"),
    (_step("select", "#s", "pro"), None),
    (_step("select", "#s"), "Action 'select' requires a value (the option value or label)"),
    (_step("select", value="pro"), "Action 'select' requires a selector"),
    (_step("press", value="Enter"), None),
    (_step("press", "#e", "Enter"), None),
    (_step("press", "#e"), "Action 'press' requires a value (a key such as Enter)"),
    (_step("wait", value="500"), None),
    (_step("wait", value="#late"), None),
    (_step("wait", selector="#late"), None),
    (_step("wait"), "Action 'wait' requires a number of milliseconds or a selector"),
    (
        _step("wait", value="-5"),
        "Action 'wait' needs a non-negative number of milliseconds, got -5",
    ),
    (_step("assert_text", value="Welcome"), None),
    (_step("assert_text", "#m", "Welcome"), None),
    (_step("assert_text"), "Action 'assert_text' requires a value (the expected text)"),
    (_step("assert_visible", "#m"), None),
    (_step("assert_visible", value="#m"), "Action 'assert_visible' requires a selector"),
    (_step("assert_url", value="/cart"), None),
    (_step("assert_url"), "Action 'assert_url' requires a value (the expected URL or path)"),
    (_step("assert_title", value="Home"), None),
    (
        _step("assert_title", value=""),
        "Action 'assert_title' requires a value (the expected title)",
    ),
]


@pytest.mark.parametrize(("step", "expected"), VALIDATE_CASES)
def test_validate_step(step: StepSpec, expected: str | None) -> None:
    assert steps.validate_step(step) == expected


@pytest.mark.parametrize(("action", "shown"), [("teleport", "teleport"), ("Fly Away", "Fly Away")])
def test_validate_unknown_action_lists_known(action: str, shown: str) -> None:
    message = steps.validate_step(_step(action, ".x", "y"))
    assert message is not None
    assert message.startswith(f"Unknown action '{shown}' (known actions: navigate, click, fill")
    for known in steps.ACTIONS:
        assert known in message


def test_validate_empty_action() -> None:
    message = steps.validate_step(_step("  "))
    assert message is not None
    assert message.startswith("Step has no action (known actions: ")


# --------------------------------------------------------------------------- wait parsing

WAIT_CASES: list[tuple[str | None, str | None, tuple[str | None, float | None]]] = [
    (None, "700", (None, 700.0)),
    (None, " 250.5 ", (None, 250.5)),
    (None, "999999", (None, 60000.0)),
    (None, "#late", ("#late", None)),
    ("#late", None, ("#late", None)),
    ("#late", "2000", ("#late", 2000.0)),
    (None, "text=Done", ("text=Done", None)),
]


@pytest.mark.parametrize(("selector", "value", "expected"), WAIT_CASES)
def test_wait_target(
    selector: str | None, value: str | None, expected: tuple[str | None, float | None]
) -> None:
    assert steps.wait_target(selector, value) == expected


# --------------------------------------------------------------------------- screenshots / names

SCREENSHOT_CASES = [
    ("every_step", "click", False, True),
    ("every_step", "click", True, True),
    ("on_failure", "click", False, False),
    ("on_failure", "assert_text", False, False),
    ("on_failure", "click", True, True),
    ("on_assertions", "click", False, False),
    ("on_assertions", "assert_url", False, True),
    ("on_assertions", "Assert Title", False, True),
    ("on_assertions", "click", True, True),
    ("disabled", "click", True, False),
    ("disabled", "assert_text", False, False),
]


@pytest.mark.parametrize(("mode", "action", "failed", "expected"), SCREENSHOT_CASES)
def test_should_screenshot(mode: str, action: str, failed: bool, expected: bool) -> None:
    assert steps.should_screenshot(mode, action, failed) is expected


NAME_CASES: list[tuple[str | None, str, str | None, str | None, str]] = [
    ("Open login", "navigate", None, "/login", "Open login"),
    ("  Spaced  ", "click", ".x", None, "Spaced"),
    (None, "click", ".x", None, "click .x"),
    ("", "navigate", None, "/login", "navigate /login"),
    (None, "type", "#email", "demo", "fill #email 'demo'"),
    (None, "press", None, "Enter", "press Enter"),
    (None, "", None, None, "step"),
]


@pytest.mark.parametrize(("description", "action", "selector", "value", "expected"), NAME_CASES)
def test_step_display_name(
    description: str | None, action: str, selector: str | None, value: str | None, expected: str
) -> None:
    assert steps.step_display_name(description, action, selector, value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("step_1", "step_1"), ("a/b\\c", "a_b_c"), ("../../etc", "etc"), ("", "_"), ("é x", "x")],
)
def test_safe_name(raw: str, expected: str) -> None:
    assert steps.safe_name(raw) == expected


def test_normalize_ws_and_truncate() -> None:
    assert steps.normalize_ws("  a\n\n b\t c ") == "a b c"
    assert steps.truncate("abc", 10) == "abc"
    assert steps.truncate("x" * 20, 10) == "x" * 9 + "…"


# --------------------------------------------------------------------------- parse_spec


def _spec(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "execution_id": "exec_1",
        "artifacts_dir": "/tmp/a",
        "tests": [
            {
                "position": 0,
                "test_id": "t",
                "name": "T",
                "steps": [{"step_id": "s1", "action": "wait", "selector": None, "value": 5}],
            }
        ],
    }
    data.update(over)
    return data


def test_parse_spec_defaults_and_coercion() -> None:
    spec = parse_spec(_spec(variables={"n": 3, "z": None}))
    assert spec.parallelism == 1
    assert spec.screenshot_mode == "every_step"
    assert spec.page_ready == "network_quiet"
    assert spec.screenshot_source == "dom_snapshot"
    assert spec.headless is True
    assert spec.base_url is None
    assert spec.chromium_path is None
    assert spec.variables == {"n": "3", "z": ""}
    assert spec.tests[0].steps[0].value == "5"


@pytest.mark.parametrize(
    ("over", "fragment"),
    [
        ({"execution_id": ""}, "execution_id"),
        ({"tests": "nope"}, "tests: expected a list"),
        ({"screenshot_mode": "sometimes"}, "screenshot_mode"),
        ({"page_ready": "networkidle"}, "page_ready: expected one of"),
        ({"screenshot_source": "png"}, "screenshot_source: expected one of"),
        ({"parallelism": 0}, "parallelism: must be >= 1"),
        ({"parallelism": "2"}, "parallelism: expected an integer"),
        ({"headless": "yes"}, "headless: expected a boolean"),
        ({"browser": "firefox"}, "unsupported browser"),
        ({"variables": []}, "variables: expected an object"),
        (
            {"tests": [{"test_id": "a"}, {"test_id": "b", "position": 0}]},
            "positions must be unique",
        ),
        (
            {"tests": [{"test_id": "a", "steps": [{"action": "click"}]}]},
            "tests[0].steps[0].step_id",
        ),
    ],
)
def test_parse_spec_rejects(over: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(_spec(**over))
    assert fragment in str(info.value)


def test_parse_spec_reads_what_the_old_parser_read() -> None:
    """null or "" modes mean the default, a null position is the index, a name that
    is not text is the id, numbers and booleans are text where text is expected."""
    data = _spec(
        browser="",
        screenshot_mode="",
        healing=None,
        trace_mode="",
        page_ready="",
        base_url=7,
        variables={"flag": True, "n": None},
        tests=[
            {
                "test_id": "t",
                "position": None,
                "name": 5,
                "steps": [{"step_id": "s", "action": "wait", "value": 5, "cached_selector": 3}],
            }
        ],
    )
    spec = parse_spec(data)
    assert (spec.browser, spec.screenshot_mode, spec.healing, spec.trace_mode) == (
        "chromium",
        "every_step",
        "suggest",
        "on_failure",
    )
    assert spec.page_ready == "network_quiet"
    assert spec.base_url == "7"
    assert dict(spec.variables) == {"flag": "True", "n": ""}
    (test,) = spec.tests
    assert (test.position, test.name) == (0, "t")
    assert test.steps[0].cached_selector == "3"
