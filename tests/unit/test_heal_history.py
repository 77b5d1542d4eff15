"""What the server attaches to a run's steps from their history (heals.attach_history)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from bugbrain.db import tables
from bugbrain.services.heals import attach_history, to_json
from bugbrain.services.locator_cache import attach_cached_selectors, step_key

NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)
CLICK = {"step_id": "step_2", "action": "click", "selector": ".add-to-cart-btn"}
FILL = {"step_id": "step_3", "action": "fill", "selector": "#email", "value": "a@b.c"}
PRINTED = {"tag": "button", "classes": ["add-to-cart-btn"], "text": "Add to cart"}


def _attach(recorded_ago: datetime.timedelta, refresh_seconds: int) -> list[dict[str, Any]]:
    engine = sa.create_engine("sqlite://")
    tables.metadata.create_all(engine)
    spec = {"tests": [{"test_id": "tc_1", "steps": [CLICK, FILL]}]}
    with engine.begin() as conn:
        conn.execute(
            tables.element_fingerprints.insert(),
            [
                {
                    "test_case_id": "tc_1",
                    "step_id": "step_2",
                    "step_key": step_key(CLICK),
                    "fingerprint": PRINTED,
                    "execution_id": "exec_0",
                    "updated_at": NOW - recorded_ago,
                },
                {  # recorded for an older version of the step: not attached
                    "test_case_id": "tc_1",
                    "step_id": "step_3",
                    "step_key": "old",
                    "fingerprint": {"tag": "input"},
                    "execution_id": "exec_0",
                    "updated_at": NOW,
                },
            ],
        )
        out = attach_history(conn, spec, refresh_seconds=refresh_seconds, now=NOW)
    steps: list[dict[str, Any]] = out["tests"][0]["steps"]
    return steps


@pytest.mark.parametrize(
    ("ago", "refresh", "fresh"),
    [
        (datetime.timedelta(hours=1), 86400, True),
        (datetime.timedelta(hours=25), 86400, False),  # stale: read the element again
        (datetime.timedelta(seconds=1), 0, False),  # 0: every run reads it
    ],
)
def test_recent_fingerprints_are_marked_fresh(
    ago: datetime.timedelta, refresh: int, fresh: bool
) -> None:
    click, fill = _attach(ago, refresh)
    assert click["fingerprint"] == PRINTED
    assert click.get("fingerprint_fresh", False) is fresh
    assert "fingerprint" not in fill
    assert "fingerprint_fresh" not in fill


# ------------------------------------------------------------ stored in internal syntax

OLD_HEAL = 'internal:role=button[name="Add to cart"s]'
PUBLIC_HEAL = 'role=button[name="Add to cart"]'


def _heal(heal_id: str, healed: str, minutes: int) -> dict[str, Any]:
    return {
        "id": heal_id,
        "workspace_id": "ws_1",
        "execution_id": "exec_0",
        "test_case_id": "tc_1",
        "step_id": "step_2",
        "original_selector": ".add-to-cart-btn",
        "healed_selector": healed,
        "score": 0.9,
        "status": "applied",
        "reused": False,
        "created_at": NOW - datetime.timedelta(minutes=minutes),
    }


@pytest.mark.parametrize(
    ("stored", "remembered"),
    [
        ([OLD_HEAL], PUBLIC_HEAL),  # reused, in public syntax
        ([PUBLIC_HEAL, OLD_HEAL], PUBLIC_HEAL),
        (['internal:label="Cart"s'], None),  # no public form: the step searches again
        ([PUBLIC_HEAL, 'internal:label="Cart"s'], None),  # the latest heal decides
    ],
)
def test_heals_stored_in_internal_syntax_are_reused_in_public_syntax(
    stored: list[str], remembered: str | None
) -> None:
    engine = sa.create_engine("sqlite://")
    tables.metadata.create_all(engine)
    spec = {"tests": [{"test_id": "tc_1", "steps": [CLICK]}]}
    rows = [_heal(f"heal_{i}", s, len(stored) - i) for i, s in enumerate(stored)]
    with engine.begin() as conn:
        conn.execute(tables.heals.insert(), rows)
        out = attach_history(conn, spec, refresh_seconds=0, now=NOW)
        shown = [to_json(r) for r in conn.execute(sa.select(tables.heals)).mappings()]
    assert out["tests"][0]["steps"][0].get("remembered_heal") == remembered
    # The heals API shows them in public syntax too (as stored when there is none).
    expected = [PUBLIC_HEAL if s.startswith("internal:role") else s for s in stored]
    assert sorted(h["healed_selector"] for h in shown) == sorted(expected)


@pytest.mark.parametrize(
    ("stored", "cached"),
    [
        ('internal:role=link[name="Reviews"s]', 'role=link[name="Reviews"]'),
        ("#reviews", "#reviews"),
        ('internal:label="Email"s', None),  # no public form: the words are resolved again
    ],
)
def test_cached_selectors_stored_in_internal_syntax(stored: str, cached: str | None) -> None:
    engine = sa.create_engine("sqlite://")
    tables.metadata.create_all(engine)
    worded = {"step_id": "step_4", "description": "Click Reviews"}
    spec = {"tests": [{"test_id": "tc_1", "steps": [worded]}]}
    with engine.begin() as conn:
        conn.execute(
            tables.locator_cache.insert().values(
                test_case_id="tc_1",
                step_id="step_4",
                step_key=step_key(worded),
                selector=stored,
                updated_at=NOW,
            )
        )
        out = attach_cached_selectors(conn, spec)
    assert out["tests"][0]["steps"][0].get("cached_selector") == cached
