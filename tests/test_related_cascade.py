"""Delete cascades from metadata: cascade, remove link and restrict, set-based and atomic."""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.entities.model import CascadeType
from leadsdk.errors import ErrorCodes
from leadsdk.messages import CreateMultipleRequest
from leadsdk.plugins import InvalidPluginExecutionException, PluginStage
from leadsdk.query import ConditionOperator, QueryExpression

GROWING = frozenset({"audit", "leadsdk_tombstone"})
"""Tables that may legitimately gain rows from a delete (the audit trail, change-tracking tombstones)."""

ACTIVITIES = ("task", "phonecall", "email", "appointment")


def _counts(svc: OrganizationService) -> dict[str, int]:
    return {t.logical_name: svc.storage.count(t) for t in svc.metadata if t.logical_name not in GROWING}


def _exists(svc: OrganizationService, table: str, id_: uuid.UUID) -> bool:
    q = QueryExpression(table)
    q.criteria.add_condition(svc.metadata.table(table).primary_id_attribute, ConditionOperator.EQUAL, id_)
    return len(svc.retrieve_multiple(q)) == 1


def _lookup(svc: OrganizationService, table: str, id_: uuid.UUID, column: str) -> object:
    return svc.retrieve(table, id_, ColumnSet(column)).get(column)


def test_declared_cascades_match_dataverse(svc: OrganizationService) -> None:
    md = svc.metadata
    expected = {
        "Lead_Annotation": CascadeType.CASCADE,
        "Lead_Tasks": CascadeType.CASCADE,
        "Lead_Phonecalls": CascadeType.CASCADE,
        "Lead_Emails": CascadeType.CASCADE,
        "Lead_Appointments": CascadeType.CASCADE,
        "lead_connections1": CascadeType.CASCADE,
        "lead_connections2": CascadeType.CASCADE,
        "connection_related_connection": CascadeType.CASCADE,
        "account_originating_lead": CascadeType.REMOVE_LINK,
        "contact_originating_lead": CascadeType.REMOVE_LINK,
        "opportunity_originating_lead": CascadeType.REMOVE_LINK,
        "contact_customer_accounts": CascadeType.REMOVE_LINK,
        "opportunity_customer_accounts": CascadeType.CASCADE,
        "incident_customer_accounts": CascadeType.CASCADE,
        "Account_Annotation": CascadeType.CASCADE,
        "TransactionCurrency_Lead": CascadeType.RESTRICT,
        "basecurrency_organization": CascadeType.RESTRICT,
    }
    for name, kind in expected.items():
        rel = md.one_to_many[name]
        assert rel.cascade.delete is kind, name


def test_lead_delete_cascades_and_unlinks(svc: OrganizationService) -> None:
    lead = EntityReference("lead", svc.create(Entity("lead", lastname="Andersen", subject="Bikes")))
    contact = EntityReference("contact", svc.create(Entity("contact", lastname="Lee", originatingleadid=lead)))
    account = svc.create(Entity("account", name="Acme", originatingleadid=lead))
    opp = svc.create(Entity("opportunity", name="Bikes", originatingleadid=lead))
    svc.associate("lead", lead.id, "contactleads_association", [contact])
    note = svc.create(Entity("annotation", subject="n", objectid=lead))
    attachment = svc.create(Entity("annotation", subject="a", objectid=lead, filename="a.txt",
                                   documentbody=base64.b64encode(b"hello").decode()))
    acts = [svc.create(Entity(t, subject=t, regardingobjectid=lead)) for t in ACTIVITIES]
    task_note = svc.create(Entity("annotation", subject="on the task", objectid=EntityReference("task", acts[0])))
    conn = svc.create(Entity("connection", record1id=lead, record2id=contact))
    before = _counts(svc)

    svc.delete("lead", lead.id)

    after = _counts(svc)
    for gone in [("annotation", note), ("annotation", attachment), ("annotation", task_note),
                 ("connection", conn), *zip(ACTIVITIES, acts)]:
        assert not _exists(svc, *gone), gone
    assert after["annotation"] == before["annotation"] - 3
    assert after["connection"] == before["connection"] - 2
    assert after["contactleads"] == before["contactleads"] - 1
    for table, id_ in (("contact", contact.id), ("account", account), ("opportunity", opp)):
        assert _exists(svc, table, id_)
        assert _lookup(svc, table, id_, "originatingleadid") is None


def test_account_delete_unlinks_contacts_and_deletes_opportunities_and_cases(svc: OrganizationService) -> None:
    acc = EntityReference("account", svc.create(Entity("account", name="Acme")))
    child = svc.create(Entity("account", name="Acme EU", parentaccountid=acc))
    contacts = [svc.create(Entity("contact", lastname=f"C{i}", parentcustomerid=acc)) for i in range(3)]
    opps = [svc.create(Entity("opportunity", name="by customer", customerid=acc)),
            svc.create(Entity("opportunity", name="by account", parentaccountid=acc))]
    opp_note = svc.create(Entity("annotation", subject="opp note", objectid=EntityReference("opportunity", opps[0])))
    case = svc.create(Entity("incident", title="Broken", customerid=acc))
    lead = svc.create(Entity("lead", lastname="L", subject="s", parentaccountid=acc))
    svc.delete("account", acc.id)
    for c in contacts:
        assert _exists(svc, "contact", c) and _lookup(svc, "contact", c, "parentcustomerid") is None
    for gone in [("opportunity", opps[0]), ("opportunity", opps[1]), ("incident", case),
                 ("annotation", opp_note)]:
        assert not _exists(svc, *gone), gone
    assert _lookup(svc, "account", child, "parentaccountid") is None
    assert _lookup(svc, "lead", lead, "parentaccountid") is None


def test_restrict_faults_and_changes_nothing(svc: OrganizationService) -> None:
    eur = svc.create(Entity("transactioncurrency", currencyname="Euro", isocurrencycode="EUR",
                            currencysymbol="€", exchangerate=Decimal("0.9")))
    lead = svc.create(Entity("lead", lastname="L", subject="s",
                             transactioncurrencyid=EntityReference("transactioncurrency", eur)))
    before = _counts(svc)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.delete("transactioncurrency", eur)
    assert ei.value.error_code == ErrorCodes.CANNOT_DELETE_DUE_TO_ASSOCIATION
    assert "transactioncurrency" in ei.value.message and "TransactionCurrency_Lead" in ei.value.message
    assert _counts(svc) == before
    svc.delete("lead", lead)
    svc.delete("transactioncurrency", eur)  # nothing refers to it any more
    with pytest.raises(OrganizationServiceFault) as ei:  # its row, cached for the lead's create, went with it
        svc.create(Entity("lead", lastname="L2", transactioncurrencyid=EntityReference("transactioncurrency", eur)))
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    usd = svc.retrieve_multiple(QueryExpression("organization", column_set=ColumnSet("basecurrencyid")))[0]
    with pytest.raises(OrganizationServiceFault) as ei:  # the base currency: the organization restricts
        svc.delete("transactioncurrency", usd["basecurrencyid"].id)
    assert ei.value.error_code == ErrorCodes.CANNOT_DELETE_DUE_TO_ASSOCIATION


def test_a_failing_post_operation_plugin_rolls_back_the_whole_cascade(svc: OrganizationService) -> None:
    acc = EntityReference("account", svc.create(Entity("account", name="Acme")))
    svc.create(Entity("opportunity", name="o", customerid=acc))
    svc.create(Entity("task", subject="t", regardingobjectid=acc))
    svc.create(Entity("contact", lastname="C", parentcustomerid=acc))
    before = _counts(svc)
    step = svc.register_plugin("Delete", "account", PluginStage.POST_OPERATION,
                               handler=lambda c: (_ for _ in ()).throw(InvalidPluginExecutionException("no")))
    with pytest.raises(OrganizationServiceFault):
        svc.delete("account", acc.id)
    svc.unregister_plugin(step)
    assert _counts(svc) == before
    q = QueryExpression("contact")
    q.criteria.add_condition("parentcustomerid", ConditionOperator.EQUAL, acc.id)
    assert len(svc.retrieve_multiple(q)) == 1  # the remove-link was rolled back too


def test_cascaded_children_pass_hooks_and_their_delete_plugins(svc: OrganizationService) -> None:
    lead = EntityReference("lead", svc.create(Entity("lead", lastname="L", subject="s")))
    tasks = {svc.create(Entity("task", subject=f"t{i}", regardingobjectid=lead)) for i in range(3)}
    notes = {svc.create(Entity("annotation", subject=f"n{i}", objectid=lead)) for i in range(2)}
    hooked: list[tuple[str, uuid.UUID]] = []
    plugged: list[uuid.UUID | None] = []

    def hook(ctx: object, t: object, id_: uuid.UUID) -> None:
        hooked.append((t.logical_name, id_))  # type: ignore[attr-defined]

    events = svc._core.state.events  # the record events of this store (an internal mechanism, on purpose)
    events.add("before_delete", hook)
    step = svc.register_plugin("Delete", "task", PluginStage.PRE_OPERATION,
                               handler=lambda c: plugged.append(c.primary_entity_id))
    try:
        svc.delete("lead", lead.id)
    finally:
        events.remove("before_delete", hook)
        svc.unregister_plugin(step)
    assert set(plugged) == tasks  # tasks have a Delete plugin: deleted through the pipeline
    assert {i for t, i in hooked if t == "annotation"} == notes
    assert {i for t, i in hooked if t == "task"} == tasks
    assert ("lead", lead.id) in hooked


@pytest.mark.slow
def test_deleting_a_lead_with_a_thousand_notes_and_activities_leaves_no_orphan(svc: OrganizationService) -> None:
    keep = svc.create(Entity("lead", lastname="Keep", subject="s"))
    keep_note = svc.create(Entity("annotation", subject="stays", objectid=EntityReference("lead", keep)))
    lead = EntityReference("lead", svc.create(Entity("lead", lastname="Busy", subject="s")))
    opp = svc.create(Entity("opportunity", name="from the lead", originatingleadid=lead))
    baseline = _counts(svc)
    notes = [Entity("annotation", subject=f"note {i}", objectid=lead,
                    **({"filename": f"{i}.txt", "documentbody": base64.b64encode(b"x" * 64).decode()}
                       if i % 2 else {})) for i in range(1000)]
    svc.execute(CreateMultipleRequest(targets=notes))
    for t in ACTIVITIES:
        svc.execute(CreateMultipleRequest(targets=[Entity(t, subject=f"{t} {i}", regardingobjectid=lead)
                                                   for i in range(250)]))
    loaded = _counts(svc)
    assert loaded["annotation"] - baseline["annotation"] == 1000
    assert sum(loaded[t] - baseline[t] for t in ACTIVITIES) == 1000

    # one request, one transaction: a post-operation plugin that fails undoes every cascaded delete
    step = svc.register_plugin("Delete", "lead", PluginStage.POST_OPERATION,
                               handler=lambda c: (_ for _ in ()).throw(InvalidPluginExecutionException("undo")))
    with pytest.raises(OrganizationServiceFault):
        svc.delete("lead", lead.id)
    svc.unregister_plugin(step)
    assert _counts(svc) == loaded

    svc.delete("lead", lead.id)
    after = _counts(svc)
    expected = dict(baseline)
    expected["lead"] -= 1
    assert after == expected
    assert _exists(svc, "annotation", keep_note) and _exists(svc, "opportunity", opp)
    assert _lookup(svc, "opportunity", opp, "originatingleadid") is None
    # and nothing anywhere still points at the deleted lead
    for t in svc.metadata:
        for a in t.lookups():
            if "lead" in a.targets and t.logical_name not in GROWING:
                q = QueryExpression(t.logical_name)
                q.criteria.add_condition(a.logical_name, ConditionOperator.EQUAL, lead.id)
                assert len(svc.retrieve_multiple(q)) == 0, (t.logical_name, a.logical_name)
