"""What the server attaches to a run's steps from their history (heals.attach_history)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from bugbrain.db import tables
from bugbrain.services.heals import attach_history
from bugbrain.services.locator_cache import step_key

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
