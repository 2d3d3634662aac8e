"""The security engine: a user's privileges (union of their roles and their teams' roles, cached
per user), record-level checks by depth and sharing, and read scopes compiled into SQL.

It works on a handler context (storage interface, metadata, caller) and never imports messages or
the service; the message layer registers its hooks and the service core attaches it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from leadsdk.entities.model import EntityMetadata, OwnershipType
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.privileges import Access
from leadsdk.records.coherence import changed
from leadsdk.security.model import ALL_ACCESS, AccessRights, PrivilegeDepth
from leadsdk.storage.base import QueryContext, ReadScope
from leadsdk.types import Entity, EntityReference

__all__ = [
    "ACCESS_OF",
    "ACTIONS",
    "CUSTOMIZATION_PRIVILEGES",
    "SYSTEM_USER_ID",
    "SecurityEngine",
    "UserRights",
    "privilege_name",
    "privilege_table_name",
]

SYSTEM_USER_ID = uuid.UUID("00000000-0000-0000-0000-00000000a001")
"""The built-in SYSTEM user (same value as `leadsdk.messages.base.SYSTEM_USER_ID`)."""

ACTIONS = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")
"""The per-table privilege actions, in Dataverse's order."""

ACCESS_OF: dict[str, AccessRights] = {
    "Read": AccessRights.READ_ACCESS, "Write": AccessRights.WRITE_ACCESS, "Append": AccessRights.APPEND_ACCESS,
    "AppendTo": AccessRights.APPEND_TO_ACCESS, "Create": AccessRights.CREATE_ACCESS,
    "Delete": AccessRights.DELETE_ACCESS, "Share": AccessRights.SHARE_ACCESS, "Assign": AccessRights.ASSIGN_ACCESS,
}

_SCHEMA_NAMES = {
    "lead": "Lead", "account": "Account", "contact": "Contact", "opportunity": "Opportunity",
    "incident": "Incident", "annotation": "Note", "systemuser": "User", "businessunit": "BusinessUnit",
    "team": "Team", "role": "Role", "roleprivileges": "Role", "transactioncurrency": "TransactionCurrency",
    "organization": "Organization", "connection": "Connection", "connectionrole": "ConnectionRole",
    "campaign": "Campaign", "principalobjectaccess": "PrincipalObjectAccess", "privilege": "Privilege",
    "userquery": "UserQuery", "savedquery": "SavedQuery", "duplicaterule": "DuplicateRule",
    "duplicaterulecondition": "DuplicateRule", "activitypointer": "Activity",
}

SECURITY_TABLES = frozenset({"role", "roleprivileges", "privilege", "systemuser", "team", "businessunit"})
"""Tables whose changes can change someone's rights."""
SECURITY_RELATIONSHIPS = frozenset({"systemuserroles_association", "teammembership_association",
                                    "teamroles_association"})


def privilege_table_name(t: EntityMetadata) -> str:
    """The table part of a privilege name as Dataverse writes it: Lead, Note, Activity, new_project."""
    if t.is_activity:
        return "Activity"
    name = _SCHEMA_NAMES.get(t.logical_name)
    if name is not None:
        return name
    if "_" in t.logical_name or t.is_custom:
        return t.logical_name
    return t.logical_name.capitalize()


def privilege_name(action: str, t: EntityMetadata) -> str:
    """`prv{Action}{Table}`, e.g. prvReadLead, prvAppendToAccount, prvWritenew_project."""
    return f"prv{action}{privilege_table_name(t)}"


def is_secured(t: EntityMetadata) -> bool:
    """Whether requests on the table need privileges (intersect tables are covered by Append/AppendTo)."""
    return not t.is_intersect


class UserRights:
    """A principal's privileges (name -> widest depth), business unit and teams."""

    __slots__ = ("_deep", "business_unit_id", "disabled", "kind", "principal_id", "principals", "privileges",
                 "role_count")

    def __init__(self, kind: str, principal_id: uuid.UUID, business_unit_id: uuid.UUID | None,
                 teams: frozenset[uuid.UUID], privileges: dict[str, PrivilegeDepth], role_count: int,
                 disabled: bool = False) -> None:
        self.disabled = disabled
        self.kind = kind
        self.principal_id = principal_id
        self.business_unit_id = business_unit_id
        self.principals = frozenset({principal_id}) | teams
        self.privileges = privileges
        self.role_count = role_count
        self._deep: frozenset[uuid.UUID] | None = None

    def depth(self, privilege: str) -> PrivilegeDepth | None:
        return self.privileges.get(privilege)

    def deep_units(self, ctx: Any) -> frozenset[uuid.UUID]:
        """The principal's business unit and every unit under it."""
        if self._deep is None:
            bu_t = ctx.metadata.table("businessunit")
            out: set[uuid.UUID] = set()
            frontier = [self.business_unit_id] if self.business_unit_id else []
            while frontier:
                out.update(frontier)
                children = ctx.storage.ids_where_in(bu_t, "parentbusinessunitid", frontier)
                frontier = [c for c in children if c not in out]
            self._deep = frozenset(out)
        return self._deep


class _ScopeMap(Mapping[str, ReadScope]):
    """Read scopes by table, computed when the SQL compiler asks (root and linked tables alike)."""

    def __init__(self, engine: SecurityEngine, ctx: Any, rights: UserRights) -> None:
        self.engine, self.ctx, self.rights = engine, ctx, rights
        self._done: dict[str, ReadScope | None] = {}

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self._done:
            self._done[key] = self.engine.read_scope(self.ctx, self.rights, key)
        return self._done[key]

    def __getitem__(self, key: str) -> ReadScope:
        v: ReadScope | None = self.get(key)
        if v is None:
            raise KeyError(key)
        return v

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in self._done.items() if v is not None])

    def __len__(self) -> int:
        return sum(1 for v in self._done.values() if v is not None)


class SecurityEngine:
    """Checks requests of non-SYSTEM callers and builds their read scopes. One per store."""

    # rights ----------------------------------------------------------------------------
    def invalidate(self, ctx: Any) -> None:
        """Forget computed rights (roles, privileges, memberships or units changed), in this service and,
        from their next request, in every other service on the store."""
        changed(ctx, "security")

    def rights(self, ctx: Any, principal: EntityReference | uuid.UUID | None = None) -> UserRights:
        """The rights of a user or owner team (default: the caller), cached until security data changes."""
        if principal is None:
            ref = EntityReference("systemuser", ctx.caller_id)
        elif isinstance(principal, uuid.UUID):
            ref = EntityReference("systemuser", principal)
        else:
            ref = principal
        r: UserRights = ctx.cache.get(("security", ref.logical_name, ref.id), lambda: self._compute(ctx, ref))
        return r

    def _compute(self, ctx: Any, ref: EntityReference) -> UserRights:
        st, md = ctx.storage, ctx.metadata
        if ref.logical_name not in ("systemuser", "team"):
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                           f"A principal must be a systemuser or a team, not a {ref.logical_name}.")
        t = md.table(ref.logical_name)
        row = st.get(t, ref.id, ["businessunitid", *(["isdisabled"] if "isdisabled" in t.attributes else [])])
        if row is None:
            raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST,
                                           f"{ref.logical_name} With Id = {ref.id} Does Not Exist")
        if ref.id == SYSTEM_USER_ID:
            return UserRights("systemuser", ref.id, row.get("businessunitid"), frozenset(), {}, 0)
        teams: frozenset[uuid.UUID] = frozenset()
        roles: set[uuid.UUID] = set()
        if ref.logical_name == "systemuser":
            teams = frozenset(self._pairs(ctx, "teammembership", "systemuserid", [ref.id], "teamid"))
            roles.update(self._pairs(ctx, "systemuserroles", "systemuserid", [ref.id], "roleid"))
            if teams:
                roles.update(self._pairs(ctx, "teamroles", "teamid", list(teams), "roleid"))
        else:
            roles.update(self._pairs(ctx, "teamroles", "teamid", [ref.id], "roleid"))
        privileges: dict[str, PrivilegeDepth] = {}
        if roles:
            rp_t = md.table("roleprivileges")
            rp_ids = st.ids_where_in(rp_t, "roleid", sorted(roles))
            rows = st.get_many(rp_t, rp_ids, ["privilegeid", "privilegedepthmask"]) if rp_ids else []
            masks: dict[uuid.UUID, int] = {}
            for r in rows:
                pid = r.get("privilegeid")
                if pid is not None:
                    masks[pid] = masks.get(pid, 0) | int(r.get("privilegedepthmask") or 0)
            if masks:
                names = {p["privilegeid"]: p["name"]
                         for p in st.get_many(md.table("privilege"), list(masks), ["name"])}
                for pid, mask in masks.items():
                    d = PrivilegeDepth.from_mask(mask)
                    name = names.get(pid)
                    if d is not None and name:
                        old = privileges.get(name)
                        if old is None or d > old:
                            privileges[name] = d
        return UserRights(ref.logical_name, ref.id, row.get("businessunitid"), teams, privileges, len(roles),
                          disabled=bool(row.get("isdisabled")))

    @staticmethod
    def _pairs(ctx: Any, intersect: str, column: str, values: list[uuid.UUID], other: str) -> list[uuid.UUID]:
        t = ctx.metadata.get(intersect)
        if t is None:
            return []
        ids = ctx.storage.ids_where_in(t, column, values)
        if not ids:
            return []
        return [r[other] for r in ctx.storage.get_many(t, ids, [other]) if r.get(other) is not None]

    # faults ----------------------------------------------------------------------------
    @staticmethod
    def denied(rights: UserRights, privilege: str, t: EntityMetadata, record_id: uuid.UUID | None = None
               ) -> OrganizationServiceFault:
        """PrivilegeDenied naming the principal and the privilege; never any of the record's data."""
        held = rights.depth(privilege)
        where = f" on the {t.logical_name} record {record_id}" if record_id is not None else ""
        depth = f", privilegeDepth={held.name.capitalize()}" if held is not None else ""
        kind = 8 if rights.kind == "systemuser" else 9
        return OrganizationServiceFault(
            ErrorCodes.PRIVILEGE_DENIED,
            f"Principal user (Id={rights.principal_id}, type={kind}, roleCount={rights.role_count}, "
            f"privilegeName={privilege}{depth}) is missing {privilege} privilege{where} "
            f"(OTC={t.object_type_code} for entity '{t.logical_name}').",
        )

    # checks ----------------------------------------------------------------------------
    def require(self, ctx: Any, action: str, table: str | EntityMetadata) -> PrivilegeDepth | None:
        """Fault unless the caller holds prv{action}{table} at some depth; the depth held."""
        t = ctx.metadata.table(table) if isinstance(table, str) else table
        if not is_secured(t):
            return None
        rights = self.rights(ctx)
        name = privilege_name(action, t)
        d = rights.depth(name)
        if d is None:
            if action == "Read" and t.logical_name == "privilege":
                return PrivilegeDepth.GLOBAL
            raise self.denied(rights, name, t)
        return d

    def require_record(self, ctx: Any, action: str, ref: EntityReference) -> None:
        """Fault unless the caller may do `action` on that record (depth, ownership or sharing).
        A record that does not exist is left for the handler to report."""
        t = ctx.metadata.table(ref.logical_name)
        if not is_secured(t):
            return
        rights = self.rights(ctx)
        if not self.allows(ctx, rights, action, t, ref.id):
            raise self.denied(rights, privilege_name(action, t), t, ref.id)

    def allows(self, ctx: Any, rights: UserRights, action: str, t: EntityMetadata, record_id: uuid.UUID) -> bool:
        """Whether the principal may do `action` on the record (True also when it does not exist)."""
        if rights.principal_id == SYSTEM_USER_ID and rights.kind == "systemuser":
            return True
        name = privilege_name(action, t)
        d = rights.depth(name)
        if d is None:
            return action == "Read" and t.logical_name == "privilege"
        if d is PrivilegeDepth.GLOBAL:
            return True
        if t.ownership is OwnershipType.USER_OWNED and "ownerid" in t.attributes:
            row = ctx.storage.get(t, record_id, ["ownerid", "owningbusinessunit"])
            if row is None:
                return True
            owner, unit = row.get("ownerid"), row.get("owningbusinessunit")
            if owner in rights.principals:
                return True
            if d is PrivilegeDepth.LOCAL and unit == rights.business_unit_id:
                return True
            if d is PrivilegeDepth.DEEP and unit in rights.deep_units(ctx):
                return True
            return bool(self.shared_mask(ctx, t, record_id, rights.principals) & ACCESS_OF[action])
        if t.ownership is OwnershipType.BUSINESS_OWNED:
            if t.logical_name == "businessunit":
                bu: Any = record_id
            else:
                if "businessunitid" not in t.attributes:
                    return True
                row = ctx.storage.get(t, record_id, ["businessunitid"])
                if row is None:
                    return True
                bu = row.get("businessunitid")
            if record_id in rights.principals:
                return True
            if d is PrivilegeDepth.LOCAL:
                return bool(bu == rights.business_unit_id)
            if d is PrivilegeDepth.DEEP:
                return bu in rights.deep_units(ctx)
            return False
        return True  # organization-owned: any depth reaches every record

    def shared_mask(self, ctx: Any, t: EntityMetadata, record_id: uuid.UUID,
                    principals: frozenset[uuid.UUID]) -> int:
        """The union of the rights the record is shared with to any of `principals`."""
        poa = ctx.metadata.get("principalobjectaccess")
        if poa is None:
            return 0
        ids = ctx.storage.ids_where(poa, "objectid", record_id)
        if not ids:
            return 0
        mask = 0
        for r in ctx.storage.get_many(poa, ids, ["principalid", "accessrightsmask"]):
            if r.get("principalid") in principals:
                mask |= int(r.get("accessrightsmask") or 0)
        return mask

    def access_rights(self, ctx: Any, principal: EntityReference, ref: EntityReference) -> AccessRights:
        """Every right the principal has on the record (RetrievePrincipalAccess)."""
        if principal.logical_name == "systemuser" and principal.id == SYSTEM_USER_ID:
            return ALL_ACCESS
        rights = self.rights(ctx, principal)
        t = ctx.metadata.table(ref.logical_name)
        out = AccessRights.NONE
        for action in ACTIONS:
            if self.allows(ctx, rights, action, t, ref.id):
                out |= ACCESS_OF[action]
        return out

    # reads -----------------------------------------------------------------------------
    def readable(self, ctx: Any, refs: Iterable[EntityReference]) -> list[EntityReference]:
        """The references whose records the caller may read (every path that names or returns records
        found on the caller's behalf - duplicates, similar leads - goes through this or a read scope).
        A table the caller cannot read at all drops all of its records, without a fault."""
        rights = self.rights(ctx)
        out: list[EntityReference] = []
        for r in refs:
            t = ctx.metadata.get(r.logical_name)
            if t is None:
                continue
            if not is_secured(t) or self.allows(ctx, rights, "Read", t, r.id):
                out.append(r)
        return out

    def check_history(self, ctx: Any, t: EntityMetadata, id_: uuid.UUID) -> None:
        """RetrieveRecordChangeHistory of a deleted record: its Read check (before the handler) had no
        owner left to check, so its history (old values included) needs what Dataverse asks for: the
        audit summary privilege or organization-wide Read on the table."""
        if ctx.storage.exists(t, id_):
            return
        rights = self.rights(ctx)
        if rights.depth("prvReadAuditSummary") is not None or \
                rights.depth(privilege_name("Read", t)) is PrivilegeDepth.GLOBAL:
            return
        raise self.denied(rights, "prvReadAuditSummary", t, id_)

    def prepare_query_context(self, ctx: Any, qc: QueryContext) -> None:
        """Give the SQL compiler the caller's read scope for every table a query touches."""
        rights = self.rights(ctx)
        qc.business_unit_id = rights.business_unit_id
        qc.scope_for = _ScopeMap(self, ctx, rights)

    def read_scope(self, ctx: Any, rights: UserRights, table: str) -> ReadScope | None:
        """The rows of `table` the principal may read (None: all); faults without prvRead."""
        t = ctx.metadata.table(table)
        if not is_secured(t) or (rights.principal_id == SYSTEM_USER_ID and rights.kind == "systemuser"):
            return None
        name = privilege_name("Read", t)
        d = rights.depth(name)
        if d is None:
            if t.logical_name == "privilege":
                return None
            raise self.denied(rights, name, t)
        if d is PrivilegeDepth.GLOBAL or t.ownership not in (OwnershipType.USER_OWNED, OwnershipType.BUSINESS_OWNED):
            return None
        units: frozenset[uuid.UUID] = frozenset()
        if d is PrivilegeDepth.LOCAL and rights.business_unit_id is not None:
            units = frozenset({rights.business_unit_id})
        elif d is PrivilegeDepth.DEEP:
            units = rights.deep_units(ctx)
        return ReadScope(owner_ids=rights.principals, business_unit_ids=units, principal_ids=rights.principals)

    # requests --------------------------------------------------------------------------
    def check_request(self, ctx: Any, request: Any) -> None:
        """The privileges a request declares (`requires`) checked before it runs; undeclared: Read of
        its target for a request that only reads, else Write. A disabled caller (systemuser.isdisabled) is
        refused every request, as Dataverse refuses a disabled user."""
        rights = self.rights(ctx)
        if rights.disabled:
            raise OrganizationServiceFault(
                ErrorCodes.UN_MANAGEDIDSUSERNOTENABLED,
                f"The user with SystemUserId={rights.principal_id} is disabled. Disabled users cannot access "
                "the system; enable the user (systemuser.isdisabled = false) first.")
        requires = request.requires
        if requires is None:
            requires = (Access("Read" if request.read_only else "Write"),)
        for privilege in requires:
            privilege.check(self, ctx, request)

    def require_privilege(self, ctx: Any, privilege: str) -> None:
        """Fault unless the caller holds a privilege that is about no one table (prvCreateEntity, ...)."""
        rights = self.rights(ctx)
        if rights.depth(privilege) is None:
            raise OrganizationServiceFault(
                ErrorCodes.PRIVILEGE_DENIED,
                f"Principal user (Id={rights.principal_id}, type=8, roleCount={rights.role_count}, "
                f"privilegeName={privilege}) is missing {privilege} privilege.",
            )

    def record(self, ctx: Any, action: str, ref: Any) -> None:
        """Table-level then record-level check of `action` on a reference-like value (skips None)."""
        r = _ref(ref)
        if r is None or r.logical_name not in ctx.metadata:
            return
        self.require(ctx, action, r.logical_name)
        if r.id is not None:
            self.require_record(ctx, action, r)


def _ref(value: Any, logical_name: str | None = None) -> EntityReference | None:
    if isinstance(value, EntityReference):
        return value
    if isinstance(value, Entity):
        return EntityReference(value.logical_name, value.id) if value.id is not None else None
    to_entity = getattr(value, "to_entity", None)
    if callable(to_entity):
        return _ref(to_entity())
    if logical_name is not None and isinstance(value, (uuid.UUID, str)):
        try:
            return EntityReference(logical_name, uuid.UUID(str(value)))
        except ValueError:
            return None
    return None


CUSTOMIZATION_PRIVILEGES = ("prvCreateEntity", "prvWriteEntity", "prvCreateAttribute", "prvWriteAttribute",
                            "prvDeleteAttribute", "prvCreateRelationship")
"""Privileges that are not about one table, accepted by AddPrivilegesRole."""
