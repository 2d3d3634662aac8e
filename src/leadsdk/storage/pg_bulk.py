"""PostgreSQL bulk inserts by COPY (storage layer): rows given column by column go as binary COPY (psycopg
formats them with the column types set once), and a large COPY inside a transaction stays open for the
next rows of the same columns, sent by psycopg's writer thread while the request prepares them. A mixin of
`PostgresStorage`."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import repeat
from operator import attrgetter, is_, methodcaller
from typing import Any

import psycopg
from psycopg.copy import QueuedLibpqWriter
from psycopg.pq import Format
from psycopg.types.string import BytesBinaryDumper

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.storage.sqlbase import SqlStorage

__all__ = ["CopyStream", "PgBulk"]


_COPY_IN_THREAD = 500
"""Rows from which a COPY inside a transaction is left open (`CopyStream`), overlapping the request's
Python work with the server's."""


_NONE = type(None)
_BINARY_FORMAT = Format.BINARY
_tzinfo = attrgetter("tzinfo")
_int = attrgetter("int")
_bytes16 = methodcaller("to_bytes", 16, "big")
_INT4 = (-(1 << 31), (1 << 31) - 1)
_INT8 = (-(1 << 63), (1 << 63) - 1)


_BINARY: dict[str, tuple[str, frozenset[type]]] = {
    "text": ("text", frozenset({str})), "integer": ("int4", frozenset({int})),
    "bigint": ("int8", frozenset({int})), "numeric": ("numeric", frozenset({Decimal})),
    "double precision": ("float8", frozenset({float})), "boolean": ("bool", frozenset({bool})),
    "timestamptz": ("timestamptz", frozenset({dt.datetime})), "date": ("date", frozenset({dt.date})),
    "uuid": ("bytea", frozenset({uuid.UUID})),
}
"""Column type -> the type psycopg dumps it as in binary COPY, and the Python types stored unchanged in it
(the storage encoders' output; anything else goes through them: `insert_columns`' fallback). A uuid
goes as its 16 bytes, which is its binary form, through psycopg's bytes dumper (C; its UUID dumper is
Python code per value): the server reads each field with the column's own type."""


def _binary(col: Sequence[Any], pg_type: str, kept: frozenset[type]) -> tuple[Sequence[Any], str] | None:
    """A column's values as binary COPY takes them and the type psycopg dumps them as ("=type": one value in
    every row, dumped once: `CopyStream.write`), or None when one is not of a kept type, an int is out of
    the column's range (psycopg's int4 dumper would wrap), a float not finite or a datetime naive."""
    first = col[0]
    n = len(col)
    same = col[-1] is first and all(map(is_, col, repeat(first)))  # one object in every row
    vals: Sequence[Any] = (first,) if same else col
    types = set(map(type, vals))
    nulls = _NONE in types
    if nulls:
        types.discard(_NONE)
        vals = [v for v in vals if v is not None]
    if not types:
        return col, pg_type
    if not types <= kept:
        return None
    if pg_type == "bytea":  # a uuid column
        if same:
            return (first.bytes,) * n, pg_type
        if nulls:
            return [None if v is None else v.bytes for v in col], pg_type
        return list(map(_bytes16, map(_int, col))), pg_type
    if pg_type in ("int4", "int8"):
        lo, hi = _INT4 if pg_type == "int4" else _INT8
        ok = lo <= min(vals) and max(vals) <= hi
    elif pg_type == "float8":
        ok = all(map(math.isfinite, vals))
    elif pg_type == "timestamptz":
        ok = not any(map(is_, map(_tzinfo, vals), repeat(None)))
    else:
        ok = True
    if not ok:
        return None
    return (col, "=" + pg_type) if same else (col, pg_type)


class CopyStream:
    """A binary COPY open on a transaction's connection. Later inserts of the same columns of the same table
    add their rows to it (`PgBulk.insert_columns`); any other use of the connection ends it first
    (`PgBulk._join`). psycopg formats the rows in the request's thread and its writer thread
    (`QueuedLibpqWriter`) sends them, so the server parses and indexes rows while the request prepares the
    next ones. The server's fault (a duplicate key) comes when the COPY ends."""

    def __init__(self, conn: psycopg.Connection[Any], sql: str, types: Sequence[str], table: str,
                 key: tuple[str, tuple[str, ...], tuple[str, ...]], queued: bool) -> None:
        self.table = table
        self.key = key
        self.queued = queued
        self._cursor = conn.cursor()
        # by oid, bytea's binary dumper is DB-API's `Binary` wrapper's (Python code per value): this cursor
        # takes bytes with psycopg's own bytes dumper (C) instead
        self._cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        self._cm = self._cursor.copy(sql, writer=QueuedLibpqWriter(self._cursor) if queued else None)
        try:
            self._copy = self._cm.__enter__()
        except BaseException:
            self._cursor.close()
            raise
        self._ones = [(i, t[1:]) for i, t in enumerate(types) if t.startswith("=")]
        """Columns holding one value in every row: dumped once by their type's dumper, sent as those bytes."""
        try:
            self._copy.set_types(["bytea" if t.startswith("=") else t for t in types])
        except BaseException as e:
            self.end(e)
            raise

    def write(self, columns: Sequence[Sequence[Any]]) -> None:
        if self._ones:
            columns = list(columns)
            adapters = self._cursor.adapters
            for i, t in self._ones:
                col = columns[i]
                v = col[0]
                dumper = adapters.get_dumper_by_oid(adapters.types[t].oid, _BINARY_FORMAT)(type(v), self._cursor)
                columns[i] = (bytes(dumper.dump(v) or b""),) * len(col)
        write = self._copy.write_row
        for row in zip(*columns):
            write(row)

    def end(self, failed: BaseException | None = None) -> None:
        """Finish the COPY (the server's fault, if any, is raised here), or abort it with `failed`."""
        try:
            if failed is None:
                self._cm.__exit__(None, None, None)
            else:
                self._cm.__exit__(type(failed), failed, failed.__traceback__)
        finally:
            self._cursor.close()


class PgBulk(SqlStorage):
    """COPY methods of `PostgresStorage` (which sets the attributes and defines the methods declared here)."""

    _states: Any
    _round_trips: int

    def _sync(self) -> psycopg.Connection[Any]:
        raise NotImplementedError

    def _fault(self, e: Exception, table: str | None = None) -> OrganizationServiceFault:
        raise NotImplementedError

    def insert_columns(self, table: EntityMetadata, columns: Mapping[str, Sequence[Any]]) -> None:
        """Binary COPY of the columns as given when every value is of the type stored (`_BINARY`), else
        the encoders' path (`SqlStorage.insert_columns`: text COPY, or INSERT for a few rows)."""
        cols_t = tuple(columns)
        values = list(columns.values())
        n = len(values[0]) if values else 0
        types = self._copy_types(table, cols_t) if n >= 8 else []
        sent: list[Sequence[Any]] = []
        sent_types: list[str] = []
        for c, (t, k) in zip(values, types):
            b = _binary(c, t, k)
            if b is None:
                break
            sent.append(b[0])
            sent_types.append(b[1])
        if not types or len(sent) < len(types):
            super().insert_columns(table, columns)
            return
        self._touch(table.logical_name, True)
        if self._states.st.conn is None:
            with self.transaction():
                self._copy_columns(table, cols_t, sent, tuple(sent_types), n)
        else:
            self._copy_columns(table, cols_t, sent, tuple(sent_types), n)

    def _copy_types(self, table: EntityMetadata, cols: tuple[str, ...]) -> list[tuple[str, frozenset[type]]]:
        """Per column, its binary COPY type and the Python types it takes (cached per column list); none
        when a column is not a storage column of the table or of a type not in `_BINARY`."""
        self._check_cache()
        key = ("copytypes", table.logical_name, cols)
        got: list[tuple[str, frozenset[type]]] | None = self._cache.get(key)
        if got is None:
            ddl = dict(self._column_types(table))
            got = [_BINARY[ddl[c]] for c in cols] if all(ddl.get(c) in _BINARY for c in cols) else []
            self._cache[key] = got
        return got

    def _column_types(self, table: EntityMetadata) -> list[tuple[str, str]]:
        """(column, its SQL type) of every storage column."""
        d = self.dialect
        out: list[tuple[str, str]] = []
        for a in table.attributes.values():
            out.append((a.logical_name, d.column_type(a)))
            if a.is_polymorphic:
                out.append((a.type_column, d.text_type))
        return out

    def _copy_columns(self, table: EntityMetadata, cols_t: tuple[str, ...], values: Sequence[Sequence[Any]],
                      types: tuple[str, ...], n: int) -> None:
        """Into the open COPY of these columns, or a new one: left open when large (`CopyStream`), ended
        at once when small."""
        name = table.logical_name
        st = self._states.st
        key = (name, cols_t, types)  # a column that holds one value in every row is sent as other types
        stream: CopyStream | None = st.copying
        if stream is None or stream.key != key:
            conn = self._sync()  # ends another table's COPY
            q = self.dialect.quote
            sql = f"COPY {q(name)} (" + ", ".join(map(q, cols_t)) + ") FROM STDIN (FORMAT BINARY)"
            large = n >= _COPY_IN_THREAD
            try:
                self._round_trips += 1
                stream = CopyStream(conn, sql, types, name, key, queued=large)
            except psycopg.Error as e:
                raise self._fault(e, name) from e
            st.copying = stream
        try:
            stream.write(values)
        except BaseException as e:  # the writer thread's failure, a value psycopg cannot dump, an interrupt
            st.copying = None
            try:
                stream.end(e)
            except Exception:  # aborted either way; the fault below is the first cause
                pass
            if not isinstance(e, (psycopg.Error, ValueError, TypeError, OverflowError)):
                raise
            st.failed = self._copy_fault(e, name)
            raise st.failed from e
        if not stream.queued:  # a small COPY ends at once (a large one is only ever opened queued)
            self._join(st)

    def _copy_fault(self, e: Exception, table: str) -> OrganizationServiceFault:
        if isinstance(e, psycopg.Error):
            return self._fault(e, table)
        if isinstance(e, (ValueError, TypeError, OverflowError)):  # a value psycopg cannot send
            return OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"A value in {table} cannot be stored: {e}.")
        return OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"The database reported an error in {table}: {e}.")

    def _join(self, st: Any) -> None:
        """End the open COPY; its failure is the transaction's fault from then on."""
        stream: CopyStream = st.copying
        st.copying = None
        try:
            stream.end()
        except Exception as e:
            st.failed = self._copy_fault(e, stream.table)
            raise st.failed from e

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
