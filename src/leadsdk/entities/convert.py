"""Between SDK values and stored values: validation on the way in, typed values on the way out.

Pure functions of metadata: every fault a bad value can cause is raised here, before anything is
written, with the Dataverse code and a sentence naming the table and column.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import repeat
from operator import attrgetter
from typing import Any

from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.types import EntityReference, Money, OptionSetValue

__all__ = [
    "column_converter",
    "column_place",
    "storage_converter",
    "to_storage",
]


A = AttributeType
_T_TEXTS, _T_WHOLES, _T_DECIMALS = (A.STRING, A.MEMO), (A.INTEGER, A.BIGINT), (A.DECIMAL, A.MONEY)
_T_BLOBS, _T_DOUBLE, _T_BOOLEAN = (A.FILE, A.IMAGE), A.DOUBLE, A.BOOLEAN
_T_DATETIME, _T_DATE, _T_UNIQUEIDENTIFIER = A.DATETIME, A.DATE, A.UNIQUEIDENTIFIER
"""`to_storage`'s members read once: on Python 3.11 `A.X` goes through EnumType.__getattr__'s slot."""


UTC = dt.timezone.utc


def column_place(t: EntityMetadata, a: AttributeMetadata) -> str:
    """How a fault names a column: its display name (which customization may rename) and its logical name."""
    col = f"'{a.display_name}' ({a.logical_name})" if a.display_name and a.display_name != a.logical_name \
        else f"'{a.logical_name}'"
    tab = f"'{t.display_name}' ({t.logical_name})" if t.display_name and t.display_name != t.logical_name \
        else f"'{t.logical_name}'"
    return f"column {col} of table {tab}"


def _bad_type(t: EntityMetadata, a: AttributeMetadata, value: Any, expected: str) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.INVALID_ARGUMENT,
        f"The value of {column_place(t, a)} must be {expected}, "
        f"not {type(value).__name__} {_short(value)}.",
    )


def _utf8(s: str) -> bool:
    """Whether the text can be stored (encoded as UTF-8): False for lone surrogates ("\\ud800")."""
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def _range(t: EntityMetadata, a: AttributeMetadata, v: Any) -> None:
    lo, hi = a.min_value, a.max_value
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise OrganizationServiceFault(
            ErrorCodes.NUMBER_OUT_OF_RANGE,
            f"The value {v} of {column_place(t, a)} is outside the "
            f"allowed range {lo} to {hi}.",
        )


def _decimal(t: EntityMetadata, a: AttributeMetadata, value: Any) -> Decimal:
    if isinstance(value, Money):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise _bad_type(t, a, value, "a number (Decimal, int or float)" if a.type is A.DECIMAL
                        else "an amount (Money, Decimal, int or float)")
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not d.is_finite():
            raise InvalidOperation
        if a.precision is not None:
            d = d.quantize(Decimal(1).scaleb(-a.precision), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise _bad_type(t, a, value, "a finite number") from None
    _range(t, a, d)
    return d


def _datetime(t: EntityMetadata, a: AttributeMetadata, value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise _bad_type(t, a, value, "a datetime or an ISO 8601 text") from None
    if isinstance(value, dt.datetime):
        v = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    elif isinstance(value, dt.date):
        v = dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        raise _bad_type(t, a, value, "a datetime")
    if not (1753 <= v.year <= 9999):
        raise OrganizationServiceFault(
            ErrorCodes.NUMBER_OUT_OF_RANGE,
            f"The date {value} of {column_place(t, a)} is outside the "
            "range Dataverse accepts (1753-01-01 to 9999-12-31).",
        )
    return v


def to_storage(t: EntityMetadata, a: AttributeMetadata, value: Any) -> list[tuple[str, Any]]:
    """Validate one column value and return the storage columns it becomes.

    None clears the column. A polymorphic lookup also writes its `{col}__type` column.
    """
    ty = a.type
    if value is None:
        out: list[tuple[str, Any]] = [(a.logical_name, None)]
        if a.is_polymorphic:
            out.append((a.type_column, None))
        return out
    if ty in _T_TEXTS:
        if not isinstance(value, str):
            raise _bad_type(t, a, value, "text")
        if value == "":
            return [(a.logical_name, None)]  # Dataverse stores an empty string as null
        if a.max_length is not None and len(value) > a.max_length:
            raise OrganizationServiceFault(
                ErrorCodes.STRING_LENGTH_TOO_LONG,
                f"The length of the '{a.logical_name}' attribute of the '{t.logical_name}' entity exceeded "
                f"the maximum allowed length of '{a.max_length}' (it has {len(value)} characters).",
            )
        if "\x00" in value:
            raise _bad_type(t, a, value, "text without NUL characters")
        if not _utf8(value):
            raise _bad_type(t, a, value, "valid Unicode text (it holds a lone surrogate, which cannot be stored)")
        return [(a.logical_name, value)]
    if ty in _T_WHOLES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad_type(t, a, value, "a whole number")
        _range(t, a, value)
        return [(a.logical_name, int(value))]
    if ty in _T_DECIMALS:
        return [(a.logical_name, _decimal(t, a, value))]
    if ty is _T_DOUBLE:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise _bad_type(t, a, value, "a number")
        f = float(value)
        if f != f or f in (float("inf"), float("-inf")):
            raise _bad_type(t, a, value, "a finite number")
        _range(t, a, f)
        return [(a.logical_name, f)]
    if ty is _T_BOOLEAN:
        if not isinstance(value, bool):
            raise _bad_type(t, a, value, "True or False")
        return [(a.logical_name, value)]
    if ty is _T_DATETIME:
        return [(a.logical_name, _datetime(t, a, value))]
    if ty is _T_DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise _bad_type(t, a, value, "a date or an ISO 8601 date text") from None
        if not isinstance(value, dt.date):
            raise _bad_type(t, a, value, "a date")
        return [(a.logical_name, value)]
    if ty.is_choice:
        if isinstance(value, OptionSetValue) or (isinstance(value, enum.Enum) and isinstance(value.value, int)):
            v = value.value
        elif isinstance(value, int) and not isinstance(value, bool):
            v = int(value)
        else:
            raise _bad_type(t, a, value, "an OptionSetValue or a whole number")
        if a.option_set is not None and a.option_set.get(v) is None:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_OPTION_SET_VALUE,
                f"{v} is not a valid value for {column_place(t, a)}; "
                f"the valid values are {', '.join(str(x) for x in a.option_set.values)}.",
            )
        return [(a.logical_name, v)]
    if ty.is_lookup:
        if not isinstance(value, EntityReference):
            raise _bad_type(t, a, value, f"an EntityReference to {' or '.join(a.targets)}")
        if value.logical_name not in a.targets:
            raise OrganizationServiceFault(
                ErrorCodes.LOOKUP_ENTITY_TYPE_NOT_ALLOWED,
                f"{column_place(t, a)[0].upper()}{column_place(t, a)[1:]} can point at "
                f"{' or '.join(a.targets)}, not at a {value.logical_name}.",
            )
        out = [(a.logical_name, value.id)]
        if a.is_polymorphic:
            out.append((a.type_column, value.logical_name))
        return out
    if ty is _T_UNIQUEIDENTIFIER:
        if isinstance(value, str):
            try:
                value = uuid.UUID(value)
            except ValueError:
                raise _bad_type(t, a, value, "a UUID") from None
        if not isinstance(value, uuid.UUID):
            raise _bad_type(t, a, value, "a UUID")
        return [(a.logical_name, value)]
    if ty in _T_BLOBS:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _bad_type(t, a, value, "bytes")
        b = bytes(value)
        if a.max_length is not None and len(b) > a.max_length:
            raise OrganizationServiceFault(
                ErrorCodes.STRING_LENGTH_TOO_LONG,
                f"The file in column '{a.logical_name}' of table '{t.logical_name}' is {len(b)} bytes; "
                f"the maximum is {a.max_length}.",
            )
        return [(a.logical_name, b)]
    raise _bad_type(t, a, value, ty.value)  # pragma: no cover - every type is handled above


def storage_converter(t: EntityMetadata, a: AttributeMetadata) -> Callable[[Any], Any] | None:
    """`to_storage` for one non-None value of a column stored in one column, as a single function
    (the write path calls it per value): the common cases are checked inline, anything else goes
    through `to_storage`, so values and faults are the same. None for polymorphic lookups (two
    storage columns): use `to_storage`."""
    if a.is_polymorphic:
        return None
    ty = a.type

    def slow(value: Any) -> Any:
        return to_storage(t, a, value)[0][1]

    if ty in (A.STRING, A.MEMO):
        ml = a.max_length

        def text(value: Any) -> Any:
            if type(value) is str and (ml is None or len(value) <= ml) and "\x00" not in value and (
                    value.isascii() or _utf8(value)):
                return value or None  # Dataverse stores an empty string as null
            return slow(value)
        return text
    if ty in (A.INTEGER, A.BIGINT):
        lo, hi = a.min_value, a.max_value

        def whole(value: Any) -> Any:
            if type(value) is int and (lo is None or value >= lo) and (hi is None or value <= hi):
                return value
            return slow(value)
        return whole
    if ty in (A.DECIMAL, A.MONEY):
        quantum = Decimal(1).scaleb(-a.precision) if a.precision is not None else None
        dlo, dhi = a.min_value, a.max_value

        def number(value: Any) -> Any:
            v = value.value if type(value) is Money else value
            if type(v) is Decimal and v.is_finite():
                try:
                    d = v.quantize(quantum, rounding=ROUND_HALF_UP) if quantum is not None else v
                except InvalidOperation:
                    return slow(value)
                if (dlo is None or d >= dlo) and (dhi is None or d <= dhi):
                    return d
            return slow(value)
        return number
    if ty is A.BOOLEAN:
        def flag(value: Any) -> Any:
            return value if value is True or value is False else slow(value)
        return flag
    if ty is A.DATETIME:
        return lambda value: None if value is None else _datetime(t, a, value)
    if ty is A.DATE:
        def date(value: Any) -> Any:
            return value if type(value) is dt.date else slow(value)
        return date
    if ty.is_choice:
        valid = frozenset(o.value for o in a.option_set.options) if a.option_set is not None else None

        def choice(value: Any) -> Any:
            tv = type(value)
            v = value.value if tv is OptionSetValue else value if tv is int else None
            if type(v) is int and (valid is None or v in valid):
                return v
            return slow(value)
        return choice
    if ty.is_lookup:
        targets = a.targets

        def lookup(value: Any) -> Any:
            if type(value) is EntityReference and value.logical_name in targets:
                return value.id
            return slow(value)
        return lookup
    if ty is A.UNIQUEIDENTIFIER:
        def ident(value: Any) -> Any:
            return value if type(value) is uuid.UUID else slow(value)
        return ident
    return slow


_STR: frozenset[type] = frozenset({str})


_INT: frozenset[type] = frozenset({int})


_BOOL: frozenset[type] = frozenset({bool})


_DATE: frozenset[type] = frozenset({dt.date})


_OPTION: frozenset[type] = frozenset({OptionSetValue})


_MONEY: frozenset[type] = frozenset({Money})


_DECIMAL: frozenset[type] = frozenset({Decimal})


_option_value = attrgetter("value")
"""The `value` of an OptionSetValue or a Money."""


def column_converter(t: EntityMetadata, a: AttributeMetadata) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """`storage_converter` over a whole column of values (a bulk create's rows, column by column).

    The common all-valid cases (every text a short enough str, every choice a valid option ...) are
    checked with builtins that loop in C; any other column goes value by value through
    `storage_converter`, so results and faults are the same. None where `storage_converter` is None."""
    one = storage_converter(t, a)
    if one is None:
        return None
    ty = a.type

    def each(col: Sequence[Any]) -> Sequence[Any]:
        return list(map(one, col))

    if ty in (A.STRING, A.MEMO):
        ml = a.max_length

        def texts(col: Sequence[Any]) -> Sequence[Any]:
            if set(map(type, col)) == _STR and (ml is None or max(map(len, col)) <= ml):
                joined = "".join(col)
                if "\x00" not in joined and _utf8(joined):
                    return col if all(col) else [v or None for v in col]  # an empty text is stored as null
            return each(col)
        return texts
    if ty in (A.INTEGER, A.BIGINT):
        lo, hi = a.min_value, a.max_value

        def wholes(col: Sequence[Any]) -> Sequence[Any]:
            if set(map(type, col)) == _INT and (lo is None or min(col) >= lo) and (hi is None or max(col) <= hi):
                return col
            return each(col)
        return wholes
    if ty in (A.DECIMAL, A.MONEY):
        quantum = Decimal(1).scaleb(-a.precision) if a.precision is not None else None
        dlo, dhi = a.min_value, a.max_value

        def numbers(col: Sequence[Any]) -> Sequence[Any]:
            kinds = set(map(type, col))
            values: Sequence[Any] = list(map(_option_value, col)) if kinds == _MONEY else col  # Money.value
            if kinds in (_MONEY, _DECIMAL) and set(map(type, values)) == _DECIMAL and all(
                    map(Decimal.is_finite, values)):
                try:
                    out = (list(map(Decimal.quantize, values, repeat(quantum), repeat(ROUND_HALF_UP)))
                           if quantum is not None else values)
                except InvalidOperation:
                    return each(col)
                if (dlo is None or min(out) >= dlo) and (dhi is None or max(out) <= dhi):
                    return out
            return each(col)
        return numbers
    if ty is A.BOOLEAN:
        def flags(col: Sequence[Any]) -> Sequence[Any]:
            return col if set(map(type, col)) == _BOOL else each(col)
        return flags
    if ty is A.DATE:
        def dates(col: Sequence[Any]) -> Sequence[Any]:
            return col if set(map(type, col)) == _DATE else each(col)
        return dates
    if ty.is_choice:
        valid = frozenset(o.value for o in a.option_set.options) if a.option_set is not None else None

        def choices(col: Sequence[Any]) -> Sequence[Any]:
            kinds = set(map(type, col))
            values: Sequence[Any] = list(map(_option_value, col)) if kinds == _OPTION else col
            if kinds in (_OPTION, _INT) and set(map(type, values)) == _INT and (
                    valid is None or valid.issuperset(values)):
                return values
            return each(col)
        return choices
    return each


ROW_VERSION_KEY = "__rowversion"
"""Row key of a record's versionnumber selected for Entity.row_version when the query did not ask for it."""


Convert = Callable[[Any, Mapping[str, Any]], Any]


PLAIN: Convert | None = None
"""A column whose stored value is returned as it is."""


Format = Callable[[Any], "str | None"]


NO_KEYS: dict[str, Any] = {}
"""The (never mutated) key_attributes of references read from the store: they carry ids."""
