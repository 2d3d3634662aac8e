"""Web API names from metadata: entity set names, navigation properties, and record URLs.

Single-valued navigation properties are named as the lookup (`parentaccountid`) and, as Dataverse
names those of polymorphic lookups, `{lookup}_{target}` (`customerid_account`); both spellings are
accepted for every lookup. Collection-valued ones carry the relationship's schema name.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

import attrs

from leadsdk.entities.model import EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes
from leadsdk.webapi.errors import ApiError

__all__ = ["Names", "Nav", "parse_record_url"]

_URL = re.compile(r"(?:.*/)?([A-Za-z_][A-Za-z0-9_]*)\(([0-9a-fA-F-]{36})\)/?$")


@attrs.frozen
class Nav:
    """A navigation property of `source`: where it leads and through which column/relationship."""

    name: str
    kind: Literal["single", "many", "manytomany"]
    source: str
    target: str
    relationship: str
    lookup: str | None = None
    """Single-valued: the lookup column on `source`; 1:N: the lookup column on `target`."""


class Names:
    """Entity sets and navigation properties of one metadata version."""

    def __init__(self, metadata: Metadata) -> None:
        self.metadata = metadata
        self.version = metadata.version
        self.by_set: dict[str, EntityMetadata] = {}
        self.navs: dict[str, dict[str, Nav]] = {}
        for t in metadata:
            self.by_set[t.entity_set_name or t.logical_name] = t
            self.navs[t.logical_name] = {}
        for r in metadata.one_to_many.values():
            src = self.navs.get(r.referencing_entity)
            if src is not None:
                table = self.metadata.get(r.referencing_entity)
                a = table.attributes.get(r.referencing_attribute) if table else None
                poly = a is not None and a.is_polymorphic
                nav = Nav(f"{r.referencing_attribute}_{r.referenced_entity}", "single", r.referencing_entity,
                          r.referenced_entity, r.schema_name, r.referencing_attribute)
                src[nav.name.lower()] = nav
                if not poly:
                    src.setdefault(r.referencing_attribute.lower(), attrs.evolve(nav, name=r.referencing_attribute))
            dst = self.navs.get(r.referenced_entity)
            if dst is not None:
                dst.setdefault(r.schema_name.lower(), Nav(r.schema_name, "many", r.referenced_entity,
                                                          r.referencing_entity, r.schema_name,
                                                          r.referencing_attribute))
        for m in metadata.many_to_many.values():
            for x, y in ((m.entity1_logical_name, m.entity2_logical_name),
                         (m.entity2_logical_name, m.entity1_logical_name)):
                if x in self.navs:
                    self.navs[x].setdefault(m.schema_name.lower(), Nav(m.schema_name, "manytomany", x, y,
                                                                       m.schema_name))

    def table_by_set(self, set_name: str) -> EntityMetadata:
        t = self.by_set.get(set_name)
        if t is None:
            raise ApiError(404, ErrorCodes.OBJECT_DOES_NOT_EXIST,
                           f"Resource not found for the segment '{set_name}'.")
        return t

    def set_name(self, logical_name: str) -> str:
        t = self.metadata.table(logical_name)
        return t.entity_set_name or t.logical_name

    def nav(self, logical_name: str, name: str) -> Nav | None:
        return self.navs.get(logical_name, {}).get(name.lower())

    def require_nav(self, logical_name: str, name: str) -> Nav:
        n = self.nav(logical_name, name)
        if n is None:
            raise ApiError.bad_request(
                f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{logical_name}'."
            )
        return n

    def single_nav_of(self, logical_name: str, lookup: str, target: str) -> str:
        """The navigation property name Dataverse gives a lookup pointing at `target`."""
        t = self.metadata.get(logical_name)
        a = t.attributes.get(lookup) if t else None
        return f"{lookup}_{target}" if a is not None and a.is_polymorphic else lookup


def parse_record_url(value: str) -> tuple[str, uuid.UUID]:
    """`/accounts(guid)`, `accounts(guid)` or a full URL: the entity set and the id."""
    m = _URL.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise ApiError.bad_request(f"'{value}' is not a record URL such as /accounts(<id>).")
    return m.group(1), uuid.UUID(m.group(2))
