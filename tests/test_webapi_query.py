"""Web API queries: $filter (parsed to the query model), $select, $orderby, $top, $count, $expand, paging, fetchXml."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.webapi_helpers import Api, error_code

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.odata_filter import parse_filter


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


@pytest.fixture
def data(svc: OrganizationService) -> dict[str, object]:
    acc = svc.create(Entity("account", name="Contoso"))
    other = svc.create(Entity("account", name="Fabrikam"))
    leads = {}
    for i, (last, src) in enumerate([("Adams", 1), ("Baker", 2), ("Clark", 8), ("Davis", 8), ("Evans", None)]):
        e = Entity("lead", lastname=last, subject=f"Deal {i}", revenue=100 * (i + 1))
        if src is not None:
            e["leadsourcecode"] = src
        e["parentaccountid"] = EntityReference("account", acc if i < 3 else other)
        leads[last] = svc.create(e)
    svc.create(Entity("contact", lastname="Cole", parentcustomerid=EntityReference("account", acc)))
    svc.create(Entity("contact", lastname="Cruz", parentcustomerid=EntityReference("account", acc)))
    return {"acc": acc, "other": other, "leads": leads}


def names(r: object) -> list[str]:
    return [row["lastname"] for row in r.json()["value"]]  # type: ignore[attr-defined]


FILTERS = [
    ("lastname eq 'Adams'", ["Adams"]),
    ("lastname ne 'Adams' and revenue lt 300", ["Baker"]),
    ("revenue ge 400 or lastname eq 'Adams'", ["Adams", "Davis", "Evans"]),
    ("not (revenue ge 200)", ["Adams"]),
    ("not startswith(lastname,'A') and not endswith(lastname,'s')", ["Baker", "Clark"]),
    ("contains(lastname,'a') and leadsourcecode eq 8", ["Clark", "Davis"]),
    ("leadsourcecode eq null", ["Evans"]),
    ("leadsourcecode ne null and (leadsourcecode eq 1 or leadsourcecode eq 2)", ["Adams", "Baker"]),
    ("Microsoft.Dynamics.CRM.In(PropertyName='leadsourcecode',PropertyValues=['1','8'])", ["Adams", "Clark", "Davis"]),
    ("Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=['200','300'])", ["Baker", "Clark"]),
    ("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=1)", ["Adams", "Baker", "Clark", "Davis",
                                                                                    "Evans"]),
    ("Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')", ["Adams", "Baker", "Clark", "Davis", "Evans"]),
    ("createdon lt 2000-01-01T00:00:00Z", []),
]


@pytest.mark.parametrize(("flt", "expected"), FILTERS)
def test_filter(api: Api, data: dict[str, object], flt: str, expected: list[str]) -> None:
    r = api.get(f"leads?$select=lastname&$filter={quote(flt)}&$orderby=lastname")
    assert r.status_code == 200, r.text
    assert names(r) == expected


def test_filter_on_lookup_value(api: Api, data: dict[str, object]) -> None:
    r = api.get(f"leads?$select=lastname&$filter=_parentaccountid_value eq {data['other']}&$orderby=lastname desc")
    assert names(r) == ["Evans", "Davis"]


@pytest.mark.parametrize("flt", ["lastname eq", "lastname eq 'x", "nosuch eq 1", "lastname foo 'x'", "(lastname eq 'a'",
                                 "Microsoft.Dynamics.CRM.NoSuchOp(PropertyName='x')", "lastname gt null",
                                 "nosuchnav/name eq 'x'", "lastname eq 'a' extra"])
def test_bad_filter_is_a_400(api: Api, data: dict[str, object], flt: str) -> None:
    r = api.get(f"leads?$filter={quote(flt)}")
    assert r.status_code == 400 and error_code(r) == "0x80060888", r.text


def test_filter_on_a_related_column(api: Api, data: dict[str, object]) -> None:
    flt = quote("parentaccountid/name eq 'Fabrikam' or startswith(parentaccountid/name,'Nobody')")
    assert names(api.get(f"leads?$select=lastname&$filter={flt}&$orderby=lastname")) == ["Davis", "Evans"]
    flt = quote("not (parentaccountid/name eq 'Fabrikam') and revenue gt 100")
    assert names(api.get(f"leads?$select=lastname&$filter={flt}&$orderby=lastname")) == ["Baker", "Clark"]
    assert api.get("leads?$filter=" + quote("parentaccountid/nosuch eq 1")).status_code == 400


def test_top_orderby_count(api: Api, data: dict[str, object]) -> None:
    r = api.get("leads?$select=lastname,revenue&$orderby=revenue desc&$top=2")
    assert names(r) == ["Evans", "Davis"]
    c = api.get("leads?$select=lastname&$count=true&$filter=revenue gt 100")
    assert c.json()["@odata.count"] == 4


def test_paging_follows_next_link(api: Api, data: dict[str, object]) -> None:
    seen: list[str] = []
    url = "leads?$select=lastname&$orderby=lastname"
    r = api.get(url, headers={"Prefer": "odata.maxpagesize=2"})
    pages = 0
    while True:
        assert r.status_code == 200, r.text
        assert len(r.json()["value"]) <= 2
        seen += names(r)
        pages += 1
        link = r.json().get("@odata.nextLink")
        if not link:
            break
        r = api.client.get(link, headers={**api.headers, "Prefer": "odata.maxpagesize=2"})
    assert pages == 3 and seen == ["Adams", "Baker", "Clark", "Davis", "Evans"]


def test_expand_single_and_collection(api: Api, data: dict[str, object]) -> None:
    lid = data["leads"]["Adams"]  # type: ignore[index]
    r = api.get(f"leads({lid})?$select=lastname&$expand=parentaccountid($select=name)")
    assert r.json()["parentaccountid"]["name"] == "Contoso"
    acc = data["acc"]
    r = api.get(f"accounts({acc})?$select=name&$expand=contact_customer_accounts($select=lastname;$orderby=lastname)")
    assert r.status_code == 200, r.text
    assert [c["lastname"] for c in r.json()["contact_customer_accounts"]] == ["Cole", "Cruz"]
    rows = api.get("accounts?$select=name&$orderby=name&$expand=lead_parent_account($select=lastname)").json()["value"]
    assert [len(a["lead_parent_account"]) for a in rows] == [3, 2]
    related = api.get(f"accounts({acc})/contact_customer_accounts?$select=lastname&$orderby=lastname")
    assert names(related) == ["Cole", "Cruz"]


def test_fetchxml_with_paging_cookie(api: Api, data: dict[str, object]) -> None:
    fetch = ("<fetch count='2' page='1'><entity name='lead'><attribute name='lastname'/>"
             "<order attribute='lastname'/></entity></fetch>")
    r = api.get(f"leads?fetchXml={quote(fetch)}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert names(r) == ["Adams", "Baker"]
    assert body["@Microsoft.Dynamics.CRM.morerecords"] is True
    assert "pagenumber=\"2\"" in body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]
    bad = api.get(f"leads?fetchXml={quote('<fetch><entity')}")
    assert bad.status_code == 400


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=20))
def test_any_text_literal_round_trips(svc: OrganizationService, text: str) -> None:
    """A quoted literal (with '' for ') means exactly its text: the parser never misreads user input."""
    t = svc.metadata.table("lead")
    literal = "'" + text.replace("'", "''") + "'"
    f = parse_filter(f"lastname eq {literal}", t)
    assert f.conditions[0].values == [text]
    with pytest.raises(ApiError):
        parse_filter(f"lastname eq {literal} and", t)


def test_created_on_is_iso_utc(api: Api, data: dict[str, object]) -> None:
    row = api.get("leads?$select=createdon&$top=1").json()["value"][0]
    parsed = dt.datetime.fromisoformat(row["createdon"].replace("Z", "+00:00"))
    assert parsed.tzinfo is not None and row["createdon"].endswith("Z")


def test_apply_groupby_aggregate(api: Api, data: dict[str, object]) -> None:
    r = api.get("leads?$apply=" + quote("groupby((leadsourcecode),aggregate(revenue with sum as total,$count as n))"),
                headers={"Prefer": 'odata.include-annotations="*"'})
    assert r.status_code == 200, r.text
    rows = {row["leadsourcecode"]: row for row in r.json()["value"]}
    assert rows[8]["total"] == 700 and rows[8]["n"] == 2
    assert rows[1]["n"] == 1 and rows[None]["n"] == 1
    r = api.get("leads?$apply=" + quote("filter(revenue gt 100)/aggregate(revenue with average as avg,"
                                        "revenue with max as top)"))
    (row,) = r.json()["value"]
    assert row["avg"] == 350 and row["top"] == 500
    assert api.get("leads?$apply=" + quote("groupby((nosuch))")).status_code == 400
    assert api.get("leads?$apply=" + quote("aggregate(revenue with median as m)")).status_code == 400


def test_count_segment(api: Api, data: dict[str, object]) -> None:
    r = api.get("leads/$count")
    assert r.status_code == 200 and r.text == "5"
    assert api.get("leads/$count?$filter=" + quote("revenue gt 300")).text == "2"


def test_saved_query(api: Api, data: dict[str, object]) -> None:
    views = api.get("savedqueries?$select=name&$filter=" + quote("returnedtypecode eq 'lead' and name eq 'All Leads'"))
    assert views.status_code == 200, views.text
    (view,) = views.json()["value"]
    r = api.get(f"leads?savedQuery={view['savedqueryid']}")
    assert r.status_code == 200, r.text
    assert len(r.json()["value"]) == 5
    assert api.get(f"leads?savedQuery={view['savedqueryid'][:-1]}x").status_code in (400, 404)
