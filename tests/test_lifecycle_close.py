"""WinOpportunity, LoseOpportunity and CloseIncident."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from leadsdk import (
    ColumnSet,
    Entity,
    EntityReference,
    ErrorCodes,
    Money,
    OptionSetValue,
    OrganizationService,
    OrganizationServiceFault,
)
from leadsdk.messages import (
    CloseIncidentRequest,
    LoseOpportunityRequest,
    SetStateRequest,
    WinOpportunityRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression

E = ErrorCodes


def _code(fn: Any) -> int:
    with pytest.raises(OrganizationServiceFault) as e:
        fn()
    return e.value.error_code


def _closes(svc: OrganizationService, opp: uuid.UUID) -> list[Entity]:
    q = QueryExpression("opportunityclose", column_set=ColumnSet(all_columns=True))
    q.criteria.add_condition("opportunityid", ConditionOperator.EQUAL, opp)
    return svc.retrieve_multiple(q).entities


def _opp(svc: OrganizationService, **kw: Any) -> uuid.UUID:
    return svc.create(Entity("opportunity", name="Deal", estimatedvalue=Decimal("1000"), **kw))


def test_win(svc: OrganizationService) -> None:
    opp = _opp(svc)
    end = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.timezone.utc)
    svc.execute(WinOpportunityRequest(opportunity_close=Entity(
        "opportunityclose", opportunityid=EntityReference("opportunity", opp), subject="Won it",
        actualrevenue=Money(Decimal("1500")), actualend=end), status=OptionSetValue(3)))
    o = svc.retrieve("opportunity", opp)
    assert (o["statecode"], o["statuscode"]) == (OptionSetValue(1), OptionSetValue(3))
    assert o["actualvalue"] == Money(Decimal("1500.00"))
    assert o["actualclosedate"] == dt.date(2025, 3, 4)
    assert o["closeprobability"] == 100
    [close] = _closes(svc, opp)
    assert close["subject"] == "Won it"
    assert (close["statecode"], close["statuscode"]) == (OptionSetValue(1), OptionSetValue(2))
    assert close["actualrevenue"] == Money(Decimal("1500.00"))
    with_win = WinOpportunityRequest(opportunity_close=Entity("opportunityclose",
                                                              opportunityid=EntityReference("opportunity", opp)),
                                     status=3)
    assert _code(lambda: svc.execute(with_win)) == E.OPPORTUNITY_IS_ALREADY_CLOSED
    lose = LoseOpportunityRequest(opportunity_close=Entity("opportunityclose",
                                                           opportunityid=EntityReference("opportunity", opp)),
                                  status=4)
    assert _code(lambda: svc.execute(lose)) == E.OPPORTUNITY_IS_ALREADY_CLOSED
    # Lost is reached only through LoseOpportunity: update() is refused before looking further
    assert _code(lambda: svc.update(Entity("opportunity", opp, statecode=2, statuscode=4))) == \
        E.INVALID_STATE_CODE_STATUS_CODE
    assert len(_closes(svc, opp)) == 1


def test_win_defaults_revenue_to_estimate(svc: OrganizationService) -> None:
    opp = _opp(svc)
    svc.execute(WinOpportunityRequest(opportunity_close=Entity(
        "opportunityclose", opportunityid=EntityReference("opportunity", opp)), status=-1))
    o = svc.retrieve("opportunity", opp)
    assert o["actualvalue"] == Money(Decimal("1000.00")) and o["statuscode"] == OptionSetValue(3)
    assert isinstance(o["actualclosedate"], dt.date)


@pytest.mark.parametrize("status", [4, 5, -1])
def test_lose(svc: OrganizationService, status: int) -> None:
    opp = _opp(svc)
    svc.execute(LoseOpportunityRequest(opportunity_close=Entity(
        "opportunityclose", opportunityid=EntityReference("opportunity", opp)), status=status))
    o = svc.retrieve("opportunity", opp)
    assert (o["statecode"].value, o["statuscode"].value) == (2, 4 if status == -1 else status)
    assert o.get("actualvalue") is None and o["closeprobability"] == 0
    assert len(_closes(svc, opp)) == 1
    # reopen, then close again
    svc.execute(SetStateRequest(entity_moniker=EntityReference("opportunity", opp), state=0, status=-1))
    assert svc.retrieve("opportunity", opp)["statecode"] == OptionSetValue(0)


def test_close_faults(svc: OrganizationService) -> None:
    opp = _opp(svc)
    ref = EntityReference("opportunity", opp)
    close = Entity("opportunityclose", opportunityid=ref)
    assert _code(lambda: svc.execute(WinOpportunityRequest(opportunity_close=close, status=4))) == \
        E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: svc.execute(LoseOpportunityRequest(opportunity_close=close, status=3))) == \
        E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: svc.execute(WinOpportunityRequest(opportunity_close=Entity("opportunityclose")))) == \
        E.REQUIRED_FIELD_MISSING
    assert _code(lambda: svc.execute(WinOpportunityRequest())) == E.REQUIRED_FIELD_MISSING
    assert _code(lambda: svc.execute(WinOpportunityRequest(opportunity_close=Entity("task", subject="x"),
                                                           status=3))) == \
        E.INVALID_ARGUMENT
    missing = EntityReference("opportunity", uuid.uuid4())
    assert _code(lambda: svc.execute(WinOpportunityRequest(
        opportunity_close=Entity("opportunityclose", opportunityid=missing), status=3))) == E.OBJECT_DOES_NOT_EXIST
    assert svc.retrieve("opportunity", opp)["statecode"] == OptionSetValue(0)
    assert _closes(svc, opp) == []


@pytest.mark.parametrize("make", [
    lambda close: WinOpportunityRequest(opportunity_close=close),
    lambda close: LoseOpportunityRequest(opportunity_close=close),
])
def test_close_opportunity_without_status_faults(svc: OrganizationService, make: Any) -> None:
    # Status is a required parameter of WinOpportunity and LoseOpportunity (learn.microsoft.com
    # WinOpportunityRequest / LoseOpportunityRequest: "Status ... Required"); Dataverse answers an unset
    # one with "Required field 'Status' is missing for RequestName=..." instead of assuming a status.
    opp = _opp(svc)
    with pytest.raises(OrganizationServiceFault) as info:
        svc.execute(make(Entity("opportunityclose", opportunityid=EntityReference("opportunity", opp))))
    assert info.value.error_code == E.REQUIRED_FIELD_MISSING
    assert "Required field 'Status' is missing" in info.value.message
    assert svc.retrieve("opportunity", opp)["statecode"] == OptionSetValue(0) and _closes(svc, opp) == []


def test_close_incident_without_status_faults(svc: OrganizationService) -> None:
    case = _case(svc)
    with pytest.raises(OrganizationServiceFault) as info:
        svc.execute(CloseIncidentRequest(incident_resolution=Entity(
            "incidentresolution", incidentid=EntityReference("incident", case), subject="Fixed")))
    assert info.value.error_code == E.REQUIRED_FIELD_MISSING
    assert "'Status'" in info.value.message and "CloseIncident" in info.value.message
    assert svc.retrieve("incident", case)["statecode"] == OptionSetValue(0)


def _case(svc: OrganizationService) -> uuid.UUID:
    acc = svc.create(Entity("account", name="Cust"))
    return svc.create(Entity("incident", title="Broken", customerid=EntityReference("account", acc)))


def _resolve(svc: OrganizationService, case: uuid.UUID, status: int = -1) -> None:
    svc.execute(CloseIncidentRequest(incident_resolution=Entity(
        "incidentresolution", incidentid=EntityReference("incident", case), subject="Fixed"), status=status))


def test_close_incident(svc: OrganizationService) -> None:
    case = _case(svc)
    task = svc.create(Entity("task", subject="call back", regardingobjectid=EntityReference("incident", case)))
    assert _code(lambda: _resolve(svc, case)) == E.UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE
    assert _code(lambda: svc.execute(SetStateRequest(entity_moniker=EntityReference("incident", case), state=2))) \
        == E.INCIDENT_CANNOT_CANCEL
    svc.execute(SetStateRequest(entity_moniker=EntityReference("task", task), state=1, status=5))
    _resolve(svc, case, 1000)
    i = svc.retrieve("incident", case)
    assert (i["statecode"].value, i["statuscode"].value) == (1, 1000)
    q = QueryExpression("incidentresolution", column_set=ColumnSet(all_columns=True))
    [res] = svc.retrieve_multiple(q).entities
    assert res["incidentid"] == EntityReference("incident", case) and res["statecode"] == OptionSetValue(1)
    assert _code(lambda: _resolve(svc, case)) == E.CASE_ALREADY_RESOLVED
    assert _code(lambda: svc.execute(SetStateRequest(entity_moniker=EntityReference("incident", case), state=2))) \
        == E.INCIDENT_IS_ALREADY_CLOSED_OR_CANCELLED
    # reactivate and cancel
    svc.execute(SetStateRequest(entity_moniker=EntityReference("incident", case), state=0))
    svc.execute(SetStateRequest(entity_moniker=EntityReference("incident", case), state=2))
    assert svc.retrieve("incident", case)["statuscode"] == OptionSetValue(6)
    assert _code(lambda: _resolve(svc, case)) == E.INCIDENT_IS_ALREADY_CLOSED_OR_CANCELLED


def test_close_incident_faults(svc: OrganizationService) -> None:
    case = _case(svc)
    assert _code(lambda: _resolve(svc, case, 6)) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: svc.execute(SetStateRequest(entity_moniker=EntityReference("incident", case), state=1,
                                                     status=5))) == E.INVALID_STATE_CODE_STATUS_CODE
    assert _code(lambda: svc.execute(CloseIncidentRequest(incident_resolution=Entity("incidentresolution"),
                                                          status=5))) == \
        E.REQUIRED_FIELD_MISSING
    assert _code(lambda: _resolve(svc, uuid.uuid4())) == E.OBJECT_DOES_NOT_EXIST
    _resolve(svc, case)
    assert svc.retrieve("incident", case)["statuscode"] == OptionSetValue(5)
