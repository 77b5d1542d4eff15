"""Element fingerprints and heals: what passing steps touched, and every time
a missing element was replaced by another, for review and acceptance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain import ids
from bugbrain.clock import isoformat, utcnow
from bugbrain.db import prepared
from bugbrain.db.prepared import Reads, Row
from bugbrain.db.tables import element_fingerprints, heals, test_cases
from bugbrain.db.upsert import upsert
from bugbrain.elements.selectors import public_selector, shown_selector
from bugbrain.errors import Conflict, NotFound
from bugbrain.services import test_cases as test_cases_service
from bugbrain.services import webhook_outbox
from bugbrain.services.locator_cache import step_key
from bugbrain.vocabulary import TestStatus

APPLIED, ACCEPTED = "applied", "accepted"


def attach_history(
    conn: Connection,
    spec: dict[str, Any],
    *,
    refresh_seconds: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A copy of ``spec`` whose steps carry their last fingerprint and any heal
    to reuse (the latest applied heal of the same original selector).

    A fingerprint recorded less than ``refresh_seconds`` ago is marked
    ``fingerprint_fresh``: the runner does not read it again this run.
    """
    fresh_since = (now or utcnow()) - timedelta(seconds=refresh_seconds)
    case_ids = {test["test_id"] for test in spec["tests"]}
    prints = {
        (r["test_case_id"], r["step_id"]): r
        for r in conn.execute(
            sa.select(element_fingerprints).where(element_fingerprints.c.test_case_id.in_(case_ids))
        ).mappings()
    }
    remembered: dict[tuple[str, str, str], str] = {}
    for row in conn.execute(
        sa.select(heals)
        .where(heals.c.test_case_id.in_(case_ids), heals.c.status == APPLIED)
        .order_by(heals.c.created_at)
    ).mappings():
        key = (row["test_case_id"], row["step_id"], row["original_selector"])
        # Later rows win. A heal stored in Playwright's internal syntax is reused in
        # public syntax; one without a public form is forgotten (the step searches again).
        healed = public_selector(row["healed_selector"])
        if healed is None:
            remembered.pop(key, None)
        else:
            remembered[key] = healed
    tests = []
    for test in spec["tests"]:
        steps = []
        for step in test["steps"]:
            extra: dict[str, Any] = {}
            printed = prints.get((test["test_id"], step["step_id"]))
            if printed is not None and printed["step_key"] == step_key(step):
                extra["fingerprint"] = printed["fingerprint"]
                if refresh_seconds > 0 and printed["updated_at"] > fresh_since:
                    extra["fingerprint_fresh"] = True
            heal = remembered.get((test["test_id"], step["step_id"], step.get("selector") or ""))
            if heal is not None:
                extra["remembered_heal"] = heal
            steps.append({**step, **extra})
        tests.append({**test, "steps": steps})
    return {**spec, "tests": tests}


def record(
    conn: Connection,
    *,
    workspace_id: str,
    execution_id: str,
    test_case_id: str,
    spec_steps: list[dict[str, Any]],
    result: dict[str, Any],
) -> None:
    """Keep the fingerprints of a passing test's steps; log every heal."""
    by_id = {s["step_id"]: s for s in spec_steps}
    now = utcnow()
    for step in result.get("steps") or []:
        spec_step = by_id.get(step.get("step_id"))
        if spec_step is None:
            continue
        if step.get("healed") and step.get("healed_selector"):
            heal = {
                "id": ids.new_id("heal"),
                "workspace_id": workspace_id,
                "execution_id": execution_id,
                "test_case_id": test_case_id,
                "step_id": step["step_id"],
                "original_selector": step.get("original_selector") or "",
                "healed_selector": step["healed_selector"],
                "score": step.get("heal_score"),
                "status": APPLIED,
                "reused": step.get("heal_score") is None,
                "created_at": now,
            }
            conn.execute(heals.insert().values(**heal))
            webhook_outbox.healed_step(conn, execution_id, heal)
        if result.get("status") == TestStatus.PASSED and step.get("fingerprint"):
            _store_fingerprint(conn, test_case_id, spec_step, step["fingerprint"], execution_id)


def _store_fingerprint(
    conn: Connection,
    test_case_id: str,
    spec_step: dict[str, Any],
    fingerprint: dict[str, Any],
    execution_id: str,
) -> None:
    values = {
        "step_key": step_key(spec_step),
        "fingerprint": fingerprint,
        "execution_id": execution_id,
        "updated_at": utcnow(),
    }
    key = {"test_case_id": test_case_id, "step_id": spec_step["step_id"]}
    upsert(conn, element_fingerprints, key, values)


def to_json(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "execution_id": row["execution_id"],
        "test_case_id": row["test_case_id"],
        "step_id": row["step_id"],
        "original_selector": row["original_selector"],
        # In public syntax: older versions stored Playwright's internal forms.
        "healed_selector": shown_selector(row["healed_selector"]),
        "score": row["score"],
        "reused": row["reused"],
        "status": row["status"],
        "created_at": isoformat(row["created_at"]),
        "accepted_at": isoformat(row["accepted_at"]),
    }


def list_for_test_case(conn: Connection, workspace_id: str, test_case_id: str) -> dict[str, Any]:
    test_cases_service.get(conn, workspace_id, test_case_id)
    rows = conn.execute(
        sa.select(heals)
        .where(heals.c.test_case_id == test_case_id)
        .order_by(heals.c.created_at.desc(), heals.c.id)
    ).mappings()
    return {"data": [to_json(r) for r in rows]}


_OF_EXECUTION = (
    sa.select(heals)
    .where(heals.c.execution_id == sa.bindparam("execution_id"))
    .order_by(heals.c.created_at)
)


def of_execution(execution_id: str) -> Reads[list[dict[str, Any]]]:
    rows = yield from prepared.every(_OF_EXECUTION, {"execution_id": execution_id})
    return [to_json(r) for r in rows]


def accept(conn: Connection, workspace_id: str, test_case_id: str, heal_id: str) -> dict[str, Any]:
    """Rewrite the step's selector to the healed one, so the test stops relying
    on healing; every applied heal of that same change is marked accepted."""
    case = test_cases_service.get(conn, workspace_id, test_case_id)
    heal = (
        conn.execute(
            sa.select(heals).where(heals.c.id == heal_id, heals.c.test_case_id == test_case_id)
        )
        .mappings()
        .first()
    )
    if heal is None:
        raise NotFound(f"Heal {heal_id} not found for test case {test_case_id}")
    if heal["status"] == ACCEPTED:
        raise Conflict(f"Heal {heal_id} was already accepted")
    steps = [dict(s) for s in case["steps"]]
    step = next((s for s in steps if s["step_id"] == heal["step_id"]), None)
    if step is None or (step.get("selector") or "") != heal["original_selector"]:
        raise Conflict(
            f"Step {heal['step_id']} no longer has the selector {heal['original_selector']!r}; "
            "the heal no longer applies"
        )
    healed = public_selector(heal["healed_selector"])
    if healed is None:
        # Stored by an older version in a form no public syntax expresses
        # (Playwright's internal label engine): writing it into the test would
        # leave a selector no other tool reads. A new run heals it anew.
        raise Conflict(
            f"Heal {heal_id}'s selector {heal['healed_selector']!r} has no public form; "
            "run the test again to heal the step anew"
        )
    step["selector"] = healed
    now = utcnow()
    conn.execute(
        test_cases.update()
        .where(test_cases.c.id == test_case_id)
        .values(steps=steps, updated_at=now)
    )
    conn.execute(
        heals.update()
        .where(
            heals.c.test_case_id == test_case_id,
            heals.c.step_id == heal["step_id"],
            heals.c.original_selector == heal["original_selector"],
            heals.c.healed_selector == heal["healed_selector"],
        )
        .values(status=ACCEPTED, accepted_at=now)
    )
    return {
        "heal": to_json(
            conn.execute(sa.select(heals).where(heals.c.id == heal_id)).mappings().one()
        ),
        "test_case": test_cases_service.to_json(
            test_cases_service.get(conn, workspace_id, test_case_id)
        ),
    }
