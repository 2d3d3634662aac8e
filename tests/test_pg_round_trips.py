"""PostgreSQL's queued statements (issue 22): a transaction's BEGIN, row locks, INSERTs and UPDATEs of rows
it read go to the server with its next round trip. Upper bounds on the round trips per message (counted by
`PostgresStorage._round_trips`; no timings), and the faults of queued statements: still the failing
request's, and a request whose queued statement failed writes nothing, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import (
    CreateMultipleRequest,
    CreateRequest,
    ExecuteMultipleRequest,
    ExecuteMultipleSettings,
    QualifyLeadRequest,
    SetStateRequest,
)
from leadsdk.plugins import PluginExecutionContext, PluginStage
from leadsdk.query import QueryExpression

BOUNDS = {
    "Create": 2,
    "Update": 3,
    "Retrieve": 2,
    "QualifyLead": 8,
    "SetState": 5,
    "CreateMultiple (100)": 5,
    "CreateMultiple (1,000)": 5,
    "CreateMultiple (4,500)": 5,
}
"""Round trips per top-level message on PostgreSQL, the store-generation check included (QualifyLead was
20 before the statements were queued: 18 statements plus two pool checks)."""


def _lead(i: int) -> Entity:
    return Entity("lead", firstname=f"First{i}", lastname=f"Last{i}", companyname=f"Company {i}",
                  emailaddress1=f"user{i}@example.com", telephone1=f"555-{i:04d}", jobtitle="Buyer")


def _check(svc: OrganizationService, name: str, fn: Callable[[], object]) -> None:
    fn()  # warm the caches
    before = svc.storage._round_trips  # type: ignore[attr-defined]
    fn()
    n = svc.storage._round_trips - before  # type: ignore[attr-defined]
    assert n <= BOUNDS[name], f"{name} took {n} round trips (bound {BOUNDS[name]})"


def test_round_trips_per_message(pg: OrganizationService) -> None:
    made: list[uuid.UUID] = []
    _check(pg, "Create", lambda: made.append(pg.create(_lead(len(made)))))
    lid = made[-1]
    tick = iter(range(100))
    _check(pg, "Update", lambda: pg.update(Entity("lead", lid, jobtitle=f"T{next(tick)}")))
    _check(pg, "Retrieve", lambda: pg.retrieve("lead", lid, ColumnSet("fullname", "jobtitle")))
    assert pg.retrieve("lead", lid, ColumnSet("jobtitle"))["jobtitle"] == "T1"
    states = iter([(2, 6), (0, 1)])

    def set_state() -> None:
        s, st = next(states)
        pg.execute(SetStateRequest(entity_moniker=EntityReference("lead", lid), state=s, status=st))

    _check(pg, "SetState", set_state)
    batch = iter(range(2))
    _check(pg, "CreateMultiple (100)", lambda: pg.execute(CreateMultipleRequest(
        targets=[_lead(1000 * k + i) for k in [next(batch)] for i in range(100)])))
    big = iter(range(2))
    _check(pg, "CreateMultiple (1,000)", lambda: pg.execute(CreateMultipleRequest(
        targets=[_lead(10_000 + 1000 * k + i) for k in [next(big)] for i in range(1000)])))
    large = iter(range(2))  # three chunks: one COPY of leads, one of their audit rows (it took 11 round trips)
    _check(pg, "CreateMultiple (4,500)", lambda: pg.execute(CreateMultipleRequest(
        targets=[_lead(100_000 + 10_000 * k + i) for k in [next(large)] for i in range(4500)])))
    leads = iter([pg.create(_lead(i)) for i in range(2)])
    created: list[list[EntityReference]] = []
    _check(pg, "QualifyLead", lambda: created.append(pg.execute(QualifyLeadRequest(
        lead_id=EntityReference("lead", next(leads)), create_account=True, create_contact=True,
        create_opportunity=True)).created_entities))
    account, contact, opportunity = created[-1]
    assert pg.retrieve("account", account.id, ColumnSet("primarycontactid"))["primarycontactid"].id == contact.id
    assert pg.retrieve("opportunity", opportunity.id, ColumnSet("customerid"))["customerid"].id == account.id


def test_versions_in_blocks_stay_increasing_and_unique(svc: OrganizationService) -> None:
    st = svc.storage
    got = [st.next_version(), *st.next_versions(7), *st.next_versions(250), st.next_version(),
           *st.next_versions(1), *st.next_versions(0), *st.next_versions(100)]
    st.reserve_versions(330)  # blocks taken ahead (a bulk create's): handed out in order, then new ones
    got += [st.next_version(), *st.next_versions(120), st.next_version(), *st.next_versions(300)]
    assert len(got) == 782
    assert got == sorted(set(got))
    ids = svc.execute(CreateMultipleRequest(targets=[_lead(i) for i in range(300)])).ids
    q = QueryExpression("lead", ColumnSet("versionnumber"))
    versions = [e["versionnumber"] for e in svc.retrieve_multiple(q).entities]
    assert len(ids) == 300 and len(set(versions)) == 300 and min(versions) > got[-1]


def _count(svc: OrganizationService, table: str) -> int:
    return len(svc.retrieve_multiple(QueryExpression(table)).entities)


def test_a_duplicate_id_faults_its_own_create(svc: OrganizationService) -> None:
    aid = svc.create(Entity("account", name="First"))
    with pytest.raises(OrganizationServiceFault) as e:
        svc.create(Entity("account", aid, {"name": "Second"}))
    assert e.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert svc.retrieve("account", aid, ColumnSet("name"))["name"] == "First"
    assert _count(svc, "account") == 1


def test_a_queued_insert_failing_under_a_catching_plugin_writes_nothing(svc: OrganizationService) -> None:
    """The nested create's INSERT fails (a duplicate id) and its plugin ignores the fault: the request
    still fails (TransactionNotStarted, as in Dataverse) and nothing of it is stored; the plugin saw the
    create's own fault (PostgreSQL sends the queued INSERT before the nested request returns to a plugin)."""
    taken = svc.create(Entity("contact", lastname="Taken"))
    seen: list[int] = []

    def make_contact(context: PluginExecutionContext) -> None:
        try:
            context.service.execute(CreateRequest(target=Entity("contact", taken, {"lastname": "Again"})))
        except OrganizationServiceFault as f:
            seen.append(f.error_code)

    svc.register_plugin("Create", "account", PluginStage.POST_OPERATION, handler=make_contact)
    with pytest.raises(OrganizationServiceFault) as e:
        svc.create(Entity("account", name="Aborted"))
    assert e.value.error_code == ErrorCodes.TRANSACTION_NOT_STARTED
    assert seen == [ErrorCodes.DUPLICATE_RECORD]
    assert _count(svc, "account") == 0
    assert [e["lastname"] for e in svc.retrieve_multiple(QueryExpression("contact", ColumnSet("lastname")))
            .entities] == ["Taken"]


def test_execute_multiple_faults_the_item_whose_insert_failed(svc: OrganizationService) -> None:
    taken = svc.create(Entity("account", name="Taken"))
    resp = svc.execute(ExecuteMultipleRequest(
        requests=[CreateRequest(target=Entity("account", name="good")),
                  CreateRequest(target=Entity("account", taken, {"name": "dup"})),
                  CreateRequest(target=Entity("account", name="also good"))],
        settings=ExecuteMultipleSettings(continue_on_error=True, return_responses=True)))
    assert [(r.request_index, r.fault.error_code if r.fault else None) for r in resp.responses] == [
        (0, None), (1, ErrorCodes.DUPLICATE_RECORD), (2, None)]
    names = sorted(e["name"] for e in svc.retrieve_multiple(QueryExpression("account", ColumnSet("name"))).entities)
    assert names == ["Taken", "also good", "good"]


def test_a_caller_transaction_sees_each_requests_fault_at_that_request(svc: OrganizationService) -> None:
    taken = svc.create(Entity("account", name="Taken"))
    with pytest.raises(OrganizationServiceFault) as e, svc.transaction(all_or_nothing=True):
        svc.create(Entity("account", name="first"))
        with pytest.raises(OrganizationServiceFault) as inner:
            svc.create(Entity("account", taken, {"name": "dup"}))  # faults here, not at the commit
        assert inner.value.error_code == ErrorCodes.DUPLICATE_RECORD
        raise inner.value
    assert e.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert _count(svc, "account") == 1


def test_a_large_copy_that_fails_faults_the_transaction_and_writes_nothing(svc: OrganizationService) -> None:
    """PostgreSQL sends a COPY of 500 rows or more from a thread; its failure is raised by the next use of
    the transaction (here the commit) and rolls everything back."""
    kept = svc.create(Entity("lead", lastname="Kept"))
    storage = svc.storage
    lead = storage.metadata.table("lead")  # type: ignore[attr-defined]
    ids = [uuid.uuid4() for _ in range(600)] + [kept]
    with pytest.raises(OrganizationServiceFault) as e, storage.transaction():
        storage.insert_columns(lead, {"leadid": ids, "lastname": [f"Copied {i}" for i in range(len(ids))]})
    assert e.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert _count(svc, "lead") == 1
    svc.create(Entity("lead", lastname="Next"))  # the store is usable again
    assert _count(svc, "lead") == 2
