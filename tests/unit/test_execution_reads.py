"""The polled reads of executions (services.executions): the list in one query
(its window count must equal a plain count, page past the end included, and a
project of another workspace must stay a 404), the view without the spec, and
when a status needs the typical duration at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bugbrain.db.engine import create_engine, read_tx, write_tx
from bugbrain.db.migrate import upgrade
from bugbrain.db.prepared import run
from bugbrain.db.tables import executions, projects, workspaces
from bugbrain.errors import NotFound
from bugbrain.services import execution_views as views
from bugbrain.services import executions as service
from bugbrain.services.common import Page
from bugbrain.vocabulary import ExecutionStatus

T0 = datetime(2025, 3, 8, 10, 30, tzinfo=UTC)
STATUSES = [ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.QUEUED]


def _execution(number: int, project_id: str, workspace_id: str) -> dict[str, Any]:
    return {
        "id": f"exec_{project_id}_{number:02d}",
        "workspace_id": workspace_id,
        "project_id": project_id,
        "test_plan_id": f"tp_{number % 2}",
        "status": STATUSES[number % 3],
        "timeout_seconds": 60,
        "spec": {"tests": [{"steps": ["a large frozen spec"]}]},
        "total_tests": 2,
        "created_at": T0 + timedelta(seconds=number // 2),  # ties: ordered by id too
    }


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("reads") / "bugbrain.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with write_tx(engine) as conn:
        for ws in ("ws_a", "ws_b"):
            conn.execute(workspaces.insert().values(id=ws, name=ws, created_at=T0))
        for ws, project in (("ws_a", "proj_a"), ("ws_a", "proj_empty"), ("ws_b", "proj_b")):
            conn.execute(
                projects.insert().values(
                    id=project,
                    workspace_id=ws,
                    name=project,
                    base_url=None,
                    environments={},
                    default_environment=None,
                    variables={},
                    created_at=T0,
                    updated_at=T0,
                )
            )
        for number in range(25):
            conn.execute(executions.insert().values(**_execution(number, "proj_a", "ws_a")))
        conn.execute(executions.insert().values(**_execution(0, "proj_b", "ws_b")))
    yield engine
    engine.dispose()


def _expected(conn: Connection, page: Page, where: dict[str, Any]) -> tuple[list[str], int]:
    """The list as two plain queries would give it."""
    query = sa.select(executions.c.id).where(
        executions.c.workspace_id == "ws_a", executions.c.project_id == "proj_a"
    )
    if where.get("status"):
        query = query.where(executions.c.status == where["status"])
    if where.get("test_plan_id"):
        query = query.where(executions.c.test_plan_id == where["test_plan_id"])
    if where.get("created_after"):
        query = query.where(executions.c.created_at >= where["created_after"])
    if where.get("created_before"):
        query = query.where(executions.c.created_at < where["created_before"])
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    ordered = query.order_by(executions.c.created_at.desc(), executions.c.id.desc())
    ids = conn.execute(ordered.limit(page.limit).offset(page.offset)).scalars().all()
    return list(ids), int(total)


WHERE: list[dict[str, Any]] = [
    {},
    {"status": ExecutionStatus.COMPLETED},
    {"test_plan_id": "tp_1"},
    {"created_after": T0 + timedelta(seconds=3)},
    {"created_before": T0 + timedelta(seconds=9)},
    {
        "status": ExecutionStatus.FAILED,
        "test_plan_id": "tp_0",
        "created_after": T0 + timedelta(seconds=1),
        "created_before": T0 + timedelta(seconds=11),
    },
]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize(("limit", "offset"), [(20, 0), (3, 4), (10, 20), (5, 30), (1, 24)])
def test_list_in_one_query_matches_count_and_page(
    engine: Engine, where: dict[str, Any], limit: int, offset: int
) -> None:
    page = Page(limit, offset)
    arguments = {key: where.get(key) for key in WHERE[-1]}
    with read_tx(engine) as conn:
        got = run(conn, service.list_("ws_a", page, project_id="proj_a", **arguments))
        ids, total = _expected(conn, page, where)
    assert [item["id"] for item in got["data"]] == ids
    assert got["pagination"] == {"limit": limit, "offset": offset, "total": total}
    assert all("total_matching" not in item for item in got["data"])


def test_list_of_an_empty_project_and_of_someone_elses(engine: Engine) -> None:
    nothing = dict.fromkeys(WHERE[-1])
    with read_tx(engine) as conn:
        empty = run(conn, service.list_("ws_a", Page(20, 0), project_id="proj_empty", **nothing))
        assert empty == {"data": [], "pagination": {"limit": 20, "offset": 0, "total": 0}}
        for project in ("proj_b", "proj_nope"):  # another workspace's is a missing one
            with pytest.raises(NotFound, match=f"Project {project} not found"):
                run(conn, service.list_("ws_a", Page(20, 0), project_id=project, **nothing))


def test_view_leaves_the_spec_out_and_is_scoped(engine: Engine) -> None:
    with read_tx(engine) as conn:
        row = cast(dict[str, Any], service.get_view(conn, "ws_a", "exec_proj_a_01"))
        full = service.get(conn, "ws_a", "exec_proj_a_01")
        assert "spec" not in row
        assert {k: full[k] for k in row} == dict(row)
        with pytest.raises(NotFound, match="Execution exec_proj_b_00 not found"):
            service.get_view(conn, "ws_a", "exec_proj_b_00")


def test_status_reads_the_typical_duration_only_when_it_shows() -> None:
    base = {"passed_tests": 0, "failed_tests": 0, "skipped_tests": 0, "total_tests": 4}
    started = {"started_at": T0}
    cases = [
        ({**base, "status": ExecutionStatus.QUEUED, "started_at": None}, False),
        ({**base, **started, "status": ExecutionStatus.RUNNING}, True),
        ({**base, **started, "status": ExecutionStatus.RUNNING, "passed_tests": 1}, False),
        ({**base, **started, "status": ExecutionStatus.COMPLETED}, False),
    ]
    for row, needed in cases:
        assert views.uses_typical_duration(row) is needed  # type: ignore[arg-type]
