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


def test_single_record_html_has_headers_and_an_id_row(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Lovelace", leadsourcecode=8))
    h = svc.retrieve("lead", lid)._repr_html_()
    assert "<tr><th>column</th><th>value</th><th>formatted value</th></tr>" in h
    assert f"<th style='text-align:left'>leadid</th><td><code>{lid}</code></td>" in h
    assert h.count(str(lid)) == 1  # the id once, titled by its column


def test_qualify_and_bulk_similar_results_show_names(svc: OrganizationService) -> None:
    from leadsdk.messages import BulkDetectSimilarLeadsRequest

    lead = svc.create(Entity("lead", firstname="Ada", lastname="Lovelace", companyname="Analytical",
                             emailaddress1="ada@analytical.example", subject="Engines"))
    svc.create(Entity("lead", firstname="Ada", lastname="Lovelace", companyname="Analytical",
                      emailaddress1="ada@analytical.example"))
    bulk = svc.execute(BulkDetectSimilarLeadsRequest(persist=False))
    h = bulk._repr_html_()
    assert bulk.matches and h.count("Ada Lovelace") == 2 * len(bulk.matches) and str(lead) not in h
    sim = svc.execute(FindSimilarLeadsRequest(target=EntityReference("lead", lead)))
    assert sim.matches[0].lead.name == "Ada Lovelace" and "Ada Lovelace" in sim._repr_html_()
    resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_account=True,
                                          create_contact=True, create_opportunity=True, status=3,
                                          suppress_duplicate_detection=True))
    names = {r.logical_name: r.name for r in resp.created_entities}
    assert names["account"] == "Analytical" and names["contact"] == "Ada Lovelace" and names["opportunity"] == "Engines"
    h = resp._repr_html_()
    assert "<th>name</th>" in h and "Analytical" in h and "Ada Lovelace" in h


def test_to_pandas_index_is_the_id_once_and_aggregates_get_a_range(svc: OrganizationService) -> None:
    import pytest

    pd = pytest.importorskip("pandas")
    from leadsdk import ColumnSet
    from leadsdk.query import FetchExpression, QueryExpression

    a = svc.create(Entity("lead", lastname="A", leadsourcecode=8))
    svc.create(Entity("lead", lastname="B", leadsourcecode=8))
    df = svc.retrieve_multiple(QueryExpression("lead", ColumnSet("leadid", "lastname"))).to_pandas()
    assert df.index.name == "leadid" and "leadid" not in df.columns and str(a) in df.index
    agg = svc.retrieve_multiple(FetchExpression(
        "<fetch aggregate='true'><entity name='lead'><attribute name='leadsourcecode' groupby='true' alias='src'/>"
        "<attribute name='leadid' aggregate='count' alias='n'/></entity></fetch>")).to_pandas()
    assert isinstance(agg.index, pd.RangeIndex) and list(agg["n"]) == [2] and list(agg["src"]) == ["Web"]
