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
import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from leadsdk.entities.convert import storage_converter, to_storage
from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import OrganizationServiceFault
from leadsdk.helpers.lookups import LookupResolver
from leadsdk.messages import CreateMultipleRequest
from leadsdk.progress import Progress, make_progress
from leadsdk.types import Entity, EntityReference, OptionSetValue

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


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _from_text(t: EntityMetadata, a: AttributeMetadata, text: str) -> Any:
    """Text (from a CSV) -> the Python value the column takes; ValueError when it cannot be."""
    s = text.strip()
    ty = a.type
    if ty in (A.STRING, A.MEMO):
        return text or None  # a blank cell is null, as Dataverse stores an empty string
    if s == "":
        return None
    if ty in (A.INTEGER, A.BIGINT):
        try:
            return int(s.replace(",", ""))
        except ValueError:
            raise ValueError(f"'{s}' is not a whole number") from None
    if ty in (A.DECIMAL, A.MONEY):
        try:
            return Decimal(s.replace(",", "").lstrip("$"))
        except InvalidOperation:
            raise ValueError(f"'{s}' is not a number") from None
    if ty is A.DOUBLE:
        return float(s)
    if ty is A.BOOLEAN:
        low = s.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        if a.option_set is not None:
            for o in a.option_set.options:
                if o.label.lower() == low:
                    return bool(o.value)
        raise ValueError(f"'{s}' is not true or false")
    if ty is A.DATETIME:
        v = parse_date_text(s)
        return v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
    if ty is A.DATE:
        v = parse_date_text(s)
        return v.date() if isinstance(v, dt.datetime) else v
    if ty.is_choice:
        if s.lstrip("-").isdigit():
            return OptionSetValue(int(s))
        if a.option_set is not None:
            for o in a.option_set.options:
                if o.label.lower() == s.lower():
                    return OptionSetValue(o.value)
        raise ValueError(f"'{s}' is neither a value nor a label of this option set")
    if ty.is_lookup:
        table, colon, ident = s.partition(":")
        if colon and (table.strip() in a.targets or _is_uuid(ident.strip())):
            table, ident = table.strip(), ident.strip()  # another table's id faults as a create would
        elif len(a.targets) != 1:
            raise ValueError(f"write 'table:id' or 'table:name' for this lookup (one of {', '.join(a.targets)})")
        else:
            table, ident = a.targets[0], s
        try:
            return EntityReference(table, uuid.UUID(ident))
        except ValueError:  # a name: found in the store when the rows are written (helpers/lookups.py)
            return EntityReference(table, name=ident)
    if ty is A.UNIQUEIDENTIFIER:
        return uuid.UUID(s)
    raise ValueError(f"columns of type {ty.value} cannot be imported from text")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


_DISPLAY_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def parse_date_text(s: str) -> dt.datetime | dt.date:
    """ISO 8601 (`2030-01-31`, `2030-01-31T09:30:00Z`) or the organization's display format
    (`1/31/2030`, `1/31/2030 9:30 AM`, as formatted values show dates) -> a date or datetime."""
    s = s.strip()
    try:
        if len(s) == 10 and s[4] == "-":
            return dt.date.fromisoformat(s)
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DISPLAY_FORMATS:
        try:
            v = dt.datetime.strptime(s.upper(), fmt)
        except ValueError:
            continue
        return v.date() if fmt == "%m/%d/%Y" else v
    raise ValueError(f"'{s}' is not a date (write 2030-01-31, 2030-01-31T09:30:00Z or 1/31/2030 9:30 AM)")


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


_Cell = Callable[[str], Any]
"""A CSV cell's text -> the value its column takes, validated as a create validates it (ValueError or
the create's fault when it cannot be)."""


def _cell_reader(t: EntityMetadata, a: AttributeMetadata) -> _Cell:
    """`_from_text` then the create's check (`to_storage`) for one column, compiled once per import:
    text, whole-number, amount and choice columns parse inline; the others go through `_from_text`.
    The checks are `storage_converter`'s, whose slow path is `to_storage`, so values and reasons are
    the same."""
    check = storage_converter(t, a)
    if check is None:  # a polymorphic lookup (two storage columns)
        def generic(text: str) -> Any:
            v = _from_text(t, a, text)
            to_storage(t, a, v)
            return v
        return generic
    ty = a.type
    if ty in (A.STRING, A.MEMO):
        def text(cell: str) -> Any:
            if not cell:
                return None  # a blank cell is null, as Dataverse stores an empty string
            check(cell)
            return cell
        return text
    if ty in (A.INTEGER, A.BIGINT):
        def whole(cell: str) -> Any:
            s = cell.strip()
            if not s:
                return None
            try:
                v = int(s.replace(",", ""))
            except ValueError:
                raise ValueError(f"'{s}' is not a whole number") from None
            check(v)
            return v
        return whole
    if ty in (A.DECIMAL, A.MONEY):
        def number(cell: str) -> Any:
            s = cell.strip()
            if not s:
                return None
            try:
                v = Decimal(s.replace(",", "").lstrip("$"))
            except InvalidOperation:
                raise ValueError(f"'{s}' is not a number") from None
            check(v)
            return v
        return number
    if ty.is_choice and a.option_set is not None:
        by_text = {str(o.value): OptionSetValue(o.value) for o in a.option_set.options}

        def choice(cell: str) -> Any:
            v = by_text.get(cell)
            if v is None:  # a label, spaces, a sign, a value not in the set: the general path
                v = _from_text(t, a, cell)
                if v is not None:
                    check(v)
            return v
        return choice

    def other(cell: str) -> Any:
        v = _from_text(t, a, cell)
        if v is not None:
            check(v)
        return v
    return other


def _text_plan(t: EntityMetadata, header: Mapping[str, str], heads: Iterable[Any]
               ) -> list[tuple[str, str, _Cell | None]]:
    """(header, column, cell reader) for each header that names a column, in the file's order; the
    reader is None for a lookup column, which `_validate` handles (its companion columns)."""
    plan: list[tuple[str, str, _Cell | None]] = []
    for h in heads:
        col = header.get(h, h)
        a = t.attributes.get(col) if isinstance(col, str) else None
        if a is None:
            continue
        plan.append((h, col, None if a.type.is_lookup else _cell_reader(t, a)))
    return plan


def _validate_text(t: EntityMetadata, number: int, record: Mapping[str, Any], header: Mapping[str, str],
                   plan: Sequence[tuple[str, str, _Cell | None]], rejected: list[RejectedRow]) -> Entity | None:
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
    report = ImportReport(table)
    tick, close = make_progress(progress, total, f"import {table}")
    header: dict[str, str] | None = None
    plan: list[tuple[str, str, _Cell | None]] | None = None
    batch: list[tuple[int, Entity]] = []
    storage = svc.storage
    lookups = LookupResolver(svc, t)

    def write(batch: list[tuple[int, Entity]]) -> None:
        problems = lookups.resolve(batch)
        report.rejected.extend(RejectedRow(*p) for p in problems)
        bad = {number for number, _, _ in problems}
        targets = [e for number, e in batch if number not in bad]
        if targets and (skip_errors or not report.rejected):
            ids = svc.execute(CreateMultipleRequest(targets=targets)).ids
            report.ids.extend(ids)
            lookups.created(ids)

    try:
        with storage.transaction():
            for number, record in enumerate(rows, start=1):
                if header is None:
                    header, unknown = _header_map(t, record.keys())
                    report.rejected.extend(
                        RejectedRow(0, h, f"table '{t.logical_name}' has no column '{h.strip()}'") for h in unknown)
                    plan = _text_plan(t, header, record.keys()) if from_text else None
                report.rows_read += 1
                e = _validate(t, number, record, header, from_text, report.rejected) if plan is None else \
                    _validate_text(t, number, record, header, plan, report.rejected)
                if e is not None and (skip_errors or not report.rejected):
                    batch.append((number, e))
                if len(batch) >= batch_size:
                    write(batch)
                    batch = []
                tick(1)
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
        return import_rows(svc, table, csv.DictReader(path, delimiter=delimiter), from_text=True, **kwargs)
    if kwargs.get("progress") and kwargs.get("total") is None:
        with open(path, newline="", encoding=encoding) as fh:
            kwargs["total"] = max(0, sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1)
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        return import_rows(svc, table, reader, from_text=True, **kwargs)


def read_text(data: bytes, encoding: str = "utf-8-sig") -> TextIO:
    """Bytes (standard input, an upload) as a text stream for `import_csv`."""
    return io.StringIO(data.decode(encoding), newline="")

