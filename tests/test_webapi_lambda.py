"""Web API `$filter` lambda operators (`any`/`all` over collection-valued navigation properties), and the query
options Dataverse refuses (`$skip`, `$search`)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from tests.webapi_helpers import Api, error_code

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.query import FetchExpression, JoinOperator, QueryExpression
from leadsdk.webapi.odata_filter import parse_filter
from leadsdk.webapi.options import collections


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


@pytest.fixture
def accounts(svc: OrganizationService) -> dict[str, object]:
    """Contoso: contacts Cole and Cruz; Fabrikam: contact Fox; Litware: none. Contoso is linked to one lead (N:N)."""
    ids = {n: svc.create(Entity("account", name=n)) for n in ("Contoso", "Fabrikam", "Litware")}
    for last, acc in (("Cole", "Contoso"), ("Cruz", "Contoso"), ("Fox", "Fabrikam")):
        svc.create(Entity("contact", lastname=last, parentcustomerid=EntityReference("account", ids[acc])))
    lead = svc.create(Entity("lead", lastname="Lamb", subject="Bikes"))
    svc.associate("account", ids["Contoso"], "accountleads_association", [EntityReference("lead", lead)])
    return ids


def names(r: object) -> list[str]:
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    return [row["name"] for row in r.json()["value"]]  # type: ignore[attr-defined]


LAMBDAS = [
    ("contact_customer_accounts/any(c:c/lastname eq 'Cruz')", ["Contoso"]),
    ("contact_customer_accounts/any(c:startswith(c/lastname,'C') or c/lastname eq 'Fox')", ["Contoso", "Fabrikam"]),
    ("contact_customer_accounts/any()", ["Contoso", "Fabrikam"]),
    ("not contact_customer_accounts/any()", ["Litware"]),
    ("contact_customer_accounts/all(c:startswith(c/lastname,'C'))", ["Contoso"]),
    ("contact_customer_accounts/all(c:c/lastname ne 'Cole')", ["Fabrikam"]),
    ("not contact_customer_accounts/all(c:c/lastname ne 'Cole')", ["Contoso", "Litware"]),
    ("contact_customer_accounts/any(c:c/lastname eq 'Fox') or name eq 'Litware'", ["Fabrikam", "Litware"]),
    ("name ne 'Contoso' and contact_customer_accounts/any(c:contains(c/lastname,'o'))", ["Fabrikam"]),
    ("accountleads_association/any(l:l/lastname eq 'Lamb')", ["Contoso"]),
    ("accountleads_association/all(l:l/subject eq 'Cars')", []),
    ("accountleads_association/all(l:l/subject eq 'Bikes')", ["Contoso"]),
]


def test_lambda_any_all(api: Api, accounts: dict[str, object]) -> None:
    """One store per backend for all the cases (setting one up is the slow part)."""
    for flt, expected in LAMBDAS:
        assert names(api.get(f"accounts?$select=name&$filter={quote(flt)}&$orderby=name")) == expected, flt


def test_lambda_is_fetchxml_link_type_any_all(svc: OrganizationService, accounts: dict[str, object]) -> None:
    """`any`/`all` become the same filtering links as FetchXML link-type any/all, so they give the same rows."""
    from leadsdk.webapi.api import WebApi

    web = WebApi(svc)
    t = svc.metadata.table("account")
    f = parse_filter("contact_customer_accounts/all(c:startswith(c/lastname,'C'))", t, None, collections(web, t))
    link = f.any_all_filter_link_entity
    assert link is not None and link.join_operator == JoinOperator.ALL and link.link_to_entity_name == "contact"
    q = QueryExpression("account", criteria=f)
    q.column_set.add_column("name")
    fetch = """<fetch><entity name='account'><attribute name='name'/><filter>
      <link-entity name='contact' from='parentcustomerid' to='accountid' link-type='all'>
        <filter><condition attribute='lastname' operator='not-begin-with' value='C'/></filter>
      </link-entity></filter></entity></fetch>"""
    assert ({e["name"] for e in svc.retrieve_multiple(q).entities}
            == {e["name"] for e in svc.retrieve_multiple(FetchExpression(fetch)).entities} == {"Contoso"})


BAD = [
    "contact_customer_accounts/any(c:lastname eq 'x')",          # the variable is missing
    "contact_customer_accounts/any(c:d/lastname eq 'x')",        # another variable
    "contact_customer_accounts/any(c:c/nosuch eq 'x')",          # no such column on contact
    "primarycontactid/any(c:c/lastname eq 'x')",                 # single-valued
    "contact_customer_accounts/all()",
    "contact_customer_accounts/any(c c/lastname eq 'x')",
    "contact_customer_accounts/any(c:c/contact_customer_contacts/any(d:d/lastname eq 'x'))",  # nested lambda
    "contact_customer_accounts/any(c:c/parentcustomerid/name eq 'x')",                        # a path inside
]


def test_bad_lambda_is_a_400(api: Api) -> None:
    for flt in BAD:
        r = api.get(f"accounts?$filter={quote(flt)}")
        assert r.status_code == 400 and error_code(r) == "0x80060888", (flt, r.text)


def test_lambda_in_expand_and_count(api: Api, accounts: dict[str, object]) -> None:
    flt = quote("contact_customer_accounts/any(c:c/lastname eq 'Fox')")
    assert api.get(f"accounts/$count?$filter={flt}").text == "1"
    r = api.get(f"contacts({_contact(api, 'Cole')})?$select=lastname&$expand=parentcustomerid_account("
                f"$select=name)")
    assert r.json()["parentcustomerid_account"]["name"] == "Contoso"


def _contact(api: Api, last: str) -> str:
    return str(api.get(f"contacts?$select=lastname&$filter=lastname eq '{last}'").json()["value"][0]["contactid"])


def test_skip_and_search_answer_as_dataverse(api: Api, accounts: dict[str, object]) -> None:
    """Dataverse refuses $skip (paging is by @odata.nextLink) and $search (search is its own API) with a 400."""
    for option, name in (("$skip=1", "$skip"), ("$search=Contoso", "$search")):
        for path in (f"accounts?{option}", f"accounts?$select=name&{option}&$top=1", f"accounts/$count?{option}",
                     f"accounts({accounts['Contoso']})/contact_customer_accounts?{option}"):
            r = api.get(path)
            assert r.status_code == 400 and r.json()["error"]["code"] == "0x80060888", r.text
            assert r.json()["error"]["message"] == f"The query parameter {name} is not supported"


def test_lambda_in_apply_filter(api: Api, accounts: dict[str, object]) -> None:
    flt = quote("filter(contact_customer_accounts/any(c:startswith(c/lastname,'C')))/aggregate($count as n)")
    r = api.get(f"accounts?$apply={flt}")
    assert r.status_code == 200 and r.json()["value"][0]["n"] == 1, r.text
