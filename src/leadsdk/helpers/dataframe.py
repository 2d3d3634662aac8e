"""Importing tables of records: a pandas DataFrame or a CSV file into a table, through CreateMultiple.

Every row is validated against the metadata first (text from a CSV is converted by column type,
option sets accept their value or label, lookups an id or a name (`table:id`, `table:name` when the
column may point at several tables), dates ISO 8601 or the
organization's display format `M/D/YYYY [h:mm AM]`, a blank cell is null). A report lists each rejected
row with its row number, column and reason; an unknown header is reported once, as row 0. By default
nothing is half-imported: when any row is rejected, no row is written. With `skip_errors=True` the
valid rows are written and the rejected ones only reported. The companion columns an export writes
(`<lookup>_name`, `<choice>_label`) are ignored beside their column (`<lookup>_table` names the
table of a lookup that may point at several), so an export re-imports unchanged; into another store
too, where `<lookup>_name` finds the records its ids do not (`leadsdk.helpers.lookups`).
CSV files are streamed in batches, so memory stays flat however large the file.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice, repeat
from operator import is_
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from leadsdk.entities.convert import to_storage
from leadsdk.entities.decode import new_entities
from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.errors import OrganizationServiceFault
from leadsdk.helpers.lookups import LookupResolver
from leadsdk.helpers.textcells import Cell, Column, cell_reader, column_reader, parse_date_text
from leadsdk.helpers.textcells import from_text as _from_text
from leadsdk.messages import CreateMultipleRequest
from leadsdk.progress import Progress, make_progress, paused_gc
from leadsdk.records.columns import ColumnTargets
from leadsdk.types import Entity, EntityReference

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["ImportReport", "RejectedRow", "import_csv", "import_dataframe", "import_rows", "parse_date_text",
           "read_text"]

A = AttributeType


@attrs.frozen
class RejectedRow:
    """A row that was not imported: its 1-based number (the header of a CSV is row 0), column, reason."""

    row: int
    column: str | None
    reason: str


@attrs.define
class ImportReport:
    """What an import did: how many rows were read and created, and the rejected rows."""

    table: str
    rows_read: int = 0
    created: int = 0
    rejected: list[RejectedRow] = attrs.field(factory=list)
    ids: list[uuid.UUID] = attrs.field(factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def _repr_html_(self) -> str:
        import html

        head = (f"<b>Import into {html.escape(self.table)}</b>: {self.rows_read} rows read, "
                f"{self.created} created, {len(self.rejected)} rejected")
        rows = "".join(
            f"<tr><td>{r.row}</td><td>{html.escape(r.column or '')}</td><td>{html.escape(r.reason)}</td></tr>"
            for r in self.rejected[:50])
        table = f"<table><tr><th>row</th><th>column</th><th>reason</th></tr>{rows}</table>" if rows else ""
        return f"<div>{head}{table}</div>"


_Chunk = list[tuple[int, Entity]] | ColumnTargets
"""A chunk's valid records: (row number, Entity) pairs, or the whole chunk column by column."""

_IGNORED = ""
"""Header-map target of a companion column (`<lookup>_name`, `<choice>_label` beside its column)."""


def _header_map(t: EntityMetadata, headers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """CSV header -> column (logical names, or display names, case-insensitive), and the unknown headers.

    `<lookup>_name` and `<choice>_label` (what an export writes beside the raw value) are ignored when
    their column is there too; a lone `<choice>_label` fills its column from the label."""
    by_display = {a.display_name.lower(): a.logical_name for a in t.attributes.values()}
    heads = [h for h in headers if isinstance(h, str)]  # csv gives None for cells beyond the header
    out: dict[str, str] = {}
    for h in heads:
        key = h.strip()
        if key in t.attributes:
            out[h] = key
        elif key.lower() in t.attributes:
            out[h] = key.lower()
        elif key.lower() in by_display:
            out[h] = by_display[key.lower()]
    present = set(out.values())
    unknown: list[str] = []
    for h in heads:
        if h in out:
            continue
        base, _, suffix = h.strip().rpartition("_")
        a = t.attributes.get(base)
        if a is not None and suffix in ("name", "table") and a.type.is_lookup and base in present:
            out[h] = _IGNORED
        elif a is not None and suffix == "label" and (a.type.is_choice or a.type is A.BOOLEAN):
            out[h] = _IGNORED if base in present else base
        else:
            out[h] = _IGNORED
            unknown.append(h)
    return out, unknown


def _validate(t: EntityMetadata, number: int, record: Mapping[str, Any], header: Mapping[str, str],
              from_text: bool, rejected: list[RejectedRow]) -> Entity | None:
    e = Entity(t.logical_name)
    bad = False
    for h, raw in record.items():
        col = header.get(h, h)
        a = t.attributes.get(col)
        if a is None:
            continue  # unknown headers are reported once, as row 0; companion columns are ignored
        if a.is_polymorphic and isinstance(raw, str) and raw.strip() and ":" not in raw:
            target = record.get(f"{h}_table")
            if isinstance(target, str) and target.strip():
                raw = f"{target.strip()}:{raw}"  # an export's <lookup>_table column says which table
        try:
            value = _from_text(t, a, raw) if from_text and isinstance(raw, str) else _clean(raw)
            if isinstance(value, float) and a.type in (A.INTEGER, A.BIGINT) and value.is_integer():
                value = int(value)  # pandas turns whole numbers with gaps into floats
            if isinstance(value, float) and a.type in (A.DECIMAL, A.MONEY):
                value = Decimal(repr(value))
            to_storage(t, a, value)  # raises the fault a create would
        except OrganizationServiceFault as f:
            rejected.append(RejectedRow(number, col, f.message))
            bad = True
            continue
        except (ValueError, TypeError) as ex:
            rejected.append(RejectedRow(number, col, str(ex) or f"'{raw}' is not valid for {col}"))
            bad = True
            continue
        if isinstance(value, EntityReference) and value.name is None:
            name = record.get(f"{h}_name")  # an export's name beside the id: finds the record in another store
            if isinstance(name, str) and name.strip():
                value = EntityReference(value.logical_name, value.id, name=name.strip())
        if value is not None:
            e[col] = value
    return None if bad else e


def _text_plan(t: EntityMetadata, header: Mapping[str, str], heads: Iterable[Any]
               ) -> list[tuple[str, str, Cell | None]]:
    """(header, column, cell reader) for each header that names a column, in the file's order; the
    reader is None for a lookup column, which `_validate` handles (its companion columns)."""
    plan: list[tuple[str, str, Cell | None]] = []
    for h in heads:
        col = header.get(h, h)
        a = t.attributes.get(col) if isinstance(col, str) else None
        if a is None:
            continue
        plan.append((h, col, None if a.type.is_lookup else cell_reader(t, a)))
    return plan


def _validate_text(t: EntityMetadata, number: int, record: Mapping[str, Any], header: Mapping[str, str],
                   plan: Sequence[tuple[str, str, Cell | None]], rejected: list[RejectedRow]) -> Entity | None:
    """`_validate` of a CSV row (cells of text) through the import's compiled cell readers."""
    values: dict[str, Any] = {}
    bad = False
    for h, col, read in plan:
        raw = record.get(h)
        if read is None or not isinstance(raw, str):
            one = _validate(t, number, {h: raw, **({f"{h}_table": record[f"{h}_table"]}
                                                   if f"{h}_table" in record else {}),
                                        **({f"{h}_name": record[f"{h}_name"]} if f"{h}_name" in record else {})},
                            header, True, rejected)
            if one is None:
                bad = True
            elif col in one.attributes:
                values[col] = one.attributes[col]
            continue
        try:
            v = read(raw)
        except OrganizationServiceFault as f:
            rejected.append(RejectedRow(number, col, f.message))
            bad = True
            continue
        except (ValueError, TypeError) as ex:
            rejected.append(RejectedRow(number, col, str(ex) or f"'{raw}' is not valid for {col}"))
            bad = True
            continue
        if v is not None:
            values[col] = v
    return None if bad else Entity(t.logical_name, attributes=values)


def _clean(v: Any) -> Any:
    """pandas' missing values (NaN, NaT, pd.NA) -> None; numpy scalars -> Python values."""
    if v is None:
        return None
    try:
        if v != v:  # NaN / NaT
            return None
    except (TypeError, ValueError):
        pass
    mod = type(v).__module__
    if mod.startswith("numpy") and hasattr(v, "item"):
        return v.item()
    if mod.startswith("pandas"):
        if type(v).__name__ == "NAType":
            return None
        if hasattr(v, "to_pydatetime"):
            return v.to_pydatetime()
    return v


def import_rows(
    svc: OrganizationService,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    from_text: bool = False,
    batch_size: int = 1000,
    progress: Progress = None,
    total: int | None = None,
    skip_errors: bool = False,
) -> ImportReport:
    """Validate and create records from an iterable of column -> value mappings.

    All or nothing by default; with `skip_errors` the valid rows are created and the others reported.
    Lookups are found in this store by id, else by name or alternate key (`leadsdk.helpers.lookups`)."""
    t = svc.metadata.table(table)

    def chunks(report: ImportReport) -> Iterator[tuple[int, list[tuple[int, Entity]]]]:
        header: dict[str, str] | None = None
        plan: list[tuple[str, str, Cell | None]] | None = None
        for number, record in enumerate(rows, start=1):
            if header is None:
                header = _start(t, report, record.keys())
                plan = _text_plan(t, header, record.keys()) if from_text else None
            e = _validate(t, number, record, header, from_text, report.rejected) if plan is None else \
                _validate_text(t, number, record, header, plan, report.rejected)
            yield 1, ([] if e is None else [(number, e)])

    return _import(svc, t, chunks, batch_size, progress, total, skip_errors)


def _start(t: EntityMetadata, report: ImportReport, heads: Iterable[Any]) -> dict[str, str]:
    """The header map; unknown headers reported once, as row 0."""
    header, unknown = _header_map(t, heads)
    report.rejected.extend(RejectedRow(0, h, f"table '{t.logical_name}' has no column '{h.strip()}'") for h in unknown)
    return header


def _import(svc: OrganizationService, t: EntityMetadata,
            chunks: Callable[[ImportReport], Iterator[tuple[int, _Chunk]]], batch_size: int,
            progress: Progress, total: int | None, skip_errors: bool) -> ImportReport:
    """Create the validated records `chunks` yields ((rows read, [(row number, record)]) at a time),
    `batch_size` per CreateMultiple, in one transaction undone when a row was rejected (unless
    `skip_errors`). The cyclic collector is paused meanwhile: the rows become Entities and ids (no
    cycles) while the ids made so far stay alive, so it would rescan an ever larger heap (a fifth of
    a large import's CPU time)."""
    report = ImportReport(t.logical_name)
    tick, close = make_progress(progress, total, f"import {t.logical_name}")
    batch: list[tuple[int, Entity]] = []
    held: ColumnTargets | None = None  # a chunk shorter than a batch, all of it valid: sent as it is if last
    lookups = LookupResolver(svc, t)

    def write(batch: list[tuple[int, Entity]]) -> None:
        problems = lookups.resolve(batch)
        report.rejected.extend(RejectedRow(*p) for p in problems)
        bad = {number for number, _, _ in problems}
        targets = [e for number, e in batch if number not in bad]
        if targets and (skip_errors or not report.rejected):
            created(targets)

    def created(targets: list[Entity] | ColumnTargets) -> None:
        ids = svc.execute(CreateMultipleRequest(targets=targets)).ids
        report.ids.extend(ids)
        lookups.created(ids)

    try:
        with paused_gc(), svc.storage.transaction():
            for read, valid in chunks(report):
                if held is not None:  # more rows follow: it joins the batch as records
                    batch.extend(_numbered(held, report.rows_read - len(held) + 1))
                    held = None
                report.rows_read += read
                if skip_errors or not report.rejected:
                    if not isinstance(valid, ColumnTargets):
                        batch.extend(valid)
                    elif batch or len(valid) > batch_size:
                        batch.extend(_numbered(valid, report.rows_read - read + 1))
                    elif len(valid) == batch_size:
                        created(valid)  # a whole batch, valid, without lookups: no Entity per row
                    else:
                        held = valid
                while len(batch) >= batch_size:
                    write(batch[:batch_size])
                    del batch[:batch_size]
                tick(read)
            if held is not None and (skip_errors or not report.rejected):
                created(held)
            if batch and (skip_errors or not report.rejected):
                write(batch)
            if report.rejected and not skip_errors:
                raise _Rollback
    except _Rollback:
        report.ids = []
    finally:
        close()
    report.created = len(report.ids)
    return report


def _numbered(block: ColumnTargets, first: int) -> list[tuple[int, Entity]]:
    """A chunk's records as (row number, Entity) pairs."""
    return list(zip(range(first, first + len(block)), block.entities))


_Planned = tuple[str, str, int, Cell | None, Column | None]
"""(header, column, cell position, cell reader (None: a lookup), column reader)."""


def _csv_plan(t: EntityMetadata, header: Mapping[str, str], heads: Sequence[str]) -> list[_Planned]:
    pos = {h: i for i, h in enumerate(heads)}  # a repeated header: its last cell, as csv.DictReader keeps
    out: list[_Planned] = []
    for h, _, read in _text_plan(t, header, pos):
        a = t.attributes[header.get(h, h)]
        out.append((h, a.logical_name, pos[h], read, None if read is None else column_reader(t, a)))
    return out


def _csv_chunks(t: EntityMetadata, reader: Iterator[list[str]], size: int
                ) -> Callable[[ImportReport], Iterator[tuple[int, _Chunk]]]:
    """The rows of a CSV reader (the first is the header), validated `size` rows at a time column by
    column: `column_reader` where a column's cells are all plain, else cell by cell. The same values,
    reasons and order of reasons as `_validate_text` row by row; blank lines are skipped (csv.DictReader's
    rules, with a short row's missing cells null)."""
    def chunks(report: ImportReport) -> Iterator[tuple[int, _Chunk]]:
        heads = next(reader, None)
        if heads is None:
            return
        header = _start(t, report, heads)
        plan = _csv_plan(t, header, heads)
        pos = {h: i for i, h in enumerate(heads)}
        width = len(heads)
        number = 0
        cells = filter(None, reader)  # blank lines skipped, `size` rows taken at a time at C level
        while rows := list(islice(cells, size)):
            yield len(rows), _csv_chunk(t, number, rows, width, header, plan, pos, report.rejected)
            number += len(rows)
    return chunks


def _csv_chunk(t: EntityMetadata, before: int, rows: list[list[Any]], width: int, header: Mapping[str, str],
               plan: Sequence[_Planned], pos: Mapping[str, int], rejected: list[RejectedRow]
               ) -> list[tuple[int, Entity]] | ColumnTargets:
    """A chunk's valid records: as columns when every row is valid and has every column and none is a
    lookup (`ColumnTargets`), else as (row number, Entity) pairs."""
    short = min(map(len, rows)) < width
    if short:
        rows = [r + [None] * (width - len(r)) if len(r) < width else r for r in rows]
    by_position = list(zip(*rows))  # the chunk's cells column by column (C-level)
    bad: dict[int, list[RejectedRow]] = {}
    names: list[str] = []
    columns: list[Sequence[Any]] = []
    stored: list[Sequence[Any] | None] = []  # a column's values as a create stores them, where known
    for h, col, i, read, fast in plan:
        cells = by_position[i]
        got = fast(cells) if fast is not None and not short else None
        vals: Sequence[Any]
        if got is not None:
            vals, as_stored = got
            stored.append(as_stored)
        else:
            stored.append(None)
            vals = made = []
            for k, cell in enumerate(cells):
                problems: list[RejectedRow] = []
                if read is None or cell is None:  # a lookup (and its companion columns), a missing cell
                    mini = {x: rows[k][pos[x]] for x in (h, f"{h}_table", f"{h}_name") if x in pos}
                    e = _validate(t, before + k + 1, mini, header, True, problems)
                    made.append(None if e is None else e.attributes.get(col))
                else:
                    made.append(_read_cell(read, cell, before + k + 1, col, problems))
                if problems:
                    bad.setdefault(k, []).extend(problems)
        names.append(col)
        columns.append(vals)
    out: list[tuple[int, Entity]] = []
    name = t.logical_name
    if not columns:  # no header names a column: each row is an empty record, as row by row
        return [(before + k + 1, Entity(name)) for k in range(len(rows)) if k not in bad]
    dense = not any(any(map(is_, c, repeat(None))) for c in columns)  # no blank cell: every row has every column
    # (`None in c` would call each value's __eq__: Python code for choices)
    if dense and not bad:
        if all(p[3] is not None for p in plan):  # no lookup: the batch goes to CreateMultiple as columns
            return ColumnTargets(name, dict(zip(names, columns)), len(rows), dict(zip(names, stored)))
        records = map(dict, map(zip, repeat(names), zip(*columns)))
        return list(zip(range(before + 1, before + len(rows) + 1), new_entities(name, records)))
    for k, row in enumerate(zip(*columns)):
        if k in bad:
            rejected.extend(bad[k])
            continue
        values = dict(zip(names, row)) if dense else {c: v for c, v in zip(names, row) if v is not None}
        out.append((before + k + 1, Entity(name, attributes=values)))
    return out


def _read_cell(read: Cell, cell: str, number: int, col: str, problems: list[RejectedRow]) -> Any:
    try:
        return read(cell)
    except OrganizationServiceFault as f:
        problems.append(RejectedRow(number, col, f.message))
    except (ValueError, TypeError) as ex:
        problems.append(RejectedRow(number, col, str(ex) or f"'{cell}' is not valid for {col}"))
    return None


class _Rollback(Exception):
    """Undo everything written when any row was rejected."""


def import_dataframe(svc: OrganizationService, table: str, df: Any, **kwargs: Any) -> ImportReport:
    """Import a pandas DataFrame (columns: logical or display names) into `table`."""
    def records() -> Iterator[dict[str, Any]]:
        cols = [str(c) for c in df.columns]
        for values in df.itertuples(index=False, name=None):
            yield dict(zip(cols, values))

    return import_rows(svc, table, records(), total=len(df), **kwargs)


def import_csv(svc: OrganizationService, table: str, path: str | Path | TextIO, *, encoding: str = "utf-8-sig",
               delimiter: str = ",", **kwargs: Any) -> ImportReport:
    """Import a CSV file or open text stream (a header row of logical or display names) into `table`,
    streaming it. With a progress setting and a file path, the rows are counted first for the total."""
    if not isinstance(path, (str, Path)):
        return _import_csv(svc, table, path, delimiter, **kwargs)
    if kwargs.get("progress") and kwargs.get("total") is None:
        with open(path, newline="", encoding=encoding) as fh:
            kwargs["total"] = max(0, sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1)
    with open(path, newline="", encoding=encoding) as fh:
        return _import_csv(svc, table, fh, delimiter, **kwargs)


def _import_csv(svc: OrganizationService, table: str, fh: TextIO, delimiter: str, *, batch_size: int = 1000,
                progress: Progress = None, total: int | None = None, skip_errors: bool = False) -> ImportReport:
    t = svc.metadata.table(table)
    chunks = _csv_chunks(t, csv.reader(fh, delimiter=delimiter), max(1, min(batch_size, 2000)))
    return _import(svc, t, chunks, batch_size, progress, total, skip_errors)


def read_text(data: bytes, encoding: str = "utf-8-sig") -> TextIO:
    """Bytes (standard input, an upload) as a text stream for `import_csv`."""
    return io.StringIO(data.decode(encoding), newline="")

