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
6. the element is missing but a close, strong replacement is   → selector_changed
   there (it passes the auto-heal rules)
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

Inputs are plain data (``Evidence``, read into named signals by
``diagnosis.signals``); descriptions and fix suggestions come from
``diagnosis.advice``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bugbrain.diagnosis import advice as fixes
from bugbrain.diagnosis import element_advice
from bugbrain.diagnosis.advice import Advice
from bugbrain.diagnosis.evidence import (
    Evidence,
    PreviousRun,
    as_text,
    clip,
    is_login_url,
    request_text,
)
from bugbrain.diagnosis.signals import NO_REASON, STRONG_CANDIDATE, Facts, read_facts
from bugbrain.vocabulary import FailureCategory, StepErrorType

__all__ = [
    "CATEGORIES",
    "STRONG_CANDIDATE",
    "UNKNOWN_CONFIDENCE",
    "Evidence",
    "PreviousRun",
    "Verdict",
    "classify",
    "is_login_url",
]

CATEGORIES: Final = tuple(FailureCategory)
UNKNOWN_CONFIDENCE: Final = 0.3


@dataclass
class Verdict:
    category: FailureCategory
    confidence: float
    description: str
    fix_suggestions: list[str]
    signals: list[str] = field(default_factory=list)
    expected_selector: str | None = None
    suggested_alternative: str | None = None
    # Specific evidence for the API body (expected/actual, failed_request, …).
    details: dict[str, Any] = field(default_factory=dict)


def classify(ev: Evidence) -> Verdict:
    f = read_facts(ev)
    for rule in _RULES:
        verdict = rule(f)
        if verdict is not None:
            _add_context_signals(f, verdict)
            return verdict
    return _unknown(f)


# --------------------------------------------------------------------------- helpers


def _verdict(f: Facts, category: FailureCategory, confidence: float, advice: Advice) -> Verdict:
    description, suggestions = advice
    return Verdict(
        category, round(confidence, 2), description, suggestions, expected_selector=f.selector
    )


def _add_context_signals(f: Facts, v: Verdict) -> None:
    if f.ignored_requests:
        urls = ", ".join(as_text(r.get("url")) for r in f.ignored_requests[:2])
        v.signals.append(f"ignored failed request(s) that page content does not need: {urls}")
    if v.category != FailureCategory.JAVASCRIPT_ERROR and (f.js_errors or f.js_console):
        first = (f.js_errors or f.js_console)[0]
        v.signals.append(f"script error also seen (not the cause): {clip(first, 80)}")


def _timeout_details(v: Verdict, limit: int | None) -> None:
    if limit:
        v.details.update(timeout_ms=limit, suggested_timeout_ms=fixes.raise_to(limit))


def _candidate_details(f: Facts, v: Verdict) -> None:
    """Record the heal search's replacement (``element_advice.replacement`` words it) when it is
    close; otherwise only the nearest elements, as information."""
    if f.best is None:
        return
    v.details["close_match"] = f.close
    if f.close_reason:
        v.details["close_match_reason"] = f.close_reason
    listed = [{k: c.get(k) for k in ("selector", "score", "description")} for c in f.candidates[:3]]
    if f.close:
        v.suggested_alternative = as_text(f.best.get("selector"))
        v.details["candidates"] = listed
        return
    for entry, c in zip(listed, f.candidates, strict=False):
        signals = c.get("signals")
        similarity = signals.get("similarity") if isinstance(signals, Mapping) else None
        entry["similarity"] = similarity if isinstance(similarity, int | float) else c.get("score")
    v.details["nearest_candidates"] = listed


# --------------------------------------------------------------------------- rules


def _deadline(f: Facts) -> Verdict | None:
    if not f.ev.deadline_exceeded:
        return None
    v = _verdict(f, FailureCategory.TIMEOUT, 0.9, fixes.deadline(f))
    v.signals.append("execution deadline exceeded (failure_reason timeout)")
    limit = f.ev.execution_timeout_s
    if limit:
        v.details.update(
            timeout_seconds=limit, suggested_timeout_seconds=fixes.longer_deadline(limit)
        )
    return v


def _auth_document(f: Facts) -> Verdict | None:
    if f.doc_status not in (401, 403):
        return None
    v = _verdict(f, FailureCategory.AUTHENTICATION_FAILED, 0.9, fixes.auth_document(f))
    v.signals.append(f"document HTTP status {f.doc_status}")
    v.details["document_status"] = f.doc_status
    return v


def _navigation(f: Facts) -> Verdict | None:
    failed = f.kind == StepErrorType.NAVIGATION_ERROR
    if not (failed or f.net_error or f.crashed or f.error_page or f.bad_status):
        return None
    if f.kind in (StepErrorType.INVALID_STEP, StepErrorType.VARIABLE_MISSING):
        return None
    if failed or f.net_error:
        confidence = 0.95
    elif f.bad_status or f.crashed:
        confidence = 0.85
    else:
        confidence = 0.75  # only the page's looks say it is an error page
    v = _verdict(f, FailureCategory.NAVIGATION_ERROR, confidence, fixes.navigation(f))
    if failed:
        v.signals.append("the navigation failed")
    if f.net_error:
        v.signals.append(f"network error {f.net_error}")
    if f.bad_status:
        v.signals.append(f"document HTTP status {f.doc_status}")
    if f.error_page:
        reason = as_text(f.ctx.get("error_page_reason")) or "browser error page"
        v.signals.append(f"error page: {reason}")
    if f.crashed:
        v.signals.append("the page crashed")
    if f.kind not in (
        StepErrorType.NAVIGATION_ERROR,
        StepErrorType.TIMEOUT,
        StepErrorType.ERROR,
        "",
    ):
        v.signals.append(f"the step's own error ({f.kind}) is a consequence")
    if f.doc_status is not None:
        v.details["document_status"] = f.doc_status
    return v


def _authentication(f: Facts) -> Verdict | None:
    if f.kind in (
        StepErrorType.INVALID_STEP,
        StepErrorType.VARIABLE_MISSING,
        StepErrorType.ELEMENT_NOT_INTERACTABLE,
    ):
        return None
    if f.on_login_page:
        if f.login_opened_at is None:
            v = _verdict(f, FailureCategory.AUTHENTICATION_FAILED, 0.9, fixes.login_bounce(f))
            v.signals.append(f"bounced to a login page: {f.url}")
            return v
        signed_in = f.signed_in_url
        if signed_in:
            v = _verdict(
                f, FailureCategory.AUTHENTICATION_FAILED, 0.85, fixes.session_lost(f, signed_in)
            )
            v.signals.append(f"left the login page, then bounced back to it: {f.url}")
            return v
        if f.expects_rejection:
            return None  # the test checks the rejection itself: its text is the assertion
        message, submitted = f.auth_message, f.submitted_on_login
        content_failed = f.kind == StepErrorType.ASSERTION_FAILED or f.element_missing
        if message and (submitted or content_failed):
            v = _verdict(
                f, FailureCategory.AUTHENTICATION_FAILED, 0.9, fixes.login_rejected(message)
            )
            v.signals.append(f"login page shows '{message}'")
            v.details["page_message"] = message
            return v
        if submitted and content_failed and not f.strong_candidate:
            v = _verdict(f, FailureCategory.AUTHENTICATION_FAILED, 0.7, fixes.login_not_accepted(f))
            v.signals.append("still on the login page after submitting it")
            return v
    if f.auth_requests and (f.explainable or f.kind == StepErrorType.TIMEOUT):
        req = f.auth_requests[0]
        v = _verdict(f, FailureCategory.AUTHENTICATION_FAILED, 0.8, fixes.request_refused(req))
        v.signals.append(f"request refused: {request_text(req)}")
        v.details["failed_request"] = dict(req)
        return v
    access = f.access_message
    if access and f.explainable and not f.expects_rejection:
        v = _verdict(f, FailureCategory.AUTHENTICATION_FAILED, 0.7, fixes.access_denied(access))
        v.signals.append(f"page says '{access}'")
        v.details["page_message"] = access
        return v
    return None


def _came_late(f: Facts) -> Verdict | None:
    """The element was not found in time, yet the search afterwards found that
    very selector: the page was slow, nothing was renamed."""
    if not (f.element_missing and f.found_later):
        return None
    v = _verdict(f, FailureCategory.TIMEOUT, 0.75, fixes.came_late(f))
    v.signals.append(f"'{f.selector}' appeared after the step gave up (found by the heal search)")
    _timeout_details(v, f.element_timeout)
    return v


def _strong_replacement(f: Facts) -> Verdict | None:
    if not (f.element_missing and f.strong_candidate):
        return None
    return _selector_changed(f)


def _timeout(f: Facts) -> Verdict | None:
    if f.kind == StepErrorType.TIMEOUT:
        if f.element_wait_timeout and (f.app_failed or (f.js_errors and not f.ctx.get("busy"))):
            return None  # a failed request or a crashed script explains it (later rules)
        waited = f.waited_ms
        navigation = f.navigation_timed_out
        v = _verdict(f, FailureCategory.TIMEOUT, 0.9 if navigation else 0.85, fixes.timed_out(f))
        v.signals.append("timeout error" + (f" after {waited} ms" if waited else ""))
        if not navigation:
            _timeout_details(v, waited)
        if f.ctx.get("busy"):
            v.signals.append(f"still loading: {as_text(f.ctx.get('busy_element'))}")
        return v
    if not (f.busy and (f.content_missing or f.shows_loading)) or f.app_failed:
        return None
    v = _verdict(
        f, FailureCategory.TIMEOUT, 0.8 if f.content_missing else 0.7, fixes.still_loading(f)
    )
    v.signals.append(f"page busy: {f.busy_text}")
    if f.element_missing:
        v.signals.append("element not found while the page was loading")
    _timeout_details(v, f.element_timeout)
    return v


def _network(f: Facts) -> Verdict | None:
    strong = bool(f.app_failed)
    if strong and not f.explainable:
        return None
    if not strong and not (f.app_weak and f.content_missing and not f.busy):
        return None
    req = (f.app_failed or f.app_weak)[0]
    v = _verdict(
        f, FailureCategory.NETWORK_ERROR, 0.85 if strong else 0.65, fixes.request_failed(f, req)
    )
    v.signals.append(f"failed app request: {request_text(req)}")
    more = len(f.app_failed) + len(f.app_weak) - 1
    if more > 0:
        v.signals.append(f"{more} more failed request(s)")
    v.details["failed_request"] = dict(req)
    return v


def _javascript(f: Facts) -> Verdict | None:
    if f.js_errors and f.explainable:
        first, uncaught = f.js_errors[0], True
    elif f.js_console and f.content_missing:
        first, uncaught = f.js_console[0], False
    else:
        return None
    advice = fixes.script_error(f, first, uncaught)
    v = _verdict(f, FailureCategory.JAVASCRIPT_ERROR, 0.8 if uncaught else 0.65, advice)
    v.signals.append(("uncaught exception: " if uncaught else "console error: ") + clip(first))
    count = len(f.js_errors) + len(f.js_console)
    if count > 1:
        v.signals.append(f"{count} script errors in total")
    v.details["script_error"] = clip(first, 300)
    return v


def _not_interactable(f: Facts) -> Verdict | None:
    if f.kind != StepErrorType.ELEMENT_NOT_INTERACTABLE:
        return None
    found = f.unusable_reason
    if found == NO_REASON and not f.overlay:
        return _action_ran_out(f)
    reason = "not usable" if found is None else found
    advice = element_advice.not_interactable(f, reason)
    v = _verdict(f, FailureCategory.ELEMENT_NOT_INTERACTABLE, 0.8 if found is None else 0.9, advice)
    v.signals.append(f"element found but {reason}")
    v.details["reason"] = reason
    if "covered" in reason and f.overlay:
        v.signals.append(f"overlay: {f.overlay}")
        v.details["overlay"] = f.overlay
    _candidate_details(f, v)
    return v


def _action_ran_out(f: Facts) -> Verdict:
    """Visible, enabled, uncovered, and still the action timed out: the page
    was too slow (often a navigation the action started that did not finish)."""
    before = f.moved_from
    v = _verdict(
        f, FailureCategory.TIMEOUT, 0.6 if before is None else 0.7, fixes.action_ran_out(f)
    )
    v.signals.append("the action timed out with no reason found (visible, enabled, uncovered)")
    if before is not None:
        v.signals.append(f"a navigation was under way: {before} → {f.url}")
    _timeout_details(v, f.element_timeout)
    return v


def _selector_changed(f: Facts) -> Verdict | None:
    if f.ambiguous:
        v = _verdict(f, FailureCategory.SELECTOR_CHANGED, 0.8, element_advice.ambiguous(f))
        v.signals.append(
            f"{'selector' if f.selector else 'words'} matched {f.match_count} elements"
        )
        _candidate_details(f, v)
        return v
    if not f.element_missing:
        return None
    prev = f.ev.previous
    if f.close:
        confidence = 0.95 if f.strong_candidate else 0.9
    elif f.sparse:
        confidence = 0.5
    else:  # nothing close on the page: renamed beyond recognition, or removed
        confidence = 0.75 if prev and prev.selector else 0.7
    v = _verdict(
        f, FailureCategory.SELECTOR_CHANGED, confidence, element_advice.selector_missing(f)
    )
    v.signals.append("element not found on an otherwise healthy page")
    if f.best is not None:
        best = as_text(f.best.get("selector"))
        if f.close:
            v.signals.append(f"close replacement {best} (score {f.best_score:.2f})")
        else:
            v.signals.append(
                f"no close match: the nearest, {best} (score {f.best_score:.2f}), fails "
                f"the healing rules ({f.close_reason})"
            )
    if prev and prev.selector:
        was = f" on {prev.description}" if prev.description else ""
        run = f" (execution {prev.execution_id})" if prev.execution_id else ""
        v.signals.append(f"the step passed before using '{prev.selector}'{was}{run}")
    if f.sparse:
        v.signals.append("the page is nearly empty")
    _candidate_details(f, v)
    return v


def _assertion(f: Facts) -> Verdict | None:
    if f.option_missing:
        v = _verdict(f, FailureCategory.ASSERTION_FAILED, 0.6, fixes.option_missing(f))
        v.signals.append("the option is not in the list")
        return v
    if f.kind != StepErrorType.ASSERTION_FAILED:
        return None
    expected, actual = f.step.get("expected"), f.step.get("actual")
    both = expected is not None and actual is not None
    v = _verdict(f, FailureCategory.ASSERTION_FAILED, 0.9 if both else 0.8, fixes.mismatch(f))
    v.signals.append("assertion mismatch on a healthy page")
    if expected is not None:
        v.details.update(expected=expected, actual=actual)
    if f.console_noise:
        v.signals.append(f"console noise ignored: {clip(f.console_noise[0], 80)}")
    return v


def _unknown(f: Facts) -> Verdict:
    v = _verdict(f, FailureCategory.UNKNOWN, UNKNOWN_CONFIDENCE, fixes.unknown(f))
    v.signals.append(f"error type {f.kind or 'none'}")
    return v


_RULES: Final[tuple[Callable[[Facts], Verdict | None], ...]] = (
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
)
