"""Runs of plain creates in a `$batch` change set, executed as one `CreateMultipleRequest`.

A change set's consecutive `POST /{set}` parts to one table with the same headers that matter, no deep
insert, no `Prefer: return=representation`, no id of their own and no reference to a `Content-ID` of the
run are one bulk create (one INSERT and one audit INSERT for the run instead of one pipeline run per
part). Only when CreateMultiple inserts them in bulk and so nothing could see the difference: the caller
is SYSTEM, no plugin step is registered on Create or CreateMultiple for the table, and duplicate
detection is suppressed (the Web API's default; bulk creates skip it as per-part creates then do).
Otherwise the parts run one by one as before. Each part still gets its own response, and a record that
faults fails the change set with the response its own Create would have given, attributed to its part
(CreateMultiple's `FaultedRequestIndex`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadsdk.errors import OrganizationServiceFault
from leadsdk.messages import CreateMultipleRequest
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.types import Entity, EntityCollection, EntityReference
from leadsdk.webapi.errors import ApiError, error_body
from leadsdk.webapi.http import ApiRequest, ApiResponse
from leadsdk.webapi.records import entity_id_response, parameters, suppress_duplicates
from leadsdk.webapi.serialize import entity_from_json

if TYPE_CHECKING:
    from leadsdk.entities.model import EntityMetadata
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["BulkTables", "RunFailed", "execute", "plain_create", "signature"]

_HEADERS = ("mscrmcallerid", "callerobjectid", "mscrm.suppressduplicatedetection",
            "mscrm.bypasscustompluginexecution", "prefer")
"""Headers that change what a Create does or answers: a run's parts agree on all of them."""


def signature(op: ApiRequest) -> tuple[str | None, ...]:
    """The values of the headers a run's parts must share."""
    return tuple(map(op.headers.get, _HEADERS))


def plain_create(api: WebApi, op: ApiRequest, bulk: BulkTables) -> tuple[EntityMetadata, Entity] | None:
    """The table and new record of a `POST /{set}` that a run may take, else None (it runs on its own,
    which also answers a bad body as a plain request would)."""
    if op.method != "POST" or op.query or "/" in op.path or "(" in op.path:
        return None
    t = api.names.by_set.get(op.path)
    if t is None or not suppress_duplicates(op) or op.prefers("return=representation") or not bulk.allows(t):
        return None
    try:
        e = entity_from_json(api.names, t, op.json(), deep=True)
    except (ApiError, OrganizationServiceFault):
        return None
    if e.related_entities or e.id is not None or t.primary_id_attribute in e.attributes:
        return None  # deep insert, or an id of its own (a clash must fault as its own Create does)
    for v in e.attributes.values():
        if isinstance(v, EntityReference) and v.id is None:
            return None  # a lookup by alternate key: resolved by the single Create's pipeline
    return t, e


class BulkTables:
    """Which tables a change set's runs may be bulk-created in, asked once per table and change set."""

    def __init__(self, svc: OrganizationService) -> None:
        self._svc = svc
        self._system = svc.caller_id in (None, SYSTEM_USER_ID)
        self._known: dict[str, bool] = {}

    def allows(self, t: EntityMetadata) -> bool:
        """True when CreateMultiple on `t` takes its bulk path: SYSTEM caller, no Create/CreateMultiple
        plugin step (otherwise plugins would see nested Creates one level deeper than the parts')."""
        if not self._system:
            return False
        name = t.logical_name
        ok = self._known.get(name)
        if ok is None:
            ok = self._known[name] = not (self._svc.has_plugin_steps("Create", name)
                                          or self._svc.has_plugin_steps("CreateMultiple", name))
        return ok


class RunFailed(Exception):
    """A record of a run faulted: `index` is its position in the run, `response` its part's answer."""

    def __init__(self, index: int, response: ApiResponse, fault: OrganizationServiceFault) -> None:
        super().__init__(fault.message)
        self.index = index
        self.response = response
        self.fault = fault


def execute(api: WebApi, svc: OrganizationService, t: EntityMetadata, ops: list[ApiRequest],
            entities: list[Entity]) -> list[ApiResponse]:
    """Create the run's records with one CreateMultipleRequest; one response per part, in order."""
    try:
        resp = svc.execute(CreateMultipleRequest(targets=EntityCollection(entities, entity_name=t.logical_name),
                                                 parameters=parameters(ops[0])))
    except OrganizationServiceFault as f:
        index = f.error_details.get("FaultedRequestIndex")
        fault = f
        if isinstance(index, int) and 0 <= index < len(ops) and f.inner_fault is not None:
            fault = f.inner_fault  # the record's own fault, as its single Create raises it
        else:  # a fault of the statement as a whole: attributed to the run's first part
            index = 0
        raise RunFailed(index, ApiResponse(ApiError.from_fault(fault).status,
                                           error_body(fault.error_code, fault.message)), fault) from f
    out = []
    for op, id_ in zip(ops, resp.ids, strict=True):
        r = entity_id_response(api, svc, op, t, id_, True)
        r.headers.setdefault("OData-Version", "4.0")
        out.append(r)
    return out
