"""Paging: page numbers, paging cookies (also under concurrent inserts and over a non-unique nullable order),
more_records, total record count, top_count, the 5000 row page limit, and QueryByAttribute."""

from __future__ import annotations

import html
import uuid
from collections import Counter

import pytest

from leadsdk import ColumnSet, Entity, OptionSetValue, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import RetrieveMultipleRequest
from leadsdk.query import (
    ConditionOperator,
    FetchExpression,
    OrderType,
    PagingInfo,
    QueryByAttribute,
    QueryExpression,
)

N = 12_000
OLD = 400


def source_of(i: int) -> int | None:
    """A non-unique, sometimes null order column."""
    return None if i % 7 == 0 else i % 5 + 1


@pytest.fixture
def many(svc: OrganizationService) -> OrganizationService:
    """12,000 leads written straight through the storage interface (the pipeline is not under test
    here, and creating them one request at a time would dominate the run on PostgreSQL)."""
    lead = svc.metadata.table("lead")
    rows = [{"leadid": uuid.uuid4(), "subject": f"s{i:05d}", "lastname": "p", "leadsourcecode": source_of(i),
             "statecode": 0, "statuscode": 1} for i in range(N)]
    with svc.storage.transaction():
        svc.storage.insert_many(lead, rows)
    return svc


def page_through(svc: OrganizationService, q: QueryExpression, count: int, cookie: bool,
                 between_pages: object = None) -> list[list[str]]:
    pages: list[list[str]] = []
    q.page_info = PagingInfo(count=count, page_number=1)
    while True:
        res = svc.retrieve_multiple(q)
        pages.append([e["subject"] for e in res])
        if not res.more_records:
            assert len(pages[-1]) <= count
            return pages
        assert len(pages[-1]) == count
        assert res.paging_cookie
        if callable(between_pages):
            between_pages(len(pages))
        q.page_info = PagingInfo(count=count, page_number=q.page_info.page_number + 1,
                                 paging_cookie=res.paging_cookie if cookie else None)


def test_page_numbers_cover_every_row_once(many: OrganizationService) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    pages = page_through(many, q, 5000, cookie=False)
    assert [len(p) for p in pages] == [5000, 5000, 2000]
    seen = [s for p in pages for s in p]
    assert len(seen) == len(set(seen)) == N


@pytest.mark.parametrize("order", [OrderType.ASCENDING, OrderType.DESCENDING])
def test_cookie_paging_over_non_unique_nullable_order(many: OrganizationService, order: OrderType) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject", "leadsourcecode"))
    q.add_order("leadsourcecode", order)
    got: list[tuple[int | None, str]] = []
    q.page_info = PagingInfo(count=700, page_number=1)
    while True:
        res = many.retrieve_multiple(q)
        got += [(e["leadsourcecode"].value if "leadsourcecode" in e else None, e["subject"]) for e in res]
        if not res.more_records:
            break
        q.page_info = PagingInfo(count=700, page_number=q.page_info.page_number + 1, paging_cookie=res.paging_cookie)
    subjects = [s for _, s in got]
    assert len(subjects) == len(set(subjects)) == N
    # nulls first ascending, last descending; otherwise sorted
    keys = [-1 if v is None else v for v, _ in got]
    assert keys == sorted(keys, reverse=order == OrderType.DESCENDING)
    assert got[0][0] is None if order == OrderType.ASCENDING else got[-1][0] is None


def test_cookie_paging_by_text_then_page_number_agree(many: OrganizationService) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.add_order("subject", OrderType.DESCENDING)
    by_cookie = [s for p in page_through(many, q, 4000, cookie=True) for s in p]
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.add_order("subject", OrderType.DESCENDING)
    by_number = [s for p in page_through(many, q, 4000, cookie=False) for s in p]
    assert by_cookie == by_number == sorted((f"s{i:05d}" for i in range(N)), reverse=True)


def test_cookie_paging_is_stable_under_concurrent_inserts(svc: OrganizationService) -> None:
    with svc.storage.transaction():  # one transaction: the creates are setup, not under test
        for i in range(OLD):
            svc.create(Entity("lead", subject=f"old{i:04d}", lastname="p"))
    added: list[str] = []

    def insert(page: int) -> None:
        for j in range(15):
            name = f"new{page}-{j}"
            svc.create(Entity("lead", subject=name, lastname="p"))
            added.append(name)

    q = QueryExpression("lead", column_set=ColumnSet("subject"))  # ordered by the random leadid
    seen = [s for p in page_through(svc, q, 40, cookie=True, between_pages=insert) for s in p]
    counts = Counter(seen)
    old = {f"old{i:04d}" for i in range(OLD)}
    assert max(counts.values()) == 1  # no repeats
    assert old <= set(counts)  # no gaps
    assert set(counts) - old <= set(added)
    assert len(added) >= 15 * (OLD // 40 - 1)


def test_total_record_count(svc: OrganizationService) -> None:
    for i in range(30):
        svc.create(Entity("lead", subject=f"t{i}", lastname="even" if i % 2 == 0 else "odd"))
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.criteria.add_condition("lastname", ConditionOperator.EQUAL, "even")
    q.page_info = PagingInfo(count=4, page_number=2, return_total_record_count=True)
    res = svc.retrieve_multiple(q)
    assert len(res) == 4 and res.more_records
    assert res.total_record_count == 15
    assert res.total_record_count_limit_exceeded is False
    q.page_info = PagingInfo(count=4, page_number=1)
    assert svc.retrieve_multiple(q).total_record_count == -1


def test_total_record_count_limit(many: OrganizationService) -> None:
    q = QueryExpression("lead")
    q.page_info = PagingInfo(count=10, page_number=1, return_total_record_count=True)
    res = many.retrieve_multiple(q)
    assert res.total_record_count == 5000
    assert res.total_record_count_limit_exceeded is True


def test_default_page_is_5000_rows(many: OrganizationService) -> None:
    res = many.retrieve_multiple(QueryExpression("lead"))
    assert len(res) == 5000
    assert res.more_records is True and res.paging_cookie
    q = QueryExpression("lead")
    q.page_info = PagingInfo(count=0, page_number=3)
    assert len(many.retrieve_multiple(q)) == 2000


def test_page_size_over_5000_faults(svc: OrganizationService) -> None:
    q = QueryExpression("lead")
    q.page_info = PagingInfo(count=5001, page_number=1)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert "5000" in ei.value.message


def test_top_count(svc: OrganizationService) -> None:
    for i in range(10):
        svc.create(Entity("lead", subject=f"t{i}", lastname="x"))
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.add_order("subject", OrderType.DESCENDING)
    q.top_count = 3
    res = svc.retrieve_multiple(q)
    assert [e["subject"] for e in res] == ["t9", "t8", "t7"]
    assert res.more_records is False
    q.top_count = 0
    assert len(svc.retrieve_multiple(q)) == 0
    fetch = ("<fetch top='2'><entity name='lead'><attribute name='subject'/><order attribute='subject'/>"
             "</entity></fetch>")
    assert [e["subject"] for e in svc.retrieve_multiple(FetchExpression(fetch))] == ["t0", "t1"]


def test_top_count_with_page_info_faults(svc: OrganizationService) -> None:
    q = QueryExpression("lead", top_count=5, page_info=PagingInfo(count=2, page_number=1))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert "top" in ei.value.message.lower()
    q = QueryExpression("lead", top_count=5001)
    with pytest.raises(OrganizationServiceFault):
        svc.retrieve_multiple(q)


@pytest.mark.parametrize("cookie", ["not xml", "<cookie page='1'><nosuch last='1'/></cookie>",
                                    "<cookie page='1'><leadid last='not-a-guid'/></cookie>"])
def test_bad_paging_cookie_faults(svc: OrganizationService, cookie: str) -> None:
    q = QueryExpression("lead")
    q.page_info = PagingInfo(count=5, page_number=2, paging_cookie=cookie)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE


def test_fetchxml_paging_cookie(svc: OrganizationService) -> None:
    for i in range(9):
        svc.create(Entity("lead", subject=f"f{i}", lastname="x"))
    seen: list[str] = []
    cookie = None
    page = 1
    while True:
        attr = "" if cookie is None else f" paging-cookie='{html.escape(cookie, quote=True)}'"
        fetch = (f"<fetch count='4' page='{page}'{attr}><entity name='lead'><attribute name='subject'/>"
                 "<order attribute='subject'/></entity></fetch>")
        res = svc.retrieve_multiple(FetchExpression(fetch))
        seen += [e["subject"] for e in res]
        if not res.more_records:
            break
        cookie, page = res.paging_cookie, page + 1
    assert seen == [f"f{i}" for i in range(9)]


# ---- QueryByAttribute -------------------------------------------------------------------------------


def test_query_by_attribute(svc: OrganizationService) -> None:
    for i, (last, src) in enumerate([("Andersen", 1), ("andersen", 2), ("Berg", 1), ("Andersen", None)]):
        e = Entity("lead", subject=f"q{i}", lastname=last)
        if src is not None:
            e["leadsourcecode"] = OptionSetValue(src)
        svc.create(e)
    q = QueryByAttribute("lead", column_set=ColumnSet("subject"), attributes=["lastname"], values=["ANDERSEN"])
    q.add_order("subject", OrderType.DESCENDING)
    assert [e["subject"] for e in svc.retrieve_multiple(q)] == ["q3", "q1", "q0"]
    q.add_attribute_value("leadsourcecode", 1)
    assert [e["subject"] for e in svc.retrieve_multiple(q)] == ["q0"]
    q2 = QueryByAttribute("lead", column_set=ColumnSet("subject"), attributes=["leadsourcecode"], values=[None])
    assert [e["subject"] for e in svc.retrieve_multiple(q2)] == ["q3"]
    q2.top_count = 0
    assert len(svc.retrieve_multiple(q2)) == 0
    resp = svc.execute(RetrieveMultipleRequest(query=QueryByAttribute(
        "lead", attributes=["lastname"], values=["berg"], page_info=PagingInfo(count=1, page_number=1))))
    assert len(resp.entity_collection) == 1 and resp.entity_collection.more_records is False


@pytest.mark.parametrize(("attributes", "values"), [([], []), (["lastname"], []), (["nosuch"], ["x"])])
def test_query_by_attribute_faults(svc: OrganizationService, attributes: list[str], values: list[object]) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(QueryByAttribute("lead", attributes=attributes, values=values))
    assert ei.value.error_code in (ErrorCodes.INVALID_ARGUMENT, ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE)


def test_ids_come_back(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", subject="id", lastname="x"))
    (e,) = svc.retrieve_multiple(QueryExpression("lead")).entities
    assert e.id == lid and e["leadid"] == lid and isinstance(e.id, uuid.UUID)
    assert set(e.attributes) == {"leadid"}
