"""The metadata model: tables, columns, option sets, state models and relationships.

Each table is declared once (see `declare.py` and the table modules). Validation, the storage
schema, early-bound classes, formatted values and the docs reference are all derived from it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping

import attrs

from leadsdk.entities.keys import EntityKeyMetadata

__all__ = [
    "AttributeMetadata",
    "AttributeType",
    "CascadeConfiguration",
    "CascadeType",
    "EntityMetadata",
    "ManyToManyRelationshipMetadata",
    "OneToManyRelationshipMetadata",
    "OptionMetadata",
    "OptionSetMetadata",
    "OwnershipType",
    "RequiredLevel",
    "StateModel",
]


class AttributeType(str, enum.Enum):
    """Dataverse AttributeTypeCode names, plus DateOnly for date-only columns."""

    STRING = "String"
    MEMO = "Memo"
    INTEGER = "Integer"
    BIGINT = "BigInt"
    DECIMAL = "Decimal"
    MONEY = "Money"
    DOUBLE = "Double"
    BOOLEAN = "Boolean"
    DATETIME = "DateTime"
    DATE = "DateOnly"
    LOOKUP = "Lookup"
    CUSTOMER = "Customer"
    OWNER = "Owner"
    PICKLIST = "Picklist"
    STATE = "State"
    STATUS = "Status"
    UNIQUEIDENTIFIER = "Uniqueidentifier"
    FILE = "File"
    IMAGE = "Image"

    @property
    def is_lookup(self) -> bool:
        return self in _LOOKUP_TYPES

    @property
    def is_choice(self) -> bool:
        return self in _CHOICE_TYPES

    @property
    def is_text(self) -> bool:
        return self in _TEXT_TYPES

    @property
    def is_numeric(self) -> bool:
        return self in (
            AttributeType.INTEGER,
            AttributeType.BIGINT,
            AttributeType.DECIMAL,
            AttributeType.MONEY,
            AttributeType.DOUBLE,
        )


# Module tuples, not `AttributeType.X` in the properties: on Python 3.11 a read of an enum class's member goes
# through EnumType.__getattr__'s slot (~10x a global's read), and the write path asks these per column.
_LOOKUP_TYPES = (AttributeType.LOOKUP, AttributeType.CUSTOMER, AttributeType.OWNER)
_CHOICE_TYPES = (AttributeType.PICKLIST, AttributeType.STATE, AttributeType.STATUS)
_TEXT_TYPES = (AttributeType.STRING, AttributeType.MEMO)


class RequiredLevel(str, enum.Enum):
    NONE = "None"
    SYSTEM_REQUIRED = "SystemRequired"
    APPLICATION_REQUIRED = "ApplicationRequired"
    RECOMMENDED = "Recommended"


class OwnershipType(str, enum.Enum):
    USER_OWNED = "UserOwned"
    ORGANIZATION_OWNED = "OrganizationOwned"
    BUSINESS_OWNED = "BusinessOwned"
    NONE = "None"


class CascadeType(str, enum.Enum):
    """What happens to referencing records when the referenced one is deleted or assigned."""

    CASCADE = "Cascade"
    REMOVE_LINK = "RemoveLink"
    RESTRICT = "Restrict"
    NO_CASCADE = "NoCascade"


@attrs.frozen
class CascadeConfiguration:
    delete: CascadeType = CascadeType.REMOVE_LINK
    assign: CascadeType = CascadeType.NO_CASCADE
    merge: CascadeType = CascadeType.CASCADE


@attrs.frozen
class OptionMetadata:
    """One choice. For a status option, `state` is the statecode it belongs to; for a state
    option, `default_status` is the status it takes when none is given."""

    value: int
    label: str
    state: int | None = None
    default_status: int | None = None
    description: str | None = None


@attrs.frozen
class OptionSetMetadata:
    """A named list of choices; `name` also names its generated enum (e.g. `LeadSourceCode`)."""

    name: str
    options: tuple[OptionMetadata, ...]
    is_global: bool = False

    def label(self, value: int) -> str | None:
        for o in self.options:
            if o.value == value:
                return o.label
        return None

    def get(self, value: int) -> OptionMetadata | None:
        for o in self.options:
            if o.value == value:
                return o
        return None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(o.value for o in self.options)


@attrs.frozen
class AttributeMetadata:
    """One column of a table."""

    logical_name: str
    type: AttributeType
    display_name: str = ""
    description: str = ""
    required_level: RequiredLevel = RequiredLevel.NONE
    max_length: int | None = None
    precision: int | None = None
    min_value: float | int | None = None
    max_value: float | int | None = None
    targets: tuple[str, ...] = ()
    option_set: OptionSetMetadata | None = None
    is_primary_id: bool = False
    is_primary_name: bool = False
    is_custom: bool = False
    is_system: bool = False
    """Managed by the platform (createdon, versionnumber, ...): callers cannot set it."""
    is_computed: bool = False
    """Derived from other columns (fullname): callers cannot set it."""
    is_audit_enabled: bool = True
    """Dataverse's AttributeMetadata.IsAuditEnabled: whether a change of the column is an audit line (off for
    the platform columns every write changes: modifiedon, modifiedby, versionnumber, owning*, ...)."""
    default_value: object = None
    """Value given on create when the caller gives none (booleans, some choices)."""
    indexed: bool | None = None
    """Whether storage keeps an index on the column; None: lookups and statecode are indexed, others not."""

    @property
    def is_indexed(self) -> bool:
        if self.indexed is not None:
            return self.indexed
        return self.type.is_lookup or self.type is AttributeType.STATE

    @property
    def schema_name(self) -> str:
        return self.logical_name

    @property
    def is_polymorphic(self) -> bool:
        return self.type.is_lookup and len(self.targets) > 1

    @property
    def type_column(self) -> str:
        """Storage column that records which table a polymorphic lookup points at."""
        return f"{self.logical_name}__type"

    @property
    def valid_for_create(self) -> bool:
        return not (self.is_system or self.is_computed)

    @property
    def valid_for_update(self) -> bool:
        return not (self.is_system or self.is_computed or self.is_primary_id)


@attrs.frozen
class StateModel:
    """statecode -> allowed statuscodes, derived from the state and status columns' options.

    `message_only_states` are reached only through a dedicated message (lead Qualified only
    through QualifyLead, opportunity Won/Lost through Win/LoseOpportunity, ...).
    `active_states` are the states Dataverse counts as active (for "exclude inactive").
    """

    states: tuple[OptionMetadata, ...]
    statuses: tuple[OptionMetadata, ...]
    message_only_states: Mapping[int, str] = attrs.field(factory=dict)
    active_states: frozenset[int] = frozenset({0})

    @property
    def default_state(self) -> int:
        return self.states[0].value

    def default_status(self, state: int) -> int | None:
        for s in self.states:
            if s.value == state:
                return s.default_status
        return None

    def statuses_of(self, state: int) -> tuple[int, ...]:
        return tuple(o.value for o in self.statuses if o.state == state)

    def state_of(self, status: int) -> int | None:
        for o in self.statuses:
            if o.value == status:
                return o.state
        return None

    def has_state(self, state: int) -> bool:
        return any(s.value == state for s in self.states)

    def state_label(self, state: int) -> str | None:
        for s in self.states:
            if s.value == state:
                return s.label
        return None


@attrs.frozen
class OneToManyRelationshipMetadata:
    """A lookup: `referencing_entity.referencing_attribute` points at `referenced_entity`."""

    schema_name: str
    referenced_entity: str
    referenced_attribute: str
    referencing_entity: str
    referencing_attribute: str
    cascade: CascadeConfiguration = CascadeConfiguration()
    is_hierarchical: bool = False
    is_custom: bool = False


@attrs.frozen
class ManyToManyRelationshipMetadata:
    """An N:N relationship kept as rows of an intersect table."""

    schema_name: str
    entity1_logical_name: str
    entity2_logical_name: str
    intersect_entity_name: str
    entity1_intersect_attribute: str
    entity2_intersect_attribute: str
    is_custom: bool = False


@attrs.define(eq=False)
class EntityMetadata:
    """One table: its columns, keys, ownership, state model and identity."""

    logical_name: str
    display_name: str
    display_collection_name: str
    primary_id_attribute: str
    primary_name_attribute: str | None
    attributes: dict[str, AttributeMetadata]
    ownership: OwnershipType = OwnershipType.USER_OWNED
    state_model: StateModel | None = None
    object_type_code: int | None = None
    entity_set_name: str = ""
    description: str = ""
    is_activity: bool = False
    is_intersect: bool = False
    is_custom: bool = False
    is_duplicate_detection_enabled: bool = False
    is_audit_enabled: bool = True
    is_mergeable: bool = False
    hierarchy_attribute: str | None = None
    """Self-referencing lookup that makes the table a hierarchy (under/above operators)."""
    change_tracking_enabled: bool = False
    """RetrieveEntityChanges works on the table: its rows' versions are indexed, deletes leave tombstones."""
    keys: list[EntityKeyMetadata] = attrs.field(factory=list)
    """Alternate keys (CreateEntityKeyRequest), each backed by a unique index."""

    def attribute(self, name: str) -> AttributeMetadata | None:
        return self.attributes.get(name)

    def __iter__(self) -> Iterator[AttributeMetadata]:
        return iter(self.attributes.values())

    @property
    def has_state(self) -> bool:
        return self.state_model is not None

    @property
    def is_user_owned(self) -> bool:
        return self.ownership in (OwnershipType.USER_OWNED,)

    def lookups(self) -> Iterable[AttributeMetadata]:
        return (a for a in self.attributes.values() if a.type.is_lookup)
