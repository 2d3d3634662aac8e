"""How `PostgresStorage` executes: its connections' cursor class (psycopg's, with wide statements' conversion
kept) and the execution of a flush's queued statements in a pipeline (`pipelined`).

psycopg turns a query's `%s` placeholders into `$n` on every execute and caches that only for statements of
at most 50 parameters (`psycopg._queries.MAX_CACHED_STATEMENT_PARAMS`, against ORMs' ever-changing
`VALUES (...), (...)` lists). The store's statements are few shapes repeated (a QualifyLead's deferred audit
INSERT holds 88 parameters, a wide lead's INSERT 52), and re-splitting such a statement cost ~150 us (~2 M
instructions) of client time per execute. Here the conversion of a statement of 51 to 256 parameters is
kept per statement text, in a bounded table; everything else (dumping the parameters, preparing, pipelines)
is psycopg's own. It leans on psycopg's `PostgresQuery` internals (its slots `query`, `_want_formats`,
`_order`, `_parts`): a psycopg without them gets its plain cursor (`StoreCursor` is then psycopg's own path).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from psycopg import Connection, Cursor

try:  # psycopg's internals: a psycopg without them runs its own path (`_KEEPS` below)
    from psycopg import _queries
    from psycopg._queries import PostgresQuery
except ImportError:  # pragma: no cover - not on the psycopg versions this project installs
    _queries = None  # type: ignore[assignment]
    PostgresQuery = object  # type: ignore[assignment,misc]

__all__ = ["StoreCursor", "pipelined"]

_PSYCOPG_KEEPS: int = getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 50)
"""Statements of at most this many parameters: psycopg's own cache (an LRU of 128 texts) converts them."""

_MAX_TEXTS = 256
"""Statement texts kept; the table starts again when full (texts that keep changing, e.g. IN lists of varying
length, cannot grow it)."""

_MAX_PARAMS = 256
"""Statements of more parameters (a multi-row INSERT of many rows: each count of rows its own text) are not
kept, so the table stays small (psycopg's reason for its own limit)."""

_converted: dict[tuple[str, str], tuple[Any, Any, Any, Any]] = {}
_lock = threading.Lock()


class _StoreQuery(PostgresQuery):
    """`PostgresQuery` whose placeholder conversion is looked up per statement text once seen."""

    __slots__ = ()

    def convert(self, query: Any, vars: Any) -> None:
        if vars is None or type(query) is not str or not _PSYCOPG_KEEPS < len(vars) <= _MAX_PARAMS:
            super().convert(query, vars)
            return
        encoding = getattr(self._tx, "encoding", None)
        if encoding is None:  # a psycopg whose transformer does not say: its own path
            super().convert(query, vars)
            return
        key = (query, encoding)
        got = _converted.get(key)
        if got is None:
            super().convert(query, vars)
            with _lock:
                if len(_converted) >= _MAX_TEXTS:
                    _converted.clear()
                _converted[key] = (self.query, self._want_formats, self._order, self._parts)
            return
        self.query, self._want_formats, self._order, self._parts = got
        self.dump(vars)


_KEEPS = {"query", "_want_formats", "_order", "_parts", "_tx"} <= set(getattr(PostgresQuery, "__slots__", ()))
"""This psycopg's `PostgresQuery` holds what `_StoreQuery` keeps and restores."""


class StoreCursor(Cursor[Any]):
    """psycopg's `Cursor`, converting queries with `_StoreQuery` (where this psycopg allows it)."""

    if _KEEPS:  # else psycopg's own `_query_cls`, inherited
        _query_cls = _StoreQuery


def pipelined(conn: Connection[Any], items: Sequence[tuple[str, Any, Any, Any]], read: int) -> list[Any]:
    """Execute the queued `items` (SQL, parameters, table, what reads its cursor) in `conn`'s open pipeline;
    their cursors. The statements nobody reads (no reader, before index `read`, where the caller's own start)
    share one cursor: psycopg's `Connection.execute` makes a cursor (and its adapters map) per statement."""
    curs: list[Any] = []
    shared = None
    for i, (sql, params, _, then) in enumerate(items):
        if then is None and i < read:
            if shared is None:
                shared = conn.cursor()
            curs.append(shared.execute(sql, params if params else None))
        else:
            curs.append(conn.execute(sql, params if params else None))
    return curs
