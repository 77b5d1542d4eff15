"""The polled reads, run on the DB-API cursor of a SQLAlchemy connection.

SQLAlchemy's own work per statement (a cached compiled form looked up, an
execution context, a result object and its row mappings) costs several times
the query itself on SQLite: 40-60 µs around a read that takes a few (measured in
docs/benchmarks.md, "API throughput"). The few statements a CI pipeline polls
are therefore compiled once per dialect, here, with SQLAlchemy's public API
(``compile``, and each column type's bind and result processors, the ones
SQLAlchemy applies itself), and run on the connection's DB-API cursor, inside
whatever transaction the connection is in. The rows are plain dicts with the
values SQLAlchemy would give (a ``UTCDateTime`` an aware ``datetime``, a JSON
column its value).

Only plain selects whose parameters are all named ``bindparam``s: no expanding
``IN`` lists, no literal-execute parameters.

A request's reads are written once, as a generator of ``Reads`` that yields
each ``Fetch`` and is sent its rows (``first``, ``every``): no I/O of its own.
``run`` answers them here, on a SQLAlchemy connection; ``db/pg_reads.py``
answers the same generator on asyncpg, awaiting each query on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect


class Row(Protocol):
    """A row by column name: these reads' dicts, and SQLAlchemy's ``RowMapping``."""

    def __getitem__(self, key: str, /) -> Any: ...

    def get(self, key: str, /) -> Any: ...


_Processor = Callable[[Any], Any] | None
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fetch:
    """One query of a ``Reads``: its rows are sent back (only the first, if ``first``)."""

    statement: sa.Select[Any]
    values: Mapping[str, Any]
    first: bool = False


# Reads yielding Fetches, sent each one's rows, returning T.
Reads: TypeAlias = Generator[Fetch, list[dict[str, Any]], T]


def first(statement: sa.Select[Any], values: Mapping[str, Any]) -> Reads[dict[str, Any] | None]:
    """The first row, or None."""
    rows = yield Fetch(statement, values, first=True)
    return rows[0] if rows else None


def every(statement: sa.Select[Any], values: Mapping[str, Any]) -> Reads[list[dict[str, Any]]]:
    """Every row."""
    return (yield Fetch(statement, values))


class _Compiled:
    def __init__(self, statement: sa.Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("prepared reads take plain bound parameters only")
        self.sql = str(compiled)
        self.positional = compiled.positiontup if dialect.positional else None
        # name: (processor, the value when none is given: a literal's)
        self.binds: dict[str, tuple[_Processor, Any]] = {
            name: (bind.type.dialect_impl(dialect).bind_processor(dialect), bind.effective_value)
            for bind, name in compiled.bind_names.items()
        }
        self._dialect = dialect
        self._types = [
            (key, column.type.dialect_impl(dialect))
            for key, column in statement.selected_columns.items()
        ]
        # Known at the first execution: a processor may depend on the type the
        # driver reports (PostgreSQL's numerics do), as in SQLAlchemy.
        self._columns: list[tuple[str, _Processor]] | None = None

    @property
    def described(self) -> bool:
        return self._columns is not None

    def describe(self, description: Any) -> None:
        if self._columns is None:
            self._columns = [
                (key, impl.result_processor(self._dialect, column[1]))
                for (key, impl), column in zip(self._types, description, strict=True)
            ]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        processed = {}
        for name, (processor, literal) in self.binds.items():
            value = values.get(name, literal)
            processed[name] = processor(value) if processor is not None else value
        if self.positional is not None:
            return tuple(processed[name] for name in self.positional)
        return processed

    def rows(self, fetched: list[Any]) -> list[dict[str, Any]]:
        columns = self._columns
        assert columns is not None, "described at the first execution"
        return [
            {
                key: (processor(value) if processor is not None else value)
                for (key, processor), value in zip(columns, row, strict=True)
            }
            for row in fetched
        ]


# By statement and dialect. The statements are module constants (or built once
# per combination of filters and kept), so this stays small.
_COMPILED: dict[tuple[sa.Select[Any], str], _Compiled] = {}


def compiled(statement: sa.Select[Any], dialect: Dialect) -> _Compiled:
    key = (statement, f"{dialect.name}+{dialect.driver}")
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _Compiled(statement, dialect)
    return found


def run(conn: Connection, reads: Reads[T]) -> T:
    """What ``reads`` returns, each of its queries run in ``conn``'s
    transaction (begun first if it is not, as ``conn.execute`` would)."""
    try:
        fetch = next(reads)
        while True:
            fetch = reads.send(_run(conn, fetch.statement, fetch.values, first=fetch.first))
    except StopIteration as done:
        result: T = done.value
        return result


def fetch_all(
    conn: Connection, statement: sa.Select[Any], values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every row of ``statement`` with ``values`` bound, in ``conn``'s transaction."""
    return _run(conn, statement, values, first=False)


def fetch_first(
    conn: Connection, statement: sa.Select[Any], values: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The first row, or None."""
    rows = _run(conn, statement, values, first=True)
    return rows[0] if rows else None


def _run(
    conn: Connection, statement: sa.Select[Any], values: Mapping[str, Any], *, first: bool
) -> list[dict[str, Any]]:
    prepared = compiled(statement, conn.dialect)
    if not conn.in_transaction():
        conn.begin()
    driver = conn.connection.dbapi_connection
    assert driver is not None, "a connection in use has its DB-API connection"
    parameters = prepared.parameters(values)
    cursor = driver.cursor()
    try:
        cursor.execute(prepared.sql, parameters)
        prepared.describe(cursor.description)
        if first:
            row = cursor.fetchone()
            fetched = [] if row is None else [row]
        else:
            fetched = list(cursor.fetchall())
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy does: wrapped, and a lost connection invalidated (the
        # pool drops it; a read may be tried again on another).
        lost = conn.dialect.is_disconnect(exc, driver, cursor)
        if lost:
            conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            prepared.sql,
            parameters,
            exc,
            conn.dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=conn.dialect,
        ) from exc
    finally:
        cursor.close()
    return prepared.rows(fetched)
