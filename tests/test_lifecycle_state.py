"""SetState and update() with statecode/statuscode: every allowed and refused transition."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import Entity, EntityReference, ErrorCodes, OptionSetValue, OrganizationService, OrganizationServiceFault
from leadsdk.entities import LeadState, LeadStatus
from leadsdk.messages import QualifyLeadRequest, SetStateRequest
from leadsdk.plugins import PluginStage

E = ErrorCodes


def _set(svc: OrganizationService, table: str, id_: uuid.UUID, state: Any, status: Any = -1) -> None:
    svc.execute(SetStateRequest(entity_moniker=EntityReference(table, id_), state=state, status=status))


def _state(svc: OrganizationService, table: str, id_: uuid.UUID) -> tuple[int, int]:
    e = svc.retrieve(table, id_)
    return e["statecode"].value, e["statuscode"].value


def _code(fn: Any) -> int:
    with pytest.raises(OrganizationServiceFault) as e:
        fn()
    return e.value.error_code


def _lead(svc: OrganizationService) -> uuid.UUID:
    return svc.create(Entity("lead", lastname="L", subject="S", companyname="C"))


def test_lead_disqualify_and_reactivate(svc: OrganizationService) -> None:
    lead = _lead(svc)
    note = svc.create(Entity("annotation", subject="n", objectid=EntityReference("lead", lead)))
    task = svc.create(Entity("task", subject="t", regardingobjectid=EntityReference("lead", lead)))
    for status in (4, 5, 6, 7):
        _set(svc, "lead", lead, 2, status)
        assert _state(svc, "lead", lead) == (2, status)
        _set(svc, "lead", lead, 0, -1)
        assert _state(svc, "lead", lead) == (0, 1)
    _set(svc, "lead", lead, LeadState.DISQUALIFIED, OptionSetValue(-1))
    assert _state(svc, "lead", lead) == (2, 4)
    _set(svc, "lead", lead, OptionSetValue(0), LeadStatus.CONTACTED)
    assert _state(svc, "lead", lead) == (0, 2)
    # everything attached stays
    assert svc.retrieve("annotation", note)["objectid"] == EntityReference("lead", lead)
    assert svc.retrieve("task", task)["regardingobjectid"] == EntityReference("lead", lead)


def test_lead_refused_transitions(svc: OrganizationService) -> None:
    lead = _lead(svc)
    assert _code(lambda: _set(svc, "lead", lead, 0, 1)) == E.LEAD_ALREADY_IN_OPEN_STATE
    assert _code(lambda: _set(svc, "lead", lead, 0, 2)) == E.LEAD_ALREADY_IN_OPEN_STATE
    assert _code(lambda: _set(svc, "lead", lead, 1, 3)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "lead", lead, 1, -1)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "lead", lead, 2, 3)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "lead", lead, 2, 1)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "lead", lead, 9, -1)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "lead", lead, None)) == E.REQUIRED_FIELD_MISSING
    assert _code(lambda: _set(svc, "lead", lead, "open")) == E.INVALID_ARGUMENT
    assert _code(lambda: _set(svc, "lead", uuid.uuid4(), 2)) == E.OBJECT_DOES_NOT_EXIST
    assert _code(lambda: svc.execute(SetStateRequest(state=2))) == E.REQUIRED_FIELD_MISSING
    _set(svc, "lead", lead, 2, 4)
    assert _code(lambda: _set(svc, "lead", lead, 2, 5)) == E.LEAD_ALREADY_IN_CLOSED_STATE
    assert _code(lambda: _set(svc, "lead", lead, 1, 3)) == E.LEAD_ALREADY_IN_CLOSED_STATE
    assert _state(svc, "lead", lead) == (2, 4)
    # a qualified lead: closed too
    lead2 = _lead(svc)
    svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead2), status=3))
    assert _code(lambda: _set(svc, "lead", lead2, 2, 4)) == E.LEAD_ALREADY_IN_CLOSED_STATE
    _set(svc, "lead", lead2, 0)
    assert _state(svc, "lead", lead2) == (0, 1)


def test_update_follows_the_same_rules(svc: OrganizationService) -> None:
    lead = _lead(svc)
    up = svc.update
    assert _code(lambda: up(Entity("lead", lead, statecode=1, statuscode=3))) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: up(Entity("lead", lead, statecode=2, statuscode=1))) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: up(Entity("lead", lead, statuscode=3))) == E.INVALID_STATE_CODE_STATUS_CODE
    up(Entity("lead", lead, statuscode=2))  # a status alone moves within Open
    assert _state(svc, "lead", lead) == (0, 2)
    up(Entity("lead", lead, statecode=0, statuscode=2))  # unchanged round trip is fine
    up(Entity("lead", lead, statecode=2, statuscode=6))
    assert _state(svc, "lead", lead) == (2, 6)
    assert _code(lambda: up(Entity("lead", lead, statuscode=7))) == E.LEAD_ALREADY_IN_CLOSED_STATE
    up(Entity("lead", lead, statecode=0))
    assert _state(svc, "lead", lead) == (0, 1)


def test_setstate_runs_setstate_and_update_plugins(svc: OrganizationService) -> None:
    seen: list[str] = []
    svc.register_plugin(message="SetState", entity="lead", stage=PluginStage.POST_OPERATION,
                        handler=lambda c: seen.append(c.message_name))
    svc.register_plugin(message="Update", entity="lead", stage=PluginStage.POST_OPERATION,
                        handler=lambda c: seen.append(c.message_name))
    _set(svc, "lead", _lead(svc), 2, 5)
    assert seen == ["Update", "SetState"]


def test_account_contact_states(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="A"))
    con = svc.create(Entity("contact", lastname="C"))
    for table, id_ in (("account", acc), ("contact", con)):
        _set(svc, table, id_, 1)
        assert _state(svc, table, id_) == (1, 2)
        _set(svc, table, id_, 0, 1)
        assert _state(svc, table, id_) == (0, 1)
        assert _code(lambda t=table, i=id_: _set(svc, t, i, 1, 1)) == E.INVALID_STATE_CODE_STATUS_CODE


def test_table_without_state(svc: OrganizationService) -> None:
    note = svc.create(Entity("annotation", subject="n"))
    assert _code(lambda: _set(svc, "annotation", note, 1)) == E.ENTITY_HAS_NO_STATE_CODE


def test_opportunity_states(svc: OrganizationService) -> None:
    opp = svc.create(Entity("opportunity", name="O"))
    assert _code(lambda: _set(svc, "opportunity", opp, 1, 3)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "opportunity", opp, 2, 4)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: _set(svc, "opportunity", opp, 0, 2)) == E.OPPORTUNITY_ALREADY_IN_OPEN_STATE
    svc.update(Entity("opportunity", opp, statuscode=2))
    assert _state(svc, "opportunity", opp) == (0, 2)


@pytest.mark.parametrize("table,closed", [("task", (1, 5)), ("phonecall", (1, 2)), ("email", (1, 3)),
                                          ("appointment", (1, 3))])
def test_activity_states(svc: OrganizationService, table: str, closed: tuple[int, int]) -> None:
    act = svc.create(Entity(table, subject="a"))
    _set(svc, table, act, closed[0], closed[1])
    assert _state(svc, table, act) == closed
    assert _code(lambda: _set(svc, table, act, 2)) == E.UN_MANAGED_IDS_ACTIVITY_INVALID_STATE
    _set(svc, table, act, 0)
    _set(svc, table, act, 2)
    assert _state(svc, table, act)[0] == 2


def test_appointment_scheduled_is_an_open_state(svc: OrganizationService) -> None:
    act = svc.create(Entity("appointment", subject="a"))
    _set(svc, "appointment", act, 3, 5)
    _set(svc, "appointment", act, 1)
    assert _state(svc, "appointment", act) == (1, 3)


LEAD_STATES = {0: (1, 2), 1: (3,), 2: (4, 5, 6, 7)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=st.integers(-2, 4), status=st.integers(-2, 9))
def test_any_setstate_on_an_open_lead_is_valid_or_a_clean_fault(svc: OrganizationService, state: int,
                                                                 status: int) -> None:
    lead = _lead(svc)
    try:
        _set(svc, "lead", lead, state, status)
    except OrganizationServiceFault as f:
        assert f.error_code in (E.INVALID_STATE_CODE_STATUS_CODE, E.LEAD_ALREADY_IN_OPEN_STATE)
        assert _state(svc, "lead", lead) == (0, 1)
        return
    assert state == 2 and (status == -1 or status in LEAD_STATES[2])
