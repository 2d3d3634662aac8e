"""Lookups of imported rows, found in the store they are imported into, as Dataverse's data import finds them.

A lookup cell holds an id (`table:id` when the column may point at several tables) or a name. An id of
a record in this store is kept. Otherwise (a file exported from another store, or written by hand) the
lookup is found by text: the name an export writes beside it (`<column>_name`), or the cell itself when
it is no id. The text must be the primary name of exactly one record of the target table, or else the
value of one of its one-column alternate keys. A lookup nothing finds rejects its row with the reason.

Lookups are checked a batch at a time, with one query per target table for the ids and one for the
names, and what was found is remembered for the rest of the import.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.query.model import ConditionExpression, ConditionOperator, QueryExpression
from leadsdk.types import EMPTY_ID, ColumnSet, Entity, EntityReference

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["LookupResolver"]

_CHUNK = 500
"""Values per IN condition."""

_TEXT_TYPES = (AttributeType.STRING, AttributeType.MEMO)


class LookupResolver:
    """Finds the lookups of imported records in the target store (one resolver per import)."""

    def __init__(self, svc: OrganizationService, table: EntityMetadata) -> None:
        self._svc = svc
        self._table = table
        self._present: dict[str, set[uuid.UUID]] = defaultdict(set)
        self._absent: dict[str, set[uuid.UUID]] = defaultdict(set)
        self._by_text: dict[tuple[str, str], uuid.UUID | str] = {}
        """(table, text) -> the id it names, or why it names none."""
        self._made: list[uuid.UUID] = []
        """Records of the imported table created since the last batch with lookups (hashing each id, a
        Python call, is left until a lookup may point at them)."""

    def resolve(self, batch: Sequence[tuple[int, Entity]]) -> list[tuple[int, str, str]]:
        """Point each lookup of these (row number, record) pairs at a record of this store, in place.

        Returns the lookups that cannot be: (row number, column, reason)."""
        own = self._table.logical_name
        given = [e.attributes for _, e in batch]
        attrs_ = self._table.attributes
        if not any((a := attrs_.get(col)) is not None and a.type.is_lookup for col in set().union(*given)):
            return []  # no lookup column in the batch (C-level passes over its column names)
        lookups = [(number, e, col, ref) for number, e in batch for col, ref in e.attributes.items()
                   if isinstance(ref, EntityReference) and not ref.key_attributes
                   and (a := attrs_.get(col)) is not None and a.type.is_lookup]
        if not lookups:
            return []
        if self._made:  # the records created so far, in the set only when a lookup may name them
            self._present[own].update(self._made)
            self._made.clear()
        # records of this batch may point at each other (a parent account imported beside its child)
        pid = self._table.primary_id_attribute
        batch_ids = {v for _, e in batch if isinstance(v := e.attributes.get(pid, e.id), uuid.UUID)}

        unknown: dict[str, set[uuid.UUID]] = defaultdict(set)
        for _, _, _, ref in lookups:
            table = ref.logical_name
            if (ref.id != EMPTY_ID and not (table == own and ref.id in batch_ids)
                    and ref.id not in self._present[table] and ref.id not in self._absent[table]):
                unknown[table].add(ref.id)
        for table, ids in unknown.items():
            self._check_ids(table, ids)

        texts: dict[str, set[str]] = defaultdict(set)
        for _, _, _, ref in lookups:
            if self._needs_text(ref, batch_ids) and ref.name and (ref.logical_name, ref.name) not in self._by_text:
                texts[ref.logical_name].add(ref.name)
        for table, names in texts.items():
            self._find_texts(table, names)

        problems: list[tuple[int, str, str]] = []
        for number, e, col, ref in lookups:
            if not self._needs_text(ref, batch_ids):
                continue
            found = self._by_text.get((ref.logical_name, ref.name)) if ref.name else None
            if isinstance(found, uuid.UUID):
                e[col] = EntityReference(ref.logical_name, found, name=ref.name)
                continue
            if ref.id == EMPTY_ID:
                problems.append((number, col, str(found)))
            elif ref.name:
                problems.append((number, col, f"{ref.logical_name} {ref.id} is not in this store, and {found}"))
            else:
                problems.append((number, col, f"{ref.logical_name} {ref.id} is not in this store (an export's "
                                              f"{col}_name column lets the import find it by name)"))
        return problems

    def created(self, ids: Iterable[uuid.UUID]) -> None:
        """Records of the imported table now exist: later rows may point at them."""
        own = self._table.logical_name
        self._made.extend(ids)
        self._absent[own].clear()
        for key in [k for k, v in self._by_text.items() if k[0] == own and not isinstance(v, uuid.UUID)]:
            del self._by_text[key]

    # ---------------------------------------------------------------------------------------------
    def _needs_text(self, ref: EntityReference, batch_ids: set[uuid.UUID]) -> bool:
        if ref.id == EMPTY_ID:
            return True
        if ref.logical_name == self._table.logical_name and ref.id in batch_ids:
            return False
        return ref.id not in self._present[ref.logical_name]

    def _select(self, table: str, column: str, values: Sequence[object], columns: Sequence[str]) -> list[Entity]:
        out: list[Entity] = []
        for i in range(0, len(values), _CHUNK):
            q = QueryExpression(table, ColumnSet(*columns))
            q.criteria.conditions.append(ConditionExpression(column, ConditionOperator.IN, list(values[i:i + _CHUNK])))
            out.extend(self._svc.retrieve_all(q))
        return out

    def _check_ids(self, table: str, ids: set[uuid.UUID]) -> None:
        t = self._svc.metadata.table(table)
        pid = t.primary_id_attribute
        found = {e.id for e in self._select(table, pid, sorted(ids), [pid]) if e.id is not None}
        self._present[table] |= found
        self._absent[table] |= ids - found

    def _find_texts(self, table: str, texts: set[str]) -> None:
        t = self._svc.metadata.table(table)
        pid = t.primary_id_attribute
        left = set(texts)
        name_col = t.primary_name_attribute
        if name_col:
            matches: dict[str, list[uuid.UUID]] = defaultdict(list)
            for e in self._select(table, name_col, sorted(left), [pid, name_col]):
                if e.id is not None:
                    matches[str(e.get(name_col))].append(e.id)
            for text, found in matches.items():
                if text not in left:
                    continue
                left.discard(text)
                self._by_text[(table, text)] = found[0] if len(found) == 1 else (
                    f"{len(found)} {table} records are named '{text}': write the id of the one meant")
        keys = [k.key_attributes[0] for k in t.keys if len(k.key_attributes) == 1
                and (a := t.attributes.get(k.key_attributes[0])) is not None and a.type in _TEXT_TYPES]
        for key in keys:
            if not left:
                break
            for e in self._select(table, key, sorted(left), [pid, key]):
                text = str(e.get(key))
                if e.id is not None and text in left:
                    left.discard(text)
                    self._by_text[(table, text)] = e.id
        for text in left:
            where = f"is named '{text}'" if name_col else f"has the name '{text}'"
            if keys:
                where += "".join(f" or has {k} '{text}'" for k in keys)
            self._by_text[(table, text)] = f"no {table} {where}"
