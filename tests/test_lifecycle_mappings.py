"""Lead field mappings: the seeded defaults column by column, user mappings, protected defaults."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from leadsdk.entities.model import AttributeType
from leadsdk.lifecycle import DEFAULT_MAPPINGS
from leadsdk.messages import QualifyLeadRequest
from leadsdk.query import ConditionOperator, QueryExpression


def _sample(svc: OrganizationService, table: str, column: str) -> Any:
    """A valid, distinctive value for a lead column."""
    a = svc.metadata.attribute(table, column)
    t = a.type
    if t in (AttributeType.STRING, AttributeType.MEMO):
        return f"{column[:6]}-x"
    if t is AttributeType.BOOLEAN:
        return True
    if t is AttributeType.MONEY:
        return Money(Decimal("123.45"))
    if t is AttributeType.INTEGER:
        return 42
    if t is AttributeType.PICKLIST:
        assert a.option_set is not None
        return OptionSetValue(a.option_set.values[-1])
    if t is AttributeType.DATE:
        return dt.date(2030, 1, 2)
    raise AssertionError(f"no sample for {column} ({t})")


def _lookups(svc: OrganizationService) -> dict[str, EntityReference]:
    cur = svc.create(Entity("transactioncurrency", currencyname="Euro", isocurrencycode="EUR",
                            currencysymbol="E", exchangerate=Decimal("0.9")))
    camp = svc.create(Entity("campaign", name="Camp"))
    return {"transactioncurrencyid": EntityReference("transactioncurrency", cur),
            "campaignid": EntityReference("campaign", camp)}


@pytest.mark.parametrize("target", sorted(DEFAULT_MAPPINGS))
def test_default_mappings_column_by_column(svc: OrganizationService, target: str) -> None:
    refs = _lookups(svc)
    values: dict[str, Any] = {"lastname": "Last", "subject": "Topic", "companyname": "Company"}
    for src, _ in DEFAULT_MAPPINGS[target]:
        if src not in values:
            values[src] = refs.get(src) or _sample(svc, "lead", src)
    lead = svc.create(Entity("lead", attributes=values))
    flags = {f"create_{target}": True}
    resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), status=3, **flags))
    [ref] = [r for r in resp.created_entities if r.logical_name == target]
    rec = svc.retrieve(target, ref.id)
    stored_lead = svc.retrieve("lead", lead)
    for src, tgt in DEFAULT_MAPPINGS[target]:
        assert rec.get(tgt) == stored_lead.get(src), f"lead.{src} -> {target}.{tgt}"
        assert rec.get(tgt) is not None, f"{target}.{tgt} was not filled"
    assert rec["originatingleadid"] == EntityReference("lead", lead)


def test_default_mappings_are_seeded_as_system_rows(svc: OrganizationService) -> None:
    q = QueryExpression("attributemap", column_set=ColumnSet(all_columns=True))
    rows = svc.retrieve_multiple(q).entities
    assert len(rows) == sum(len(v) for v in DEFAULT_MAPPINGS.values())
    assert all(r["issystem"] for r in rows)
    maps = svc.retrieve_multiple(QueryExpression("entitymap", column_set=ColumnSet(all_columns=True))).entities
    assert sorted((m["sourceentityname"], m["targetentityname"]) for m in maps) == [
        ("lead", "account"), ("lead", "contact"), ("lead", "opportunity")]


def _entity_map(svc: OrganizationService, target: str) -> EntityReference:
    q = QueryExpression("entitymap", column_set=ColumnSet("targetentityname"))
    q.criteria.add_condition("targetentityname", ConditionOperator.EQUAL, target)
    return svc.retrieve_multiple(q).entities[0].to_entity_reference()


def _map_row(svc: OrganizationService, src: str, tgt: str) -> uuid.UUID:
    q = QueryExpression("attributemap")
    q.criteria.add_condition("sourceattributename", ConditionOperator.EQUAL, src)
    q.criteria.add_condition("targetattributename", ConditionOperator.EQUAL, tgt)
    rid = svc.retrieve_multiple(q).entities[0].id
    assert rid is not None
    return rid


def test_system_mappings_cannot_be_deleted_or_changed(svc: OrganizationService) -> None:
    rid = _map_row(svc, "companyname", "name")
    with pytest.raises(OrganizationServiceFault) as e:
        svc.delete("attributemap", rid)
    assert e.value.error_code == ErrorCodes.SYSTEM_ATTRIBUTE_MAP and "companyname" in e.value.message
    with pytest.raises(OrganizationServiceFault) as e:
        svc.update(Entity("attributemap", rid, targetattributename="description"))
    assert e.value.error_code == ErrorCodes.SYSTEM_ATTRIBUTE_MAP
    with pytest.raises(OrganizationServiceFault) as e:
        svc.delete("entitymap", _entity_map(svc, "account").id)
    assert e.value.error_code == ErrorCodes.SYSTEM_ENTITY_MAP
    assert svc.retrieve("attributemap", rid)["targetattributename"] == "name"


def test_user_mapping_is_applied_and_deletable(svc: OrganizationService) -> None:
    em = _entity_map(svc, "contact")
    mid = svc.create(Entity("attributemap", entitymapid=em, sourceattributename="companyname",
                            targetattributename="department", issystem=True))
    assert svc.retrieve("attributemap", mid)["issystem"] is False  # callers cannot make system rows
    lead = svc.create(Entity("lead", lastname="L", subject="S", companyname="Contoso"))
    resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_contact=True, status=3))
    assert svc.retrieve("contact", resp.created_entities[0].id)["department"] == "Contoso"
    svc.delete("attributemap", mid)
    lead2 = svc.create(Entity("lead", lastname="L", subject="S", companyname="Contoso"))
    resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead2), create_contact=True, status=3))
    assert svc.retrieve("contact", resp.created_entities[0].id).get("department") is None


def test_user_entity_map_to_a_new_target_is_deletable(svc: OrganizationService) -> None:
    em = svc.create(Entity("entitymap", sourceentityname="lead", targetentityname="campaign"))
    svc.create(Entity("attributemap", entitymapid=EntityReference("entitymap", em),
                      sourceattributename="companyname", targetattributename="name"))
    svc.delete("entitymap", em)
    assert len(svc.retrieve_multiple(QueryExpression("entitymap")).entities) == 3


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(src=st.sampled_from(["companyname", "subject", "description", "nosuchcolumn", "leadsourcecode",
                            "budgetamount", "parentaccountid", "numberofemployees"]),
       tgt=st.sampled_from(["name", "description", "tickersymbol", "revenue", "industrycode", "createdon",
                            "accountid", "parentaccountid", "bogus", "numberofemployees"]))
def test_mapping_validation(svc: OrganizationService, src: str, tgt: str) -> None:
    em = _entity_map(svc, "account")
    try:
        mid = svc.create(Entity("attributemap", entitymapid=em, sourceattributename=src, targetattributename=tgt))
    except OrganizationServiceFault as f:
        assert f.error_code == ErrorCodes.INVALID_ATTRIBUTE_MAPPING
        return
    sa = svc.metadata.attribute("lead", src)
    ta = svc.metadata.attribute("account", tgt)
    assert sa.type is ta.type or (sa.type.is_text and ta.type.is_text)
    svc.delete("attributemap", mid)
