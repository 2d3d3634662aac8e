"""QualifyLead: the official "Qualify a lead" sample, links, reuse of existing customers, settings,
faults, atomicity, notes, summary and the sales process stages."""

from __future__ import annotations

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
from leadsdk.entities import LeadStatus
from leadsdk.helpers.lifecycle import originating_lead_notes, qualify_leads
from leadsdk.lifecycle import LEAD_TO_OPPORTUNITY_PROCESS_ID, STAGES
from leadsdk.messages import (
    CreateOpportunityForLeadRequest,
    QualifyLeadRequest,
    QualifyLeadResponse,
    SetStateRequest,
)
from leadsdk.plugins import InvalidPluginExecutionException, PluginStage
from leadsdk.query import ConditionOperator, QueryExpression


def _count(svc: OrganizationService, table: str, **where: Any) -> int:
    q = QueryExpression(table)
    for k, v in where.items():
        q.criteria.add_condition(k, ConditionOperator.EQUAL, v)
    return len(svc.retrieve_multiple(q).entities)


def _lead(svc: OrganizationService, **values: Any) -> uuid.UUID:
    base: dict[str, Any] = {"firstname": "Ada", "lastname": "Lovelace", "subject": "Engines",
                            "companyname": "Analytical Ltd"}
    base.update(values)
    return svc.create(Entity("lead", attributes=base))


def _qualify(svc: OrganizationService, lead_id: uuid.UUID, **kw: Any) -> QualifyLeadResponse:
    kw.setdefault("status", 3)
    resp: QualifyLeadResponse = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead_id), **kw))
    return resp


def _by_name(refs: list[EntityReference]) -> dict[str, EntityReference]:
    out = {r.logical_name: r for r in refs}
    assert len(out) == len(refs)
    return out


# ---------------------------------------------------------------------------------------------
# the official sample (reference section 11)


def test_official_qualify_a_lead_sample(svc: OrganizationService) -> None:
    account_id = svc.create(Entity("account", name="Litware, Inc.", address1_stateorprovince="Colorado"))
    lead1 = svc.create(Entity("lead", companyname="A. Datum Corporation", firstname="Henriette",
                              lastname="Andersen", subject="Sample Lead 1"))
    lead2 = svc.create(Entity("lead", companyname="Adventure Works", firstname="Michael", lastname="Sullivan",
                              subject="Sample Lead 2"))

    resp = svc.execute(QualifyLeadRequest(create_account=True, create_contact=True,
                                          lead_id=EntityReference("lead", lead1), status=OptionSetValue(3)))
    assert len(resp.created_entities) == 2
    refs = _by_name(resp.created_entities)
    assert set(refs) == {"account", "contact"}
    acc = svc.retrieve("account", refs["account"].id)
    con = svc.retrieve("contact", refs["contact"].id)
    l1 = svc.retrieve("lead", lead1)
    assert (l1["statecode"], l1["statuscode"]) == (OptionSetValue(1), OptionSetValue(3))
    assert acc["name"] == "A. Datum Corporation"
    assert acc["originatingleadid"] == EntityReference("lead", lead1)
    assert acc["primarycontactid"] == refs["contact"]
    assert (con["firstname"], con["lastname"]) == ("Henriette", "Andersen")
    assert con["originatingleadid"] == EntityReference("lead", lead1)
    assert con["parentcustomerid"] == refs["account"]
    assert l1["parentaccountid"] == refs["account"] and l1["parentcontactid"] == refs["contact"]
    assert l1.get("qualifyingopportunityid") is None
    assert _count(svc, "opportunity") == 0

    orgs = svc.retrieve_multiple(QueryExpression("organization", column_set=ColumnSet("basecurrencyid")))
    base_currency = orgs.entities[0]["basecurrencyid"]
    assert isinstance(base_currency, EntityReference) and base_currency.logical_name == "transactioncurrency"

    resp2 = svc.execute(QualifyLeadRequest(
        create_opportunity=True, opportunity_currency_id=base_currency,
        opportunity_customer_id=EntityReference("account", account_id), status=OptionSetValue(3),
        lead_id=EntityReference("lead", lead2)))
    assert [r.logical_name for r in resp2.created_entities] == ["opportunity"]
    opp = svc.retrieve("opportunity", resp2.created_entities[0].id)
    assert opp["name"] == "Sample Lead 2"
    assert opp["customerid"] == EntityReference("account", account_id)
    assert opp["parentaccountid"] == EntityReference("account", account_id)
    assert opp["transactioncurrencyid"] == base_currency
    assert opp["originatingleadid"] == EntityReference("lead", lead2)
    l2 = svc.retrieve("lead", lead2)
    assert (l2["statecode"], l2["statuscode"]) == (OptionSetValue(1), OptionSetValue(3))
    assert l2["qualifyingopportunityid"] == resp2.created_entities[0]
    assert _count(svc, "account", originatingleadid=lead2) == 0
    assert _count(svc, "contact", originatingleadid=lead2) == 0
    assert _count(svc, "account") == 2 and _count(svc, "contact") == 1

    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(QualifyLeadRequest(create_account=True, lead_id=EntityReference("lead", lead1), status=3))
    assert e.value.error_code == ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE == -2147220199
    lead3 = _lead(svc)
    with pytest.raises(OrganizationServiceFault) as e:
        _qualify(svc, lead3, status=4)
    assert e.value.error_code == ErrorCodes.INVALID_STATE_CODE_STATUS_CODE == -2147187704
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lead3), state=1, status=4))
    assert e.value.error_code == ErrorCodes.INVALID_STATE_CODE_STATUS_CODE

    # cleanup as the sample does: deleting the accounts removes the opportunity (parental)
    svc.delete("account", account_id)
    svc.delete("account", refs["account"].id)
    assert _count(svc, "opportunity") == 0


# ---------------------------------------------------------------------------------------------
# links


def test_all_three_are_linked(svc: OrganizationService) -> None:
    campaign = svc.create(Entity("campaign", name="Spring"))
    lead = _lead(svc, estimatedamount=Decimal("1200"), budgetamount=Money(Decimal("900")))
    resp = _qualify(svc, lead, create_account=True, create_contact=True, create_opportunity=True,
                    source_campaign_id=EntityReference("campaign", campaign))
    refs = _by_name(resp.created_entities)
    opp = svc.retrieve("opportunity", refs["opportunity"].id)
    assert opp["customerid"] == refs["account"]
    assert opp["parentaccountid"] == refs["account"]
    assert opp["parentcontactid"] == refs["contact"]
    assert opp["campaignid"] == EntityReference("campaign", campaign)
    assert opp["estimatedvalue"] == Money(Decimal("1200.00"))
    assert opp["budgetamount"] == Money(Decimal("900.00"))
    assert opp["name"] == "Engines"
    org_q = QueryExpression("organization", column_set=ColumnSet("basecurrencyid"))
    base = svc.retrieve_multiple(org_q).entities[0]["basecurrencyid"]
    assert opp["transactioncurrencyid"] == base
    lead_row = svc.retrieve("lead", lead)
    assert lead_row["qualifyingopportunityid"] == refs["opportunity"]


def test_customer_falls_back_to_new_contact(svc: OrganizationService) -> None:
    lead = _lead(svc)
    refs = _by_name(_qualify(svc, lead, create_contact=True, create_opportunity=True).created_entities)
    opp = svc.retrieve("opportunity", refs["opportunity"].id)
    assert opp["customerid"] == refs["contact"]
    assert opp["parentcontactid"] == refs["contact"]
    assert opp.get("parentaccountid") is None
    con = svc.retrieve("contact", refs["contact"].id)
    assert con.get("parentcustomerid") is None


def test_existing_account_and_contact_are_reused(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Existing Co"))
    con = svc.create(Entity("contact", lastname="Existing"))
    lead = _lead(svc, parentaccountid=EntityReference("account", acc), parentcontactid=EntityReference("contact", con))
    resp = _qualify(svc, lead, create_account=True, create_contact=True, create_opportunity=True)
    assert [r.logical_name for r in resp.created_entities] == ["opportunity"]
    assert _count(svc, "account") == 1 and _count(svc, "contact") == 1
    opp = svc.retrieve("opportunity", resp.created_entities[0].id)
    assert opp["customerid"] == EntityReference("account", acc)
    assert opp["parentcontactid"] == EntityReference("contact", con)


def test_existing_account_is_the_customer_when_nothing_created(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Existing Co"))
    lead = _lead(svc, parentaccountid=EntityReference("account", acc))
    resp = _qualify(svc, lead, create_opportunity=True)
    opp = svc.retrieve("opportunity", resp.created_entities[0].id)
    assert opp["customerid"] == EntityReference("account", acc)


def test_new_contact_gets_existing_account_as_parent(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Existing Co"))
    lead = _lead(svc, parentaccountid=EntityReference("account", acc))
    refs = _by_name(_qualify(svc, lead, create_contact=True).created_entities)
    assert svc.retrieve("contact", refs["contact"].id)["parentcustomerid"] == EntityReference("account", acc)
    assert svc.retrieve("lead", lead)["parentcontactid"] == refs["contact"]


def test_qualify_without_creating_anything(svc: OrganizationService) -> None:
    lead = _lead(svc)
    resp = _qualify(svc, lead, status=LeadStatus.QUALIFIED)
    assert resp.created_entities == []
    assert svc.retrieve("lead", lead)["statecode"] == OptionSetValue(1)


# ---------------------------------------------------------------------------------------------
# faults


def _fault(fn: Any) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as e:
        fn()
    return e.value


def test_faults(svc: OrganizationService) -> None:
    nameless = _lead(svc, companyname=None)
    f = _fault(lambda: _qualify(svc, nameless, create_account=True))
    assert f.error_code == ErrorCodes.REQUIRED_FIELD_MISSING and "companyname" in f.message
    lead = _lead(svc)
    campaign = svc.create(Entity("campaign", name="C"))
    f = _fault(lambda: _qualify(svc, lead, create_opportunity=True,
                                opportunity_customer_id=EntityReference("campaign", campaign)))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT and "account or contact" in f.message
    f = _fault(lambda: _qualify(svc, lead, create_opportunity=True,
                                opportunity_customer_id=EntityReference("account", uuid.uuid4())))
    assert f.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    f = _fault(lambda: _qualify(svc, uuid.uuid4()))
    assert f.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    f = _fault(lambda: svc.execute(QualifyLeadRequest(status=3)))
    assert f.error_code == ErrorCodes.REQUIRED_FIELD_MISSING
    f = _fault(lambda: _qualify(svc, lead, status=99))
    assert f.error_code == ErrorCodes.INVALID_STATE_CODE_STATUS_CODE
    f = _fault(lambda: _qualify(svc, lead, status="x"))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT
    # nothing happened to the lead
    assert svc.retrieve("lead", lead)["statecode"] == OptionSetValue(0)
    assert _count(svc, "account") == 0
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lead), state=2, status=4))
    f = _fault(lambda: _qualify(svc, lead))
    assert f.error_code == ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE


@pytest.mark.parametrize("table", ["account", "contact", "opportunity", "annotation"])
def test_plugin_fault_midway_rolls_everything_back(svc: OrganizationService, table: str) -> None:
    def boom(context: Any) -> None:
        raise InvalidPluginExecutionException(f"no {table} today")

    svc.register_plugin(message="Create", entity=table, stage=PluginStage.POST_OPERATION, handler=boom)
    lead = _lead(svc)
    f = _fault(lambda: _qualify(svc, lead, create_account=True, create_contact=True, create_opportunity=True))
    assert f"no {table} today" in f.message
    for t in ("account", "contact", "opportunity", "leadtoopportunitysalesprocess", "annotation"):
        assert _count(svc, t) == 0
    row = svc.retrieve("lead", lead)
    assert row["statecode"] == OptionSetValue(0)
    assert row.get("parentaccountid") is None and row.get("qualifyingopportunityid") is None


def test_plugin_on_lead_update_rolls_back(svc: OrganizationService) -> None:
    def boom(context: Any) -> None:
        raise InvalidPluginExecutionException("lead is locked")

    svc.register_plugin(message="Update", entity="lead", stage=PluginStage.PRE_OPERATION, handler=boom)
    lead = _lead(svc)
    assert "locked" in _fault(lambda: _qualify(svc, lead, create_account=True)).message
    assert _count(svc, "account") == 0


# ---------------------------------------------------------------------------------------------
# settings, extra opportunities


def _org(svc: OrganizationService) -> uuid.UUID:
    org_id = svc.retrieve_multiple(QueryExpression("organization")).entities[0].id
    assert org_id is not None
    return org_id


def test_none_flags_follow_organization_settings(svc: OrganizationService) -> None:
    lead = _lead(svc)
    resp = _qualify(svc, lead, create_account=None, create_contact=None, create_opportunity=None)
    assert sorted(r.logical_name for r in resp.created_entities) == ["account", "contact", "opportunity"]
    svc.update(Entity("organization", _org(svc), createopportunityonqualify=False))
    lead2 = _lead(svc)
    resp = _qualify(svc, lead2, create_account=None, create_contact=None, create_opportunity=None)
    assert sorted(r.logical_name for r in resp.created_entities) == ["account", "contact"]
    svc.update(Entity("organization", _org(svc), promptonqualify=True))
    lead3 = _lead(svc)
    assert _qualify(svc, lead3, create_account=None, create_contact=None, create_opportunity=None
                    ).created_entities == []
    # explicit flags always win
    lead4 = _lead(svc)
    assert [r.logical_name for r in _qualify(svc, lead4, create_opportunity=True).created_entities] == [
        "opportunity"]


def test_extra_opportunities_need_the_setting(svc: OrganizationService) -> None:
    lead = _lead(svc)
    first = _qualify(svc, lead, create_account=True, create_opportunity=True)
    req = CreateOpportunityForLeadRequest(lead_id=EntityReference("lead", lead),
                                          opportunity=Entity("opportunity", name="Second deal"))
    assert _fault(lambda: svc.execute(req)).error_code == ErrorCodes.INVALID_OPERATION
    f = _fault(lambda: svc.create(Entity("opportunity", name="x",
                                         originatingleadid=EntityReference("lead", lead))))
    assert f.error_code == ErrorCodes.INVALID_OPERATION
    svc.update(Entity("organization", _org(svc), allowmultipleopportunitiesperlead=True))
    oid = svc.execute(req).id
    opp = svc.retrieve("opportunity", oid)
    assert opp["name"] == "Second deal"
    assert opp["originatingleadid"] == EntityReference("lead", lead)
    assert opp["customerid"] == _by_name(first.created_entities)["account"]
    svc.create(Entity("opportunity", name="Third", originatingleadid=EntityReference("lead", lead)))
    assert _count(svc, "opportunity", originatingleadid=lead) == 3


# ---------------------------------------------------------------------------------------------
# notes, summary, process


def test_notes_follow_the_lead(svc: OrganizationService) -> None:
    lead = _lead(svc)
    svc.create(Entity("annotation", subject="Call notes", notetext="Wants 10 engines",
                      objectid=EntityReference("lead", lead)))
    opp = _by_name(_qualify(svc, lead, create_opportunity=True).created_entities)["opportunity"]
    notes = originating_lead_notes(svc, opp.id)
    subjects = sorted(n["subject"] for n in notes)
    assert subjects == ["Call notes", "Lead summary"]
    # closed lead keeps its notes
    assert _count(svc, "annotation", objectid=lead) == 2


def test_lead_summary_note(svc: OrganizationService) -> None:
    lead = _lead(svc, leadsourcecode=OptionSetValue(8), budgetamount=Decimal("5000"), emailaddress1="ada@x.org")
    svc.create(Entity("task", subject="Send brochure", regardingobjectid=EntityReference("lead", lead)))
    opp = _by_name(_qualify(svc, lead, create_opportunity=True).created_entities)["opportunity"]
    on_opp = svc.retrieve_multiple(_notes_q(opp.id))
    on_lead = svc.retrieve_multiple(_notes_q(lead))
    assert len(on_opp.entities) == 1
    text = on_opp.entities[0]["notetext"]
    assert text == next(n for n in on_lead.entities if n["subject"] == "Lead summary")["notetext"]
    lines = text.splitlines()
    assert lines[0] == "Lead summary: Ada Lovelace"
    assert "Company: Analytical Ltd" in lines and "Topic: Engines" in lines
    assert "Source: Web" in lines and "Email: ada@x.org" in lines
    assert any(line.startswith("Key values: Budget $5,000.00") for line in lines)
    assert any("Task: Send brochure (Open)" in line for line in lines)


def _notes_q(obj: uuid.UUID) -> QueryExpression:
    q = QueryExpression("annotation", column_set=ColumnSet("subject", "notetext"))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, obj)
    return q


def test_sales_process_stages(svc: OrganizationService) -> None:
    qualify, develop, close = STAGES["Qualify"][0], STAGES["Develop"][0], STAGES["Close"][0]
    lead = _lead(svc)
    row = svc.retrieve("lead", lead)
    assert (row["processid"], row["stageid"]) == (LEAD_TO_OPPORTUNITY_PROCESS_ID, qualify)
    assert _count(svc, "processstage") == 4
    # without an opportunity the process stays at Qualify
    lead_a = _lead(svc)
    _qualify(svc, lead_a, create_account=True)
    inst = svc.retrieve_multiple(_instance_q("leadid", lead_a)).entities[0]
    assert inst["activestageid"].id == qualify
    assert svc.retrieve("lead", lead_a)["stageid"] == qualify
    # with one it moves to Develop, on the lead, the opportunity and the instance
    opp = _by_name(_qualify(svc, lead, create_opportunity=True).created_entities)["opportunity"]
    o = svc.retrieve("opportunity", opp.id)
    assert o["stageid"] == develop and o["salesstage"] == OptionSetValue(1) and o["stepname"] == "2-Develop"
    assert o["traversedpath"] == f"{qualify},{develop}"
    assert svc.retrieve("lead", lead)["stageid"] == develop
    inst = svc.retrieve_multiple(_instance_q("opportunityid", opp.id)).entities[0]
    assert inst["activestageid"].id == develop and inst["leadid"] == EntityReference("lead", lead)
    assert inst["statecode"] == OptionSetValue(0)
    from leadsdk.messages import WinOpportunityRequest

    svc.execute(WinOpportunityRequest(opportunity_close=Entity("opportunityclose", opportunityid=opp), status=3))
    inst = svc.retrieve_multiple(_instance_q("opportunityid", opp.id)).entities[0]
    assert inst["activestageid"].id == close
    assert (inst["statecode"], inst["statuscode"]) == (OptionSetValue(1), OptionSetValue(2))
    o = svc.retrieve("opportunity", opp.id)
    assert o["stageid"] == close and o["salesstage"] == OptionSetValue(3)


def _instance_q(col: str, value: uuid.UUID) -> QueryExpression:
    q = QueryExpression("leadtoopportunitysalesprocess", column_set=ColumnSet(all_columns=True))
    q.criteria.add_condition(col, ConditionOperator.EQUAL, value)
    return q


def test_disqualified_lead_aborts_its_process(svc: OrganizationService) -> None:
    lead = _lead(svc)
    _qualify(svc, lead)
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lead), state=0, status=-1))
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lead), state=2, status=6))
    inst = svc.retrieve_multiple(_instance_q("leadid", lead)).entities[0]
    assert inst["statuscode"] == OptionSetValue(3)
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lead), state=0, status=2))
    inst = svc.retrieve_multiple(_instance_q("leadid", lead)).entities[0]
    assert inst["statecode"] == OptionSetValue(0)


# ---------------------------------------------------------------------------------------------
# bulk


def test_qualify_leads_returns_one_result_per_lead(svc: OrganizationService) -> None:
    good = _lead(svc)
    nameless = _lead(svc, companyname=None)
    missing = uuid.uuid4()
    results = qualify_leads(svc, [good, nameless, missing], create_account=True, create_contact=True)
    assert [r.lead_id for r in results] == [good, nameless, missing]
    assert results[0].ok and len(results[0].created_entities) == 2
    assert not results[1].ok and results[1].fault is not None
    assert results[1].fault.error_code == ErrorCodes.REQUIRED_FIELD_MISSING
    assert results[2].fault is not None and results[2].fault.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    assert svc.retrieve("lead", nameless)["statecode"] == OptionSetValue(0)
    assert _count(svc, "account") == 1
