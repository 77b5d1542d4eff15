"""What to tell the user: a description and concrete fix suggestions per case.

Each function returns ``Advice`` (description, fix suggestions) for one rule's
case, or just suggestions; the rules in ``classify`` decide which case applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

from bugbrain.diagnosis.evidence import as_text, clip, request_line, request_text
from bugbrain.diagnosis.signals import Facts
from bugbrain.steps.urls import REFUSED
from bugbrain.vocabulary import VALUE_CHECKS, Action, StepErrorType

Advice: TypeAlias = tuple[str, list[str]]  # (description, fix suggestions)

_UPDATE_EXPECTED: Final = (
    "If the application changed on purpose, update the expected value in the step"
)
_ASSERTED: Final = {
    "assert_url": "URL",
    "assert_title": "title",
    "assert_count": "number of elements",
    "assert_value": "field value",
    "assert_visible": "visibility",
}


def raise_to(ms: int) -> int:
    """A timeout worth trying instead of ``ms``: at least double, rounded up."""
    target = max(ms * 2, ms + 5000)
    return int(-(-target // 1000) * 1000)


def longer_deadline(seconds: int) -> int:
    return max(seconds * 2, seconds + 60)


def raise_wait(limit: int | None) -> list[str]:
    if not limit:
        return []
    return [f"Raise the plan's element_wait_timeout_ms from {limit} to {raise_to(limit)}"]


def for_step(f: Facts) -> str:
    """Ends "… what the step needed": names the selector when there is one."""
    return f" ('{f.selector}')." if f.selector else "."


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


# --------------------------------------------------------------------------- timeout


def deadline(f: Facts) -> Advice:
    limit = f.ev.execution_timeout_s
    step = f"'{f.step_name}'" if f.step_name else "a step"
    split = "Split long plans or raise the plan's parallelism so every test finishes in time"
    if not limit:
        return f"The execution's deadline passed while the test was running {step}.", [split]
    return (
        f"The execution's deadline ({limit} s) passed while the test was running {step}; "
        "the browser was stopped before the test could finish.",
        [
            f"Raise the execution's timeout_seconds from {limit} to {longer_deadline(limit)}",
            split,
        ],
    )


def came_late(f: Facts) -> Advice:
    limit = f.element_timeout
    return (
        f"'{f.selector}' was not there within the step's wait"
        + (f" ({limit} ms)" if limit else "")
        + " but is on the page now: it came too late.",
        [*raise_wait(limit), "Check why the page is slow to show it (server time, scripts)"],
    )


def timed_out(f: Facts) -> Advice:
    waited = f.waited_ms
    fixes: list[str] = []
    if f.navigation_timed_out:
        fixes.append(
            f"The page did not finish loading in {waited} ms: check the server's response "
            "time for it (and slow scripts, images or fonts that delay the load event)"
        )
    elif waited:
        if f.action == Action.WAIT and as_text(f.step.get("value")).strip().isdigit():
            fixes.append(
                f"Raise this wait step's timeout from {waited} ms to {raise_to(waited)} ms"
            )
        else:
            fixes += raise_wait(waited)
    fixes.append("Check why the application is slow to show it")
    return f"The page or element took too long: {f.ev.error}", fixes


def still_loading(f: Facts) -> Advice:
    limit = f.element_timeout
    fixes: list[str] = []
    busy_sel = as_text(f.ctx.get("busy_selector"))
    if busy_sel:
        fixes.append(
            f"Add a wait_hidden step for '{busy_sel}' before this step, so the test waits for "
            "loading to finish"
        )
    return (
        f"The page was still loading when the step gave up: {f.busy_text}"
        + (f" after {limit} ms." if limit else ".")
        + (f" The step needed '{f.selector}'." if f.selector else ""),
        [*fixes, *raise_wait(limit), "Check why the application takes this long to load"],
    )


def action_ran_out(f: Facts) -> Advice:
    limit = f.element_timeout
    moved = f.moved_from is not None
    return (
        f"The {f.action or 'action'} on '{f.selector or 'the element'}' did not complete in time"
        + (f" ({limit} ms)" if limit else "")
        + (f", while the page moved on to {f.url}" if moved else "")
        + ": nothing was found blocking the element.",
        [
            *raise_wait(limit),
            "Open the trace to see what the page was doing (a slow navigation, a busy script)",
        ],
    )


# --------------------------------------------------------------------------- navigation


def navigation(f: Facts) -> Advice:
    where = f.navigation_target or "the page"
    if f.ev.error.startswith(REFUSED):
        return f"The page went to a URL no test may open: {f.ev.error}", [
            "Only http and https URLs may be opened: tests run on the server, where a "
            "file: URL would read the server's own files",
            "Find what took the page there (a link, redirect, frame, popup or script) in "
            "the steps before this one, and point it at an http(s) URL",
        ]
    if f.crashed:
        return f"The browser page crashed while the test ran on {where}.", [
            "Open the trace to see what the page was doing when it crashed "
            "(memory use, an endless loop)",
            "Run the test again: a renderer crash is often a one-off",
        ]
    if f.net_error:
        return f"{where} could not be loaded: {f.net_error}.", _net_error(f.net_error, where)
    if f.bad_status:
        status = f.doc_status
        return f"{where} answered HTTP {status} instead of the page.", [
            f"{where} does not exist (HTTP 404): fix the link or the step's URL, "
            "or restore the page"
            if status in (404, 410)
            else f"{where} failed on the server (HTTP {status}): check the server's logs",
            "Check the project's or environment's base_url",
        ]
    reason = as_text(f.ctx.get("error_page_reason")) or "an error page"
    return f"{where} showed an error page ({reason}) instead of the expected page.", [
        f"{where} is an error page ({reason}): check that the application and anything in "
        "front of it (proxy, load balancer) are up",
        "Check the link or URL that led there",
    ]


def _net_error(code: str, where: str) -> list[str]:
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
        return [f"The host of {origin} does not resolve: fix the hostname in base_url or the DNS"]
    if "SSL" in code or "CERT" in code:
        return [
            f"The TLS handshake with {origin} failed ({code}): check the certificate, or use "
            "http:// if the server does not speak HTTPS",
        ]
    if "TIMED_OUT" in code:
        return [f"{origin} did not answer in time: check that it is up and reachable"]
    return [f"Loading {where} failed with {code}: check that the application is reachable"]


# --------------------------------------------------------------------------- authentication


def auth_document(f: Facts) -> Advice:
    return (
        f"{f.where} answered HTTP {f.doc_status}: the test is not signed in, or its user may "
        "not open this page.",
        [
            f"Sign in before opening {f.where} (add the login steps, or check the session cookie)",
            "Check that the test user has access to this page",
        ],
    )


def login_bounce(f: Facts) -> Advice:
    return (
        f"The test was sent to a login page ({f.url}) instead of the page it expected: "
        "it was not signed in, or its session was rejected.",
        [
            f"Sign in first: add the login steps before '{f.step_name}', or check "
            "the session the test relies on",
            "Check the credentials in the project's or environment's variables",
        ],
    )


def session_lost(f: Facts, signed_in_url: str) -> Advice:
    return (
        f"The test had signed in ({signed_in_url}) and was then sent back to "
        f"the login page ({f.url}): the session was lost or rejected.",
        [
            "Check why the session ended (cookie expiry, logout, a server-side session "
            "store that was reset)",
            f"Open the trace around '{f.step_name}' to see which request redirected",
        ],
    )


def login_rejected(message: str) -> Advice:
    return f"Signing in failed: the login page says '{message}'.", [
        f"The sign-in was rejected ('{message}'): check the email/password variables of "
        "the project or environment",
        "Check that the test user exists and is not locked",
    ]


def login_not_accepted(f: Facts) -> Advice:
    return (
        f"The login form was submitted but the test is still on the login page "
        f"({f.url}): signing in did not succeed.",
        [
            "Check the credentials the login steps type in",
            "Open the screenshot: the login page may show why it refused",
        ],
    )


def request_refused(req: Mapping[str, Any]) -> Advice:
    return (
        f"The application's request {request_text(req)} was refused, so the page could not "
        "show what the step needed.",
        [
            f"{request_line(req)} answered {req.get('status')}: sign in first or check the "
            "session/API token the page uses",
            "Check that the test user is allowed to use this feature",
        ],
    )


def access_denied(message: str) -> Advice:
    return f"The page refused access ('{message}') instead of showing what the step needed.", [
        "Sign in first, or with a user that may see this page"
    ]


# --------------------------------------------------------------------------- broken page


def request_failed(f: Facts, req: Mapping[str, Any]) -> Advice:
    status, line = req.get("status"), request_line(req)
    if isinstance(status, int) and status >= 500:
        fix = f"Fix the server error behind {line} (HTTP {status}): check that endpoint's logs"
    elif status is None:
        fix = (  # not vocabulary: words
            f"{line} did not complete ({as_text(req.get('failure')) or 'failed'}): check that "
            "the API is reachable from the browser and answers in time"
        )
    else:
        fix = f"{line} answered HTTP {status}: check the request the page sends and the endpoint"
    return (
        f"The application's request {request_text(req)} failed, so the page could not show "
        "what the step needed" + for_step(f),
        [
            fix,
            "Make the page show an error state when that request fails, so the failure is visible",
        ],
    )


def script_error(f: Facts, error: str, uncaught: bool) -> Advice:
    return (
        f"A script error in the page ({clip(error, 100)}) stopped it from showing what the "
        "step needed" + for_step(f),
        [
            f"Fix the script error '{clip(error, 100)}' (see the test's "
            + ("page_errors" if uncaught else "console_errors")
            + " and the trace for the stack)",
            "Re-run the test once the page renders without errors",
        ],
    )


# --------------------------------------------------------------------------- assertion


def option_missing(f: Facts) -> Advice:
    return f"The page works but does not offer what the step chose: {f.ev.error}.", [
        f"Update the step's value to an option that {f.selector or 'the list'} offers now"
    ]


def mismatch(f: Facts) -> Advice:
    what = _ASSERTED.get(f.action, "text")
    description = f"The page loaded but showed a different {what} than expected: {f.ev.error}"
    expected, actual = f.step.get("expected"), f.step.get("actual")
    if expected is None:
        return description, [_UPDATE_EXPECTED]
    shown = clip(as_text(actual), 200) if actual is not None else "nothing"
    return description, [
        f"The page showed {shown!r} where {expected!r} was expected",
        f"If the application changed on purpose, update the expected value to {actual!r}"
        if actual and f.action in VALUE_CHECKS
        else _UPDATE_EXPECTED,
    ]


# --------------------------------------------------------------------------- unknown


def unknown(f: Facts) -> Advice:
    error = f.ev.error
    if f.kind == StepErrorType.INVALID_STEP:
        return f"The step itself is invalid, not the application: {error}", [
            f"Fix the step definition: {error}"
        ]
    if f.kind == StepErrorType.VARIABLE_MISSING:
        return f"The step uses a variable that is not defined: {error}", [
            f"Define the variable in the project, environment or execution variables ({error})"
        ]
    return (
        f"The test failed for a reason the evidence does not explain: {error}"
        if error
        else "The test failed for a reason the evidence does not explain.",
        ["Open the screenshot, the step results and the trace to see what happened"],
    )
