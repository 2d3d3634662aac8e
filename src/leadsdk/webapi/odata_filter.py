"""`$filter` to leadsdk's query model: a tokenizer and a recursive-descent parser.

Supports comparisons (eq ne gt ge lt le), `and`/`or`/`not`, parentheses, `null`, the string functions
contains/startswith/endswith, lookups as `_x_value`, the `Microsoft.Dynamics.CRM.*` query functions
(`In`, `Between`, `LastXDays`, `EqualUserId`, ...: every ConditionOperator by its Dataverse name), and the
lambda operators `nav/any(x:...)` / `nav/all(x:...)` over collection-valued navigation properties, which
become FetchXML's link-type any / all (a LinkEntity in `FilterExpression.any_all_filter_link_entity`).
`not` is pushed down to the conditions (De Morgan), so the result is an ordinary FilterExpression.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.query import (
    ConditionExpression,
    ConditionOperator,
    FilterExpression,
    JoinOperator,
    LinkEntity,
    LogicalOperator,
)
from leadsdk.webapi.errors import ApiError

__all__ = ["Lambda", "parse_filter"]

Op = ConditionOperator
Resolver = Callable[[str], "tuple[str, EntityMetadata] | None"]
LinkMaker = Callable[[JoinOperator, FilterExpression], LinkEntity]
Lambda = Callable[[str], "tuple[EntityMetadata, LinkMaker, str | None] | None"]
"""Resolves a collection-valued navigation property: (its table, a maker of the filtering link given the
join operator and the criteria, and the alias the criteria's conditions name, or None for the link's table)."""
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})|(?P<dt>\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)|"
    r"(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<punct>[(),\[\]=:]))"
)
_CMP = {"eq": Op.EQUAL, "ne": Op.NOT_EQUAL, "gt": Op.GREATER_THAN, "ge": Op.GREATER_EQUAL,
        "lt": Op.LESS_THAN, "le": Op.LESS_EQUAL}
_NEGATE = {
    Op.EQUAL: Op.NOT_EQUAL, Op.NOT_EQUAL: Op.EQUAL, Op.GREATER_THAN: Op.LESS_EQUAL, Op.LESS_EQUAL: Op.GREATER_THAN,
    Op.LESS_THAN: Op.GREATER_EQUAL, Op.GREATER_EQUAL: Op.LESS_THAN, Op.NULL: Op.NOT_NULL, Op.NOT_NULL: Op.NULL,
    Op.LIKE: Op.NOT_LIKE, Op.NOT_LIKE: Op.LIKE, Op.IN: Op.NOT_IN, Op.NOT_IN: Op.IN, Op.BETWEEN: Op.NOT_BETWEEN,
    Op.NOT_BETWEEN: Op.BETWEEN, Op.BEGINS_WITH: Op.DOES_NOT_BEGIN_WITH, Op.DOES_NOT_BEGIN_WITH: Op.BEGINS_WITH,
    Op.ENDS_WITH: Op.DOES_NOT_END_WITH, Op.DOES_NOT_END_WITH: Op.ENDS_WITH, Op.CONTAINS: Op.DOES_NOT_CONTAIN,
    Op.DOES_NOT_CONTAIN: Op.CONTAINS, Op.UNDER: Op.NOT_UNDER, Op.NOT_UNDER: Op.UNDER,
    Op.EQUAL_USER_ID: Op.NOT_EQUAL_USER_ID, Op.NOT_EQUAL_USER_ID: Op.EQUAL_USER_ID,
    Op.EQUAL_BUSINESS_ID: Op.NOT_EQUAL_BUSINESS_ID, Op.NOT_EQUAL_BUSINESS_ID: Op.EQUAL_BUSINESS_ID,
    Op.ON: Op.NOT_ON, Op.NOT_ON: Op.ON,
}
_CRM_OPS: dict[str, Op] = {m.name.replace("_", "").lower(): m for m in Op}
_STRING_FUNCS = {"contains": Op.CONTAINS, "startswith": Op.BEGINS_WITH, "endswith": Op.ENDS_WITH}


class _Tok:
    __slots__ = ("kind", "pos", "text")

    def __init__(self, kind: str, text: str, pos: int) -> None:
        self.kind, self.text, self.pos = kind, text, pos


def tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _syntax(text, pos)
        kind = m.lastgroup or "punct"
        out.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def _syntax(text: str, pos: int, what: str = "") -> ApiError:
    return ApiError.bad_request(f"Syntax error at position {pos} in '{text}'{': ' + what if what else ''}.")


class _Node:
    """A parsed boolean expression: a condition, or and/or of children; `negate` pushes `not` down."""

    def __init__(self, cond: ConditionExpression | None = None, op: LogicalOperator | None = None,
                 children: list[_Node] | None = None, link: tuple[JoinOperator, LinkMaker, _Node | None] | None = None
                 ) -> None:
        self.cond, self.op, self.children, self.link = cond, op, children or [], link

    def negate(self, text: str, pos: int) -> _Node:
        if self.link is not None:
            join, make, crit = self.link
            if join == JoinOperator.ANY:
                return _Node(link=(JoinOperator.NOT_ANY, make, crit))
            if join == JoinOperator.NOT_ANY:
                return _Node(link=(JoinOperator.ANY, make, crit))
            # not all(P): no related rows, or one matching (not P), which the ALL link already holds
            return _Node(op=LogicalOperator.OR, children=[_Node(link=(JoinOperator.NOT_ANY, make, None)),
                                                          _Node(link=(JoinOperator.ANY, make, crit))])
        if self.cond is not None:
            c = self.cond
            neg = _NEGATE.get(c.operator)
            if neg is None:
                raise _syntax(text, pos, f"'not' cannot be applied to {c.operator.name}")
            return _Node(ConditionExpression(c.attribute_name, neg, *c.values, entity_name=c.entity_name))
        flip = LogicalOperator.OR if self.op == LogicalOperator.AND else LogicalOperator.AND
        return _Node(op=flip, children=[ch.negate(text, pos) for ch in self.children])

    def to_filter(self) -> FilterExpression:
        f = FilterExpression(self.op if self.op is not None else LogicalOperator.AND)
        if self.link is not None:
            join, make, crit = self.link
            f.any_all_filter_link_entity = make(join, crit.to_filter() if crit is not None else FilterExpression())
            return f
        if self.cond is not None:
            f.add_condition(self.cond)
            return f
        for ch in self.children:
            if ch.cond is not None:
                f.add_condition(ch.cond)
            elif ch.op == self.op and ch.link is None:
                sub = ch.to_filter()
                for c in sub.conditions:
                    f.add_condition(c)
                for s in sub.filters:
                    f.add_filter(s)
            else:
                f.add_filter(ch.to_filter())
        return f


class _Parser:
    def __init__(self, text: str, table: EntityMetadata, related: Resolver | None,
                 collections: Lambda | None = None) -> None:
        self.text = text
        self.table = table
        self.related = related
        self.collections = collections
        self.var: str | None = None
        """Inside a lambda: its variable; columns are `var/column` of the related table."""
        self.var_alias: str | None = None
        self.toks = tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise _syntax(self.text, len(self.text), "the expression ends too early")
        self.i += 1
        return t

    def expect(self, text: str) -> None:
        t = self.take()
        if t.text != text:
            raise _syntax(self.text, t.pos, f"expected '{text}'")

    def word(self, w: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "name" and t.text.lower() == w

    def parse(self) -> FilterExpression:
        node = self.or_()
        if self.peek() is not None:
            raise _syntax(self.text, self.take().pos, "unexpected text")
        return node.to_filter()

    def or_(self) -> _Node:
        parts = [self.and_()]
        while self.word("or"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else _Node(op=LogicalOperator.OR, children=parts)

    def and_(self) -> _Node:
        parts = [self.unary()]
        while self.word("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else _Node(op=LogicalOperator.AND, children=parts)

    def unary(self) -> _Node:
        if self.word("not"):
            t = self.take()
            return self.unary().negate(self.text, t.pos)
        return self.primary()

    def primary(self) -> _Node:
        t = self.take()
        if t.text == "(":
            node = self.or_()
            self.expect(")")
            return node
        if t.kind != "name":
            raise _syntax(self.text, t.pos, "expected a column, a function or '('")
        nxt = self.peek()
        low = t.text.lower()
        if nxt is not None and nxt.text == "(":
            if low.endswith(("/any", "/all")):
                return self.lambda_(t)
            if low in _STRING_FUNCS:
                return self.string_func(t)
            if low.startswith("microsoft.dynamics.crm."):
                return self.crm_func(t)
            raise _syntax(self.text, t.pos, f"unknown function '{t.text}'")
        column, alias = self.column(t)
        op_tok = self.take()
        op = _CMP.get(op_tok.text.lower()) if op_tok.kind == "name" else None
        if op is None:
            raise _syntax(self.text, op_tok.pos, "expected eq, ne, gt, ge, lt or le")
        value = self.literal(self.take())
        if value is None:
            if op not in (Op.EQUAL, Op.NOT_EQUAL):
                raise _syntax(self.text, op_tok.pos, "null compares only with eq or ne")
            return _Node(ConditionExpression(column, Op.NULL if op is Op.EQUAL else Op.NOT_NULL, entity_name=alias))
        return _Node(ConditionExpression(column, op, value, entity_name=alias))

    def column(self, t: _Tok) -> tuple[str, str | None]:
        """A column of the table, or `nav/column` of the record a lookup points at: (column, link alias)."""
        name = t.text
        table, alias = self.table, None
        if self.var is not None:
            head, slash, rest = name.partition("/")
            if not slash or head != self.var or "/" in rest:
                raise _syntax(self.text, t.pos, f"inside the lambda, name columns as '{self.var}/column'")
            name, alias = rest, self.var_alias
        elif "/" in name:
            nav, _, name = name.partition("/")
            found = self.related(nav) if self.related is not None else None
            if found is None or "/" in name:
                raise _syntax(self.text, t.pos, f"'{nav}' is not a single-valued navigation property")
            alias, table = found
        col = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
        if col not in table.attributes:
            raise ApiError.bad_request(
                f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{table.logical_name}'."
            )
        return col, alias

    def lambda_(self, t: _Tok) -> _Node:
        """`nav/any(x: expr)`, `nav/any()`, `nav/all(x: expr)`: a filtering link on the related table."""
        nav, _, kind = t.text.rpartition("/")
        found = self.collections(nav) if self.collections is not None and self.var is None else None
        if found is None:
            raise _syntax(self.text, t.pos, f"'{nav}' is not a collection-valued navigation property of "
                                            f"'{self.table.logical_name}'")
        target, make, alias = found
        self.expect("(")
        if self.peek() is not None and self.peek().text == ")":  # type: ignore[union-attr]
            self.take()
            if kind.lower() == "all":
                raise _syntax(self.text, t.pos, "all() needs a lambda expression")
            return _Node(link=(JoinOperator.ANY, make, None))
        var = self.take()
        if var.kind != "name" or "/" in var.text:
            raise _syntax(self.text, var.pos, "expected the lambda variable")
        self.expect(":")
        saved = (self.table, self.var, self.var_alias)
        self.table, self.var, self.var_alias = target, var.text, alias
        try:
            body = self.or_()
        finally:
            self.table, self.var, self.var_alias = saved
        self.expect(")")
        if kind.lower() == "any":
            return _Node(link=(JoinOperator.ANY, make, body))
        # FetchXML's 'all': related rows exist and none matches the link's filter, so the filter is not P
        return _Node(link=(JoinOperator.ALL, make, body.negate(self.text, t.pos)))

    def literal(self, t: _Tok) -> Any:
        if t.kind == "str":
            return t.text[1:-1].replace("''", "'")
        if t.kind == "guid":
            return uuid.UUID(t.text)
        if t.kind == "dt":
            if "T" in t.text:
                return dt.datetime.fromisoformat(t.text.replace("Z", "+00:00"))
            return dt.date.fromisoformat(t.text)
        if t.kind == "num":
            s = t.text.rstrip("mMdDfFlL")
            return int(s) if re.fullmatch(r"-?\d+", s) else Decimal(s)
        if t.kind == "name" and t.text in ("true", "false"):
            return t.text == "true"
        if t.kind == "name" and t.text == "null":
            return None
        raise _syntax(self.text, t.pos, "expected a value")

    def string_func(self, t: _Tok) -> _Node:
        op = _STRING_FUNCS[t.text.lower()]
        self.expect("(")
        column, alias = self.column(self.take())
        self.expect(",")
        v = self.take()
        if v.kind != "str":
            raise _syntax(self.text, v.pos, f"{t.text} takes a text value")
        self.expect(")")
        return _Node(ConditionExpression(column, op, self.literal(v), entity_name=alias))

    def crm_func(self, t: _Tok) -> _Node:
        fname = t.text.split(".")[-1]
        op = _CRM_OPS.get(fname.lower())
        if op is None:
            raise _syntax(self.text, t.pos, f"unknown query function '{fname}'")
        self.expect("(")
        args: dict[str, Any] = {}
        while self.peek() is not None and self.peek().text != ")":  # type: ignore[union-attr]
            name = self.take()
            self.expect("=")
            if self.peek() is not None and self.peek().text == "[":  # type: ignore[union-attr]
                self.take()
                values: list[Any] = []
                while self.peek() is not None and self.peek().text != "]":  # type: ignore[union-attr]
                    values.append(self.literal(self.take()))
                    if self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                        self.take()
                self.expect("]")
                args[name.text.lower()] = values
            else:
                args[name.text.lower()] = self.literal(self.take())
            if self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take()
        self.expect(")")
        prop = args.get("propertyname")
        if not isinstance(prop, str):
            raise _syntax(self.text, t.pos, f"{fname} needs PropertyName='column'")
        column, alias = self.column(_Tok("name", prop, t.pos))
        values = args.get("propertyvalues", [])
        if "propertyvalue" in args:
            values = [args["propertyvalue"]]
        return _Node(ConditionExpression(column, op, *[self.coerce(op, v) for v in values], entity_name=alias))

    def coerce(self, op: Op, value: Any) -> Any:
        """Query functions take their values as text; X-count operators want whole numbers."""
        if isinstance(value, str) and "_X_" in f"_{op.name}_" and re.fullmatch(r"-?\d+", value):
            return int(value)
        return value


def parse_filter(text: str, table: EntityMetadata, related: Resolver | None = None,
                 collections: Lambda | None = None) -> FilterExpression:
    """`$filter` text of a query on `table` as a FilterExpression; a clean 400 when it does not parse.

    `related(nav)` resolves `nav/column` paths: it joins the lookup's table and returns (alias, table).
    `collections(nav)` resolves the collection-valued navigation properties of `any`/`all`.
    """
    return _Parser(text, table, related, collections).parse()
