"""SQL dialects: the one place where SQLite and PostgreSQL differ (types, values, functions)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.storage.base import COLUMN_DECODERS, UUID_TEXTS, distinct_uuid_column, uuid_column, uuid_text

__all__ = ["Dialect", "PostgresDialect", "SqliteDialect"]

UTC = dt.timezone.utc
A = AttributeType
_ID_TYPES = (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER)
_DECIMAL_TYPES = (A.DECIMAL, A.MONEY)
_DATETIME, _DATE, _BOOLEAN = A.DATETIME, A.DATE, A.BOOLEAN
_DOUBLE, _BIGINT, _BYTES_TYPES = A.DOUBLE, A.BIGINT, (A.FILE, A.IMAGE)
"""Members read once: on Python 3.11 `A.X` goes through EnumType.__getattr__'s slot (SQLite's `encode` runs
per statement parameter)."""


class Dialect:
    """How values and expressions are written for one SQL engine."""

    name = "generic"
    placeholder = "?"
    text_type = "TEXT"
    """Type of the `{lookup}__type` storage columns."""
    text_collation = ""
    """Appended to text columns' DDL (case-insensitive collation where the engine has one)."""
    plain_types: frozenset[AttributeType] = frozenset({
        AttributeType.STRING, AttributeType.MEMO, AttributeType.INTEGER, AttributeType.PICKLIST,
        AttributeType.STATE, AttributeType.STATUS, AttributeType.BIGINT, AttributeType.DOUBLE})
    """Column types whose driver values need no decoding."""

    def quote(self, ident: str) -> str:
        return '"' + ident.replace('"', '""') + '"'

    # types --------------------------------------------------------------------
    def column_type(self, attr: AttributeMetadata) -> str:
        raise NotImplementedError

    # values -------------------------------------------------------------------
    def encode(self, t: AttributeType, value: Any) -> Any:
        """A Python value (already validated) -> the driver's parameter."""
        return value

    def encoder(self, t: AttributeType) -> Callable[[Any], Any]:
        """`encode` for one column type as a single function (bulk writes call it per value)."""
        if t in self.plain_types:
            return _same
        return lambda v: self.encode(t, v)

    def decode(self, t: AttributeType, value: Any) -> Any:
        """A driver value -> the Python value handlers see."""
        return value

    def decoder(self, t: AttributeType) -> Callable[[Any], Any]:
        """`decode` for one column type as a single function (query rows call it per value)."""
        if t in self.plain_types:
            return _same
        return lambda v: self.decode(t, v)

    def id_decoder(self) -> Callable[[Any], Any]:
        """`decoder(UNIQUEIDENTIFIER)` for a table's primary id, a value each row holds once."""
        return self.decoder(A.UNIQUEIDENTIFIER)

    def decode_raw(self, value: Any) -> Any:
        """An untyped output (a date part, a lookup's name or type) -> Python."""
        return value

    # expressions --------------------------------------------------------------
    def numeric(self, expr: str, t: AttributeType) -> str:
        """An expression usable for numeric comparison and aggregates."""
        return expr

    def text_eq(self, expr: str) -> str:
        """Case-insensitive equality with a placeholder."""
        return f"{expr} = {self.placeholder}"

    def text_cmp(self, expr: str, op: str) -> str:
        return f"{expr} {op} {self.placeholder}"

    def text_in(self, expr: str, n: int, negate: bool = False) -> str:
        """Case-insensitive IN over `n` placeholders."""
        inner = ", ".join(self.placeholder for _ in range(n))
        return f"{expr} {'NOT ' if negate else ''}IN ({inner})"

    def like(self, expr: str, negate: bool = False) -> str:
        """Case-insensitive LIKE of an escaped pattern (backslash escapes)."""
        return f"{expr} {'NOT ' if negate else ''}LIKE {self.placeholder} ESCAPE '\\'"

    def like_raw(self, expr: str, negate: bool = False) -> str:
        """Case-insensitive LIKE of a caller's own pattern (the Like operator)."""
        return f"{expr} {'NOT ' if negate else ''}LIKE {self.placeholder}"

    def text_compare_columns(self, left: str, op: str, right: str) -> str:
        """Case-insensitive comparison of two text columns."""
        return f"{left} {op} {right}"

    def regex_match(self, expr: str, negate: bool = False) -> str:
        """Case-insensitive match of a regular expression placeholder (Like patterns with classes)."""
        return f"{'NOT ' if negate else ''}{expr} REGEXP {self.placeholder}"

    def text_order(self, expr: str) -> str:
        return expr

    def text_key_param(self) -> str:
        """A placeholder compared with `text_order(column)` (paging cookies)."""
        return self.placeholder

    def modulo(self, expr: str, n: int) -> str:
        return f"({expr} % {int(n)})"

    def order_nulls(self, descending: bool) -> str:
        """Dataverse (SQL Server) sorts NULL first ascending, last descending."""
        return ""

    def date_part(self, expr: str, grouping: str) -> str:
        raise NotImplementedError

    def true(self) -> str:
        return "1"

    def false(self) -> str:
        return "0"


_new_uuid = uuid.UUID.__new__
_set_int = uuid.UUID.__dict__["int"].__set__
_set_safe = uuid.UUID.__dict__["is_safe"].__set__
"""uuid.UUID's slot setters (it refuses attribute assignment): what its own __init__ stores, set directly."""
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_fromisoformat = dt.datetime.fromisoformat


_from_hex = bytes.fromhex
_from_bytes = int.from_bytes


def _uuid_text_once(value: str | None) -> uuid.UUID | None:
    """A stored (canonical, 36 character) UUID text -> UUID, without uuid.UUID's parsing of other forms and
    without the cache of `_uuid_text`: for primary ids, which a page holds once each (the cache would only
    hash, store and clear them). The hex digits go through bytes (`int(text, 16)` is 2-3x slower)."""
    if value is None or len(value) != 36 or len(h := value.replace("-", "")) != 32 or \
            len(b := _from_hex(h)) != 16:
        return None if value is None else uuid.UUID(value)  # (not canonical: uuid.UUID's errors)
    u = _new_uuid(uuid.UUID)
    _set_int(u, _from_bytes(b, "big"))
    _set_safe(u, _SAFE_UNKNOWN)
    return u


class _UUIDMemo(dict[str, uuid.UUID]):
    """The UUIDs of recent stored texts (UUIDs are immutable, so one instance can serve every row): a row
    names the same caller, owner, business unit, currency and process in several lookups, and a page of
    rows repeats them. Its `__getitem__` is `_uuid_text`: a text seen before costs a C-level lookup, no
    Python call (a lead's row holds ~18 lookup ids)."""

    def __missing__(self, value: str | None) -> uuid.UUID | None:
        u = _uuid_text_once(value)
        if u is not None:
            if len(self) >= 4096:
                self.clear()
            self[value] = u  # type: ignore[index]
        return u


_uuids = _UUIDMemo()
_uuid_text: Callable[[str | None], uuid.UUID | None] = _uuids.__getitem__  # type: ignore[assignment]
"""A stored (canonical, 36 character) UUID text -> UUID, without uuid.UUID's parsing of other forms, by
way of the memo of recent texts (`_UUIDMemo`)."""


COLUMN_DECODERS[_uuid_text] = uuid_column  # a page's id column decoded at once (`RawPage.values`)
COLUMN_DECODERS[_uuid_text_once] = distinct_uuid_column  # (records.read decodes a page's primary ids so)


def _datetime_text(value: str | None) -> dt.datetime | None:
    """A stored datetime text (UTC, no offset) -> the aware datetime: parsed with the offset appended, as
    `.replace(tzinfo=UTC)` and its keyword argument cost 4x the parse (each datetime of a retrieve)."""
    if value is None:
        return None
    try:
        d = _fromisoformat(value + "+00:00")
        if d.tzinfo is UTC:
            return d
    except ValueError:  # a text with an offset of its own
        pass
    return _fromisoformat(value).replace(tzinfo=UTC)  # (and a date alone, which drops the appended offset)


def _decimal_text(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value) if isinstance(value, str) else Decimal(repr(value))


def _decimal_column(values: Sequence[Any]) -> list[Decimal] | None:
    """`_decimal_text` of a column of texts (no None), with one C-level map; None for other columns."""
    return list(map(Decimal, values)) if set(map(type, values)) == _STR else None


_STR = frozenset({str})
COLUMN_DECODERS[_decimal_text] = _decimal_column


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


NON_NULL: dict[Callable[[Any], Any], Callable[[Any], Any]] = {_bool_or_none: bool}
"""A decoder -> the same for a value that is not None, a builtin (no Python call): what
`sqlrows.decoders` hands its readers, which never decode a null."""


class SqliteDialect(Dialect):
    """SQLite: UUIDs and datetimes as text, decimals as exact text compared numerically, NOCASE text."""

    name = "sqlite"
    placeholder = "?"
    text_collation = " COLLATE NOCASE"

    _TYPES = {
        A.STRING: "TEXT", A.MEMO: "TEXT", A.INTEGER: "INTEGER", A.BIGINT: "INTEGER", A.DECIMAL: "TEXT",
        A.MONEY: "TEXT", A.DOUBLE: "FLOAT", A.BOOLEAN: "INTEGER", A.DATETIME: "TEXT", A.DATE: "TEXT",
        A.LOOKUP: "TEXT", A.CUSTOMER: "TEXT", A.OWNER: "TEXT", A.PICKLIST: "INTEGER", A.STATE: "INTEGER",
        A.STATUS: "INTEGER", A.UNIQUEIDENTIFIER: "TEXT", A.FILE: "BLOB", A.IMAGE: "BLOB",
    }

    def column_type(self, attr: AttributeMetadata) -> str:
        return self._TYPES[attr.type]

    def encode(self, t: AttributeType, value: Any) -> Any:
        if value is None:
            return None
        if t in _ID_TYPES:
            return uuid_out(value)
        if t is _DATETIME:
            return _datetime_out(value)
        if t is _DATE:
            return value.isoformat()
        if t in _DECIMAL_TYPES:
            return str(value)
        if t is _BOOLEAN:
            return 1 if value else 0
        return value

    def encoder(self, t: AttributeType) -> Callable[[Any], Any]:
        if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER):
            return uuid_out
        if t in (A.DECIMAL, A.MONEY):
            return text_or_none
        if t is A.BOOLEAN:
            return bool_int
        if t is A.DATETIME:
            return _datetime_out
        if t is A.DATE:
            return date_out
        if t in self.plain_types:
            return _same
        return super().encoder(t)

    def decoder(self, t: AttributeType) -> Callable[[Any], Any]:
        if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER):
            return _uuid_text
        if t is A.DATETIME:
            return _datetime_text
        if t in (A.DECIMAL, A.MONEY):
            return _decimal_text
        if t is A.BOOLEAN:
            return _bool_or_none
        return super().decoder(t)

    def id_decoder(self) -> Callable[[Any], Any]:
        return _uuid_text_once

    def decode(self, t: AttributeType, value: Any) -> Any:
        if value is None:
            return None
        if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER):
            return uuid.UUID(value)
        if t is A.DATETIME:
            return _datetime_text(value)  # stored as "%Y-%m-%d %H:%M:%S.%f"
        if t is A.DATE:
            return dt.date.fromisoformat(value)
        if t in (A.DECIMAL, A.MONEY):
            return Decimal(value) if isinstance(value, str) else Decimal(repr(value))
        if t is A.BOOLEAN:
            return bool(value)
        return value

    def numeric(self, expr: str, t: AttributeType) -> str:
        if t in (A.DECIMAL, A.MONEY):
            return f"CAST({expr} AS REAL)"
        return expr

    def text_eq(self, expr: str) -> str:
        return f"{expr} = ? COLLATE NOCASE"

    def text_cmp(self, expr: str, op: str) -> str:
        return f"{expr} {op} ? COLLATE NOCASE"

    def text_in(self, expr: str, n: int, negate: bool = False) -> str:
        return super().text_in(f"{expr} COLLATE NOCASE", n, negate)

    def text_compare_columns(self, left: str, op: str, right: str) -> str:
        return f"{left} {op} {right} COLLATE NOCASE"

    def text_order(self, expr: str) -> str:
        return f"{expr} COLLATE NOCASE"

    def date_part(self, expr: str, grouping: str) -> str:
        fmt = {"day": "%d", "month": "%m", "year": "%Y"}
        if grouping == "week":  # as SQL Server's DATEPART(week): weeks start on Sunday, week 1 holds 1 January
            return (f"((CAST(strftime('%j', {expr}) AS INTEGER) + CAST(strftime('%w', {expr}, 'start of year') "
                    "AS INTEGER) - 1) / 7 + 1)")
        if grouping == "quarter":
            return f"((CAST(strftime('%m', {expr}) AS INTEGER) + 2) / 3)"
        if grouping not in fmt:
            raise ValueError(grouping)
        return f"CAST(strftime('{fmt[grouping]}', {expr}) AS INTEGER)"


class PostgresDialect(Dialect):
    """PostgreSQL: native uuid, numeric, timestamptz, boolean and bytea; case-insensitive text by lower().

    Text orders and compares byte-wise on lower() (COLLATE "C"), as SQLite's NOCASE does, so both
    backends sort and page alike whatever the database's own collation. Sessions run in UTC.
    """

    name = "postgres"
    placeholder = "%s"
    text_type = "text"
    plain_types = frozenset({A.STRING, A.MEMO, A.INTEGER, A.PICKLIST, A.STATE, A.STATUS})

    _TYPES = {
        A.STRING: "text", A.MEMO: "text", A.INTEGER: "integer", A.BIGINT: "bigint", A.DECIMAL: "numeric",
        A.MONEY: "numeric", A.DOUBLE: "double precision", A.BOOLEAN: "boolean", A.DATETIME: "timestamptz",
        A.DATE: "date", A.LOOKUP: "uuid", A.CUSTOMER: "uuid", A.OWNER: "uuid", A.PICKLIST: "integer",
        A.STATE: "integer", A.STATUS: "integer", A.UNIQUEIDENTIFIER: "uuid", A.FILE: "bytea", A.IMAGE: "bytea",
    }

    def column_type(self, attr: AttributeMetadata) -> str:
        return self._TYPES[attr.type]

    def encode(self, t: AttributeType, value: Any) -> Any:
        return self.encoder(t)(value)

    def encoder(self, t: AttributeType) -> Callable[[Any], Any]:
        """`encode` for one column type as one plain function (a write calls it per value; `encode` went
        through its chain of type tests, each an enum member looked up, for each)."""
        if t in _ID_TYPES:
            return pg_id_out
        if t is _DATETIME:
            return _pg_datetime
        if t is _BOOLEAN:
            return _pg_bool
        if t in _DECIMAL_TYPES:
            return _pg_decimal
        return _same  # every other type's value goes as it is

    def decode(self, t: AttributeType, value: Any) -> Any:
        return self.decoder(t)(value)

    def decoder(self, t: AttributeType) -> Callable[[Any], Any]:
        """`decode` for one column type as one plain function (`_same`: the driver's value as it is)."""
        if t is _DATETIME:
            return _pg_datetime_in
        if t is _DOUBLE:
            return _pg_double_in
        if t is _BIGINT:
            return _pg_bigint_in
        if t in _BYTES_TYPES:
            return _pg_bytes_in
        return _same

    def text_eq(self, expr: str) -> str:
        return f"lower({expr}) = lower(%s)"

    def text_cmp(self, expr: str, op: str) -> str:
        return f'lower({expr}) COLLATE "C" {op} lower(%s)'

    def text_in(self, expr: str, n: int, negate: bool = False) -> str:
        inner = ", ".join("lower(%s)" for _ in range(n))
        return f"lower({expr}) {'NOT ' if negate else ''}IN ({inner})"

    def like(self, expr: str, negate: bool = False) -> str:
        return f"{expr} {'NOT ' if negate else ''}ILIKE %s ESCAPE '\\'"

    def like_raw(self, expr: str, negate: bool = False) -> str:
        return f"{expr} {'NOT ' if negate else ''}ILIKE %s ESCAPE ''"

    def text_compare_columns(self, left: str, op: str, right: str) -> str:
        if op in ("=", "<>"):
            return f"lower({left}) {op} lower({right})"
        return f'lower({left}) COLLATE "C" {op} lower({right}) COLLATE "C"'

    def regex_match(self, expr: str, negate: bool = False) -> str:
        return f"{expr} {'!~*' if negate else '~*'} %s"

    def text_order(self, expr: str) -> str:
        return f'lower({expr}) COLLATE "C"'

    def text_key_param(self) -> str:
        return "lower(%s)"

    def order_nulls(self, descending: bool) -> str:
        return " NULLS LAST" if descending else " NULLS FIRST"

    def date_part(self, expr: str, grouping: str) -> str:
        utc = f"({expr} AT TIME ZONE 'UTC')" if expr else expr
        if grouping == "week":
            return (f"((CAST(EXTRACT(doy FROM {utc}) AS INTEGER) + CAST(EXTRACT(dow FROM date_trunc('year', {utc}))"
                    " AS INTEGER) - 1) / 7 + 1)")
        field = {"day": "day", "month": "month", "quarter": "quarter", "year": "year"}
        if grouping not in field:
            raise ValueError(grouping)
        return f"CAST(EXTRACT({field[grouping]} FROM {utc}) AS INTEGER)"

    def modulo(self, expr: str, n: int) -> str:
        return f"mod({expr}, {int(n)})"

    def true(self) -> str:
        return "TRUE"

    def false(self) -> str:
        return "FALSE"


def _same(v: Any) -> Any:
    return v


def pg_id_out(v: Any) -> Any:
    """An id as PostgreSQL takes it: a UUID (row encoders test for one inline, `sqlrows.row_encoder`)."""
    return v if v is None or isinstance(v, uuid.UUID) else uuid.UUID(str(v))


def _pg_datetime(v: Any) -> Any:
    return v if v is None or v.tzinfo is not None else v.replace(tzinfo=UTC)


def _pg_datetime_in(v: Any) -> Any:
    if v is None or v.tzinfo is UTC:
        return v
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def _pg_double_in(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def _pg_bigint_in(v: Any) -> Any:
    return int(v) if isinstance(v, Decimal) else v


def _pg_bytes_in(v: Any) -> Any:
    return bytes(v) if isinstance(v, memoryview) else v


def _pg_bool(v: Any) -> Any:
    return None if v is None else bool(v)


def _pg_decimal(v: Any) -> Any:
    if v is None or isinstance(v, Decimal):
        return v
    return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


def text_or_none(v: Any) -> Any:
    return None if v is None else str(v)


_uuid_texts = UUID_TEXTS


def uuid_out(v: Any) -> Any:
    """A UUID -> its stored text, remembered by its int (`storage.base.uuid_text`)."""
    if v is None:
        return None
    if v.__class__ is not uuid.UUID:
        return str(v)
    s = _uuid_texts.get(v.int)
    return uuid_text(v) if s is None else s


def date_out(v: Any) -> Any:
    return None if v is None else v.isoformat()


def bool_int(v: Any) -> Any:
    return None if v is None else (1 if v else 0)


_last_datetime: tuple[Any, Any] = (None, None)
_prev_datetime: tuple[Any, Any] = (None, None)


def _datetime_out(v: Any) -> Any:
    """A datetime -> SQLite's stored text "%Y-%m-%d %H:%M:%S.%f" in UTC (the last two are remembered:
    a write gives createdon and modifiedon the same moment, a bulk write every row, and the audit row
    between two writes of one request its own moment)."""
    global _last_datetime, _prev_datetime
    last = _last_datetime
    if v is last[0]:
        return last[1]
    if v is None:
        return None
    prev = _prev_datetime
    if v is prev[0]:
        _prev_datetime, _last_datetime = last, prev
        return prev[1]
    u = v if v.tzinfo is UTC else v.astimezone(UTC)
    out = _stored_moment(u) if u.year >= 1000 else u.strftime("%Y-%m-%d %H:%M:%S.%f")
    _prev_datetime, _last_datetime = last, (v, out)
    return out


_MINUTES: dict[tuple[int, int, int, int, int], str] = {}
"""Texts "%Y-%m-%d %H:%M:" of recent minutes (at most 1,024; cleared whole)."""
_SECONDS = [f"{i:02d}." for i in range(62)]


def _stored_moment(u: dt.datetime) -> str:
    """`u.isoformat(" ", "microseconds")[:26]` for a year from 1000: the minute's text remembered, the
    seconds from a table (isoformat formats through C's printf: ~12k instructions a value, this ~5k)."""
    key = (u.year, u.month, u.day, u.hour, u.minute)
    head = _MINUTES.get(key)
    if head is None:
        if len(_MINUTES) >= 1024:
            _MINUTES.clear()
        head = _MINUTES[key] = f"{u.year:04d}-{u.month:02d}-{u.day:02d} {u.hour:02d}:{u.minute:02d}:"
    return head + _SECONDS[u.second] + str(u.microsecond + 1000000)[1:]
