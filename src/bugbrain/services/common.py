"""Helpers shared by the resource services: workspace-scoped lookup, paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bugbrain.errors import NotFound

# Far beyond any real listing, and well inside a 64-bit SQL integer.
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def get_scoped(
    conn: Connection, table: sa.Table, object_id: str, workspace_id: str, label: str
) -> RowMapping:
    """Fetch one row of this workspace. Another workspace's object is answered
    exactly like a missing one, so ids cannot be probed across workspaces."""
    row = (
        conn.execute(
            sa.select(table).where(table.c.id == object_id, table.c.workspace_id == workspace_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"{label} {object_id} not found")
    return row


def paged(
    conn: Connection, query: sa.Select[Any], page: Page, order_by: list[Any]
) -> tuple[list[RowMapping], int]:
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.order_by(*order_by).limit(page.limit).offset(page.offset))
    return list(rows.mappings()), int(total)


def pagination(page: Page, total: int) -> dict[str, int]:
    return {"limit": page.limit, "offset": page.offset, "total": total}
