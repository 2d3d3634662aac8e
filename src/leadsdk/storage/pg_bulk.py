"""PostgreSQL bulk inserts by COPY (storage layer): columns formatted by `pg_copy`, a large COPY inside a
transaction sent from a thread while the request prepares its next rows. A mixin of `PostgresStorage`."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.storage.dialect import PostgresDialect
from leadsdk.storage.pg_copy import copy_lines, copy_text
from leadsdk.storage.sqlbase import SqlStorage

__all__ = ["PgBulk"]


_COPY_IN_THREAD = 500
"""Rows from which a COPY inside a transaction runs in a thread, overlapping the request's Python work."""


class PgBulk(SqlStorage):
    """COPY methods of `PostgresStorage` (which sets the attributes and defines the methods declared here)."""

    _state: Any
    _round_trips: int

    def _sync(self) -> psycopg.Connection[Any]:
        raise NotImplementedError

    def _fault(self, e: Exception, table: str | None = None) -> OrganizationServiceFault:
        raise NotImplementedError

    def insert_columns(self, table: EntityMetadata, columns: Mapping[str, Sequence[Any]]) -> None:
        """COPY, its text formatted column by column (`storage.pg_copy`); psycopg formats the rows of a
        batch holding a column that module does not format, and few rows go by INSERT."""
        cols_t = tuple(columns)
        values = list(columns.values())
        texts = [copy_text(c, k) for c, k in zip(values, self._kept(table, cols_t))] \
            if values and len(values[0]) >= 8 else []
        if not texts or any(t is None for t in texts):
            super().insert_columns(table, columns)
            return
        name = table.logical_name
        self._touch(name, True)
        q = self.dialect.quote
        copy_sql = f"COPY {q(name)} (" + ", ".join(q(c) for c in cols_t) + ") FROM STDIN"
        if self._state.conn is None:
            with self.transaction():
                self._copy_text(copy_sql, texts, name)  # type: ignore[arg-type]
        else:
            self._copy_text(copy_sql, texts, name)  # type: ignore[arg-type]

    def _kept(self, table: EntityMetadata, cols: tuple[str, ...]) -> list[frozenset[type] | None]:
        """Per column, the Python types its encoder keeps as they are (cached per column list); an
        unknown column faults as the encoders do."""
        self._row_encoders(table, cols)
        key = ("kept", table.logical_name, cols)
        kept: list[frozenset[type] | None] | None = self._cache.get(key)
        if kept is None:
            d = self.dialect
            assert isinstance(d, PostgresDialect)
            kept = [None if (a := table.attributes.get(c)) is None else d.kept_types(a.type) for c in cols]
            self._cache[key] = kept
        return kept

    def _copy_text(self, copy_sql: str, columns: Sequence[Sequence[str]], table: str) -> None:
        """A large COPY runs in a thread while this one goes on preparing the request's next rows (the
        server parses and indexes them meanwhile); the next use of the connection waits for it and raises
        its fault (`_join`)."""
        conn = self._sync()
        if len(columns[0]) >= _COPY_IN_THREAD:
            pieces = list(copy_lines(columns))
            error: list[BaseException] = []

            def run() -> None:
                try:
                    with conn.cursor() as cur, cur.copy(copy_sql) as cp:
                        for piece in pieces:
                            cp.write(piece)
                except BaseException as e:  # handed to the thread that joins
                    error.append(e)

            self._round_trips += 1
            thread = threading.Thread(target=run, name="leadsdk-copy", daemon=True)
            thread.start()
            self._state.copying = (thread, error, table)
            return
        try:
            self._round_trips += 1
            with conn.cursor() as cur, cur.copy(copy_sql) as cp:
                for piece in copy_lines(columns):
                    cp.write(piece)
        except psycopg.Error as e:
            raise self._fault(e, table) from e

    def _copy(self, copy_sql: str, rows: Sequence[Sequence[Any]], table: str | None) -> None:
        conn = self._sync()
        try:
            self._round_trips += 1
            with conn.cursor() as cur, cur.copy(copy_sql) as cp:
                for r in rows:
                    cp.write_row(r)
        except psycopg.Error as e:
            raise self._fault(e, table) from e
        except (ValueError, TypeError, OverflowError) as e:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"A value{' in ' + table if table else ''} cannot be stored: {e}.") from e
