"""PostgreSQL bulk inserts: rows given column by column written as COPY's text format, column by column.

psycopg's `Copy.write_row` looks a dumper up for every value of every row; a bulk create's columns
each hold values of one Python type, so each column is formatted with one C-level pass (`map(str, ...)`,
one `translate` of the column's joined text) and the rows are joined line by line. A column holding a
type this module does not format returns None and the caller falls back to `write_row`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import repeat
from operator import is_
from typing import Any

from leadsdk.storage.base import Same, uuid_texts

__all__ = ["copy_lines", "copy_text"]


NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NONE = type(None)


def _text(col: Sequence[str | None]) -> list[str]:
    """Text values escaped for COPY (NUL never reaches here: text columns refuse it)."""
    joined = "\x00".join(["" if v is None else v for v in col])
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        joined = joined.translate(_ESCAPES)
    parts = joined.split("\x00")
    if len(parts) != len(col):  # pragma: no cover - a NUL inside a value: let psycopg refuse it
        raise ValueError("text with NUL characters")
    return [NULL if v is None else p for v, p in zip(col, parts)]


def _iso(v: Any) -> str:
    return str(v.isoformat())


def _flag(v: bool) -> str:
    return "t" if v else "f"


def _finite(v: float) -> str:
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError("not finite")
    return repr(v)


_FORMATS: dict[type, Any] = {int: str, uuid.UUID: str, Decimal: str, bool: _flag, float: _finite, dt.date: _iso}


def copy_text(col: Sequence[Any], kept: frozenset[type] | None = None) -> Sequence[str] | None:
    """One column's values in COPY's text format, or None when the column holds a value of another
    type (bytes, a naive datetime) or one the dialect's encoder would change (a type outside `kept`,
    when given): psycopg formats those, after the encoder."""
    n = len(col)
    first = col[0] if n else None
    if n > 1 and (type(col) is Same or (col[-1] is first and all(map(is_, col, repeat(first))))):  # one object
        one = copy_text([first], kept)
        return None if one is None else (one[0],) * n
    types = set(map(type, col))
    types.discard(_NONE)
    if not types:
        return (NULL,) * n
    if len(types) > 1 or (kept is not None and not types <= kept):
        return None
    ty = types.pop()
    if ty is str:
        return _text(col)
    if ty is dt.datetime:
        if any(v is not None and v.tzinfo is None for v in col):
            return None
        f: Any = _iso
    else:
        f = _FORMATS.get(ty)
        if f is None:
            return None
    if ty is uuid.UUID and not any(map(is_, col, repeat(None))):
        return uuid_texts(col)
    try:
        if any(map(is_, col, repeat(None))):
            return [NULL if v is None else f(v) for v in col]
        return list(map(f, col))
    except ValueError:
        return None


def copy_lines(columns: Sequence[Sequence[str]], chunk: int = 10_000) -> Iterator[str]:
    """COPY text of the formatted columns, `chunk` rows per piece."""
    n = len(columns[0]) if columns else 0
    for i in range(0, n, chunk):
        rows = zip(*[c[i:i + chunk] for c in columns])
        yield "\n".join(map("\t".join, rows)) + "\n"
