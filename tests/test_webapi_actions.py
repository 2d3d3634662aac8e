"""Web API actions and functions (generic mapping of leadsdk.messages), $ref associations, metadata."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from tests.webapi_helpers import Api, error_code

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.query import QueryExpression


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def test_bound_qualify_lead(api: Api, svc: OrganizationService) -> None:
    lid = api.create("leads", {"lastname": "Q", "firstname": "Ada", "subject": "Bikes", "companyname": "Q Co"})
    r = api.post(f"leads({lid})/Microsoft.Dynamics.CRM.QualifyLead",
                 json={"CreateAccount": True, "CreateContact": True, "CreateOpportunity": True, "Status": 3})
    assert r.status_code == 200, r.text
    created = {c["@odata.type"] for c in r.json()["CreatedEntities"]}
    assert created == {"#Microsoft.Dynamics.CRM.account", "#Microsoft.Dynamics.CRM.contact",
                       "#Microsoft.Dynamics.CRM.opportunity"}
    assert svc.retrieve("lead", lid)["statecode"].value == 1
    again = api.post(f"leads({lid})/Microsoft.Dynamics.CRM.QualifyLead",
                     json={"CreateAccount": False, "CreateContact": False, "CreateOpportunity": False, "Status": 3})
    assert again.status_code == 400 and again.json()["error"]["code"].startswith("0x8004")


def test_unbound_win_opportunity(api: Api, svc: OrganizationService) -> None:
    acc = api.create("accounts", {"name": "Won Co"})
    opp = api.create("opportunities", {"name": "Deal", "customerid_account@odata.bind": f"/accounts({acc})"})
    r = api.post("WinOpportunity", json={"Status": 3, "OpportunityClose": {
        "subject": "Won it", "opportunityid@odata.bind": f"/opportunities({opp})"}})
    assert r.status_code == 204, r.text
    assert svc.retrieve("opportunity", opp)["statecode"].value == 1


def test_merge_accounts(api: Api, svc: OrganizationService) -> None:
    master = api.create("accounts", {"name": "Master"})
    sub = api.create("accounts", {"name": "Sub"})
    r = api.post("Merge", json={
        "Target": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": master},
        "Subordinate": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": sub},
        "UpdateContent": {"@odata.type": "Microsoft.Dynamics.CRM.account", "telephone1": "555"},
        "PerformParentingChecks": False})
    assert r.status_code in (200, 204), r.text
    assert svc.retrieve("account", master)["telephone1"] == "555"
    assert svc.retrieve("account", sub)["statecode"].value == 1


def test_create_multiple_bound_to_a_set(api: Api, svc: OrganizationService) -> None:
    r = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": [
        {"@odata.type": "Microsoft.Dynamics.CRM.account", "name": f"Bulk {i}"} for i in range(3)]})
    assert r.status_code == 200, r.text
    ids = r.json()["Ids"]
    assert len(ids) == 3
    assert sorted(svc.retrieve("account", i)["name"] for i in ids) == ["Bulk 0", "Bulk 1", "Bulk 2"]


def test_functions_with_parameter_aliases(api: Api, svc: OrganizationService) -> None:
    acc = api.create("accounts", {"name": "Audited"})
    api.patch(f"accounts({acc})", json={"name": "Audited 2"})
    target = quote("{'@odata.id':'accounts(" + acc + ")'}")
    r = api.get(f"RetrieveRecordChangeHistory(Target=@t)?@t={target}")
    assert r.status_code == 200, r.text
    details = r.json()["AuditDetailCollection"]["AuditDetails"]
    assert len(details) >= 2
    unknown = api.get("NoSuchFunction()")
    assert unknown.status_code == 404


def test_grant_access_with_principal_access(api: Api, svc: OrganizationService) -> None:
    acc = api.create("accounts", {"name": "Shared"})
    me = api.get("WhoAmI").json()
    uid = svc.create(Entity("systemuser", lastname="Peer",
                            businessunitid=EntityReference("businessunit", me["BusinessUnitId"])))
    r = api.post("GrantAccess", json={
        "Target": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": acc},
        "PrincipalAccess": {"Principal": {"@odata.type": "Microsoft.Dynamics.CRM.systemuser", "systemuserid": str(uid)},
                            "AccessMask": "ReadAccess, WriteAccess"}})
    assert r.status_code == 204, r.text
    poa = QueryExpression("principalobjectaccess", column_set=ColumnSet(all_columns=True))
    rows = svc.retrieve_multiple(poa).entities
    assert any(row.get("accessrightsmask") == 3 for row in rows)
    bad = api.post("GrantAccess", json={"Target": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": acc},
                                        "NoSuchParameter": 1})
    assert bad.status_code == 400


def test_ref_associate_and_disassociate(api: Api, svc: OrganizationService) -> None:
    acc = api.create("accounts", {"name": "Parent"})
    lead = api.create("leads", {"lastname": "Linked", "subject": "s"})
    root = "http://testserver/api/data/v9.2/"
    r = api.post(f"accounts({acc})/accountleads_association/$ref", json={"@odata.id": f"{root}leads({lead})"})
    assert r.status_code == 204, r.text
    linked = api.get(f"accounts({acc})/accountleads_association?$select=lastname").json()["value"]
    assert [x["lastname"] for x in linked] == ["Linked"]
    assert api.delete(f"accounts({acc})/accountleads_association({lead})/$ref").status_code == 204
    assert api.get(f"accounts({acc})/accountleads_association").json()["value"] == []
    assert api.put(f"leads({lead})/parentaccountid/$ref", json={"@odata.id": f"accounts({acc})"}).status_code == 204
    assert svc.retrieve("lead", lead)["parentaccountid"].id == EntityReference("account", acc).id
    assert api.delete(f"leads({lead})/parentaccountid/$ref").status_code == 204
    assert svc.retrieve("lead", lead).get("parentaccountid") is None
    wrong = api.post(f"accounts({acc})/accountleads_association/$ref", json={"@odata.id": f"accounts({acc})"})
    assert wrong.status_code == 400


def test_entity_definitions(api: Api) -> None:
    r = api.get("EntityDefinitions?$filter=LogicalName eq 'lead'&$select=LogicalName,EntitySetName")
    assert r.status_code == 200, r.text
    (lead,) = r.json()["value"]
    assert lead["EntitySetName"] == "leads" and lead["PrimaryIdAttribute"] == "leadid"
    r = api.get("EntityDefinitions(LogicalName='lead')?$expand=Attributes,ManyToOneRelationships")
    body = r.json()
    src = next(a for a in body["Attributes"] if a["LogicalName"] == "leadsourcecode")
    assert src["@odata.type"] == "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
    assert any(o["Value"] == 8 for o in src["OptionSet"]["Options"])
    assert any(rel["SchemaName"] == "lead_parent_account" for rel in body["ManyToOneRelationships"])
    picklists = api.get("EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM."
                        "PicklistAttributeMetadata").json()["value"]
    assert picklists and all(p["AttributeType"] == "Picklist" for p in picklists)
    one = api.get("EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='lastname')").json()
    assert one["MaxLength"] > 0
    assert api.get("EntityDefinitions(LogicalName='nosuch')").status_code == 404
    assert api.get("EntityDefinitions?$filter=LogicalName eq 'nosuch'").json()["value"] == []
    assert api.get("EntityDefinitions?$filter=foo").status_code == 400


def test_csdl_and_service_document(api: Api) -> None:
    r = api.get("$metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    ns = {"edm": "http://docs.oasis-open.org/odata/ns/edm"}
    root = ET.fromstring(r.text)
    lead = root.find(".//edm:EntityType[@Name='lead']", ns)
    assert lead is not None
    props = {p.get("Name") for p in lead.findall("edm:Property", ns)}
    assert {"lastname", "_parentaccountid_value"} <= props
    navs = {p.get("Name") for p in lead.findall("edm:NavigationProperty", ns)}
    assert "parentaccountid" in navs
    sets = {s.get("Name") for s in root.findall(".//edm:EntitySet", ns)}
    assert {"leads", "accounts", "opportunities"} <= sets
    doc = api.get("").json()
    assert any(v["name"] == "leads" for v in doc["value"])


def test_custom_table_is_served(api: Api, svc: OrganizationService) -> None:
    from leadsdk.entities.declare import string
    from leadsdk.messages import CreateEntityRequest, EntityDefinition

    svc.execute(CreateEntityRequest(entity=EntityDefinition(schema_name="new_Project", display_name="Project",
                                                            display_collection_name="Projects"),
                                    primary_attribute=string("new_name", 100, "Name")))
    set_name = svc.metadata.table("new_project").entity_set_name
    pid = api.create(set_name, {"new_name": "Apollo"})
    assert api.get(f"{set_name}({pid})?$select=new_name").json()["new_name"] == "Apollo"
    assert error_code(api.get("new_nothings")) == "0x80040217"


def test_global_option_set_definitions(api: Api) -> None:
    names = [o["Name"] for o in api.get("GlobalOptionSetDefinitions").json()["value"]]
    assert "IndustryCode" in names
    one = api.get("GlobalOptionSetDefinitions(Name='IndustryCode')").json()
    assert one["IsGlobal"] is True and one["Options"]
    assert api.get("GlobalOptionSetDefinitions(Name='Nope')").status_code == 404


def test_retrieve_duplicates_function(api: Api, svc: OrganizationService) -> None:
    from leadsdk.messages import PublishDuplicateRuleRequest

    rid = svc.create(Entity("duplicaterule", name="same email", baseentityname="lead", matchingentityname="lead"))
    svc.create(Entity("duplicaterulecondition", regardingobjectid=EntityReference("duplicaterule", rid),
                      baseattributename="emailaddress1", matchingattributename="emailaddress1", operatorcode=0))
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rid))
    existing = api.create("leads", {"lastname": "Twin", "subject": "s", "emailaddress1": "twin@x.example"})
    business = quote('{"@odata.type":"Microsoft.Dynamics.CRM.lead","lastname":"Twin2",'
                     '"emailaddress1":"twin@x.example"}')
    paging = quote('{"PageNumber":1,"Count":50}')
    r = api.get("RetrieveDuplicates(BusinessEntity=@b,MatchingEntityName='lead',PagingInfo=@p)"
                f"?@b={business}&@p={paging}")
    assert r.status_code == 200, r.text
    assert [row["leadid"] for row in r.json()["value"]] == [existing]
