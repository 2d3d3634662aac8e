"""Web API alternate keys: records addressed by declared keys in URLs (GET, PATCH and upsert, DELETE) and
in `@odata.bind`, the faults for undeclared keys, and `EntityDefinitions(...)/Keys`."""

from __future__ import annotations

import pytest
from tests.webapi_helpers import Api, error_code

from leadsdk import ColumnSet, Entity, EntityReference, ErrorCodes, OrganizationService
from leadsdk.entities import EntityKeyMetadata
from leadsdk.messages import CreateEntityKeyRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.webapi.errors import hex_code


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    svc.execute(CreateEntityKeyRequest(entity_name="lead", entity_key=EntityKeyMetadata(
        "new_EmailKey", ["emailaddress1"], "Email key")))
    svc.execute(CreateEntityKeyRequest(entity_name="account", entity_key=EntityKeyMetadata(
        "new_NameNumber", ["name", "accountnumber"])))
    return Api(svc)


def test_get_patch_delete_by_key(api: Api, svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Key", subject="s", emailaddress1="a@b.example"))
    r = api.get("leads(emailaddress1='a@b.example')?$select=lastname")
    assert r.status_code == 200 and r.json()["leadid"] == str(lid) and r.json()["lastname"] == "Key"
    r = api.patch("leads(emailaddress1='a@b.example')", json={"lastname": "Patched"}, headers={"If-Match": "*"})
    assert r.status_code == 204 and r.headers["OData-EntityId"].endswith(f"({lid})")
    assert svc.retrieve("lead", lid, ColumnSet("lastname"))["lastname"] == "Patched"
    assert api.get("leads(emailaddress1='a@b.example')/lastname").json()["value"] == "Patched"
    assert api.delete("leads(emailaddress1='a@b.example')").status_code == 204
    assert svc.storage.count(svc.metadata.table("lead")) == 0
    r = api.get("leads(emailaddress1='a@b.example')")
    assert r.status_code == 404 and error_code(r) == hex_code(ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)
    assert api.delete("leads(emailaddress1='a@b.example')").status_code == 404


def test_composite_key_and_upsert_creating_with_the_key_values(api: Api, svc: OrganizationService) -> None:
    r = api.patch("accounts(name='Contoso',accountnumber='A-1')", json={"telephone1": "555"})
    assert r.status_code == 204, r.text
    aid = r.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    row = svc.retrieve("account", aid, ColumnSet("name", "accountnumber", "telephone1"))
    assert (row["name"], row["accountnumber"], row["telephone1"]) == ("Contoso", "A-1", "555")
    r = api.patch("accounts(accountnumber='A-1',name='Contoso')", json={"telephone1": "556"},
                  headers={"Prefer": "return=representation"})
    assert r.status_code == 200 and r.json()["accountid"] == aid and r.json()["telephone1"] == "556"
    q = QueryExpression("account")
    q.criteria.add_condition("accountnumber", ConditionOperator.EQUAL, "A-1")
    assert len(svc.retrieve_multiple(q).entities) == 1
    # a name with a quote in it, doubled in the URL as OData spells it
    r = api.patch("accounts(name='O''Brien',accountnumber='A-2')", json={})
    assert r.status_code == 204
    assert api.get("accounts(name='O''Brien',accountnumber='A-2')?$select=name").json()["name"] == "O'Brien"
    assert api.patch("accounts(name='Nobody',accountnumber='Z')", json={"telephone1": "1"},
                     headers={"If-Match": "*"}).status_code == 404


def test_bind_by_key(api: Api, svc: OrganizationService) -> None:
    aid = svc.create(Entity("account", name="Fabrikam", accountnumber="F-1"))
    r = api.post("leads", json={"lastname": "Bound", "subject": "s", "emailaddress1": "bound@x.example",
                                "parentaccountid@odata.bind": "/accounts(name='Fabrikam',accountnumber='F-1')"})
    assert r.status_code == 204, r.text
    lead = svc.retrieve("lead", r.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"))
    assert lead["parentaccountid"] == EntityReference("account", aid)
    other = svc.create(Entity("account", name="Other", accountnumber="O-1"))
    r = api.patch("leads(emailaddress1='bound@x.example')", json={
        "parentaccountid@odata.bind": "accounts(name='Other',accountnumber='O-1')"})
    assert r.status_code == 204
    assert svc.retrieve("lead", lead.id, ColumnSet("parentaccountid"))["parentaccountid"].id == other
    r = api.post("leads", json={"lastname": "X", "subject": "s",
                                "parentaccountid@odata.bind": "/accounts(name='Nobody',accountnumber='Z')"})
    assert r.status_code == 404 and error_code(r) == hex_code(ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)
    assert svc.storage.count(svc.metadata.table("lead")) == 1


def test_undeclared_or_bad_keys_answer_dataverse_errors(api: Api, svc: OrganizationService) -> None:
    svc.create(Entity("lead", lastname="K", subject="s", emailaddress1="k@x.example"))
    for path in ("leads(lastname='K')", "accounts(name='Contoso')", "leads(emailaddress1='k@x.example',lastname='K')"):
        for method in ("GET", "DELETE", "PATCH"):
            r = api.request(method, path, json={"subject": "t"} if method == "PATCH" else None)
            assert r.status_code == 400, (path, method, r.text)
            assert error_code(r) == hex_code(ErrorCodes.ENTITY_KEY_NOT_DEFINED)
    r = api.post("leads", json={"lastname": "X", "subject": "s", "parentaccountid@odata.bind": "/accounts(name='C')"})
    assert r.status_code == 400 and error_code(r) == hex_code(ErrorCodes.ENTITY_KEY_NOT_DEFINED)
    r = api.get("leads(nosuchcolumn='x')")
    assert r.status_code == 400 and r.json()["error"]["message"]
    assert svc.storage.count(svc.metadata.table("lead")) == 1


def test_entity_definitions_list_keys(api: Api) -> None:
    r = api.get("EntityDefinitions(LogicalName='lead')/Keys")
    assert r.status_code == 200
    (key,) = r.json()["value"]
    assert key["LogicalName"] == "new_emailkey" and key["SchemaName"] == "new_EmailKey"
    assert key["KeyAttributes"] == ["emailaddress1"] and key["EntityKeyIndexStatus"] == "Active"
    assert key["EntityLogicalName"] == "lead" and key["MetadataId"]
    assert key["DisplayName"]["UserLocalizedLabel"]["Label"] == "Email key"
    one = api.get(f"EntityDefinitions(LogicalName='lead')/Keys({key['MetadataId']})").json()
    assert one["LogicalName"] == "new_emailkey"
    assert api.get("EntityDefinitions(LogicalName='lead')/Keys(LogicalName='new_emailkey')").json()["SchemaName"] \
        == "new_EmailKey"
    assert api.get("EntityDefinitions(LogicalName='lead')/Keys(LogicalName='nope')").status_code == 404
    listed = api.get("EntityDefinitions?$filter=LogicalName eq 'account'&$expand=Keys").json()["value"][0]
    assert [k["KeyAttributes"] for k in listed["Keys"]] == [["name", "accountnumber"]]
    assert api.get("EntityDefinitions(LogicalName='contact')?$expand=Keys").json()["Keys"] == []


def test_csdl_names_the_alternate_keys(api: Api) -> None:
    import xml.etree.ElementTree as ET

    ns = {"edm": "http://docs.oasis-open.org/odata/ns/edm"}
    root = ET.fromstring(api.get("$metadata").text)

    def keys_of(entity: str) -> list[list[str | None]]:
        t = root.find(f".//edm:EntityType[@Name='{entity}']", ns)
        assert t is not None
        found = t.findall("edm:Annotation[@Term='OData.Community.Keys.V1.AlternateKeys']/edm:Collection/edm:Record", ns)
        return [[p.get("PropertyPath") for p in r.iter(f"{{{ns['edm']}}}PropertyValue") if p.get("Property") == "Name"]
                for r in found]

    assert keys_of("lead") == [["emailaddress1"]]
    assert keys_of("account") == [["name", "accountnumber"]]
    assert keys_of("contact") == []


def test_keys_declared_and_removed_over_the_web_api(api: Api, svc: OrganizationService) -> None:
    r = api.post("EntityDefinitions(LogicalName='contact')/Keys", json={
        "SchemaName": "new_ContactEmail", "KeyAttributes": ["emailaddress1"],
        "DisplayName": {"LocalizedLabels": [{"Label": "Contact email", "LanguageCode": 1033}]}})
    assert r.status_code == 204, r.text
    assert [k.logical_name for k in svc.metadata.table("contact").keys] == ["new_contactemail"]
    r = api.patch("contacts(emailaddress1='c@x.example')", json={"lastname": "C"})
    assert r.status_code == 204
    dup = api.post("EntityDefinitions(LogicalName='contact')/Keys", json={
        "SchemaName": "new_Other", "KeyAttributes": ["emailaddress1"]})
    assert dup.status_code == 400 and error_code(dup) == hex_code(ErrorCodes.ENTITY_KEY_WITH_SELECTED_ATTRIBUTES_EXISTS)
    assert api.delete("EntityDefinitions(LogicalName='contact')/Keys(LogicalName='new_contactemail')").status_code \
        == 204
    assert svc.metadata.table("contact").keys == []
    assert api.get("contacts(emailaddress1='c@x.example')").status_code == 400


def test_any_text_key_value_round_trips_in_the_url() -> None:
    """Whatever text a key holds (quotes doubled, the rest percent-encoded as clients do), PATCH by it
    creates the record once and GET by it finds that record."""
    from urllib.parse import quote

    from hypothesis import given, settings
    from hypothesis import strategies as st

    svc = OrganizationService()
    svc.execute(CreateEntityKeyRequest(entity_name="lead", entity_key=EntityKeyMetadata("k", ["emailaddress1"])))
    api = Api(svc)
    seen: list[str] = []

    @settings(max_examples=40, deadline=None)
    @given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60))
    def check(text: str) -> None:
        seen.append(text)
        value = f"{len(seen)}:{text}"  # text keys compare case-insensitively: keep examples apart
        path = "leads(emailaddress1='" + quote(value.replace("'", "''"), safe="") + "')"
        first = api.patch(path, json={"lastname": "first"})
        assert first.status_code == 204, first.text
        second = api.patch(path, json={"lastname": "second"})
        assert second.headers["OData-EntityId"] == first.headers["OData-EntityId"]
        got = api.get(path + "?$select=emailaddress1,lastname")
        assert got.status_code == 200, got.text
        assert (got.json()["emailaddress1"], got.json()["lastname"]) == (value, "second")

    try:
        check()
    finally:
        svc.close()
