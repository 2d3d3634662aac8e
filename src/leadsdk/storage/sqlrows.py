"""Rows of the SQL backends into results (storage layer): the decoders of a compiled query's outputs, the
statement reading rows by id, and `build_result` (rows -> QueryResult with paging). Used by SqlStorage."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.storage.base import QueryResult, RawPage
from leadsdk.storage.compiler_base import CompiledQuery, OutputColumn
from leadsdk.storage.compiler_paging import make_cookie
from leadsdk.storage.dialect import NON_NULL, Dialect, _same, _uuid_texts, pg_id_out, uuid_out
from leadsdk.storage.sql import QueryCompiler
from leadsdk.types import ColumnSet

__all__ = ["Decoder", "build_result", "by_id_sql", "decoded_row", "decoders", "identity"]

Decoder = Callable[[Any], Any]


def identity(v: Any) -> Any:
    return v


def decoders(d: Dialect, outputs: Sequence[OutputColumn], metadata: Metadata | None = None
             ) -> list[tuple[str, Decoder]]:
    """(output key, decoder) of each output, for values that are not None (every reader leaves a null as it
    is); `identity` for the values the driver returns as they are.
    With `metadata`, a table's primary id gets `d.id_decoder()` (each row holds its own id)."""
    plain = d.plain_types
    tables = metadata.tables if metadata is not None else {}
    # an untyped output (a lookup's name or type: 18 of a lead's) needs no call where the dialect keeps
    # `Dialect.decode_raw`, which returns the value as it is
    raw = identity if type(d).decode_raw is Dialect.decode_raw else d.decode_raw
    out: list[tuple[str, Decoder]] = []
    for o in outputs:
        if o.type is None:
            out.append((o.key, raw))
        elif o.type in plain:
            out.append((o.key, identity))
        elif o.type is AttributeType.UNIQUEIDENTIFIER and (t := tables.get(o.table)) is not None and \
                t.primary_id_attribute == o.attribute:
            out.append((o.key, d.id_decoder()))
        else:
            f = d.decoder(o.type)
            out.append((o.key, identity if f is _same else NON_NULL.get(f, f)))  # (readers never decode a null)
    return out


def by_id_sql(metadata: Metadata, d: Dialect, table: EntityMetadata, columns: Sequence[str] | None, many: int = 0,
              names: bool = True) -> tuple[str, list[OutputColumn]]:
    """The statement reading one row (`many` = 0) or `many` rows by primary id, and its outputs (`names`:
    the lookups' names too, each a LEFT JOIN of its target tables)."""
    qe = QueryExpression(table.logical_name)
    qe.column_set = ColumnSet(all_columns=True) if columns is None else ColumnSet(*columns)
    if many:
        qe.criteria.add_condition(table.primary_id_attribute, ConditionOperator.IN,
                                  *[uuid.UUID(int=i) for i in range(many)])
    else:
        qe.criteria.add_condition(table.primary_id_attribute, ConditionOperator.EQUAL, uuid.UUID(int=0))
    compiler = QueryCompiler(metadata, d)
    compiler.lookup_names = names
    cq = compiler.compile(qe)
    return cq.sql.split(" ORDER BY ")[0], cq.outputs


def decoded_row(keys: Sequence[str], raw: Sequence[Any], converting: Sequence[tuple[str, Decoder]]
                ) -> dict[str, Any]:
    """A stored row as a dict by output key (`get`), decoding only the columns that need it (never a null)."""
    row = dict(zip(keys, raw))
    for k, f in converting:
        v = row[k]
        if v is not None:
            row[k] = f(v)
    return row


@lru_cache(maxsize=512)
def rows_function(keys: tuple[str, ...], decoded: tuple[bool, ...]
                  ) -> Callable[..., list[dict[str, Any]]]:
    """(raw rows, the decoders of the `decoded` columns in order) -> the rows as dicts, decoded.

    One straight-line function per output shape (made once, as entities.decode makes Entities' attributes):
    each row becomes one dict display, a decoded column `None if v is None else d(v)` inline, instead of
    `dict(zip(...))` and a second pass assigning the decoded values (~1 us a row less).
    The decoders are arguments, not bound in, so a shape's function serves every call whatever decoder
    objects the dialect hands out."""
    params = [f"d{i}" for i, d in enumerate(decoded) if d]
    items = []
    for i, (k, d) in enumerate(zip(keys, decoded)):
        items.append(f"{k!r}: (None if (v{i} := r[{i}]) is None else d{i}(v{i}))" if d else f"{k!r}: r[{i}]")
    src = f"def rows(raw, {', '.join(params)}):\n    return [{{{', '.join(items)}}} for r in raw]\n"
    ns: dict[str, Any] = {}
    exec(src, ns)  # the source holds only repr() of the output keys and numbered names
    fn: Callable[..., list[dict[str, Any]]] = ns["rows"]
    return fn


_SAME, _CALL, _UUID, _PG_ID = 0, 1, 2, 3
"""How a generated row encoder stores a column: as given, through its encoder, as `uuid_out` does, or as
`pg_id_out` does (a UUID as it is)."""


@lru_cache(maxsize=512)
def _encoder_source(kinds: tuple[int, ...]) -> Callable[..., Callable[[Any], list[Any]]]:
    """A maker of straight-line row encoders for one shape of column `kinds`. A UUID column is `uuid_out`
    inline: the remembered text of a UUID (`texts`, by its int), else the call; a PostgreSQL id column
    passes a UUID (or None) as it is without a call."""
    params = ["U", "texts"] + [f"f{i}" for i, k in enumerate(kinds) if k != _SAME]
    names = "".join(f"v{i}, " for i in range(len(kinds)))
    items = ", ".join(
        f"v{i}" if k == _SAME else f"f{i}(v{i})" if k == _CALL else
        f"(v{i} if v{i} is None or v{i}.__class__ is U else f{i}(v{i}))" if k == _PG_ID else
        f"(None if v{i} is None else (text(v{i}.int) or f{i}(v{i})) if v{i}.__class__ is U else f{i}(v{i}))"
        for i, k in enumerate(kinds))
    src = (f"def make({', '.join(params)}):\n    text = texts.get\n    def encode(values):\n"
           f"        {names}= values\n        return [{items}]\n    return encode\n")
    ns: dict[str, Any] = {}
    exec(src, ns)  # the source holds only numbered names
    make: Callable[..., Callable[[Any], list[Any]]] = ns["make"]
    return make


def _no_values(values: Any) -> list[Any]:
    return []


def row_encoder(encoders: Sequence[Callable[[Any], Any]], same: Callable[[Any], Any]
                ) -> Callable[[Any], list[Any]]:
    """values (in the column order of `encoders`) -> their stored forms, as `[f(v) for f, v in zip(encoders,
    values)]` does, made once per column list: one call per row instead of one per value, none for the
    columns whose encoder is `same` (stored as given: text, integers) nor for UUIDs whose text is known."""
    kinds = tuple(_SAME if f is same or f is identity else _UUID if f is uuid_out else _PG_ID if f is pg_id_out
                  else _CALL for f in encoders)
    if not kinds:
        return _no_values
    return _encoder_source(kinds)(uuid.UUID, _uuid_texts, *[f for f, k in zip(encoders, kinds) if k != _SAME])


def build_result(query: QueryExpression, cq: CompiledQuery, raw: Sequence[Sequence[Any]],
                 decs: Sequence[tuple[str, Decoder]], total: int) -> QueryResult:
    """Rows -> QueryResult, with more_records and the paging cookie. Shared by the SQL backends."""
    more = False
    if cq.page_size is not None and len(raw) > cq.page_size:
        more = True
        raw = raw[: cq.page_size]
    keys = tuple(k for k, _ in decs)
    if raw and len(raw[0]) == len(keys):  # rows made when first read; Entities and exports read the page
        dec = tuple(None if f is identity else f for _, f in decs)
        fn = rows_function(keys, tuple(f is not None for f in dec))
        page = RawPage(raw, keys, dec, fn)
        res = QueryResult(None, query.entity_name, more_records=more, page=page)
        if cq.page_size is not None and not cq.aggregate:
            ends = fn((raw[0], raw[-1]), *[f for f in dec if f is not None])
            res.paging_cookie = make_cookie(cq.page_number, cq.order_keys, ends[1], ends[0])
        return _finish(res, cq, total)
    rows = [dict(zip(keys, r)) for r in raw]
    converting = [(k, f) for k, f in decs if f is not identity]
    if converting:  # decode in place, only the columns that need it and never a null
        for row in rows:
            for k, f in converting:
                v = row[k]
                if v is not None:
                    row[k] = f(v)
    res = QueryResult(rows, query.entity_name, more_records=more)
    if cq.page_size is not None and rows and not cq.aggregate:
        res.paging_cookie = make_cookie(cq.page_number, cq.order_keys, rows[-1], rows[0])
    hidden = [o.key for o in cq.outputs if o.key.startswith("__ord")]
    if hidden:
        for r in rows:
            for k in hidden:
                r.pop(k, None)
    return _finish(res, cq, total)


def _finish(res: QueryResult, cq: CompiledQuery, total: int) -> QueryResult:
    res.columns = [(o.key, o.table, o.attribute, o.raw) for o in cq.outputs if not o.key.startswith("__")]
    if total >= 0:
        res.total_record_count = min(total, 5000)
        res.total_record_count_limit_exceeded = total > 5000
    return res
