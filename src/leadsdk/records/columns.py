"""CreateMultiple's targets given column by column (records layer): a CSV import's batch goes from its
validated columns to the bulk insert without an Entity per row, and is the same records as Entities for
anything else that reads it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import Any

from leadsdk.entities.decode import new_entities
from leadsdk.entities.model import EntityMetadata
from leadsdk.types import Entity, EntityCollection

__all__ = ["ColumnTargets"]

_entities_slot: Any = EntityCollection.__dict__["entities"]


class ColumnTargets(EntityCollection):
    """New records of one table (no id, every record every column, no value None), kept column by
    column until something reads `entities`: CreateMultiple's bulk path takes `columns` as they are;
    security checks, plugins and the record-by-record path read the Entities, built then (once)."""

    __slots__ = ("columns", "count", "stored")

    def __init__(self, table: str, columns: dict[str, Sequence[Any]], count: int,
                 stored: Mapping[str, Sequence[Any] | None] | None = None) -> None:
        super().__init__(None, table)
        self.columns: dict[str, Sequence[Any]] | None = columns
        """The values by column, until the Entities are built (then None)."""
        self.count = count
        self.stored: Mapping[str, Sequence[Any] | None] = stored or {}
        """Columns whose values were checked as a create checks them, as it stores them (what
        `column_converter` returns for the column); kept only while `columns` is."""

    @property
    def entities(self) -> list[Entity]:
        cols = self.columns
        if cols is not None:
            self.columns, self.stored = None, {}
            names = tuple(cols)
            records = map(dict, map(zip, repeat(names), zip(*cols.values())))
            _entities_slot.__set__(self, new_entities(self.entity_name or "", records))
        got: list[Entity] = _entities_slot.__get__(self)
        return got

    @entities.setter
    def entities(self, value: list[Entity]) -> None:
        self.columns, self.stored = None, {}
        _entities_slot.__set__(self, value)

    def __len__(self) -> int:
        return self.count if self.columns is not None else len(self.entities)

    def plain(self, t: EntityMetadata) -> bool:
        """Whether every column is one of `t`'s and none is a lookup, so no value can be a reference
        given by alternate key (nothing for `leadsdk.keys` to bind)."""
        cols = self.columns
        return cols is not None and t.logical_name == self.entity_name and all(
            (a := t.attributes.get(c)) is not None and not a.type.is_lookup for c in cols)
