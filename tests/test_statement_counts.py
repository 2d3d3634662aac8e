"""Upper bounds on the SQL statements each message runs (issue 22), counted by SQLite's trace callback.

Every statement counts: BEGIN, SAVEPOINT, RELEASE and COMMIT too. Each message runs once to warm the
store's caches, then once counted. A change that adds statements to the request path fails here, in
CI, instead of showing up as a slower benchmark (no timings are asserted)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import (
    AssociateRequest,
    CreateMultipleRequest,
    DeleteRequest,
    QualifyLeadRequest,
    SetStateRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.storage import SqliteStorage

BOUNDS = {
    "Create": 5,
    "Update": 6,
    "Retrieve": 2,
    "RetrieveMultiple": 2,
    "QualifyLead": 18,
    "SetState": 8,
    "Associate": 8,
    "Delete": 30,
    "CreateMultiple (100)": 6,
    "Create x 10 in an all-or-nothing transaction": 14,
}
"""Statements per message (top-level request, auditing on, as the trace callback counts them)."""


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[OrganizationService]:
    s = OrganizationService(SqliteStorage(tmp_path / "counts.db"))
    yield s
    s.close()


def _lead(i: int) -> Entity:
    return Entity("lead", firstname=f"First{i}", lastname=f"Last{i}", companyname=f"Company {i}",
                  emailaddress1=f"user{i}@example.com", telephone1=f"555-{i:04d}", jobtitle="Buyer")


def _counted(svc: OrganizationService, fn: Callable[[], object]) -> tuple[int, list[str]]:
    """Run fn once to warm up, then once more counting its statements."""
    fn()
    storage = svc.storage
    assert isinstance(storage, SqliteStorage)
    seen: list[str] = []
    conn = storage.conn
    conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        conn.set_trace_callback(None)
    return len(seen), seen


def _check(name: str, counted: tuple[int, list[str]]) -> None:
    n, statements = counted
    listing = "\n".join(s[:120] for s in statements)
    assert n <= BOUNDS[name], f"{name} ran {n} statements (bound {BOUNDS[name]}):\n{listing}"


def test_create_update_retrieve(svc: OrganizationService) -> None:
    made: list[uuid.UUID] = []
    _check("Create", _counted(svc, lambda: made.append(svc.create(_lead(len(made))))))
    lid = made[-1]
    tick = iter(range(100))
    _check("Update", _counted(svc, lambda: svc.update(Entity("lead", lid, jobtitle=f"T{next(tick)}"))))
    _check("Retrieve", _counted(svc, lambda: svc.retrieve("lead", lid, ColumnSet("fullname", "jobtitle"))))
    q = QueryExpression("lead", column_set=ColumnSet("fullname", "emailaddress1"))
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    q.top_count = 50
    _check("RetrieveMultiple", _counted(svc, lambda: svc.retrieve_multiple(q)))
    assert svc.retrieve("lead", lid, ColumnSet("jobtitle"))["jobtitle"] == "T1"


def test_updates_of_alternating_column_lists_read_once(svc: OrganizationService) -> None:
    """An update reads its stored values (state, version, audit's old values, autofill's columns) with one
    statement, remembered per list of changed columns: updates alternating two lists (and one naming a parent
    account) each run the Update bound and no second read, and record the right old values."""
    lid = svc.create(_lead(1))
    acc = svc.create(Entity("account", name="Contoso", telephone1="555-acc"))
    shapes = [lambda k: {"jobtitle": f"J{k}"}, lambda k: {"telephone1": f"T{k}", "emailaddress1": f"e{k}@x.com"},
              lambda k: {"parentaccountid": EntityReference("account", acc), "mobilephone": f"M{k}"}]
    for k in range(6):
        values = shapes[k % 3](k)
        n, statements = _counted(svc, lambda values=values: svc.update(Entity("lead", lid, values)))
        _check("Update", (n, statements))
        assert sum(s.startswith("SELECT") and '"lead"' in s for s in statements) == 1, statements
    got = svc.retrieve("lead", lid, ColumnSet("jobtitle", "telephone1", "emailaddress1", "mobilephone"))
    assert [got[c] for c in ("jobtitle", "telephone1", "emailaddress1", "mobilephone")] == \
        ["J3", "T4", "e4@x.com", "M5"]  # (each update ran twice above: a warm-up and the counted one)


def test_qualify_lead(svc: OrganizationService) -> None:
    leads = iter([svc.create(_lead(i)) for i in range(2)])
    created: list[list[EntityReference]] = []

    def qualify() -> None:
        created.append(svc.execute(QualifyLeadRequest(
            lead_id=EntityReference("lead", next(leads)), create_account=True, create_contact=True,
            create_opportunity=True)).created_entities)

    _check("QualifyLead", _counted(svc, qualify))
    assert [r.logical_name for r in created[-1]] == ["account", "contact", "opportunity"]
    audit = QueryExpression("audit", column_set=ColumnSet("objecttypecode"))
    audit.criteria.add_condition("objectid", ConditionOperator.EQUAL, created[-1][0].id)
    assert len(svc.retrieve_multiple(audit).entities) == 2  # the account's create and its primary contact


def test_set_state_associate_delete(svc: OrganizationService) -> None:
    lid = svc.create(_lead(1))
    states = iter([(2, 6), (0, 1)])

    def set_state() -> None:
        s, st = next(states)
        svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lid), state=s, status=st))

    _check("SetState", _counted(svc, set_state))
    acc = svc.create(Entity("account", name="Counts"))
    others = [svc.create(_lead(10 + i)) for i in range(4)]
    pairs = iter(others[:2])
    _check("Associate", _counted(svc, lambda: svc.execute(AssociateRequest(
        target=EntityReference("account", acc), relationship="accountleads_association",
        related_entities=[EntityReference("lead", next(pairs))]))))
    doomed = iter(others)
    _check("Delete", _counted(svc, lambda: svc.execute(DeleteRequest(target=EntityReference("lead", next(doomed))))))


def test_create_multiple_of_100(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Parent"))
    batch = iter(range(2))

    def create_many() -> None:
        k = next(batch)
        targets = [_lead(1000 * k + i) for i in range(100)]
        for e in targets[::2]:
            e["parentaccountid"] = EntityReference("account", acc)
        svc.execute(CreateMultipleRequest(targets=targets))

    _check("CreateMultiple (100)", _counted(svc, create_many))
    q = QueryExpression("lead", column_set=ColumnSet("leadid"))
    q.criteria.add_condition("parentaccountid", ConditionOperator.EQUAL, acc)
    assert len(svc.retrieve_multiple(q).entities) == 100


def test_creates_in_an_all_or_nothing_transaction(svc: OrganizationService) -> None:
    # no savepoint per request, and the audit rows of all ten go in one INSERT at the commit:
    # the store-generation check, BEGIN, ten lead INSERTs, the audit INSERT, COMMIT (43 in a default one)
    batch = iter(range(2))

    def ten() -> None:
        k = next(batch)
        with svc.transaction(all_or_nothing=True):
            for i in range(10):
                svc.create(_lead(100 * k + i))

    _check("Create x 10 in an all-or-nothing transaction", _counted(svc, ten))
    audit = QueryExpression("audit", column_set=ColumnSet("objectid"))
    audit.criteria.add_condition("objecttypecode", ConditionOperator.EQUAL, "lead")
    assert len(svc.retrieve_multiple(audit).entities) == 20
