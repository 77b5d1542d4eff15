"""What to tell the user: a description and concrete fix suggestions per case.

Each function returns ``Advice`` (description, fix suggestions) for one rule's
case, or just suggestions; the rules in ``classify`` decide which case applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

from bugbrain.diagnosis.signals import Facts, as_text, clip, request_line, request_text
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


def _raise_wait(limit: int | None) -> list[str]:
    if not limit:
        return []
    return [f"Raise the plan's element_wait_timeout_ms from {limit} to {raise_to(limit)}"]


def _for_step(f: Facts) -> str:
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
        [*_raise_wait(limit), "Check why the page is slow to show it (server time, scripts)"],
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
            fixes += _raise_wait(waited)
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
        [*fixes, *_raise_wait(limit), "Check why the application takes this long to load"],
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
            *_raise_wait(limit),
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
        "what the step needed" + _for_step(f),
        [
            fix,
            "Make the page show an error state when that request fails, so the failure is visible",
        ],
    )


def script_error(f: Facts, error: str, uncaught: bool) -> Advice:
    return (
        f"A script error in the page ({clip(error, 100)}) stopped it from showing what the "
        "step needed" + _for_step(f),
        [
            f"Fix the script error '{clip(error, 100)}' (see the test's "
            + ("page_errors" if uncaught else "console_errors")
            + " and the trace for the stack)",
            "Re-run the test once the page renders without errors",
        ],
    )


# --------------------------------------------------------------------------- the element


def replacement(f: Facts) -> list[str]:
    """Use the best heal candidate instead: only a close one (``Facts.close``), never
    merely the nearest."""
    if f.best is None or not f.close:
        return []
    alt = as_text(f.best.get("selector"))
    desc = as_text(f.best.get("description")) or "suggested element"
    return [
        f"Update test selector from '{f.selector}' to '{alt}'"
        if f.selector
        else f"Use the selector '{alt}' for this step",
        f"Verify the {desc} is the intended element in the current version of the "
        f"application (similarity {f.best_score:.2f})",
    ]


def not_interactable(f: Facts, reason: str) -> Advice:
    sel, overlay = f.selector or "the element", f.overlay
    description = f"'{sel}' is on the page but could not be used: it is {reason}."
    if "covered" in reason and overlay:
        description = f"'{sel}' is on the page but covered by {overlay}."
        over = as_text(f.ctx.get("overlay_selector")) or overlay
        fix = (
            f"Dismiss {overlay} first (e.g. click its close/accept button), or add a "
            f"wait_hidden step for '{over}' before this step"
        )
    elif "covered" in reason:
        fix = (
            f"Another element sits on top of '{sel}': close it, scroll, or wait for it "
            "to go away before this step"
        )
    elif "disabled" in reason:  # not vocabulary: words
        fix = (
            f"'{sel}' is disabled: complete what enables it first (required fields, a "
            "checkbox, a previous step), or add a wait step until it is enabled"
        )
    elif "hidden" in reason:
        return description, [
            f"'{sel}' matches a hidden element: if a visible twin exists, target it, e.g. "
            f"'{sel} >> visible=true', or a selector of the visible element",
            "If the element appears after an interaction (a menu, a tab), add that step first",
            *replacement(f),
        ]
    elif "read-only" in reason:
        fix = f"'{sel}' is read-only: the test cannot type into it"
    elif "viewport" in reason:
        fix = (
            f"'{sel}' lies outside the page's visible area (off-screen): check the layout, "
            "or act on the element the user actually sees"
        )
    elif "stable" in reason or "detached" in reason:
        fix = (
            f"'{sel}' kept moving or being re-rendered: wait for the page to settle "
            "(a wait_hidden step for the loader, or a wait step) before this step"
        )
    else:
        fix = f"Check whether '{sel}' is hidden, disabled or covered"
    return description, [fix, *replacement(f)]


def ambiguous(f: Facts) -> Advice:
    sel = f.selector
    if sel and f.kind == StepErrorType.AMBIGUOUS_SELECTOR:
        return (
            f"The '{sel}' selector matched {f.match_count} elements, so the step could not "
            "tell which one to use: the page gained a similar element.",
            [
                f"Make '{sel}' match only the intended element: add its text "
                f"('{sel}:has-text(\"…\")'), its container, or a data-testid",
                *replacement(f),
            ],
        )
    return f"The step's words fit several elements: {f.ev.error}", [
        "Add words that pick one element (see the error message)",
        *replacement(f),
    ]


def selector_missing(f: Facts) -> Advice:
    sel, prev = f.selector, f.ev.previous
    if sel:
        description = f"The '{sel}' selector no longer exists in the DOM."
        if f.best is None or f.close:
            description += " The element may have been renamed or removed."
    else:
        description = f"No element on the page fits the step's words: {f.ev.error}"
    if f.best is not None and f.close:
        desc = as_text(f.best.get("description")) or "a similar element"
        description += (
            f" The closest match on the page now is {desc}: '{as_text(f.best.get('selector'))}'."
        )
    elif f.best is not None:
        description += " " + _no_close_match(f)
    fixes = replacement(f)
    if not f.close:
        if sel and f.best is not None:
            fixes.append(
                f"Nothing on {f.where} is close to '{sel}': if the feature was removed on "
                "purpose, remove or rewrite this step; if the element is still there, find "
                "its new selector and update the step"
            )
        elif sel:
            fixes.append(
                f"Find the element's new selector on {f.where} and update the step (it was '{sel}')"
            )
        if f.closest_elements:
            fixes.append(
                f"Closest elements on the page: {f.closest_elements} — update the step's words "
                "if one of them is the intended element"
            )
        headings = f.ctx.get("headings")
        if isinstance(headings, list) and headings:
            shown = ", ".join(f"'{as_text(h)}'" for h in headings[:3])
            fixes.append(f"Check that the test is on the right page (it showed {shown})")
        if f.sparse:
            fixes.append("The page is nearly empty: check that it rendered at all")
        if prev and prev.selector and prev.selector != sel:
            fixes.append(f"The step passed before using '{prev.selector}'; try it")
    fixes.append("Prefer stable selectors such as data-testid attributes")
    return description, fixes


def _no_close_match(f: Facts) -> str:
    """Why the nearest element is not suggested, and what that likely means."""
    reason = f.close_reason or "it does not pass the rules for a replacement"
    if reason.startswith("ambiguous"):
        return (
            f"No single close match was found ({reason}), so no replacement is suggested; "
            "the nearest elements are listed for information only."
        )
    return (
        f"No close match was found on the page ({reason}): the element was likely removed, "
        "or changed beyond recognition, so no replacement is suggested; the nearest "
        "elements are listed for information only."
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
