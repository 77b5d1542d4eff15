"""The locator cache: what a step's words resolved to in its last passing run.

The runner tries the cached selector first and ignores it when it no longer
matches exactly one visible element; a passing run stores what it used, and a
cached selector that stopped working is dropped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bugbrain.clock import utcnow
from bugbrain.db.tables import locator_cache
from bugbrain.db.upsert import upsert
from bugbrain.elements.selectors import public_selector
from bugbrain.vocabulary import LocatorSource, TestStatus


def step_key(step: dict[str, Any]) -> str:
    """Changes whenever the step's wording or explicit fields change."""
    material = [step.get("description") or "", step.get("action"), step.get("selector")]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


def attach_cached_selectors(conn: Connection, spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` whose steps carry ``cached_selector`` where one is valid."""
    case_ids = {test["test_id"] for test in spec["tests"]}
    rows = conn.execute(
        sa.select(locator_cache).where(locator_cache.c.test_case_id.in_(case_ids))
    ).mappings()
    cached = {(r["test_case_id"], r["step_id"]): (r["step_key"], r["selector"]) for r in rows}
    tests = []
    for test in spec["tests"]:
        steps = []
        for step in test["steps"]:
            hit = cached.get((test["test_id"], step["step_id"]))
            # Rows stored in Playwright's internal syntax are used in public syntax;
            # one without a public form is a miss (the words are resolved again).
            selector = public_selector(hit[1]) if hit is not None else None
            if hit is not None and selector and hit[0] == step_key(step):
                step = {**step, "cached_selector": selector}
            steps.append(step)
        tests.append({**test, "steps": steps})
    return {**spec, "tests": tests}


def record(
    conn: Connection,
    test_case_id: str,
    spec_steps: list[dict[str, Any]],
    result: dict[str, Any],
) -> None:
    """Store what a passing test's worded steps resolved to; forget cached
    selectors that a run (passing or not) found stale."""
    by_id = {s["step_id"]: s for s in spec_steps}
    now = utcnow()
    for step in result.get("steps") or []:
        spec_step = by_id.get(step.get("step_id"))
        source = step.get("selector_source")
        if spec_step is None or source not in (LocatorSource.SEMANTIC, LocatorSource.CACHE):
            continue
        key = {"test_case_id": test_case_id, "step_id": step["step_id"]}
        if result.get("status") == TestStatus.PASSED and step.get("resolved_selector"):
            _upsert(conn, key, step_key(spec_step), step["resolved_selector"], now)
        elif spec_step.get("cached_selector") and source == LocatorSource.SEMANTIC:
            conn.execute(
                locator_cache.delete().where(
                    locator_cache.c.test_case_id == test_case_id,
                    locator_cache.c.step_id == step["step_id"],
                )
            )


def _upsert(conn: Connection, key: dict[str, str], step_key_: str, selector: str, now: Any) -> None:
    values = {"step_key": step_key_, "selector": selector, "updated_at": now}
    upsert(conn, locator_cache, key, values)
