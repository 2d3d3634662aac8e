"""Early-bound entities: one attrs class per table with one field per column.

The classes themselves are generated from the metadata (`codegen.py` writes `_generated_classes.py`).
This module holds their base class, which converts to and from `Entity` and tells apart a
column that was given (even as None, meaning "clear it") from one that was never given.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from leadsdk.types import Entity, EntityReference

if TYPE_CHECKING:  # annotations only; typing_extensions costs ~3 ms at import
    from typing_extensions import Self

__all__ = ["EarlyBoundEntity"]

_BASE_FIELDS = frozenset({"extra", "formatted_values", "row_version", "_assigned"})
_COLUMNS: dict[type, frozenset[str]] = {}
_COLUMN_ORDER: dict[type, tuple[str, ...]] = {}


@attrs.define(kw_only=True, repr=False)
class EarlyBoundEntity:
    """Base of the early-bound classes (`Lead`, `Account`, ...).

    Every column field defaults to None. Columns given to the constructor with a value other
    than None, and every column assigned afterwards (None included), are "assigned": only they
    go into `to_entity()`. So `lead.firstname = None` clears the first name on update, while a
    column never given is left alone.

    Subclasses are plain `@attrs.define(kw_only=True)` classes: the tracking lives in
    `__setattr__` here, the setattr hook that attrs subclasses inherit.
    """

    logical_name: ClassVar[str] = ""
    primary_id_attribute: ClassVar[str] = ""

    extra: dict[str, Any] = attrs.field(factory=dict)
    """Values of columns this class has no field for (custom columns, linked `alias.column` values)."""
    formatted_values: dict[str, str] = attrs.field(factory=dict)
    """Labels of choices and names of lookups, as on `Entity.formatted_values`."""
    row_version: str | None = attrs.field(default=None, eq=False)
    _assigned: set[str] = attrs.field(factory=set, init=False, eq=False)

    # the setattr hook --------------------------------------------------------------
    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self, "_assigned", {n for n in self.column_names() if getattr(self, n) is not None}
        )

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in _columns(type(self)):
            try:
                assigned: set[str] = object.__getattribute__(self, "_assigned")
            except AttributeError:  # still inside __init__; __attrs_post_init__ records the columns
                return
            assigned.add(name)

    # columns -----------------------------------------------------------------------
    @classmethod
    def column_names(cls) -> tuple[str, ...]:
        """The table's columns, in declaration order (the class's fields minus the bookkeeping ones)."""
        names = _COLUMN_ORDER.get(cls)
        if names is None:
            names = tuple(f.name for f in attrs.fields(cls) if f.name not in _BASE_FIELDS)
            _COLUMN_ORDER[cls] = names
            _COLUMNS[cls] = frozenset(names)
        return names

    @property
    def assigned_columns(self) -> frozenset[str]:
        """The columns that `to_entity()` includes."""
        return frozenset(self._assigned)

    def unassign(self, *columns: str) -> None:
        """Forget that these columns were given: `to_entity()` leaves them out again."""
        self._assigned.difference_update(columns)

    @property
    def id(self) -> uuid.UUID | None:
        """The record's id: the value of its primary id column."""
        value = getattr(self, self.primary_id_attribute, None) if self.primary_id_attribute else None
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))

    @id.setter
    def id(self, value: uuid.UUID | str | None) -> None:
        if not self.primary_id_attribute:
            raise AttributeError(f"{type(self).__name__} has no primary id column")
        setattr(self, self.primary_id_attribute, None if value is None else uuid.UUID(str(value)))

    # conversions -------------------------------------------------------------------
    def to_entity(self) -> Entity:
        """An `Entity` holding the assigned columns (and `extra`), with the id from the primary id."""
        attributes: dict[str, Any] = dict(self.extra)
        for name in self.column_names():
            if name in self._assigned:
                attributes[name] = getattr(self, name)
        entity = Entity(self.logical_name, self.id, attributes)
        entity.formatted_values = dict(self.formatted_values)
        entity.row_version = self.row_version
        return entity

    @classmethod
    def from_entity(cls, entity: Entity) -> Self:
        """The early-bound record for `entity`; every column it holds counts as assigned,
        columns the class does not know go to `extra`."""
        if cls.logical_name and entity.logical_name != cls.logical_name:
            raise ValueError(
                f"cannot make a {cls.__name__} ({cls.logical_name}) from a {entity.logical_name} entity"
            )
        columns = _columns(cls)
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for name, value in entity.attributes.items():
            if name in columns:
                values[name] = value
            else:
                extra[name] = value
        present = set(values)
        pk = cls.primary_id_attribute
        if pk and entity.id is not None and values.get(pk) is None:
            values[pk] = entity.id
        record = cls(
            extra=extra,
            formatted_values=dict(entity.formatted_values),
            row_version=entity.row_version,
            **values,
        )
        object.__setattr__(record, "_assigned", present)
        return record

    def to_entity_reference(self) -> EntityReference:
        record_id = self.id
        if record_id is None:
            raise ValueError(f"this {self.logical_name} has no id yet, so it cannot be referenced")
        return EntityReference(self.logical_name, record_id)

    def __repr__(self) -> str:
        parts = [f"{n}={getattr(self, n)!r}" for n in self.column_names() if n in self._assigned]
        if self.extra:
            parts.append(f"extra={self.extra!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _columns(cls: type[EarlyBoundEntity]) -> frozenset[str]:
    found = _COLUMNS.get(cls)
    if found is None:
        cls.column_names()
        found = _COLUMNS[cls]
    return found
