"""Fuzzy lead matching: normalisation, similarity, the match rules, blocking and the messages."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.duplicates import (
    FuzzyOptions,
    LeadProfile,
    find_similar_pairs,
    match_profiles,
    normalise_company,
    normalise_email,
    normalise_phone,
)
from leadsdk.duplicates.fuzzy import pure_ratio
from leadsdk.messages import BulkDetectSimilarLeadsRequest, FindSimilarLeadsRequest
from leadsdk.query import QueryExpression


def p(**kw: str) -> LeadProfile:
    return LeadProfile.from_values(uuid.uuid4(), kw)


def test_normalisation() -> None:
    assert normalise_email(" J.Doe+news@GMail.com ") == "jdoe@gmail.com"
    assert normalise_email("Ann+x@Contoso.com") == "ann@contoso.com"
    assert normalise_email("not an address") is None
    assert normalise_phone("+1 (425) 555-0100") == normalise_phone("425.555.0100") == "4255550100"
    assert normalise_phone("12-34") is None
    assert normalise_company("The Contoso Corp.") == normalise_company("contoso") == "contoso"
    assert p(firstname="Zoë", lastname="Ångström").name == "zoe angstrom"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=15), st.text(max_size=15))
def test_pure_python_ratio_equals_rapidfuzz(a: str, b: str) -> None:
    fuzz = pytest.importorskip("rapidfuzz.fuzz")
    assert pure_ratio(a, b) == pytest.approx(fuzz.ratio(a, b))


def test_same_email_matches_whatever_the_names() -> None:
    m = match_profiles(p(firstname="A", lastname="B", emailaddress1="x@y.com"),
                       p(firstname="C", lastname="D", emailaddress1="X@Y.com"))
    assert m is not None and m.fields["emailaddress1"] == 100 and "same email address" in m.reasons


def test_similar_name_and_company() -> None:
    m = match_profiles(p(firstname="Jonathan", lastname="Smith", companyname="Contoso Ltd"),
                       p(firstname="Jonathon", lastname="Smith", companyname="Contoso"))
    assert m is not None
    assert m.reasons == ("similar lead name and company name",)
    assert 85 <= m.fields["fullname"] < 100 and m.fields["companyname"] == 100
    assert match_profiles(p(firstname="Jonathan", lastname="Smith", companyname="Contoso"),
                          p(firstname="Maria", lastname="Garcia", companyname="Contoso")) is None


def test_similar_name_and_same_domain_ignores_free_mail() -> None:
    a = p(firstname="Ana", lastname="Lopez", emailaddress1="ana@fabrikam.com")
    b = p(firstname="Anna", lastname="Lopez", emailaddress1="alopez@fabrikam.com")
    m = match_profiles(a, b)
    assert m is not None and m.reasons == ("similar lead name and same email domain",)
    assert m.fields["emaildomain"] == 100
    c = p(firstname="Ana", lastname="Lopez", emailaddress1="ana1@gmail.com")
    d = p(firstname="Anna", lastname="Lopez", emailaddress1="alopez@gmail.com")
    assert match_profiles(c, d) is None


def test_same_phone_needs_a_loosely_similar_name() -> None:
    a = p(firstname="Kim", lastname="Lee", telephone1="+1 425 555 0101")
    assert match_profiles(a, p(firstname="Kim", lastname="Li", mobilephone="425-555-0101")) is not None
    assert match_profiles(a, p(firstname="Olga", lastname="Petrova", telephone1="4255550101")) is None


def test_blocking_finds_planted_pairs_and_few_others() -> None:
    import random

    rnd = random.Random(7)
    firsts = ["ann", "bob", "carl", "dina", "eve", "fred", "gina", "hugo", "ivy", "jon"]
    lasts = ["smith", "jones", "brown", "garcia", "miller", "davis", "lopez", "wilson", "moore", "clark"]
    rows = []
    for i in range(400):
        f, last = rnd.choice(firsts), rnd.choice(lasts)
        rows.append({"firstname": f, "lastname": last, "companyname": f"Company {i}",
                     "emailaddress1": f"{f}.{last}{i}@corp{i}.com", "telephone1": f"555{i:07d}"})
    planted = set()
    for i in range(0, 400, 20):
        r = dict(rows[i])
        r["lastname"] = r["lastname"] + "e"
        r["telephone1"] = None
        r["emailaddress1"] = f"other{i}@corp{i}.com"
        rows.append(r)
        planted.add((i, len(rows) - 1))
    profiles = [LeadProfile.from_values(uuid.UUID(int=i), r) for i, r in enumerate(rows)]
    found = {(m.base_id.int, m.matching_id.int) for m in find_similar_pairs(profiles)}
    assert found == planted


def test_oversized_block_uses_a_window() -> None:
    rows = [{"firstname": f"p{i:03d}", "lastname": "x", "companyname": "Big"} for i in range(200)]
    rows.append(dict(rows[100]))
    profiles = [LeadProfile.from_values(uuid.UUID(int=i), r) for i, r in enumerate(rows)]
    found = {(m.base_id.int, m.matching_id.int) for m in find_similar_pairs(profiles, FuzzyOptions(max_block=50))}
    assert found == {(100, 200)}


def test_find_similar_leads_message(svc: OrganizationService) -> None:
    a = svc.create(Entity("lead", subject="s", firstname="Nancy", lastname="Davolio", companyname="Northwind Traders",
                          emailaddress1="nancy@northwind.com"))
    b = svc.create(Entity("lead", subject="s", firstname="Nancie", lastname="Davolio", companyname="Northwind",
                          emailaddress1="ndavolio@northwind.com"))
    svc.create(Entity("lead", subject="s", firstname="Andrew", lastname="Fuller", companyname="Northwind"))
    res = svc.execute(FindSimilarLeadsRequest(target=EntityReference("lead", a)))
    assert [m.lead for m in res.matches] == [EntityReference("lead", b)]
    assert set(res.matches[0].fields) == {"fullname", "emaildomain"}
    unsaved = Entity("lead", firstname="Nancy", lastname="Davolio", emailaddress1="NANCY@northwind.com")
    res2 = svc.execute(FindSimilarLeadsRequest(target=unsaved))
    assert res2.matches[0].lead == EntityReference("lead", a) and res2.matches[0].score == 100


def test_bulk_detect_similar_leads_writes_duplicaterecords(svc: OrganizationService) -> None:
    a = svc.create(Entity("lead", subject="s", firstname="Ray", lastname="Ortiz", emailaddress1="ray@x.com"))
    b = svc.create(Entity("lead", subject="s", firstname="Raymond", lastname="Ortiz", emailaddress1="RAY@x.com"))
    svc.create(Entity("lead", subject="s", firstname="Zed", lastname="Q", emailaddress1="z@q.com"))
    resp = svc.execute(BulkDetectSimilarLeadsRequest(job_name="fuzzy"))
    assert len(resp.matches) == 1
    rows = svc.retrieve_multiple(QueryExpression("duplicaterecord", column_set=ColumnSet(all_columns=True)))
    assert len(rows) == 1
    r = rows[0]
    assert {r["baserecordid"].id, r["duplicaterecordid"].id} == {a, b}
    assert r["matchscore"] == 100 and "emailaddress1" in r["matchedfields"]
    assert r["asyncoperationid"] == resp.job_id
    dry = svc.execute(BulkDetectSimilarLeadsRequest(persist=False))
    assert len(dry.matches) == 1
    assert len(svc.retrieve_multiple(QueryExpression("duplicaterecord"))) == 1
