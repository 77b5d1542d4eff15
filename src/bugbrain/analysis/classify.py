"""Failure classification (pure: evidence in, verdict out).

The runner's error type is only a first hint: an element that is "not found"
on a 404 page is a navigation error, on a login page an authentication
failure, behind a spinner a timeout, after a failed API call a network error.
``classify`` applies the rules below in order; the first that fits decides,
and ``Verdict.signals`` lists the evidence that made it fit.

1. execution deadline (the test was cut off)                  → timeout
2. the document answered 401/403                              → authentication_failed
3. the document failed (navigation error, net::ERR_*, crash,
   HTTP ≥ 400, an error page)                                 → navigation_error
4. bounced to a login page, a 401/403 request, a rejected
   sign-in, an access-denied page                             → authentication_failed
5. "not found", yet the heal search found that very selector  → timeout (it came late)
6. the element is missing but a strong replacement is there   → selector_changed
7. a timeout error, or content missing while a spinner or the
   document is still loading (unless a failed request or, for
   a wait without spinner, an uncaught error explains it)     → timeout
8. a failed fetch/XHR (5xx, network error; weaker: aborted, 4xx)
   and missing content                                        → network_error
9. an uncaught exception (or an exception-like console error)
   and missing content                                        → javascript_error
10. element found but hidden/disabled/covered/…               → element_not_interactable
    (no reason found at all: the action ran out of time       → timeout)
11. element missing or ambiguous on a healthy page            → selector_changed
12. assertion mismatch on a healthy page                      → assertion_failed
13. anything else                                             → unknown (confidence ≤ 0.4)

"Missing content" is an element not found, a wait that timed out, an element
that shows nothing or "Loading…", a wrong URL/title, a page-level text check,
or an element that shows an error message; an element that shows other real
content is an assertion failure even when a request or script failed.
Requests to analytics/tracking URLs and "Failed to load resource" console
lines never decide anything.

Inputs are plain data: the failed step's result (with ``context``: the page
signals captured at failure, and ``heal_candidates``), the test's other step
results, its console errors, uncaught errors and failed requests, and the
step's previous passing run when known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

CATEGORIES: Final = (
    "selector_changed",
    "element_not_interactable",
    "assertion_failed",
    "timeout",
    "navigation_error",
    "network_error",
    "javascript_error",
    "authentication_failed",
    "unknown",
)

# A heal candidate at least this similar is "the same element, renamed".
STRONG_CANDIDATE: Final = 0.8
UNKNOWN_CONFIDENCE: Final = 0.3

_LOGIN_PATH: Final = re.compile(
    r"/(log-?in|sign-?in|auth|session/new|account/login)(/|$|\?|#|\.)", re.IGNORECASE
)
_NET_ERR: Final = re.compile(r"net::ERR_[A-Z0-9_]+")
_HTTP_STATUS: Final = re.compile(r"\bHTTP (\d{3})\b")
_TIMEOUT_MS: Final = re.compile(r"(?:after|Timeout) (\d+) ?ms", re.IGNORECASE)
_REASON: Final = re.compile(r"\(([^()]*)\)\s*$")
_CLOSEST: Final = re.compile(r"Closest: (.+)$")
_OPTION_MISSING: Final = re.compile(r"^Option '.*' not found in ")
_CRASH: Final = re.compile(r"\b(target|page|renderer) crashed\b", re.IGNORECASE)
# Requests nobody's page content depends on.
_NOISE_URL: Final = re.compile(
    r"analytics|tracking|/track\b|telemetry|beacon|/collect\b|/metrics\b|sentry|gtag|"
    r"pixel|doubleclick|hotjar|favicon",
    re.IGNORECASE,
)
# Console errors that are really failed loads (counted as requests, not scripts).
_RESOURCE_CONSOLE: Final = re.compile(r"^Failed to load resource|net::ERR_", re.IGNORECASE)
# Console errors that read like a broken script.
_EXCEPTION_CONSOLE: Final = re.compile(
    r"\b(Type|Reference|Syntax|Range)Error\b|Uncaught|is not a function|is not defined|"
    r"Cannot read propert|undefined is not|null is not|failed to render|unhandled|exception",
    re.IGNORECASE,
)
_ERRORISH: Final = re.compile(
    r"\berror\b|failed|unavailable|went wrong|try again|could not|couldn.t|unable to",
    re.IGNORECASE,
)
_REJECTION: Final = re.compile(
    r"invalid|incorrect|wrong|failed|denied|locked|expired|not authori[sz]ed|unauthori[sz]ed",
    re.IGNORECASE,
)
# errors.translate's reason when nothing specific was found.
_NO_REASON: Final = "covered or not ready"
_PLACEHOLDER_TEXT: Final = re.compile(r"^\s*(loading|please wait|…|\.\.\.)?\W*\s*$", re.IGNORECASE)

_CONTENT_ASSERTS: Final = frozenset(
    {"assert_text", "assert_visible", "assert_count", "assert_value"}
)
_PAGE_ASSERTS: Final = frozenset({"assert_url", "assert_title"})
_NOT_FOUND: Final = frozenset({"element_not_found"})
_AMBIGUOUS: Final = frozenset({"ambiguous_selector", "ambiguous_target"})
_SUBMIT_ACTIONS: Final = frozenset({"click", "press", "check"})


@dataclass(frozen=True)
class PreviousRun:
    """The same step's last passing run."""

    selector: str | None = None  # what it acted on
    url: str | None = None
    description: str | None = None  # e.g. button.add-to-cart-btn "Add to cart"
    execution_id: str | None = None


@dataclass(frozen=True)
class Evidence:
    """What the runner saw when a test failed."""

    error: str
    error_type: str | None
    step: Mapping[str, Any] | None = None  # the failed step's result
    steps: Sequence[Mapping[str, Any]] = ()  # every step result of the test, in order
    final_url: str | None = None
    console_errors: Sequence[Mapping[str, Any]] = ()
    page_errors: Sequence[str] = ()
    failed_requests: Sequence[Mapping[str, Any]] = ()
    previous: PreviousRun | None = None
    element_timeout_ms: int | None = None
    execution_timeout_s: int | None = None
    # The execution's own deadline cut this test off.
    deadline_exceeded: bool = False


@dataclass
class Verdict:
    category: str
    confidence: float
    description: str
    fix_suggestions: list[str]
    signals: list[str] = field(default_factory=list)
    expected_selector: str | None = None
    suggested_alternative: str | None = None
    # Specific evidence for the API body (expected/actual, failed_request, …).
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_login_url(url: str | None) -> bool:
    if not url or not url.lower().startswith(("http://", "https://")):
        return False
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return bool(_LOGIN_PATH.search(path))


def _origin(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _same_page(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc, pa.path.rstrip("/")) == (pb.netloc, pb.path.rstrip("/"))


def _raise_to(ms: int) -> int:
    """A timeout worth trying instead of ``ms``: at least double, rounded up."""
    target = max(ms * 2, ms + 5000)
    return int(-(-target // 1000) * 1000)


def _request_text(req: Mapping[str, Any]) -> str:
    status = req.get("status")
    how = f"HTTP {status}" if status is not None else _s(req.get("failure")) or "failed"
    return f"{_s(req.get('method')) or 'GET'} {_s(req.get('url'))} → {how}"


@dataclass
class _Facts:
    """Everything the rules look at, derived once."""

    ev: Evidence
    kind: str = ""
    action: str = ""
    selector: str | None = None
    words: str = ""
    ctx: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    doc_status: int | None = None
    net_error: str | None = None
    candidates: list[Mapping[str, Any]] = field(default_factory=list)
    app_failed: list[Mapping[str, Any]] = field(default_factory=list)  # 5xx / network error
    app_weak: list[Mapping[str, Any]] = field(default_factory=list)  # aborted / other 4xx
    auth_requests: list[Mapping[str, Any]] = field(default_factory=list)  # 401 / 403
    ignored_requests: list[Mapping[str, Any]] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)  # uncaught
    js_console: list[str] = field(default_factory=list)  # exception-like console errors
    console_noise: list[str] = field(default_factory=list)
    prior: list[Mapping[str, Any]] = field(default_factory=list)  # steps before the failed one

    @property
    def best(self) -> Mapping[str, Any] | None:
        return self.candidates[0] if self.candidates else None

    @property
    def best_score(self) -> float:
        best = self.best
        score = best.get("score") if best else None
        return float(score) if isinstance(score, int | float) else 0.0

    @property
    def strong_candidate(self) -> bool:
        return self.best is not None and self.best_score >= STRONG_CANDIDATE

    @property
    def element_missing(self) -> bool:
        return self.kind in _NOT_FOUND and not _OPTION_MISSING.match(self.ev.error)

    @property
    def content_assert(self) -> bool:
        return self.kind == "assertion_failed" and self.action in _CONTENT_ASSERTS

    @property
    def element_wait_timeout(self) -> bool:
        return self.kind == "timeout" and self.action in ("wait", "wait_hidden", "")

    @property
    def content_missing(self) -> bool:
        """The thing the step needed is not there (rather than different)."""
        if self.element_missing or self.element_wait_timeout:
            return True
        if self.content_assert:
            actual = _s((self.ev.step or {}).get("actual"))
            return self.selector is not None and bool(_PLACEHOLDER_TEXT.match(actual))
        return False

    @property
    def content_failure(self) -> bool:
        """Missing content, or an assertion about what the page shows."""
        return self.content_missing or self.content_assert

    @property
    def page_assert(self) -> bool:
        return self.kind == "assertion_failed" and self.action in _PAGE_ASSERTS

    @property
    def explainable(self) -> bool:
        """A failure a broken request or script can explain: the content is missing,
        the page-level text/URL/title is wrong, or the element shows an error."""
        if self.content_missing or self.page_assert:
            return True
        if self.content_assert:
            actual = _s((self.ev.step or {}).get("actual"))
            return not self.selector or bool(_ERRORISH.search(actual))
        return False

    @property
    def busy(self) -> bool:
        return bool(self.ctx.get("busy")) or self.ctx.get("ready_state") == "loading"

    @property
    def element_timeout(self) -> int | None:
        return self.ev.element_timeout_ms


def _facts(ev: Evidence) -> _Facts:
    step = ev.step or {}
    f = _Facts(ev)
    f.kind = ev.error_type or ""
    f.action = _s(step.get("action"))
    f.selector = step.get("selector") or step.get("resolved_selector") or None
    f.words = _s(step.get("description")) or _s(step.get("name"))
    ctx = step.get("context")
    f.ctx = ctx if isinstance(ctx, Mapping) else {}
    f.url = _s(f.ctx.get("url")) or _s(step.get("url")) or ev.final_url or None
    status = f.ctx.get("document_status")
    f.doc_status = status if isinstance(status, int) else None
    if f.kind == "navigation_error":
        match = _HTTP_STATUS.search(ev.error)
        if match:
            f.doc_status = int(match.group(1))
    net = _NET_ERR.search(ev.error)
    f.net_error = net.group(0) if net else None
    raw = step.get("heal_candidates")
    if isinstance(raw, list):
        f.candidates = [c for c in raw if isinstance(c, Mapping) and c.get("selector")]
    for req in ev.failed_requests:
        rtype, status, failure = req.get("resource_type"), req.get("status"), req.get("failure")
        if rtype == "document":
            if f.doc_status is None and _same_page(_s(req.get("url")), f.url):
                f.doc_status = status if isinstance(status, int) else f.doc_status
            continue
        if status in (401, 403):
            f.auth_requests.append(req)
            continue
        if rtype not in ("fetch", "xhr", "eventsource", "websocket"):
            continue
        if _NOISE_URL.search(_s(req.get("url"))):
            f.ignored_requests.append(req)
        elif (isinstance(status, int) and status >= 500) or (
            status is None and failure and "ERR_ABORTED" not in _s(failure)
        ):
            f.app_failed.append(req)
        else:
            f.app_weak.append(req)
    f.js_errors = [_s(e) for e in ev.page_errors if _s(e)]
    for msg in ev.console_errors:
        text = _s(msg.get("text"))
        if not text or _RESOURCE_CONSOLE.search(text):
            continue
        (f.js_console if _EXCEPTION_CONSOLE.search(text) else f.console_noise).append(text)
    steps = list(ev.steps)
    f.prior = steps[: steps.index(step)] if step in steps else steps
    return f


def _base(f: _Facts, category: str, confidence: float, description: str) -> Verdict:
    return Verdict(
        category,
        round(confidence, 2),
        description,
        [],
        expected_selector=f.selector,
    )


def _where(f: _Facts) -> str:
    return f.url or "the page"


# --------------------------------------------------------------------------- rules


def classify(ev: Evidence) -> Verdict:
    f = _facts(ev)
    for rule in (
        _deadline,
        _auth_document,
        _navigation,
        _authentication,
        _came_late,
        _strong_replacement,
        _timeout,
        _network,
        _javascript,
        _not_interactable,
        _selector_changed,
        _assertion,
    ):
        verdict = rule(f)
        if verdict is not None:
            _add_context_signals(f, verdict)
            return verdict
    return _unknown(f)


def _add_context_signals(f: _Facts, v: Verdict) -> None:
    if f.ignored_requests:
        urls = ", ".join(_s(r.get("url")) for r in f.ignored_requests[:2])
        v.signals.append(f"ignored failed request(s) that page content does not need: {urls}")
    if v.category not in ("javascript_error",) and (f.js_errors or f.js_console):
        first = (f.js_errors or f.js_console)[0]
        v.signals.append(f"script error also seen (not the cause): {_clip(first, 80)}")


def _deadline(f: _Facts) -> Verdict | None:
    if not f.ev.deadline_exceeded:
        return None
    limit = f.ev.execution_timeout_s
    step = f"'{f.words or f.action}'" if (f.words or f.action) else "a step"
    v = _base(
        f,
        "timeout",
        0.9,
        f"The execution's deadline ({limit} s) passed while the test was running {step}; "
        "the browser was stopped before the test could finish."
        if limit
        else f"The execution's deadline passed while the test was running {step}.",
    )
    v.signals.append("execution deadline exceeded (failure_reason timeout)")
    if limit:
        v.fix_suggestions.append(
            f"Raise the execution's timeout_seconds from {limit} to {max(limit * 2, limit + 60)}"
        )
        v.details.update(
            timeout_seconds=limit, suggested_timeout_seconds=max(limit * 2, limit + 60)
        )
    v.fix_suggestions.append(
        "Split long plans or raise the plan's parallelism so every test finishes in time"
    )
    return v


def _auth_document(f: _Facts) -> Verdict | None:
    if f.doc_status not in (401, 403):
        return None
    v = _base(
        f,
        "authentication_failed",
        0.9,
        f"{_where(f)} answered HTTP {f.doc_status}: the test is not signed in, or its user may "
        "not open this page.",
    )
    v.signals.append(f"document HTTP status {f.doc_status}")
    v.fix_suggestions += [
        f"Sign in before opening {_where(f)} (add the login steps, or check the session cookie)",
        "Check that the test user has access to this page",
    ]
    v.details["document_status"] = f.doc_status
    return v


def _navigation(f: _Facts) -> Verdict | None:
    ctx = f.ctx
    crashed = bool(_CRASH.search(f.ev.error))
    error_page = bool(ctx.get("error_page")) or _s(f.url).startswith("chrome-error:")
    bad_status = f.doc_status is not None and f.doc_status >= 400
    if not (f.kind == "navigation_error" or f.net_error or crashed or error_page or bad_status):
        return None
    if f.kind in ("invalid_step", "variable_missing"):
        return None
    target = f.url
    if f.kind == "navigation_error":
        match = re.search(r"Navigation to (\S+) failed", f.ev.error)
        target = match.group(1) if match else target
    where = target or "the page"
    signals: list[str] = []
    if f.kind == "navigation_error":
        signals.append("the navigation failed")
    if f.net_error:
        signals.append(f"network error {f.net_error}")
    if bad_status:
        signals.append(f"document HTTP status {f.doc_status}")
    if error_page:
        signals.append(f"error page: {_s(ctx.get('error_page_reason')) or 'browser error page'}")
    if crashed:
        signals.append("the page crashed")
    if f.kind not in ("navigation_error", "timeout", "error", ""):
        signals.append(f"the step's own error ({f.kind}) is a consequence")
    if crashed:
        description = f"The browser page crashed while the test ran on {where}."
        fixes = [
            "Open the trace to see what the page was doing when it crashed "
            "(memory use, an endless loop)",
            "Run the test again: a renderer crash is often a one-off",
        ]
    elif f.net_error:
        description = f"{where} could not be loaded: {f.net_error}."
        fixes = _net_error_fixes(f.net_error, where)
    elif bad_status:
        description = f"{where} answered HTTP {f.doc_status} instead of the page."
        fixes = (
            [
                f"{where} does not exist (HTTP 404): fix the link or the step's URL, "
                "or restore the page"
            ]
            if f.doc_status in (404, 410)
            else [f"{where} failed on the server (HTTP {f.doc_status}): check the server's logs"]
        )
        fixes.append("Check the project's or environment's base_url")
    else:
        reason = _s(ctx.get("error_page_reason")) or "an error page"
        description = f"{where} showed an error page ({reason}) instead of the expected page."
        fixes = [
            f"{where} is an error page ({reason}): check that the application and anything in "
            "front of it (proxy, load balancer) are up",
            "Check the link or URL that led there",
        ]
    confidence = 0.95 if f.kind == "navigation_error" or f.net_error else 0.85
    if not (f.kind == "navigation_error" or f.net_error or bad_status or crashed):
        confidence = 0.75  # only the page's looks say it is an error page
    v = _base(f, "navigation_error", confidence, description)
    v.signals += signals
    v.fix_suggestions += fixes
    if f.doc_status is not None:
        v.details["document_status"] = f.doc_status
    return v


def _net_error_fixes(code: str, where: str) -> list[str]:
    origin = _origin(where)
    if code in (
        "net::ERR_CONNECTION_REFUSED",
        "net::ERR_CONNECTION_RESET",
        "net::ERR_EMPTY_RESPONSE",
    ):
        return [
            f"Nothing accepted the connection at {origin}: start the application, or fix the "
            "port in the project's base_url",
            "Check that the bugbrain worker can reach that host",
        ]
    if code in ("net::ERR_NAME_NOT_RESOLVED", "net::ERR_NAME_RESOLUTION_FAILED"):
        return [
            f"The host of {origin} does not resolve: fix the hostname in base_url or the DNS",
        ]
    if "SSL" in code or "CERT" in code:
        return [
            f"The TLS handshake with {origin} failed ({code}): check the certificate, or use "
            "http:// if the server does not speak HTTPS",
        ]
    if "TIMED_OUT" in code:
        return [f"{origin} did not answer in time: check that it is up and reachable"]
    return [f"Loading {where} failed with {code}: check that the application is reachable"]


def _submitted_on_login(f: _Facts) -> bool:
    """A click/press passed on the login page and the test is still there."""
    return any(
        s.get("status") == "passed"
        and _s(s.get("action")) in _SUBMIT_ACTIONS
        and is_login_url(_s(s.get("url")))
        for s in f.prior
    ) or any(
        s.get("status") == "passed"
        and _s(s.get("action")) in _SUBMIT_ACTIONS
        and isinstance(s.get("context"), Mapping)
        and s["context"].get("login_page")
        for s in f.prior
    )


def _navigated_to_login(f: _Facts) -> int | None:
    """Index (in prior + failing) of the last step that opened a login URL on purpose."""
    steps = [*f.prior, f.ev.step or {}]
    found = None
    for i, s in enumerate(steps):
        if _s(s.get("action")) != "navigate":
            continue
        target = _s(s.get("value")) or _s(s.get("selector"))
        path = urlsplit(target).path if "://" in target else target.split("?")[0]
        if _LOGIN_PATH.search(path if path.endswith("/") else path + "/"):
            found = i
    return found


def _expects_rejection(f: _Facts) -> bool:
    """The failing step asserts an error message: the test is about the refusal."""
    if f.kind != "assertion_failed":
        return False
    return bool(_REJECTION.search(_s((f.ev.step or {}).get("expected"))))


def _authentication(f: _Facts) -> Verdict | None:
    if f.kind in ("invalid_step", "variable_missing", "element_not_interactable"):
        return None
    on_login = bool(f.ctx.get("login_page")) or is_login_url(f.url)
    opened = _navigated_to_login(f)
    if on_login:
        if opened is None:
            v = _base(
                f,
                "authentication_failed",
                0.9,
                f"The test was sent to a login page ({f.url}) instead of the page it expected: "
                "it was not signed in, or its session was rejected.",
            )
            v.signals.append(f"bounced to a login page: {f.url}")
            v.fix_suggestions += [
                f"Sign in first: add the login steps before '{f.words or f.action}', or check "
                "the session the test relies on",
                "Check the credentials in the project's or environment's variables",
            ]
            return v
        left = [
            s
            for s in f.prior[opened + 1 :]
            if _s(s.get("url")).startswith("http") and not is_login_url(_s(s.get("url")))
        ]
        if left:
            v = _base(
                f,
                "authentication_failed",
                0.85,
                f"The test had signed in ({_s(left[-1].get('url'))}) and was then sent back to "
                f"the login page ({f.url}): the session was lost or rejected.",
            )
            v.signals.append(f"left the login page, then bounced back to it: {f.url}")
            v.fix_suggestions += [
                "Check why the session ended (cookie expiry, logout, a server-side session "
                "store that was reset)",
                f"Open the trace around '{f.words or f.action}' to see which request redirected",
            ]
            return v
        message = _s(f.ctx.get("auth_message"))
        submitted = _submitted_on_login(f)
        if _expects_rejection(f):
            return None  # the test checks the rejection itself: its text is the assertion
        if message and (submitted or f.kind == "assertion_failed" or f.element_missing):
            v = _base(
                f,
                "authentication_failed",
                0.9,
                f"Signing in failed: the login page says '{message}'.",
            )
            v.signals += [f"login page shows '{message}'"]
            v.fix_suggestions += [
                f"The sign-in was rejected ('{message}'): check the email/password variables of "
                "the project or environment",
                "Check that the test user exists and is not locked",
            ]
            v.details["page_message"] = message
            return v
        if (
            submitted
            and (f.kind == "assertion_failed" or f.element_missing)
            and not (f.strong_candidate)
        ):
            v = _base(
                f,
                "authentication_failed",
                0.7,
                f"The login form was submitted but the test is still on the login page "
                f"({f.url}): signing in did not succeed.",
            )
            v.signals.append("still on the login page after submitting it")
            v.fix_suggestions += [
                "Check the credentials the login steps type in",
                "Open the screenshot: the login page may show why it refused",
            ]
            return v
    if f.auth_requests and (f.explainable or f.kind == "timeout"):
        req = f.auth_requests[0]
        v = _base(
            f,
            "authentication_failed",
            0.8,
            f"The application's request {_request_text(req)} was refused, so the page could not "
            "show what the step needed.",
        )
        v.signals.append(f"request refused: {_request_text(req)}")
        v.fix_suggestions += [
            f"{_s(req.get('method')) or 'GET'} {_s(req.get('url'))} answered "
            f"{req.get('status')}: sign in first or check the session/API token the page uses",
            "Check that the test user is allowed to use this feature",
        ]
        v.details["failed_request"] = dict(req)
        return v
    access = _s(f.ctx.get("access_message"))
    if access and f.explainable and not _expects_rejection(f):
        v = _base(
            f,
            "authentication_failed",
            0.7,
            f"The page refused access ('{access}') instead of showing what the step needed.",
        )
        v.signals.append(f"page says '{access}'")
        v.fix_suggestions += [
            "Sign in first, or with a user that may see this page",
        ]
        v.details["page_message"] = access
        return v
    return None


def _replacement_fix(f: _Facts, v: Verdict) -> None:
    best = f.best
    if best is None:
        return
    alt = _s(best.get("selector"))
    v.suggested_alternative = alt
    if f.selector:
        v.fix_suggestions.append(f"Update test selector from '{f.selector}' to '{alt}'")
    else:
        v.fix_suggestions.append(f"Use the selector '{alt}' for this step")
    desc = _s(best.get("description"))
    v.fix_suggestions.append(
        f"Verify the {desc or 'suggested element'} is the intended element in the current "
        f"version of the application (similarity {f.best_score:.2f})"
    )
    v.details["candidates"] = [
        {k: c.get(k) for k in ("selector", "score", "description")} for c in f.candidates[:3]
    ]


def _came_late(f: _Facts) -> Verdict | None:
    """The element was not found in time, yet the search afterwards found that
    very selector: the page was slow, nothing was renamed."""
    if not (f.element_missing and f.selector):
        return None
    own = " ".join(f.selector.split())
    if not any(" ".join(_s(c.get("selector")).split()) == own for c in f.candidates):
        return None
    limit = f.element_timeout
    v = _base(
        f,
        "timeout",
        0.75,
        f"'{f.selector}' was not there within the step's wait"
        + (f" ({limit} ms)" if limit else "")
        + " but is on the page now: it came too late.",
    )
    v.signals.append(f"'{f.selector}' appeared after the step gave up (found by the heal search)")
    if limit:
        v.fix_suggestions.append(
            f"Raise the plan's element_wait_timeout_ms from {limit} to {_raise_to(limit)}"
        )
        v.details.update(timeout_ms=limit, suggested_timeout_ms=_raise_to(limit))
    v.fix_suggestions.append("Check why the page is slow to show it (server time, scripts)")
    return v


def _strong_replacement(f: _Facts) -> Verdict | None:
    if not (f.element_missing and f.strong_candidate):
        return None
    return _selector_changed(f)


def _timeout(f: _Facts) -> Verdict | None:
    ctx = f.ctx
    limit = f.element_timeout
    if f.kind == "timeout":
        if f.element_wait_timeout and (f.app_failed or (f.js_errors and not ctx.get("busy"))):
            return None  # a failed request or a crashed script explains it (later rules)
        match = _TIMEOUT_MS.search(f.ev.error)
        waited = int(match.group(1)) if match else limit
        navigation = f.ev.error.startswith("Navigation to")
        v = _base(
            f,
            "timeout",
            0.9 if navigation else 0.85,
            f"The page or element took too long: {f.ev.error}",
        )
        v.signals.append("timeout error" + (f" after {waited} ms" if waited else ""))
        if navigation:
            v.fix_suggestions.append(
                f"The page did not finish loading in {waited} ms: check the server's response "
                "time for it (and slow scripts, images or fonts that delay the load event)"
            )
        elif waited:
            step_value = _s((f.ev.step or {}).get("value"))
            if f.action == "wait" and step_value.strip().isdigit():
                v.fix_suggestions.append(
                    f"Raise this wait step's timeout from {waited} ms to {_raise_to(waited)} ms"
                )
            else:
                v.fix_suggestions.append(
                    f"Raise the plan's element_wait_timeout_ms from {waited} to {_raise_to(waited)}"
                )
            v.details.update(timeout_ms=waited, suggested_timeout_ms=_raise_to(waited))
        if ctx.get("busy"):
            v.signals.append(f"still loading: {_s(ctx.get('busy_element'))}")
        v.fix_suggestions.append("Check why the application is slow to show it")
        return v
    actual = _s((f.ev.step or {}).get("actual"))
    loading_text = f.content_assert and bool(re.search(r"\bloading\b", actual, re.IGNORECASE))
    if not (f.busy and (f.content_missing or loading_text)) or f.app_failed:
        return None
    what = _s(ctx.get("busy_element")) or "the document"
    still = "was still visible" if ctx.get("busy") else "was still loading"
    v = _base(
        f,
        "timeout",
        0.8 if f.content_missing else 0.7,
        f"The page was still loading when the step gave up: {what} {still}"
        + (f" after {limit} ms." if limit else ".")
        + (f" The step needed '{f.selector}'." if f.selector else ""),
    )
    v.signals.append(f"page busy: {what} {still}")
    if f.element_missing:
        v.signals.append("element not found while the page was loading")
    busy_sel = _s(ctx.get("busy_selector"))
    if busy_sel:
        v.fix_suggestions.append(
            f"Add a wait_hidden step for '{busy_sel}' before this step, so the test waits for "
            "loading to finish"
        )
    if limit:
        v.fix_suggestions.append(
            f"Raise the plan's element_wait_timeout_ms from {limit} to {_raise_to(limit)}"
        )
        v.details.update(timeout_ms=limit, suggested_timeout_ms=_raise_to(limit))
    v.fix_suggestions.append("Check why the application takes this long to load")
    return v


def _network(f: _Facts) -> Verdict | None:
    strong = bool(f.app_failed)
    if strong and not f.explainable:
        return None
    if not strong and not (f.app_weak and f.content_missing and not f.busy):
        return None
    req = (f.app_failed or f.app_weak)[0]
    text = _request_text(req)
    v = _base(
        f,
        "network_error",
        0.85 if strong else 0.65,
        f"The application's request {text} failed, so the page could not show what the "
        "step needed" + (f" ('{f.selector}')." if f.selector else "."),
    )
    v.signals.append(f"failed app request: {text}")
    more = len(f.app_failed) + len(f.app_weak) - 1
    if more > 0:
        v.signals.append(f"{more} more failed request(s)")
    status = req.get("status")
    url = _s(req.get("url"))
    if isinstance(status, int) and status >= 500:
        v.fix_suggestions.append(
            f"Fix the server error behind {_s(req.get('method')) or 'GET'} {url} "
            f"(HTTP {status}): check that endpoint's logs"
        )
    elif status is None:
        v.fix_suggestions.append(
            f"{_s(req.get('method')) or 'GET'} {url} did not complete "
            f"({_s(req.get('failure')) or 'failed'}): check that the API is reachable from the "
            "browser and answers in time"
        )
    else:
        v.fix_suggestions.append(
            f"{_s(req.get('method')) or 'GET'} {url} answered HTTP {status}: check the request "
            "the page sends and the endpoint"
        )
    v.fix_suggestions.append(
        "Make the page show an error state when that request fails, so the failure is visible"
    )
    v.details["failed_request"] = dict(req)
    return v


def _javascript(f: _Facts) -> Verdict | None:
    if f.js_errors and f.explainable:
        first, strong = f.js_errors[0], True
    elif f.js_console and f.content_missing:
        first, strong = f.js_console[0], False
    else:
        return None
    v = _base(
        f,
        "javascript_error",
        0.8 if strong else 0.65,
        f"A script error in the page ({_clip(first, 100)}) stopped it from showing what the "
        "step needed" + (f" ('{f.selector}')." if f.selector else "."),
    )
    v.signals.append(("uncaught exception: " if strong else "console error: ") + _clip(first, 120))
    count = len(f.js_errors) + len(f.js_console)
    if count > 1:
        v.signals.append(f"{count} script errors in total")
    v.fix_suggestions += [
        f"Fix the script error '{_clip(first, 100)}' (see the test's "
        + ("page_errors" if strong else "console_errors")
        + " and the trace for the stack)",
        "Re-run the test once the page renders without errors",
    ]
    v.details["script_error"] = _clip(first, 300)
    return v


def _not_interactable(f: _Facts) -> Verdict | None:
    if f.kind != "element_not_interactable":
        return None
    match = _REASON.search(f.ev.error)
    reason = match.group(1) if match else "not usable"
    overlay = _s(f.ctx.get("overlay"))
    sel = f.selector or "the element"
    if reason == _NO_REASON and not overlay:
        return _action_ran_out(f, sel)
    v = _base(
        f,
        "element_not_interactable",
        0.9 if match else 0.8,
        f"'{sel}' is on the page but could not be used: it is {reason}.",
    )
    v.signals.append(f"element found but {reason}")
    v.details["reason"] = reason
    if "covered" in reason:
        if overlay:
            v.description = f"'{sel}' is on the page but covered by {overlay}."
            v.signals.append(f"overlay: {overlay}")
            v.details["overlay"] = overlay
            over = _s(f.ctx.get("overlay_selector")) or overlay
            v.fix_suggestions += [
                f"Dismiss {overlay} first (e.g. click its close/accept button), or add a "
                f"wait_hidden step for '{over}' before this step",
            ]
        else:
            v.fix_suggestions.append(
                f"Another element sits on top of '{sel}': close it, scroll, or wait for it "
                "to go away before this step"
            )
    elif "disabled" in reason:
        v.fix_suggestions += [
            f"'{sel}' is disabled: complete what enables it first (required fields, a checkbox, "
            "a previous step), or add a wait step until it is enabled",
        ]
    elif "hidden" in reason:
        v.fix_suggestions += [
            f"'{sel}' matches a hidden element: if a visible twin exists, target it, e.g. "
            f"'{sel} >> visible=true', or a selector of the visible element",
            "If the element appears after an interaction (a menu, a tab), add that step first",
        ]
    elif "read-only" in reason:
        v.fix_suggestions.append(f"'{sel}' is read-only: the test cannot type into it")
    elif "viewport" in reason:
        v.fix_suggestions.append(
            f"'{sel}' lies outside the page's visible area (off-screen): check the layout, "
            "or act on the element the user actually sees"
        )
    elif "stable" in reason or "detached" in reason:
        v.fix_suggestions.append(
            f"'{sel}' kept moving or being re-rendered: wait for the page to settle "
            "(a wait_hidden step for the loader, or a wait step) before this step"
        )
    else:
        v.fix_suggestions.append(f"Check whether '{sel}' is hidden, disabled or covered")
    if f.best is not None:
        _replacement_fix(f, v)
    return v


def _action_ran_out(f: _Facts, sel: str) -> Verdict:
    """Visible, enabled, uncovered, and still the action timed out: the page
    was too slow (often a navigation the action started that did not finish)."""
    limit = f.element_timeout
    before = next((_s(s.get("url")) for s in reversed(f.prior) if s.get("url")), "")
    moved = bool(before and f.url and not _same_page(before, f.url))
    v = _base(
        f,
        "timeout",
        0.7 if moved else 0.6,
        f"The {f.action or 'action'} on '{sel}' did not complete in time"
        + (f" ({limit} ms)" if limit else "")
        + (f", while the page moved on to {f.url}" if moved else "")
        + ": nothing was found blocking the element.",
    )
    v.signals.append("the action timed out with no reason found (visible, enabled, uncovered)")
    if moved:
        v.signals.append(f"a navigation was under way: {before} → {f.url}")
    if limit:
        v.fix_suggestions.append(
            f"Raise the plan's element_wait_timeout_ms from {limit} to {_raise_to(limit)}"
        )
        v.details.update(timeout_ms=limit, suggested_timeout_ms=_raise_to(limit))
    v.fix_suggestions.append(
        "Open the trace to see what the page was doing (a slow navigation, a busy script)"
    )
    return v


def _selector_changed(f: _Facts) -> Verdict | None:
    if not (f.element_missing or f.kind in _AMBIGUOUS):
        return None
    sel = f.selector
    prev = f.ev.previous
    if f.kind in _AMBIGUOUS:
        count = re.search(r"matched (\d+) elements", f.ev.error)
        n = count.group(1) if count else "several"
        v = _base(
            f,
            "selector_changed",
            0.8,
            f"The '{sel}' selector matched {n} elements, so the step could not tell which one "
            "to use: the page gained a similar element."
            if sel and f.kind == "ambiguous_selector"
            else f"The step's words fit several elements: {f.ev.error}",
        )
        v.signals.append(f"{'selector' if sel else 'words'} matched {n} elements")
        if sel and f.kind == "ambiguous_selector":
            v.fix_suggestions.append(
                f"Make '{sel}' match only the intended element: add its text "
                f"('{sel}:has-text(\"…\")'), its container, or a data-testid"
            )
        else:
            v.fix_suggestions.append("Add words that pick one element (see the error message)")
        _replacement_fix(f, v)
        return v
    if f.candidates:
        confidence = 0.95 if f.strong_candidate else 0.8
    else:
        confidence = 0.75 if prev and prev.selector else 0.7
    sparse = (
        isinstance(f.ctx.get("dom_size"), int)
        and f.ctx["dom_size"] < 12
        and not _s(f.ctx.get("visible_text_sample")).strip()
    )
    if sparse and not f.candidates:
        confidence = 0.5
    if sel:
        description = (
            f"The '{sel}' selector no longer exists in the DOM. The element may have been renamed "
            "or removed."
        )
    else:
        description = f"No element on the page fits the step's words: {f.ev.error}"
    if f.best is not None:
        desc = _s(f.best.get("description")) or "a similar element"
        description += (
            f" The closest match on the page now is {desc}: '{_s(f.best.get('selector'))}'."
        )
    v = _base(f, "selector_changed", confidence, description)
    v.signals.append("element not found on an otherwise healthy page")
    if f.candidates:
        best = f.best or {}
        v.signals.append(
            f"replacement candidate {_s(best.get('selector'))} (score {f.best_score:.2f})"
        )
    if prev and prev.selector:
        was = f" on {prev.description}" if prev.description else ""
        run = f" (execution {prev.execution_id})" if prev.execution_id else ""
        v.signals.append(f"the step passed before using '{prev.selector}'{was}{run}")
    if sparse:
        v.signals.append("the page is nearly empty")
    _replacement_fix(f, v)
    if not f.candidates:
        closest = _CLOSEST.search(f.ev.error)
        if sel:
            v.fix_suggestions.append(
                f"Find the element's new selector on {_where(f)} and update the step "
                f"(it was '{sel}')"
            )
        if closest:
            v.fix_suggestions.append(
                f"Closest elements on the page: {closest.group(1)} — update the step's words "
                "if one of them is the intended element"
            )
        headings = f.ctx.get("headings")
        if isinstance(headings, list) and headings:
            shown = ", ".join(f"'{_s(h)}'" for h in headings[:3])
            v.fix_suggestions.append(
                f"Check that the test is on the right page (it showed {shown})"
            )
        if sparse:
            v.fix_suggestions.append("The page is nearly empty: check that it rendered at all")
    if prev and prev.selector and prev.selector != sel and not f.candidates:
        v.fix_suggestions.append(f"The step passed before using '{prev.selector}'; try it")
    v.fix_suggestions.append("Prefer stable selectors such as data-testid attributes")
    return v


def _assertion(f: _Facts) -> Verdict | None:
    step = f.ev.step or {}
    option_missing = f.kind == "element_not_found" and _OPTION_MISSING.match(f.ev.error)
    if f.kind != "assertion_failed" and not option_missing:
        return None
    expected, actual = step.get("expected"), step.get("actual")
    if option_missing:
        v = _base(
            f,
            "assertion_failed",
            0.6,
            f"The page works but does not offer what the step chose: {f.ev.error}.",
        )
        v.signals.append("the option is not in the list")
        v.fix_suggestions.append(
            f"Update the step's value to an option that {f.selector or 'the list'} offers now"
        )
        return v
    what = {
        "assert_url": "URL",
        "assert_title": "title",
        "assert_count": "number of elements",
        "assert_value": "field value",
        "assert_visible": "visibility",
    }.get(f.action, "text")
    v = _base(
        f,
        "assertion_failed",
        0.9 if expected is not None and actual is not None else 0.8,
        f"The page loaded but showed a different {what} than expected: {f.ev.error}",
    )
    v.signals.append("assertion mismatch on a healthy page")
    if expected is not None:
        shown = _clip(_s(actual), 200) if actual is not None else "nothing"
        v.fix_suggestions.append(f"The page showed {shown!r} where {expected!r} was expected")
        v.details.update(expected=expected, actual=actual)
        if actual and f.action in ("assert_url", "assert_title", "assert_count", "assert_value"):
            v.fix_suggestions.append(
                f"If the application changed on purpose, update the expected value to {actual!r}"
            )
        else:
            v.fix_suggestions.append(
                "If the application changed on purpose, update the expected value in the step"
            )
    else:
        v.fix_suggestions.append(
            "If the application changed on purpose, update the expected value in the step"
        )
    if f.console_noise:
        v.signals.append(f"console noise ignored: {_clip(f.console_noise[0], 80)}")
    return v


def _unknown(f: _Facts) -> Verdict:
    kind = f.kind or "none"
    v = _base(
        f,
        "unknown",
        UNKNOWN_CONFIDENCE,
        f"The test failed for a reason the evidence does not explain: {f.ev.error}"
        if f.ev.error
        else "The test failed for a reason the evidence does not explain.",
    )
    v.signals.append(f"error type {kind}")
    if f.kind == "invalid_step":
        v.description = f"The step itself is invalid, not the application: {f.ev.error}"
        v.fix_suggestions.append(f"Fix the step definition: {f.ev.error}")
    elif f.kind == "variable_missing":
        v.description = f"The step uses a variable that is not defined: {f.ev.error}"
        v.fix_suggestions.append(
            f"Define the variable in the project, environment or execution variables ({f.ev.error})"
        )
    else:
        v.fix_suggestions.append(
            "Open the screenshot, the step results and the trace to see what happened"
        )
    return v
