"""Move an install to another database: every row of every table of ours, from
one migrated database into another that is migrated and empty, in one
transaction on the target (all of it arrives, or nothing does). Rows are read
and written through the table definitions, so types (UTC times, JSON, booleans)
convert between dialects as they do everywhere else.

The job queue's tables are not copied: jobs are the target's business, and its
reaper gives every queued execution a job (``db.jobs.defer_orphans``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bugbrain.db.tables import metadata
from bugbrain.errors import Conflict

BATCH: Final = 500


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def copy_database(
    source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every table, parents first; the rows copied per table. Raises Conflict
    when the target already holds data (nothing is written then)."""
    held = {name: n for name, n in row_counts(target).items() if n}
    if held:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(held.items()))
        raise Conflict(f"The target database is not empty: {listed}")
    copied: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        for table in metadata.sorted_tables:
            copied[table.name] = 0
            rows = src.execution_options(yield_per=BATCH).execute(sa.select(table)).mappings()
            for batch in rows.partitions(BATCH):
                dst.execute(table.insert(), [dict(row) for row in batch])
                copied[table.name] += len(batch)
            if progress is not None:
                progress(table.name, copied[table.name])
    return copied
