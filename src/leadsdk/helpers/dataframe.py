"""Importing tables of records: a pandas DataFrame or a CSV file into a table, through CreateMultiple.

Every row is validated against the metadata first (text from a CSV is converted by column type,
option sets accept their value or label, lookups `table:id` or an id). A report lists each rejected
row with its row number, column and reason. Nothing is half-imported: when any row is rejected, no
row is written. CSV files are streamed in batches, so memory stays flat however large the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from leadsdk.entities.convert import to_storage
from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import OrganizationServiceFault
from leadsdk.progress import Progress, make_progress
from leadsdk.types import Entity, EntityReference, OptionSetValue

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["ImportReport", "RejectedRow", "import_csv", "import_dataframe", "import_rows"]

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
        return text
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
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    if ty is A.DATE:
        return dt.date.fromisoformat(s[:10])
    if ty.is_choice:
        if s.lstrip("-").isdigit():
            return OptionSetValue(int(s))
        if a.option_set is not None:
            for o in a.option_set.options:
                if o.label.lower() == s.lower():
                    return OptionSetValue(o.value)
        raise ValueError(f"'{s}' is neither a value nor a label of this option set")
    if ty.is_lookup:
        if ":" in s:
            table, _, ident = s.partition(":")
            return EntityReference(table.strip(), uuid.UUID(ident.strip()))
        if len(a.targets) != 1:
            raise ValueError(f"write 'table:id' for this lookup (one of {', '.join(a.targets)})")
        return EntityReference(a.targets[0], uuid.UUID(s))
    if ty is A.UNIQUEIDENTIFIER:
        return uuid.UUID(s)
    raise ValueError(f"columns of type {ty.value} cannot be imported from text")


def _header_map(t: EntityMetadata, headers: Iterable[str]) -> dict[str, str]:
    """CSV header -> column: logical names, or display names (case-insensitive)."""
    by_display = {a.display_name.lower(): a.logical_name for a in t.attributes.values()}
    out = {}
    for h in headers:
        key = h.strip()
        if key in t.attributes:
            out[h] = key
        elif key.lower() in t.attributes:
            out[h] = key.lower()
        elif key.lower() in by_display:
            out[h] = by_display[key.lower()]
        else:
            out[h] = key  # unknown: rejected per row with a clear reason
    return out


def _validate(t: EntityMetadata, number: int, record: Mapping[str, Any], header: Mapping[str, str],
              from_text: bool, rejected: list[RejectedRow]) -> Entity | None:
    e = Entity(t.logical_name)
    bad = False
    for h, raw in record.items():
        col = header.get(h, h)
        a = t.attributes.get(col)
        if a is None:
            rejected.append(RejectedRow(number, col, f"table '{t.logical_name}' has no column '{col}'"))
            bad = True
            continue
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
        if value is not None:
            e[col] = value
    return None if bad else e


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
) -> ImportReport:
    """Validate and create records from an iterable of column -> value mappings, all or nothing."""
    from leadsdk.messages import CreateMultipleRequest

    t = svc.metadata.table(table)
    report = ImportReport(table)
    tick, close = make_progress(progress, total, f"import {table}")
    header: dict[str, str] | None = None
    batch: list[Entity] = []
    storage = svc.storage
    try:
        with storage.transaction():
            for number, record in enumerate(rows, start=1):
                if header is None:
                    header = _header_map(t, record.keys())
                report.rows_read += 1
                e = _validate(t, number, record, header, from_text, report.rejected)
                if e is not None and not report.rejected:
                    batch.append(e)
                if len(batch) >= batch_size:
                    report.ids.extend(svc.execute(CreateMultipleRequest(targets=batch)).ids)
                    batch = []
                tick(1)
            if batch and not report.rejected:
                report.ids.extend(svc.execute(CreateMultipleRequest(targets=batch)).ids)
            if report.rejected:
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


def import_csv(svc: OrganizationService, table: str, path: str | Path, *, encoding: str = "utf-8-sig",
               delimiter: str = ",", **kwargs: Any) -> ImportReport:
    """Import a CSV file (a header row of logical or display names) into `table`, streaming it."""
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        return import_rows(svc, table, reader, from_text=True, **kwargs)

