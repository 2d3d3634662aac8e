"""The storage interface every backend implements, and the values that cross it.

Above this line nothing speaks SQL: handlers hand the storage metadata, rows of Python values
(uuid.UUID, str, int, Decimal, float, bool, aware datetime, date, bytes) and query models.
"""

from __future__ import annotations

import abc
import binascii
import struct
import uuid
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from itertools import chain, islice, repeat
from operator import attrgetter, is_
from typing import Any, Literal

import attrs

from leadsdk.entities.model import EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.query.model import QueryExpression
from leadsdk.query.paging import pages
from leadsdk.storage.gate import RequestGate

__all__ = ["UUID_TEXTS", "QueryContext", "QueryResult", "RawPage", "ReadScope", "Row", "Same", "Storage", "StoredShape",
           "uuid_text", "uuid_texts", "uuid_texts_of_halves"]

Row = dict[str, Any]
"""A stored record: column -> Python value. A polymorphic lookup also has `{col}__type`;
selected lookups also carry `{col}@name` (the target's primary name)."""

class Same(tuple[Any, ...]):
    """A column of a bulk write (`insert_columns`) that holds one value in every row (an owner, a
    timestamp, an audit row's action): `Same.of(value, n)`. Storages encode and bind it once without
    looking at every row to find that out (other columns are checked, ~40 ns a value)."""

    __slots__ = ()

    @classmethod
    def of(cls, value: Any, n: int) -> Same:
        return cls((value,) * n)


_int_of = attrgetter("int")


_to_bytes = int.to_bytes
"""Called through its method descriptor by `map` (a `methodcaller` builds a bound method per id)."""


_BIG: Literal["big"] = "big"


UUID_TEXTS: dict[int, str] = {}
"""The texts of recent UUIDs by their int (at most 4,096; cleared whole): a request writes the same few
(caller, business unit, currency, a new record's id in its row, its audit row and the links to it) many
times, and uuid.UUID.__str__ is Python code. The SQLite encoder and the audit's change data share it."""


def uuid_text(v: uuid.UUID) -> str:
    """A UUID's canonical text, as str() gives it (exactly uuid.UUID), remembered in `UUID_TEXTS`."""
    i = v.int
    s = UUID_TEXTS.get(i)
    if s is None:
        if len(UUID_TEXTS) >= 4096:
            UUID_TEXTS.clear()
        s = UUID_TEXTS[i] = int_uuid_text(i)
    return s


def int_uuid_text(i: int) -> str:
    """The canonical text of the UUID whose 128 bits are `i` (not remembered: see `uuid_text`)."""
    h = f"{i:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid_texts(values: Sequence[uuid.UUID]) -> list[str]:
    """Many UUIDs (exactly uuid.UUID, no None) -> their canonical texts, as str() gives them, with no
    Python call per value: the ids' 16 bytes each are joined and hexlified at once and laid out by
    `_laid_out` (a bulk write formats every new id, and each audit row's id and record id)."""
    n = len(values)
    if n < 8:
        return [str(v) for v in values]
    return _laid_out(b"".join(map(_to_bytes, map(_int_of, values), repeat(16), repeat(_BIG))), n)


def uuid_texts_of_halves(high: bytes, low: bytes) -> list[str]:
    """UUIDs given as two runs of big-endian 8-byte halves (`high[8*i:8*i+8]`, `low[...]`: the i-th
    id's) -> their canonical texts, as `uuid_texts` builds them: new ids that are only ever written
    (audit rows' own ids on a store keeping ids as text) need no uuid.UUID object. The halves are
    interleaved 8 bytes at a time (a strided copy of 8-byte items)."""
    n = len(high) // 8
    if not n:
        return []
    both = bytearray(16 * n)
    items = memoryview(both).cast("Q")
    items[0::2] = memoryview(high).cast("Q")
    items[1::2] = memoryview(low).cast("Q")
    return _laid_out(both, n)


def _laid_out(ids: bytes | bytearray, n: int) -> list[str]:
    """The texts of `n` UUIDs given as their 16 bytes each, one after another: hexlified with a dash
    every 2 bytes (each id then reads `aaaa-bbbb-cccc-dddd-eeee-ffff-gggg-hhhh-`, 40 characters), the
    three dashes the canonical form lacks (after the 1st, 6th and 7th group) taken out by strided
    deletions, the last turned into a comma, and the whole split at the commas (~30% less than
    copying each hex digit to its place)."""
    out = bytearray(binascii.hexlify(ids, b"-", 2))
    out += b"-"
    del out[34::40]  # right to left: each deletion leaves the earlier positions of a slot where they were
    del out[29::39]
    del out[4::38]
    out[36::37] = b"," * n
    return out[:-1].decode("ascii").split(",")


@attrs.define
class ReadScope:
    """Which rows of user-owned tables a caller may read, compiled into the query's WHERE clause.

    `None` in a field means "no limit from this field". A row is readable when its owner is one of
    `owner_ids`, or its owning business unit is one of `business_unit_ids`, or it is shared with one
    of `principal_ids` (through the `principalobjectaccess` table).
    """

    owner_ids: frozenset[uuid.UUID] = frozenset()
    business_unit_ids: frozenset[uuid.UUID] = frozenset()
    principal_ids: frozenset[uuid.UUID] = frozenset()
    unrestricted_tables: frozenset[str] = frozenset()


@attrs.define
class QueryContext:
    """What a query needs from outside itself: who asks (EqualUserId, security) and when (date operators)."""

    caller_id: uuid.UUID | None = None
    business_unit_id: uuid.UUID | None = None
    read_scope: ReadScope | None = None
    scope_for: Mapping[str, ReadScope] | None = None
    row_version: bool = False
    """Also select each root row's versionnumber (under a hidden key) for Entity.row_version."""


_new_uuid = uuid.UUID.__new__
_set_int = uuid.UUID.__dict__["int"].__set__
_set_safe = uuid.UUID.__dict__["is_safe"].__set__
_from_bytes: Any = int.from_bytes
_ID_CHUNK = struct.Struct("16s" * 16)
"""16 ids' bytes, each a bytes object of its own, unpacked by one C call."""
_DASHES = (8, 13, 18, 23)


def uuid_column(texts: Sequence[Any]) -> list[uuid.UUID] | None:
    """Stored UUID texts of a column (canonical, 36 characters, no None) -> UUIDs with no Python call per
    value, as the dialect's per-value decoder makes them; None when any text is not of that form.
    The texts are joined, checked for dashes where a canonical text has them (strided slices), which become
    spaces `bytes.fromhex` skips, and read as hex at once; the 16 bytes of each id come from a struct unpack
    of 16 ids at a time (a page's primary ids cost ~45% less than text by text)."""
    n = len(texts)
    try:
        if not n or set(map(len, texts)) != _LEN36:
            return None
        hexed = bytearray("".join(texts).encode("ascii"))
    except (TypeError, ValueError):  # not texts (None), not ASCII
        return None
    dashes = b"-" * n
    if any(hexed[i::36] != dashes for i in _DASHES):
        return None
    hexed[8::36] = hexed[13::36] = hexed[18::36] = hexed[23::36] = b" " * n  # (between two bytes' digits)
    try:
        digits = bytes.fromhex(hexed.decode("ascii"))
    except ValueError:  # not hex digits
        return None
    if len(digits) != 16 * n:  # whitespace in place of digits
        return None
    digits += bytes(-len(digits) % 256)  # whole chunks of 16 ids
    ids = islice(chain.from_iterable(_ID_CHUNK.iter_unpack(digits)), n)
    ints = list(map(_from_bytes, ids, repeat("big", n)))
    out = list(map(_new_uuid, repeat(uuid.UUID, n)))
    deque(map(_set_int, out, ints), 0)
    deque(map(_set_safe, out, repeat(uuid.SafeUUID.unknown, n)), 0)
    return out


def distinct_uuid_column(texts: Sequence[Any]) -> list[uuid.UUID] | None:
    """`uuid_column` for a column of distinct ids (a table's primary id), which a page of records decodes at
    once (records.read); lookups' ids, which a page repeats, are decoded by a per-value decoder that shares
    one UUID per id."""
    return uuid_column(texts)


_LEN36 = frozenset({36})


COLUMN_DECODERS: dict[Callable[[Any], Any], Callable[[Sequence[Any]], list[Any] | None]] = {}
"""Per-value decoders of a dialect -> their column form (None: decode value by value), for `RawPage.values`."""


@attrs.define(eq=False)
class RawPage:
    """A page of a query as the driver returned it, and how to make its rows: `keys[i]` and `decoders[i]`
    (None: the stored value is the Python value) of position i; keys starting "__ord" are the paging
    cookie's ordering helpers, left out of the rows. Bulk readers (query Entities, the CSV export) take
    values from it position by position instead of one dict per row."""

    raw: Sequence[Sequence[Any]]
    keys: tuple[str, ...]
    decoders: tuple[Callable[[Any], Any] | None, ...]
    rows_function: Callable[..., list[Row]]
    """(raw, the decoders that are not None, in order) -> the rows as dicts, decoded (sqlrows)."""
    columns: list[tuple[Any, ...]] | None = attrs.field(default=None, init=False)
    """The page transposed (one tuple of stored values per position), made by the first `values`."""

    def rows(self) -> list[Row]:
        """The rows as dicts of typed values by output key (hidden keys left out)."""
        rows = self.rows_function(self.raw, *[d for d in self.decoders if d is not None])
        hidden = [k for k in self.keys if k.startswith("__ord")]
        if hidden:
            for r in rows:
                for k in hidden:
                    r.pop(k, None)
        return rows

    def stored(self, key: str) -> tuple[Any, ...]:
        """The values of one output key as the driver returned them, row by row (for a key the page holds)."""
        if self.columns is None:
            self.columns = list(zip(*self.raw))
        return self.columns[self.keys.index(key)]

    def values(self, key: str) -> list[Any]:
        """The typed values of one output key, row by row (None for a key the rows do not hold)."""
        if key not in self.keys or key.startswith("__ord"):
            return [None] * len(self.raw)
        col = self.stored(key)
        d = self.decoders[self.keys.index(key)]
        if d is None:
            return list(col)
        many = COLUMN_DECODERS.get(d)
        got = many(col) if many is not None else None
        return got if got is not None else [None if v is None else d(v) for v in col]


StoredShape = tuple[tuple[str, ...], tuple[Callable[[Any], Any] | None, ...], Callable[..., list[Row]]]
"""(keys, decoders, rows_function) of stored rows, as `RawPage` holds them: the same objects for every read of
one shape, so a reader may remember what it made for them by identity."""


@attrs.define
class QueryResult:
    """Rows of a query; keys are column names, "alias.column" for linked columns, aliases for aggregates.

    A backend may hand the page undecoded (`page`) and leave `rows` to be made when first read."""

    _rows: list[Row] | None = attrs.field(alias="rows")
    entity_name: str
    more_records: bool = False
    paging_cookie: str | None = None
    total_record_count: int = -1
    total_record_count_limit_exceeded: bool = False
    columns: list[tuple[str, str, str, bool]] = attrs.field(factory=list)
    """(key, table logical name, column logical name, raw) of every value column, for building entities;
    raw values (counts, averages, date parts) are returned as they are."""
    page: RawPage | None = None
    """The page as the driver returned it (SQL backends' queries), when `rows` were not made from it yet."""

    @property
    def rows(self) -> list[Row]:
        rows = self._rows
        if rows is None:
            rows = self._rows = self.page.rows() if self.page is not None else []
        return rows

    @rows.setter
    def rows(self, value: list[Row]) -> None:
        self._rows = value
        self.page = None  # the rows are no longer the page's


class Storage(abc.ABC):
    """A place records live. One instance serves one store (a file, a database, a schema)."""

    metadata: Metadata

    text_ids = False
    """True where ids are stored as their canonical texts and `insert_columns` takes such texts for new
    ids (SQLite): bulk writes then make ids that are only written (audit rows') as texts directly."""

    _id_texts: tuple[tuple[tuple[uuid.UUID, ...], list[str]], ...] = (((), []), ((), []))
    """The last two id columns a store keeping ids as text wrote, and their texts (replaced whole: the
    SQL backends' bulk encoding keeps them)."""

    def written_id_texts(self, ids: Sequence[uuid.UUID]) -> list[str] | None:
        """The texts the store just wrote for exactly these id objects (a bulk insert's new ids, which its
        audit rows name again), else None."""
        n = len(ids)
        return next((got for done, got in self._id_texts if len(done) == n and all(map(is_, ids, done))), None)

    @abc.abstractmethod
    def attach(self, metadata: Metadata) -> None:
        """Bind to `metadata` and create or extend the schema so every table and column exists."""

    @abc.abstractmethod
    def transaction(self, *, all_or_nothing: bool = False) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; nested calls are savepoints.
        `all_or_nothing` (outermost only): top-level requests inside join it without a savepoint each
        (see `requests_join`)."""

    @property
    def requests_join(self) -> bool:
        """This thread is inside an all-or-nothing transaction: a top-level request joins it as a nested
        request does (no savepoint; a failure after it wrote fails the whole transaction)."""
        return False

    def setup_transaction(self) -> AbstractContextManager[None]:
        """A transaction that also serialises creating and seeding a new store between processes (SQLite's
        BEGIN IMMEDIATE already does; PostgreSQL takes an advisory lock)."""
        return self.transaction()

    def nested(self) -> AbstractContextManager[None]:
        """A nested request's part of the open transaction. SQL backends take no savepoint for it: its
        failure after it wrote fails the whole transaction, as in Dataverse (storage.sqltx). The pipeline
        opens no cache layer for it (`records.cache`): a backend whose nested part can be rolled back
        alone (as this default's savepoint can) must not let the rest of the transaction go on."""
        return self.transaction()

    @property
    @abc.abstractmethod
    def in_transaction(self) -> bool: ...

    @abc.abstractmethod
    def insert(self, table: EntityMetadata, row: Mapping[str, Any]) -> None: ...

    def insert_later(self, table: EntityMetadata, row: Mapping[str, Any]) -> None:
        """Insert a row at the latest when the transaction commits or its table is next read or written
        (audit rows: one statement for a request's rows). Outside a transaction, at once."""
        self.insert(table, row)

    @abc.abstractmethod
    def insert_many(self, table: EntityMetadata, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def insert_columns(self, table: EntityMetadata, columns: Mapping[str, Sequence[Any]]) -> None:
        """Insert rows given column by column (every sequence as long as the others), as `insert_many`."""
        self.insert_many(table, [dict(zip(columns, values)) for values in zip(*columns.values())])

    @abc.abstractmethod
    def update(
        self, table: EntityMetadata, id: uuid.UUID, values: Mapping[str, Any], *, expected_version: int | None = None
    ) -> bool:
        """Change the given columns of one row; False when no row matched (or its version moved on)."""

    @abc.abstractmethod
    def delete(self, table: EntityMetadata, id: uuid.UUID) -> bool: ...

    @abc.abstractmethod
    def get(self, table: EntityMetadata, id: uuid.UUID, columns: Sequence[str] | None = None, *,
            names: bool = True) -> Row | None:
        """One row by primary id with the named columns (all when None), lookup names included unless
        `names` is False (no `{col}@name` keys: an update's first read, whose readers use ids only, then
        joins no target table)."""

    def get_stored(self, table: EntityMetadata, id: uuid.UUID, columns: Sequence[str] | None = None
                   ) -> tuple[Sequence[Any] | None, StoredShape] | None:
        """`get` as the driver returned the row (None: no row) and its shape, for a reader that builds its
        own object straight from the stored values (records.read's Entities, as for a query's page); None
        when the backend has no such form (the reader then calls `get`)."""
        return None

    @abc.abstractmethod
    def get_many(self, table: EntityMetadata, ids: Sequence[uuid.UUID], columns: Sequence[str] | None = None,
                 *, names: bool = True) -> list[Row]:
        """Rows by primary id, as `get` reads each (`names`: as there)."""

    @abc.abstractmethod
    def exists(self, table: EntityMetadata, id: uuid.UUID) -> bool: ...

    def sync(self) -> None:
        """Send now what the backend queued to go with the transaction's next round trip (PostgreSQL
        queues INSERTs, UPDATEs of rows the transaction read, row locks), so that their faults are raised
        here: the pipeline calls it where the code that catches a request's fault is a user's (a plugin,
        a caller's all-or-nothing transaction). Nothing for backends that queue nothing."""
        return None

    def lock(self, table: EntityMetadata, id: uuid.UUID) -> None:
        """Hold the record's write lock until the transaction ends, so that a check of its state and the
        change that follows cannot interleave with another writer's (QualifyLead, Win/Lose, SetState).
        Nothing when there is no such row: the read that follows finds that out. SQLite needs no
        statement: BEGIN IMMEDIATE already serialises writers."""
        return None

    @abc.abstractmethod
    def select(self, query: QueryExpression, context: QueryContext | None = None) -> QueryResult:
        """Run a query model as one SQL statement (plus a count when asked)."""

    def select_shaped(self, shape: Hashable, make: Callable[[Sequence[Any]], QueryExpression],
                      slots: Sequence[Any], values: Sequence[Any], context: QueryContext | None = None,
                      unordered: bool = False) -> QueryResult:
        """`select(make(values), context)`, for a query run often with other values: `make(slots)` with
        distinct sentinel values gives the query's shape, which a backend may compile once per `shape`
        (a key naming everything but the values that decides the statement, the caller's read scope too).
        `unordered`: the caller takes the rows in any order (it sorts them itself), so a backend may leave
        out the query's order; which rows a top_count keeps is then unspecified."""
        return self.select(make(values), context)

    @abc.abstractmethod
    def ids_where(self, table: EntityMetadata, column: str, value: Any, limit: int | None = None) -> list[uuid.UUID]:
        """Primary ids of rows whose `column` equals `value` (cascades, uniqueness checks)."""

    def tables_with_row(self, tables: Sequence[EntityMetadata], column: str, value: Any) -> set[str]:
        """Which of `tables` hold a row whose `column` equals `value` (SQL backends: one statement)."""
        return {t.logical_name for t in tables if self.ids_where(t, column, value, limit=1)}

    @abc.abstractmethod
    def update_where(self, table: EntityMetadata, column: str, value: Any, values: Mapping[str, Any]) -> int: ...

    @abc.abstractmethod
    def delete_where(self, table: EntityMetadata, column: str, value: Any) -> int: ...

    # set-based variants (cascades): backends may override these with one IN (...) statement per chunk
    def ids_where_in(self, table: EntityMetadata, column: str, values: Sequence[Any],
                     limit: int | None = None) -> list[uuid.UUID]:
        """Primary ids of rows whose `column` is one of `values`."""
        out: list[uuid.UUID] = []
        for v in values:
            out.extend(self.ids_where(table, column, v, None if limit is None else limit - len(out)))
            if limit is not None and len(out) >= limit:
                break
        return out

    def update_where_in(self, table: EntityMetadata, column: str, values: Sequence[Any],
                        changes: Mapping[str, Any]) -> int:
        """Set `changes` on every row whose `column` is one of `values`; the number of rows changed."""
        return sum(self.update_where(table, column, v, changes) for v in values)

    def delete_where_in(self, table: EntityMetadata, column: str, values: Sequence[Any]) -> int:
        """Delete every row whose `column` is one of `values`; the number of rows deleted."""
        return sum(self.delete_where(table, column, v) for v in values)

    def update_many(self, table: EntityMetadata, rows: Sequence[Mapping[str, Any]]) -> int:
        """Update many rows by primary id, each with its own values (each row holds the primary id column);
        the number of rows changed. SQL backends batch rows with the same columns into one statement."""
        pk = table.primary_id_attribute
        return sum(bool(self.update(table, r[pk], {k: v for k, v in r.items() if k != pk})) for r in rows)

    def update_columns(self, table: EntityMetadata, ids: Sequence[Any], columns: Mapping[str, Sequence[Any]]) -> int:
        """`update_many` with the rows given column by column (`columns[c][i]`: the value of c for row `ids[i]`;
        no primary id among the columns): a page of scores written back without a dict per row."""
        pk = table.primary_id_attribute
        names = tuple(columns)
        return self.update_many(table, [{pk: i, **dict(zip(names, vals))}
                                        for i, vals in zip(ids, zip(*columns.values()))])

    def delete_many(self, table: EntityMetadata, ids: Sequence[uuid.UUID]) -> int:
        """Delete rows by primary id."""
        return self.delete_where_in(table, table.primary_id_attribute, ids)

    def clear(self, table: EntityMetadata) -> int:
        """Delete every row of a table; the number of rows deleted (SQL backends: one statement)."""
        return self.delete_many(table, [r[table.primary_id_attribute] for r in self.iter_rows(table)])

    def create_index(self, table: EntityMetadata, columns: Sequence[str], unique: bool = False,
                     name: str | None = None) -> None:
        """An extra index if it does not exist yet (duplicate-detection match codes, custom keys).
        Column names come from metadata only; the SQL backends implement it."""
        raise NotImplementedError(f"{type(self).__name__} cannot create indexes")

    def drop_index(self, name: str) -> None:
        """Drop an index made by `create_index` (an alternate key removed); nothing when it is absent."""
        raise NotImplementedError(f"{type(self).__name__} cannot drop indexes")

    @abc.abstractmethod
    def count(self, table: EntityMetadata) -> int: ...

    @abc.abstractmethod
    def next_version(self) -> int:
        """A number larger than every version handed out before in this store."""

    def next_versions(self, n: int) -> Sequence[int]:
        """`n` increasing versions at once (a bulk create's rows); backends may hand out a block."""
        return [self.next_version() for _ in range(n)]

    def reserve_versions(self, n: int) -> None:
        """A bulk write is about to ask for `n` versions: a store that takes them from the database takes
        them now, in one round trip, rather than between the write's statements."""
        return None

    @abc.abstractmethod
    def close(self) -> None: ...

    # store-wide coherence -------------------------------------------------------------
    _gate: RequestGate | None = None

    @property
    def gate(self) -> RequestGate:
        """Counts running requests so that `close()` waits for them (see `leadsdk.storage.gate`)."""
        g = self._gate
        if g is None:
            g = self._gate = RequestGate()
        return g

    def generation(self) -> int:
        """The store-wide counter of security and customization changes (see `bump_generation`)."""
        return 0

    def bump_generation(self) -> None:
        """Count a security or customization change, in the current transaction, so that every service on
        the store (in this process or another) drops what it cached on its next request. A store without
        the counter (generation() always 0) is only ever used by one service."""
        return None

    def iter_rows(self, table: EntityMetadata, batch: int = 1000) -> Iterator[Row]:
        """Every row of a table in primary-key order, `batch` at a time (exports, migrations)."""
        q = QueryExpression(table.logical_name)
        q.column_set.all_columns = True
        for res in pages(self.select, q, batch):
            yield from res.rows
