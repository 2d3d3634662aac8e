"""Create, Retrieve, Update, Delete, Upsert and RetrieveMultiple."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, as_reference, handler
from leadsdk.messages.privileges import NESTED, Access, CreateOf, ReadOf, target
from leadsdk.progress import paused_gc
from leadsdk.query.fetchxml import parse_fetchxml
from leadsdk.query.model import (
    ConditionOperator,
    FetchExpression,
    PagingInfo,
    QueryByAttribute,
    QueryExpression,
    iter_link_entities,
)
from leadsdk.query.paging import DEFAULT_PAGE_SIZE, to_query_expression
from leadsdk.records.delete import delete_record
from leadsdk.records.read import entity_builder, page_entities, retrieve_record
from leadsdk.records.settings import not_found
from leadsdk.records.write import create_record, update_record
from leadsdk.storage.base import QueryContext, QueryResult
from leadsdk.types import ColumnSet, Entity, EntityCollection, EntityReference

__all__ = [
    "ConcurrencyBehavior",
    "CreateRequest",
    "CreateResponse",
    "DeleteRequest",
    "DeleteResponse",
    "RetrieveMultipleRequest",
    "RetrieveMultipleResponse",
    "RetrieveMultipleRowsRequest",
    "RetrieveMultipleRowsResponse",
    "RetrieveRequest",
    "RetrieveResponse",
    "UpdateRequest",
    "UpdateResponse",
    "UpsertRequest",
    "UpsertResponse",
    "as_entity",
    "run_query",
    "run_view",
    "to_query_expression",
]


class ConcurrencyBehavior(enum.IntEnum):
    """How Update and Delete treat the record's row version (Dataverse values)."""

    DEFAULT = 0
    IF_ROW_VERSION_MATCHES = 1
    ALWAYS_OVERWRITE = 2


_DEFAULT_BEHAVIOR = ConcurrencyBehavior.DEFAULT
"""Read once: on Python 3.11 an enum class's member read goes through EnumType.__getattr__'s slot."""


def as_entity(value: Any, request: str, field: str = "target") -> Entity:
    """An Entity from an Entity or an early-bound instance."""
    if isinstance(value, Entity):
        return value
    to_entity = getattr(value, "to_entity", None)
    if callable(to_entity):
        e = to_entity()
        if isinstance(e, Entity):
            return e
    if value is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, f"{request} needs '{field}'.")
    raise OrganizationServiceFault(
        ErrorCodes.INVALID_ARGUMENT, f"{request}.{field} must be an Entity, not {type(value).__name__}."
    )


def _expected_version(e: Entity, behavior: Any, request: str) -> int | None:
    if behavior is None or behavior is _DEFAULT_BEHAVIOR or \
            ConcurrencyBehavior(int(behavior)) != ConcurrencyBehavior.IF_ROW_VERSION_MATCHES:
        return None
    if not e.row_version:
        raise OrganizationServiceFault(
            ErrorCodes.CONCURRENCY_VERSION_NOT_PROVIDED,
            f"The RowVersion property must be provided when the value of ConcurrencyBehavior is IfVersionMatches "
            f"({request} of {e.logical_name}).",
        )
    try:
        return int(e.row_version)
    except ValueError:
        raise OrganizationServiceFault(
            ErrorCodes.CONCURRENCY_VERSION_MISMATCH, f"The row version {e.row_version!r} is not one this store issued."
        ) from None


@attrs.define(eq=False, repr=False, slots=False)
class CreateRequest(OrganizationRequest["CreateResponse"]):
    request_name = "Create"
    requires = (CreateOf(),)
    target: Any = target()
    suppress_duplicate_detection: bool = True


@attrs.define(eq=False, repr=False, slots=False)
class CreateResponse(OrganizationResponse):
    id: uuid.UUID | None = None

    @property
    def results(self) -> dict[str, Any]:
        """Dataverse names Create's output parameter "id" (lower case)."""
        return {"id": self.id}


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveRequest(OrganizationRequest["RetrieveResponse"]):
    request_name = "Retrieve"
    requires = (Access("Read"),)
    read_only = True
    target: EntityReference | None = target()
    column_set: ColumnSet | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveResponse(OrganizationResponse):
    entity: Entity | None = None


@attrs.define(eq=False, repr=False, slots=False)
class UpdateRequest(OrganizationRequest["UpdateResponse"]):
    request_name = "Update"
    requires = (Access("Write"),)
    target: Any = target()
    concurrency_behavior: ConcurrencyBehavior = ConcurrencyBehavior.DEFAULT
    suppress_duplicate_detection: bool = True


@attrs.define(eq=False, repr=False, slots=False)
class UpdateResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class DeleteRequest(OrganizationRequest["DeleteResponse"]):
    request_name = "Delete"
    requires = (Access("Delete"),)
    target: EntityReference | None = target()
    concurrency_behavior: ConcurrencyBehavior = ConcurrencyBehavior.DEFAULT
    row_version: str | None = None
    """With IF_ROW_VERSION_MATCHES: the version the caller last saw (Dataverse reads it from an Entity target)."""


@attrs.define(eq=False, repr=False, slots=False)
class DeleteResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class UpsertRequest(OrganizationRequest["UpsertResponse"]):
    request_name = "Upsert"
    requires = NESTED
    target: Any = target()


@attrs.define(eq=False, repr=False, slots=False)
class UpsertResponse(OrganizationResponse):
    target: EntityReference | None = None
    record_created: bool = False


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveMultipleRequest(OrganizationRequest["RetrieveMultipleResponse"]):
    request_name = "RetrieveMultiple"
    requires = (ReadOf("query"),)
    read_only = True
    query: QueryExpression | QueryByAttribute | FetchExpression | EntityReference | None = target()
    """A query, or an EntityReference to a view (savedquery or userquery) to run."""


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveMultipleResponse(OrganizationResponse):
    entity_collection: EntityCollection = attrs.field(factory=EntityCollection)


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveMultipleRowsRequest(OrganizationRequest["RetrieveMultipleRowsResponse"]):
    """RetrieveMultiple for bulk readers that want values, not Entities (leadsdk's own message; `leadsdk
    export` streams CSV with it): the same query, read privileges and scope, paging and cookies, each record
    a dict of its typed values by output key (lookups' ids, with their names under "<column>@name";
    choices and amounts as the stored numbers). When RetrieveMultiple plugins are registered for the
    table, it runs RetrieveMultiple itself, so they see and shape the records, and answers with those
    Entities (`entity_collection`) instead of rows."""

    request_name = "RetrieveMultipleRows"
    requires = (ReadOf("query"),)
    read_only = True
    query: QueryExpression | QueryByAttribute | FetchExpression | None = target()


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveMultipleRowsResponse(OrganizationResponse):
    rows: list[dict[str, Any]] = attrs.field(factory=list)
    columns: list[tuple[str, str, str, bool]] = attrs.field(factory=list)
    """(output key, table, column, raw) of each value of a row, as the query returned them."""
    more_records: bool = False
    paging_cookie: str | None = None
    total_record_count: int = -1
    entity_collection: EntityCollection | None = None
    """The Entities RetrieveMultiple returned instead of rows, when plugins take part."""

    def __getattr__(self, name: str) -> Any:
        """`rows` of a response made from a stored page (`of_page`), made when first read."""
        if name == "rows":
            page = self.__dict__.get("_page")
            if page is not None:
                rows: list[dict[str, Any]] = page.rows()
                self.__dict__["rows"] = rows
                return rows
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["rows"] = self.rows
        state.pop("_page", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def values(self, key: str) -> list[Any]:
        """The typed values of output `key` (None where a row has none), row by row: `[r.get(key) for r in
        rows]`, taken from the stored page's column when the rows were not made (bulk readers: the export)."""
        page = self.__dict__.get("_page")
        if page is not None and "rows" not in self.__dict__:
            return page.values(key)  # type: ignore[no-any-return]
        return [r.get(key) for r in self.rows]

    @classmethod
    def of_page(cls, res: QueryResult) -> RetrieveMultipleRowsResponse:
        """The response of a query result, its rows left to be made from the stored page when first read."""
        page = res.page
        if page is None:
            return cls(res.rows, list(res.columns), res.more_records, res.paging_cookie, res.total_record_count)
        resp = cls([], list(res.columns), res.more_records, res.paging_cookie, res.total_record_count)
        del resp.__dict__["rows"]
        resp.__dict__["_page"] = page
        return resp


@handler(CreateRequest)
def _create(ctx: HandlerContext, req: CreateRequest) -> CreateResponse:
    e = as_entity(req.target, "CreateRequest")
    return CreateResponse(create_record(ctx.detecting(not req.suppress_duplicate_detection), e))


@handler(RetrieveRequest)
def _retrieve(ctx: HandlerContext, req: RetrieveRequest) -> RetrieveResponse:
    ref = as_reference(req.target, "target", "RetrieveRequest")
    cs: Any = req.column_set
    if cs is not None and not isinstance(cs, ColumnSet):
        cs = ColumnSet(cs)  # True / False / names, as the SDK's ColumnSet constructors; else a clean fault
    return RetrieveResponse(retrieve_record(ctx, ref.logical_name, ref.id, cs))


@handler(UpdateRequest)
def _update(ctx: HandlerContext, req: UpdateRequest) -> UpdateResponse:
    e = as_entity(req.target, "UpdateRequest")
    update_record(ctx.detecting(not req.suppress_duplicate_detection), e,
                  expected_version=_expected_version(e, req.concurrency_behavior, "Update"))
    return UpdateResponse()


@handler(DeleteRequest)
def _delete(ctx: HandlerContext, req: DeleteRequest) -> DeleteResponse:
    target: Any = req.target
    version: int | None = None
    if isinstance(target, Entity):
        version = _expected_version(target, req.concurrency_behavior, "Delete")
        target = target.to_entity_reference()
    elif req.concurrency_behavior == ConcurrencyBehavior.IF_ROW_VERSION_MATCHES:
        e = Entity("x")
        e.row_version = req.row_version
        version = _expected_version(e, req.concurrency_behavior, "Delete")
    ref = as_reference(target, "target", "DeleteRequest")
    delete_record(ctx, ref.logical_name, ref.id, expected_version=version)
    return DeleteResponse()


@handler(UpsertRequest)
def _upsert(ctx: HandlerContext, req: UpsertRequest) -> UpsertResponse:
    e = as_entity(req.target, "UpsertRequest")
    t = ctx.metadata.table(e.logical_name)
    raw = e.id or e.attributes.get(t.primary_id_attribute)
    id_ = None
    if raw is not None:
        try:
            id_ = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)) if isinstance(raw, str) else None
        except ValueError:
            id_ = None
        if id_ is None:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"UpsertRequest.target: the {t.primary_id_attribute} {raw!r:.60} is not a UUID.")
    if id_ is not None and ctx.storage.exists(t, id_):
        ctx.execute(UpdateRequest(target=e))
        return UpsertResponse(EntityReference(e.logical_name, id_), False)
    new_id = ctx.execute(CreateRequest(target=e)).id
    return UpsertResponse(EntityReference(e.logical_name, new_id), True)


def _uses_business_id(qe: QueryExpression) -> bool:
    """True when a condition of the query (or of its links) compares with the caller's business unit."""
    ops = (ConditionOperator.EQUAL_BUSINESS_ID, ConditionOperator.NOT_EQUAL_BUSINESS_ID)
    filters = [qe.criteria, *(link.link_criteria for link in iter_link_entities(qe.link_entities))]
    while filters:
        f = filters.pop()
        if f is None:
            continue
        if any(c.operator in ops for c in f.conditions):
            return True
        filters.extend(f.filters)
    return False


def query_context(ctx: HandlerContext, qe: QueryExpression | None = None) -> QueryContext:
    """Who is asking: for EqualUserId/EqualBusinessId and for the security engine's read scope."""
    qc = QueryContext(caller_id=ctx.caller_id)
    sec = ctx.security
    if sec is not None:
        sec.prepare_query_context(ctx, qc)
    if qc.business_unit_id is None and qe is not None and _uses_business_id(qe):
        row = ctx.storage.get(ctx.metadata.table("systemuser"), ctx.caller_id, ["businessunitid"])
        qc.business_unit_id = row.get("businessunitid") if row else None
    return qc


def _paged(qe: QueryExpression) -> QueryExpression:
    """A query without a top count or page size reads Dataverse's default page."""
    page = qe.page_info
    if qe.top_count is None and not qe.aggregate and (page is None or not page.count):
        qe = attrs.evolve(qe, page_info=PagingInfo(
            count=DEFAULT_PAGE_SIZE, page_number=page.page_number if page and page.page_number > 0 else 1,
            paging_cookie=page.paging_cookie if page else None,
            return_total_record_count=page.return_total_record_count if page else False))
    return qe


def run_query(ctx: HandlerContext, query: Any) -> EntityCollection:
    """RetrieveMultiple: run any query in the store and build the Entities Dataverse returns."""
    qe = _paged(to_query_expression(query))
    qc = query_context(ctx, qe)
    qc.row_version = True  # every returned record carries its RowVersion, as Dataverse sets it
    with paused_gc():
        res = ctx.storage.select(qe, qc)
        ents = page_entities(entity_builder(ctx, qe.entity_name, res.columns), res)
    tables = ctx.metadata.tables
    coll = EntityCollection(
        ents,
        qe.entity_name,
        more_records=res.more_records,
        paging_cookie=res.paging_cookie,
        total_record_count=res.total_record_count,
        total_record_count_limit_exceeded=res.total_record_count_limit_exceeded,
    )
    labels: dict[str, str] = {}
    for key, table_name, column, _raw in res.columns:
        t = tables.get(table_name)
        a = t.attributes.get(column) if t is not None else None
        if a is not None and a.display_name and "@" not in key and key == column:
            labels[key] = a.display_name
    coll.column_labels = labels
    return coll


def run_view(ctx: HandlerContext, view_table: str, view_id: uuid.UUID) -> EntityCollection:
    """Run a saved or personal view's FetchXML (as the caller, so My views and security apply)."""
    t = ctx.metadata.table(view_table)
    row = ctx.storage.get(t, view_id, ["fetchxml", "returnedtypecode"])
    if row is None:
        raise not_found(view_table, view_id)
    fx = row.get("fetchxml")
    if not fx:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"The {view_table} {view_id} has no FetchXML.")
    return run_query(ctx, parse_fetchxml(str(fx)))


@handler(RetrieveMultipleRequest)
def _retrieve_multiple(ctx: HandlerContext, req: RetrieveMultipleRequest) -> RetrieveMultipleResponse:
    if req.query is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "RetrieveMultipleRequest needs 'query'.")
    q: Any = req.query
    if isinstance(q, EntityReference) and q.logical_name in ("savedquery", "userquery"):
        return RetrieveMultipleResponse(run_view(ctx, q.logical_name, q.id))
    return RetrieveMultipleResponse(run_query(ctx, q))


@handler(RetrieveMultipleRowsRequest)
def _retrieve_multiple_rows(ctx: HandlerContext, req: RetrieveMultipleRowsRequest) -> RetrieveMultipleRowsResponse:
    if req.query is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "RetrieveMultipleRowsRequest needs 'query'.")
    qe = to_query_expression(req.query)
    plugins = ctx.store.plugins
    if plugins is not None and plugins.steps and plugins.for_message("RetrieveMultiple", qe.entity_name, None):
        coll = ctx.execute(RetrieveMultipleRequest(query=qe, parameters=dict(req.parameters))).entity_collection
        return RetrieveMultipleRowsResponse(more_records=coll.more_records, paging_cookie=coll.paging_cookie,
                                            total_record_count=coll.total_record_count, entity_collection=coll)
    qe = _paged(qe)
    with paused_gc():
        res = ctx.storage.select(qe, query_context(ctx, qe))
    return RetrieveMultipleRowsResponse.of_page(res)
