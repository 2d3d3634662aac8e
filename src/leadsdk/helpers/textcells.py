"""Text cells of an imported CSV -> column values (helpers layer, used by `helpers.dataframe`).

A cell is converted by its column's type (option sets take their value or label, lookups an id or a
name, dates ISO 8601 or the organization's display format, a blank cell is null) and checked as a
create checks it. `cell_reader` does one cell; `column_reader` does a batch's column at once, with
C-level passes where every cell is plain (the common case of a large file), and says when a column
needs the cell-by-cell path (which names the faulty cell).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from leadsdk.entities.convert import column_converter, storage_converter, to_storage
from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import OrganizationServiceFault
from leadsdk.types import EntityReference, OptionSetValue

__all__ = ["Cell", "Column", "cell_reader", "column_reader", "from_text", "parse_date_text"]

A = AttributeType


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def from_text(t: EntityMetadata, a: AttributeMetadata, text: str) -> Any:
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



Cell = Callable[[str], Any]
"""A CSV cell's text -> the value its column takes, validated as a create validates it (ValueError or
the create's fault when it cannot be)."""


def cell_reader(t: EntityMetadata, a: AttributeMetadata) -> Cell:
    """`from_text` then the create's check (`to_storage`) for one column, compiled once per import:
    text, whole-number, amount and choice columns parse inline; the others go through `from_text`.
    The checks are `storage_converter`'s, whose slow path is `to_storage`, so values and reasons are
    the same."""
    check = storage_converter(t, a)
    if check is None:  # a polymorphic lookup (two storage columns)
        def generic(text: str) -> Any:
            v = from_text(t, a, text)
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
                v = from_text(t, a, cell)
                if v is not None:
                    check(v)
            return v
        return choice

    def other(cell: str) -> Any:
        v = from_text(t, a, cell)
        if v is not None:
            check(v)
        return v
    return other



Column = Callable[[Sequence[str]], "tuple[list[Any], Sequence[Any]] | None"]
"""A batch's cells of one column -> their values and those values as a create stores them (what
`column_converter` returns for them), or None when some cell needs `cell_reader`'s path (a blank, a
label, a value out of range, text that is not plain): that path converts the column then."""


def column_reader(t: EntityMetadata, a: AttributeMetadata) -> Column | None:
    """The column form of `cell_reader` for text, whole-number, amount and choice columns (None for
    other types). Values equal what `cell_reader` returns for each cell; the stored form is what the
    create's check (`column_converter`) makes of them, found by that check or equal to it by construction."""
    check = storage_converter(t, a)
    if check is None:
        return None
    ty = a.type
    if ty in (A.STRING, A.MEMO):
        ml = a.max_length

        def texts(cells: Sequence[str]) -> tuple[list[Any], Sequence[Any]] | None:
            if not cells:
                return [], []
            joined = "".join(cells)
            if "\x00" in joined or not joined.isascii() or (ml is not None and max(map(len, cells)) > ml):
                return None
            vals = list(cells) if all(cells) else [c or None for c in cells]
            return vals, vals  # short ASCII text without NUL: stored as it is, '' as null
        return texts
    if ty in (A.INTEGER, A.BIGINT):
        lo, hi = a.min_value, a.max_value

        def wholes(cells: Sequence[str]) -> tuple[list[Any], Sequence[Any]] | None:
            try:
                vals = list(map(int, cells))  # int() strips spaces as `from_text` does; "", "1,000" go cell by cell
            except ValueError:
                return None
            if (lo is not None and min(vals) < lo) or (hi is not None and max(vals) > hi):
                return None
            return vals, vals
        return wholes
    if ty in (A.DECIMAL, A.MONEY):
        checks = column_converter(t, a)

        def numbers(cells: Sequence[str]) -> tuple[list[Any], Sequence[Any]] | None:
            try:
                vals = list(map(Decimal, cells))  # spaces stripped as `from_text` strips them; "$", "," cell by cell
                # precision, range and finiteness as a create checks them (C-level passes): the stored form
                stored = vals if checks is None else checks(vals)
            except (ArithmeticError, ValueError, OrganizationServiceFault):
                return None
            return vals, stored
        return numbers
    if ty is A.BOOLEAN:
        flags = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}

        def bools(cells: Sequence[str]) -> tuple[list[Any], Sequence[Any]] | None:
            vals = list(map(flags.get, cells))  # exact lower-case words; "Yes", labels, blanks cell by cell
            return None if None in vals else (vals, vals)
        return bools
    if ty.is_choice and a.option_set is not None:
        by_text = {str(o.value): OptionSetValue(o.value) for o in a.option_set.options}
        numbers_of = {k: v.value for k, v in by_text.items()}

        def choices(cells: Sequence[str]) -> tuple[list[Any], Sequence[Any]] | None:
            if not by_text.keys() >= set(cells):
                return None
            return list(map(by_text.__getitem__, cells)), list(map(numbers_of.__getitem__, cells))
        return choices
    return None
