"""The role matrix: 4 record owners in a two-level unit tree x 8 privileges x 4 depths x
lead/account/opportunity. Each cell is checked both ways: allowed where the depth reaches the
record's owner, PrivilegeDenied (and nothing written) where it does not.

Tree: root R -> X -> X1. The tester is in X. Owners: the tester (me), a peer in X, a user in X1
(child unit), a user in R (outside the tester's subtree).
Basic reaches me; Local me+peer; Deep me+peer+child; Global everyone.
"""

from __future__ import annotations

import uuid

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import (
    AddPrivilegesRoleRequest,
    AssignRequest,
    GrantAccessRequest,
    RemovePrivilegeRoleRequest,
    RetrievePrincipalAccessRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.security import AccessRights, PrincipalAccess, PrivilegeDepth, RolePrivilege

OWNERS = ("me", "peer", "child", "root")
REACH = {
    PrivilegeDepth.BASIC: {"me"},
    PrivilegeDepth.LOCAL: {"me", "peer"},
    PrivilegeDepth.DEEP: {"me", "peer", "child"},
    PrivilegeDepth.GLOBAL: set(OWNERS),
}
SCHEMA = {"lead": "Lead", "account": "Account", "opportunity": "Opportunity"}
BITS = {"Read": AccessRights.READ_ACCESS, "Write": AccessRights.WRITE_ACCESS, "Delete": AccessRights.DELETE_ACCESS,
        "Append": AccessRights.APPEND_ACCESS, "AppendTo": AccessRights.APPEND_TO_ACCESS,
        "Assign": AccessRights.ASSIGN_ACCESS, "Share": AccessRights.SHARE_ACCESS}
CONTACT_LOOKUP = {"lead": "parentcontactid", "account": "primarycontactid", "opportunity": "parentcontactid"}


def _ref(name: str, id_: uuid.UUID) -> EntityReference:
    return EntityReference(name, id_)


class World:
    """The unit tree, the four users and a role per user, over one store."""

    def __init__(self, svc: OrganizationService) -> None:
        self.svc = svc
        root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
        assert root is not None
        x = svc.create(Entity("businessunit", name="X", parentbusinessunitid=_ref("businessunit", root)))
        x1 = svc.create(Entity("businessunit", name="X1", parentbusinessunitid=_ref("businessunit", x)))
        unit = {"me": x, "peer": x, "child": x1, "root": root}
        self.users = {k: svc.create(Entity("systemuser", lastname=k, domainname=f"{k}@x",
                                           businessunitid=_ref("businessunit", unit[k]))) for k in OWNERS}
        self.role = svc.create(Entity("role", name="Tested", businessunitid=_ref("businessunit", x)))
        self.base = svc.create(Entity("role", name="Base", businessunitid=_ref("businessunit", x)))
        svc.associate("systemuser", self.users["me"], "systemuserroles_association",
                      [_ref("role", self.role), _ref("role", self.base)])
        # everyone else can read everything (they are assignees and share targets)
        reader = svc.create(Entity("role", name="Reader", businessunitid=_ref("businessunit", root)))
        svc.execute(AddPrivilegesRoleRequest(role_id=reader, privileges=[
            RolePrivilege(f"prvRead{s}", PrivilegeDepth.GLOBAL) for s in SCHEMA.values()]))
        for k in ("peer", "child", "root"):
            svc.associate("systemuser", self.users[k], "systemuserroles_association", [_ref("role", reader)])
        self.me = svc.as_user(self.users["me"])
        self.contact = svc.create(Entity("contact", lastname="Contact"))
        self.team = svc.create(Entity("team", name="Share target", businessunitid=_ref("businessunit", root)))

    def record(self, table: str, owner: str) -> uuid.UUID:
        values: dict[str, object] = {"ownerid": _ref("systemuser", self.users[owner])}
        if table == "lead":
            values.update(lastname=f"Lead of {owner}", subject="Secret topic")
        else:
            values["name"] = f"{table} of {owner}"
        return self.svc.create(Entity(table, attributes=values))

    def grant(self, role: uuid.UUID, *privileges: RolePrivilege) -> None:
        self.svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=list(privileges)))


def _attempt(fn: object) -> bool:
    try:
        fn()  # type: ignore[operator]
    except OrganizationServiceFault as e:
        assert e.error_code == ErrorCodes.PRIVILEGE_DENIED, e.message
        assert "Secret topic" not in e.message and "Lead of" not in e.message
        return False
    return True


@pytest.mark.parametrize("depth", list(PrivilegeDepth), ids=lambda d: d.name)
@pytest.mark.parametrize("table", ["lead", "account", "opportunity"])
def test_role_matrix(svc: OrganizationService, table: str, depth: PrivilegeDepth) -> None:
    w = World(svc)
    s = SCHEMA[table]
    pk = f"{table}id"
    reach = REACH[depth]
    for action in ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share"):
        name = f"prv{action}{s}"
        # the base role gives what the operation needs besides the privilege under test
        base = {
            "Append": [f"prvWrite{s}", "prvAppendToContact"],
            "AppendTo": ["prvCreateNote", "prvAppendNote"],
        }.get(action, [])
        for b in base:
            w.grant(w.base, RolePrivilege(b, PrivilegeDepth.GLOBAL))
        records = {o: w.record(table, o) for o in OWNERS}
        # without the privilege: every owner is denied
        for owner in OWNERS:
            assert not _do(w, table, action, records[owner], pk), (action, owner, "without privilege")
        records = {o: w.record(table, o) for o in OWNERS}
        w.grant(w.role, RolePrivilege(name, depth))
        for owner in OWNERS:
            expected = True if action == "Create" else owner in reach
            if action != "Create":  # RetrievePrincipalAccess agrees with the checks
                access = svc.execute(RetrievePrincipalAccessRequest(
                    target=_ref(table, records[owner]), principal=_ref("systemuser", w.users["me"]))).access_rights
                assert bool(access & BITS[action]) == expected, (action, owner)
            allowed = _do(w, table, action, records[owner], pk)
            assert allowed == expected, (table, depth.name, action, owner)
        if action == "Read":  # retrieve_multiple returns exactly the reachable records
            got = {e.id for e in w.me.retrieve_multiple(QueryExpression(table))}
            assert got == _owned_by(svc, table, {w.users[o] for o in reach})
        svc.execute(RemovePrivilegeRoleRequest(role_id=w.role, privilege_name=name))
        for b in base:
            svc.execute(RemovePrivilegeRoleRequest(role_id=w.base, privilege_name=b))
        if action != "Read":  # removing the privilege took the right away (the cache was refreshed)
            assert not _do(w, table, action, w.record(table, "me"), pk)


def _owned_by(svc: OrganizationService, table: str, owners: set[uuid.UUID]) -> set[uuid.UUID]:
    q = QueryExpression(table)
    q.criteria.add_condition("ownerid", ConditionOperator.IN, *owners)
    return {e.id for e in svc.retrieve_multiple(q)}


def _do(w: World, table: str, action: str, rid: uuid.UUID, pk: str) -> bool:
    """Try `action` on the record as the tester; check that a denied attempt left no trace."""
    svc, me = w.svc, w.me
    before = svc.retrieve(table, rid)
    if action == "Create":
        values = {"lastname": "New", "subject": "New"} if table == "lead" else {"name": "New"}
        return _attempt(lambda: me.create(Entity(table, attributes=values)))
    if action == "Read":
        return _attempt(lambda: me.retrieve(table, rid))
    if action == "Write":
        ok = _attempt(lambda: me.update(Entity(table, rid, {"description": "changed"})))
    elif action == "Delete":
        ok = _attempt(lambda: me.delete(table, rid))
        assert ok or svc.retrieve(table, rid).id == rid
        return ok
    elif action == "Append":
        ok = _attempt(lambda: me.update(Entity(table, rid, {CONTACT_LOOKUP[table]: _ref("contact", w.contact)})))
    elif action == "AppendTo":
        ok = _attempt(lambda: me.create(Entity("annotation", subject="n", objectid=_ref(table, rid))))
        if not ok:
            q = QueryExpression("annotation")
            q.criteria.add_condition("objectid", ConditionOperator.EQUAL, rid)
            assert len(svc.retrieve_multiple(q)) == 0
        return ok
    elif action == "Assign":
        ok = _attempt(lambda: me.execute(AssignRequest(target=_ref(table, rid),
                                                       assignee=_ref("systemuser", w.users["root"]))))
    else:  # Share
        ok = _attempt(lambda: me.execute(GrantAccessRequest(
            target=_ref(table, rid),
            principal_access=PrincipalAccess(_ref("team", w.team), AccessRights.READ_ACCESS))))
    if not ok:  # nothing written
        after = svc.retrieve(table, rid)
        assert after.get("versionnumber") == before.get("versionnumber")
        assert after.get("ownerid") == before.get("ownerid")
    return ok
