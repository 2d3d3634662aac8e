"""What a transaction remembers (issue 22): ids known to exist, audit rows written at commit, and the
set-based lookup check of bulk creates. Each must answer exactly as the statements it saves would."""

from __future__ import annotations

import uuid

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import (
    CreateMultipleRequest,
    CreateRequest,
    DeleteRequest,
    ExecuteTransactionRequest,
    RetrieveRecordChangeHistoryRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression


def _count(svc: OrganizationService, table: str) -> int:
    return len(svc.retrieve_multiple(QueryExpression(table, column_set=ColumnSet(f"{table}id"))).entities)


def test_a_record_deleted_in_the_transaction_is_not_known_to_exist(svc: OrganizationService) -> None:
    aid = uuid.uuid4()
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(ExecuteTransactionRequest(requests=[
            CreateRequest(target=Entity("account", aid, name="Gone")),
            DeleteRequest(target=EntityReference("account", aid)),
            CreateRequest(target=Entity("contact", lastname="Orphan",
                                        parentcustomerid=EntityReference("account", aid))),
        ]))
    assert e.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    assert _count(svc, "account") == 0 and _count(svc, "contact") == 0


def test_a_record_created_in_the_transaction_is_known_to_exist(svc: OrganizationService) -> None:
    aid = uuid.uuid4()
    svc.execute(ExecuteTransactionRequest(requests=[
        CreateRequest(target=Entity("account", aid, name="New")),
        CreateRequest(target=Entity("contact", lastname="Child", parentcustomerid=EntityReference("account", aid))),
    ]))
    q = QueryExpression("contact", column_set=ColumnSet("parentcustomerid"))
    assert svc.retrieve_multiple(q).entities[0]["parentcustomerid"].id == aid


def test_audit_rows_of_a_transaction_are_all_written_and_readable_inside_it(svc: OrganizationService) -> None:
    aid = svc.create(Entity("account", name="Audited"))
    svc.execute(ExecuteTransactionRequest(requests=[
        CreateRequest(target=Entity("contact", lastname=f"C{i}", parentcustomerid=EntityReference("account", aid)))
        for i in range(3)
    ]))
    q = QueryExpression("audit", column_set=ColumnSet("objecttypecode"))
    q.criteria.add_condition("objecttypecode", ConditionOperator.EQUAL, "contact")
    assert len(svc.retrieve_multiple(q).entities) == 3
    history = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference("account", aid)))
    assert len(history.audit_detail_collection) >= 1


def test_bulk_create_with_lookups_stays_exact(svc: OrganizationService) -> None:
    accounts = [svc.create(Entity("account", name=f"A{i}")) for i in range(3)]
    targets = [Entity("lead", lastname=f"L{i}", companyname="Co",
                      parentaccountid=EntityReference("account", accounts[i % 3])) for i in range(30)]
    ids = svc.execute(CreateMultipleRequest(targets=targets)).ids
    got = svc.retrieve("lead", ids[4], ColumnSet("parentaccountid"))["parentaccountid"]
    assert got.id == accounts[1]
    bad = [Entity("lead", lastname=f"M{i}", companyname="Co",
                  parentaccountid=EntityReference("account", accounts[0] if i != 7 else uuid.uuid4()))
           for i in range(10)]
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(CreateMultipleRequest(targets=bad))
    assert e.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    assert e.value.error_details.get("FaultedRequestIndex") == 7
    assert _count(svc, "lead") == 30


def test_savepoints_nest_roll_back_alone_and_release_the_store(svc: OrganizationService) -> None:
    """`Storage.transaction()` (a class, not a generator): an inner block that raises rolls back to its
    savepoint and no further, its deferred audit rows with it; the outer block commits the rest; a block
    left by a BaseException rolls back and leaves no transaction open."""
    with svc.transaction():
        kept = svc.create(Entity("account", name="Kept"))
        with pytest.raises(OrganizationServiceFault), svc.transaction():
            svc.create(Entity("account", name="Dropped"))
            svc.create(Entity("contact", lastname="X", parentcustomerid=EntityReference("account", uuid.uuid4())))
        svc.create(Entity("contact", lastname="Kept", parentcustomerid=EntityReference("account", kept)))
    accounts = svc.retrieve_multiple(QueryExpression("account", column_set=ColumnSet("name"))).entities
    names = {e["name"] for e in accounts}
    assert names == {"Kept"} and _count(svc, "contact") == 1
    q = QueryExpression("audit", column_set=ColumnSet("objecttypecode"))
    assert sorted(e["objecttypecode"] for e in svc.retrieve_multiple(q).entities
                  if e["objecttypecode"] in ("account", "contact")) == ["account", "contact"]
    with pytest.raises(KeyboardInterrupt), svc.transaction():
        svc.create(Entity("account", name="Interrupted"))
        raise KeyboardInterrupt
    assert not svc._core.storage.in_transaction
    svc.create(Entity("account", name="After"))
    assert _count(svc, "account") == 2


def _lastnames(svc: OrganizationService) -> list[str]:
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    return sorted(e["lastname"] for e in svc.retrieve_multiple(q).entities)


def test_a_commit_cut_short_by_an_interrupt_is_rolled_back_by_the_next_write(
        svc: OrganizationService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A KeyboardInterrupt raised by a signal handler inside the commit's state reset (before the COMMIT)
    left the transaction open and the state saying so: every later write joined it and none committed,
    and the file stayed locked. The next transaction now finds its `with` block gone and rolls it back."""
    storage = svc.storage
    svc.create(Entity("lead", lastname="Before"))
    state_class = type(storage._tx_state())  # type: ignore[attr-defined]
    reset = state_class.reset
    calls: list[int] = []

    def interrupted_once(self: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt  # where a signal handler raises it: at the call
        reset(self)

    monkeypatch.setattr(state_class, "reset", interrupted_once)
    interrupted = False
    try:
        svc.create(Entity("lead", lastname="Lost"))
    except KeyboardInterrupt:
        interrupted = True
    assert interrupted and storage.in_transaction  # what the interrupt left: the state says open
    svc.create(Entity("lead", lastname="Kept"))
    assert not storage.in_transaction
    assert _lastnames(svc) == ["Before", "Kept"]
    svc.update(Entity("lead", svc.create(Entity("lead", lastname="Later")), lastname="Later2"))
    assert _lastnames(svc) == ["Before", "Kept", "Later2"]
