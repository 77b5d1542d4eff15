"""Webhooks without a server: signatures made and checked (``webhook_signing``,
the SDK's ``verify_signature``), the retry schedule and its setting, and the
outbox on a real SQLite file: events written with the transitions that cause
them (and only those), taken by one sender per attempt, retried with backoff,
given up after the last attempt, taken again when a sender's lease runs out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from bugbrain.client import InvalidSignature, verify_signature
from bugbrain.clock import utcnow
from bugbrain.db.engine import create_engine, read_tx, write_tx
from bugbrain.db.migrate import upgrade
from bugbrain.db.tables import (
    executions,
    projects,
    test_cases,
    test_results,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
    workspaces,
)
from bugbrain.errors import ConfigError
from bugbrain.services import execution_state as state
from bugbrain.services import webhook_outbox as outbox
from bugbrain.services.webhook_outbox import Outcome
from bugbrain.settings import load_settings, parse_retry_seconds
from bugbrain.vault import Vault
from bugbrain.vocabulary import DeliveryStatus, ExecutionStatus, FailureReason, WebhookEvent
from bugbrain.webhook_signing import signature_header

SECRET = "whsec_unit"
BODY = b'{"event":"execution.completed","id":"evt_1","data":{}}'
WORKSPACE, OTHER, PROJECT = "ws_hooks", "ws_other", "proj_hooks"
DELAYS = (5.0, 30.0)


# ---- signatures ---------------------------------------------------------------------


def test_a_signature_verifies_with_its_secret_and_body() -> None:
    header = signature_header(SECRET, BODY, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000, v1=")
    assert verify_signature(BODY, header, SECRET, now=1_700_000_010) == 1_700_000_000
    assert verify_signature(BODY.decode(), header, SECRET, now=1_700_000_010) == 1_700_000_000


@pytest.mark.parametrize(
    ("body", "secret", "now", "why"),
    [
        (BODY + b" ", SECRET, 1_700_000_000, "no signature matches"),
        (BODY, "whsec_other", 1_700_000_000, "no signature matches"),
        (BODY, SECRET, 1_700_000_301, "from now"),
        (BODY, SECRET, 1_699_999_600, "from now"),
    ],
)
def test_a_changed_body_another_secret_or_an_old_time_is_refused(
    body: bytes, secret: str, now: float, why: str
) -> None:
    header = signature_header(SECRET, BODY, timestamp=1_700_000_000)
    with pytest.raises(InvalidSignature, match=why):
        verify_signature(body, header, secret, now=now)


def test_the_tolerance_can_be_turned_off_and_any_v1_may_match() -> None:
    header = signature_header(SECRET, BODY, timestamp=1_000)
    assert verify_signature(BODY, header, SECRET, tolerance_seconds=0, now=9e9) == 1_000
    both = f"t=1000, v1={'0' * 64}, v1={header.split('v1=')[1]}"
    assert verify_signature(BODY, both, SECRET, tolerance_seconds=0) == 1_000


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=12", "t=abc, v1=00", "garbage"])
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify_signature(BODY, header, SECRET, tolerance_seconds=0)


def test_the_signature_is_hmac_sha256_of_time_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"42." + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, BODY, timestamp=42) == f"t=42, v1={expected}"


# ---- the retry schedule ----------------------------------------------------------------


def test_each_failed_attempt_waits_the_next_delay_and_the_last_gives_up() -> None:
    assert [outbox.retry_delay(n, DELAYS) for n in (1, 2, 3)] == [5.0, 30.0, None]
    assert outbox.retry_delay(1, ()) is None


def test_the_retry_setting() -> None:
    assert load_settings({}).webhook_retry_delays == (5, 30, 120, 600, 3600, 18000)
    env = {"BUGBRAIN_WEBHOOK_RETRY_SECONDS": " 1, 2.5 ,10"}
    assert load_settings(env).webhook_retry_delays == (1.0, 2.5, 10.0)
    assert parse_retry_seconds("none") == ()
    for bad in ("1,x", "-1", "1e9", ",".join(["1"] * 21)):
        with pytest.raises(ConfigError, match="BUGBRAIN_WEBHOOK_RETRY_SECONDS"):
            load_settings({"BUGBRAIN_WEBHOOK_RETRY_SECONDS": bad})
    with pytest.raises(ConfigError, match="webhook_timeout_seconds"):
        load_settings({"BUGBRAIN_WEBHOOK_TIMEOUT_SECONDS": "0"})


# ---- the outbox ------------------------------------------------------------------------


@pytest.fixture
def vault() -> Vault:
    return Vault([Fernet.generate_key()])


@pytest.fixture
def engine(tmp_path: Path, vault: Vault) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'bugbrain.db'}")
    upgrade(engine)
    now = utcnow()
    with write_tx(engine) as conn:
        for workspace in (WORKSPACE, OTHER):
            conn.execute(workspaces.insert().values(id=workspace, name=workspace, created_at=now))
        conn.execute(
            projects.insert().values(
                id=PROJECT,
                workspace_id=WORKSPACE,
                name="Hooks",
                base_url="http://127.0.0.1:9",
                environments={},
                default_environment=None,
                variables={},
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            test_cases.insert().values(
                id="tc_0",
                workspace_id=WORKSPACE,
                project_id=PROJECT,
                name="Test 0",
                description="",
                status="active",
                priority="medium",
                tags=[],
                steps=[],
                created_at=now,
                updated_at=now,
            )
        )
    yield engine
    engine.dispose()


def add_webhook(
    engine: Engine,
    vault: Vault,
    webhook_id: str,
    events: list[str],
    *,
    workspace: str = WORKSPACE,
    enabled: bool = True,
) -> None:
    now = utcnow()
    with write_tx(engine) as conn:
        conn.execute(
            webhooks.insert().values(
                id=webhook_id,
                workspace_id=workspace,
                url=f"http://127.0.0.1:9/{webhook_id}",
                events=events,
                description="",
                enabled=enabled,
                secret=vault.seal(SECRET),
                created_at=now,
                updated_at=now,
            )
        )


def queued(engine: Engine, execution_id: str = "exec_1") -> str:
    """An execution as ``executions.create`` leaves it: queued, its event written."""
    with write_tx(engine) as conn:
        conn.execute(
            executions.insert().values(
                id=execution_id,
                workspace_id=WORKSPACE,
                project_id=PROJECT,
                test_plan_id="tp_hooks",
                status=ExecutionStatus.QUEUED,
                timeout_seconds=300,
                spec={"tests": [{"position": 0, "test_id": "tc_0"}]},
                total_tests=1,
                created_at=utcnow(),
            )
        )
        conn.execute(
            test_results.insert().values(
                execution_id=execution_id,
                position=0,
                test_case_id="tc_0",
                name="Test 0",
                status="pending",
                steps=[],
            )
        )
        outbox.execution_status(conn, execution_id, ExecutionStatus.QUEUED)
    return execution_id


def deliveries(engine: Engine) -> list[dict[str, Any]]:
    with read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(webhook_deliveries).order_by(
                webhook_deliveries.c.created_at, webhook_deliveries.c.event
            )
        ).mappings()
        return [dict(r) for r in rows]


def events_of(engine: Engine, webhook_id: str) -> list[str]:
    return [d["event"] for d in deliveries(engine) if d["webhook_id"] == webhook_id]


def test_each_transition_writes_its_event_for_the_endpoints_that_take_it(
    engine: Engine, vault: Vault
) -> None:
    add_webhook(engine, vault, "wh_all", [e.value for e in WebhookEvent])
    add_webhook(engine, vault, "wh_done", ["execution.completed"])
    add_webhook(engine, vault, "wh_off", ["execution.completed"], enabled=False)
    add_webhook(engine, vault, "wh_elsewhere", ["execution.completed"], workspace=OTHER)
    execution_id = queued(engine)
    with write_tx(engine) as conn:
        taken = state.claim_next(conn, "worker-a")
    assert taken is not None
    assert events_of(engine, "wh_all") == ["execution.queued"]  # claiming is not an event
    with write_tx(engine) as conn:
        assert state.mark_running(conn, taken, "Chromium 1")
        failed = {"test_id": "tc_0", "status": "failed", "error": "Boom ••••", "steps": []}
        assert state.record_test_result(conn, taken, 0, failed)
        assert state.finish(conn, taken)
        assert not state.finish(conn, taken)  # no transition, no event
        assert not state.cancel(conn, execution_id)
    assert events_of(engine, "wh_all") == [
        "execution.queued",
        "execution.started",
        "test.failed",
        "execution.completed",
    ]
    assert events_of(engine, "wh_done") == ["execution.completed"]
    assert events_of(engine, "wh_off") == events_of(engine, "wh_elsewhere") == []
    rows = {d["event"]: d for d in deliveries(engine) if d["webhook_id"] == "wh_all"}
    done = json.loads(rows["execution.completed"]["body"])
    assert set(done) == {"event", "id", "timestamp", "data"}
    assert done["event"] == "execution.completed"
    assert done["data"]["execution_id"] == execution_id
    assert done["data"]["status"] == "completed"
    assert (done["data"]["passed_tests"], done["data"]["failed_tests"]) == (0, 1)
    assert done["data"]["duration_seconds"] is not None
    assert (done["data"]["schedule_id"], done["data"]["rerun_of"]) == (None, None)
    test = json.loads(rows["test.failed"]["body"])["data"]
    assert (test["test_case_id"], test["error"], test["status"]) == ("tc_0", "Boom ••••", "failed")
    ids = {d["event_id"] for d in deliveries(engine)}
    assert len(ids) == 4  # one event id per event, shared by its endpoints' deliveries
    assert all(d["status"] == DeliveryStatus.PENDING for d in deliveries(engine))


def test_failures_cancels_and_reaped_executions_are_events(engine: Engine, vault: Vault) -> None:
    add_webhook(engine, vault, "wh", ["execution.failed", "execution.cancelled"])
    cancelled = queued(engine, "exec_c")
    with write_tx(engine) as conn:
        assert state.cancel(conn, cancelled)
    queued(engine, "exec_f")
    with write_tx(engine) as conn:
        taken = state.claim_next(conn, "worker-a")
        assert taken is not None
        assert state.fail(conn, taken, FailureReason.RUNNER_CRASHED, "crashed")
    queued(engine, "exec_r")
    with write_tx(engine) as conn:
        assert state.claim_next(conn, "worker-a") is not None
        assert state.reap(conn, stale_before=utcnow() + timedelta(seconds=1)) == ["exec_r"]
    bodies = [json.loads(d["body"]) for d in deliveries(engine)]
    assert [(b["event"], b["data"]["execution_id"]) for b in bodies] == [
        ("execution.cancelled", "exec_c"),
        ("execution.failed", "exec_f"),
        ("execution.failed", "exec_r"),
    ]
    assert bodies[1]["data"]["failure_reason"] == "runner_crashed"
    assert bodies[2]["data"]["failure_reason"] == "worker_lost"
    assert bodies[0]["data"]["skipped_tests"] == 1


def test_a_rolled_back_transition_leaves_no_delivery(engine: Engine, vault: Vault) -> None:
    add_webhook(engine, vault, "wh", ["execution.cancelled"])
    execution_id = queued(engine)

    def cancel_then_fail() -> None:
        with write_tx(engine) as conn:
            assert state.cancel(conn, execution_id)
            raise RuntimeError("the transaction fails after the change")

    with pytest.raises(RuntimeError):
        cancel_then_fail()
    assert deliveries(engine) == []


def _take(engine: Engine, vault: Vault, *, later: float = 0.0) -> list[outbox.Taken]:
    with write_tx(engine) as conn:
        return outbox.take_due(
            conn, vault, now=utcnow() + timedelta(seconds=later), lease_seconds=60, limit=10
        )


def _outcome(status: int | None, error: str | None = None) -> Outcome:
    return Outcome(started_at=utcnow(), latency_ms=7, status_code=status, error=error)


def _record(engine: Engine, taken: outbox.Taken, outcome: Outcome, *, later: float = 0.0) -> bool:
    now = utcnow() + timedelta(seconds=later)
    with write_tx(engine) as conn:
        return outbox.record(conn, taken, outcome, delays=DELAYS, sender="unit", now=now)


def test_an_attempt_is_taken_once_retried_with_backoff_and_given_up(
    engine: Engine, vault: Vault
) -> None:
    add_webhook(engine, vault, "wh", ["execution.queued"])
    queued(engine)
    with read_tx(engine) as conn:
        assert outbox.any_due(conn, utcnow())
    [first] = _take(engine, vault)
    with read_tx(engine) as conn:
        assert not outbox.any_due(conn, utcnow())
    assert (first.attempt, first.secret, first.event) == (1, SECRET, "execution.queued")
    assert json.loads(first.body)["event"] == "execution.queued"
    assert _take(engine, vault) == []  # held by the first sender
    assert _record(engine, first, _outcome(500, "HTTP 500"))
    [row] = deliveries(engine)
    assert (row["status"], row["attempts"], row["lease_token"]) == ("pending", 1, None)
    assert _take(engine, vault, later=4) == []  # the first retry is 5 s later
    [second] = _take(engine, vault, later=6)
    assert second.attempt == 2
    assert _record(engine, second, _outcome(None, "timed out"), later=6)
    assert _take(engine, vault, later=30) == []  # the second retry: 30 s after that
    [third] = _take(engine, vault, later=37)
    assert _record(engine, third, _outcome(404, "HTTP 404"), later=37)
    [row] = deliveries(engine)
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 3, None)
    assert _take(engine, vault, later=100_000) == []
    with read_tx(engine) as conn:
        logged = conn.execute(
            sa.select(webhook_attempts).order_by(webhook_attempts.c.number)
        ).mappings()
        assert [(a["number"], a["status_code"], a["succeeded"]) for a in logged] == [
            (1, 500, False),
            (2, None, False),
            (3, 404, False),
        ]


def test_a_2xx_ends_the_delivery(engine: Engine, vault: Vault) -> None:
    add_webhook(engine, vault, "wh", ["execution.queued"])
    queued(engine)
    [taken] = _take(engine, vault)
    assert _record(engine, taken, _outcome(204))
    [row] = deliveries(engine)
    assert (row["status"], row["attempts"]) == ("succeeded", 1)
    assert row["completed_at"] is not None


def test_a_lapsed_lease_lets_another_sender_take_it_and_the_first_writes_nothing(
    engine: Engine, vault: Vault
) -> None:
    add_webhook(engine, vault, "wh", ["execution.queued"])
    queued(engine)
    [lost] = _take(engine, vault)
    [again] = _take(engine, vault, later=61)  # the first sender died mid-post
    assert again.attempt == 1
    assert again.lease_token != lost.lease_token
    assert not _record(engine, lost, _outcome(200))
    assert _record(engine, again, _outcome(200))
    [row] = deliveries(engine)
    assert (row["status"], row["attempts"]) == ("succeeded", 1)


def test_disabled_endpoints_wait_and_unreadable_secrets_are_not_sent(
    engine: Engine, vault: Vault
) -> None:
    add_webhook(engine, vault, "wh", ["execution.queued"])
    queued(engine)
    with write_tx(engine) as conn:
        conn.execute(webhooks.update().values(enabled=False))
    with read_tx(engine) as conn:
        assert not outbox.any_due(conn, utcnow())
    assert _take(engine, vault) == []
    with write_tx(engine) as conn:
        conn.execute(webhooks.update().values(enabled=True))
    [taken] = _take(engine, Vault([Fernet.generate_key()]))
    assert taken.secret is None


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://127.0.0.1/x", "not an http:// or https:// URL"),
        ("http://\U00042530\U00011b09/x", "InvalidURL"),
        ("http://127.0.0.1:9/x", "ConnectError"),
    ],
)
def test_a_post_that_cannot_be_made_is_a_failed_attempt(url: str, error: str) -> None:
    import httpx

    from bugbrain.worker.webhook_sender import post

    taken = outbox.Taken("whd_1", "token", 1, "execution.queued", BODY, url, SECRET)
    with httpx.Client(timeout=2) as client:
        outcome = post(client, taken)
    assert outcome.status_code is None
    assert not outcome.succeeded
    assert outcome.error is not None
    assert error in outcome.error
