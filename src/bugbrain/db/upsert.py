"""Insert-or-update in one statement (``INSERT … ON CONFLICT``), on SQLite and
PostgreSQL alike. An UPDATE that finds nothing followed by an INSERT is a race
on PostgreSQL: two workers recording the same test's first run would both
insert, and one would fail (SQLite's write lock hides it)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(conn: Connection, table: sa.Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Set ``values`` on the row of ``table`` whose primary key is ``key``, creating it."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**key, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=list(key), set_=values))


def insert_once(conn: Connection, table: sa.Table, values: dict[str, Any], unique: str) -> None:
    """Insert ``values`` unless a row with the same ``unique`` column exists."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    conn.execute(statement.on_conflict_do_nothing(index_elements=[unique]))
