"""The public surface, pinned: what each public module exports (as httpx's tests/test_exported_members.py).

Adding a public name is a decision: add it here too. Removing or renaming one breaks users."""

from __future__ import annotations

import enum
import importlib
import inspect

import attrs
import pytest

import leadsdk
from leadsdk import messages
from leadsdk.messages import OrganizationRequest, OrganizationResponse

PINNED: dict[str, list[str]] = {
    "leadsdk": [
        "AliasedValue", "ColumnSet", "Entity", "EntityCollection", "EntityReference", "ErrorCodes", "Money",
        "OptionSetValue", "OrganizationService", "OrganizationServiceFault", "Relationship",
    ],
    "leadsdk.query": [
        "AGGREGATE_FUNCTIONS", "AggregateColumn", "ColumnSet", "ConditionExpression", "ConditionOperator",
        "DATE_GROUPINGS", "FETCHXML_JOIN_OPERATORS", "FETCHXML_OPERATORS", "FetchExpression", "FilterExpression",
        "JoinOperator", "LinkEntity", "LogicalOperator", "OrderExpression", "OrderType", "PagingInfo",
        "QueryByAttribute", "QueryExpression", "iter_link_entities", "parse_fetchxml", "to_fetchxml",
    ],
    "leadsdk.errors": [
        "ErrorCodes", "InvalidArgumentFault", "OrganizationServiceFault", "default_message", "error_name",
    ],
    "leadsdk.storage": ["PostgresStorage", "QueryContext", "QueryResult", "ReadScope", "SqliteStorage", "Storage"],
    "leadsdk.plugins": [
        "ENTRY_POINT_GROUP", "InvalidPluginExecutionException", "PluginExecutionContext", "PluginRegistry",
        "PluginStage", "PluginStep", "clear_entry_point_cache",
    ],
    "leadsdk.security": [
        "ACTIONS", "AccessRights", "PrincipalAccess", "PrivilegeDepth", "RolePrivilege", "SYSTEM_USER_ID",
        "SecurityEngine", "UserRights", "privilege_name", "privilege_table_name",
    ],
    "leadsdk.types": [
        "AliasedValue", "ColumnSet", "Entity", "EntityCollection", "EntityReference", "Money", "OptionSetValue",
        "Relationship", "to_uuid",
    ],
    "leadsdk.lifecycle": ["DEFAULT_MAPPINGS", "LEAD_TO_OPPORTUNITY_PROCESS_ID", "STAGES"],
    "leadsdk.jobs": ["cancel_job"],
}


@pytest.mark.parametrize("module", sorted(PINNED))
def test_exports_are_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(PINNED[module])
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


def test_messages_exports_requests_responses_and_their_values_only() -> None:
    exported = set(messages.__all__)
    for name in exported:
        value = getattr(messages, name)
        assert inspect.isclass(value), name
        assert (issubclass(value, (OrganizationRequest, OrganizationResponse)) or issubclass(value, enum.Enum)
                or attrs.has(value)), f"leadsdk.messages exports {name}, which is no request, response or value"
    # every request the library serves is exported with its response
    # (the Web API's change-set request is its own transport detail, not a Dataverse message)
    requests = {c for c in _subclasses(OrganizationRequest)
                if c.__module__.startswith("leadsdk.") and not c.__module__.startswith("leadsdk.webapi.")}
    for req in requests:
        assert req.__name__ in exported, req
        response = req.__name__.removesuffix("Request") + "Response"
        assert response in exported, response


def test_contract_imports() -> None:
    """The import lines of the public contract."""
    from leadsdk import (  # noqa: F401
        ColumnSet,
        Entity,
        EntityCollection,
        EntityReference,
        Money,
        OptionSetValue,
        OrganizationService,
        OrganizationServiceFault,
        Relationship,
    )
    from leadsdk.entities import Account, Annotation, Contact, Incident, Lead, Opportunity  # noqa: F401
    from leadsdk.errors import ErrorCodes  # noqa: F401
    from leadsdk.messages import QualifyLeadRequest, QualifyLeadResponse, SetStateRequest  # noqa: F401
    from leadsdk.query import (  # noqa: F401
        ConditionExpression,
        ConditionOperator,
        FetchExpression,
        FilterExpression,
        JoinOperator,
        LinkEntity,
        LogicalOperator,
        OrderExpression,
        OrderType,
        PagingInfo,
        QueryByAttribute,
        QueryExpression,
    )
    from leadsdk.storage import PostgresStorage, SqliteStorage  # noqa: F401

    assert leadsdk.OrganizationService is OrganizationService


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out.add(sub)
        out |= _subclasses(sub)
    return out
