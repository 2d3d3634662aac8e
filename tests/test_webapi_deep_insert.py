"""Web API deep insert: POST /{set} with related records inside, created in one transaction through the pipeline."""

from __future__ import annotations

import pytest
from tests.webapi_helpers import Api, error_code

from leadsdk import OrganizationService
from leadsdk.query import QueryExpression


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def _count(svc: OrganizationService, table: str) -> int:
    return len(svc.retrieve_multiple(QueryExpression(table)).entities)


def test_deep_insert_single_collection_and_nested(svc: OrganizationService, api: Api) -> None:
    body = {
        "name": "Contoso",
        "primarycontactid": {"firstname": "Ada", "lastname": "Lovelace"},
        "contact_customer_accounts": [
            {"lastname": "Cole"},
            {"lastname": "Cruz", "contact_customer_contacts": [{"lastname": "Kid"}]},
        ],
        "opportunity_customer_accounts": [{"name": "Bikes", "estimatedvalue": 1000}],
        "accountleads_association": [{"lastname": "Lamb", "subject": "Linked"}],
    }
    r = api.post("accounts?$select=name,_primarycontactid_value", json=body,
                 headers={"Prefer": "return=representation"})
    assert r.status_code == 201, r.text
    acc = r.json()
    assert acc["name"] == "Contoso"
    primary = svc.retrieve("contact", acc["_primarycontactid_value"])
    assert primary["fullname"] == "Ada Lovelace"
    kids = api.get(f"accounts({acc['accountid']})/contact_customer_accounts?$select=lastname&$orderby=lastname")
    assert [c["lastname"] for c in kids.json()["value"]] == ["Cole", "Cruz"]
    cruz = kids.json()["value"][1]["contactid"]
    grand = api.get(f"contacts({cruz})/contact_customer_contacts?$select=lastname").json()["value"]
    assert [g["lastname"] for g in grand] == ["Kid"]
    opp = api.get("opportunities?$select=name,_customerid_value&$filter=name eq 'Bikes'").json()["value"][0]
    assert opp["_customerid_value"] == acc["accountid"]
    linked = api.get(f"accounts({acc['accountid']})/accountleads_association?$select=lastname").json()["value"]
    assert [x["lastname"] for x in linked] == ["Lamb"]


def test_deep_insert_failure_writes_nothing(svc: OrganizationService, api: Api) -> None:
    """A failing related record (here a grandchild with a bad value) rolls the whole tree back."""
    before = {t: _count(svc, t) for t in ("account", "contact", "opportunity")}
    body = {"name": "Doomed", "primarycontactid": {"lastname": "First"},
            "contact_customer_accounts": [{"lastname": "Ok"},
                                          {"lastname": "Bad", "contact_customer_contacts": [{"birthdate": "x"}]}]}
    r = api.post("accounts", json=body)
    assert r.status_code == 400, r.text
    assert {t: _count(svc, t) for t in before} == before


BAD = [
    ({"name": "X", "primarycontactid": [{"lastname": "A"}]}, "single-valued takes an object"),
    ({"name": "X", "contact_customer_accounts": {"lastname": "A"}}, "collection-valued takes an array"),
    ({"name": "X", "contact_customer_accounts": [{"nosuch": 1}]}, "unknown column in a related record"),
]


def test_bad_deep_insert_is_a_400(svc: OrganizationService, api: Api) -> None:
    for body, why in BAD:
        r = api.post("accounts", json=body)
        assert r.status_code == 400 and error_code(r).startswith("0x"), (why, r.text)
    assert _count(svc, "account") == 0


def test_related_records_in_a_patch_are_refused(svc: OrganizationService, api: Api) -> None:
    acc = api.create("accounts", {"name": "Plain"})
    r = api.patch(f"accounts({acc})", json={"primarycontactid": {"lastname": "No"}})
    assert r.status_code == 400, r.text
    assert _count(svc, "contact") == 0


def test_deep_insert_in_a_batch_change_set(svc: OrganizationService, api: Api) -> None:
    import json

    from tests.test_webapi_batch import batch, change_set, op

    deep = json.dumps({"name": "Batched", "contact_customer_accounts": [{"lastname": "In Batch"}]})
    body, headers = batch(change_set(op("POST", "/api/data/v9.2/accounts", deep, "1")))
    r = api.post("$batch", content=body, headers=headers)
    assert r.status_code == 200 and "HTTP/1.1 204" in r.text, r.text
    kids = api.get("contacts?$select=lastname&$filter=lastname eq 'In Batch'&$expand=parentcustomerid_account("
                   "$select=name)").json()["value"]
    assert kids[0]["parentcustomerid_account"]["name"] == "Batched"
