"""Security through every message: another unit's leads cannot be read or changed (and no fault
leaks their data), sharing, teams, assignment with cascade, paging under a read scope."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import (
    AddPrivilegesRoleRequest,
    AssignRequest,
    AssociateRequest,
    DeleteRequest,
    ExecuteMultipleRequest,
    ExecuteMultipleSettings,
    GrantAccessRequest,
    MergeRequest,
    ModifyAccessRequest,
    QualifyLeadRequest,
    RetrievePrincipalAccessRequest,
    RetrieveSharedPrincipalsAndAccessRequest,
    RevokeAccessRequest,
    UpdateRequest,
)
from leadsdk.query import FetchExpression, PagingInfo, QueryExpression
from leadsdk.security import AccessRights, PrincipalAccess, PrivilegeDepth, RolePrivilege

SECRET = "Zanzibar-Secret"
ALL = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")


def ref(name: str, id_: uuid.UUID) -> EntityReference:
    return EntityReference(name, id_)


def setup_units(svc: OrganizationService, depth: PrivilegeDepth = PrivilegeDepth.LOCAL
                ) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    """Units A and B under root; a seller in each, both with every lead/account/contact/opportunity/note
    privilege at `depth`. Returns (seller_a, seller_b, unit_a, unit_b)."""
    root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
    assert root is not None
    ua = svc.create(Entity("businessunit", name="A", parentbusinessunitid=ref("businessunit", root)))
    ub = svc.create(Entity("businessunit", name="B", parentbusinessunitid=ref("businessunit", root)))
    role = svc.create(Entity("role", name="Seller", businessunitid=ref("businessunit", root)))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[
        RolePrivilege(f"prv{a}{t}", depth) for a in ALL for t in ("Lead", "Account", "Contact", "Opportunity",
                                                                   "Note")]))
    users = []
    for name, unit in (("a", ua), ("b", ub)):
        u = svc.create(Entity("systemuser", lastname=name, domainname=f"{name}@x",
                              businessunitid=ref("businessunit", unit)))
        svc.associate("systemuser", u, "systemuserroles_association", [ref("role", role)])
        users.append(u)
    return users[0], users[1], ua, ub


def denied(fn: object, code: int = ErrorCodes.PRIVILEGE_DENIED) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as ei:
        fn()  # type: ignore[operator]
    assert ei.value.error_code == code, ei.value.message
    assert SECRET not in ei.value.message
    return ei.value


def test_other_units_leads_are_denied_through_every_message(svc: OrganizationService) -> None:
    a, b, _, _ = setup_units(svc)
    sa, sb = svc.as_user(a), svc.as_user(b)
    theirs = sb.create(Entity("lead", lastname=SECRET, subject=SECRET, companyname=SECRET))
    mine = sa.create(Entity("lead", lastname="Mine", subject="Mine"))
    acct = sa.create(Entity("account", name="Acme"))
    snapshot = svc.retrieve("lead", theirs)

    denied(lambda: sa.retrieve("lead", theirs))
    assert [e.id for e in sa.retrieve_multiple(QueryExpression("lead"))] == [mine]
    # a query from the account side linking to leads sees none of B's
    q = QueryExpression("account")
    link = q.add_link("lead", "accountid", "parentaccountid")
    link.entity_alias = "l"
    svc.update(Entity("lead", theirs, parentaccountid=ref("account", acct)))
    snapshot = svc.retrieve("lead", theirs)
    assert len(sa.retrieve_multiple(q)) == 0
    assert len(sb.retrieve_multiple(q)) == 0  # B cannot read A's account
    fetch = ("<fetch aggregate='true'><entity name='lead'><attribute name='leadid' aggregate='count' alias='n'/>"
             "</entity></fetch>")
    assert sa.retrieve_multiple(FetchExpression(fetch))[0]["n"].value == 1
    assert svc.retrieve_multiple(FetchExpression(fetch))[0]["n"].value == 2
    denied(lambda: sa.update(Entity("lead", theirs, subject="hacked")))
    denied(lambda: sa.delete("lead", theirs))
    denied(lambda: sa.execute(AssociateRequest(target=ref("account", acct), relationship="accountleads_association",
                                               related_entities=[ref("lead", theirs)])))
    denied(lambda: sa.associate("account", acct, "lead_parent_account", [ref("lead", theirs)]))
    denied(lambda: sa.execute(QualifyLeadRequest(lead_id=ref("lead", theirs), create_account=True,
                                                 status=3)))
    denied(lambda: sa.execute(MergeRequest(target=ref("lead", mine), subordinate_id=theirs,
                                           update_content=Entity("lead"), perform_parenting_checks=False)))
    denied(lambda: sa.execute(AssignRequest(target=ref("lead", theirs), assignee=ref("systemuser", a))))
    denied(lambda: sa.execute(GrantAccessRequest(target=ref("lead", theirs), principal_access=PrincipalAccess(
        ref("systemuser", a), AccessRights.READ_ACCESS))))
    resp = sa.execute(ExecuteMultipleRequest(
        requests=[UpdateRequest(target=Entity("lead", theirs, subject="x")),
                  DeleteRequest(target=ref("lead", theirs))],
        settings=ExecuteMultipleSettings(continue_on_error=True, return_responses=True)))
    assert resp.is_faulted
    faults = [r.fault for r in resp.responses if r.fault is not None]
    assert len(faults) == 2 and all(f.error_code == ErrorCodes.PRIVILEGE_DENIED for f in faults)
    assert all(SECRET not in f.message for f in faults)
    # no trace
    after = svc.retrieve("lead", theirs)
    assert after.attributes == snapshot.attributes
    assert len(svc.retrieve_multiple(QueryExpression("opportunity"))) == 0
    assert {e.id for e in svc.retrieve_multiple(QueryExpression("account"))} == {acct}


def test_sharing_grant_modify_revoke(svc: OrganizationService) -> None:
    a, b, _, _ = setup_units(svc, PrivilegeDepth.BASIC)
    sa, sb = svc.as_user(a), svc.as_user(b)
    lead = sb.create(Entity("lead", lastname="Shared", subject="s"))
    target = ref("lead", lead)
    denied(lambda: sa.retrieve("lead", lead))
    denied(lambda: sb.execute(GrantAccessRequest(target=target, principal_access=PrincipalAccess(
        ref("systemuser", b), AccessRights.READ_ACCESS))), ErrorCodes.CANNOT_SHARE_WITH_OWNER)
    sb.execute(GrantAccessRequest(target=target, principal_access=PrincipalAccess(
        ref("systemuser", a), AccessRights.READ_ACCESS)))
    assert sa.retrieve("lead", lead)["lastname"] == "Shared"
    assert [e.id for e in sa.retrieve_multiple(QueryExpression("lead"))] == [lead]
    denied(lambda: sa.update(Entity("lead", lead, subject="x")))
    sb.execute(GrantAccessRequest(target=target, principal_access=PrincipalAccess(
        ref("systemuser", a), AccessRights.WRITE_ACCESS)))
    sa.update(Entity("lead", lead, subject="x"))
    rights = svc.execute(RetrievePrincipalAccessRequest(target=target, principal=ref("systemuser", a))).access_rights
    assert rights & AccessRights.READ_ACCESS and rights & AccessRights.WRITE_ACCESS
    assert not rights & AccessRights.DELETE_ACCESS
    shared = svc.execute(RetrieveSharedPrincipalsAndAccessRequest(target=target)).principal_access
    assert [(p.principal.id, int(p.access_mask)) for p in shared] == [(a, 3)]
    sb.execute(ModifyAccessRequest(target=target, principal_access=PrincipalAccess(
        ref("systemuser", a), AccessRights.READ_ACCESS)))
    denied(lambda: sa.update(Entity("lead", lead, subject="y")))
    sb.execute(RevokeAccessRequest(target=target, revokee=ref("systemuser", a)))
    denied(lambda: sa.retrieve("lead", lead))
    assert svc.execute(RetrieveSharedPrincipalsAndAccessRequest(target=target)).principal_access == []
    svc.delete("lead", lead)  # shares go with the record
    assert len(svc.retrieve_multiple(QueryExpression("principalobjectaccess"))) == 0


def test_team_roles_ownership_and_shares(svc: OrganizationService) -> None:
    _, b, ua, _ = setup_units(svc, PrivilegeDepth.BASIC)
    plain = svc.create(Entity("systemuser", lastname="plain", domainname="p@x", businessunitid=ref("businessunit", ua)))
    team = svc.create(Entity("team", name="Team", businessunitid=ref("businessunit", ua)))
    role = svc.create(Entity("role", name="TeamRole", businessunitid=ref("businessunit", ua)))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[RolePrivilege("prvReadLead", PrivilegeDepth.BASIC)]))
    sp = svc.as_user(plain)
    team_lead = svc.create(Entity("lead", lastname="TeamOwned", subject="t", ownerid=ref("team", team)))
    denied(lambda: sp.retrieve_multiple(QueryExpression("lead")))
    svc.associate("team", team, "teamroles_association", [ref("role", role)])
    svc.associate("systemuser", plain, "teammembership_association", [ref("team", team)])
    assert [e.id for e in sp.retrieve_multiple(QueryExpression("lead"))] == [team_lead]
    other = svc.as_user(b).create(Entity("lead", lastname="B", subject="b"))
    svc.as_user(b).execute(GrantAccessRequest(target=ref("lead", other), principal_access=PrincipalAccess(
        ref("team", team), AccessRights.READ_ACCESS)))
    assert {e.id for e in sp.retrieve_multiple(QueryExpression("lead"))} == {team_lead, other}
    svc.disassociate("systemuser", plain, "teammembership_association", [ref("team", team)])
    denied(lambda: sp.retrieve_multiple(QueryExpression("lead")))


def test_assign_checks_and_cascades(svc: OrganizationService) -> None:
    a, b, ua, _ = setup_units(svc, PrivilegeDepth.GLOBAL)
    sa = svc.as_user(a)
    lead = sa.create(Entity("lead", lastname="L", subject="s"))
    note = sa.create(Entity("annotation", subject="n", objectid=ref("lead", lead)))
    task = svc.create(Entity("task", subject="call", regardingobjectid=ref("lead", lead),
                             ownerid=ref("systemuser", a)))
    sa.execute(AssignRequest(target=ref("lead", lead), assignee=ref("systemuser", b)))
    for table, id_ in (("lead", lead), ("annotation", note), ("task", task)):
        got = svc.retrieve(table, id_)
        assert got["ownerid"].id == b, table
    nobody = svc.create(Entity("systemuser", lastname="n", domainname="n@x", businessunitid=ref("businessunit", ua)))
    denied(lambda: sa.execute(AssignRequest(target=ref("lead", lead), assignee=ref("systemuser", nobody))),
           ErrorCodes.PRINCIPAL_PRIVILEGE_DENIED)
    assert svc.retrieve("lead", lead)["ownerid"].id == b


def test_paging_under_a_read_scope(svc: OrganizationService) -> None:
    a, b, _, _ = setup_units(svc, PrivilegeDepth.BASIC)
    sa, sb = svc.as_user(a), svc.as_user(b)
    mine = {sa.create(Entity("lead", lastname=f"a{i}", subject="s")) for i in range(7)}
    for i in range(5):
        sb.create(Entity("lead", lastname=f"b{i}", subject="s"))
    q = QueryExpression("lead")
    q.page_info = PagingInfo(count=3, page_number=1)
    seen: list[uuid.UUID] = []
    while True:
        page = sa.retrieve_multiple(q)
        seen += [e.id for e in page if e.id is not None]
        if not page.more_records:
            break
        q.page_info = PagingInfo(count=3, page_number=q.page_info.page_number + 1, paging_cookie=page.paging_cookie)
    assert len(seen) == len(set(seen)) == 7 and set(seen) == mine


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(-5, 10), name=st.sampled_from(["prvReadLead", "prvReadNope", "prvread", ""]))
def test_add_privileges_role_rejects_bad_input(svc: OrganizationService, depth: int, name: str) -> None:
    root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
    assert root is not None
    role = svc.create(Entity("role", name="R", businessunitid=ref("businessunit", root)))
    req = AddPrivilegesRoleRequest(role_id=role, privileges=[RolePrivilege(name, depth)])
    if 0 <= depth <= 3 and name == "prvReadLead":
        svc.execute(req)
        return
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(req)
    assert ei.value.error_code in (ErrorCodes.INVALID_PRIVILEGE_DEPTH, ErrorCodes.OBJECT_DOES_NOT_EXIST,
                                   ErrorCodes.REQUIRED_FIELD_MISSING)


def test_system_needs_no_setup(svc: OrganizationService) -> None:
    lead = svc.create(Entity("lead", lastname="Solo", subject="s"))
    svc.update(Entity("lead", lead, subject="t"))
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 1
    svc.delete("lead", lead)
