"""Building a query from the command line's `--where`, `--columns`, `--order` and `--top`, or FetchXML."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from leadsdk.query import ConditionOperator, FetchExpression, QueryExpression
from leadsdk.types import ColumnSet

__all__ = ["query_from_options", "split_columns"]

_OPS = [(">=", ConditionOperator.GREATER_EQUAL), ("<=", ConditionOperator.LESS_EQUAL),
        ("!=", ConditionOperator.NOT_EQUAL), ("=", ConditionOperator.EQUAL), (">", ConditionOperator.GREATER_THAN),
        ("<", ConditionOperator.LESS_THAN), ("~", ConditionOperator.CONTAINS)]


def split_columns(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def query_from_options(fetchxml: str | None, table: str, where: Sequence[str], columns: str | None,
                       order: str | None, top: int | None) -> QueryExpression | FetchExpression:
    """FetchXML (text, a file holding it, or - for standard input), else a QueryExpression."""
    if fetchxml:
        text = fetchxml
        if text == "-":
            text = sys.stdin.read()
        elif os.path.exists(text):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        return FetchExpression(text)
    cols = split_columns(columns)
    q = QueryExpression(table, ColumnSet(*cols) if cols else ColumnSet(all_columns=True))
    for cond in where:
        for sym, op in _OPS:
            if sym in cond:
                col, _, value = cond.partition(sym)
                q.criteria.add_condition(col.strip(), op, value.strip())
                break
        else:
            raise click.BadParameter(f"{cond!r}: write column=value (or !=, >, >=, <, <=, ~ for contains)",
                                     param_hint="--where")
    for o in split_columns(order):
        q.add_order(o.lstrip("-"), 1 if o.startswith("-") else 0)
    if top:
        q.top_count = top
    return q
