"""What the SQL backends share: encoding rows, the write and read statements, by-id plans, results.

A backend (`SqliteStorage`, `PostgresStorage`) supplies connections, the transaction hooks of
`storage.sqltx` (begin, end, savepoint statements), the schema sync and two primitives - `_query`
(rows of a statement) and `_command` (rows changed) - that turn driver errors into faults. Everything
else is written once here, against `self.dialect`.
"""

from __future__ import annotations

import abc
import datetime as dt
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import attrgetter, is_
from typing import Any

from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.model import QueryExpression
from leadsdk.storage.base import QueryContext, QueryResult, RawPage, Row, Same, Storage, StoredShape, uuid_texts
from leadsdk.storage.compiler_base import CompiledQuery, OutputColumn
from leadsdk.storage.ddl import create_index_sql, create_table_sql, index_sql, storage_columns
from leadsdk.storage.dialect import Dialect, _same, bool_int, date_out, text_or_none, uuid_out
from leadsdk.storage.gate import RequestGate
from leadsdk.storage.sql import QueryCompiler
from leadsdk.storage.sqlrows import Decoder, build_result, by_id_sql, decoded_row, decoders, row_encoder, rows_function
from leadsdk.storage.sqlrows import identity as _identity
from leadsdk.storage.sqltx import SqlTransactions

__all__ = ["Decoder", "SqlStorage", "build_result"]

GENERATION_SQL = "SELECT value FROM leadsdk_generation WHERE id = 1"
"""The store-wide counter of cached facts' changes (`records.coherence`)."""

GENERATION_DDL = (
    "CREATE TABLE IF NOT EXISTS leadsdk_generation (id INTEGER PRIMARY KEY NOT NULL, value BIGINT NOT NULL)",
    "INSERT INTO leadsdk_generation (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING",
)
"""The store-wide change counter (one row), created with the schema by both SQL backends."""
AGGREGATE_LIMIT = 50_000
"""Dataverse's aggregate query limit: a result beyond this faults AggregateQueryRecordLimitExceeded."""
A, _ID = AttributeType, AttributeType.UNIQUEIDENTIFIER  # (a member read once: see storage.dialect)
_DATES: frozenset[type] = frozenset({dt.date})
_BOOLS: frozenset[type] = frozenset({bool})
_logical_name = attrgetter("logical_name")


class SqlStorage(SqlTransactions, Storage):
    """A `Storage` over a SQL engine described by `dialect`; subclasses own connections and DDL."""

    dialect: Dialect
    by_id_chunk = 500
    """How many ids one get_many statement carries."""

    def __init__(self) -> None:
        self.metadata = Metadata()
        self._cache: dict[Any, Any] = {}
        self._cache_version = -1
        self._gate = RequestGate()

    # primitives a backend supplies ------------------------------------------------------
    @abc.abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> list[Any]:
        """Every row of a statement, on the current transaction's connection (or any when none)."""

    @abc.abstractmethod
    def _command(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> int:
        """Run a statement that changes rows; the number of rows it changed."""

    def _command_many(self, sql: str, rows: Sequence[Sequence[Any]], table: str | None = None) -> None:
        """The same statement once per parameter row (backends override with a batch call)."""
        for r in rows:
            self._command(sql, r, table)

    # schema text ----------------------------------------------------------------------
    def storage_columns(self, t: EntityMetadata) -> list[tuple[str, str]]:
        """(column, DDL) of every storage column of a table, `{lookup}__type` columns included."""
        return storage_columns(self.dialect, t)

    def create_table_sql(self, t: EntityMetadata) -> str:
        return create_table_sql(self.dialect, t)

    def index_sql(self, t: EntityMetadata) -> list[str]:
        return index_sql(self.dialect, t)

    def create_index_sql(self, table: EntityMetadata, columns: Sequence[str], unique: bool = False,
                         name: str | None = None) -> str:
        return create_index_sql(self.dialect, table, columns, unique, name)

    def create_index(self, table: EntityMetadata, columns: Sequence[str], unique: bool = False,
                     name: str | None = None) -> None:
        """An extra index (duplicate detection, custom keys)."""
        self._command(self.create_index_sql(table, columns, unique, name), (), table.logical_name)

    def drop_index(self, name: str) -> None:
        """Drop an index made by `create_index` (an alternate key removed); nothing when it is absent."""
        self._command(f"DROP INDEX IF EXISTS {self.dialect.quote(name)}")

    # encoding ---------------------------------------------------------------------------
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
                enc[a.logical_name] = d.encoder(a.type)
                if a.is_polymorphic:
                    enc[a.type_column] = _identity
            self._cache[key] = enc
        return enc

    def _encode_row(self, t: EntityMetadata, row: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
        cols = list(row)
        key = ("enc1", t.logical_name, tuple(cols))
        encode: Callable[[Any], list[Any]] | None = self._cache.get(key)
        if encode is None or self._cache_version != self.metadata.version:
            encode = self._cache[key] = row_encoder(self._row_encoders(t, key[2]), _same)
        return cols, encode(row.values())

    def _row_encoders(self, t: EntityMetadata, cols: tuple[str, ...]) -> list[Callable[[Any], Any]]:
        """The encoders of a column list (cached per list: writes repeat the same few lists)."""
        self._check_cache()
        key = ("encs", t.logical_name, cols)
        fs: list[Callable[[Any], Any]] | None = self._cache.get(key)
        if fs is None:
            enc = self._encoders(t)
            fs = []
            for k in cols:
                f = enc.get(k)
                if f is None:
                    raise OrganizationServiceFault(ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
                        f"'{t.logical_name}' entity doesn't contain attribute with Name = '{k}'.")
                fs.append(f)
            self._cache[key] = fs
        return fs

    def _id_param(self, id: uuid.UUID) -> Any:
        return self.dialect.encode(_ID, id)

    def _insert_sql(self, table: EntityMetadata, cols: Sequence[str]) -> str:
        key = ("ins", table.logical_name, tuple(cols))
        sql = self._cache.get(key)
        if sql is None:
            q = self.dialect.quote
            ph = self.dialect.placeholder
            sql = (f"INSERT INTO {q(table.logical_name)} (" + ", ".join(q(c) for c in cols) + ") VALUES ("
                   + ", ".join(ph for _ in cols) + ")")
            self._cache[key] = sql
        return sql

    # writes -----------------------------------------------------------------------------
    def insert(self, table: EntityMetadata, row: Mapping[str, Any]) -> None:
        cols, vals = self._encode_row(table, row)
        self._command_later(self._insert_sql(table, cols), vals, table.logical_name)
        self._remember(table, row.get(table.primary_id_attribute))

    def _multi_insert_sql(self, table: str, cols: Sequence[str], n: int) -> str:
        """INSERT of `n` rows in one statement (cached: audit flushes repeat the same few shapes)."""
        key = ("mins", table, tuple(cols), n)
        sql: str | None = self._cache.get(key)
        if sql is None:
            q = self.dialect.quote
            one = "(" + ", ".join(self.dialect.placeholder for _ in cols) + ")"
            sql = f"INSERT INTO {q(table)} (" + ", ".join(q(c) for c in cols) + ") VALUES " + ", ".join([one] * n)
            if n <= 16:
                self._cache[key] = sql
        return sql

    def insert_many(self, table: EntityMetadata, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement per distinct column list (bulk loads give every row the same columns)."""
        groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for cols_t, group in groups.items():
            self.insert_columns(table, dict(zip(cols_t, zip(*[r.values() for r in group]))))

    def insert_columns(self, table: EntityMetadata, columns: Mapping[str, Sequence[Any]]) -> None:
        """Rows given column by column, in one statement; a column of one object (the owner) is encoded once."""
        cols_t = tuple(columns)
        encoded = self._encode_columns(table, cols_t, list(columns.values()))
        if encoded:
            self._insert_encoded(table, cols_t, encoded)

    def _insert_encoded(self, table: EntityMetadata, cols_t: tuple[str, ...], encoded: list[Sequence[Any]]) -> None:
        """Insert rows encoded column by column (SQLite binds a `Same` column once per statement)."""
        self._insert_rows(table, cols_t, list(zip(*encoded)))

    def _insert_rows(self, table: EntityMetadata, cols_t: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Insert encoded rows (backends batch them: multi-row statements, COPY)."""
        self._command_many(self._insert_sql(table, cols_t), rows, table.logical_name)

    def _encode_columns(self, table: EntityMetadata, cols_t: tuple[str, ...], columns: Sequence[Sequence[Any]]
                        ) -> list[Sequence[Any]]:
        """Encode values column by column ([] when there are no rows); a column holding one value object
        in every row comes back as a `Same` of its encoded value."""
        fs = self._row_encoders(table, cols_t)
        encoded: list[Sequence[Any]] = []
        for f, col in zip(fs, columns):
            if not col:
                return []
            first = col[0]
            if type(col) is Same or (col[-1] is first and all(map(is_, col, repeat(first)))):
                encoded.append(col if f is _same and type(col) is Same else Same.of(f(first), len(col)))
            elif f is _same:
                encoded.append(col)
            elif f is uuid_out and all(map(is_, map(type, col), repeat(uuid.UUID))):
                got = self.written_id_texts(col)  # the same ids (objects) as one of the last two: their texts again
                if got is None:
                    got = uuid_texts(col)  # ids: their texts without a Python call each
                    self._id_texts = ((tuple(col), got), self._id_texts[0])  # a copy: the caller may change its list
                encoded.append(got)
            elif f is uuid_out and type(first) is str and set(map(type, col)) == {str}:
                encoded.append(col)  # ids as their texts already (a bulk create's audit rows)
            elif f is bool_int and set(map(type, col)) == _BOOLS:
                encoded.append(list(map((0, 1).__getitem__, col)))  # C-level calls, not int()'s
            elif (f is text_or_none or f is uuid_out) and not any(map(is_, col, repeat(None))):
                encoded.append(list(map(str, col)))  # ids, decimals: no None to keep
            elif f is date_out and set(map(type, col)) == _DATES:
                encoded.append(list(map(dt.date.isoformat, col)))
            else:
                encoded.append(list(map(f, col)))
        return encoded

    def _update_sql(self, table: EntityMetadata, cols: Sequence[str], versioned: bool) -> str:
        key = ("upd", table.logical_name, tuple(cols), versioned)
        sql = self._cache.get(key)
        if sql is None:
            q = self.dialect.quote
            ph = self.dialect.placeholder
            sql = (f"UPDATE {q(table.logical_name)} SET " + ", ".join(f"{q(c)} = {ph}" for c in cols)
                   + f" WHERE {q(table.primary_id_attribute)} = {ph}")
            if versioned:
                sql += f" AND {q('versionnumber')} = {ph}"
            self._cache[key] = sql
        return sql

    def update(self, table: EntityMetadata, id: uuid.UUID, values: Mapping[str, Any], *,
               expected_version: int | None = None) -> bool:
        if not values:
            return self.exists(table, id)
        key = ("upd1", table.logical_name, tuple(values), expected_version is not None)
        plan = self._cache.get(key) if self._cache_version == self.metadata.version else None
        if plan is None:  # the row encoder and the statement, once per column list
            plan = self._cache[key] = (row_encoder(self._row_encoders(table, key[2]), _same),
                                       self._update_sql(table, key[2], key[3]))
        params = plan[0](values.values())
        params.extend((self._id_param(id), expected_version) if key[3] else (self._id_param(id),))
        return self._command(plan[1], params, table.logical_name) > 0

    def update_many(self, table: EntityMetadata, rows: Sequence[Mapping[str, Any]]) -> int:
        """Rows with the same columns go to the driver as one batched UPDATE (executemany), encoded
        column by column as `insert_columns` does."""
        pk = table.primary_id_attribute
        groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in rows:
            key = tuple(row)
            g = groups.get(key)
            if g is None:
                g = groups[key] = []
            g.append(row)
        count = 0
        for key, group in groups.items():
            if pk not in key or len(key) < 2:
                continue
            columns = list(zip(*[r.values() for r in group]))
            at = key.index(pk)
            count += self.update_columns(table, columns[at], {k: c for k, c in zip(key, columns) if k != pk})
        return count

    def update_columns(self, table: EntityMetadata, ids: Sequence[Any], columns: Mapping[str, Sequence[Any]]) -> int:
        """One batched UPDATE (`_update_encoded`), the values encoded column by column as `insert_columns` does;
        the ids as `_id_param` does (on SQLite, ids given as their stored texts pass as they are)."""
        cols_t = tuple(columns)
        if not ids or not cols_t:
            return 0
        encoded = self._encode_columns(table, cols_t, list(columns.values()))
        encoded.append(self._encode_columns(table, (table.primary_id_attribute,), [ids])[0])
        self._update_encoded(table, cols_t, encoded)
        return len(ids)

    def _update_encoded(self, table: EntityMetadata, cols_t: tuple[str, ...], encoded: list[Sequence[Any]]) -> None:
        """UPDATE rows with distinct ids given column by column, encoded (the ids last): one batched
        statement (executemany)."""
        self._command_many(self._update_sql(table, cols_t, False), list(zip(*encoded)), table.logical_name)

    def delete(self, table: EntityMetadata, id: uuid.UUID) -> bool:
        q = self.dialect.quote
        sql = (f"DELETE FROM {q(table.logical_name)} WHERE {q(table.primary_id_attribute)} = "
               f"{self.dialect.placeholder}")
        self._forget(table, id)
        return self._command(sql, (self._id_param(id),), table.logical_name) > 0

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
        wv = self._where_value(table, column, value)
        sql = (f"SELECT {q(table.primary_id_attribute)} FROM {q(table.logical_name)} WHERE {q(column)} = "
               f"{self.dialect.placeholder}")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._query(sql, (wv,), table.logical_name)
        dec = self.dialect.decode
        return [dec(A.UNIQUEIDENTIFIER, r[0]) for r in rows]

    def tables_with_row(self, tables: Sequence[EntityMetadata], column: str, value: Any) -> set[str]:
        if not tables:
            return set()
        names = tuple(map(_logical_name, tables))
        key = ("twr", names, column)  # (the statement names only tables and a column: no metadata version)
        sql: str | None = self._cache.get(key)
        if sql is None:
            q, ph = self.dialect.quote, self.dialect.placeholder
            sql = self._cache[key] = " UNION ALL ".join(
                f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {q(name)} WHERE {q(column)} = {ph})"
                for i, name in enumerate(names))
        st = self._tx_state()
        if st.deferred_tables.intersection(names):
            self._flush_deferred(st)
        rows = self._query(sql, [self._where_value(t, column, value) for t in tables], tables[0].logical_name)
        return {tables[int(r[0])].logical_name for r in rows}

    def update_where(self, table: EntityMetadata, column: str, value: Any, values: Mapping[str, Any]) -> int:
        cols, vals = self._encode_row(table, values)
        q = self.dialect.quote
        ph = self.dialect.placeholder
        sql = (f"UPDATE {q(table.logical_name)} SET " + ", ".join(f"{q(c)} = {ph}" for c in cols)
               + f" WHERE {q(column)} = {ph}")
        return self._command(sql, [*vals, self._where_value(table, column, value)], table.logical_name)

    def delete_where(self, table: EntityMetadata, column: str, value: Any) -> int:
        q = self.dialect.quote
        sql = f"DELETE FROM {q(table.logical_name)} WHERE {q(column)} = {self.dialect.placeholder}"
        self._forget(table)
        return self._command(sql, (self._where_value(table, column, value),), table.logical_name)

    # set-based variants (cascades): one IN (...) statement per chunk of `by_id_chunk` values
    def _in_chunks(self, table: EntityMetadata, column: str, values: Sequence[Any]) -> Iterator[list[Any]]:
        enc = [self._where_value(table, column, v) for v in dict.fromkeys(values)]
        for i in range(0, len(enc), self.by_id_chunk):
            yield enc[i:i + self.by_id_chunk]

    def _in(self, column: str, n: int) -> str:
        return f"{self.dialect.quote(column)} IN (" + ", ".join(self.dialect.placeholder for _ in range(n)) + ")"

    def ids_where_in(self, table: EntityMetadata, column: str, values: Sequence[Any],
                     limit: int | None = None) -> list[uuid.UUID]:
        q = self.dialect.quote
        dec = self.dialect.decode
        out: list[uuid.UUID] = []
        for chunk in self._in_chunks(table, column, values):
            sql = (f"SELECT {q(table.primary_id_attribute)} FROM {q(table.logical_name)} WHERE "
                   + self._in(column, len(chunk)))
            if limit is not None:
                sql += f" LIMIT {int(limit - len(out))}"
            out.extend(dec(A.UNIQUEIDENTIFIER, r[0]) for r in self._query(sql, chunk, table.logical_name))
            if limit is not None and len(out) >= limit:
                break
        return out

    def update_where_in(self, table: EntityMetadata, column: str, values: Sequence[Any],
                        changes: Mapping[str, Any]) -> int:
        cols, vals = self._encode_row(table, changes)
        q = self.dialect.quote
        ph = self.dialect.placeholder
        n = 0
        for chunk in self._in_chunks(table, column, values):
            sql = (f"UPDATE {q(table.logical_name)} SET " + ", ".join(f"{q(c)} = {ph}" for c in cols)
                   + " WHERE " + self._in(column, len(chunk)))
            n += self._command(sql, [*vals, *chunk], table.logical_name)
        return n

    def delete_where_in(self, table: EntityMetadata, column: str, values: Sequence[Any]) -> int:
        q = self.dialect.quote
        self._forget(table)
        n = 0
        for chunk in self._in_chunks(table, column, values):
            sql = f"DELETE FROM {q(table.logical_name)} WHERE " + self._in(column, len(chunk))
            n += self._command(sql, chunk, table.logical_name)
        return n

    def generation(self) -> int:
        rows = self._query(GENERATION_SQL)
        return int(rows[0][0]) if rows else 0

    def bump_generation(self) -> None:
        self._command("UPDATE leadsdk_generation SET value = value + 1 WHERE id = 1")

    def count(self, table: EntityMetadata) -> int:
        rows = self._query(f"SELECT COUNT(*) FROM {self.dialect.quote(table.logical_name)}", (), table.logical_name)
        return int(rows[0][0])

    # reads ------------------------------------------------------------------------------
    def exists(self, table: EntityMetadata, id: uuid.UUID) -> bool:
        """Whether the row exists; ids this transaction inserted or found already cost no statement."""
        if self._known(table, id):
            return True
        q = self.dialect.quote
        sql = (f"SELECT 1 FROM {q(table.logical_name)} WHERE {q(table.primary_id_attribute)} = "
               f"{self.dialect.placeholder}")
        found = bool(self._query(sql, (self._id_param(id),), table.logical_name))
        if found:
            self._remember(table, id)
        return found

    def _decoders(self, outputs: Sequence[OutputColumn]) -> list[tuple[str, Decoder]]:
        return decoders(self.dialect, outputs, self.metadata)

    def _by_id_plan(self, table: EntityMetadata, columns: Sequence[str] | None, many: int = 0, names: bool = True
                    ) -> tuple[str, list[tuple[str, Decoder]]]:
        """(SQL, decoders) reading one row (`many` = 0) or `many` rows by id (`names`: as `get`); cached per version."""
        self._check_cache()
        key = ("get", table.logical_name, tuple(columns) if columns is not None else None, many, names)
        plan = self._cache.get(key)
        if plan is None:
            sql, outputs = by_id_sql(self.metadata, self.dialect, table, columns, many, names)
            plan = (sql, self._decoders(outputs))
            self._cache[key] = plan
        return plan

    def _get_plan(self, table: EntityMetadata, columns: Sequence[str] | None, names: bool = True
                  ) -> tuple[str, list[str], list[tuple[str, Decoder]], StoredShape]:
        """(SQL, output keys, the decoders of the columns that need one, the stored shape) reading one row by id."""
        key = ("get1", table.logical_name, columns if columns is None or columns.__class__ is tuple else tuple(columns),
               names)
        plan = self._cache.get(key) if self._cache_version == self.metadata.version else None
        if plan is None:
            sql, decs = self._by_id_plan(table, columns, 0, names)
            keys = tuple(k for k, _ in decs)
            dec = tuple(None if f is _identity else f for _, f in decs)
            plan = (sql, list(keys), [(k, f) for k, f in decs if f is not _identity],
                    (keys, dec, rows_function(keys, tuple(f is not None for f in dec))))
            self._cache[key] = plan
        return plan

    def get(self, table: EntityMetadata, id: uuid.UUID, columns: Sequence[str] | None = None, *,
            names: bool = True) -> Row | None:
        sql, keys, converting, _ = self._get_plan(table, columns, names)
        rows = self._query(sql, (self._id_param(id),), table.logical_name)
        if not rows:
            return None
        self._remember(table, id)
        row = dict(zip(keys, rows[0]))
        for k, f in converting:  # only the columns that need decoding, never a null (as `decoded_row`)
            v = row[k]
            if v is not None:
                row[k] = f(v)
        return row

    def get_stored(self, table: EntityMetadata, id: uuid.UUID, columns: Sequence[str] | None = None
                   ) -> tuple[Sequence[Any] | None, StoredShape]:
        sql, _, _, shape = self._get_plan(table, columns)
        rows = self._query(sql, (self._id_param(id),), table.logical_name)
        if not rows:
            return None, shape
        self._remember(table, id)
        return rows[0], shape

    def get_many(self, table: EntityMetadata, ids: Sequence[uuid.UUID], columns: Sequence[str] | None = None,
                 *, names: bool = True) -> list[Row]:
        out: list[Row] = []
        n = self.by_id_chunk
        for i in range(0, len(ids), n):
            chunk = ids[i:i + n]
            sql, decs = self._by_id_plan(table, columns, len(chunk), names)
            rows = self._query(sql, [self._id_param(x) for x in chunk], table.logical_name)
            keys = [k for k, _ in decs]
            converting = [(k, f) for k, f in decs if f is not _identity]
            out.extend(decoded_row(keys, r, converting) for r in rows)
        return out

    def scan(self, table: EntityMetadata, batch: int = 1000) -> Iterator[Row]:
        """Every stored row of a table as storage columns (`{lookup}__type` included, no lookup names),
        in primary-key order, `batch` rows per statement (migrations, exports)."""
        q = self.dialect.quote
        ph = self.dialect.placeholder
        pk = table.primary_id_attribute
        cols = [c for c, _ in self.storage_columns(table)]
        types = {a.logical_name: a.type for a in table.attributes.values()}
        dec = self.dialect.decode
        select = f"SELECT {', '.join(q(c) for c in cols)} FROM {q(table.logical_name)}"
        last: Any = None
        while True:
            if last is None:
                rows = self._query(f"{select} ORDER BY {q(pk)} LIMIT {int(batch)}", (), table.logical_name)
            else:
                rows = self._query(f"{select} WHERE {q(pk)} > {ph} ORDER BY {q(pk)} LIMIT {int(batch)}",
                                   (last,), table.logical_name)
            for r in rows:
                yield {c: (dec(types[c], v) if c in types else v) for c, v in zip(cols, r)}
            if len(rows) < batch:
                return
            last = rows[-1][cols.index(pk)]

    def clear(self, table: EntityMetadata) -> int:
        """Delete every row of a table (migrations into a store that already has rows)."""
        self._forget(table)
        return self._command(f"DELETE FROM {self.dialect.quote(table.logical_name)}", (), table.logical_name)

    def ensure_version_above(self, version: int) -> None:
        """Make every later `next_version()` larger than `version` (after rows were copied in)."""

    def compile(self, query: QueryExpression, context: QueryContext | None = None) -> CompiledQuery:
        self._check_cache()
        return QueryCompiler(self.metadata, self.dialect, context, memo=self._cache).compile(query)

    def select(self, query: QueryExpression, context: QueryContext | None = None) -> QueryResult:
        cq = self.compile(query, context)
        decs = self._decoders(cq.outputs)
        sql = cq.sql
        capped = cq.aggregate and cq.page_size is None and query.top_count is None
        if capped:  # never materialise an unbounded group-by: one row past the limit tells it was exceeded
            sql += f" LIMIT {AGGREGATE_LIMIT + 1}"
        raw = self._query(sql, cq.params, query.entity_name)
        if cq.aggregate:  # the last column counts the records aggregated, over all groups
            if raw and int(raw[0][-1] or 0) > AGGREGATE_LIMIT:
                raise OrganizationServiceFault(ErrorCodes.AGGREGATE_QUERY_RECORD_LIMIT_EXCEEDED,
                    f"The aggregate query on {query.entity_name} covers {int(raw[0][-1]):,} records, more than "
                    f"Dataverse's aggregate limit of {AGGREGATE_LIMIT:,}: add a filter that selects fewer records.")
            raw = [r[:-1] for r in raw]
            decs = decs[:-1]
        total = -1
        if cq.count_sql is not None:
            total = int(self._query(cq.count_sql, cq.count_params, query.entity_name)[0][0])
        return build_result(query, cq, raw, decs, total)

    def select_shaped(self, shape: Hashable, make: Callable[[Sequence[Any]], QueryExpression],
                      slots: Sequence[Any], values: Sequence[Any], context: QueryContext | None = None,
                      unordered: bool = False) -> QueryResult:
        """The statement of `make(slots)` compiled once per shape; each call binds `values` in place of the
        sentinels. A shape whose sentinels the compiler does not pass through unchanged is not cached.
        `unordered`: the statement's ORDER BY is dropped (when it binds no value), its LIMIT kept."""
        self._check_cache()
        key = ("shaped", shape, unordered)
        prep = self._cache.get(key)
        if prep is None:
            query = make(slots)
            cq = self.compile(query, context)
            template: list[tuple[int, bool] | tuple[None, Any]] = []
            for p in cq.params:
                slot: tuple[int, bool] | tuple[None, Any] = (None, p)
                for i, sv in enumerate(slots):
                    if p.__class__ is sv.__class__ and p == sv:
                        slot = (i, False)
                    elif isinstance(sv, uuid.UUID) and isinstance(p, str) and p == str(sv):
                        slot = (i, True)
                    else:
                        continue
                    break
                template.append(slot)
            if cq.count_sql is not None or cq.page_size is not None or \
                    {t[0] for t in template if t[0] is not None} != set(range(len(slots))):
                return self.select(make(values), context)
            decs = self._decoders(cq.outputs)
            sql = cq.sql
            if unordered:
                sql = _without_order(sql)
            keys = tuple(k for k, _ in decs)
            dec = tuple(None if f is _identity else f for _, f in decs)
            prep = (sql, template, rows_function(keys, tuple(f is not None for f in dec)), keys, dec,
                    [(o.key, o.table, o.attribute, o.raw) for o in cq.outputs if not o.key.startswith("__")],
                    query.entity_name)
            self._cache[key] = prep
        sql, template, to_rows, keys, dec, columns, entity_name = prep
        params = [c if i is None else str(values[i]) if c else values[i] for i, c in template]
        raw = self._query(sql, params, entity_name)
        if raw and len(raw[0]) != len(keys):  # (not expected: the outputs are the statement's columns)
            return QueryResult(to_rows(raw, *[f for f in dec if f is not None]), entity_name, columns=columns)
        # undecoded, as `select` hands its pages: Entities are built from the tuples (rows made if read)
        return QueryResult(None, entity_name, columns=columns, page=RawPage(raw, keys, dec, to_rows))


def _without_order(sql: str) -> str:
    """A compiled SELECT without its final ORDER BY (kept when that binds a value: its parameters are
    counted), LIMIT and OFFSET kept."""
    head, sep, tail = sql.rpartition(" ORDER BY ")
    if not sep or "?" in tail or "%s" in tail or ")" in tail:
        return sql
    limit = tail.find(" LIMIT ")
    return head + (tail[limit:] if limit >= 0 else "")
