"""The embedded SQLite backend (sqlite-utils for the schema, the sqlite3 driver for the hot path)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.storage.base import QueryContext, QueryResult, Row, Storage
from leadsdk.storage.dialect import SqliteDialect
from leadsdk.storage.sql import CompiledQuery, OutputColumn, QueryCompiler, make_cookie
from leadsdk.types import ColumnSet

__all__ = ["SqliteStorage"]

Decoder = Callable[[Any], Any]


def _identity(v: Any) -> Any:
    return v


class _ConnState(threading.local):
    conn: sqlite3.Connection | None = None
    depth: int = 0


class SqliteStorage(Storage):
    """A store in one SQLite file (WAL mode) or in memory (`":memory:"`, the default).

    Each thread gets its own connection to a file store; an in-memory store has one connection
    shared under a lock. Writes take the database lock at BEGIN (BEGIN IMMEDIATE) and wait up to
    `timeout` seconds for another writer.
    """

    dialect = SqliteDialect()

    def __init__(self, path: str | Path = ":memory:", *, timeout: float = 30.0,
                 synchronous: str = "NORMAL") -> None:
        self.path = str(path)
        self.memory = self.path == ":memory:" or self.path.startswith("file::memory:")
        self.timeout = timeout
        self.synchronous = synchronous
        self._state = _ConnState()
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._shared_depth = 0
        self._all_conns: list[sqlite3.Connection] = []
        self._cache: dict[Any, Any] = {}
        self._cache_version = -1
        self._last_version = 0
        self._version_lock = threading.Lock()
        self.metadata = Metadata()
        self._closed = False

    # connections ------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"Cannot open the database '{self.path}': {e}.") from e
        if not self.memory:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-65536")
        self._all_conns.append(conn)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._closed:
            raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "This store has been closed.")
        if self.memory:
            if self._shared is None:
                self._shared = self._connect()
            return self._shared
        c = self._state.conn
        if c is None:
            c = self._state.conn = self._connect()
        return c

    def _get_depth(self) -> int:
        return self._shared_depth if self.memory else self._state.depth

    def _set_depth(self, d: int) -> None:
        if self.memory:
            self._shared_depth = d
        else:
            self._state.depth = d

    @property
    def in_transaction(self) -> bool:
        return self._get_depth() > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.memory:
            self._lock.acquire()
        try:
            conn = self.conn
            depth = self._get_depth()
            try:
                if depth == 0:
                    self._execute(conn, "BEGIN IMMEDIATE")
                else:
                    conn.execute(f"SAVEPOINT sp{depth}")
            except sqlite3.Error as e:
                raise self._fault(e) from e
            self._set_depth(depth + 1)
            try:
                yield
            except BaseException:
                self._set_depth(depth)
                try:
                    if depth == 0:
                        conn.execute("ROLLBACK")
                    else:
                        conn.execute(f"ROLLBACK TO sp{depth}")
                        conn.execute(f"RELEASE sp{depth}")
                except sqlite3.Error:
                    pass
                raise
            self._set_depth(depth)
            try:
                if depth == 0:
                    self._execute(conn, "COMMIT")
                else:
                    conn.execute(f"RELEASE sp{depth}")
            except sqlite3.Error as e:
                if depth == 0:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise self._fault(e) from e
        finally:
            if self.memory:
                self._lock.release()

    def _execute(self, conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Execute, retrying briefly when another process holds the lock past the busy timeout."""
        for attempt in range(5):
            try:
                return conn.execute(sql, params)
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _fault(self, e: sqlite3.Error, table: str | None = None) -> OrganizationServiceFault:
        msg = str(e)
        if isinstance(e, sqlite3.IntegrityError) and "UNIQUE" in msg:
            where = f" in {table}" if table else ""
            return OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD,
                f"Cannot insert duplicate key{where}: a record with this key already exists.")
        if isinstance(e, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg):
            return OrganizationServiceFault(
                ErrorCodes.THROTTLING,
                "The database is busy with another writer; try the request again.",
                error_details={"retryable": True},
            )
        return OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"The database reported an error: {msg}.")

    def close(self) -> None:
        for c in self._all_conns:
            try:
                c.close()
            except sqlite3.Error:
                pass
        self._all_conns.clear()
        self._shared = None
        self._state = _ConnState()
        self._closed = True

    # schema -------------------------------------------------------------------------
    def attach(self, metadata: Metadata) -> None:
        self.metadata = metadata
        self.sync_schema()

    def _ddl_column(self, a: AttributeMetadata) -> str:
        q = self.dialect.quote
        t = self.dialect.column_type(a)
        coll = " COLLATE NOCASE" if a.type.is_text else ""
        pk = " PRIMARY KEY NOT NULL" if a.is_primary_id else ""
        return f"{q(a.logical_name)} {t}{coll}{pk}"

    def storage_columns(self, t: EntityMetadata) -> list[tuple[str, str]]:
        cols: list[tuple[str, str]] = []
        for a in t.attributes.values():
            cols.append((a.logical_name, self._ddl_column(a)))
            if a.is_polymorphic:
                cols.append((a.type_column, f"{self.dialect.quote(a.type_column)} TEXT"))
        return cols

    def sync_schema(self) -> None:
        """Create missing tables, add missing columns and indexes. Never drops anything."""
        with self._maybe_lock():
            db = sqlite_utils.Database(self.conn)
            existing = set(db.table_names())
            q = self.dialect.quote
            for t in self.metadata:
                name = t.logical_name
                cols = self.storage_columns(t)
                if name not in existing:
                    self.conn.execute(f"CREATE TABLE {q(name)} (" + ", ".join(c for _, c in cols) + ")")
                else:
                    have = set(db[name].columns_dict)
                    for col, ddl in cols:
                        if col not in have:
                            self.conn.execute(f"ALTER TABLE {q(name)} ADD COLUMN {ddl}")
                self._ensure_indexes(db, t)
            self._cache.clear()

    def _ensure_indexes(self, db: sqlite_utils.Database, t: EntityMetadata) -> None:
        name = t.logical_name
        want: list[tuple[str, ...]] = []
        for a in t.attributes.values():
            if a.type.is_lookup or a.type is AttributeType.STATE:
                want.append((a.logical_name,))
        if t.is_intersect:
            cols = [a.logical_name for a in t.attributes.values() if not a.is_primary_id]
            if len(cols) == 2:
                q = self.dialect.quote
                self.conn.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {q('ux_' + name)} ON {q(name)} ({q(cols[0])}, {q(cols[1])})")
        if "createdon" in t.attributes:
            want.append(("createdon",))
        q = self.dialect.quote
        for cols_ in want:
            idx = "ix_" + name + "_" + "_".join(cols_)
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {q(idx)} ON {q(name)} (" + ", ".join(q(c) for c in cols_) + ")")

    def create_index(self, table: EntityMetadata, columns: Sequence[str], unique: bool = False,
                     name: str | None = None) -> None:
        """An extra index (duplicate detection, custom keys)."""
        q = self.dialect.quote
        idx = name or ("ux_" if unique else "ix_") + table.logical_name + "_" + "_".join(columns)
        with self._maybe_lock():
            self.conn.execute(
                f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {q(idx)} ON {q(table.logical_name)} ("
                + ", ".join(q(c) for c in columns) + ")")

    @contextmanager
    def _maybe_lock(self) -> Iterator[None]:
        if self.memory:
            with self._lock:
                yield
        else:
            yield

    # encoding ---------------------------------------------------------------------
    def _check_cache(self) -> None:
        if self._cache_version != self.metadata.version:
            self._cache.clear()
            self._cache_version = self.metadata.version

    def _encoders(self, t: EntityMetadata) -> dict[str, Callable[[Any], Any]]:
        self._check_cache()
        key = ("enc", t.logical_name)
        enc = self._cache.get(key)
        if enc is None:
            enc = {}
            d = self.dialect
            for a in t.attributes.values():
                enc[a.logical_name] = (lambda ty: lambda v: d.encode(ty, v))(a.type)
                if a.is_polymorphic:
                    enc[a.type_column] = _identity
            self._cache[key] = enc
        return enc

    def _encode_row(self, t: EntityMetadata, row: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
        enc = self._encoders(t)
        cols = []
        vals = []
        for k, v in row.items():
            f = enc.get(k)
            if f is None:
                raise OrganizationServiceFault(
                    ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
                    f"'{t.logical_name}' entity doesn't contain attribute with Name = '{k}'.")
            cols.append(k)
            vals.append(f(v))
        return cols, vals

    # writes -------------------------------------------------------------------------
    def insert(self, table: EntityMetadata, row: Mapping[str, Any]) -> None:
        cols, vals = self._encode_row(table, row)
        key = ("ins", table.logical_name, tuple(cols))
        sql = self._cache.get(key)
        if sql is None:
            q = self.dialect.quote
            sql = (f"INSERT INTO {q(table.logical_name)} (" + ", ".join(q(c) for c in cols) + ") VALUES ("
                   + ", ".join("?" for _ in cols) + ")")
            self._cache[key] = sql
        try:
            self.conn.execute(sql, vals)
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e

    def insert_many(self, table: EntityMetadata, rows: Sequence[Mapping[str, Any]]) -> None:
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            cols, vals = self._encode_row(table, row)
            groups.setdefault(tuple(cols), []).append(vals)
        q = self.dialect.quote
        for cols_t, batch in groups.items():
            sql = (f"INSERT INTO {q(table.logical_name)} (" + ", ".join(q(c) for c in cols_t) + ") VALUES ("
                   + ", ".join("?" for _ in cols_t) + ")")
            try:
                self.conn.executemany(sql, batch)
            except sqlite3.Error as e:
                raise self._fault(e, table.logical_name) from e

    def update(self, table: EntityMetadata, id: uuid.UUID, values: Mapping[str, Any], *,
               expected_version: int | None = None) -> bool:
        if not values:
            return self.exists(table, id)
        cols, vals = self._encode_row(table, values)
        q = self.dialect.quote
        key = ("upd", table.logical_name, tuple(cols), expected_version is not None)
        sql = self._cache.get(key)
        if sql is None:
            sql = (f"UPDATE {q(table.logical_name)} SET " + ", ".join(f"{q(c)} = ?" for c in cols)
                   + f" WHERE {q(table.primary_id_attribute)} = ?")
            if expected_version is not None:
                sql += f" AND {q('versionnumber')} = ?"
            self._cache[key] = sql
        params = [*vals, str(id)]
        if expected_version is not None:
            params.append(expected_version)
        try:
            cur = self.conn.execute(sql, params)
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e
        return cur.rowcount > 0

    def delete(self, table: EntityMetadata, id: uuid.UUID) -> bool:
        q = self.dialect.quote
        try:
            cur = self.conn.execute(
                f"DELETE FROM {q(table.logical_name)} WHERE {q(table.primary_id_attribute)} = ?", (str(id),))
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e
        return cur.rowcount > 0

    def _where_value(self, table: EntityMetadata, column: str, value: Any) -> Any:
        a = table.attributes.get(column)
        if a is None and column.endswith("__type"):
            return value
        if a is None:
            raise OrganizationServiceFault(ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
                                           f"'{table.logical_name}' has no column '{column}'.")
        return self.dialect.encode(a.type, value)

    def ids_where(self, table: EntityMetadata, column: str, value: Any, limit: int | None = None) -> list[uuid.UUID]:
        q = self.dialect.quote
        sql = f"SELECT {q(table.primary_id_attribute)} FROM {q(table.logical_name)} WHERE {q(column)} = ?"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        try:
            rows = self.conn.execute(sql, (self._where_value(table, column, value),)).fetchall()
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e
        return [uuid.UUID(r[0]) for r in rows]

    def update_where(self, table: EntityMetadata, column: str, value: Any, values: Mapping[str, Any]) -> int:
        cols, vals = self._encode_row(table, values)
        q = self.dialect.quote
        sql = (f"UPDATE {q(table.logical_name)} SET " + ", ".join(f"{q(c)} = ?" for c in cols)
               + f" WHERE {q(column)} = ?")
        try:
            cur = self.conn.execute(sql, [*vals, self._where_value(table, column, value)])
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e
        return cur.rowcount

    def delete_where(self, table: EntityMetadata, column: str, value: Any) -> int:
        q = self.dialect.quote
        try:
            cur = self.conn.execute(f"DELETE FROM {q(table.logical_name)} WHERE {q(column)} = ?",
                                    (self._where_value(table, column, value),))
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e
        return cur.rowcount

    def count(self, table: EntityMetadata) -> int:
        q = self.dialect.quote
        row = self.conn.execute(f"SELECT COUNT(*) FROM {q(table.logical_name)}").fetchone()
        return int(row[0])

    def next_version(self) -> int:
        with self._version_lock:
            v = max(time.time_ns() // 1000, self._last_version + 1)
            self._last_version = v
            return v

    # reads --------------------------------------------------------------------------
    def exists(self, table: EntityMetadata, id: uuid.UUID) -> bool:
        q = self.dialect.quote
        row = self.conn.execute(
            f"SELECT 1 FROM {q(table.logical_name)} WHERE {q(table.primary_id_attribute)} = ?", (str(id),)
        ).fetchone()
        return row is not None

    def _decoders(self, outputs: Sequence[OutputColumn]) -> list[tuple[str, Decoder]]:
        d = self.dialect
        out: list[tuple[str, Decoder]] = []
        for o in outputs:
            if o.type is None or o.type in (AttributeType.STRING, AttributeType.MEMO, AttributeType.INTEGER,
                                            AttributeType.PICKLIST, AttributeType.STATE, AttributeType.STATUS,
                                            AttributeType.BIGINT, AttributeType.DOUBLE):
                out.append((o.key, _identity))
            else:
                out.append((o.key, (lambda ty: lambda v: d.decode(ty, v))(o.type)))
        return out

    def _by_id_plan(self, table: EntityMetadata, columns: Sequence[str] | None, many: int = 0
                    ) -> tuple[str, list[tuple[str, Decoder]]]:
        self._check_cache()
        key = ("get", table.logical_name, tuple(columns) if columns is not None else None, many)
        plan = self._cache.get(key)
        if plan is None:
            qe = QueryExpression(table.logical_name)
            qe.column_set = ColumnSet(all_columns=True) if columns is None else ColumnSet(*columns)
            if many:
                qe.criteria.add_condition(table.primary_id_attribute, ConditionOperator.IN,
                                          *[uuid.UUID(int=i) for i in range(many)])
            else:
                qe.criteria.add_condition(table.primary_id_attribute, ConditionOperator.EQUAL, uuid.UUID(int=0))
            cq = QueryCompiler(self.metadata, self.dialect).compile(qe)
            sql = cq.sql.split(" ORDER BY ")[0]
            plan = (sql, self._decoders(cq.outputs))
            self._cache[key] = plan
        return plan

    def get(self, table: EntityMetadata, id: uuid.UUID, columns: Sequence[str] | None = None) -> Row | None:
        sql, decs = self._by_id_plan(table, columns)
        try:
            r = self.conn.execute(sql, (str(id),)).fetchone()
        except sqlite3.Error as e:
            raise self._fault(e, table.logical_name) from e
        if r is None:
            return None
        return {k: f(v) for (k, f), v in zip(decs, r)}

    def get_many(self, table: EntityMetadata, ids: Sequence[uuid.UUID], columns: Sequence[str] | None = None
                 ) -> list[Row]:
        out: list[Row] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            sql, decs = self._by_id_plan(table, columns, many=len(chunk))
            try:
                rows = self.conn.execute(sql, [str(x) for x in chunk]).fetchall()
            except sqlite3.Error as e:
                raise self._fault(e, table.logical_name) from e
            out.extend({k: f(v) for (k, f), v in zip(decs, r)} for r in rows)
        return out

    def compile(self, query: QueryExpression, context: QueryContext | None = None) -> CompiledQuery:
        return QueryCompiler(self.metadata, self.dialect, context).compile(query)

    def select(self, query: QueryExpression, context: QueryContext | None = None) -> QueryResult:
        cq = self.compile(query, context)
        decs = self._decoders(cq.outputs)
        try:
            cur = self.conn.execute(cq.sql, cq.params)
            raw = cur.fetchall()
            total = -1
            if cq.count_sql is not None:
                total = int(self.conn.execute(cq.count_sql, cq.count_params).fetchone()[0])
        except sqlite3.Error as e:
            raise self._fault(e, query.entity_name) from e
        return build_result(query, cq, raw, decs, total)


def build_result(query: QueryExpression, cq: CompiledQuery, raw: Sequence[Sequence[Any]],
                 decs: Sequence[tuple[str, Decoder]], total: int) -> QueryResult:
    """Rows -> QueryResult, with more_records and the paging cookie. Shared by the SQL backends."""
    more = False
    if cq.page_size is not None and len(raw) > cq.page_size:
        more = True
        raw = raw[: cq.page_size]
    rows = [{k: f(v) for (k, f), v in zip(decs, r)} for r in raw]
    res = QueryResult(rows, query.entity_name, more_records=more)
    res.columns = [(o.key, o.table, o.attribute, o.raw) for o in cq.outputs if not o.key.startswith("__ord")]
    if total >= 0:
        res.total_record_count = min(total, 5000)
        res.total_record_count_limit_exceeded = total > 5000
    if cq.page_size is not None and rows and not cq.aggregate:
        res.paging_cookie = make_cookie(cq.page_number, cq.order_keys, rows[-1], rows[0])
    hidden = [o.key for o in cq.outputs if o.key.startswith("__ord")]
    if hidden:
        for r in rows:
            for k in hidden:
                r.pop(k, None)
    return res
