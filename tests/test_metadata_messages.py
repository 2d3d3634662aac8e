"""Metadata messages, customizations that survive reopening, and views."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, ErrorCodes, OrganizationService, OrganizationServiceFault
from leadsdk.entities.declare import lookup, memo, money, optionset, picklist, string
from leadsdk.entities.model import (
    AttributeType,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
    RequiredLevel,
)
from leadsdk.messages import (
    CreateAttributeRequest,
    CreateEntityRequest,
    CreateManyToManyRequest,
    CreateOneToManyRequest,
    DeleteAttributeRequest,
    EntityDefinition,
    ExecuteByIdSavedQueryRequest,
    ExecuteByIdUserQueryRequest,
    RetrieveAllEntitiesRequest,
    RetrieveAttributeRequest,
    RetrieveEntityRequest,
    UpdateAttributeRequest,
    UpdateEntityRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression


def fault_of(fn, *a, **k) -> OrganizationServiceFault:  # type: ignore[no-untyped-def]
    with pytest.raises(OrganizationServiceFault) as ei:
        fn(*a, **k)
    return ei.value


def make_project(svc: OrganizationService) -> None:
    svc.execute(CreateEntityRequest(
        entity=EntityDefinition(schema_name="new_project", display_name="Project", display_collection_name="Projects"),
        primary_attribute=string("new_name", 100, "Project Name")))


def test_retrieve_entity_and_all_entities(svc: OrganizationService) -> None:
    info = svc.execute(RetrieveEntityRequest(logical_name="lead")).entity_metadata
    assert info.logical_name == "lead" and info.primary_id_attribute == "leadid"
    assert info.primary_name_attribute == "fullname" and info.object_type_code == 4
    names = [a.logical_name for a in info.attributes]
    assert "companyname" in names and "statecode" in names
    assert info.attribute("subject").max_length == 300
    assert any(r.schema_name == "account_originating_lead" for r in info.one_to_many_relationships)
    assert any(r.schema_name == "accountleads_association" for r in info.many_to_many_relationships)
    assert info.state_model is not None and info.state_model.statuses_of(2) == (4, 5, 6, 7)
    every = svc.execute(RetrieveAllEntitiesRequest()).entity_metadata
    assert {"lead", "account", "contact", "opportunity", "savedquery"} <= {e.logical_name for e in every}
    a = svc.execute(RetrieveAttributeRequest(entity_logical_name="lead", logical_name="leadsourcecode"))
    assert a.attribute_metadata.option_set.label(8) == "Web"
    f = fault_of(svc.execute, RetrieveAttributeRequest(entity_logical_name="lead", logical_name="nope"))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE


def test_custom_table_end_to_end(svc: OrganizationService) -> None:
    make_project(svc)
    svc.execute(CreateAttributeRequest(entity_name="new_project", attribute=money("new_budget", "Budget")))
    svc.execute(CreateAttributeRequest(entity_name="new_project", attribute=lookup("new_leadid", "lead", "Lead")))
    kind = optionset("new_projectkind", {100000000: "Internal", 100000001: "Customer"})
    svc.execute(CreateAttributeRequest(entity_name="new_project", attribute=picklist("new_kind", kind, "Kind")))
    lead = svc.create(Entity("lead", lastname="Lovelace", firstname="Ada"))
    pid = svc.create(Entity("new_project", new_name="Apollo", new_budget=Decimal("12.50"),
                            new_leadid=EntityReference("lead", lead), new_kind=100000001))
    p = svc.retrieve("new_project", pid)
    assert p["new_name"] == "Apollo" and p["new_leadid"].name == "Ada Lovelace"
    assert p.formatted_values["new_kind"] == "Customer" and p["statecode"].value == 0
    q = QueryExpression("new_project", ColumnSet("new_name"))
    link = q.add_link("lead", "new_leadid", "leadid")
    link.link_criteria.add_condition("lastname", ConditionOperator.EQUAL, "lovelace")
    assert [e["new_name"] for e in svc.retrieve_multiple(q)] == ["Apollo"]
    assert fault_of(svc.create, Entity("new_project", new_kind=5)).error_code == ErrorCodes.INVALID_OPTION_SET_VALUE


def test_customizations_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with OrganizationService.open(path) as s1:
        make_project(s1)
        s1.execute(CreateAttributeRequest(entity_name="lead", attribute=string("new_budgetcode", 20, "Budget Code")))
        s1.execute(UpdateEntityRequest(entity=EntityDefinition(schema_name="account", display_name="Company",
                                                               display_collection_name="Companies")))
        lid = s1.create(Entity("lead", lastname="X", new_budgetcode="B-1"))
        pid = s1.create(Entity("new_project", new_name="Kept"))
    with OrganizationService.open(path) as s2:
        assert s2.retrieve("lead", lid)["new_budgetcode"] == "B-1"
        assert s2.retrieve("new_project", pid)["new_name"] == "Kept"
        assert s2.metadata.table("account").display_name == "Company"
        assert s2.metadata.table("new_project").attributes["new_name"].is_custom


def test_publisher_prefix_required(svc: OrganizationService) -> None:
    f = fault_of(svc.execute, CreateAttributeRequest(entity_name="lead", attribute=string("budgetcode", 20)))
    assert f.error_code == ErrorCodes.INVALID_CUSTOMIZATION_PREFIX and "new_" in f.message
    f = fault_of(svc.execute, CreateEntityRequest(entity=EntityDefinition(schema_name="project"),
                                                  primary_attribute=string("new_name", 100)))
    assert f.error_code == ErrorCodes.INVALID_CUSTOMIZATION_PREFIX
    svc.execute(CreateAttributeRequest(entity_name="lead", attribute=string("abc_code", 20), publisher_prefix="abc"))
    assert "abc_code" in svc.metadata.table("lead").attributes


def test_duplicate_names_fault_and_leave_metadata_unchanged(svc: OrganizationService) -> None:
    make_project(svc)
    f = fault_of(make_project, svc)
    assert f.error_code == ErrorCodes.DUPLICATE_ENTITY_NAME
    svc.execute(CreateAttributeRequest(entity_name="lead", attribute=string("new_code", 20)))
    f = fault_of(svc.execute, CreateAttributeRequest(entity_name="lead", attribute=string("new_code", 30)))
    assert f.error_code == ErrorCodes.DUPLICATE_ATTRIBUTE_NAME
    assert svc.metadata.table("lead").attributes["new_code"].max_length == 20


def test_update_attribute_labels_length_and_required(svc: OrganizationService) -> None:
    svc.execute(CreateAttributeRequest(entity_name="lead", attribute=string("new_code", 20, "Code")))
    svc.execute(UpdateAttributeRequest(entity_name="lead", attribute=string(
        "new_code", 40, "Budget Code", required=RequiredLevel.RECOMMENDED)))
    a = svc.metadata.table("lead").attributes["new_code"]
    assert (a.max_length, a.display_name, a.required_level) == (40, "Budget Code", RequiredLevel.RECOMMENDED)
    svc.create(Entity("lead", lastname="x", new_code="y" * 40))
    f = fault_of(svc.execute, UpdateAttributeRequest(entity_name="lead", attribute=string("new_code", 10)))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT and "shrink" in f.message
    # system columns can be relabelled, not retyped
    svc.execute(UpdateAttributeRequest(entity_name="lead", attribute=string("companyname", 100, "Company")))
    assert svc.metadata.table("lead").attributes["companyname"].display_name == "Company"
    f = fault_of(svc.execute, UpdateAttributeRequest(entity_name="lead", attribute=memo("companyname", 100)))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT


def test_delete_attribute_only_custom(svc: OrganizationService) -> None:
    svc.execute(CreateAttributeRequest(entity_name="lead", attribute=string("new_code", 20)))
    svc.execute(DeleteAttributeRequest(entity_logical_name="lead", logical_name="new_code"))
    assert "new_code" not in svc.metadata.table("lead").attributes
    assert fault_of(svc.create, Entity("lead", new_code="x")).error_code == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE
    f = fault_of(svc.execute, DeleteAttributeRequest(entity_logical_name="lead", logical_name="companyname"))
    assert f.error_code == ErrorCodes.CANNOT_DELETE_SYSTEM_ATTRIBUTE and "companyname" in f.message


def test_create_one_to_many_and_many_to_many(svc: OrganizationService) -> None:
    make_project(svc)
    svc.execute(CreateOneToManyRequest(
        one_to_many_relationship=OneToManyRelationshipMetadata("new_account_project", "account", "accountid",
                                                               "new_project", "new_accountid"),
        lookup=lookup("new_accountid", "account", "Account").attribute))
    acc = svc.create(Entity("account", name="Litware"))
    pid = svc.create(Entity("new_project", new_name="P", new_accountid=EntityReference("account", acc)))
    assert svc.retrieve("new_project", pid)["new_accountid"].name == "Litware"
    svc.execute(CreateManyToManyRequest(
        many_to_many_relationship=ManyToManyRelationshipMetadata("new_project_contact", "new_project", "contact",
                                                                 "new_project_contact", "", ""),
        intersect_entity_schema_name="new_project_contact"))
    c = svc.create(Entity("contact", lastname="Andersen"))
    svc.associate("new_project", pid, "new_project_contact", [EntityReference("contact", c)])
    q = QueryExpression("contact", ColumnSet("lastname"))
    inter = q.add_link("new_project_contact", "contactid", "contactid")
    inter.link_criteria.add_condition("new_projectid", ConditionOperator.EQUAL, pid)
    assert [e["lastname"] for e in svc.retrieve_multiple(q)] == ["Andersen"]


def test_rename_account_shows_in_metadata(svc: OrganizationService) -> None:
    svc.execute(UpdateEntityRequest(entity=EntityDefinition(schema_name="contact", display_name="Individual",
                                                            display_collection_name="Individuals")))
    info = svc.execute(RetrieveEntityRequest(logical_name="contact")).entity_metadata
    assert (info.display_name, info.display_collection_name) == ("Individual", "Individuals")


# ---- views -----------------------------------------------------------------------------------------------

def view_id(svc: OrganizationService, entity: str, name: str) -> uuid.UUID:
    q = QueryExpression("savedquery", ColumnSet("name"))
    q.criteria.add_condition("returnedtypecode", ConditionOperator.EQUAL, entity)
    q.criteria.add_condition("name", ConditionOperator.EQUAL, name)
    rows = svc.retrieve_multiple(q)
    assert len(rows) == 1, name
    vid = rows[0].id
    assert vid is not None
    return vid


@pytest.mark.parametrize(("entity", "names"), [
    ("lead", ["Open Leads", "My Open Leads", "Closed Leads", "All Leads", "Leads Opened Last Week"]),
    ("account", ["Active Accounts", "My Active Accounts", "Inactive Accounts", "All Accounts"]),
    ("contact", ["Active Contacts", "My Active Contacts", "Inactive Contacts", "All Contacts"]),
    ("opportunity", ["Open Opportunities", "My Open Opportunities", "Closed Opportunities", "All Opportunities"]),
    ("incident", ["Active Cases", "My Active Cases", "Resolved Cases", "All Cases"]),
])
def test_seeded_views_exist_and_run(svc: OrganizationService, entity: str, names: list[str]) -> None:
    for name in names:
        vid = view_id(svc, entity, name)
        coll = svc.execute(ExecuteByIdSavedQueryRequest(entity_id=vid)).entity_collection
        assert coll.entity_name == entity


def test_lead_views_filter_and_have_company_name(svc: OrganizationService) -> None:
    user = svc.create(Entity("systemuser", lastname="Seller", domainname="seller@x",
                             businessunitid=svc.retrieve_multiple(QueryExpression("businessunit"))[0]
                             .to_entity_reference()))
    a = svc.create(Entity("lead", lastname="Mine", companyname="Contoso"))
    b = svc.create(Entity("lead", lastname="Theirs", companyname="Fabrikam"))
    svc.update(Entity("lead", b, ownerid=EntityReference("systemuser", user)))
    c = svc.create(Entity("lead", lastname="Gone", companyname="Litware"))
    svc.update(Entity("lead", c, statecode=2, statuscode=4))
    open_ = svc.execute(ExecuteByIdSavedQueryRequest(entity_id=view_id(svc, "lead", "Open Leads"))).entity_collection
    assert {e.id for e in open_} == {a, b}
    assert all("companyname" in e for e in open_)
    mine = svc.retrieve_multiple(EntityReference("savedquery", view_id(svc, "lead", "My Open Leads")))
    assert {e.id for e in mine} == {a}
    # the seller needs a role that reads leads and views (security)
    from leadsdk.messages import AddPrivilegesRoleRequest
    from leadsdk.security import PrivilegeDepth, RolePrivilege

    role = svc.create(Entity("role", name="Sales", businessunitid=svc.retrieve_multiple(
        QueryExpression("businessunit"))[0].to_entity_reference()))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[
        RolePrivilege(p, PrivilegeDepth.GLOBAL) for p in ("prvReadLead", "prvReadSavedQuery")]))
    svc.associate("systemuser", user, "systemuserroles_association", [EntityReference("role", role)])
    theirs = svc.as_user(user).retrieve_multiple(EntityReference("savedquery", view_id(svc, "lead", "My Open Leads")))
    assert {e.id for e in theirs} == {b}
    closed = svc.execute(ExecuteByIdSavedQueryRequest(entity_id=view_id(svc, "lead", "Closed Leads")))
    assert [e["companyname"] for e in closed.entity_collection] == ["Litware"]


def test_personal_view(svc: OrganizationService) -> None:
    svc.create(Entity("lead", lastname="Web lead", leadsourcecode=8))
    svc.create(Entity("lead", lastname="Other", leadsourcecode=1))
    vid = svc.create(Entity("userquery", name="My web leads", returnedtypecode="lead", fetchxml=(
        "<fetch><entity name='lead'><attribute name='lastname'/>"
        "<filter><condition attribute='leadsourcecode' operator='eq' value='8'/></filter></entity></fetch>")))
    got = svc.execute(ExecuteByIdUserQueryRequest(entity_id=vid)).entity_collection
    assert [e["lastname"] for e in got] == ["Web lead"]
    assert fault_of(svc.execute, ExecuteByIdUserQueryRequest(entity_id=uuid.uuid4())).error_code == \
        ErrorCodes.OBJECT_DOES_NOT_EXIST


def test_metadata_types_are_typed() -> None:
    assert AttributeType.MONEY.is_numeric


def test_run_view_by_name(svc: OrganizationService) -> None:
    from leadsdk.helpers.views import run_view, view_reference

    svc.create(Entity("lead", lastname="Open one", companyname="Contoso"))
    rows = run_view(svc, "Open Leads")
    assert [e["companyname"] for e in rows] == ["Contoso"]
    assert view_reference(svc, "Open Leads").logical_name == "savedquery"
    svc.create(Entity("userquery", name="Open Leads", returnedtypecode="lead", fetchxml=(
        "<fetch><entity name='lead'><attribute name='lastname'/></entity></fetch>")))
    assert view_reference(svc, "Open Leads").logical_name == "userquery"  # personal views first
    f = fault_of(run_view, svc, "No such view")
    assert f.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST


def test_custom_table_end_to_end_with_qualify_view_and_reopen(tmp_path: Path) -> None:
    """A custom table made through messages: created, queried, linked to lead by a custom lookup,
    qualified into (as a mapped field), shown in a view, and kept after reopening the file."""
    from leadsdk.helpers.views import run_view
    from leadsdk.messages import QualifyLeadRequest

    path = tmp_path / "crm.db"
    with OrganizationService.open(path) as svc:
        make_project(svc)
        for table in ("lead", "opportunity"):
            svc.execute(CreateAttributeRequest(entity_name=table,
                                               attribute=lookup("new_projectid", "new_project", "Project")))
        q = QueryExpression("entitymap", ColumnSet("targetentityname"))
        q.criteria.add_condition("sourceentityname", ConditionOperator.EQUAL, "lead")
        q.criteria.add_condition("targetentityname", ConditionOperator.EQUAL, "opportunity")
        opp_map = svc.retrieve_multiple(q)[0].to_entity_reference()
        svc.create(Entity("attributemap", entitymapid=opp_map, sourceattributename="new_projectid",
                          targetattributename="new_projectid"))
        project = svc.create(Entity("new_project", new_name="Apollo"))
        lead = svc.create(Entity("lead", lastname="Lovelace", companyname="Analytical", subject="Engines",
                                 new_projectid=EntityReference("new_project", project)))
        resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_opportunity=True,
                                              status=3))
        opp = next(r for r in resp.created_entities if r.logical_name == "opportunity")
        assert svc.retrieve("opportunity", opp.id)["new_projectid"].name == "Apollo"
        svc.create(Entity("savedquery", name="Active Projects", returnedtypecode="new_project", fetchxml=(
            "<fetch><entity name='new_project'><attribute name='new_name'/>"
            "<filter><condition attribute='statecode' operator='eq' value='0'/></filter></entity></fetch>")))
        assert [e["new_name"] for e in run_view(svc, "Active Projects")] == ["Apollo"]
    with OrganizationService.open(path) as again:
        assert [e["new_name"] for e in run_view(again, "Active Projects", "new_project")] == ["Apollo"]
        q2 = QueryExpression("opportunity", ColumnSet("new_projectid"))
        q2.criteria.add_condition("new_projectid", ConditionOperator.EQUAL, project)
        assert len(again.retrieve_multiple(q2)) == 1
