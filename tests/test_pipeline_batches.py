"""ExecuteMultiple, ExecuteTransaction, CreateMultiple, UpdateMultiple, UpsertMultiple."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import Entity, EntityCollection, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import (
    CreateMultipleRequest,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    ExecuteMultipleRequest,
    ExecuteMultipleSettings,
    ExecuteTransactionRequest,
    RetrieveRequest,
    UpdateMultipleRequest,
    UpdateRequest,
    UpsertMultipleRequest,
)
from leadsdk.messages.batch import MAX_BATCH_SIZE
from leadsdk.plugins import InvalidPluginExecutionException, PluginStage
from leadsdk.query import QueryExpression
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.types import ColumnSet


def _leads(svc: OrganizationService) -> list[str]:
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    q.add_order("lastname")
    return [e.get("lastname") or "" for e in svc.retrieve_multiple(q).entities]


def _six(svc: OrganizationService) -> list[Any]:
    """Six requests; the 3rd and 5th (indexes 2 and 4) fail."""
    missing = EntityReference("lead", uuid.uuid4())
    return [
        CreateRequest(target=Entity("lead", lastname="r1")),
        CreateRequest(target=Entity("lead", lastname="r2")),
        DeleteRequest(target=missing),
        CreateRequest(target=Entity("lead", lastname="r4")),
        CreateRequest(target=Entity("lead", nosuchcolumn="x")),
        CreateRequest(target=Entity("lead", lastname="r6")),
    ]


@pytest.mark.parametrize(
    ("cont", "ret", "indexes", "faults", "created"),
    [
        (True, True, [0, 1, 2, 3, 4, 5], [2, 4], ["r1", "r2", "r4", "r6"]),
        (False, True, [0, 1, 2], [2], ["r1", "r2"]),
        (True, False, [2, 4], [2, 4], ["r1", "r2", "r4", "r6"]),
        (False, False, [2], [2], ["r1", "r2"]),
    ],
)
def test_execute_multiple_four_shapes(svc: OrganizationService, cont: bool, ret: bool, indexes: list[int],
                                      faults: list[int], created: list[str]) -> None:
    resp = svc.execute(ExecuteMultipleRequest(requests=_six(svc),
                                              settings=ExecuteMultipleSettings(continue_on_error=cont,
                                                                               return_responses=ret)))
    assert [i.request_index for i in resp.responses] == indexes
    assert [i.request_index for i in resp.responses if i.fault is not None] == faults
    assert resp.is_faulted
    for item in resp.responses:
        if item.fault is None:
            assert isinstance(item.response, CreateResponse) and isinstance(item.response.id, uuid.UUID)
        else:
            assert item.response is None
    codes = {i.request_index: i.fault.error_code for i in resp.responses if i.fault is not None}
    assert codes[2] == ErrorCodes.OBJECT_DOES_NOT_EXIST
    if 4 in codes:
        assert codes[4] == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE
    assert _leads(svc) == created


def test_execute_multiple_all_good_not_faulted(svc: OrganizationService) -> None:
    resp = svc.execute(ExecuteMultipleRequest(
        requests=[CreateRequest(target=Entity("lead", lastname=f"n{i}")) for i in range(5)],
        settings=ExecuteMultipleSettings(return_responses=True)))
    assert not resp.is_faulted and len(resp.responses) == 5
    lid = resp.responses[3].response.id
    got = svc.execute(RetrieveRequest(target=EntityReference("lead", lid), column_set=ColumnSet("lastname")))
    assert got.entity["lastname"] == "n3"


def test_execute_multiple_item_rolls_back_alone(svc: OrganizationService) -> None:
    def fail_second(ctx: Any) -> None:
        ctx.service.create(Entity("account", name=f"side effect of {ctx.input_parameters['Target']['lastname']}"))
        if ctx.input_parameters["Target"]["lastname"] == "b":
            raise InvalidPluginExecutionException("no b")

    svc.register_plugin("Create", "lead", PluginStage.POST_OPERATION, fail_second)
    resp = svc.execute(ExecuteMultipleRequest(
        requests=[CreateRequest(target=Entity("lead", lastname=n)) for n in "abc"],
        settings=ExecuteMultipleSettings(continue_on_error=True)))
    assert [(i.request_index, i.fault.message) for i in resp.responses if i.fault] == [(1, "no b")]
    assert _leads(svc) == ["a", "c"]
    names = sorted(e["name"] for e in svc.retrieve_multiple(QueryExpression("account", column_set=ColumnSet("name"))))
    assert names == ["side effect of a", "side effect of c"]


def test_batch_too_large_faults_before_anything_runs(svc: OrganizationService) -> None:
    reqs = [CreateRequest(target=Entity("lead", lastname="x")) for _ in range(MAX_BATCH_SIZE + 1)]
    for req in (ExecuteMultipleRequest(requests=reqs), ExecuteTransactionRequest(requests=reqs)):
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.execute(req)
        assert ei.value.error_details["MaxBatchSize"] == 1000
        assert ei.value.error_code == ErrorCodes.EXECUTE_MULTIPLE_BATCH_TOO_LARGE == -2147220715  # 0x80040315
        assert "batch size exceeds the maximum batch size allowed" in ei.value.message
    assert _leads(svc) == []
    ok = svc.execute(ExecuteMultipleRequest(requests=reqs[:MAX_BATCH_SIZE]))
    assert not ok.is_faulted and len(_leads(svc)) == 1000


def test_nested_batches_fault_before_anything_runs(svc: OrganizationService) -> None:
    inner = ExecuteMultipleRequest(requests=[CreateRequest(target=Entity("lead", lastname="inner"))])
    for outer in (ExecuteMultipleRequest, ExecuteTransactionRequest):
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.execute(outer(requests=[CreateRequest(target=Entity("lead", lastname="first")), inner]))
        assert ei.value.error_code == ErrorCodes.EXECUTE_MULTIPLE_NESTED
        assert ei.value.error_details["FaultedRequestIndex"] == 1
    with pytest.raises(OrganizationServiceFault):
        svc.execute(ExecuteMultipleRequest(requests=[CreateRequest(target=Entity("lead", lastname="a")), "nope"]))
    assert _leads(svc) == []


def test_execute_transaction_all_or_nothing(svc: OrganizationService) -> None:
    good = [CreateRequest(target=Entity("lead", lastname=n)) for n in ("t1", "t2")]
    resp = svc.execute(ExecuteTransactionRequest(requests=good, return_responses=True))
    assert [type(r).__name__ for r in resp.responses] == ["CreateResponse", "CreateResponse"]
    reqs = _six(svc)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(ExecuteTransactionRequest(requests=reqs))
    f = ei.value
    assert f.error_details["FaultedRequestIndex"] == 2
    assert f.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    assert f.inner_fault is not None and "2" in f.message
    assert _leads(svc) == ["t1", "t2"]
    quiet = svc.execute(ExecuteTransactionRequest(requests=[CreateRequest(target=Entity("lead", lastname="t3"))]))
    assert quiet.responses == []


def test_execute_transaction_items_see_earlier_items(svc: OrganizationService) -> None:
    lid = uuid.uuid4()
    svc.execute(ExecuteTransactionRequest(requests=[
        CreateRequest(target=Entity("lead", lid, {"lastname": "first"})),
        UpdateRequest(target=Entity("lead", lid, {"lastname": "second"})),
    ]))
    assert _leads(svc) == ["second"]


def _names(svc: OrganizationService, table: str) -> set[str]:
    col = "name" if table == "account" else "lastname"
    return {e[col] for e in svc.retrieve_multiple(QueryExpression(table, ColumnSet(col)))}


def test_service_transaction_commits_together(svc: OrganizationService) -> None:
    with svc.transaction() as tx:
        acc = tx.create(Entity("account", name="Fabrikam"))
        svc.create(Entity("contact", lastname="Ng", parentcustomerid=EntityReference("account", acc)))
        assert _names(svc, "contact") == {"Ng"}  # requests in the block see the block's earlier work
    assert _names(svc, "account") == {"Fabrikam"} and _names(svc, "contact") == {"Ng"}


def test_service_transaction_rolls_back_on_an_exception(svc: OrganizationService) -> None:
    with pytest.raises(RuntimeError), svc.transaction():
        svc.create(Entity("account", name="Gone"))
        raise RuntimeError("the caller changed its mind")
    assert _names(svc, "account") == set()
    with pytest.raises(OrganizationServiceFault), svc.transaction():
        svc.create(Entity("account", name="Also gone"))
        svc.create(Entity("lead", lastname="x" * 51))  # faults (too long) and leaves the block
    assert _names(svc, "account") == set() and _names(svc, "lead") == set()


def test_service_transaction_a_caught_fault_undoes_only_its_request(svc: OrganizationService) -> None:
    with svc.transaction():
        svc.create(Entity("account", name="Kept"))
        with pytest.raises(OrganizationServiceFault):
            svc.create(Entity("lead", lastname="x" * 51))
        svc.create(Entity("lead", lastname="Also kept"))
    assert _names(svc, "account") == {"Kept"} and _names(svc, "lead") == {"Also kept"}


def test_all_or_nothing_transaction_commits_together_and_a_write_free_fault_goes_on(svc: OrganizationService) -> None:
    with svc.transaction(all_or_nothing=True):
        svc.create(Entity("account", name="Kept"))
        with pytest.raises(OrganizationServiceFault):
            svc.create(Entity("lead", lastname="x" * 51))  # refused before it wrote anything
        svc.create(Entity("lead", lastname="Also kept"))
    assert _names(svc, "account") == {"Kept"} and _names(svc, "lead") == {"Also kept"}


def test_all_or_nothing_transaction_fails_whole_when_a_request_faults_after_writing(
        svc: OrganizationService) -> None:
    def refuse(ctx: Any) -> None:
        raise InvalidPluginExecutionException("no leads called Refused")

    svc.register_plugin("Create", "lead", PluginStage.POST_OPERATION, handler=refuse)
    with pytest.raises(OrganizationServiceFault) as info, svc.transaction(all_or_nothing=True):
        svc.create(Entity("account", name="Gone"))
        with pytest.raises(OrganizationServiceFault):
            svc.create(Entity("lead", lastname="Refused"))  # wrote its row, then the plugin refused
        svc.create(Entity("account", name="Also gone"))
    # caught and carried on: no savepoint to undo the lead alone, so the commit refuses, as in Dataverse
    assert info.value.error_code == ErrorCodes.TRANSACTION_NOT_STARTED
    assert _names(svc, "account") == set() and _names(svc, "lead") == set()
    # the default transaction undoes only the failed request
    with svc.transaction():
        svc.create(Entity("account", name="Kept"))
        with pytest.raises(OrganizationServiceFault):
            svc.create(Entity("lead", lastname="Refused"))
    assert _names(svc, "account") == {"Kept"} and _names(svc, "lead") == set()


def test_service_transaction_is_unseen_by_other_threads_until_commit(backend: str, tmp_path: Any) -> None:
    import threading

    from tests.conftest import make_storage

    # a file store on SQLite: each thread has its own connection, as on PostgreSQL
    first = OrganizationService(make_storage(backend, tmp_path))
    other = first.as_user(SYSTEM_USER_ID)
    seen: list[set[str]] = []
    with first.transaction():
        first.create(Entity("account", name="Pending"))
        t = threading.Thread(target=lambda: seen.append(_names(other, "account")))
        t.start()
        t.join(30)
    assert seen == [set()]
    assert _names(other, "account") == {"Pending"}
    first.close()


def test_create_multiple(svc: OrganizationService) -> None:
    given_id = uuid.uuid4()
    targets = [Entity("lead", attributes={"lastname": f"c{i}", "numberofemployees": i}) for i in range(5)]
    targets[2].id = given_id
    resp = svc.execute(CreateMultipleRequest(targets=EntityCollection(targets, "lead")))
    assert len(resp.ids) == 5 and resp.ids[2] == given_id
    got = svc.retrieve("lead", resp.ids[4],
                       ColumnSet("lastname", "numberofemployees", "statecode", "ownerid", "versionnumber"))
    assert got["lastname"] == "c4" and got["numberofemployees"] == 4
    assert got["statecode"].value == 0 and got["ownerid"].logical_name == "systemuser"
    assert got.row_version is not None
    resp2 = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="list form")]))
    assert len(resp2.ids) == 1
    # an empty Targets collection faults (issue 18), as Dataverse refuses it
    with pytest.raises(OrganizationServiceFault) as info:
        svc.execute(CreateMultipleRequest(targets=[]))
    assert info.value.error_code == ErrorCodes.INVALID_ARGUMENT


def test_create_multiple_is_all_or_nothing(svc: OrganizationService) -> None:
    targets = [Entity("lead", lastname=f"c{i}") for i in range(4)]
    targets.append(Entity("lead", lastname="x" * 1000))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=targets))
    assert ei.value.error_code == ErrorCodes.STRING_LENGTH_TOO_LONG
    assert ei.value.error_details["FaultedRequestIndex"] == 4 and "targets[4]" in ei.value.message
    existing = svc.create(Entity("lead", lastname="exists"))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="new"),
                                                   Entity("lead", existing, {"lastname": "dup"})]))
    assert ei.value.error_code == ErrorCodes.DUPLICATE_RECORD
    same = uuid.uuid4()
    with pytest.raises(OrganizationServiceFault):
        svc.execute(CreateMultipleRequest(targets=[Entity("lead", same, {"lastname": "a"}),
                                                   Entity("lead", same, {"lastname": "b"})]))
    assert _leads(svc) == ["exists"]


def test_create_multiple_needs_one_table(svc: OrganizationService) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="a"), Entity("account", name="b")]))
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT and "targets[1]" in ei.value.message
    with pytest.raises(OrganizationServiceFault):
        svc.execute(CreateMultipleRequest(targets=EntityCollection([Entity("lead", lastname="a")], "account")))
    with pytest.raises(OrganizationServiceFault):
        svc.execute(CreateMultipleRequest(targets="not a collection"))
    with pytest.raises(OrganizationServiceFault):
        svc.execute(CreateMultipleRequest())
    assert _leads(svc) == []


def test_create_multiple_fires_plugins_per_record(svc: OrganizationService) -> None:
    seen: list[str] = []
    svc.register_plugin("Create", "lead", PluginStage.PRE_OPERATION,
                        lambda c: seen.append(c.input_parameters["Target"]["lastname"]))
    multi: list[int] = []
    svc.register_plugin("CreateMultiple", "lead", PluginStage.POST_OPERATION,
                        lambda c: multi.append(len(c.output_parameters["Ids"])))
    svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=n) for n in ("p", "q", "r")]))
    assert seen == ["p", "q", "r"] and multi == [3]

    def refuse(ctx: Any) -> None:
        if ctx.input_parameters["Target"]["lastname"] == "bad":
            raise InvalidPluginExecutionException("bad lead")

    svc.register_plugin("Create", "lead", PluginStage.POST_OPERATION, refuse)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="ok"), Entity("lead", lastname="bad")]))
    assert "bad lead" in ei.value.message
    assert _leads(svc) == ["p", "q", "r"]


def test_update_multiple(svc: OrganizationService) -> None:
    ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=f"u{i}") for i in range(3)])).ids
    svc.execute(UpdateMultipleRequest(targets=[Entity("lead", i, {"subject": f"s{n}"}) for n, i in enumerate(ids)]))
    assert [svc.retrieve("lead", i, ColumnSet("subject"))["subject"] for i in ids] == ["s0", "s1", "s2"]
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateMultipleRequest(targets=[Entity("lead", ids[0], {"subject": "changed"}),
                                                   Entity("lead", uuid.uuid4(), {"subject": "ghost"})]))
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    assert svc.retrieve("lead", ids[0], ColumnSet("subject"))["subject"] == "s0"
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateMultipleRequest(targets=[Entity("lead", attributes={"subject": "no id"})]))
    assert ei.value.error_code == ErrorCodes.REQUIRED_FIELD_MISSING
    hits: list[uuid.UUID] = []
    svc.register_plugin("Update", "lead", PluginStage.POST_OPERATION, lambda c: hits.append(c.primary_entity_id))
    svc.execute(UpdateMultipleRequest(targets=[Entity("lead", i, {"subject": "p"}) for i in ids]))
    assert hits == ids


def test_upsert_multiple(svc: OrganizationService) -> None:
    existing = svc.create(Entity("lead", lastname="old"))
    new_id = uuid.uuid4()
    resp = svc.execute(UpsertMultipleRequest(targets=[
        Entity("lead", existing, {"lastname": "updated"}),
        Entity("lead", new_id, {"lastname": "created with id"}),
        Entity("lead", attributes={"lastname": "created"}),
        Entity("lead", new_id, {"subject": "then updated"}),
    ]))
    assert [r.record_created for r in resp.responses] == [False, True, True, False]
    assert resp.responses[1].target == EntityReference("lead", new_id)
    assert _leads(svc) == ["created", "created with id", "updated"]
    assert svc.retrieve("lead", new_id, ColumnSet("subject"))["subject"] == "then updated"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=60), st.integers(), st.none(), st.floats(allow_nan=True)),
                min_size=1, max_size=6))
def test_create_multiple_with_user_garbage_is_atomic(svc: OrganizationService, values: list[Any]) -> None:
    before = len(_leads(svc))
    targets = [Entity("lead", attributes={"lastname": v}) for v in values]
    try:
        ids = svc.execute(CreateMultipleRequest(targets=targets)).ids
    except OrganizationServiceFault as f:
        assert f.error_code in (ErrorCodes.INVALID_ARGUMENT, ErrorCodes.STRING_LENGTH_TOO_LONG)
        assert len(_leads(svc)) == before
    else:
        assert len(ids) == len(values)
        assert len(_leads(svc)) == before + len(values)
