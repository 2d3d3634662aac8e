"""Activities regarding a lead (task, phonecall, email, appointment), their states, and the lead's timeline."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from leadsdk import (
    ColumnSet,
    Entity,
    EntityReference,
    OptionSetValue,
    OrganizationService,
    OrganizationServiceFault,
    messages,
)
from leadsdk.errors import ErrorCodes
from leadsdk.helpers.timeline import timeline, timeline_queries
from leadsdk.query import ConditionOperator, QueryExpression

UTC = dt.timezone.utc
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

# table -> (completed state, a completed status, canceled status)
STATES = {
    "task": (1, 5, 6),
    "phonecall": (1, 4, 3),
    "email": (1, 3, 5),
    "appointment": (1, 3, 4),
}


def _lead(svc: OrganizationService, name: str = "Andersen") -> EntityReference:
    return EntityReference("lead", svc.create(Entity("lead", lastname=name, subject="Bikes")))


def _activity(svc: OrganizationService, table: str, lead: EntityReference, subject: str) -> EntityReference:
    e = Entity(table, subject=subject, regardingobjectid=lead, scheduledstart=START,
               scheduledend=START + dt.timedelta(hours=1), description="about the bikes")
    return EntityReference(table, svc.create(e))


@pytest.mark.parametrize("table", list(STATES))
def test_activity_regarding_a_lead_with_dates_and_default_state(svc: OrganizationService, table: str) -> None:
    lead = _lead(svc)
    ref = _activity(svc, table, lead, f"First {table}")
    a = svc.retrieve(table, ref.id)
    assert a["regardingobjectid"] == lead
    assert a["regardingobjectid"].name == "Andersen"
    assert a["scheduledstart"] == START and a["scheduledend"] == START + dt.timedelta(hours=1)
    assert a["statecode"] == OptionSetValue(0)
    assert a["activitytypecode"] == table
    sm = svc.metadata.table(table).state_model
    assert sm is not None and a["statuscode"].value == sm.default_status(0)


@pytest.mark.parametrize("table", list(STATES))
def test_complete_and_cancel_by_update(svc: OrganizationService, table: str) -> None:
    lead = _lead(svc)
    done_state, done_status, cancel_status = STATES[table]
    done = _activity(svc, table, lead, "to complete")
    svc.update(Entity(table, done.id, statecode=done_state, statuscode=done_status))
    got = svc.retrieve(table, done.id, ColumnSet("statecode", "statuscode"))
    assert (got["statecode"].value, got["statuscode"].value) == (done_state, done_status)
    cancel = _activity(svc, table, lead, "to cancel")
    svc.update(Entity(table, cancel.id, statecode=2, statuscode=cancel_status))
    assert svc.retrieve(table, cancel.id, ColumnSet("statecode"))["statecode"].value == 2
    with pytest.raises(OrganizationServiceFault) as ei:  # a status of another state
        svc.update(Entity(table, _activity(svc, table, lead, "bad").id, statecode=2, statuscode=done_status))
    assert ei.value.error_code == ErrorCodes.INVALID_STATE_CODE_STATUS_CODE


def test_appointment_has_a_second_active_state(svc: OrganizationService) -> None:
    ref = _activity(svc, "appointment", _lead(svc), "Demo")
    svc.update(Entity("appointment", ref.id, statuscode=5))  # Busy -> the Scheduled state (3)
    assert svc.retrieve("appointment", ref.id, ColumnSet("statecode"))["statecode"].value == 3
    sm = svc.metadata.table("appointment").state_model
    assert sm is not None and sm.active_states == frozenset({0, 3})


@pytest.mark.skipif(not hasattr(messages, "SetStateRequest"), reason="SetStateRequest not implemented yet")
@pytest.mark.parametrize("table", list(STATES))
def test_complete_and_cancel_with_set_state(svc: OrganizationService, table: str) -> None:
    lead = _lead(svc)
    done_state, done_status, cancel_status = STATES[table]
    done = _activity(svc, table, lead, "to complete")
    svc.execute(messages.SetStateRequest(entity_moniker=done, state=OptionSetValue(done_state),
                                         status=OptionSetValue(done_status)))
    got = svc.retrieve(table, done.id, ColumnSet("statecode", "statuscode"))
    assert (got["statecode"].value, got["statuscode"].value) == (done_state, done_status)
    cancel = _activity(svc, table, lead, "to cancel")
    svc.execute(messages.SetStateRequest(entity_moniker=cancel, state=OptionSetValue(2), status=OptionSetValue(-1)))
    got = svc.retrieve(table, cancel.id, ColumnSet("statecode", "statuscode"))
    assert (got["statecode"].value, got["statuscode"].value) == (2, cancel_status)


def test_timeline_lists_activities_and_notes_newest_first(svc: OrganizationService) -> None:
    lead, other = _lead(svc), _lead(svc, "Other")
    made = []
    for i, table in enumerate(["task", "phonecall", "email", "appointment", "task"]):
        made.append(_activity(svc, table, lead, f"{table} {i}"))
        if i == 2:
            body = base64.b64encode(b"x" * 5000).decode()
            made.append(EntityReference("annotation", svc.create(Entity(
                "annotation", subject="Quote", objectid=lead, filename="q.pdf", documentbody=body))))
    _activity(svc, "task", other, "not this lead")
    svc.create(Entity("annotation", subject="not this lead", objectid=other))
    items = timeline(svc, lead)
    assert [(e.logical_name, e.id) for e in items] == [(r.logical_name, r.id) for r in reversed(made)]
    created = [e["createdon"] for e in items]
    assert created == sorted(created, reverse=True)
    note = next(e for e in items if e.logical_name == "annotation")
    assert note["filesize"] == 5000 and "documentbody" not in note
    assert [e.id for e in timeline(svc, lead, top=2)] == [made[-1].id, made[-2].id]
    assert timeline(svc, _lead(svc, "Empty")) == []


def test_timeline_queries_are_plain_queries(svc: OrganizationService) -> None:
    lead = _lead(svc)
    queries = timeline_queries(svc, lead)
    assert {q.entity_name for q in queries} >= {"task", "phonecall", "email", "appointment", "annotation"}
    for q in queries:
        assert "documentbody" not in q.column_set.columns
        svc.retrieve_multiple(q)  # each runs as is
    with pytest.raises(OrganizationServiceFault):
        timeline(svc, "lead")  # type: ignore[arg-type]


def test_activities_are_queryable_by_regarding_and_due_date(svc: OrganizationService) -> None:
    lead = _lead(svc)
    for i in range(3):
        svc.create(Entity("task", subject=f"t{i}", regardingobjectid=lead,
                          scheduledend=START + dt.timedelta(days=i)))
    q = QueryExpression("task", column_set=ColumnSet("subject"))
    q.criteria.add_condition("regardingobjectid", ConditionOperator.EQUAL, lead.id)
    q.criteria.add_condition("scheduledend", ConditionOperator.GREATER_THAN, START)
    assert sorted(e["subject"] for e in svc.retrieve_multiple(q)) == ["t1", "t2"]
