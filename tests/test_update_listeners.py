"""The single update's dispatch (upd31): update listeners declared with `changing=`, the per-column-list
decision that an update has no state/owner/name/currency/required rule to run, and the audit's per-list
audited columns; each checked on stored values and audit rows, also when the column list repeats."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.entities import AuditAction
from leadsdk.messages import RetrieveRecordChangeHistoryRequest
from leadsdk.pipeline import FEATURES
from leadsdk.query import QueryExpression
from leadsdk.records.events import Events
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.types import ColumnSet, OptionSetValue


def _history(svc: OrganizationService, table: str, id_: uuid.UUID) -> list[Any]:
    """Audit details, oldest first."""
    resp = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference(table, id_)))
    return list(reversed(list(resp.audit_detail_collection)))


def _updates(svc: OrganizationService, table: str, id_: uuid.UUID) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    return [(d.audit_record["action"].value, {**d.old_value.attributes}, {**d.new_value.attributes})
            for d in _history(svc, table, id_) if d.audit_record["action"].value != AuditAction.CREATE]


def test_changing_listeners_run_only_when_their_columns_are_changed(svc: OrganizationService) -> None:
    events = svc._core.state.events
    heard: list[tuple[str, tuple[str, ...]]] = []

    def adder(ctx: Any, t: Any, id_: uuid.UUID, changes: dict[str, Any], existing: Any) -> None:
        if "jobtitle" in changes:
            changes["description"] = f"job: {changes['jobtitle']}"

    def seen(name: str) -> Any:
        def hook(ctx: Any, t: Any, id_: uuid.UUID, changes: dict[str, Any], existing: Any) -> None:
            heard.append((name, tuple(sorted(c for c in changes if c in ("jobtitle", "description", "telephone1")))))
        return hook

    events.add("before_update", adder, tables=("lead",), first=True)
    events.add("before_update", seen("before description"), tables=("lead",), changing=("description",))
    events.add("after_update", seen("after phone"), tables=("lead",), changing=("telephone1",))
    events.add("after_update", seen("after modifiedon"), tables=("lead",), changing=("modifiedon",))
    events.add("after_update", seen("account"), tables=("account",), changing=("telephone1",))
    lid = svc.create(Entity("lead", lastname="Ng"))
    svc.update(Entity("lead", lid, {"telephone1": "555-1"}))
    svc.update(Entity("lead", lid, {"jobtitle": "Buyer"}))  # the adder's column, at the watcher's turn
    svc.update(Entity("lead", lid, {"jobtitle": "Owner", "telephone1": "555-2"}))
    svc.update(Entity("lead", lid, {"subject": "Bikes"}))  # modifiedon: added by the platform before after hooks
    assert heard == [
        ("after phone", ("telephone1",)), ("after modifiedon", ("telephone1",)),
        ("before description", ("description", "jobtitle")), ("after modifiedon", ("description", "jobtitle")),
        ("before description", ("description", "jobtitle", "telephone1")),
        ("after phone", ("description", "jobtitle", "telephone1")),
        ("after modifiedon", ("description", "jobtitle", "telephone1")),
        ("after modifiedon", ()),
    ]
    got = svc.retrieve("lead", lid, ColumnSet("jobtitle", "telephone1", "description", "subject"))
    assert (got["jobtitle"], got["telephone1"], got["description"], got["subject"]) == (
        "Owner", "555-2", "job: Owner", "Bikes")
    events.remove("after_update", events.for_update("after_update", "lead")[-1][0])
    svc.update(Entity("lead", lid, {"subject": "Cars"}))
    assert heard[-1] == ("after modifiedon", ())  # the removed one no longer runs


def test_declared_update_listeners_by_table() -> None:
    events = Events(FEATURES)

    def names(event: Any, table: str) -> dict[str, frozenset[str] | None]:
        return {f"{fn.__module__}.{fn.__qualname__}": when for fn, when in events.for_update(event, table)}

    lead_before, lead_after = names("before_update", "lead"), names("after_update", "lead")
    assert lead_before["leadsdk.related.rules._lead_autofill"] == {"parentcontactid", "parentaccountid"}
    assert lead_before["leadsdk.audit.messages._before_update"] is None
    assert lead_after["leadsdk.lifecycle.rules._after_update"] == {"statecode"}
    assert lead_after["leadsdk.audit.messages._after_update"] is None
    for gone in ("leadsdk.lifecycle.rules._before_update", "leadsdk.related.rules._connection_after_update",
                 "leadsdk.lifecycle.rules._mapping_changed", "leadsdk.scoring.rules._after_update"):
        assert gone not in lead_before and gone not in lead_after
    assert "leadsdk.related.rules._connection_after_update" in names("after_update", "connection")
    assert names("after_update", "scoringmodel")["leadsdk.scoring.rules._after_update"] == {
        "gradeathreshold", "gradebthreshold", "gradecthreshold"}
    assert "leadsdk.lifecycle.rules._before_update" in names("before_update", "entitymap")
    assert "leadsdk.lifecycle.rules._mapping_changed" in names("after_update", "attributemap")
    assert "leadsdk.lifecycle.rules._after_update" in names("after_update", "opportunity")
    # other events ignore the columns: a create still calls the lead autofill (it checks for itself)
    assert any(fn.__qualname__ == "_lead_autofill" for fn in events.for_table("before_create", "lead"))


def test_update_rules_run_for_each_update_of_a_repeated_column_list(svc: OrganizationService) -> None:
    """Each list twice (the second from the write plan's per-list decision): state, owner, name parts,
    currency and lookups still act; a plain list with a lookup still checks it."""
    euro = svc.create(Entity("transactioncurrency", currencyname="Euro", isocurrencycode="EUR",
                             exchangerate=Decimal("0.9"), currencysymbol="E", currencyprecision=2))
    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].id
    uid = svc.create(Entity("systemuser", lastname="Owner", domainname="o@x.com",
                            businessunitid=EntityReference("businessunit", bu)))
    acc = svc.create(Entity("account", name="Contoso"))
    leads = [svc.create(Entity("lead", lastname="Ng", firstname="Al", jobtitle="Buyer")) for _ in range(2)]
    for k, lid in enumerate(leads):
        svc.update(Entity("lead", lid, {"jobtitle": f"Manager {k}"}))  # a plain list
        svc.update(Entity("lead", lid, {"firstname": f"Bo{k}"}))
        svc.update(Entity("lead", lid, {"transactioncurrencyid": EntityReference("transactioncurrency", euro)}))
        svc.update(Entity("lead", lid, {"ownerid": EntityReference("systemuser", uid)}))
        with pytest.raises(OrganizationServiceFault):  # the plain list with a lookup to nothing
            svc.update(Entity("lead", lid, {"jobtitle": "Lost", "parentaccountid": EntityReference("account",
                                                                                                   uuid.uuid4())}))
        svc.update(Entity("lead", lid, {"jobtitle": "Lead", "parentaccountid": EntityReference("account", acc)}))
        svc.update(Entity("lead", lid, {"statecode": OptionSetValue(2)}))
        with pytest.raises(OrganizationServiceFault):  # a message-only state, refused each time
            svc.update(Entity("lead", lid, {"statecode": OptionSetValue(1)}))
        got = svc.retrieve("lead", lid, ColumnSet("fullname", "exchangerate", "ownerid", "owninguser", "statecode",
                                                  "statuscode", "jobtitle", "companyname", "parentaccountid"))
        assert got["fullname"] == f"Bo{k} Ng"
        assert got["exchangerate"] == Decimal("0.9")
        assert got["ownerid"] == EntityReference("systemuser", uid) and got["owninguser"].id == uid
        assert (got["statecode"], got["statuscode"]) == (OptionSetValue(2), OptionSetValue(4))
        assert (got["jobtitle"], got["companyname"], got["parentaccountid"].id) == ("Lead", "Contoso", acc)
        ups = _updates(svc, "lead", lid)
        actions = [a for a, _, _ in ups]
        assert actions == [AuditAction.UPDATE, AuditAction.UPDATE, AuditAction.UPDATE, AuditAction.ASSIGN,
                           AuditAction.UPDATE, AuditAction.DISQUALIFY]
        assert ups[0][1:] == ({"jobtitle": "Buyer"}, {"jobtitle": f"Manager {k}"})
        assert ups[1][1] == {"firstname": "Al", "fullname": "Al Ng"}
        assert ups[1][2] == {"firstname": f"Bo{k}", "fullname": f"Bo{k} Ng"}
        assert ups[2][2]["transactioncurrencyid"] == EntityReference("transactioncurrency", euro)
        assert ups[3][1:] == ({"ownerid": EntityReference("systemuser", SYSTEM_USER_ID)},
                              {"ownerid": EntityReference("systemuser", uid)})
        assert ups[4][1]["jobtitle"] == f"Manager {k}" and ups[4][1].get("parentaccountid") is None
        assert ups[4][2]["jobtitle"] == "Lead" and ups[4][2]["parentaccountid"] == EntityReference("account", acc)
        assert ups[4][2]["companyname"] == "Contoso"  # the autofill's column, audited with the caller's
        assert ups[5][2]["statecode"] == OptionSetValue(2)


def test_an_unchanged_value_writes_no_audit_row_and_lists_alternate(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Ng", jobtitle="Buyer", telephone1="555-0"))
    for k in range(2):
        svc.update(Entity("lead", lid, {"jobtitle": "Buyer"}))  # the same value: nothing to audit
        svc.update(Entity("lead", lid, {"telephone1": f"555-{k + 1}", "jobtitle": f"J{k}"}))
        svc.update(Entity("lead", lid, {"jobtitle": f"K{k}", "telephone1": f"555-{k + 1}"}))  # one changed
    assert _updates(svc, "lead", lid) == [
        (AuditAction.UPDATE, {"telephone1": "555-0", "jobtitle": "Buyer"}, {"telephone1": "555-1", "jobtitle": "J0"}),
        (AuditAction.UPDATE, {"jobtitle": "J0"}, {"jobtitle": "K0"}),
        (AuditAction.UPDATE, {"jobtitle": "K0"}, {"jobtitle": "Buyer"}),
        (AuditAction.UPDATE, {"telephone1": "555-1", "jobtitle": "Buyer"}, {"telephone1": "555-2", "jobtitle": "J1"}),
        (AuditAction.UPDATE, {"jobtitle": "J1"}, {"jobtitle": "K1"}),
    ]
