"""Value types of the Dataverse SDK: Entity, EntityReference, OptionSetValue, Money, ...

These mirror Microsoft.Xrm.Sdk's classes. They hold data only; nothing here does I/O.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from decimal import Decimal
from typing import Any, Literal

import attrs

from leadsdk._display import ValueKinds, collection_html, entity_html, to_arrow, to_pandas
from leadsdk.errors import ErrorCodes, InvalidArgumentFault, OrganizationServiceFault

__all__ = [
    "AliasedValue",
    "ColumnSet",
    "Entity",
    "EntityCollection",
    "EntityReference",
    "Money",
    "OptionSetValue",
    "Relationship",
    "to_uuid",
]


def to_uuid(value: uuid.UUID | str) -> uuid.UUID:
    """Accept a UUID or a string holding one; raise `InvalidArgumentFault` (a ValueError) otherwise."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise InvalidArgumentFault(f"{value!r} is not a record id: an id is a GUID, a uuid.UUID or its text such as "
                               "'8d1c8b0e-6a4b-4f4e-9a53-2f1d0c7e5b11'.")


EMPTY_ID = uuid.UUID(int=0)
"""Guid.Empty: the id of a reference that addresses its record by alternate key."""


def _optional_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    return None if value is None else to_uuid(value)


def _key_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of alternate-key values. (A Python function, not `dict` itself: attrs reads a converter's
    signature, and reading a builtin's compiles the tokenizer's patterns at import.)"""
    return dict(values)


@attrs.define(frozen=True, eq=False, repr=False)
class EntityReference:
    """A pointer to a record: its table's logical name and its id; `name` is informative only."""

    logical_name: str
    id: uuid.UUID = attrs.field(converter=to_uuid, default=EMPTY_ID)
    name: str | None = None
    key_attributes: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=_key_values)
    """Alternate-key values (`{"emailaddress1": "a@b.example"}`) addressing the record when `id` is not
    known: `id` stays the empty GUID until the service resolves the key, as in the SDK."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EntityReference):
            return NotImplemented
        return (self.logical_name == other.logical_name and self.id == other.id
                and (self.id != EMPTY_ID or self.key_attributes == other.key_attributes))

    def __hash__(self) -> int:
        return hash((self.logical_name, self.id))

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name is not None else ""
        if self.key_attributes and self.id == EMPTY_ID:
            return f"EntityReference({self.logical_name!r}, key_attributes={self.key_attributes!r}{name})"
        return f"EntityReference({self.logical_name!r}, {str(self.id)!r}{name})"


_REF_FIELDS = ("logical_name", "id", "name", "key_attributes")
if tuple(a.name for a in attrs.fields(EntityReference)) != _REF_FIELDS:  # pragma: no cover - a field added above
    raise ImportError("reference_to must set every field of EntityReference")
_ref_setters = tuple(EntityReference.__dict__[n].__set__ for n in _REF_FIELDS)


def reference_to(logical_name: str, id_: uuid.UUID) -> EntityReference:
    """`EntityReference(logical_name, id_)` for an id that is a uuid.UUID already (a service's convenience
    methods checked it), without attrs' converters and frozen `__setattr__`."""
    r = EntityReference.__new__(EntityReference)
    set_table, set_id, set_name, set_keys = _ref_setters
    set_table(r, logical_name)
    set_id(r, id_)
    set_name(r, None)
    set_keys(r, {})
    return r


def _to_option(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidArgumentFault(f"{value!r} is not a choice value: an option is a whole number.") from None


@attrs.define(frozen=True, order=True)
class OptionSetValue:
    """The value of a choice column (option set, state or status)."""

    value: int = attrs.field(converter=_to_option)


def _to_decimal(value: Decimal | int | float | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidArgumentFault("A bool is not an amount of money: give a Decimal, an int or a float.")
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise InvalidArgumentFault(f"{value!r} is not an amount of money: give a Decimal, an int or a float.") from None


@attrs.define(frozen=True, order=True)
class Money:
    """An amount in a currency column; the currency is the record's `transactioncurrencyid`."""

    value: Decimal = attrs.field(converter=_to_decimal)


@attrs.define(frozen=True)
class AliasedValue:
    """A value from a linked table or an aggregate, keyed in the row as "alias.column" or "alias"."""

    entity_logical_name: str | None
    attribute_logical_name: str | None
    value: Any


class ColumnSet:
    """Which columns to return: named ones, or all of them.

    As the SDK's `new ColumnSet(true)` / `new ColumnSet(false)`, `ColumnSet(True)` means all columns
    (same as `ColumnSet(all_columns=True)`) and `ColumnSet(False)` none. Anything else that is not a
    column name (or a list of them) is refused with an OrganizationServiceFault (InvalidArgument).
    """

    __slots__ = ("all_columns", "columns")

    def __init__(self, *columns: str | Iterable[str] | bool, all_columns: bool = False) -> None:
        names: list[str] = []
        if len(columns) == 1 and isinstance(columns[0], bool):
            all_columns = all_columns or columns[0]
            columns = ()
        for c in columns:
            if c.__class__ is str:
                names.append(c)
                continue
            items: list[Any] = [c] if isinstance(c, str) else (
                list(c) if isinstance(c, Iterable) and not isinstance(c, (bytes, Mapping)) else [c])
            if all(isinstance(x, str) for x in items):
                names.extend(str(x) for x in items)
            else:
                raise OrganizationServiceFault(
                    ErrorCodes.INVALID_ARGUMENT,
                    f"ColumnSet takes column names (or True for all columns, False for none), not {c!r}.")
        if not isinstance(all_columns, bool):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"ColumnSet's all_columns must be True or False, not {all_columns!r}.")
        self.columns: list[str] = names
        self.all_columns: bool = all_columns

    def add_column(self, column: str) -> None:
        self.columns.append(column)

    def add_columns(self, *columns: str) -> None:
        self.columns.extend(columns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ColumnSet):
            return NotImplemented
        return self.all_columns == other.all_columns and self.columns == other.columns

    def __repr__(self) -> str:
        if self.all_columns:
            return "ColumnSet(all_columns=True)"
        return "ColumnSet(" + ", ".join(repr(c) for c in self.columns) + ")"


@attrs.define(frozen=True)
class Relationship:
    """A relationship named by its schema name, e.g. `Relationship("accountleads_association")`."""

    schema_name: str
    primary_entity_role: str | None = None


_Formatter = Callable[[Any, dict[str, str], "Collection[str] | None"], None]
"""How a retrieved Entity fills its formatted values when first asked: `formatter(its stored row, into, None)`;
with a collection of columns, those columns' alone."""
_UNPICKLED = frozenset({"_pending", "_formatter", "_row_version"})
"""Entity slots a pickle leaves out (it carries the formatted values and row version as made)."""


class Entity(MutableMapping[str, Any]):
    """A record: a table's logical name, an id, and a mapping of column name -> value.

    `Entity("lead", firstname="Ada")` and `Entity("lead", attributes={"firstname": "Ada"})` are the same.
    """

    __slots__ = ("_formatted", "_formatter", "_id", "_pending", "_row_version", "attributes", "key_attributes",
                 "logical_name", "related_entities")

    def __init__(
        self,
        logical_name: str,
        id: uuid.UUID | str | None = None,
        attributes: Mapping[str, Any] | None = None,
        *,
        key_attributes: Mapping[str, Any] | None = None,
        **columns: Any,
    ) -> None:
        self.logical_name: str = logical_name
        self.key_attributes: dict[str, Any] = dict(key_attributes or {})
        """Alternate-key values addressing the record (Update, Upsert, Delete) when `id` is not known."""
        self._id: uuid.UUID | None = id if id is None or id.__class__ is uuid.UUID else to_uuid(id)
        self.attributes: dict[str, Any] = dict(attributes or {})
        if columns:
            self.attributes.update(columns)
        self._formatted: dict[str, str] = {}
        self._pending: Any = None
        """The stored row a retrieved record's formatted values are made from (by `_formatter`), until read."""
        self._formatter: _Formatter | None = None
        self._row_version: str | int | None = None
        self.related_entities: dict[str, EntityCollection] = {}

    @property
    def formatted_values(self) -> dict[str, str]:
        """Display texts of the values (option labels, amounts, dates, lookup names), as Dataverse returns
        them; a retrieved record computes them on first use, from the values as they were read."""
        pending = self._pending
        if pending is not None:  # filled into a new dict, then published whole (two threads at once: equal ones)
            formatted: dict[str, str] = {}
            self._formatter(pending, formatted, None)  # type: ignore[misc]  # (set with _pending)
            self._formatted = formatted
            self._pending = None
            return formatted
        return self._formatted

    @formatted_values.setter
    def formatted_values(self, value: dict[str, str]) -> None:
        self._pending = None
        self._formatted = value

    @property
    def row_version(self) -> str | None:
        """The record's RowVersion (its version number as text) when read from the store, for optimistic
        concurrency (`ConcurrencyBehavior.IF_ROW_VERSION_MATCHES`). A query page keeps each row's stored
        number and makes the text when first asked."""
        v = self._row_version
        if v.__class__ is int:
            v = self._row_version = str(v)
        return v  # type: ignore[return-value]

    @row_version.setter
    def row_version(self, value: str | None) -> None:
        self._row_version = value

    def __getattr__(self, name: str) -> Any:
        """`related_entities` and `key_attributes` of a record read from the store, made when first used:
        query pages build thousands of Entities that never use them (two dicts a row less). So is the
        formatted values' dict of a query page's record, which `formatted_values` makes when first read."""
        if name == "related_entities" or name == "key_attributes" or name == "_formatted":
            d: dict[str, Any] = {}
            object.__setattr__(self, name, d)
            return d
        raise AttributeError(f"'Entity' object has no attribute '{name}'")

    def __getstate__(self) -> dict[str, Any]:
        fv = self.formatted_values
        state = {k: getattr(self, k) for k in Entity.__slots__ if k not in _UNPICKLED}
        state["_formatted"] = fv
        state["row_version"] = self.row_version
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._pending = None
        for k, v in state.items():
            object.__setattr__(self, k, v)

    @property
    def id(self) -> uuid.UUID | None:
        return self._id

    @id.setter
    def id(self, value: uuid.UUID | str | None) -> None:
        self._id = _optional_uuid(value)

    # Mapping behaviour -------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self.attributes[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        """`Mapping.get`, as one dict lookup (the mixin raises and catches a KeyError for a missing column)."""
        return self.attributes.get(key, default)

    def __delitem__(self, key: str) -> None:
        del self.attributes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.attributes)

    def __len__(self) -> int:
        return len(self.attributes)

    def __contains__(self, key: object) -> bool:
        return key in self.attributes

    def get_attribute_value(self, key: str, default: Any = None) -> Any:
        """The .NET `GetAttributeValue<T>`: the value, or `default` when the column is absent."""
        return self.attributes.get(key, default)

    def to_entity_reference(self) -> EntityReference:
        if self._id is None and self.key_attributes:
            return EntityReference(self.logical_name, key_attributes=self.key_attributes)
        if self._id is None:
            raise InvalidArgumentFault(f"This {self.logical_name} has no id yet, so it cannot be referenced.")
        return EntityReference(self.logical_name, self._id)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entity):
            return NotImplemented
        return (
            self.logical_name == other.logical_name
            and self._id == other._id
            and self.attributes == other.attributes
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __copy__(self) -> Entity:
        e = Entity(self.logical_name, self._id, self.attributes, key_attributes=self.key_attributes)
        e.formatted_values = dict(self.formatted_values)
        e.row_version = self.row_version
        e.related_entities = dict(self.related_entities)
        return e

    def __deepcopy__(self, memo: dict[int, Any]) -> Entity:
        e = Entity(self.logical_name, self._id, copy.deepcopy(self.attributes, memo),
                   key_attributes=copy.deepcopy(self.key_attributes, memo))
        e.formatted_values = dict(self.formatted_values)
        e.row_version = self.row_version
        e.related_entities = copy.deepcopy(self.related_entities, memo)
        return e

    def copy(self) -> Entity:
        """A shallow copy: same values, separate mappings."""
        return self.__copy__()

    def __repr__(self) -> str:
        ident = f", id={str(self._id)!r}" if self._id is not None else ""
        return f"Entity({self.logical_name!r}{ident}, {self.attributes!r})"

    def _repr_html_(self) -> str:
        return entity_html(self, _KINDS)


def formatted_values_of(entity: Entity, columns: Collection[str]) -> dict[str, str]:
    """`entity.formatted_values` of only `columns` (those that have one). A retrieved record whose formatted
    values are not made yet formats these columns alone and leaves the rest to be made when first read
    (QualifyLead's summary shows a few of the lead's ~30 columns read)."""
    pending = entity._pending
    if pending is not None:
        out: dict[str, str] = {}
        entity._formatter(pending, out, columns)  # type: ignore[misc]  # (set with _pending)
        return out
    fv = entity.formatted_values
    return {c: fv[c] for c in columns if c in fv}


class EntityCollection:
    """The rows a query returned, plus paging state (`more_records`, `paging_cookie`, ...)."""

    __slots__ = (
        "column_labels",
        "entities",
        "entity_name",
        "more_records",
        "paging_cookie",
        "total_record_count",
        "total_record_count_limit_exceeded",
    )

    def __init__(
        self,
        entities: Iterable[Entity] | None = None,
        entity_name: str | None = None,
        *,
        more_records: bool = False,
        paging_cookie: str | None = None,
        total_record_count: int = -1,
        total_record_count_limit_exceeded: bool = False,
    ) -> None:
        self.entities: list[Entity] = list(entities or [])
        self.entity_name: str | None = entity_name
        self.more_records = more_records
        self.paging_cookie = paging_cookie
        self.total_record_count = total_record_count
        self.total_record_count_limit_exceeded = total_record_count_limit_exceeded
        self.column_labels: dict[str, str] = {}
        """Display names of the returned columns (as customized), for notebook display."""

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    def __len__(self) -> int:
        return len(self.entities)

    def __getitem__(self, index: int) -> Entity:
        return self.entities[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EntityCollection):
            return NotImplemented
        return self.entity_name == other.entity_name and self.entities == other.entities

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        more = ", more_records=True" if self.more_records else ""
        return f"EntityCollection({self.entity_name!r}, {len(self.entities)} entities{more})"

    def _repr_html_(self) -> str:
        return collection_html(self, _KINDS)

    def to_pandas(self, *, money: Literal["decimal", "float"] = "decimal", labels: bool = True) -> Any:
        """A pandas DataFrame: option sets as categoricals of labels, money as Decimal (or float),
        lookups as an id column plus `<column>_name`. Needs `pip install 'leadsdk[pandas]'`."""
        return to_pandas(self, _KINDS, money=money, labels=labels)

    def to_arrow(self, *, money: Literal["decimal", "float"] = "decimal") -> Any:
        """A pyarrow Table of the same columns. Needs `pip install 'leadsdk[pandas]'`."""
        return to_arrow(self, _KINDS, money=money)


_KINDS = ValueKinds(aliased=AliasedValue, reference=EntityReference, money=Money, choice=OptionSetValue)
