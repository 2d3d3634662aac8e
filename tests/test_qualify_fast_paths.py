"""QualifyLead's cheaper paths (qual29): the lead mapping through split column lists, the activity probe's
cached statement, the update's first read per changed-column list, and audit change data written
directly. Each test repeats a path so its cached form runs, and checks stored records and audit rows."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import make_storage
from leadsdk import ColumnSet, Entity, EntityReference, OptionSetValue, OrganizationService
from leadsdk.audit import messages as audit_messages
from leadsdk.audit.messages import _change_data, _dumps, _json_value
from leadsdk.entities import AuditAction, AuditOperation
from leadsdk.lifecycle import DEFAULT_MAPPINGS
from leadsdk.messages import QualifyLeadRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.storage.base import uuid_text
from leadsdk.types import formatted_values_of


def _qualify(svc: OrganizationService, lead: uuid.UUID, **flags: bool) -> dict[str, uuid.UUID]:
    resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), status=3, **flags))
    return {r.logical_name: r.id for r in resp.created_entities}


def _rows(svc: OrganizationService, table: str, column: str, value: Any, *cols: str) -> list[Entity]:
    q = QueryExpression(table, column_set=ColumnSet(*cols))
    q.criteria.add_condition(column, ConditionOperator.EQUAL, value)
    return list(svc.retrieve_multiple(q).entities)


def test_mapping_takes_each_leads_values_and_skips_blanks(svc: OrganizationService) -> None:
    """A mapped column the lead has no value in is left to the new record's default, on every
    qualification (the first loads the split mapping lists, the next ones reuse them)."""
    contact_t = svc.metadata.table("contact")
    src, tgt = next((s, t) for s, t in DEFAULT_MAPPINGS["contact"]
                    if (a := contact_t.attributes.get(t)) is not None and a.default_value is not None)
    default = contact_t.attributes[tgt].default_value
    for i in range(3):
        blank = svc.create(Entity("lead", lastname=f"Blank{i}", jobtitle=f"Title{i}", companyname=f"Co{i}"))
        svc.update(Entity("lead", blank, {src: None, "telephone1": None}))
        assert svc.retrieve("lead", blank, ColumnSet(src)).get(src) is None
        made = _qualify(svc, blank, create_account=True, create_contact=True, create_opportunity=True)
        c = svc.retrieve("contact", made["contact"], ColumnSet(tgt, "jobtitle", "lastname", "telephone1"))
        assert c.get(tgt) == default
        assert (c["jobtitle"], c["lastname"], c.get("telephone1")) == (f"Title{i}", f"Blank{i}", None)
        a = svc.retrieve("account", made["account"], ColumnSet("name", "telephone1"))
        assert (a["name"], a.get("telephone1")) == (f"Co{i}", None)

        full = svc.create(Entity("lead", lastname=f"Full{i}", companyname=f"Full Co{i}", telephone1=f"555-{i}",
                                 subject=f"Topic {i}", estimatedamount=Decimal(100 + i), **{src: not default}))
        made = _qualify(svc, full, create_account=True, create_contact=True, create_opportunity=True)
        c = svc.retrieve("contact", made["contact"], ColumnSet(tgt, "lastname", "telephone1", "jobtitle"))
        assert (c[tgt], c["lastname"], c["telephone1"], c.get("jobtitle")) == (not default, f"Full{i}",
                                                                               f"555-{i}", None)
        o = svc.retrieve("opportunity", made["opportunity"], ColumnSet("name", "estimatedvalue"))
        assert o["name"] == f"Topic {i}" and o["estimatedvalue"].value == Decimal(100 + i)


def test_summary_lists_each_leads_own_activities(svc: OrganizationService) -> None:
    """The activity probe's statement is made once; each lead's summary still lists only its activities."""
    kinds = ["task", "phonecall", None, "task"]
    for i, kind in enumerate(kinds):
        lead = svc.create(Entity("lead", lastname=f"L{i}", companyname=f"C{i}", subject="S"))
        if kind is not None:
            svc.create(Entity(kind, subject=f"{kind} {i}", regardingobjectid=EntityReference("lead", lead)))
        _qualify(svc, lead, create_account=False, create_contact=False, create_opportunity=False)
        [note] = _rows(svc, "annotation", "objectid", lead, "notetext")
        lines = note["notetext"].splitlines()
        if kind is None:
            assert "Last activities: none" in lines
        else:
            label = svc.metadata.table(kind).display_name
            assert [ln for ln in lines if ln.startswith("- ")] == [
                f"- {dt.datetime.now(dt.timezone.utc):%Y-%m-%d} {label}: {kind} {i} (Open)"]


def _changes(svc: OrganizationService, lead: uuid.UUID) -> list[dict[str, Any]]:
    rows = _rows(svc, "audit", "objectid", lead, "changedata", "createdon", "action")
    rows.sort(key=lambda r: r["createdon"])
    return [json.loads(r["changedata"]) for r in rows if r.get("changedata")]


def test_update_reads_and_audit_per_changed_column_list(svc: OrganizationService) -> None:
    """Updates of the same column lists, alternating, on several leads: each audit row holds that update's
    old and new values (the first read of an update is kept per changed-column list)."""
    acc = svc.create(Entity("account", name="Parent"))
    for i in range(3):
        lead = svc.create(Entity("lead", lastname=f"L{i}", jobtitle="Old", telephone1=None, donotemail=False))
        svc.update(Entity("lead", lead, jobtitle=f"New{i}", donotemail=True))
        svc.update(Entity("lead", lead, {"parentaccountid": EntityReference("account", acc), "numberofemployees": i}))
        svc.update(Entity("lead", lead, jobtitle=None, donotemail=False))
        got = [c["changedAttributes"] for c in _changes(svc, lead)]
        assert got[0] == [{"logicalName": "jobtitle", "oldValue": "Old", "newValue": f"New{i}"},
                          {"logicalName": "donotemail", "oldValue": False, "newValue": True}]
        assert {"logicalName": "parentaccountid", "oldValue": None, "newValue": f"account,{acc}"} in got[1]
        assert {"logicalName": "numberofemployees", "oldValue": None, "newValue": i} in got[1]
        assert got[2] == [{"logicalName": "jobtitle", "oldValue": f"New{i}", "newValue": None},
                          {"logicalName": "donotemail", "oldValue": True, "newValue": False}]
        # the company name came from the parent account (a rule reading on the update's first read)
        assert svc.retrieve("lead", lead, ColumnSet("companyname"))["companyname"] == "Parent"


def test_qualify_audit_rows(svc: OrganizationService) -> None:
    """The lead's qualifying update is audited with its old and new states and links."""
    for i in range(2):
        lead = svc.create(Entity("lead", lastname=f"Q{i}", companyname=f"QCo{i}", subject="T"))
        made = _qualify(svc, lead, create_account=True, create_contact=True, create_opportunity=True)
        [last] = _changes(svc, lead)[-1:]
        by = {c["logicalName"]: (c["oldValue"], c["newValue"]) for c in last["changedAttributes"]}
        assert by["statecode"] == (0, 1) and by["statuscode"][1] == 3
        assert by["parentaccountid"] == (None, f"account,{made['account']}")
        assert by["parentcontactid"] == (None, f"contact,{made['contact']}")
        assert by["qualifyingopportunityid"] == (None, f"opportunity,{made['opportunity']}")
        [acc_update] = _changes(svc, made["account"])
        assert acc_update["changedAttributes"] == [
            {"logicalName": "primarycontactid", "oldValue": None, "newValue": f"contact,{made['contact']}"}]


@pytest.mark.parametrize("changes", [
    [("a", None, "x")],
    [("b", 'q"\\\n\t\x00\x7f é☃𝄞', -12345678901234567890), ("c", "", 0)],
    [("d", True, False), ("e", 0, 1), ("f", None, None)],
    [("g", 1.5, None)],
    [("h", "x", uuid.UUID(int=5)), ("i", Decimal("1.20"), 2)],
    [("j", dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc), "s")],
    [("k", float("nan"), 3), ("l", OptionSetValue(2), None)],
])
def test_change_data_is_what_the_json_encoder_writes(changes: list[tuple[str, Any, Any]]) -> None:
    try:
        want = _dumps({"changedAttributes": [{"logicalName": c, "oldValue": _json_value(o),
                                              "newValue": _json_value(n)} for c, o, n in changes]})
    except TypeError:
        with pytest.raises(TypeError):
            _change_data(changes)
        return
    assert _change_data(changes) == want


@pytest.fixture
def file_svc(backend: str, tmp_path: Path) -> Iterator[OrganizationService]:
    """A store whose threads have transactions of their own: a SQLite file, or PostgreSQL."""
    s = OrganizationService(make_storage(backend, tmp_path if backend == "sqlite" else None))
    try:
        yield s
    finally:
        s.close()


def test_each_thread_has_its_own_transaction_state(file_svc: OrganizationService) -> None:
    """The per-thread transaction state is a plain object held per thread: one thread's open transaction is
    never another's, and a thread sees the same state throughout."""
    svc = file_svc
    storage: Any = svc.storage
    assert not getattr(storage, "memory", False)
    mine = storage._tx_state()
    assert storage._tx_state() is mine and mine.depth == 0
    seen: dict[str, Any] = {}
    lead = svc.create(Entity("lead", lastname="T"))
    with svc.transaction():
        svc.update(Entity("lead", lead, jobtitle="inside"))
        assert mine.depth > 0

        def other() -> None:
            st = storage._tx_state()
            seen.update(same=st is mine, depth=st.depth, again=storage._tx_state() is st)

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == {"same": False, "depth": 0, "again": True}
    assert mine.depth == 0
    assert svc.retrieve("lead", lead, ColumnSet("jobtitle"))["jobtitle"] == "inside"


def test_uuid_text_is_str_of_the_uuid() -> None:
    """The shared UUID texts (SQLite's encoder, audit change data) are str() of each id, seen or not."""
    ids = [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID(int=1 << 64), *(uuid.uuid4() for _ in range(200))]
    for u in ids + ids:
        assert uuid_text(u) == str(u)
    assert _json_value(ids[3]) == str(ids[3])


def _formatted_lead(svc: OrganizationService, **extra: Any) -> uuid.UUID:
    """A lead with formatted values in and out of the summary's columns (choices, amounts, a date, a whole
    number, flags, a lookup)."""
    return svc.create(Entity(
        "lead", firstname="Ada", lastname="Lovelace", companyname="Analytical Ltd", subject="Engines",
        leadsourcecode=OptionSetValue(8), leadqualitycode=OptionSetValue(2), industrycode=OptionSetValue(1),
        budgetamount=Decimal("5000"), estimatedamount=Decimal("1234.5"), estimatedclosedate=dt.date(2026, 3, 4),
        purchasetimeframe=OptionSetValue(1), need=OptionSetValue(2), budgetstatus=OptionSetValue(3),
        msdyn_leadscore=87, revenue=Decimal("100000190.5"), numberofemployees=1900, donotemail=True,
        decisionmaker=True, **extra))


def test_formatted_values_of_is_the_full_formatted_values_of_those_columns(svc: OrganizationService) -> None:
    """`formatted_values_of` on a retrieved record (its formatted values not made yet, then made) gives the
    full formatted values' entries of the columns asked for, and leaves the full ones as they would be."""
    lead = _formatted_lead(svc)
    full = svc.retrieve("lead", lead).formatted_values
    assert {"leadsourcecode", "estimatedamount", "revenue", "donotemail", "transactioncurrencyid"} <= set(full)
    for cols in (set(full), {"leadsourcecode", "revenue", "transactioncurrencyid", "subject", "nosuchcolumn"},
                 set(), {"estimatedclosedate", "msdyn_leadscore", "numberofemployees"}):
        e = svc.retrieve("lead", lead)
        assert formatted_values_of(e, cols) == {c: full[c] for c in cols if c in full}
        assert e.formatted_values == full  # made whole when first read, as without the call
        assert formatted_values_of(e, cols) == {c: full[c] for c in cols if c in full}  # (made: the same)
    assert formatted_values_of(Entity("lead", firstname="A"), {"firstname"}) == {}


def test_summary_note_shows_the_full_formatted_values(svc: OrganizationService) -> None:
    """The summary formats only its own columns of the lead: its text is what the lead's full formatted
    values give, on every qualification (account, contact and opportunity, as the benchmark)."""
    for i in range(3):
        lead = _formatted_lead(svc, jobtitle=f"Engineer {i}", emailaddress1=f"ada{i}@x.org")
        fv = svc.retrieve("lead", lead).formatted_values
        made = _qualify(svc, lead, create_account=True, create_contact=True, create_opportunity=True)
        notes = [n for about in (lead, made["opportunity"])
                 for n in _rows(svc, "annotation", "objectid", about, "subject", "notetext")]
        texts = {n["notetext"] for n in notes if n["subject"] == "Lead summary"}
        assert len(notes) == 2 and len(texts) == 1
        lines = texts.pop().splitlines()
        assert lines[:8] == [
            "Lead summary: Ada Lovelace", f"Job title: Engineer {i}", "Company: Analytical Ltd", "Topic: Engines",
            f"Source: {fv['leadsourcecode']}", f"Rating: {fv['leadqualitycode']}",
            f"Industry: {fv['industrycode']}", f"Email: ada{i}@x.org"]
        assert lines[8] == "Key values: " + "; ".join([
            f"Budget {fv['budgetamount']}", f"Est. value {fv['estimatedamount']}",
            f"Est. close {fv['estimatedclosedate']}", f"Purchase timeframe {fv['purchasetimeframe']}",
            f"Purchase process {fv.get('purchaseprocess')}" if "purchaseprocess" in fv else "",
            f"Need {fv['need']}", f"Budget status {fv['budgetstatus']}", f"Lead score {fv['msdyn_leadscore']}",
        ]).replace("; ; ", "; ")
        assert fv["estimatedamount"] == "$1,234.50" and fv["msdyn_leadscore"] == "87"
        assert lines[9:] == ["Last activities: none"]


def test_audit_constants_are_the_generated_enums_values() -> None:
    """The record hooks pass ints for the generated enums' members: the same numbers."""
    assert audit_messages._CREATE == AuditAction.CREATE == AuditOperation.CREATE
    assert audit_messages._UPDATE == AuditOperation.UPDATE


def test_qualify_audit_actions_and_operations(svc: OrganizationService) -> None:
    """QualifyLead's audit rows carry the create and update actions and operations (account, contact,
    opportunity, notes and process created; the account updated, the lead qualified)."""

    lead = _formatted_lead(svc)
    made = _qualify(svc, lead, create_account=True, create_contact=True, create_opportunity=True)
    for table, rid in made.items():
        rows = _rows(svc, "audit", "objectid", rid, "action", "operation", "objecttypecode")
        got = sorted((r["action"].value, r["operation"].value) for r in rows)
        assert got[0] == (1, 1) and all(r["objecttypecode"] == table for r in rows)
        assert got == ([(1, 1), (2, 2)] if table == "account" else [(1, 1)])
    rows = _rows(svc, "audit", "objectid", lead, "action", "operation")
    assert sorted((r["action"].value, r["operation"].value) for r in rows) == [(1, 1), (AuditAction.QUALIFY, 2)]
