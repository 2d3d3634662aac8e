"""Issue 21: hostile inputs get their specific Dataverse fault (never "Unexpected", never a database
error) and write nothing. Fuzzed with hypothesis on both backends."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import (
    CreateMultipleRequest,
    RetrieveRequest,
    UpsertMultipleRequest,
    UpsertRequest,
)
from leadsdk.query import (
    ConditionOperator,
    FetchExpression,
    LogicalOperator,
    QueryByAttribute,
    QueryExpression,
)
from leadsdk.query.limits import MAX_FILTER_DEPTH, MAX_QUERY_PARAMETERS
from leadsdk.types import EntityReference

FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NEVER = {ErrorCodes.UNEXPECTED, ErrorCodes.SQL_ERROR}


def fault(fn: Any, *args: Any) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as ei:
        fn(*args)
    assert ei.value.error_code not in NEVER, ei.value.message
    return ei.value


def lead_count(svc: OrganizationService) -> int:
    return len(svc.retrieve_multiple(QueryExpression("lead")))


surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
plain = st.text(st.characters(exclude_characters="\x00"), max_size=10)
with_surrogate = st.tuples(plain, surrogates, plain).map("".join)


@FUZZ
@given(text=with_surrogate, column=st.sampled_from(["lastname", "companyname", "description", "subject"]))
def test_lone_surrogates_in_text(svc: OrganizationService, text: str, column: str) -> None:
    f = fault(svc.create, Entity("lead", attributes={"lastname": "x", column: text}))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT and "surrogate" in f.message
    f = fault(svc.execute, CreateMultipleRequest(targets=[Entity("lead", lastname="ok"),
                                                         Entity("lead", attributes={"lastname": "x", column: text})]))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT
    assert lead_count(svc) == 0


containers = st.one_of(st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2),
                       st.sets(st.integers(), max_size=2), st.tuples(st.text(max_size=3)))


@FUZZ
@given(value=containers, column=st.sampled_from(["lastname", "numberofemployees", "revenue", "donotemail",
                                                 "leadsourcecode", "parentaccountid", "estimatedclosedate"]))
def test_a_container_as_a_value(svc: OrganizationService, value: Any, column: str) -> None:
    f = fault(svc.create, Entity("lead", attributes={"lastname": "x", column: value}))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT
    assert lead_count(svc) == 0


def _not_uuid(s: Any) -> bool:
    try:
        uuid.UUID(str(s))
    except ValueError:
        return True
    return False


bad_ids = st.one_of(st.text(max_size=40).filter(_not_uuid), st.integers(), st.lists(st.integers(), max_size=2))


@FUZZ
@given(bad=bad_ids)
def test_malformed_ids_in_upsert_and_bulk(svc: OrganizationService, bad: Any) -> None:
    def target() -> Entity:
        return Entity("lead", attributes={"leadid": bad, "lastname": "x"})

    for req in (UpsertRequest(target=target()), CreateMultipleRequest(targets=[target()]),
                UpsertMultipleRequest(targets=[target()])):
        assert fault(svc.execute, req).error_code == ErrorCodes.INVALID_ARGUMENT
    assert lead_count(svc) == 0


@FUZZ
@given(value=st.integers(min_value=-(2**31), max_value=2**31 - 1).filter(lambda v: not 1 <= v <= 10))
def test_out_of_range_choice(svc: OrganizationService, value: int) -> None:
    f = fault(svc.create, Entity("lead", lastname="x", leadsourcecode=value))
    assert f.error_code == ErrorCodes.INVALID_OPTION_SET_VALUE
    assert lead_count(svc) == 0


not_column_sets = st.one_of(st.lists(st.sampled_from(["lastname", "subject"]), max_size=2), st.text(max_size=8),
                            st.integers(), st.dictionaries(st.text(max_size=3), st.booleans(), max_size=2))


@FUZZ
@given(cols=not_column_sets)
def test_a_column_set_that_is_not_a_column_set(svc: OrganizationService, cols: Any) -> None:
    lid = svc.create(Entity("lead", lastname="x"))
    q = QueryExpression("lead")
    try:
        q.column_set = cols  # the query model turns column names into a ColumnSet, or faults
    except OrganizationServiceFault as f:
        assert f.error_code == ErrorCodes.INVALID_ARGUMENT
    else:
        assert isinstance(q.column_set, ColumnSet)
        try:
            svc.retrieve_multiple(q)
        except OrganizationServiceFault as f:
            assert f.error_code != ErrorCodes.UNEXPECTED
    try:
        req = RetrieveRequest(target=EntityReference("lead", lid), column_set=cols)
    except OrganizationServiceFault as f:
        assert f.error_code == ErrorCodes.INVALID_ARGUMENT and "ColumnSet" in f.message
    else:
        try:
            svc.execute(req)
        except OrganizationServiceFault as f:
            assert f.error_code != ErrorCodes.UNEXPECTED
    svc.delete("lead", lid)


@FUZZ
@given(n_attrs=st.integers(0, 4), n_values=st.integers(0, 4))
def test_query_by_attribute_with_unequal_lists(svc: OrganizationService, n_attrs: int, n_values: int) -> None:
    if n_attrs == n_values:
        return
    q = QueryByAttribute("lead", attributes=["lastname", "firstname", "subject", "companyname"][:n_attrs],
                         values=["a", "b", "c", "d"][:n_values])
    assert fault(svc.retrieve_multiple, q).error_code == ErrorCodes.INVALID_ARGUMENT


@FUZZ
@given(value=st.sampled_from(["sNaN", "NaN", "-sNaN", "Infinity", "-Infinity"]),
       column=st.sampled_from(["revenue", "estimatedamount", "budgetamount"]))
def test_special_decimals(svc: OrganizationService, value: str, column: str) -> None:
    f = fault(svc.create, Entity("lead", attributes={"lastname": "x", column: Decimal(value)}))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT
    assert lead_count(svc) == 0


def test_aggregate_fetch_without_attributes(svc: OrganizationService) -> None:
    for xml in ("<fetch aggregate='true'><entity name='lead'/></fetch>",
                "<fetch aggregate='true'><entity name='lead'><filter><condition attribute='lastname' "
                "operator='eq' value='x'/></filter></entity></fetch>"):
        f = fault(svc.retrieve_multiple, FetchExpression(xml))
        assert f.error_code == ErrorCodes.QUERY_BUILDER_DESERIALIZE_INVALID_AGGREGATE


@FUZZ
@given(value=st.one_of(st.uuids(), st.text(max_size=5).filter(
    lambda s: s.strip().lower() not in ("0", "1", "true", "false"))))
def test_a_uuid_or_text_compared_with_a_boolean(svc: OrganizationService, value: Any) -> None:
    """Anything but 0, 1, true or false (any case, surrounding white space ignored, as FetchXML values and
    .NET's Boolean.Parse allow) faults."""
    q = QueryExpression("lead")
    q.criteria.add_condition("donotemail", ConditionOperator.EQUAL, value)
    assert fault(svc.retrieve_multiple, q).error_code == ErrorCodes.QUERY_BUILDER_BAD_CONDITION


@pytest.mark.parametrize("value", ["0\r", " 1 ", "TRUE\n", "\tfalse"])
def test_a_boolean_written_with_surrounding_white_space_is_that_boolean(svc: OrganizationService,
                                                                        value: str) -> None:
    svc.create(Entity("lead", lastname="yes", donotemail=True))
    svc.create(Entity("lead", lastname="no", donotemail=False))
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    q.criteria.add_condition("donotemail", ConditionOperator.EQUAL, value)
    want = "yes" if value.strip().lower() in ("1", "true") else "no"
    assert [e["lastname"] for e in svc.retrieve_multiple(q).entities] == [want]


@FUZZ
@given(depth=st.integers(MAX_FILTER_DEPTH + 1, 3000))
def test_filters_nested_too_deep(svc: OrganizationService, depth: int) -> None:
    q = QueryExpression("lead")
    f = q.criteria
    for _ in range(depth - 1):
        f = f.add_filter(LogicalOperator.AND if len(q.criteria.filters) % 2 else LogicalOperator.OR)
    f.add_condition("lastname", ConditionOperator.EQUAL, "x")
    assert fault(svc.retrieve_multiple, q).error_code == ErrorCodes.TOO_MANY_CONDITIONS_IN_QUERY


def test_nested_filters_within_the_limit_run(svc: OrganizationService) -> None:
    svc.create(Entity("lead", lastname="x"))
    q = QueryExpression("lead")
    f = q.criteria
    for _ in range(MAX_FILTER_DEPTH - 1):
        f = f.add_filter(LogicalOperator.AND)
    f.add_condition("lastname", ConditionOperator.EQUAL, "x")
    assert len(svc.retrieve_multiple(q)) == 1


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(MAX_QUERY_PARAMETERS + 1, 300_000))
def test_in_with_too_many_values(svc: OrganizationService, n: int) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    q.criteria.add_condition("lastname", ConditionOperator.IN, *[f"v{i}" for i in range(n)])
    assert fault(svc.retrieve_multiple, q).error_code == ErrorCodes.TOO_MANY_CONDITION_PARAMETERS_IN_QUERY
