"""Shared pieces of the `leadsdk` command line: the store option, fault handling, output as data.

Output as data: every returned column keeps its raw value (numbers, ISO dates, ids); a lookup adds a
`<column>_name` column and an option set a `<column>_label` column beside it, so an export carries both
what a program needs and what a person reads, and re-imports unchanged (`leadsdk.helpers.dataframe` ignores
the companion columns). Display strings (formatted values) appear only in the default table output.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO, TypeVar

import click

from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.errors import OrganizationServiceFault
from leadsdk.messages import RetrieveMultipleRowsRequest
from leadsdk.query import QueryExpression
from leadsdk.query.paging import DEFAULT_PAGE_SIZE, pages
from leadsdk.service import OrganizationService
from leadsdk.types import AliasedValue, Entity, EntityReference, Money, OptionSetValue

__all__ = [
    "FORMATS",
    "LeadsdkGroup",
    "StoreError",
    "companions_of",
    "db_option",
    "export_rows",
    "format_options",
    "iter_records",
    "open_store",
    "records",
    "write_output",
]

F = TypeVar("F", bound=Callable[..., Any])
_DB_KEY = "leadsdk.db"
FORMATS = ("table", "json", "csv", "tsv")


class StoreError(click.ClickException):
    """The store refused (a fault, printed with its Dataverse error name and code) or the work could
    not be done; exit code 1."""

    exit_code = 1


def fault_message(f: OrganizationServiceFault) -> str:
    return f"{f.message} ({f.error_name or f.hex_code}, {f.error_code})"


class LeadsdkGroup(click.Group):
    """A group whose commands turn an OrganizationServiceFault into `Error: message (NAME, code)`, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OrganizationServiceFault as f:
            raise StoreError(fault_message(f)) from None
        except (OSError, ImportError) as e:
            raise StoreError(str(e)) from None


def _set_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.find_root().meta[_DB_KEY] = value


def db_option(envvar: str | None = None) -> Callable[[F], F]:
    """`--db PATH|DSN`, accepted by the group and by every command (the last one given wins)."""
    return click.option(
        "--db", metavar="PATH|DSN", default=None, envvar=envvar, expose_value=False, callback=_set_db,
        help="The store: a SQLite file or a postgresql:// DSN (default: crm.db, or $LEADSDK_DB).")


def store_path() -> str:
    return str(click.get_current_context().find_root().meta.get(_DB_KEY) or "crm.db")


def open_store() -> OrganizationService:
    """The service over the store named by `--db`."""
    return OrganizationService.open(store_path())


def format_options(default: str = "table", allowed: Sequence[str] = FORMATS) -> Callable[[F], F]:
    """`--text/--json/--csv/--tsv` (one `fmt` parameter; `--text` is the aligned table) and `--array`."""
    helps = {"table": "Print an aligned table of display values (formatted values, names).",
             "json": "Write JSON lines (one object of raw values per record).",
             "csv": "Write CSV with a header row (raw values).",
             "tsv": "Write tab-separated values with a header row (raw values)."}

    def deco(f: F) -> F:
        @functools.wraps(f)
        def run(*args: Any, **kwargs: Any) -> Any:
            chosen = [name for name in allowed if kwargs.pop(f"as_{name}")]
            if len(chosen) > 1:
                raise click.UsageError("Choose one output format: " + ", ".join(f"--{_flag(c)}" for c in chosen))
            return f(*args, fmt=chosen[0] if chosen else default, **kwargs)

        g: Any = click.option("--array", is_flag=True, help="With --json: one JSON array instead of JSON lines.")(run)
        for name in reversed(allowed):
            g = click.option(f"--{_flag(name)}", f"as_{name}", is_flag=True,
                             help=helps[name] + (" [default]" if name == default else ""))(g)
        return g  # type: ignore[no-any-return]
    return deco


def _flag(fmt: str) -> str:
    return "text" if fmt == "table" else fmt


# values ---------------------------------------------------------------------------------
def _raw(v: Any) -> Any:
    """A value as data: numbers stay numbers, dates ISO 8601, ids strings."""
    if isinstance(v, AliasedValue):
        v = v.value
    if isinstance(v, EntityReference):
        return str(v.id)
    if isinstance(v, OptionSetValue):
        return v.value
    if isinstance(v, Money):
        v = v.value
    if isinstance(v, Decimal):
        return float(v) if v != v.to_integral_value() or str(v).find(".") >= 0 else int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, list):
        return [_raw(x) for x in v]
    return v


def _display(e: Entity, key: str) -> str:
    if key in e.formatted_values:
        return e.formatted_values[key]
    v = e.get(key)
    if isinstance(v, AliasedValue):
        v = v.value
    if isinstance(v, EntityReference):
        return v.name or str(v.id)
    if isinstance(v, (OptionSetValue, Money)):
        return str(v.value)
    return "" if v is None else str(v)


def _companion(v: Any) -> str | None:
    if isinstance(v, AliasedValue):
        v = v.value
    if isinstance(v, EntityReference):
        return "_name"
    if isinstance(v, OptionSetValue):
        return "_label"
    return None


def companions_of(svc: OrganizationService, table: str | None, columns: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Column -> its companion suffixes from the table's metadata: lookups "_name" (and "_table" when
    they may point at several tables), option sets "_label"."""
    t = svc.metadata.get(table) if table else None
    out: dict[str, tuple[str, ...]] = {}
    for c in columns:
        a = t.attributes.get(c) if t is not None else None
        if a is not None and a.type.is_lookup:
            out[c] = ("_name", "_table") if a.is_polymorphic else ("_name",)
        elif a is not None and a.type.is_choice:
            out[c] = ("_label",)
    return out


def data_columns(rows: Sequence[Entity], columns: Sequence[str],
                 companions: dict[str, tuple[str, ...]] | None = None) -> list[tuple[str, str, str]]:
    """(output name, source column, kind) for raw output: kind is "raw", "name", "table" or "label"."""
    out: list[tuple[str, str, str]] = []
    for c in columns:
        out.append((c, c, "raw"))
        if companions is not None:
            suffixes = companions.get(c, ())
        else:
            found = next((s for e in rows if (s := _companion(e.attributes.get(c)))), None)
            suffixes = (found,) if found else ()
        out.extend((c + s, c, s[1:]) for s in suffixes)
    return out


def records(rows: Sequence[Entity], columns: Sequence[str],
            companions: dict[str, tuple[str, ...]] | None = None) -> tuple[list[str], list[dict[str, Any]]]:
    """Rows as dicts of raw values plus companion name/label columns."""
    cols = data_columns(rows, columns, companions)
    out = []
    for e in rows:
        rec: dict[str, Any] = {}
        for name, src, kind in cols:
            v = e.get(src)
            if kind == "raw":
                rec[name] = _raw(v)
            elif kind in ("name", "table"):
                v = v.value if isinstance(v, AliasedValue) else v
                if not isinstance(v, EntityReference):
                    rec[name] = None
                else:
                    rec[name] = (v.name or e.formatted_values.get(src)) if kind == "name" else v.logical_name
            else:
                rec[name] = e.formatted_values.get(src) if v is not None else None
        out.append(rec)
    return [c[0] for c in cols], out


def _decimal_cell(v: Decimal) -> str:
    """`_cell(_raw(v))` of a Decimal: an integer's digits, else the float's text."""
    t = str(v)
    if "." in t:  # float(t) is float(v): both round the same exact value
        f = float(t)
        return str(int(f)) if f.is_integer() else str(f)
    if t.isdigit():  # a whole number without exponent: str(int(v))
        return t
    if v != v.to_integral_value():
        f = float(v)
        return str(int(f)) if f.is_integer() else str(f)
    return str(int(v))


def _money_cell(v: Money) -> str:
    return _decimal_cell(v.value) if v.value.__class__ is Decimal else _cell(_raw(v))


_CELLS: dict[type, Callable[[Any], str]] = {
    int: str, Decimal: _decimal_cell, uuid.UUID: str, dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat, bool: lambda v: "true" if v else "false",
    OptionSetValue: lambda v: _cell(v.value), Money: _money_cell, EntityReference: lambda v: str(v.id),
}
"""A raw value's CSV cell by its class: the same text as `_cell(_raw(v))`, without the chain of tests."""


def _value_cell(v: Any) -> str:
    """`_cell(_raw(v))`: the CSV cell of an attribute value."""
    if v is None:
        return ""
    f = _CELLS.get(v.__class__)
    return f(v) if f is not None else _cell(_raw(v))


def _page_cells(layout: Sequence[tuple[str, str, str]]
                ) -> Callable[[Sequence[Entity]], tuple[list[tuple[str, ...]], bool]]:
    """A page of Entities -> their CSV rows for a `data_columns` layout: the cells `records` + `_cell`
    give, made column by column (text values kept as they are, without a call) with a choice's label
    read once per value (it depends on the value alone); also whether any cell holds a CR."""
    labels: dict[tuple[str, Any], str] = {}

    def companion(e: Entity, v: Any, src: str, kind: str) -> str:
        if v is None:
            return ""
        if kind == "label":
            if v.__class__ is not OptionSetValue:
                return _cell(e.formatted_values.get(src))
            key = (src, v.value)
            got = labels.get(key)
            if got is None:
                got = labels[key] = _cell(e.formatted_values.get(src))
            return got
        r = v.value if isinstance(v, AliasedValue) else v
        if not isinstance(r, EntityReference):
            return ""
        return _cell((r.name or e.formatted_values.get(src)) if kind == "name" else r.logical_name)

    def page_cells(page: Sequence[Entity]) -> tuple[list[tuple[str, ...]], bool]:
        gets = [e.attributes.get for e in page]
        columns: list[list[str]] = []
        for _name, src, kind in layout:
            vals = [get(src) for get in gets]
            if kind == "raw":
                columns.append([v if v.__class__ is str else _value_cell(v) for v in vals])
            else:
                columns.append([companion(e, v, src, kind) for e, v in zip(page, vals)])
        cr = any("\r" in "".join(col) for col in columns)
        return list(zip(*columns)), cr
    return page_cells


def columns_of(rows: Sequence[Entity], columns: Sequence[str] | None) -> list[str]:
    cols = list(columns or [])
    if not cols:
        for e in rows:
            for k in e.attributes:
                if k not in cols:
                    cols.append(k)
    return cols


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class _Writer:
    """Streams records in one format, writing the header / array brackets once."""

    def __init__(self, fmt: str, array: bool, out: TextIO) -> None:
        self.fmt, self.array, self.out = fmt, array, out
        self.n = 0
        delimiter = "\t" if fmt == "tsv" else ","
        self.csv = csv.writer(out, lineterminator="\n", delimiter=delimiter)
        # lines end in \n, so the writer would not quote a lone \r; a row holding one is fully quoted
        self.quoted = csv.writer(out, lineterminator="\n", delimiter=delimiter, quoting=csv.QUOTE_ALL)

    def write(self, names: list[str], recs: Iterable[dict[str, Any]]) -> None:
        for rec in recs:
            if self.fmt == "json":
                text = json.dumps(rec, ensure_ascii=False, default=str)
                if self.array:
                    self.out.write(("[" if self.n == 0 else ",\n ") + text)
                else:
                    self.out.write(text + "\n")
            else:
                if self.n == 0:
                    self.csv.writerow(names)
                row = [_cell(rec.get(c)) for c in names]
                (self.quoted if any(isinstance(v, str) and "\r" in v for v in row) else self.csv).writerow(row)
            self.n += 1

    def write_cells(self, names: list[str], rows: Sequence[tuple[Any, ...]], cr: bool) -> None:
        """CSV / TSV rows already made of cells (`_page_cells`; None is written as an empty cell, an int as
        its digits); a row holding a CR is fully quoted."""
        if not rows:
            return
        if self.n == 0:
            self.csv.writerow(names)
        if cr:
            for row in rows:
                (self.quoted if any(c.__class__ is str and "\r" in c for c in row) else self.csv).writerow(row)
        else:
            self.csv.writerows(rows)
        self.n += len(rows)

    def close(self, names: list[str]) -> None:
        if self.fmt == "json" and self.array:
            self.out.write("]\n" if self.n else "[]\n")
        elif self.fmt in ("csv", "tsv") and self.n == 0:
            self.csv.writerow(names)


def write_table(rows: Sequence[Entity], columns: Sequence[str], headers: dict[str, str], out: TextIO) -> None:
    """An aligned table of display values, headed by display names."""
    table = [[_display(e, c) for c in columns] for e in rows]
    heads = [headers.get(c, c) for c in columns]
    widths = [min(40, max([len(h)] + [len(r[i]) for r in table])) for i, h in enumerate(heads)]
    out.write("  ".join(h[:w].ljust(w) for h, w in zip(heads, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in table:
        out.write("  ".join(v[:w].ljust(w) for v, w in zip(r, widths)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def write_output(pages: Iterable[Sequence[Entity]], columns: Sequence[str] | None, fmt: str, array: bool,
                 out: TextIO, headers: dict[str, str] | None = None,
                 companions: dict[str, tuple[str, ...]] | None = None) -> int:
    """Write pages of entities in `fmt`; returns the number of records written. The table format
    gathers all rows (to align them); the data formats stream page by page."""
    if fmt == "table":
        rows = [e for page in pages for e in page]
        write_table(rows, columns_of(rows, columns), headers or {}, out)
        return len(rows)
    w = _Writer(fmt, array, out)
    names: list[str] = []
    cols: list[str] | None = list(columns) if columns else None
    cells: Callable[[Sequence[Entity]], tuple[list[tuple[str, ...]], bool]] | None = None
    for page in pages:
        if cols is None:
            cols = columns_of(page, None)
        if fmt != "json":  # CSV / TSV: each Entity straight to its cells, with one converter per column layout
            if cells is None:
                if not page:
                    continue
                layout = data_columns(page, cols, companions)
                names = [n for n, _, _ in layout]
                cells = _page_cells(layout)
            w.write_cells(names, *cells(page))
            continue
        page_names, recs = records(page, cols, companions)
        names = names or page_names
        w.write(names, recs)
    w.close(names or [n for n, _, _ in data_columns([], cols or [], companions or {})])
    return w.n


def _int_cells(vals: Iterable[Any], memo: dict[Any, str]) -> list[str]:
    """Cells of a whole-number column (choices, counts): each distinct int's text made once."""
    out: list[str] = []
    add = out.append
    get = memo.get
    for v in vals:
        c = get(v) if v.__class__ is int else None
        if c is None:
            c = _value_cell(v)
            if v.__class__ is int:
                memo[v] = c
        add(c)
    return out


def _column_cells(a: AttributeMetadata | None) -> Callable[[Iterable[Any]], list[str]]:
    """The raw cells of a column's stored values, specialised by its type; each gives `_value_cell(v)`."""
    ty = a.type if a is not None else None
    if ty is not None and (ty.is_choice or ty in (AttributeType.INTEGER, AttributeType.BIGINT)):
        memo: dict[Any, str] = {}
        return lambda vals: _int_cells(vals, memo)
    if ty in (AttributeType.MONEY, AttributeType.DECIMAL):
        return lambda vals: ["" if v is None else _decimal_cell(v) if v.__class__ is Decimal else _value_cell(v)
                             for v in vals]
    if ty is AttributeType.BOOLEAN:
        return lambda vals: ["" if v is None else "true" if v is True else "false" if v is False
                             else _value_cell(v) for v in vals]
    if ty is not None and (ty.is_lookup or ty is AttributeType.UNIQUEIDENTIFIER):
        return lambda vals: ["" if v is None else str(v) if v.__class__ is uuid.UUID else _value_cell(v)
                             for v in vals]
    return lambda vals: [v if v.__class__ is str else _value_cell(v) for v in vals]


def _rows_cells(svc: OrganizationService, table: str, layout: Sequence[tuple[str, str, str]]
                ) -> Callable[[Callable[[str], list[Any]]], tuple[list[tuple[Any, ...]], bool]]:
    """A page of RetrieveMultipleRows (its `values`: an output key's values, row by row) -> CSV rows, the
    cells `_page_cells` makes from the Entities of the same records: a raw cell is `_value_cell` of the
    stored value (a choice's number, an amount's Decimal and a lookup's id give the same text as their
    OptionSetValue, Money and EntityReference; a column of only text, or only whole numbers, and nulls is
    handed to the writer as it is); a label is the option's label, a name the lookup's "@name", a table
    its "@type" (or only target). Also whether a cell holds a CR (only text, labels and names can)."""
    t = svc.metadata.get(table)
    spec: list[tuple[str, str, Any, bool]] = []
    for _name, src, kind in layout:
        a = t.attributes.get(src) if t is not None else None
        extra: Any = None
        if kind == "raw":
            extra = _column_cells(a)
        elif kind == "label":  # each option's cell, made once
            extra = {o.value: _cell(o.label) for o in a.option_set.options} if a is not None and a.option_set else {}
        elif kind == "table":
            extra = (src + "@type", a.targets[0] if a is not None and a.targets else "")
        text = kind != "raw" or a is None or not (a.type.is_numeric or a.type.is_choice or a.type.is_lookup or a.type
                                                 in (AttributeType.BOOLEAN, AttributeType.UNIQUEIDENTIFIER))
        spec.append((src, kind, extra, text))

    def page_cells(values: Callable[[str], list[Any]]) -> tuple[list[tuple[Any, ...]], bool]:
        columns: list[Sequence[Any]] = []
        cr = False
        for src, kind, extra, text in spec:
            vals = values(src)
            col: Sequence[Any]
            kinds = set(map(type, vals))
            if kind == "raw" and kinds <= (_TEXT_KINDS if text else _INT_KINDS):
                col = vals  # the writer writes None as "" and an int as str(v): the cells _value_cell gives
                if text and not cr:
                    cr = "\r" in "".join(filter(None, col))
                columns.append(col)
                continue
            if kind == "raw":
                col = extra(vals)
            elif kind == "label":
                col = ["" if v is None else extra.get(v, "") for v in vals]
            elif kind == "name":
                col = ["" if v is None else _cell(n) for v, n in zip(vals, values(src + "@name"))]
            else:
                type_key, default = extra
                col = ["" if v is None else _cell(t or default) for v, t in zip(vals, values(type_key))]
            if text and not cr:
                cr = "\r" in "".join(col)
            columns.append(col)
        return list(zip(*columns)), cr
    return page_cells


_TEXT_KINDS = frozenset({str, type(None)})
_INT_KINDS = frozenset({int, type(None)})
"""Columns written as they are (`_rows_cells`): text and nulls; whole numbers (not bool) and nulls."""


def export_rows(svc: OrganizationService, q: QueryExpression, columns: Sequence[str], fmt: str, out: TextIO,
                companions: dict[str, tuple[str, ...]], page_size: int = DEFAULT_PAGE_SIZE) -> int:
    """CSV / TSV of every record of `q`, page by page, read with RetrieveMultipleRows (no Entity is built;
    security, paging cookies and labels as RetrieveMultiple gives them; a page that RetrieveMultiple
    plugins shaped comes back as Entities and is written from them). Returns the records written."""
    w = _Writer(fmt, False, out)
    layout = data_columns([], columns, companions)
    names = [n for n, _, _ in layout]
    from_rows = _rows_cells(svc, q.entity_name, layout)
    from_entities = _page_cells(layout)
    for page in pages(lambda qe: svc.execute(RetrieveMultipleRowsRequest(query=qe)), q, page_size):
        if page.entity_collection is not None:
            w.write_cells(names, *from_entities(page.entity_collection.entities))
        else:
            w.write_cells(names, *from_rows(page.values))
    w.close(names)
    return w.n


def iter_records(svc: OrganizationService, q: QueryExpression, page_size: int = 1000) -> Iterator[list[Entity]]:
    """Pages of a query (`svc.iter_pages`); a query with `top_count` is one request, as Dataverse
    does not page a top query."""
    if q.top_count:
        yield list(svc.retrieve_multiple(q).entities)
        return
    for page in svc.iter_pages(q, page_size):
        yield list(page.entities)
