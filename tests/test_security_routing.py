"""Assignment rules: priority order, FetchXML conditions, round robin, capacity, team sellers,
the reason on the record, on-demand ApplyRoutingRule, and bad rules rejected."""

from __future__ import annotations

import uuid

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import AddPrivilegesRoleRequest, ApplyRoutingRuleRequest
from leadsdk.query import QueryExpression
from leadsdk.security import PrivilegeDepth, RolePrivilege


def ref(name: str, id_: uuid.UUID) -> EntityReference:
    return EntityReference(name, id_)


def sellers(svc: OrganizationService, n: int, capacity: int | None = None) -> list[uuid.UUID]:
    root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
    assert root is not None
    role = svc.create(Entity("role", name="Seller", businessunitid=ref("businessunit", root)))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[
        RolePrivilege(p, PrivilegeDepth.BASIC) for p in ("prvReadLead", "prvCreateLead", "prvReadOpportunity")]))
    out = []
    for i in range(n):
        u = svc.create(Entity("systemuser", lastname=f"s{i}", domainname=f"s{i}@x",
                              businessunitid=ref("businessunit", root), msdyn_capacity=capacity))
        svc.associate("systemuser", u, "systemuserroles_association", [ref("role", role)])
        out.append(u)
    return sorted(out, key=str)


def rule(svc: OrganizationService, name: str, priority: int, users: list[uuid.UUID], condition: str = "",
         distribution: int = 0, entity: str = "lead", team: uuid.UUID | None = None) -> uuid.UUID:
    values: dict[str, object] = {"msdyn_name": name, "msdyn_priority": priority, "msdyn_entitytype": entity,
                                 "msdyn_condition": condition or None, "msdyn_distributiontype": distribution}
    if team is not None:
        values["msdyn_teamid"] = ref("team", team)
    rid = svc.create(Entity("msdyn_assignmentrule", attributes=values))
    if users:
        svc.associate("msdyn_assignmentrule", rid, "msdyn_assignmentrule_systemuser",
                      [ref("systemuser", u) for u in users])
    return rid


def owner(svc: OrganizationService, lead: uuid.UUID) -> uuid.UUID:
    return svc.retrieve("lead", lead)["ownerid"].id  # type: ignore[no-any-return]


def test_round_robin_priority_and_conditions(svc: OrganizationService) -> None:
    s = sellers(svc, 4)
    web = "<filter><condition attribute='leadsourcecode' operator='eq' value='8'/></filter>"
    rule(svc, "Everything else", 20, [s[3]])
    rule(svc, "Web leads", 10, s[:3], web)
    got = [owner(svc, svc.create(Entity("lead", lastname=f"w{i}", subject="x", leadsourcecode=8))) for i in range(6)]
    assert got == [s[0], s[1], s[2], s[0], s[1], s[2]]
    other = svc.create(Entity("lead", lastname="o", subject="x", leadsourcecode=1))
    assert owner(svc, other) == s[3]
    reason = svc.retrieve("lead", other)["msdyn_salesassignmentresult"]
    assert "Everything else" in reason


def test_unmatched_keep_owner_and_apply_on_demand(svc: OrganizationService) -> None:
    s = sellers(svc, 2)
    before = svc.create(Entity("lead", lastname="old", subject="x", companyname="Contoso"))
    cond = "<filter><condition attribute='companyname' operator='like' value='Contoso%'/></filter>"
    rid = rule(svc, "Contoso", 1, s, cond)
    unmatched = svc.create(Entity("lead", lastname="n", subject="x", companyname="Fabrikam"))
    assert owner(svc, unmatched) != s[0] and owner(svc, unmatched) != s[1]
    assert svc.retrieve("lead", unmatched).get("msdyn_salesassignmentresult") is None
    resp = svc.execute(ApplyRoutingRuleRequest(target=ref("lead", before)))
    assert resp.assignee is not None and resp.assignee.id in s
    assert resp.assignment_rule is not None and resp.assignment_rule.id == rid
    assert owner(svc, before) == resp.assignee.id
    resp = svc.execute(ApplyRoutingRuleRequest(target=ref("lead", unmatched)))
    assert resp.assignee is None and "No assignment rule matched" in resp.reason


def test_capacity_and_team_sellers(svc: OrganizationService) -> None:
    s = sellers(svc, 2, capacity=2)
    root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
    assert root is not None
    team = svc.create(Entity("team", name="Sales team", businessunitid=ref("businessunit", root)))
    svc.associate("team", team, "teammembership_association", [ref("systemuser", u) for u in s])
    rule(svc, "By capacity", 1, [], distribution=1, team=team)
    got = [owner(svc, svc.create(Entity("lead", lastname=f"l{i}", subject="x"))) for i in range(5)]
    assert sorted(got[:4], key=str) == sorted([s[0], s[0], s[1], s[1]], key=str)
    assert got[4] not in s  # everyone at capacity: keeps its owner
    last = svc.retrieve("lead", svc.retrieve_multiple(QueryExpression("lead"))[-1].id)
    assert last is not None


def test_seller_creating_a_lead_gets_it_routed(svc: OrganizationService) -> None:
    s = sellers(svc, 2)
    rule(svc, "All", 1, [s[1]])
    lead = svc.as_user(s[0]).create(Entity("lead", lastname="by seller", subject="x"))
    assert owner(svc, lead) == s[1]


@pytest.mark.parametrize("bad", [
    {"msdyn_entitytype": "account"},
    {"msdyn_condition": "not xml"},
    {"msdyn_condition": "<filter><condition attribute='nope' operator='eq' value='1'/></filter>"},
    {"msdyn_condition": "<fetch><entity name='contact'/></fetch>"},
])
def test_bad_rules_are_rejected(svc: OrganizationService, bad: dict[str, object]) -> None:
    values: dict[str, object] = {"msdyn_name": "Bad", "msdyn_entitytype": "lead", **bad}
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("msdyn_assignmentrule", attributes=values))
        svc.create(Entity("lead", lastname="x", subject="x"))
    assert ei.value.error_code != ErrorCodes.UNEXPECTED
    assert len(svc.retrieve_multiple(QueryExpression("msdyn_assignmentrule"))) == 0
