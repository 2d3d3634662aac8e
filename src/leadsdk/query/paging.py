"""Paging through any query, one page after another (query layer).

The one paging loop of leadsdk: `pages(run, query)` calls `run` with the query asking for page 1, 2, ...
(the paging cookie of each page passed to the next, as Dataverse's paging cookies work) until a page
says there are no more records. `run` is `storage.select` inside the library and
`OrganizationService.retrieve_multiple` outside it, so exports, scans and re-scoring page the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.fetchxml import parse_fetchxml
from leadsdk.query.model import FetchExpression, PagingInfo, QueryByAttribute, QueryExpression

__all__ = ["DEFAULT_PAGE_SIZE", "Page", "pages", "to_query_expression"]

DEFAULT_PAGE_SIZE = 5000
"""Dataverse's largest page, and the page size of RetrieveMultiple when a query names none."""


class Page(Protocol):
    """What a page of results tells about the next one (EntityCollection, QueryResult)."""

    @property
    def more_records(self) -> bool: ...

    @property
    def paging_cookie(self) -> str | None: ...


P = TypeVar("P", bound=Page)


def to_query_expression(query: Any) -> QueryExpression:
    """Any query the SDK takes (QueryExpression, QueryByAttribute, FetchExpression or FetchXML text) as a
    QueryExpression."""
    if isinstance(query, QueryExpression):
        return query
    if isinstance(query, QueryByAttribute):
        return query.to_query_expression()
    if isinstance(query, FetchExpression):
        return parse_fetchxml(query.query)
    if isinstance(query, str) and query.lstrip().startswith("<fetch"):
        return parse_fetchxml(query)
    raise OrganizationServiceFault(
        ErrorCodes.INVALID_ARGUMENT,
        f"A query must be a QueryExpression, QueryByAttribute or FetchExpression, not {type(query).__name__}.",
    )


def pages(run: Callable[[QueryExpression], P], query: Any, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[P]:
    """Each page of `query` (any query type), `page_size` rows at a time, as `run` answers it. The query
    given is not changed; a query with `top_count` is one page."""
    if not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= DEFAULT_PAGE_SIZE:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"The page size must be a whole number from 1 to {DEFAULT_PAGE_SIZE}, "
                                         f"not {page_size!r}.")
    q = to_query_expression(query)
    if q.top_count is not None or q.aggregate:
        yield run(q)
        return
    number, cookie = 1, None
    while True:
        page = run(attrs.evolve(q, page_info=PagingInfo(count=page_size, page_number=number, paging_cookie=cookie)))
        yield page
        if not page.more_records:
            return
        number, cookie = number + 1, page.paging_cookie
