"""Security messages: Assign, sharing (GrantAccess, ModifyAccess, RevokeAccess,
RetrievePrincipalAccess, RetrieveSharedPrincipalsAndAccess) and role privileges
(AddPrivilegesRole, RemovePrivilegeRole), plus the record hooks that check Append/AppendTo and
owner changes and keep the security engine's cache fresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import attrs

from leadsdk.entities.model import CascadeType, EntityMetadata, OwnershipType
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    SYSTEM_USER_ID,
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
    as_reference,
    handler,
)
from leadsdk.messages.privileges import Access, target
from leadsdk.records.events import column_form, listens_for, seeds_store
from leadsdk.records.settings import not_found
from leadsdk.records.write import update_record
from leadsdk.security import (
    ACTIONS,
    AccessRights,
    PrincipalAccess,
    PrivilegeDepth,
    RolePrivilege,
    SecurityEngine,
    privilege_name,
)
from leadsdk.security.engine import ACCESS_OF, CUSTOMIZATION_PRIVILEGES, SECURITY_RELATIONSHIPS, SECURITY_TABLES
from leadsdk.security.model import ALL_ACCESS
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference, to_uuid

__all__ = [
    "AddPrivilegesRoleRequest",
    "AddPrivilegesRoleResponse",
    "AssignRequest",
    "AssignResponse",
    "GrantAccessRequest",
    "GrantAccessResponse",
    "ModifyAccessRequest",
    "ModifyAccessResponse",
    "RemovePrivilegeRoleRequest",
    "RemovePrivilegeRoleResponse",
    "RetrievePrincipalAccessRequest",
    "RetrievePrincipalAccessResponse",
    "RetrieveSharedPrincipalsAndAccessRequest",
    "RetrieveSharedPrincipalsAndAccessResponse",
    "RevokeAccessRequest",
    "RevokeAccessResponse",
    "assign_record",
    "privilege_id",
]

_PRIVILEGE_NS = uuid.UUID("6f1c9a52-2d1b-4b8e-9a57-0d1e5c3b7a10")


def privilege_id(name: str) -> uuid.UUID:
    """The id of a privilege: the same in every store (derived from its name)."""
    return uuid.uuid5(_PRIVILEGE_NS, name.lower())


# requests -------------------------------------------------------------------------------
@attrs.define(eq=False, repr=False, slots=False)
class AssignRequest(OrganizationRequest["AssignResponse"]):
    """Give a record a new owner (a systemuser or an owner team)."""

    request_name = "Assign"
    requires = (Access("Assign"),)
    target: EntityReference | None = target()
    assignee: EntityReference | None = None


@attrs.define(eq=False, repr=False, slots=False)
class AssignResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class GrantAccessRequest(OrganizationRequest["GrantAccessResponse"]):
    """Share a record with a user or team; rights add to any it already has."""

    request_name = "GrantAccess"
    requires = (Access("Share"),)
    target: EntityReference | None = target()
    principal_access: PrincipalAccess | None = None


@attrs.define(eq=False, repr=False, slots=False)
class GrantAccessResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class ModifyAccessRequest(GrantAccessRequest):
    """Replace the rights a record is shared with to a user or team."""

    request_name = "ModifyAccess"


@attrs.define(eq=False, repr=False, slots=False)
class ModifyAccessResponse(GrantAccessResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class RevokeAccessRequest(OrganizationRequest["RevokeAccessResponse"]):
    """Stop sharing a record with a user or team."""

    request_name = "RevokeAccess"
    requires = (Access("Share"),)
    target: EntityReference | None = target()
    revokee: EntityReference | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RevokeAccessResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class RetrievePrincipalAccessRequest(OrganizationRequest["RetrievePrincipalAccessResponse"]):
    """The rights a user or team has on a record (by its roles, ownership and shares)."""

    request_name = "RetrievePrincipalAccess"
    requires = (Access("Read"),)
    read_only = True
    target: EntityReference | None = target()
    principal: EntityReference | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrievePrincipalAccessResponse(OrganizationResponse):
    access_rights: AccessRights = AccessRights.NONE


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveSharedPrincipalsAndAccessRequest(OrganizationRequest["RetrieveSharedPrincipalsAndAccessResponse"]):
    """Who a record is shared with, and with which rights."""

    request_name = "RetrieveSharedPrincipalsAndAccess"
    requires = (Access("Read"),)
    read_only = True
    target: EntityReference | None = target()


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveSharedPrincipalsAndAccessResponse(OrganizationResponse):
    principal_access: list[PrincipalAccess] = attrs.field(factory=list)


@attrs.define(eq=False, repr=False, slots=False)
class AddPrivilegesRoleRequest(OrganizationRequest["AddPrivilegesRoleResponse"]):
    """Give a role privileges at depths (an existing privilege of the role takes the new depth)."""

    request_name = "AddPrivilegesRole"
    requires = (Access("Write"),)
    role_id: uuid.UUID | None = target("role")
    privileges: list[RolePrivilege] = attrs.field(factory=list)


@attrs.define(eq=False, repr=False, slots=False)
class AddPrivilegesRoleResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class RemovePrivilegeRoleRequest(OrganizationRequest["RemovePrivilegeRoleResponse"]):
    """Take a privilege (by name, or by `privilege_id` as in the .NET SDK) away from a role."""

    request_name = "RemovePrivilegeRole"
    requires = (Access("Write"),)
    role_id: uuid.UUID | None = target("role")
    privilege_name: str | None = None
    privilege_id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RemovePrivilegeRoleResponse(OrganizationResponse):
    pass


# helpers --------------------------------------------------------------------------------
def _engine(ctx: HandlerContext) -> SecurityEngine:
    eng: SecurityEngine = ctx.store.security
    return eng


def _principal(ctx: HandlerContext, value: Any, field: str, request: str) -> EntityReference:
    ref = as_reference(value, field, request, None if isinstance(value, EntityReference) else "systemuser")
    if ref.logical_name not in ("systemuser", "team"):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"{request}.{field} must be a systemuser or a team, not a {ref.logical_name}.")
    if not ctx.storage.exists(ctx.metadata.table(ref.logical_name), ref.id):
        raise not_found(ref.logical_name, ref.id)
    return ref


def _record(ctx: HandlerContext, value: Any, request: str, columns: list[str]) -> tuple[EntityMetadata, Row]:
    ref = as_reference(value, "target", request)
    t = ctx.metadata.table(ref.logical_name)
    row = ctx.storage.get(t, ref.id, columns if all(c in t.attributes for c in columns) else [])
    if row is None:
        raise not_found(ref.logical_name, ref.id)
    return t, row


def _user_owned(t: EntityMetadata, request: str) -> None:
    if t.ownership is not OwnershipType.USER_OWNED or "ownerid" not in t.attributes:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"{request} works on user- or team-owned records; a {t.logical_name} is not one.")


def _mask(value: Any, request: str) -> int:
    try:
        mask = int(value)
    except (TypeError, ValueError):
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"{request}: access_mask must be AccessRights flags, not {value!r}.") from None
    if mask < 0 or mask & ~int(ALL_ACCESS):
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"{request}: {mask} is not a combination of AccessRights flags.")
    return mask


# assign ---------------------------------------------------------------------------------
def assign_record(ctx: HandlerContext, ref: EntityReference, assignee: EntityReference) -> None:
    """Change a record's owner, then cascade to related records whose relationship cascades Assign
    (notes and activities of a lead, ...). Cascaded records are assigned by the system."""
    update_record(ctx, Entity(ref.logical_name, ref.id, {"ownerid": assignee}))
    system = ctx.as_system()
    seen = {ref.id}
    _cascade_assign(system, ctx.metadata.table(ref.logical_name), ref.id, assignee, seen)


def _cascade_assign(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, assignee: EntityReference,
                    seen: set[uuid.UUID]) -> None:
    for rel in ctx.metadata.referencing(t.logical_name):
        if rel.cascade.assign is not CascadeType.CASCADE:
            continue
        child = ctx.metadata.get(rel.referencing_entity)
        if child is None or "ownerid" not in child.attributes or rel.referencing_attribute not in child.attributes:
            continue
        for cid in ctx.storage.ids_where(child, rel.referencing_attribute, id_):
            if cid in seen:
                continue
            seen.add(cid)
            row = ctx.storage.get(child, cid, ["ownerid"])
            if row is not None and row.get("ownerid") != assignee.id:
                update_record(ctx, Entity(child.logical_name, cid, {"ownerid": assignee}))
            _cascade_assign(ctx, child, cid, assignee, seen)


@handler(AssignRequest)
def _assign(ctx: HandlerContext, req: AssignRequest) -> AssignResponse:
    ref = as_reference(req.target, "target", "AssignRequest")
    assignee = _principal(ctx, req.assignee, "assignee", "AssignRequest")
    t, _ = _record(ctx, ref, "AssignRequest", ["ownerid"])
    _user_owned(t, "AssignRequest")
    if not (assignee.logical_name == "systemuser" and assignee.id == SYSTEM_USER_ID):
        rights = _engine(ctx).rights(ctx, assignee)
        name = privilege_name("Read", t)
        if rights.depth(name) is None:
            raise OrganizationServiceFault(
                ErrorCodes.PRINCIPAL_PRIVILEGE_DENIED,
                f"The assignee ({assignee.logical_name} {assignee.id}) is missing {name} privilege, so it "
                f"cannot own a {t.logical_name}.",
            )
    assign_record(ctx, ref, assignee)
    return AssignResponse()


# sharing --------------------------------------------------------------------------------
def _poa(ctx: HandlerContext) -> EntityMetadata:
    return ctx.metadata.table("principalobjectaccess")


def _shares(ctx: HandlerContext, object_id: uuid.UUID) -> list[Row]:
    poa = _poa(ctx)
    ids = ctx.storage.ids_where(poa, "objectid", object_id)
    return ctx.storage.get_many(poa, ids, ["principalid", "accessrightsmask"]) if ids else []


def _share(ctx: HandlerContext, req: GrantAccessRequest, replace: bool) -> None:
    name = type(req).__name__
    pa = req.principal_access
    if not isinstance(pa, PrincipalAccess):
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING,
                                       f"{name} needs 'principal_access' (a PrincipalAccess).")
    ref = as_reference(req.target, "target", name)
    principal = _principal(ctx, pa.principal, "principal_access.principal", name)
    mask = _mask(pa.access_mask, name)
    t, row = _record(ctx, ref, name, ["ownerid"])
    _user_owned(t, name)
    if row.get("ownerid") == principal.id:
        raise OrganizationServiceFault(
            ErrorCodes.CANNOT_SHARE_WITH_OWNER,
            f"The {t.logical_name} {ref.id} cannot be shared with its owner ({principal.logical_name} {principal.id}).",
        )
    poa = _poa(ctx)
    for r in _shares(ctx, ref.id):
        if r.get("principalid") == principal.id:
            new = mask if replace else (int(r.get("accessrightsmask") or 0) | mask)
            ctx.storage.update(poa, r["principalobjectaccessid"], {"accessrightsmask": new})
            return
    ctx.storage.insert(poa, {
        "principalobjectaccessid": uuid.uuid4(), "objectid": ref.id, "objectid__type": ref.logical_name,
        "principalid": principal.id, "principalid__type": principal.logical_name,
        "accessrightsmask": mask, "inheritedaccessrightsmask": 0,
    })


@handler(GrantAccessRequest)
def _grant(ctx: HandlerContext, req: GrantAccessRequest) -> GrantAccessResponse:
    _share(ctx, req, replace=False)
    return GrantAccessResponse()


@handler(ModifyAccessRequest)
def _modify(ctx: HandlerContext, req: ModifyAccessRequest) -> ModifyAccessResponse:
    _share(ctx, req, replace=True)
    return ModifyAccessResponse()


@handler(RevokeAccessRequest)
def _revoke(ctx: HandlerContext, req: RevokeAccessRequest) -> RevokeAccessResponse:
    ref = as_reference(req.target, "target", "RevokeAccessRequest")
    revokee = as_reference(req.revokee, "revokee", "RevokeAccessRequest")
    _record(ctx, ref, "RevokeAccessRequest", [])
    for r in _shares(ctx, ref.id):
        if r.get("principalid") == revokee.id:
            ctx.storage.delete(_poa(ctx), r["principalobjectaccessid"])
    return RevokeAccessResponse()


@handler(RetrievePrincipalAccessRequest)
def _principal_access(ctx: HandlerContext, req: RetrievePrincipalAccessRequest) -> RetrievePrincipalAccessResponse:
    ref = as_reference(req.target, "target", "RetrievePrincipalAccessRequest")
    principal = _principal(ctx, req.principal, "principal", "RetrievePrincipalAccessRequest")
    _record(ctx, ref, "RetrievePrincipalAccessRequest", [])
    return RetrievePrincipalAccessResponse(_engine(ctx).access_rights(ctx, principal, ref))


@handler(RetrieveSharedPrincipalsAndAccessRequest)
def _shared_principals(ctx: HandlerContext, req: RetrieveSharedPrincipalsAndAccessRequest
                       ) -> RetrieveSharedPrincipalsAndAccessResponse:
    ref = as_reference(req.target, "target", "RetrieveSharedPrincipalsAndAccessRequest")
    _record(ctx, ref, "RetrieveSharedPrincipalsAndAccessRequest", [])
    poa = _poa(ctx)
    ids = ctx.storage.ids_where(poa, "objectid", ref.id)
    rows = ctx.storage.get_many(poa, ids, ["principalid", "accessrightsmask"]) if ids else []
    out = [PrincipalAccess(EntityReference(str(r.get("principalid__type") or "systemuser"), r["principalid"]),
                           AccessRights(int(r.get("accessrightsmask") or 0)))
           for r in rows if r.get("principalid") is not None]
    out.sort(key=lambda p: str(p.principal.id if p.principal else ""))
    return RetrieveSharedPrincipalsAndAccessResponse(out)


# role privileges ------------------------------------------------------------------------
def _privilege_row(ctx: HandlerContext, name: str) -> uuid.UUID:
    """The privilege's id, creating its row for a table added after the store was made."""
    pt = ctx.metadata.table("privilege")
    pid = privilege_id(name)
    if ctx.storage.exists(pt, pid):
        return pid
    row = _privilege_for(ctx, name)
    if row is None:
        raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST,
                                       f"privilege With Name = {name} Does Not Exist")
    ctx.storage.insert(pt, row)
    return pid


def _privilege_for(ctx: HandlerContext, name: str) -> dict[str, Any] | None:
    if name in CUSTOMIZATION_PRIVILEGES:
        return _privilege_values(name, 0, global_only=True)
    for t in ctx.metadata:
        if t.is_intersect:
            continue
        for action in ACTIONS:
            if privilege_name(action, t) == name:
                return _privilege_values(name, int(ACCESS_OF[action]), global_only=_global_only(t))
    return None


def _global_only(t: EntityMetadata) -> bool:
    return t.ownership not in (OwnershipType.USER_OWNED, OwnershipType.BUSINESS_OWNED)


def _privilege_values(name: str, access: int, global_only: bool) -> dict[str, Any]:
    return {"privilegeid": privilege_id(name), "name": name, "accessright": access,
            "canbebasic": not global_only, "canbelocal": not global_only, "canbedeep": not global_only,
            "canbeglobal": True}


@seeds_store
def seed_privileges(ctx: HandlerContext) -> None:
    """Every table's eight privileges (and the customization ones), as `privilege` rows."""
    rows: dict[str, dict[str, Any]] = {}
    for t in ctx.metadata:
        if t.is_intersect:
            continue
        for action in ACTIONS:
            name = privilege_name(action, t)
            rows.setdefault(name, _privilege_values(name, int(ACCESS_OF[action]), _global_only(t)))
    for name in CUSTOMIZATION_PRIVILEGES:
        rows[name] = _privilege_values(name, 0, True)
    ctx.storage.insert_many(ctx.metadata.table("privilege"), list(rows.values()))


def _role_id(ctx: HandlerContext, value: Any, request: str) -> uuid.UUID:
    if value is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, f"{request} needs 'role_id'.")
    try:
        rid = to_uuid(value.id if isinstance(value, EntityReference) else value)
    except (ValueError, AttributeError, TypeError):
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"{request}.role_id {value!r} is not an id.") from None
    if not ctx.storage.exists(ctx.metadata.table("role"), rid):
        raise not_found("role", rid)
    return rid


def _role_privileges(ctx: HandlerContext, role: uuid.UUID) -> dict[uuid.UUID, Row]:
    rp = ctx.metadata.table("roleprivileges")
    ids = ctx.storage.ids_where(rp, "roleid", role)
    return {r["privilegeid"]: r for r in ctx.storage.get_many(rp, ids, ["privilegeid", "privilegedepthmask"])}


@handler(AddPrivilegesRoleRequest)
def _add_privileges(ctx: HandlerContext, req: AddPrivilegesRoleRequest) -> AddPrivilegesRoleResponse:
    role = _role_id(ctx, req.role_id, "AddPrivilegesRoleRequest")
    rp = ctx.metadata.table("roleprivileges")
    pt = ctx.metadata.table("privilege")
    have = _role_privileges(ctx, role)
    for p in req.privileges or []:
        if not isinstance(p, RolePrivilege):
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                           "AddPrivilegesRoleRequest.privileges must be RolePrivilege values.")
        try:
            depth = PrivilegeDepth(int(p.depth))
        except (TypeError, ValueError):
            raise OrganizationServiceFault(ErrorCodes.INVALID_PRIVILEGE_DEPTH,
                                           f"{p.depth!r} is not a privilege depth (0 Basic .. 3 Global).") from None
        if p.privilege_name:
            pid = _privilege_row(ctx, p.privilege_name)
        elif p.privilege_id is not None:
            pid = to_uuid(p.privilege_id)
            if not ctx.storage.exists(pt, pid):
                raise not_found("privilege", pid)
        else:
            raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING,
                                           "A RolePrivilege needs a privilege_name or a privilege_id.")
        prow = ctx.storage.get(pt, pid, ["name", "canbebasic", "canbelocal", "canbedeep", "canbeglobal"])
        assert prow is not None
        allowed = {PrivilegeDepth.BASIC: "canbebasic", PrivilegeDepth.LOCAL: "canbelocal",
                   PrivilegeDepth.DEEP: "canbedeep", PrivilegeDepth.GLOBAL: "canbeglobal"}[depth]
        if not prow.get(allowed):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_PRIVILEGE_DEPTH,
                f"The privilege {prow.get('name')} cannot be given at {depth.name.capitalize()} depth.")
        if pid in have:
            ctx.storage.update(rp, have[pid]["roleprivilegeid"], {"privilegedepthmask": depth.mask})
        else:
            rid = uuid.uuid4()
            ctx.storage.insert(rp, {"roleprivilegeid": rid, "roleid": role, "privilegeid": pid,
                                    "privilegedepthmask": depth.mask})
            have[pid] = {"roleprivilegeid": rid, "privilegeid": pid}
    _engine(ctx).invalidate(ctx)
    return AddPrivilegesRoleResponse()


@handler(RemovePrivilegeRoleRequest)
def _remove_privilege(ctx: HandlerContext, req: RemovePrivilegeRoleRequest) -> RemovePrivilegeRoleResponse:
    role = _role_id(ctx, req.role_id, "RemovePrivilegeRoleRequest")
    if req.privilege_name:
        pid = privilege_id(req.privilege_name)
    elif req.privilege_id is not None:
        pid = to_uuid(req.privilege_id)
    else:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING,
                                       "RemovePrivilegeRoleRequest needs 'privilege_name' or 'privilege_id'.")
    have = _role_privileges(ctx, role)
    if pid not in have:
        raise OrganizationServiceFault(
            ErrorCodes.OBJECT_DOES_NOT_EXIST,
            f"The role {role} does not hold the privilege {req.privilege_name or pid}.")
    ctx.storage.delete(ctx.metadata.table("roleprivileges"), have[pid]["roleprivilegeid"])
    _engine(ctx).invalidate(ctx)
    return RemovePrivilegeRoleResponse()


# hooks ------------------------------------------------------------------------------------
_OWNER_COLUMNS = frozenset({"ownerid", "owninguser", "owningteam", "owningbusinessunit"})


def _lookup_targets(t: EntityMetadata, values: dict[str, Any]) -> list[EntityReference]:
    out = []
    for col, v in values.items():
        a = t.attributes.get(col)
        if a is None or not a.type.is_lookup or a.is_system or col in _OWNER_COLUMNS or v is None:
            continue
        target = values.get(a.type_column) if a.is_polymorphic else (a.targets[0] if a.targets else None)
        if isinstance(target, str) and isinstance(v, uuid.UUID):
            out.append(EntityReference(target, v))
    return out


def _appendable(ctx: HandlerContext, name: str) -> bool:
    t = ctx.metadata.get(name)
    return t is not None and t.ownership is OwnershipType.USER_OWNED and "ownerid" in t.attributes


@listens_for("before_create")
def _before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any], _: Any) -> None:
    sec = ctx.security
    if sec is None or not isinstance(sec, SecurityEngine):
        return
    owner = row.get("ownerid")
    if owner is not None and owner != ctx.caller_id and "ownerid" in t.attributes:
        sec.require(ctx, "Assign", t)
    targets = [r for r in _lookup_targets(t, row) if _appendable(ctx, r.logical_name) and r.id != id_]
    if targets:
        sec.require(ctx, "Append", t)
        for ref in targets:
            sec.record(ctx, "AppendTo", ref)


@column_form(_before_create)
def _before_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    return ctx.security is None or not isinstance(ctx.security, SecurityEngine)


@listens_for("before_update")
def _before_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                   existing: Any) -> None:
    sec = ctx.security
    if sec is None or not isinstance(sec, SecurityEngine):
        return
    me = EntityReference(t.logical_name, id_)
    if "ownerid" in changes and existing is not None and existing.get("ownerid") != changes["ownerid"]:
        sec.record(ctx, "Assign", me)
    targets = [r for r in _lookup_targets(t, changes) if _appendable(ctx, r.logical_name) and r.id != id_]
    if targets:
        sec.record(ctx, "Append", me)
        for ref in targets:
            sec.record(ctx, "AppendTo", ref)


@listens_for(("after_create", "after_update", "after_delete"), tables=SECURITY_TABLES)
def _invalidate_write(ctx: HandlerContext, t: EntityMetadata, *_: Any) -> None:
    if t.logical_name in SECURITY_TABLES:
        _engine(ctx).invalidate(ctx)


@listens_for(("after_associate", "after_disassociate"))
def _invalidate_link(ctx: HandlerContext, relationship: str, *_: Any) -> None:
    if relationship in SECURITY_RELATIONSHIPS:
        _engine(ctx).invalidate(ctx)


@listens_for("after_delete")
def _forget_shares(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    """Shares of records of tables added at run time (built-in ones cascade through objectid)."""
    poa = ctx.metadata.get("principalobjectaccess")
    if poa is None or t.ownership is not OwnershipType.USER_OWNED:
        return
    if t.logical_name in poa.attributes["objectid"].targets:
        return
    ctx.storage.delete_where(poa, "objectid", id_)


