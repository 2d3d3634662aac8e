"""Notebook display: readable reprs and escaped, row-capped HTML for entities, collections, faults,
QualifyLead results, similar-lead matches and score explanations."""

from __future__ import annotations

import uuid

from leadsdk import Entity, EntityCollection, EntityReference, ErrorCodes, OrganizationService, OrganizationServiceFault
from leadsdk.messages import ExplainScoreResponse, FindSimilarLeadsRequest, QualifyLeadRequest


def test_entity_and_collection_html_escape_and_cap() -> None:
    acc = EntityReference("account", uuid.uuid4(), "A & B")
    e = Entity("lead", uuid.uuid4(), {"lastname": "<b>x</b>", "parentaccountid": acc})
    h = e._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in h and "A &amp; B" in h and "<b>x</b>" not in h
    coll = EntityCollection([Entity("lead", attributes={"lastname": f"L{i}"}) for i in range(120)], "lead")
    h = coll._repr_html_()
    assert h.count("<tr>") == 51 and "70 more rows not shown" in h  # header + 50 rows
    assert repr(coll) == "EntityCollection('lead', 120 entities)"


def test_fault_display() -> None:
    f = OrganizationServiceFault(ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE, "The lead <x> is closed.")
    assert "LEAD_ALREADY_IN_CLOSED_STATE" in repr(f) and "&lt;x&gt;" in f._repr_html_()
    assert f.hex_code == "0x80040519" and str(f).startswith("The lead <x> is closed.")


def test_qualify_and_similar_leads_display(svc: OrganizationService) -> None:
    lead = svc.create(Entity("lead", firstname="Ada", lastname="Lovelace", companyname="<Analytical>",
                             emailaddress1="ada@analytical.example"))
    svc.create(Entity("lead", firstname="Ada", lastname="Lovelace", companyname="Analytical",
                      emailaddress1="ada@analytical.example"))
    sim = svc.execute(FindSimilarLeadsRequest(target=EntityReference("lead", lead)))
    assert sim.matches and "similar lead" in sim._repr_html_()
    resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_account=True, status=3,
                                          suppress_duplicate_detection=True))
    h = resp._repr_html_()
    assert "account" in h and str(resp.created_entities[0].id) in h


def test_score_explanation_display() -> None:
    r = ExplainScoreResponse(score=81, grade="A", factors=[("leadsourcecode", "<Web>", 1.25)])
    h = r._repr_html_()
    assert "Score 81 (grade A)" in h and "&lt;Web&gt;" in h and "+1.25" in h


def test_collection_html_uses_display_names(svc: OrganizationService) -> None:
    from leadsdk import ColumnSet
    from leadsdk.entities.declare import string
    from leadsdk.messages import UpdateAttributeRequest
    from leadsdk.query import QueryExpression

    svc.execute(UpdateAttributeRequest(entity_name="lead", attribute=string("companyname", 100, "Organisation")))
    svc.create(Entity("lead", lastname="A", companyname="Contoso"))
    h = svc.retrieve_multiple(QueryExpression("lead", ColumnSet("companyname")))._repr_html_()
    assert ">Organisation</th>" in h and "title='companyname'" in h
