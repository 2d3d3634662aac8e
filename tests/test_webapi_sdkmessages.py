"""Web API `sdkmessagefilters` and `sdkmessages`: derived from the request classes and the metadata, read-only."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from tests.webapi_helpers import Api, error_code

from leadsdk import OrganizationService
from leadsdk.entities.declare import string
from leadsdk.messages import CreateEntityRequest, EntityDefinition
from leadsdk.webapi.actions import REQUESTS


@pytest.fixture(scope="module")
def svc() -> OrganizationService:
    """The rows come from code and metadata, not from the store: one in-memory service is enough."""
    return OrganizationService()


@pytest.fixture(scope="module")
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def _messages_of(api: Api, table: str) -> set[str]:
    flt = quote(f"primaryobjecttypecode eq '{table}'")
    r = api.get(f"sdkmessagefilters?$select=primaryobjecttypecode&$filter={flt}&$expand=sdkmessageid($select=name)")
    assert r.status_code == 200, r.text
    rows = r.json()["value"]
    assert all(x["primaryobjecttypecode"] == table and set(x) >= {"sdkmessagefilterid", "sdkmessageid"} for x in rows)
    return {x["sdkmessageid"]["name"] for x in rows}


def test_what_a_table_supports(api: Api) -> None:
    lead = _messages_of(api, "lead")
    assert {"Create", "Update", "Delete", "Retrieve", "RetrieveMultiple", "QualifyLead", "Assign", "GrantAccess",
            "SetState", "Merge"} <= lead
    assert "WinOpportunity" not in lead and "WinOpportunity" in _messages_of(api, "opportunity")
    account = _messages_of(api, "account")
    assert "QualifyLead" not in account and "Create" in account
    assert "Assign" not in _messages_of(api, "businessunit")          # organization-owned: no Assign, no sharing
    assert "ExecuteMultiple" not in lead and {"ExecuteMultiple", "CreateEntity"} <= _messages_of(api, "none")


def test_every_request_class_is_a_message(api: Api) -> None:
    r = api.get("sdkmessages?$select=name&$orderby=name&$count=true")
    names = [x["name"] for x in r.json()["value"]]
    assert names == sorted(c.request_name for c in REQUESTS.values())
    assert r.json()["@odata.count"] == len(names)


def test_filter_by_message_name_and_by_id(api: Api) -> None:
    by_name = quote("sdkmessageid/name eq 'QualifyLead'")
    r = api.get(f"sdkmessagefilters?$filter={by_name}")
    (row,) = r.json()["value"]
    assert row["primaryobjecttypecode"] == "lead"
    one = api.get(f"sdkmessagefilters({row['sdkmessagefilterid']})?$select=primaryobjecttypecode,_sdkmessageid_value")
    assert one.status_code == 200 and one.json()["_sdkmessageid_value"] == row["_sdkmessageid_value"]
    msg = api.get(f"sdkmessages({row['_sdkmessageid_value']})?$expand=sdkmessageid_sdkmessagefilter"
                  "($select=primaryobjecttypecode)").json()
    assert msg["name"] == "QualifyLead"
    assert [f["primaryobjecttypecode"] for f in msg["sdkmessageid_sdkmessagefilter"]] == ["lead"]
    flt = quote("startswith(sdkmessageid/name,'Retrieve') and primaryobjecttypecode eq 'contact' and "
                "not contains(sdkmessageid/name,'Multiple')")
    r = api.get(f"sdkmessagefilters?$filter={flt}&$expand=sdkmessageid($select=name)&$orderby=name desc&$top=2")
    got = [x["sdkmessageid"]["name"] for x in r.json()["value"]]
    assert len(got) == 2 and got == sorted(got, reverse=True) and all("Multiple" not in g for g in got)


def test_custom_tables_appear(svc: OrganizationService, api: Api) -> None:
    svc.execute(CreateEntityRequest(entity=EntityDefinition(schema_name="new_Widget", display_name="Widget",
                                                            display_collection_name="Widgets"),
                                    primary_attribute=string("new_name", 100, "Name")))
    assert {"Create", "Update", "Assign"} <= _messages_of(api, "new_widget")


@pytest.mark.parametrize(("method", "path", "status"), [
    ("POST", "sdkmessagefilters", 405), ("PATCH", "sdkmessages(00000000-0000-0000-0000-000000000001)", 405),
    ("DELETE", "sdkmessagefilters(00000000-0000-0000-0000-000000000001)", 405),
    ("GET", "sdkmessagefilters(00000000-0000-0000-0000-000000000001)", 404),
    ("GET", "sdkmessagefilters?$filter=nosuch eq 1", 400), ("GET", "sdkmessagefilters?$skip=1", 400),
])
def test_read_only_and_bad_requests(api: Api, method: str, path: str, status: int) -> None:
    r = api.request(method, path, json={} if method in ("POST", "PATCH") else None)
    assert r.status_code == status, r.text
    assert error_code(r).startswith("0x")


# the tables' metadata: EntityDefinitions, $metadata and the service document, from their one declaration ---------
def test_entity_definitions_by_logical_name(api: Api) -> None:
    flt = quote("LogicalName eq 'sdkmessagefilter'")
    r = api.get(f"EntityDefinitions?$filter={flt}&$expand=Attributes,ManyToOneRelationships")
    assert r.status_code == 200, r.text
    (d,) = r.json()["value"]
    assert (d["EntitySetName"], d["PrimaryIdAttribute"], d["PrimaryNameAttribute"], d["ObjectTypeCode"]) == \
        ("sdkmessagefilters", "sdkmessagefilterid", "name", 4607)
    cols = {a["LogicalName"]: a for a in d["Attributes"]}
    assert {"sdkmessagefilterid", "name", "sdkmessageid", "primaryobjecttypecode", "secondaryobjecttypecode",
            "iscustomprocessingstepallowed", "isvisible", "availability"} <= set(cols)
    assert cols["sdkmessageid"]["@odata.type"] == "#Microsoft.Dynamics.CRM.LookupAttributeMetadata"
    assert cols["sdkmessageid"]["Targets"] == ["sdkmessage"]
    assert cols["isvisible"]["AttributeType"] == "Boolean" and cols["sdkmessagefilterid"]["IsPrimaryId"] is True
    (rel,) = d["ManyToOneRelationships"]
    assert (rel["SchemaName"], rel["ReferencedEntity"], rel["ReferencingAttribute"]) == \
        ("sdkmessageid_sdkmessagefilter", "sdkmessage", "sdkmessageid")
    one = api.get("EntityDefinitions(LogicalName='sdkmessage')?$expand=OneToManyRelationships").json()
    assert (one["LogicalName"], one["EntitySetName"], one["PrimaryIdAttribute"]) == \
        ("sdkmessage", "sdkmessages", "sdkmessageid")
    assert [x["ReferencingEntity"] for x in one["OneToManyRelationships"]] == ["sdkmessagefilter"]
    by_id = api.get(f"EntityDefinitions({one['MetadataId']})")
    assert by_id.status_code == 200 and by_id.json()["LogicalName"] == "sdkmessage"
    by_set = api.get("EntityDefinitions?$filter=" + quote("EntitySetName eq 'sdkmessages'")).json()["value"]
    assert [x["LogicalName"] for x in by_set] == ["sdkmessage"]
    names = [x["LogicalName"] for x in api.get("EntityDefinitions?$select=LogicalName").json()["value"]]
    assert {"sdkmessage", "sdkmessagefilter", "lead"} <= set(names) and len(names) == len(set(names))


def test_csdl_and_service_document_list_them(api: Api) -> None:
    doc = api.get("$metadata").text
    filt = doc[doc.index('<EntityType Name="sdkmessagefilter"'):]
    filt = filt[:filt.index("</EntityType>")]
    assert '<PropertyRef Name="sdkmessagefilterid"/>' in filt
    assert '<Property Name="_sdkmessageid_value" Type="Edm.Guid"/>' in filt
    assert '<Property Name="isvisible" Type="Edm.Boolean"/>' in filt
    assert '<NavigationProperty Name="sdkmessageid" Type="mscrm.sdkmessage"/>' in filt
    assert '<NavigationProperty Name="sdkmessageid_sdkmessagefilter" Type="Collection(mscrm.sdkmessagefilter)"/>' \
        in doc
    assert '<EntitySet Name="sdkmessagefilters" EntityType="mscrm.sdkmessagefilter"/>' in doc
    assert '<EntitySet Name="sdkmessages" EntityType="mscrm.sdkmessage"/>' in doc
    sets = [x["name"] for x in api.get("").json()["value"]]
    assert {"sdkmessages", "sdkmessagefilters", "EntityDefinitions", "leads"} <= set(sets)
    assert len(sets) == len(set(sets))


def test_filter_on_the_declared_columns(api: Api) -> None:
    qualify = api.get("sdkmessages?$filter=" + quote("name eq 'QualifyLead'")).json()["value"][0]
    flt = quote(f"_sdkmessageid_value eq {qualify['sdkmessageid']} and isvisible eq true and "
                "secondaryobjecttypecode eq 'none'")
    r = api.get(f"sdkmessagefilters?$filter={flt}&$select=primaryobjecttypecode")
    assert r.status_code == 200, r.text
    assert [x["primaryobjecttypecode"] for x in r.json()["value"]] == ["lead"]
