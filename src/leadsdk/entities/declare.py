"""A small vocabulary for declaring tables once: `table(...)` with `string(...)`, `lookup(...)`, ...

`table()` adds the platform's own columns (id, createdon, ownerid, statecode, ...) by the
table's ownership and state model, so a declaration lists only what is particular to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from leadsdk.entities.model import (
    AttributeMetadata,
    AttributeType,
    CascadeConfiguration,
    CascadeType,
    EntityMetadata,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
    OptionMetadata,
    OptionSetMetadata,
    OwnershipType,
    RequiredLevel,
    StateModel,
)

__all__ = [
    "TableDecl",
    "bigint",
    "boolean",
    "customer",
    "date",
    "datetime",
    "decimal",
    "double",
    "file",
    "image",
    "indexed",
    "integer",
    "lookup",
    "many_to_many",
    "memo",
    "money",
    "optionset",
    "picklist",
    "states",
    "string",
    "table",
    "uniqueidentifier",
]

REQUIRED = RequiredLevel.APPLICATION_REQUIRED
SYSTEM_REQUIRED = RequiredLevel.SYSTEM_REQUIRED

INT_MIN, INT_MAX = -2147483648, 2147483647
MONEY_MIN, MONEY_MAX = -922337203685477, 922337203685477
DECIMAL_MIN, DECIMAL_MAX = -100000000000, 100000000000


def _label(name: str) -> str:
    return name.replace("_", " ").title()


def _a(name: str, type_: AttributeType, label: str | None, **kw: object) -> AttributeMetadata:
    return AttributeMetadata(name, type_, display_name=label or _label(name), **kw)  # type: ignore[arg-type]


def string(
    name: str, max_length: int = 100, label: str | None = None, *, required: RequiredLevel = RequiredLevel.NONE,
    description: str = "", custom: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.STRING, label, max_length=max_length, required_level=required,
              description=description, is_custom=custom)


def memo(
    name: str, max_length: int = 2000, label: str | None = None, *, required: RequiredLevel = RequiredLevel.NONE,
    description: str = "", custom: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.MEMO, label, max_length=max_length, required_level=required,
              description=description, is_custom=custom)


def integer(
    name: str, label: str | None = None, *, min_value: int = INT_MIN, max_value: int = INT_MAX,
    required: RequiredLevel = RequiredLevel.NONE, description: str = "", custom: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.INTEGER, label, min_value=min_value, max_value=max_value,
              required_level=required, description=description, is_custom=custom)


def bigint(name: str, label: str | None = None, *, system: bool = False) -> AttributeMetadata:
    return _a(name, AttributeType.BIGINT, label, min_value=-(2**63), max_value=2**63 - 1, is_system=system)


def decimal(
    name: str, label: str | None = None, *, precision: int = 2, min_value: float = DECIMAL_MIN,
    max_value: float = DECIMAL_MAX, required: RequiredLevel = RequiredLevel.NONE, description: str = "",
    custom: bool = False, system: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.DECIMAL, label, precision=precision, min_value=min_value, max_value=max_value,
              required_level=required, description=description, is_custom=custom, is_system=system)


def money(
    name: str, label: str | None = None, *, precision: int = 2, min_value: float = MONEY_MIN,
    max_value: float = MONEY_MAX, required: RequiredLevel = RequiredLevel.NONE, description: str = "",
    custom: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.MONEY, label, precision=precision, min_value=min_value, max_value=max_value,
              required_level=required, description=description, is_custom=custom)


def double(
    name: str, label: str | None = None, *, precision: int = 2, min_value: float = DECIMAL_MIN,
    max_value: float = DECIMAL_MAX, description: str = "", custom: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.DOUBLE, label, precision=precision, min_value=min_value, max_value=max_value,
              description=description, is_custom=custom)


def boolean(
    name: str, label: str | None = None, *, default: bool = False, labels: tuple[str, str] = ("No", "Yes"),
    description: str = "", custom: bool = False, system: bool = False,
) -> AttributeMetadata:
    opts = OptionSetMetadata(f"{name}_boolean", (OptionMetadata(0, labels[0]), OptionMetadata(1, labels[1])))
    return _a(name, AttributeType.BOOLEAN, label, option_set=opts, default_value=default,
              description=description, is_custom=custom, is_system=system)


def datetime(
    name: str, label: str | None = None, *, required: RequiredLevel = RequiredLevel.NONE, description: str = "",
    custom: bool = False, system: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.DATETIME, label, required_level=required, description=description,
              is_custom=custom, is_system=system)


def date(name: str, label: str | None = None, *, description: str = "", custom: bool = False) -> AttributeMetadata:
    return _a(name, AttributeType.DATE, label, description=description, is_custom=custom)


def uniqueidentifier(name: str, label: str | None = None, *, system: bool = False) -> AttributeMetadata:
    return _a(name, AttributeType.UNIQUEIDENTIFIER, label, is_system=system)


def file(name: str, label: str | None = None, *, max_size_kb: int = 32768) -> AttributeMetadata:
    return _a(name, AttributeType.FILE, label, max_length=max_size_kb * 1024)


def image(name: str, label: str | None = None, *, max_size_kb: int = 10240) -> AttributeMetadata:
    return _a(name, AttributeType.IMAGE, label, max_length=max_size_kb * 1024)


def optionset(name: str, options: Mapping[int, str], *, is_global: bool = False) -> OptionSetMetadata:
    """A named option set; `name` becomes the generated enum's class name."""
    return OptionSetMetadata(name, tuple(OptionMetadata(v, lbl) for v, lbl in options.items()), is_global=is_global)


def picklist(
    name: str, options: OptionSetMetadata, label: str | None = None, *, default: int | None = None,
    required: RequiredLevel = RequiredLevel.NONE, description: str = "", custom: bool = False,
) -> AttributeMetadata:
    return _a(name, AttributeType.PICKLIST, label, option_set=options, default_value=default,
              required_level=required, description=description, is_custom=custom)


@attrs.frozen
class LookupDecl:
    """A lookup column and the relationship(s) it makes, one per target table."""

    attribute: AttributeMetadata
    relationships: tuple[tuple[str, str, CascadeConfiguration], ...]  # (target, schema name, cascade)


def lookup(
    name: str,
    targets: str | Sequence[str],
    label: str | None = None,
    *,
    relationship: str | Mapping[str, str] | None = None,
    delete: CascadeType = CascadeType.REMOVE_LINK,
    assign: CascadeType = CascadeType.NO_CASCADE,
    required: RequiredLevel = RequiredLevel.NONE,
    description: str = "",
    system: bool = False,
    custom: bool = False,
    kind: AttributeType = AttributeType.LOOKUP,
    indexed: bool | None = None,
    is_audit_enabled: bool = True,
) -> LookupDecl:
    """A lookup to one or more tables. `relationship` names the 1:N relationship (one name per
    target for polymorphic lookups); unnamed ones get `{target}_{table}_{column}`, filled in by `table()`.
    `indexed` and `is_audit_enabled` as `AttributeMetadata`'s (lookups are indexed unless told not)."""
    tlist = (targets,) if isinstance(targets, str) else tuple(targets)
    attr = _a(name, kind, label, targets=tlist, required_level=required, description=description,
              is_system=system, is_custom=custom, indexed=indexed, is_audit_enabled=is_audit_enabled)
    rels: list[tuple[str, str, CascadeConfiguration]] = []
    cascade = CascadeConfiguration(delete=delete, assign=assign)
    for t in tlist:
        if isinstance(relationship, str) and len(tlist) == 1:
            schema = relationship
        elif isinstance(relationship, Mapping) and t in relationship:
            schema = relationship[t]
        else:
            schema = ""
        rels.append((t, schema, cascade))
    return LookupDecl(attr, tuple(rels))


def customer(
    name: str, label: str | None = None, *, relationship: Mapping[str, str] | None = None,
    delete: CascadeType = CascadeType.REMOVE_LINK, required: RequiredLevel = RequiredLevel.NONE,
    description: str = "",
) -> LookupDecl:
    """A customer lookup: an account or a contact."""
    return lookup(name, ("account", "contact"), label, relationship=relationship, delete=delete,
                  required=required, description=description, kind=AttributeType.CUSTOMER)


def states(
    *spec: tuple[int, str, Mapping[int, str]],
    message_only: Mapping[int, str] | None = None,
    active: Iterable[int] = (0,),
) -> StateModel:
    """`states((0, "Open", {1: "New", 2: "Contacted"}), (1, "Qualified", {3: "Qualified"}), ...)`.
    The first status listed for a state is its default status."""
    st: list[OptionMetadata] = []
    su: list[OptionMetadata] = []
    for value, label, statuses in spec:
        first = next(iter(statuses))
        st.append(OptionMetadata(value, label, default_status=first))
        su.extend(OptionMetadata(v, lbl, state=value) for v, lbl in statuses.items())
    return StateModel(tuple(st), tuple(su), dict(message_only or {}), frozenset(active))


@attrs.define
class TableDecl:
    """A declared table: its metadata and the 1:N relationships its lookups make."""

    metadata: EntityMetadata
    one_to_many: list[OneToManyRelationshipMetadata]


def _snake_words(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", " ", text).strip()


def table(
    logical_name: str,
    display_name: str,
    plural: str,
    columns: Iterable[AttributeMetadata | LookupDecl],
    *,
    primary_name: str | None = "name",
    primary_name_length: int = 100,
    primary_id: str | None = None,
    ownership: OwnershipType = OwnershipType.USER_OWNED,
    state_model: StateModel | None = None,
    object_type_code: int | None = None,
    currency: bool = False,
    activity: bool = False,
    custom: bool = False,
    mergeable: bool = False,
    duplicate_detection: bool = False,
    audit: bool = True,
    hierarchy: str | None = None,
    description: str = "",
    entity_set_name: str | None = None,
    system_columns: bool = True,
    change_tracking: bool = False,
) -> TableDecl:
    """Declare a table. Adds the primary id, the primary name column (if not given), the audit
    columns, the ownership columns and the state/status columns."""
    pk = primary_id or f"{logical_name}id"
    attrs_: dict[str, AttributeMetadata] = {}
    rels: list[OneToManyRelationshipMetadata] = []

    def add(item: AttributeMetadata | LookupDecl) -> None:
        if isinstance(item, LookupDecl):
            a = item.attribute
            for target, schema, cascade in item.relationships:
                name = schema or f"{target}_{logical_name}_{a.logical_name}"
                target_pk = f"{target}id" if target != "activitypointer" else "activityid"
                rels.append(OneToManyRelationshipMetadata(
                    name, target, target_pk, logical_name, a.logical_name, cascade,
                    is_hierarchical=(hierarchy == a.logical_name and target == logical_name), is_custom=custom,
                ))
        else:
            a = item
        attrs_[a.logical_name] = a

    add(AttributeMetadata(pk, AttributeType.UNIQUEIDENTIFIER, display_name=display_name,
                          is_primary_id=True, required_level=SYSTEM_REQUIRED))
    declared = list(columns)
    names = {(c.attribute if isinstance(c, LookupDecl) else c).logical_name for c in declared}
    if primary_name and primary_name not in names:
        add(string(primary_name, primary_name_length, "Name", required=REQUIRED))
    for c in declared:
        if isinstance(c, AttributeMetadata) and c.logical_name == primary_name:
            c = attrs.evolve(c, is_primary_name=True)
        elif isinstance(c, LookupDecl) and c.attribute.logical_name == primary_name:
            c = attrs.evolve(c, attribute=attrs.evolve(c.attribute, is_primary_name=True))
        add(c)
    if primary_name and primary_name in attrs_ and not attrs_[primary_name].is_primary_name:
        attrs_[primary_name] = attrs.evolve(attrs_[primary_name], is_primary_name=True)

    if currency:
        add(lookup("transactioncurrencyid", "transactioncurrency", "Currency",
                   relationship=f"TransactionCurrency_{logical_name.capitalize()}", delete=CascadeType.RESTRICT))
        add(_a("exchangerate", AttributeType.DECIMAL, "Exchange Rate", precision=10, min_value=0.0000000001,
               max_value=100000000000, is_system=True, is_audit_enabled=False))

    if system_columns:
        # Platform columns. Those every write changes are not audited (IsAuditEnabled false); lookups that
        # are rarely searched (ownerid and createdby are) have no index, so inserts stay cheap.
        u = "systemuser"
        no_cascade = CascadeType.NO_CASCADE
        add(datetime("createdon", "Created On", system=True))
        add(_a("modifiedon", AttributeType.DATETIME, "Modified On", is_system=True, is_audit_enabled=False))
        add(lookup("createdby", u, "Created By", relationship=f"lk_{logical_name}_createdby", system=True,
                   delete=no_cascade))
        add(lookup("modifiedby", u, "Modified By", relationship=f"lk_{logical_name}_modifiedby", system=True,
                   delete=no_cascade, indexed=False, is_audit_enabled=False))
        add(lookup("createdonbehalfby", u, "Created By (Delegate)", relationship=f"lk_{logical_name}_createdonbehalfby",
                   system=True, delete=no_cascade, indexed=False))
        add(lookup("modifiedonbehalfby", u, "Modified By (Delegate)",
                   relationship=f"lk_{logical_name}_modifiedonbehalfby", system=True, delete=no_cascade,
                   indexed=False, is_audit_enabled=False))
        add(datetime("overriddencreatedon", "Record Created On"))
        add(integer("importsequencenumber", "Import Sequence Number"))
        add(_a("versionnumber", AttributeType.BIGINT, "Version Number", min_value=-(2**63), max_value=2**63 - 1,
               is_system=True, is_audit_enabled=False))

        if ownership is OwnershipType.USER_OWNED:
            add(lookup("ownerid", ("systemuser", "team"), "Owner",
                       relationship={"systemuser": f"user_{logical_name}", "team": f"team_{logical_name}"},
                       delete=no_cascade, required=SYSTEM_REQUIRED, kind=AttributeType.OWNER))
            add(lookup("owninguser", u, "Owning User", relationship=f"{logical_name}_owning_user", system=True,
                       delete=no_cascade, indexed=False, is_audit_enabled=False))
            add(lookup("owningteam", "team", "Owning Team", relationship=f"{logical_name}_owning_team", system=True,
                       delete=no_cascade, indexed=False, is_audit_enabled=False))
            add(lookup("owningbusinessunit", "businessunit", "Owning Business Unit",
                       relationship=f"business_unit_{logical_name}", system=True, delete=no_cascade,
                       is_audit_enabled=False))
        elif ownership is OwnershipType.ORGANIZATION_OWNED and logical_name != "organization":
            add(lookup("organizationid", "organization", "Organization",
                       relationship=f"organization_{logical_name}", system=True, delete=CascadeType.NO_CASCADE))

    if state_model is not None:
        add(AttributeMetadata(
            "statecode", AttributeType.STATE, display_name="Status", required_level=SYSTEM_REQUIRED,
            option_set=OptionSetMetadata(f"{logical_name}_statecode", state_model.states),
        ))
        add(AttributeMetadata(
            "statuscode", AttributeType.STATUS, display_name="Status Reason",
            option_set=OptionSetMetadata(f"{logical_name}_statuscode", state_model.statuses),
        ))

    meta = EntityMetadata(
        logical_name=logical_name,
        display_name=display_name,
        display_collection_name=plural,
        primary_id_attribute=pk,
        primary_name_attribute=primary_name,
        attributes=attrs_,
        ownership=ownership,
        state_model=state_model,
        object_type_code=object_type_code,
        entity_set_name=entity_set_name or _plural_set_name(logical_name),
        description=description,
        is_activity=activity,
        is_custom=custom,
        is_duplicate_detection_enabled=duplicate_detection,
        is_audit_enabled=audit,
        is_mergeable=mergeable,
        hierarchy_attribute=hierarchy,
        change_tracking_enabled=change_tracking,
    )
    return TableDecl(meta, rels)


def _unindexed(decl: LookupDecl) -> LookupDecl:
    """A platform lookup that is rarely searched (ownerid and createdby are): no index, so inserts stay cheap."""
    return attrs.evolve(decl, attribute=attrs.evolve(decl.attribute, indexed=False))


def indexed(a: AttributeMetadata) -> AttributeMetadata:
    """A column storage keeps an index on (ids of other rows looked up by value, e.g. audit.objectid)."""
    return attrs.evolve(a, indexed=True)


def _plural_set_name(name: str) -> str:
    if name.endswith("y") and not name.endswith(("ey", "ay", "oy")):
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    return name + "s"


def many_to_many(
    schema_name: str, entity1: str, entity2: str, intersect: str,
    attribute1: str | None = None, attribute2: str | None = None, *, custom: bool = False,
) -> tuple[ManyToManyRelationshipMetadata, TableDecl]:
    """An N:N relationship and its intersect table (two uniqueidentifier columns and its own id)."""
    a1 = attribute1 or f"{entity1}id"
    a2 = attribute2 or f"{entity2}id"
    rel = ManyToManyRelationshipMetadata(schema_name, entity1, entity2, intersect, a1, a2, is_custom=custom)
    decl = table(
        intersect, _label(intersect), _label(intersect),
        [uniqueidentifier(a1), uniqueidentifier(a2)],
        primary_name=None, ownership=OwnershipType.NONE, custom=custom, system_columns=False,
        audit=False,
    )
    decl.metadata.is_intersect = True
    return rel, decl
