"""What an events stream sends, from what the client has seen and the execution
now (``services/execution_events.py``): pure, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bugbrain.services.execution_events import Event, Seen, Snapshot, TestRow, events, format_event

T0 = datetime(2026, 12, 7, 12, tzinfo=UTC)


def row(position: int, status: str, started: int | None = None) -> TestRow:
    return TestRow(
        position=position,
        test_id=f"test_{position}",
        name=f"T{position}",
        status=status,
        started_at=None if started is None else T0 + timedelta(seconds=started),
        duration_ms=None if status in ("pending", "running") else 100,
        error="boom" if status == "failed" else None,
    )


def snap(status: str, *tests: TestRow) -> Snapshot:
    return Snapshot({"id": "exec_1", "status": status}, list(tests))


def names(batch: list[Event]) -> list[str]:
    return [f"{e.name}:{e.data.get('position', e.data.get('status'))}" for e in batch]


def test_a_run_from_queued_to_completed() -> None:
    seen = Seen()
    batch, seen = events(seen, snap("queued", row(0, "pending"), row(1, "pending")))
    assert names(batch) == ["status:queued"]
    # Parallel tests: 1 started before 0; both show up in one look.
    batch, seen = events(seen, snap("running", row(0, "running", 2), row(1, "running", 1)))
    assert names(batch) == ["status:running", "test_started:1", "test_started:0"]
    batch, seen = events(seen, snap("running", row(0, "running", 2), row(1, "failed", 1)))
    assert names(batch) == ["test_finished:1", "progress:running"]
    assert batch[0].data == {
        "position": 1, "test_id": "test_1", "name": "T1", "status": "failed",
        "duration_ms": 100, "error": "boom",
    }  # fmt: skip
    batch, seen = events(seen, snap("running", row(0, "running", 2), row(1, "failed", 1)))
    assert batch == []  # nothing moved
    batch, seen = events(seen, snap("completed", row(0, "passed", 2), row(1, "failed", 1)))
    assert names(batch) == ["test_finished:0", "status:completed"]  # terminal status last
    batch, _ = events(seen, snap("completed", row(0, "passed", 2), row(1, "failed", 1)))
    assert batch == []


def test_resuming_from_an_event_id_sends_only_what_follows() -> None:
    full, _ = events(Seen(), snap("completed", row(0, "passed", 1), row(1, "skipped")))
    assert names(full) == [
        "test_started:0",
        "test_finished:0",
        "test_finished:1",
        "status:completed",
    ]
    for index, event in enumerate(full):
        rest, _ = events(
            Seen.parse(event.id),
            snap("completed", row(0, "passed", 1), row(1, "skipped")),
        )
        assert names(rest) == names(full[index + 1 :])


def test_a_fast_test_is_announced_started_before_finished() -> None:
    batch, _ = events(Seen(status="running"), snap("running", row(3, "passed", 1)))
    # (No progress event: this client's counts are not known yet; a status
    # event carries them.)
    assert names(batch) == ["test_started:3", "test_finished:3"]


def test_ids_that_are_not_ours_start_afresh() -> None:
    for junk in (None, "", "42", "running", "running.zz.0", "nope.1.1", "x" * 20_000):
        assert Seen.parse(junk) == Seen()


def test_a_requeued_run_announces_its_tests_again() -> None:
    seen = Seen(status="running", started=0b1, finished=0b1)
    batch, seen = events(seen, snap("queued", row(0, "pending")))
    assert names(batch) == ["status:queued"]
    batch, _ = events(seen, snap("running", row(0, "running", 5)))
    assert names(batch) == ["status:running", "test_started:0"]


def test_wire_format() -> None:
    batch, _ = events(Seen(), snap("queued"))
    assert format_event(batch[0]) == (
        f'id: {batch[0].id}\nevent: status\ndata: {{"id": "exec_1", "status": "queued"}}\n\n'
    )
    assert batch[0].id == "queued.0.0"
