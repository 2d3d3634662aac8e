"""Web API records: auth, caller, errors, CRUD with ETags, lookups and annotations, WhoAmI."""

from __future__ import annotations

import uuid

import pytest
from tests.webapi_helpers import Api, error_code

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.messages import AddPrivilegesRoleRequest
from leadsdk.security import PrivilegeDepth, RolePrivilege


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def test_bearer_token_is_required_and_checked(svc: OrganizationService) -> None:
    open_api = Api(svc)
    r = open_api.get("leads", headers={"Authorization": None})
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    assert r.json()["error"]["code"].startswith("0x8004")
    strict = Api(svc, token="s3cret")
    assert strict.get("leads").status_code == 401
    assert strict.get("leads", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert open_api.get("leads", headers={"Authorization": "Basic abc"}).status_code == 401


def test_create_returns_entity_id_and_stores_the_record(api: Api, svc: OrganizationService) -> None:
    acc = api.create("accounts", {"name": "Contoso"})
    r = api.post("leads", json={"lastname": "Lovelace", "subject": "Bikes", "leadsourcecode": 8,
                                "revenue": 1200.5, "parentaccountid@odata.bind": f"/accounts({acc})"})
    assert r.status_code == 204
    lid = r.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    lead = svc.retrieve("lead", lid)
    assert lead["lastname"] == "Lovelace" and lead["leadsourcecode"].value == 8
    assert lead["parentaccountid"] == EntityReference("account", acc)
    assert float(lead["revenue"].value) == 1200.5


def test_return_representation_with_annotations(api: Api) -> None:
    acc = api.create("accounts", {"name": "Contoso"})
    r = api.post("leads?$select=lastname,leadsourcecode,_parentaccountid_value",
                 json={"lastname": "Ada", "subject": "s", "leadsourcecode": 8,
                       "parentaccountid@odata.bind": f"accounts({acc})"},
                 headers={"Prefer": 'return=representation,odata.include-annotations="*"'})
    assert r.status_code == 201
    body = r.json()
    ctx = "$metadata#leads(lastname,leadsourcecode,_parentaccountid_value,leadid)/$entity"
    assert body["@odata.context"].endswith(ctx)
    assert body["@odata.etag"].startswith('W/"')
    assert body["_parentaccountid_value"] == acc
    assert body["_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"
    assert body["_parentaccountid_value@OData.Community.Display.V1.FormattedValue"] == "Contoso"
    assert body["_parentaccountid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"] == "parentaccountid"
    assert body["leadsourcecode@OData.Community.Display.V1.FormattedValue"] == "Web"
    plain = api.get(f"leads({body['leadid']})?$select=leadsourcecode")
    assert "leadsourcecode@OData.Community.Display.V1.FormattedValue" not in plain.json()


def test_get_by_id_select_and_missing_record(api: Api) -> None:
    lid = api.create("leads", {"lastname": "Hopper", "subject": "s"})
    r = api.get(f"leads({lid})?$select=lastname,emailaddress1")
    assert r.status_code == 200
    assert r.json()["lastname"] == "Hopper" and r.json()["emailaddress1"] is None
    assert r.headers["ETag"] == r.json()["@odata.etag"]
    assert api.get(f"leads({lid})", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    missing = api.get(f"leads({uuid.uuid4()})")
    assert missing.status_code == 404 and error_code(missing) == "0x80040217"
    bad = api.get(f"leads({lid})?$select=nosuchcolumn")
    assert bad.status_code == 400 and error_code(bad) == "0x80060888"


def test_patch_upserts_and_honours_etags(api: Api, svc: OrganizationService) -> None:
    new_id = str(uuid.uuid4())
    r = api.patch(f"leads({new_id})", json={"lastname": "Created", "subject": "s"})
    assert r.status_code == 204 and svc.retrieve("lead", new_id)["lastname"] == "Created"
    etag = api.get(f"leads({new_id})?$select=lastname").json()["@odata.etag"]
    assert api.patch(f"leads({new_id})", json={"lastname": "V2"}, headers={"If-Match": etag}).status_code == 204
    stale = api.patch(f"leads({new_id})", json={"lastname": "V3"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and error_code(stale) == "0x80060882"
    assert svc.retrieve("lead", new_id)["lastname"] == "V2"
    only_update = api.patch(f"leads({uuid.uuid4()})", json={"lastname": "X"}, headers={"If-Match": "*"})
    assert only_update.status_code == 404
    only_create = api.patch(f"leads({new_id})", json={"lastname": "X"}, headers={"If-None-Match": "*"})
    assert only_create.status_code == 412
    assert svc.retrieve("lead", new_id)["lastname"] == "V2"
    rep = api.patch(f"leads({new_id})?$select=lastname", json={"lastname": "V4"},
                    headers={"Prefer": "return=representation"})
    assert rep.status_code == 200 and rep.json()["lastname"] == "V4"


def test_delete_with_and_without_etag(api: Api, svc: OrganizationService) -> None:
    lid = api.create("leads", {"lastname": "Gone", "subject": "s"})
    api.patch(f"leads({lid})", json={"lastname": "Gone2"})
    assert api.delete(f"leads({lid})", headers={"If-Match": 'W/"1"'}).status_code == 412
    assert api.delete(f"leads({lid})").status_code == 204
    assert api.get(f"leads({lid})").status_code == 404
    assert api.delete(f"leads({lid})").status_code == 404


def test_column_put_get_delete(api: Api, svc: OrganizationService) -> None:
    lid = api.create("leads", {"lastname": "Col", "subject": "s"})
    assert api.put(f"leads({lid})/emailaddress1", json={"value": "a@b.example"}).status_code == 204
    assert api.get(f"leads({lid})/emailaddress1").json()["value"] == "a@b.example"
    assert api.delete(f"leads({lid})/emailaddress1").status_code == 204
    assert svc.retrieve("lead", lid).get("emailaddress1") is None


def test_state_change_by_patch(api: Api, svc: OrganizationService) -> None:
    lid = api.create("leads", {"lastname": "State", "subject": "s"})
    r = api.patch(f"leads({lid})", json={"statecode": 2, "statuscode": 4})
    assert r.status_code == 204, r.text
    assert svc.retrieve("lead", lid)["statecode"].value == 2


def test_bad_input_is_a_clean_4xx_and_writes_nothing(api: Api, svc: OrganizationService) -> None:
    before = len(svc.retrieve_multiple(_all_leads()))
    cases = [
        api.post("leads", content=b"{not json"),
        api.post("leads", json={"lastname": "X", "nosuchcolumn": 1}),
        api.post("leads", json={"lastname": "X", "parentaccountid": str(uuid.uuid4())}),
        api.post("leads", json={"lastname": "X", "leadsourcecode": 99999}),
        api.post("leads", json={"lastname": 12}),
        api.post("leads", json=[1, 2]),
        api.post("nosuchset", json={}),
        api.post("leads", json={"lastname": "X", "parentaccountid@odata.bind": "/accounts(not-a-guid)"}),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, r.text
        assert r.json()["error"]["code"].startswith("0x8")
    assert len(svc.retrieve_multiple(_all_leads())) == before


def _all_leads() -> object:
    from leadsdk.query import QueryExpression

    return QueryExpression("lead")


def test_who_am_i_and_impersonation(api: Api, svc: OrganizationService) -> None:
    me = api.get("WhoAmI()").json()
    assert me["UserId"] == "00000000-0000-0000-0000-00000000a001"
    bu = svc.retrieve("systemuser", me["UserId"])["businessunitid"].id
    uid = svc.create(Entity("systemuser", lastname="Reader", businessunitid=EntityReference("businessunit", bu)))
    role = svc.create(Entity("role", name="Lead reader", businessunitid=EntityReference("businessunit", bu)))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[
        RolePrivilege("prvReadLead", PrivilegeDepth.GLOBAL)]))
    svc.associate("systemuser", uid, "systemuserroles_association", [EntityReference("role", role)])
    as_user = api.get("WhoAmI", headers={"MSCRMCallerID": str(uid)}).json()
    assert as_user["UserId"] == str(uid) and as_user["BusinessUnitId"] == str(bu)
    denied = api.post("leads", json={"lastname": "No", "subject": "s"}, headers={"MSCRMCallerID": str(uid)})
    assert denied.status_code == 403, denied.text
    assert api.get("leads?$select=lastname", headers={"CallerObjectId": str(uid)}).status_code == 200
    assert api.get("leads", headers={"MSCRMCallerID": str(uuid.uuid4())}).status_code == 404
    assert api.get("leads", headers={"MSCRMCallerID": "nope"}).status_code == 400


def _email_key(svc: OrganizationService) -> None:
    from leadsdk.entities import EntityKeyMetadata
    from leadsdk.messages import CreateEntityKeyRequest

    svc.execute(CreateEntityKeyRequest(entity_name="lead",
                                       entity_key=EntityKeyMetadata("new_email", ["emailaddress1"])))


def test_alternate_key_and_unknown_segment(api: Api, svc: OrganizationService) -> None:
    _email_key(svc)
    lid = api.create("leads", {"lastname": "Key", "subject": "s", "emailaddress1": "key@x.example"})
    r = api.get("leads(emailaddress1='key@x.example')?$select=lastname")
    assert r.status_code == 200 and r.json()["leadid"] == lid
    assert api.get("leads(emailaddress1='none@x.example')").status_code == 404
    assert api.get(f"leads({lid})/nosuchthing").status_code == 404


def test_upsert_by_alternate_key(api: Api, svc: OrganizationService) -> None:
    _email_key(svc)
    r = api.patch("leads(emailaddress1='alt@x.example')", json={"lastname": "Alt", "subject": "s"})
    assert r.status_code == 204, r.text
    lid = r.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    assert svc.retrieve("lead", lid)["emailaddress1"] == "alt@x.example"
    r = api.patch("leads(emailaddress1='alt@x.example')", json={"lastname": "Alt 2"})
    assert r.status_code == 204 and r.headers["OData-EntityId"].endswith(f"({lid})")
    assert svc.retrieve("lead", lid)["lastname"] == "Alt 2"
    assert api.patch("leads(emailaddress1='none@x.example')", json={"lastname": "X"},
                     headers={"If-Match": "*"}).status_code == 404
