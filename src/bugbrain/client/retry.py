"""When a request is tried again, and how long to wait first.

The rules (docs/sdk.md#retries):

- Idempotent requests (GET, PUT, DELETE, and PATCH: every bugbrain PATCH sets
  fields to the values sent, so sending it twice leaves the same state) are
  retried on transport errors that may pass (refused, reset, dropped, timed
  out; not a bad URL or a proxy's refusal) and on 429, 502, 503 and 504.
- A POST is retried only when the server certainly did not act on it: the
  connection could not be made (nothing was sent), or the answer was 429 or
  503, which refuse a request without carrying it out. Never after a timeout or
  a dropped connection, and never on 500/502/504, where it may have run.
- A ``Retry-After`` header is honoured (the wait is at least what it says); one
  beyond ``max_retry_after`` is not waited for: the error is raised at once and
  carries ``retry_after``, for the caller to decide.
- Otherwise the wait is exponential with full jitter:
  ``uniform(0, min(backoff_max, backoff_base * 2**n))`` before retry ``n`` (0, 1, …),
  so many clients that failed together do not come back together.
- At most ``max_retries`` retries; then the last error is raised.

``Attempts`` applies them to one request; the sync and async clients only send
and sleep, so both behave the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

from bugbrain.client.errors import (
    ApiError,
    TransportError,
    UnexpectedResponseError,
    error_from_response,
)

T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
# Answers that say the request was refused before anything was done.
REFUSED = frozenset({429, 503})
# Gateway answers: the request may or may not have reached the app.
GATEWAY = frozenset({502, 504})
# Transport errors raised before a byte of the request was sent.
NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0

    def backoff(self, retry: int, rng: Callable[[float, float], float] = random.uniform) -> float:
        """The wait before retry number ``retry`` (0 for the first): full jitter."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** min(retry, 60))
        return rng(0.0, ceiling)

    def delay(
        self,
        retry: int,
        retry_after: float | None,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> float | None:
        """How long to wait before retry ``retry``, or ``None``: do not retry."""
        if retry >= self.max_retries:
            return None
        if retry_after is None:
            return self.backoff(retry, rng)
        if retry_after > self.max_retry_after:
            return None
        # At least what the server asked, with a little jitter above it.
        return retry_after + rng(0.0, min(1.0, retry_after * 0.1))


NO_RETRIES = RetryPolicy(max_retries=0)


def retryable_status(method: str, status: int) -> bool:
    if status in REFUSED:
        return True
    return method in IDEMPOTENT and status in GATEWAY


# Transport errors that may pass: the network, a timeout, a connection the
# server dropped. Not a bad URL scheme or a proxy's refusal: those stay.
PASSING: tuple[type[Exception], ...] = (
    httpx.NetworkError,
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
)


def retryable_exception(method: str, exc: Exception) -> bool:
    if isinstance(exc, NOT_SENT):
        return True
    return method in IDEMPOTENT and isinstance(exc, PASSING)


@dataclass(frozen=True)
class Retry:
    delay: float


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


class Attempts(Generic[T]):
    """One request's attempts: told what each attempt got, says whether to
    retry (after how long), return a value, or raise."""

    def __init__(
        self,
        method: str,
        url: str,
        parse: Callable[[httpx.Response], T],
        policy: RetryPolicy,
        *,
        ok_if_repeated: frozenset[int] = frozenset(),
        repeated: Callable[[], T] | None = None,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.method = method
        self.url = url
        self.parse = parse
        self.policy = policy
        self.ok_if_repeated = ok_if_repeated
        self.repeated = repeated
        self.rng = rng
        self.retries = 0
        # An earlier attempt was sent and got no answer: it may have been carried out.
        self.may_have_acted = False

    def _next(self, retry_after: float | None) -> Retry | None:
        wait = self.policy.delay(self.retries, retry_after, self.rng)
        if wait is None:
            return None
        self.retries += 1
        return Retry(wait)

    def failed(self, exc: Exception) -> Retry:
        """The attempt got no answer: retry, or raise ``TransportError``."""
        if retryable_exception(self.method, exc):
            step = self._next(None)
            if step is not None:
                if not isinstance(exc, NOT_SENT):
                    self.may_have_acted = True
                return step
        tries = f" after {self.retries + 1} attempts" if self.retries else ""
        raise TransportError(
            f"{self.method} {self.url}: {type(exc).__name__}: {exc or 'no answer'}{tries}"
        ) from exc

    def answered(self, response: httpx.Response) -> Retry | Done[T]:
        """The attempt got an answer: its value, a retry, or the error raised."""
        status = response.status_code
        if status < 400:
            try:
                return Done(self.parse(response))
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                raise UnexpectedResponseError(
                    f"{self.method} {self.url}: {status} answer not understood: {exc}",
                    status,
                    response.content,
                ) from exc
        if self.may_have_acted and status in self.ok_if_repeated and self.repeated is not None:
            # e.g. a DELETE whose first attempt went through: the object is gone.
            return Done(self.repeated())
        error: ApiError = error_from_response(
            status,
            {k.lower(): v for k, v in response.headers.items()},
            response.content,
            method=self.method,
            url=self.url,
        )
        if retryable_status(self.method, status):
            step = self._next(error.retry_after)
            if step is not None:
                return step
        error.after_lost_attempt = self.may_have_acted
        raise error
