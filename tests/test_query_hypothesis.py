"""Generated QueryExpressions over a small generated lead table, checked against a plain Python evaluation
of the same predicate (Dataverse semantics: nulls never match a comparison, text compares case-insensitively)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, Money, OptionSetValue, OrganizationService
from leadsdk.query import (
    ConditionExpression,
    ConditionOperator,
    FilterExpression,
    LogicalOperator,
    OrderType,
    QueryExpression,
)

C = ConditionOperator
WORDS = ["a", "ab", "Ab", "abc", "b", "B", "ba", "bab", "c"]
DATES = [dt.date(2024, 1, d) for d in (1, 2, 5, 9)]
AMOUNTS = [Decimal(x) for x in ("0", "1.5", "10", "99.99", "-3")]

# column -> (values a row may hold, operators that apply)
TEXT_OPS = [C.EQUAL, C.NOT_EQUAL, C.GREATER_THAN, C.LESS_EQUAL, C.IN, C.NOT_IN, C.LIKE, C.NOT_LIKE, C.BEGINS_WITH,
            C.DOES_NOT_BEGIN_WITH, C.ENDS_WITH, C.DOES_NOT_END_WITH, C.CONTAINS, C.DOES_NOT_CONTAIN, C.NULL,
            C.NOT_NULL, C.BETWEEN, C.NOT_BETWEEN]
NUM_OPS = [C.EQUAL, C.NOT_EQUAL, C.GREATER_THAN, C.GREATER_EQUAL, C.LESS_THAN, C.LESS_EQUAL, C.IN, C.NOT_IN,
           C.BETWEEN, C.NOT_BETWEEN, C.NULL, C.NOT_NULL]
COLUMNS: dict[str, tuple[list[Any], list[ConditionOperator]]] = {
    "companyname": (WORDS, TEXT_OPS),
    "numberofemployees": ([0, 1, 2, 5, 10], NUM_OPS),
    "estimatedamount": (AMOUNTS, NUM_OPS),
    "leadsourcecode": ([1, 2, 3], [C.EQUAL, C.NOT_EQUAL, C.IN, C.NOT_IN, C.NULL, C.NOT_NULL]),
    "decisionmaker": ([True, False], [C.EQUAL, C.NOT_EQUAL, C.NULL, C.NOT_NULL]),
    "estimatedclosedate": (DATES, [*NUM_OPS, C.ON, C.NOT_ON, C.ON_OR_BEFORE, C.ON_OR_AFTER]),
}

rows_strategy = st.lists(
    st.fixed_dictionaries({c: st.one_of(st.none(), st.sampled_from(vals)) for c, (vals, _) in COLUMNS.items()}),
    max_size=10,
)


@st.composite
def conditions(draw: st.DrawFn) -> ConditionExpression:
    column = draw(st.sampled_from(sorted(COLUMNS)))
    vals, ops = COLUMNS[column]
    op = draw(st.sampled_from(ops))
    if op in (C.NULL, C.NOT_NULL):
        values: list[Any] = []
    elif op in (C.IN, C.NOT_IN):
        values = draw(st.lists(st.sampled_from(vals), min_size=1, max_size=3))
    elif op in (C.BETWEEN, C.NOT_BETWEEN):
        values = [draw(st.sampled_from(vals)), draw(st.sampled_from(vals))]
    elif op in (C.LIKE, C.NOT_LIKE):
        parts = draw(st.lists(st.sampled_from(["a", "B", "%", "_", "b"]), min_size=1, max_size=4))
        values = ["".join(parts)]
    elif op in (C.BEGINS_WITH, C.DOES_NOT_BEGIN_WITH, C.ENDS_WITH, C.DOES_NOT_END_WITH, C.CONTAINS,
                C.DOES_NOT_CONTAIN):
        values = [draw(st.sampled_from(["a", "A", "b", "ab", "BA", "c"]))]
    else:
        values = [draw(st.sampled_from(vals))]
    return ConditionExpression(column, op, *values)


filters = st.recursive(
    st.builds(lambda c: FilterExpression(conditions=[c]), conditions()),
    lambda children: st.builds(
        lambda op, cs, fs: FilterExpression(op, conditions=cs, filters=fs),
        st.sampled_from([LogicalOperator.AND, LogicalOperator.OR]),
        st.lists(conditions(), max_size=3),
        st.lists(children, max_size=2),
    ),
    max_leaves=6,
)


# ---- the Python evaluator ---------------------------------------------------------------------------


def _key(v: Any) -> Any:
    return v.lower() if isinstance(v, str) else v


def _like(pattern: str, text: str) -> bool:
    rx = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(rx, text, re.IGNORECASE | re.DOTALL) is not None


def holds(c: ConditionExpression, row: dict[str, Any]) -> bool:
    v = row.get(c.attribute_name)
    op, vals = c.operator, c.values
    if op == C.NULL:
        return v is None
    if op == C.NOT_NULL:
        return v is not None
    if v is None:  # every other operator, negated ones included, never matches a null
        return False
    k = _key(v)
    ks = [_key(x) for x in vals]
    s = str(v).lower()
    arg = str(vals[0]).lower() if vals else ""
    result = {
        C.EQUAL: lambda: k == ks[0], C.NOT_EQUAL: lambda: k != ks[0],
        C.GREATER_THAN: lambda: k > ks[0], C.GREATER_EQUAL: lambda: k >= ks[0],
        C.LESS_THAN: lambda: k < ks[0], C.LESS_EQUAL: lambda: k <= ks[0],
        C.IN: lambda: k in ks, C.NOT_IN: lambda: k not in ks,
        C.BETWEEN: lambda: ks[0] <= k <= ks[1], C.NOT_BETWEEN: lambda: not ks[0] <= k <= ks[1],
        C.LIKE: lambda: _like(vals[0], v), C.NOT_LIKE: lambda: not _like(vals[0], v),
        C.BEGINS_WITH: lambda: s.startswith(arg), C.DOES_NOT_BEGIN_WITH: lambda: not s.startswith(arg),
        C.ENDS_WITH: lambda: s.endswith(arg), C.DOES_NOT_END_WITH: lambda: not s.endswith(arg),
        C.CONTAINS: lambda: arg in s, C.DOES_NOT_CONTAIN: lambda: arg not in s,
        C.ON: lambda: k == ks[0], C.NOT_ON: lambda: k != ks[0],
        C.ON_OR_BEFORE: lambda: k <= ks[0], C.ON_OR_AFTER: lambda: k >= ks[0],
    }[op]
    return bool(result())


def matches(f: FilterExpression, row: dict[str, Any]) -> bool:
    results = [holds(c, row) for c in f.conditions] + [matches(sub, row) for sub in f.filters if not _empty(sub)]
    if not results:
        return True
    return all(results) if f.filter_operator == LogicalOperator.AND else any(results)


def _empty(f: FilterExpression) -> bool:
    return not f.conditions and all(_empty(s) for s in f.filters)


def _sort_key(v: Any) -> tuple[int, Any]:
    return (0, 0) if v is None else (1, _key(v))


# ---- the property -----------------------------------------------------------------------------------

_batch = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, f=filters, order_col=st.sampled_from(sorted(COLUMNS)), desc=st.booleans())
def test_generated_queries_match_python(svc: OrganizationService, rows: list[dict[str, Any]],
                                       f: FilterExpression, order_col: str, desc: bool) -> None:
    prefix = f"h{next(_batch)}-"
    for i, r in enumerate(rows):
        e = Entity("lead", subject=f"{prefix}{i}", lastname="x")
        for col, v in r.items():  # None too: an unset column would take its default
            if v is None:
                pass
            elif col == "leadsourcecode":
                v = OptionSetValue(v)
            elif col == "estimatedamount":
                v = Money(v)
            e[col] = v
        svc.create(e)
    q = QueryExpression("lead", column_set=ColumnSet("subject", order_col))
    q.criteria.add_condition("subject", C.BEGINS_WITH, prefix)
    q.criteria.add_filter(f)
    q.add_order(order_col, OrderType.DESCENDING if desc else OrderType.ASCENDING)
    got = svc.retrieve_multiple(q).entities
    want = [i for i, r in enumerate(rows) if matches(f, r)]
    assert sorted(int(e["subject"].removeprefix(prefix)) for e in got) == want
    # the order: by the column (nulls first ascending, last descending), text without case
    got_keys = [_sort_key(rows[int(e["subject"].removeprefix(prefix))][order_col]) for e in got]
    assert got_keys == sorted(got_keys, reverse=desc)
