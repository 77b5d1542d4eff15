"""The webhook sender: posts the outbox's due deliveries. Every API and worker
process runs one; a delivery is taken for each attempt by exactly one of them
(``services/webhook_outbox.py``), so several never post the same attempt.

Each attempt is signed at send time (``X-BugBrain-Signature``, the endpoint's
current secret), posted with httpx (redirects not followed, the timeout of
``webhook_timeout_seconds``), and logged with its status code, latency and
error. A 2xx ends the delivery; anything else is retried after the next of
``webhook_retry_seconds``, and given up (``failed``) after the last. All state
is in the database: a restart loses nothing, and a sender that dies mid-post
leaves the delivery to be taken again when its lease runs out (at least once;
receivers deduplicate by ``X-BugBrain-Delivery``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Final
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine

from bugbrain import __version__, ids
from bugbrain.clock import utcnow
from bugbrain.db.engine import read_tx, write_tx
from bugbrain.services import webhook_outbox as outbox
from bugbrain.services.webhook_outbox import Outcome, Taken
from bugbrain.settings import Settings
from bugbrain.vault import Vault
from bugbrain.webhook_signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

log = logging.getLogger("bugbrain.webhooks")
# httpx logs every request's URL at INFO; an endpoint's URL can be a credential
# (a Slack incoming-webhook URL is one), so only its warnings are kept.
logging.getLogger("httpx").setLevel(logging.WARNING)

# How often due deliveries are looked for when there was nothing to send.
INTERVAL_SECONDS: Final = 1.0
# Deliveries taken per pass, and posted at once.
BATCH: Final = 16
POSTERS: Final = 4
# An attempt's hold on its delivery: far beyond the post's own timeout, so that
# only a sender that died lets another take the delivery again.
LEASE_SECONDS: Final = 120.0
# How much of a receiver's answer is kept in the attempt's error.
ERROR_BODY_CHARS: Final = 200


def sender_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{ids.base58_token(6)}"


def _refused_url(url: str) -> str | None:
    """Why ``url`` is not posted to, or None. The API takes only http(s) URLs;
    this is checked again here, as the row is what is sent."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return "not an http:// or https:// URL: not sent"
    return None


def post(client: httpx.Client, taken: Taken) -> Outcome:
    """One attempt: sign, post, and say how it went (never raises for the network)."""
    started = utcnow()
    clock = time.monotonic()
    status: int | None = None
    error: str | None = _refused_url(taken.url)
    if error is None and taken.secret is None:
        error = "the endpoint's secret cannot be decrypted with this server's key: not sent"
    if error is None:
        assert taken.secret is not None
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"bugbrain-webhooks/{__version__}",
            SIGNATURE_HEADER: signature_header(taken.secret, taken.body),
            EVENT_HEADER: taken.event,
            DELIVERY_HEADER: taken.delivery_id,
        }
        try:
            response = client.post(taken.url, content=taken.body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                text = response.text[:ERROR_BODY_CHARS].strip()
                error = f"HTTP {status}" + (f": {text}" if text else "")
        except httpx.TimeoutException:
            error = "timed out"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        except Exception as exc:  # whatever it was, an attempt that failed, not a lost batch
            log.exception("delivery %s: posting failed", taken.delivery_id)
            error = f"{type(exc).__name__}: {exc}"[:500]
    latency = int((time.monotonic() - clock) * 1000)
    return Outcome(started_at=started, latency_ms=latency, status_code=status, error=error)


class WebhookSender:
    def __init__(self, engine: Engine, settings: Settings, vault: Vault) -> None:
        self.engine = engine
        self.settings = settings
        self.vault = vault
        self.sender = sender_id()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(
            timeout=settings.webhook_timeout_seconds,
            # A redirect is an answer like any other: not followed (it could lead
            # anywhere). HTTPS_PROXY / NO_PROXY are honoured: an egress proxy is how
            # a deployment limits where webhooks may go (docs/webhooks.md).
            follow_redirects=False,
        )
        self._posters = ThreadPoolExecutor(POSTERS, thread_name_prefix="bugbrain-webhook")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="bugbrain-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self._posters.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = self.send_due()
            except Exception:
                log.exception("sending webhooks failed; trying again in %.0f s", INTERVAL_SECONDS)
                sent = 0
            if sent < BATCH and self._stopping.wait(INTERVAL_SECONDS):
                return

    def send_due(self) -> int:
        """One pass: take the due deliveries, post them, log each attempt; how many."""
        with read_tx(self.engine) as conn:
            if not outbox.any_due(conn, utcnow()):
                return 0
        with write_tx(self.engine) as conn:
            taken = outbox.take_due(
                conn, self.vault, now=utcnow(), lease_seconds=LEASE_SECONDS, limit=BATCH
            )
        if not taken:
            return 0
        outcomes = list(self._posters.map(lambda t: post(self._client, t), taken))
        delays = self.settings.webhook_retry_delays
        for item, outcome in zip(taken, outcomes, strict=True):
            with write_tx(self.engine) as conn:
                kept = outbox.record(conn, item, outcome, delays=delays, sender=self.sender)
            if not kept:
                log.warning("delivery %s: its lease ran out before it was posted", item.delivery_id)
            elif outcome.error is not None:
                log.info(
                    "delivery %s (%s) attempt %d failed: %s",
                    item.delivery_id,
                    item.event,
                    item.attempt,
                    outcome.error,
                )
        return len(taken)
