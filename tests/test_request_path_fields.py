"""The request path's cheaper forms (qual31): a request class's name and flags read once per class, the
Context's store fields and security, and the create hook's audit row written without `record`'s checks; with
a new row's defaults, which the create fills around them. Each test runs a path twice (its cached form) and
checks what the slower form gave: faults, contexts, stored values, audit rows."""

from __future__ import annotations

import uuid
from typing import Any

import attrs
import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.audit import messages as audit_messages
from leadsdk.entities import AuditAction, AuditOperation
from leadsdk.errors import ErrorCodes
from leadsdk.messages import CreateRequest, ExecuteMultipleRequest, RetrieveRequest, UpdateRequest
from leadsdk.messages.base import OrganizationRequest, OrganizationResponse
from leadsdk.pipeline import _KINDS
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.records.context import SYSTEM_USER_ID


@attrs.define(eq=False, repr=False, slots=False)
class _UnhandledRequest(OrganizationRequest[OrganizationResponse]):
    """A request class no handler is registered for."""

    request_name = "Unhandled"


def test_request_kinds_fault_and_are_read_per_class(svc: OrganizationService) -> None:
    """What is not a request, and a request without a handler, fault as before, every time; a request class's
    name and flags are its class variables."""
    for _ in range(2):
        with pytest.raises(OrganizationServiceFault) as e:
            svc.execute(object())  # type: ignore[call-overload]
        assert e.value.error_code == ErrorCodes.INVALID_ARGUMENT and "takes a request such as" in e.value.message
        with pytest.raises(OrganizationServiceFault) as e:
            svc.execute(_UnhandledRequest())
        assert e.value.error_code == ErrorCodes.INVALID_ARGUMENT
        assert "_UnhandledRequest is not supported" in e.value.message
    assert object not in _KINDS
    lead = svc.create(Entity("lead", lastname="Kinds"))
    svc.execute(RetrieveRequest(target=EntityReference("lead", lead), column_set=ColumnSet("lastname")))
    svc.execute(ExecuteMultipleRequest(requests=[UpdateRequest(target=Entity("lead", lead, lastname="K2"))]))
    assert _KINDS[CreateRequest] == ("Create", False, True, False, True)
    assert _KINDS[UpdateRequest] == ("Update", False, True, False, True)
    assert _KINDS[RetrieveRequest] == ("Retrieve", True, True, False, False)
    assert _KINDS[ExecuteMultipleRequest] == ("ExecuteMultiple", False, False, True, False)
    assert svc.retrieve("lead", lead, ColumnSet("lastname"))["lastname"] == "K2"


def _contexts(svc: OrganizationService, table: str, make: Any) -> list[Any]:
    """The contexts `make()`'s creates of `table` run their before-create listeners with."""
    seen: list[Any] = []

    def grab(ctx: Any, *_: Any) -> None:
        seen.append(ctx)

    events = svc._core.state.events
    events.add("before_create", grab, tables=(table,))
    try:
        make()
    finally:
        events.remove("before_create", grab)
    return seen


def test_nested_request_contexts(svc: OrganizationService) -> None:
    """A nested Create (a note from QualifyLead's summary) runs one level below its parent, with its own
    scratch, the store's fields, duplicate detection from its own request, and no security for SYSTEM."""
    from leadsdk.messages import QualifyLeadRequest

    state = svc._core.state
    for _ in range(2):
        lead = svc.create(Entity("lead", lastname="Nested", companyname="Nested Co"))
        seen = _contexts(svc, "annotation", lambda lead=lead: svc.execute(QualifyLeadRequest(
            lead_id=EntityReference("lead", lead), create_account=True, status=3)))
        assert len(seen) == 1
        note = seen[0]
        assert note.message_name == "Create" and note.depth == 2 and note.parent.message_name == "QualifyLead"
        assert note.parent.depth == 1 and note.parent.parent is None and note.scratch is not note.parent.scratch
        assert note.storage is state.storage and note.metadata is state.metadata and note.cache is state.cache
        assert note.events is state.events and note.security is None and note.caller_id == SYSTEM_USER_ID
        assert note.detect_duplicates is False  # the note's CreateRequest suppresses detection (its default)
        assert note.now == note.parent.now


def test_defaults_fill_only_the_columns_left_out(svc: OrganizationService) -> None:
    """A create gives the columns the caller left out their defaults and keeps the ones given (also given
    as the default's value, or None), on the second create of the same columns too."""
    cols = ColumnSet("donotemail", "donotphone", "creditonhold", "preferredcontactmethodcode", "merged",
                     "donotfax")
    for i in range(2):
        aid = svc.create(Entity("account", name=f"Defaults {i}", donotemail=True, donotfax=None, merged=False))
        got = svc.retrieve("account", aid, cols)
        assert got["donotemail"] is True and got.get("donotfax") is None and got["merged"] is False
        assert got["donotphone"] is False and got["creditonhold"] is False
        assert got["preferredcontactmethodcode"].value == 1
    nid = svc.create(Entity("annotation", subject="Defaults"))
    assert svc.retrieve("annotation", nid, ColumnSet("isdocument"))["isdocument"] is False


def _audit_rows(svc: OrganizationService, rid: uuid.UUID) -> list[tuple[int, int]]:
    q = QueryExpression("audit", column_set=ColumnSet("action", "operation", "createdon"))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, rid)
    q.add_order("createdon")
    return [(e["action"].value, e["operation"].value) for e in svc.retrieve_multiple(q).entities]


def test_record_takes_ints_and_enum_members(svc: OrganizationService) -> None:
    """`record` (engines) writes the same row for an AuditAction member as for its number, derives the
    operation when none is given, and the create hook's row is a (Create, Create) one."""
    aid = svc.create(Entity("account", name="Audited"))
    assert _audit_rows(svc, aid) == [(1, 1)]
    seen = _contexts(svc, "lead", lambda: svc.create(Entity("lead", lastname="ctx")))
    ctx = seen[0]
    audit_messages.record(ctx, "account", aid, AuditAction.ASSIGN)
    audit_messages.record(ctx, "account", aid, int(AuditAction.ASSIGN), AuditOperation.UPDATE)
    audit_messages.record(ctx, "account", aid, AuditAction.DELETE, force=True)
    audit_messages.record(ctx, "audit", aid, AuditAction.UPDATE)  # the audit table is never audited
    assert _audit_rows(svc, aid) == [(1, 1), (int(AuditAction.ASSIGN), 2), (int(AuditAction.ASSIGN), 2),
                                     (int(AuditAction.DELETE), 3)]
