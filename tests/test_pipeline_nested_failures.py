"""Nested requests share their parent's transaction without a savepoint (issue 22): what a failure of one
does, as in Dataverse. A failure that had written nothing can be caught and the request goes on; a
failure after writes aborts the transaction even when a plugin catches it (the commit faults with
TransactionNotStarted and nothing is stored); ExecuteMultiple's items keep their own savepoints."""

from __future__ import annotations

import uuid

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import (
    CreateRequest,
    ExecuteMultipleRequest,
    ExecuteMultipleSettings,
    ExecuteTransactionRequest,
    RetrieveRequest,
    UpdateRequest,
)
from leadsdk.plugins import PluginExecutionContext, PluginStage
from leadsdk.query import ConditionOperator, QueryExpression


def _names(svc: OrganizationService, table: str, column: str) -> list[str]:
    q = QueryExpression(table, column_set=ColumnSet(column))
    return sorted(str(e.get(column)) for e in svc.retrieve_multiple(q).entities)


def test_a_caught_failure_that_wrote_nothing_lets_the_request_go_on(svc: OrganizationService) -> None:
    seen: list[int] = []

    def probe(context: PluginExecutionContext) -> None:
        try:
            context.service.execute(RetrieveRequest(target=EntityReference("lead", uuid.uuid4()),
                                                    column_set=ColumnSet("subject")))
        except OrganizationServiceFault as f:
            seen.append(f.error_code)

    svc.register_plugin("Create", "account", PluginStage.POST_OPERATION, handler=probe)
    aid = svc.create(Entity("account", name="Kept"))
    assert seen == [ErrorCodes.OBJECT_DOES_NOT_EXIST]
    assert svc.retrieve("account", aid, ColumnSet("name"))["name"] == "Kept"


def test_a_caught_failure_after_writes_aborts_the_whole_request(svc: OrganizationService) -> None:
    def fail_after_write(context: PluginExecutionContext) -> None:
        if context.depth > 1:
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "contact plugin says no")

    def make_contact(context: PluginExecutionContext) -> None:
        if context.input_parameters["Target"].get("name") != "Aborted":
            return
        try:  # the nested Create inserts its contact, then its post-operation plugin fails
            context.service.execute(CreateRequest(target=Entity("contact", lastname="Half made")))
        except OrganizationServiceFault:
            pass  # ignored: Dataverse aborts the transaction anyway

    svc.register_plugin("Create", "contact", PluginStage.POST_OPERATION, handler=fail_after_write)
    svc.register_plugin("Create", "account", PluginStage.POST_OPERATION, handler=make_contact)
    with pytest.raises(OrganizationServiceFault) as e:
        svc.create(Entity("account", name="Aborted"))
    assert e.value.error_code == ErrorCodes.TRANSACTION_NOT_STARTED
    assert "no active transaction" in e.value.message
    assert _names(svc, "account", "name") == []
    assert _names(svc, "contact", "lastname") == []
    svc.create(Entity("account", name="Next"))  # the store is usable again
    assert _names(svc, "account", "name") == ["Next"]


def test_an_uncaught_nested_failure_rolls_back_everything(svc: OrganizationService) -> None:
    def fail(context: PluginExecutionContext) -> None:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "no opportunities today")

    svc.register_plugin("Create", "opportunity", PluginStage.POST_OPERATION, handler=fail)
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(ExecuteTransactionRequest(requests=[
            CreateRequest(target=Entity("account", name="A")),
            CreateRequest(target=Entity("opportunity", name="O")),
        ]))
    assert e.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert _names(svc, "account", "name") == []
    assert _names(svc, "opportunity", "name") == []


def test_execute_multiple_items_keep_their_own_savepoints_inside_a_transaction(svc: OrganizationService) -> None:
    """ExecuteMultiple nested in an open transaction (a plugin's): a failed item is undone alone."""
    def fail(context: PluginExecutionContext) -> None:
        if context.input_parameters["Target"].get("name") == "bad":
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "bad account")

    svc.register_plugin("Create", "account", PluginStage.POST_OPERATION, handler=fail)
    lid = svc.create(Entity("lead", lastname="Batch"))
    results: list[bool] = []

    def batch(context: PluginExecutionContext) -> None:
        if context.depth > 1:
            return
        resp = context.service.execute(ExecuteMultipleRequest(
            requests=[CreateRequest(target=Entity("account", name=n)) for n in ("good", "bad", "also good")],
            settings=ExecuteMultipleSettings(continue_on_error=True, return_responses=True)))
        results.extend(r.fault is None for r in resp.responses)

    svc.register_plugin("Update", "lead", PluginStage.POST_OPERATION, handler=batch)
    svc.execute(UpdateRequest(target=Entity("lead", lid, subject="go")))
    assert results == [True, False, True]
    assert _names(svc, "account", "name") == ["also good", "good"]
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.criteria.add_condition("leadid", ConditionOperator.EQUAL, lid)
    assert svc.retrieve_multiple(q).entities[0]["subject"] == "go"
