"""Which URLs a test may open (bugbrain.steps.urls): tables."""

from __future__ import annotations

import pytest

from bugbrain.diagnosis.classify import Evidence, classify
from bugbrain.steps import urls
from bugbrain.steps.rules import join_url

REFUSED_TARGETS = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "File://localhost/etc/passwd",
    " \t file:///etc/passwd",
    "\x00file:///etc/passwd",
    "fi\tle:///etc/passwd",
    "fi\nle:///etc/passwd",
    "file:{{path}}",
    "view-source:file:///etc/passwd",
    "view-source:http://example.com",
    "chrome://version",
    "chrome-extension://abc/x.html",
    "chrome-untrusted://x",
    "devtools://devtools/bundled/inspector.html",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<p>x</p>",
    "blob:http://127.0.0.1/0b4c3a2e",
    "filesystem:file:///etc/passwd",
    "about:version",
    "about:srcdoc",
    "ftp://example.com/x",
    "ws://127.0.0.1:8000/",
    "wss://example.com/",
    "mailto:a@example.com",
    "intent://x",
    "gopher://x",
]
ALLOWED_TARGETS = [
    "http://example.com",
    "https://example.com/x?y#z",
    "HTTPS://EXAMPLE.COM",
    " https://example.com ",
    "about:blank",
    "ABOUT:BLANK",
    "about:blank#top",
    "/login",
    "login",
    "./x/y",
    "?q=1",
    "#frag",
    "//cdn.example.com/a",
    "",
    "localhost:3000",
    "localhost:3000/login",
    "127.0.0.1:8001/x",
    "example.com:8080/x",
    "example.com/x",
    "{{home}}",
    "{{base}}/login",
]


@pytest.mark.parametrize("target", REFUSED_TARGETS)
def test_target_refused(target: str) -> None:
    problem = urls.target_problem(target)
    assert problem is not None
    assert problem.startswith(urls.REFUSED)
    assert problem.endswith(": only http and https URLs may be opened")


@pytest.mark.parametrize("target", ALLOWED_TARGETS)
def test_target_allowed(target: str) -> None:
    assert urls.target_problem(target) is None


@pytest.mark.parametrize("base", ["http://h/app/", "https://h", None])
@pytest.mark.parametrize("target", [t for t in ALLOWED_TARGETS if "{{" not in t])
def test_an_allowed_target_joins_to_an_openable_url(base: str | None, target: str) -> None:
    """What passes as written opens once joined: the save-time check and the
    run agree (targets that need a base and have none fail for that reason)."""
    try:
        url = join_url(base, target)
    except ValueError:
        assert base is None
        return
    assert urls.openable(url), url


@pytest.mark.parametrize("target", REFUSED_TARGETS)
def test_a_refused_target_stays_refused_once_joined(target: str) -> None:
    assert not urls.openable(join_url("http://h/app/", target))


@pytest.mark.parametrize(
    ("base", "target"),
    [
        ("file:///etc/", "passwd"),
        ("file:///etc/", "/passwd"),
        ("file:///etc/", ""),
        ("data:text/html,x/", "passwd"),
        ("about:blank", "/x"),
    ],
)
def test_a_base_url_that_is_not_http_makes_every_target_refused(base: str, target: str) -> None:
    assert urls.target_problem(target) is None  # fine as written...
    assert not urls.openable(join_url(base, target))  # ...refused once joined


def test_a_refusal_names_the_url_and_nothing_else() -> None:
    assert urls.refusal("  file:///etc/hostname ") == (
        "Refused to open file:///etc/hostname: only http and https URLs may be opened"
    )
    assert len(urls.refusal("file:///" + "x" * 5000)) < 300


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/x", True),
        ("https://example.com", True),
        ("", True),
        ("about:blank", True),
        ("about:blank#blocked", True),
        ("about:srcdoc", True),
        ("data:text/html,<p>x</p>", True),
        ("blob:http://127.0.0.1:8000/0b4c3a2e", True),
        ("chrome-error://chromewebdata/", True),
        ("file:///etc/hostname", False),
        ("FILE:///etc/hostname", False),
        ("view-source:file:///etc/hostname", False),
        ("chrome://version/", False),
        ("chrome-extension://abc/x.html", False),
        ("devtools://devtools/x", False),
        ("filesystem:file:///x", False),
        ("about:version", False),
        ("ftp://example.com/", False),
    ],
)
def test_where_a_page_may_be(url: str, allowed: bool) -> None:
    assert urls.page_may_be_on(url) is allowed


@pytest.mark.parametrize(
    ("action", "selector", "value", "description", "expected"),
    [
        ("navigate", None, "file:///x", "", ("value", "file:///x")),
        ("goto", None, "/home", None, ("value", "/home")),
        ("Navigate", "file:///x", None, "", ("selector", "file:///x")),
        ("navigate", "file:///x", "  ", "", ("selector", "file:///x")),
        ("click", "#a", "file:///x", "", None),
        (None, None, None, "Go to file:///etc/passwd", ("description", "file:///etc/passwd")),
        ("", None, None, "Open 'data:text/html,hi'", ("description", "data:text/html,hi")),
        (None, None, None, "Visit the home page", ("description", "/")),
        (None, None, None, "Open the Account menu", None),  # a click
        (None, None, None, "Teleport to Mars", None),  # words that do not parse
        # An action without its URL takes the words' URL...
        ("navigate", None, None, "Go to file:///etc/passwd", ("description", "file:///etc/passwd")),
        # ...but a written value wins, as in the run.
        ("navigate", None, "", "Go to file:///etc/passwd", ("value", "")),
        # A valid explicit step ignores its words.
        ("navigate", None, "/ok", "Go to file:///etc/passwd", ("value", "/ok")),
        # Words that navigate under an explicit other action do not navigate.
        ("click", None, None, "Go to file:///etc/passwd", None),
        # Words alone: the run takes the URL from the words and ignores a value,
        # so the check does too (a harmless value must not hide a file: URL).
        (
            None,
            None,
            "https://ok.example",
            "Go to file:///etc/passwd",
            ("description", "file:///etc/passwd"),
        ),
        ("", None, "file:///x", "Go to /home", ("description", "/home")),
    ],
)
def test_navigation_of(
    action: str | None,
    selector: str | None,
    value: str | None,
    description: str | None,
    expected: tuple[str, str] | None,
) -> None:
    assert urls.navigation_of(action, selector, value, description) == expected


def test_analysis_of_a_refused_page_says_why() -> None:
    error = (
        "Refused to open file:///etc/hostname: only http and https URLs may be opened "
        "(the page went there; nothing from it was kept)"
    )
    step = {"step_id": "s2", "action": "click", "status": "failed", "url": "about:blank"}
    verdict = classify(
        Evidence(error=error, error_type="navigation_error", step=step, steps=[step])
    )
    assert verdict.category == "navigation_error"
    assert verdict.description.startswith("The page went to a URL no test may open")
    assert any("http and https" in s for s in verdict.fix_suggestions)
