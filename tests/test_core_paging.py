"""`svc.iter_pages` / `svc.retrieve_all`: the one paging loop, over every query type."""

from __future__ import annotations

import pytest

from leadsdk import ColumnSet, Entity, ErrorCodes, OrganizationService, OrganizationServiceFault
from leadsdk.query import ConditionOperator, FetchExpression, QueryByAttribute, QueryExpression


def _leads(svc: OrganizationService, n: int) -> set[str]:
    for i in range(n):
        svc.create(Entity("lead", lastname=f"L{i:02}", companyname="Paged"))
    return {f"L{i:02}" for i in range(n)}


def test_pages_of_every_query_type(svc: OrganizationService) -> None:
    names = _leads(svc, 12)
    svc.create(Entity("lead", lastname="Other", companyname="Elsewhere"))
    qe = QueryExpression("lead", ColumnSet("lastname"))
    qe.criteria.add_condition("companyname", ConditionOperator.EQUAL, "Paged")
    qba = QueryByAttribute("lead", column_set=ColumnSet("lastname"), attributes=["companyname"], values=["Paged"])
    fetch = FetchExpression("<fetch><entity name='lead'><attribute name='lastname'/>"
                            "<filter><condition attribute='companyname' operator='eq' value='Paged'/></filter>"
                            "</entity></fetch>")
    for query in (qe, qba, fetch):
        sizes = [len(p.entities) for p in svc.iter_pages(query, page_size=5)]
        assert sizes == [5, 5, 2]
        got = [e["lastname"] for e in svc.retrieve_all(query, page_size=5)]
        assert len(got) == 12 and set(got) == names  # each record exactly once
    assert qe.page_info is None  # the caller's query is not changed
    assert {e["lastname"] for e in svc.retrieve_all(qe)} == names  # default pages of 5,000


def test_a_top_count_query_is_one_page_and_bad_sizes_fault(svc: OrganizationService) -> None:
    _leads(svc, 4)
    q = QueryExpression("lead", ColumnSet("lastname"), top_count=3)
    assert [len(p.entities) for p in svc.iter_pages(q, page_size=2)] == [3]
    for bad in (0, 5001, "10", True):
        with pytest.raises(OrganizationServiceFault) as e:
            list(svc.iter_pages(QueryExpression("lead"), page_size=bad))  # type: ignore[arg-type]
        assert e.value.error_code == ErrorCodes.INVALID_ARGUMENT
    with pytest.raises(OrganizationServiceFault):
        list(svc.retrieve_all(42))
