"""Compile the query model into one parameterised SQL statement.

Table and column names come only from metadata (each is checked, then quoted); caller strings
only ever become parameters.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

import attrs

from leadsdk.entities.convert import ROW_VERSION_KEY
from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.like import has_character_class, like_regex
from leadsdk.query.limits import check_query
from leadsdk.query.model import (
    AggregateColumn,
    ConditionExpression,
    ConditionOperator,
    FilterExpression,
    JoinOperator,
    LinkEntity,
    LogicalOperator,
    OrderExpression,
    OrderType,
    QueryExpression,
)
from leadsdk.storage.base import QueryContext, ReadScope
from leadsdk.storage.dialect import Dialect
from leadsdk.storage.sqllinks import Source as _Source
from leadsdk.storage.sqllinks import first_row_on, is_filter_join, semi_join
from leadsdk.storage.sqlparts import check_top_count, choice_label_order, compare_columns, state_values_by_label
from leadsdk.types import EntityReference, Money, OptionSetValue

__all__ = ["CompiledQuery", "OutputColumn", "QueryCompiler", "coerce_value"]

A = AttributeType
C = ConditionOperator
UTC = dt.timezone.utc
MAX_PAGE_SIZE = 5000
TOTAL_COUNT_LIMIT = 5000


@attrs.define
class OutputColumn:
    """One selected value: its key in the result row and how to decode it."""

    key: str
    type: AttributeType | None  # None: aggregate/raw value
    table: str
    attribute: str
    raw: bool = False
    """True for counts, averages and date parts: returned as they are, not typed by the column."""


@attrs.define
class CompiledQuery:
    sql: str
    params: list[Any]
    outputs: list[OutputColumn]
    count_sql: str | None = None
    count_params: list[Any] = attrs.field(factory=list)
    page_size: int | None = None
    order_keys: list[tuple[str, str, bool, AttributeType]] = attrs.field(factory=list)
    """(output key, column, descending, type) of the ORDER BY, for building the paging cookie."""
    page_number: int = 1
    aggregate: bool = False


def _fault(code: int, message: str) -> OrganizationServiceFault:
    return OrganizationServiceFault(code, message)


def _parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        s = value.strip().replace("Z", "+00:00")
        d = dt.datetime.fromisoformat(s)
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    raise ValueError(value)


def coerce_value(attr: AttributeMetadata, value: Any) -> Any:
    """Turn a condition value (a Python value or FetchXML text) into the column's Python type."""
    t = attr.type
    if value is None:
        return None
    if isinstance(value, EntityReference):
        value = value.id
    elif isinstance(value, (OptionSetValue, Money)):
        value = value.value
    if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER):
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip("{}"))
    if t in (A.STRING, A.MEMO):
        if not isinstance(value, str):
            raise ValueError(value)
        return value
    if t in (A.INTEGER, A.BIGINT, A.PICKLIST, A.STATE, A.STATUS):
        if isinstance(value, bool):
            raise ValueError(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return int(value)
        raise ValueError(value)
    if t in (A.DECIMAL, A.MONEY):
        if isinstance(value, bool):
            raise ValueError(value)
        try:
            return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        except InvalidOperation as e:
            raise ValueError(value) from e
    if t is A.DOUBLE:
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value)
    if t is A.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
            return value.strip().lower() in ("true", "1")
        raise ValueError(value)
    if t is A.DATETIME:
        return _parse_datetime(value)
    if t is A.DATE:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value).strip()[:10])
    return value


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class QueryCompiler:
    """Builds SQL for one QueryExpression over one metadata registry and dialect."""

    def __init__(self, metadata: Metadata, dialect: Dialect, context: QueryContext | None = None,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        self.md = metadata
        self.d = dialect
        self.ctx = context or QueryContext()
        self.now = (now or (lambda: dt.datetime.now(UTC)))()
        self.params: list[Any] = []
        self.sources: dict[str, _Source] = {}
        self.joins: list[str] = []
        self.outputs: list[OutputColumn] = []
        self.selects: list[str] = []
        self.name_joins = 0
        self.name_exprs: dict[tuple[str, str], str] = {}
        self.link_counts: dict[str, int] = {}
        self.row_version = self.ctx.row_version
        self.keyset_paging = True
        """False when an order is not a plain column (a lookup's name, a choice's label) or the query is
        distinct: pages then go by page number, as the paging cookie cannot key them."""
        self.raw_order = False

    # helpers --------------------------------------------------------------------
    def q(self, ident: str) -> str:
        return self.d.quote(ident)

    def col(self, src: _Source, name: str) -> str:
        return f"{self.q(src.alias)}.{self.q(name)}"

    def param(self, t: AttributeType, value: Any) -> str:
        self.params.append(self.d.encode(t, value))
        return self.d.placeholder

    def attr(self, src: _Source, name: str) -> AttributeMetadata:
        return self.md.attribute(src.table, name)

    # select list -------------------------------------------------------------
    def _select_attribute(self, src: _Source, a: AttributeMetadata, key: str) -> None:
        self.selects.append(self.col(src, a.logical_name))
        self.outputs.append(OutputColumn(key, a.type, src.table.logical_name, a.logical_name))
        if a.type.is_lookup:
            if a.is_polymorphic:
                self.selects.append(self.col(src, a.type_column))
                self.outputs.append(OutputColumn(key + "@type", None, src.table.logical_name, a.logical_name))
            name = self._lookup_name(src, a)
            if name is not None:
                self.selects.append(name)
                self.outputs.append(OutputColumn(key + "@name", None, src.table.logical_name, a.logical_name))

    def _lookup_name(self, src: _Source, a: AttributeMetadata) -> str | None:
        """The expression for a lookup's target record name: a LEFT JOIN per target table on its
        primary key (COALESCE across the targets of a polymorphic lookup)."""
        cached = self.name_exprs.get((src.alias, a.logical_name))
        if cached is not None:
            return cached
        names = []
        for target in a.targets:
            tt = self.md.get(target)
            if tt is None or not tt.primary_name_attribute:
                continue
            self.name_joins += 1
            alias = f"_n{self.name_joins}"
            self.joins.append(
                f"LEFT JOIN {self.q(tt.logical_name)} AS {self.q(alias)} ON "
                f"{self.q(alias)}.{self.q(tt.primary_id_attribute)} = {self.col(src, a.logical_name)}"
            )
            names.append(f"{self.q(alias)}.{self.q(tt.primary_name_attribute)}")
        if not names:
            return None
        expr = names[0] if len(names) == 1 else "COALESCE(" + ", ".join(names) + ")"
        self.name_exprs[(src.alias, a.logical_name)] = expr
        return expr

    def _select_columns(self, src: _Source, column_set: Any, prefix: str, always_id: bool) -> None:
        t = src.table
        if column_set is not None and column_set.all_columns:
            names = list(t.attributes)
        else:
            names = list(column_set.columns) if column_set is not None else []
            if always_id and t.primary_id_attribute not in names:
                names.insert(0, t.primary_id_attribute)
        seen = set()
        for n in names:
            if n in seen:
                continue
            seen.add(n)
            a = self.attr(src, n)
            self._select_attribute(src, a, prefix + n)

    # conditions ---------------------------------------------------------------
    def _resolve_source(self, entity_name: str | None, default: _Source) -> _Source:
        if not entity_name:
            return default
        if entity_name in self.sources:
            return self.sources[entity_name]
        for s in self.sources.values():
            if s.table.logical_name == entity_name and s.alias != default.alias:
                return s
        raise _fault(ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST,
                     f"The condition refers to '{entity_name}', which is not an alias or a linked table "
                     "of this query.")

    def filter(self, f: FilterExpression, src: _Source) -> str:
        parts: list[str] = []
        for c in f.conditions:
            parts.append(self.condition(c, src))
        for sub in f.filters:
            s = self.filter(sub, src)
            if s:
                parts.append(s)
        if f.any_all_filter_link_entity is not None:  # FetchXML <link-entity link-type='any'> in a <filter>
            parts.append(semi_join(self, f.any_all_filter_link_entity, src))
        parts = [p for p in parts if p]
        if not parts:
            return ""
        joiner = " OR " if f.filter_operator == LogicalOperator.OR else " AND "
        return "(" + joiner.join(parts) + ")"

    def _values(self, c: ConditionExpression) -> list[Any]:
        out: list[Any] = []
        for v in c.values:
            if isinstance(v, (list, tuple, set, frozenset)):
                out.extend(v)
            else:
                out.append(v)
        return out

    def condition(self, c: ConditionExpression, default: _Source) -> str:
        src = self._resolve_source(c.entity_name, default)
        a = self.attr(src, c.attribute_name)
        try:
            op = C(c.operator)
        except ValueError:
            raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR,
                         f"The condition operator {c.operator!r} is not supported.") from None
        raw = self._values(c)
        col = self.col(src, a.logical_name)
        t = a.type
        label = f"{src.table.logical_name}.{a.logical_name}"
        if c.compare_columns:
            return compare_columns(self, op, src, a, raw, label)
        if t in (A.STATE, A.STATUS) and a.option_set is not None:
            raw = state_values_by_label(a, raw)

        def vals(n: int | None = None, minimum: int = 1) -> list[Any]:
            if n is not None and len(raw) != n:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The condition on {label} with operator {op.name} takes {n} value(s), "
                             f"not {len(raw)}.")
            if len(raw) < minimum:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The condition on {label} with operator {op.name} needs at least {minimum} value(s).")
            try:
                return [coerce_value(a, v) for v in raw]
            except (ValueError, TypeError, ArithmeticError):
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The condition on {label} has a value that is not a valid {t.value}: "
                             f"{raw!r}.") from None

        def cmp(sql_op: str, v: Any) -> str:
            if v is None:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The condition on {label} with operator {op.name} cannot compare with null; "
                             "use NULL or NOT_NULL.")
            if t.is_text:
                if sql_op == "=":
                    self.params.append(v)
                    return self.d.text_eq(col)
                self.params.append(v)
                return self.d.text_cmp(col, sql_op)
            return f"{self.d.numeric(col, t)} {sql_op} {self.param(t, v)}"

        if op in (C.EQUAL, C.NOT_EQUAL):
            (v,) = vals(1)
            if v is None:
                return f"{col} IS {'NOT ' if op == C.NOT_EQUAL else ''}NULL"
            if op == C.EQUAL:
                return cmp("=", v)
            return cmp("<>", v)
        if op in (C.GREATER_THAN, C.GREATER_EQUAL, C.LESS_THAN, C.LESS_EQUAL):
            (v,) = vals(1)
            sym = {C.GREATER_THAN: ">", C.GREATER_EQUAL: ">=", C.LESS_THAN: "<", C.LESS_EQUAL: "<="}[op]
            return cmp(sym, v)
        if op in (C.IN, C.NOT_IN):
            vs = vals(None, 1)
            if t.is_text:
                self.params.extend(vs)
                return self.d.text_in(col, len(vs), negate=op == C.NOT_IN)
            inner = ", ".join(self.param(t, v) for v in vs)
            return f"{self.d.numeric(col, t)} {'NOT ' if op == C.NOT_IN else ''}IN ({inner})"
        if op in (C.BETWEEN, C.NOT_BETWEEN):
            lo, hi = vals(2)
            inner = f"{cmp('>=', lo)} AND {cmp('<=', hi)}"
            return f"NOT ({inner})" if op == C.NOT_BETWEEN else f"({inner})"
        if op == C.NULL:
            return f"{col} IS NULL"
        if op == C.NOT_NULL:
            return f"{col} IS NOT NULL"
        if op in (C.LIKE, C.NOT_LIKE, C.BEGINS_WITH, C.DOES_NOT_BEGIN_WITH, C.ENDS_WITH, C.DOES_NOT_END_WITH,
                  C.CONTAINS, C.DOES_NOT_CONTAIN):
            if not t.is_text:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The operator {op.name} works on text columns; {label} is {t.value}.")
            (v,) = vals(1)
            if v is None:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION, f"The condition on {label} needs a value.")
            if op in (C.LIKE, C.NOT_LIKE):
                if has_character_class(v):  # SQL Server's [a-c] / [^a-c] classes: as a regular expression
                    self.params.append(like_regex(v))
                    return self.d.regex_match(col, negate=op == C.NOT_LIKE)
                self.params.append(v)
                return self.d.like_raw(col, negate=op == C.NOT_LIKE)
            e = _escape_like(v)
            pattern = {C.BEGINS_WITH: e + "%", C.DOES_NOT_BEGIN_WITH: e + "%", C.ENDS_WITH: "%" + e,
                       C.DOES_NOT_END_WITH: "%" + e, C.CONTAINS: "%" + e + "%",
                       C.DOES_NOT_CONTAIN: "%" + e + "%"}[op]
            self.params.append(pattern)
            return self.d.like(col, negate=op in (C.DOES_NOT_BEGIN_WITH, C.DOES_NOT_END_WITH, C.DOES_NOT_CONTAIN))
        if op in (C.EQUAL_USER_ID, C.NOT_EQUAL_USER_ID):
            if self.ctx.caller_id is None:
                return f"{col} IS {'NOT ' if op == C.NOT_EQUAL_USER_ID else ''}NULL"
            sym = "=" if op == C.EQUAL_USER_ID else "<>"
            return f"{col} {sym} {self.param(A.UNIQUEIDENTIFIER, self.ctx.caller_id)}"
        if op in (C.EQUAL_BUSINESS_ID, C.NOT_EQUAL_BUSINESS_ID):
            sym = "=" if op == C.EQUAL_BUSINESS_ID else "<>"
            if self.ctx.business_unit_id is None:
                return f"{col} IS {'NOT ' if op == C.NOT_EQUAL_BUSINESS_ID else ''}NULL"
            return f"{col} {sym} {self.param(A.UNIQUEIDENTIFIER, self.ctx.business_unit_id)}"
        if op in _HIERARCHY:
            return self._hierarchy(op, src, a, vals(1)[0], label)
        rng = self._date_range(op, raw, label, t)
        if rng is not None:
            lo, hi, negate = rng
            parts = []
            if lo is not None:
                parts.append(f"{col} >= {self._date_param(t, lo, ceil=False)}")
            if hi is not None:
                parts.append(f"{col} < {self._date_param(t, hi, ceil=True)}")
            inner = " AND ".join(parts) if parts else self.d.true() + " = " + self.d.true()
            return f"NOT ({inner})" if negate else f"({inner})"
        raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR,
                     f"The condition operator {op.name} is not supported on {label}.")

    def _date_param(self, t: AttributeType, value: dt.datetime, ceil: bool) -> str:
        """A range bound; on a date-only column a bound with a time (such as "now") covers its whole
        day, so "last 7 days" includes today and "next 7 days" starts today."""
        if t is A.DATE:
            d = value.date()
            if ceil and value.time() != dt.time(0):
                d += dt.timedelta(days=1)
            return self.param(A.DATE, d)
        return self.param(A.DATETIME, value)

    def _date_range(self, op: ConditionOperator, raw: list[Any], label: str, t: AttributeType
                    ) -> tuple[dt.datetime | None, dt.datetime | None, bool] | None:
        if op not in _DATE_OPS:
            return None
        if t not in (A.DATETIME, A.DATE):
            raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                         f"The operator {op.name} works on date and time columns; {label} is {t.value}.")
        now = self.now
        today = dt.datetime(now.year, now.month, now.day, tzinfo=UTC)
        day = dt.timedelta(days=1)

        def x() -> int:
            if len(raw) != 1:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The operator {op.name} on {label} takes one whole number.")
            try:
                n = int(str(raw[0]))
            except ValueError:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The operator {op.name} on {label} takes a whole number, not {raw[0]!r}.") from None
            return n

        def the_date() -> dt.datetime:
            if len(raw) != 1:
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION, f"The operator {op.name} on {label} takes a date.")
            try:
                d = _parse_datetime(raw[0])
            except (ValueError, TypeError):
                raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                             f"The operator {op.name} on {label} takes a date, not {raw[0]!r}.") from None
            return dt.datetime(d.year, d.month, d.day, tzinfo=UTC)

        week_start = today - dt.timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
        month_start = today.replace(day=1)
        year_start = today.replace(month=1, day=1)
        if op == C.ON:
            d = the_date()
            return d, d + day, False
        if op == C.NOT_ON:
            d = the_date()
            return d, d + day, True
        if op == C.ON_OR_BEFORE:
            return None, the_date() + day, False
        if op == C.ON_OR_AFTER:
            return the_date(), None, False
        if op == C.TODAY:
            return today, today + day, False
        if op == C.YESTERDAY:
            return today - day, today, False
        if op == C.TOMORROW:
            return today + day, today + 2 * day, False
        if op == C.LAST_7_DAYS:
            return today - 7 * day, now, False
        if op == C.NEXT_7_DAYS:
            return now, today + 8 * day, False
        if op == C.THIS_WEEK:
            return week_start, week_start + 7 * day, False
        if op == C.LAST_WEEK:
            return week_start - 7 * day, week_start, False
        if op == C.NEXT_WEEK:
            return week_start + 7 * day, week_start + 14 * day, False
        if op == C.THIS_MONTH:
            return month_start, _add_months(month_start, 1), False
        if op == C.LAST_MONTH:
            return _add_months(month_start, -1), month_start, False
        if op == C.NEXT_MONTH:
            return _add_months(month_start, 1), _add_months(month_start, 2), False
        if op == C.THIS_YEAR:
            return year_start, year_start.replace(year=year_start.year + 1), False
        if op == C.LAST_YEAR:
            return year_start.replace(year=year_start.year - 1), year_start, False
        if op == C.NEXT_YEAR:
            return year_start.replace(year=year_start.year + 1), year_start.replace(year=year_start.year + 2), False
        if op == C.LAST_X_HOURS:
            return now - dt.timedelta(hours=x()), now, False
        if op == C.NEXT_X_HOURS:
            return now, now + dt.timedelta(hours=x()), False
        if op == C.LAST_X_DAYS:
            return today - x() * day, now, False
        if op == C.NEXT_X_DAYS:
            return now, today + (x() + 1) * day, False
        if op == C.LAST_X_WEEKS:
            return today - 7 * x() * day, now, False
        if op == C.NEXT_X_WEEKS:
            return now, today + (7 * x() + 1) * day, False
        if op == C.LAST_X_MONTHS:
            return _add_months(today, -x()), now, False
        if op == C.NEXT_X_MONTHS:
            return now, _add_months(today, x()) + day, False
        if op == C.LAST_X_YEARS:
            return _add_months(today, -12 * x()), now, False
        if op == C.NEXT_X_YEARS:
            return now, _add_months(today, 12 * x()) + day, False
        older: dict[str, Callable[[int], dt.datetime]] = {
            "OLDER_THAN_X_MINUTES": lambda n: now - dt.timedelta(minutes=n),
            "OLDER_THAN_X_HOURS": lambda n: now - dt.timedelta(hours=n),
            "OLDER_THAN_X_DAYS": lambda n: today - n * day,
            "OLDER_THAN_X_WEEKS": lambda n: today - 7 * n * day,
            "OLDER_THAN_X_MONTHS": lambda n: _add_months(today, -n),
            "OLDER_THAN_X_YEARS": lambda n: _add_months(today, -12 * n),
        }
        if op.name in older:
            return None, older[op.name](x()), False
        return None

    def _hierarchy(self, op: ConditionOperator, src: _Source, a: AttributeMetadata, value: Any, label: str) -> str:
        t = src.table
        parent = t.hierarchy_attribute
        if not parent:
            raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                         f"The operator {op.name} needs a hierarchy; {t.logical_name} has none.")
        pk, tbl, par = self.q(t.primary_id_attribute), self.q(t.logical_name), self.q(parent)
        col = self.col(src, a.logical_name)
        p1 = self.param(A.UNIQUEIDENTIFIER, value)
        if op in (C.UNDER, C.UNDER_OR_EQUAL, C.NOT_UNDER):
            cte = (f"WITH RECURSIVE _h(id) AS (SELECT {pk} FROM {tbl} WHERE {par} = {p1} "
                   f"UNION SELECT c.{pk} FROM {tbl} AS c JOIN _h ON c.{par} = _h.id) SELECT id FROM _h")
        else:  # above: walk up from the record
            cte = (f"WITH RECURSIVE _h(id) AS (SELECT {par} FROM {tbl} WHERE {pk} = {p1} "
                   f"UNION SELECT p.{par} FROM {tbl} AS p JOIN _h ON p.{pk} = _h.id) "
                   f"SELECT id FROM _h WHERE id IS NOT NULL")
        sql = f"{col} IN ({cte})"
        if op in (C.UNDER_OR_EQUAL, C.ABOVE_OR_EQUAL):
            sql = f"({sql} OR {col} = {self.param(A.UNIQUEIDENTIFIER, value)})"
        if op == C.NOT_UNDER:
            sql = f"({col} IS NULL OR NOT {sql})"
        return sql

    # security -------------------------------------------------------------------
    def scope_filter(self, src: _Source) -> str:
        scope: ReadScope | None = None
        if self.ctx.scope_for is not None:
            scope = self.ctx.scope_for.get(src.table.logical_name)
        elif self.ctx.read_scope is not None:
            scope = self.ctx.read_scope
        if scope is None or src.table.logical_name in scope.unrestricted_tables:
            return ""
        t = src.table
        parts = []
        if "ownerid" in t.attributes:
            if scope.owner_ids:
                inner = ", ".join(self.param(A.UNIQUEIDENTIFIER, i) for i in sorted(scope.owner_ids))
                parts.append(f"{self.col(src, 'ownerid')} IN ({inner})")
            if scope.business_unit_ids:
                inner = ", ".join(self.param(A.UNIQUEIDENTIFIER, i) for i in sorted(scope.business_unit_ids))
                parts.append(f"{self.col(src, 'owningbusinessunit')} IN ({inner})")
            if scope.principal_ids and "principalobjectaccess" in self.md:
                inner = ", ".join(self.param(A.UNIQUEIDENTIFIER, i) for i in sorted(scope.principal_ids))
                parts.append(
                    f"{self.col(src, t.primary_id_attribute)} IN (SELECT {self.q('objectid')} FROM "
                    f"{self.q('principalobjectaccess')} WHERE {self.q('principalid')} IN ({inner}) "
                    f"AND {self.d.modulo(self.q('accessrightsmask'), 2)} = 1)"
                )
        else:  # business-owned (systemuser, team, role, businessunit): by id and by business unit
            bu_col = t.primary_id_attribute if t.logical_name == "businessunit" else (
                "businessunitid" if "businessunitid" in t.attributes else None)
            if scope.owner_ids:
                inner = ", ".join(self.param(A.UNIQUEIDENTIFIER, i) for i in sorted(scope.owner_ids))
                parts.append(f"{self.col(src, t.primary_id_attribute)} IN ({inner})")
            if scope.business_unit_ids and bu_col is not None:
                inner = ", ".join(self.param(A.UNIQUEIDENTIFIER, i) for i in sorted(scope.business_unit_ids))
                parts.append(f"{self.col(src, bu_col)} IN ({inner})")
        if not parts:
            return self.d.false() + " = " + self.d.true()
        return "(" + " OR ".join(parts) + ")"

    # links ------------------------------------------------------------------------
    def auto_alias(self, name: str) -> str:
        """The next free generated alias for a link to `name` ("account1", "account2", ...)."""
        n = self.link_counts.get(name, 0) + 1
        self.link_counts[name] = n
        alias = f"{name}{n}"
        while alias in self.sources:
            n += 1
            self.link_counts[name] = n
            alias = f"{name}{n}"
        return alias

    def add_source(self, alias: str, src: _Source) -> _Source:
        if alias in self.sources:
            raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION, f"The alias '{alias}' is used twice in this query.")
        self.sources[alias] = src
        return src

    def child(self) -> QueryCompiler:
        """A compiler for a subquery: sees this query's aliases, shares its generated alias numbers."""
        c = QueryCompiler(self.md, self.d, self.ctx)
        c.now = self.now
        c.sources = dict(self.sources)
        c.link_counts = self.link_counts
        c.name_joins = self.name_joins + 1000  # the subquery's own name joins, never selected
        c.pending_joins = []
        c._link_orders = []
        c.aggregate = False
        return c

    def link(self, link: LinkEntity, parent: _Source) -> None:
        self._link(link, parent, [], False)

    def _link(self, link: LinkEntity, parent: _Source, where: list[str], aggregate: bool) -> None:
        to_name = link.link_to_entity_name
        if not to_name:
            raise _fault(ErrorCodes.QUERY_BUILDER_NO_ENTITY, "A link entity has no table name.")
        if is_filter_join(link):  # in / exists / any / all ...: a WHERE predicate, not a join
            where.append(semi_join(self, link, parent))
            return
        table = self.md.table(to_name)
        alias = link.entity_alias or self.auto_alias(to_name)
        src = self.add_source(alias, _Source(alias, table))
        from_attr = self.attr(parent, link.link_from_attribute_name or parent.table.primary_id_attribute)
        to_attr = self.attr(src, link.link_to_attribute_name or table.primary_id_attribute)
        join_op = JoinOperator(link.join_operator)
        kind = "LEFT JOIN" if join_op == JoinOperator.LEFT_OUTER else "JOIN"
        # ON-clause criteria: placeholders must be numbered in text order, so build them first
        # into a separate list and splice in.
        saved = self.params
        self.params = []
        if join_op == JoinOperator.MATCH_FIRST_ROW_USING_CROSS_APPLY:
            on = first_row_on(self, link, src, parent, from_attr, to_attr)  # criteria inside
            crit = ""
        else:
            on = f"{self.col(src, to_attr.logical_name)} = {self.col(parent, from_attr.logical_name)}"
            crit = self.filter(link.link_criteria, src) if link.link_criteria is not None else ""
        nested: list[str] = []
        for sub in link.link_entities:
            if is_filter_join(sub):
                nested.append(semi_join(self, sub, src))
        scope = self.scope_filter(src) if join_op != JoinOperator.MATCH_FIRST_ROW_USING_CROSS_APPLY else ""
        on_params = self.params
        self.params = saved
        extra = " AND ".join(p for p in (crit, *nested, scope) if p)
        self.pending_joins.append((f"{kind} {self.q(table.logical_name)} AS {self.q(alias)} ON {on}"
                                   + (f" AND {extra}" if extra else ""), on_params))
        if aggregate:
            for ac in getattr(link, "aggregate_columns", []) or []:
                self._aggregate_column(ac, src)
        else:
            self._select_columns(src, link.columns, alias + ".", always_id=False)
            self._renamed_columns(src, link.aggregate_columns, alias + ".")
        for o in link.orders:
            self._link_orders.append((o, src))
        for sub in link.link_entities:
            if not is_filter_join(sub):
                self._link(sub, src, where, aggregate)

    def _renamed_columns(self, src: _Source, columns: Sequence[AggregateColumn], prefix: str) -> None:
        """FetchXML `<attribute name alias>` outside an aggregate query: the column under its alias."""
        for ac in columns:
            if ac.aggregate or ac.group_by:
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                             f"The attribute '{ac.attribute_name}' of {src.table.logical_name} is an aggregate "
                             "or group-by, which needs an aggregate query (fetch aggregate='true').")
            a = self.attr(src, ac.attribute_name)
            key = ac.alias or (prefix + a.logical_name)
            if any(o.key == key for o in self.outputs):
                continue
            self._select_attribute(src, a, key)

    # aggregates -------------------------------------------------------------------
    def _aggregate_column(self, ac: AggregateColumn, src: _Source) -> None:
        a = self.attr(src, ac.attribute_name)
        if not ac.alias:
            raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                         f"In an aggregate query every attribute needs an alias ({a.logical_name} has none).")
        if ac.aggregate and ac.group_by:
            raise _fault(ErrorCodes.QUERY_BUILDER_ATTRIBUTE_CANNOT_BE_GROUP_BY_AND_AGGREGATE,
                         f"An attribute can either be an aggregate or a Group By but not both ({ac.alias}).")
        col = self.col(src, a.logical_name)
        if ac.group_by:
            expr = col
            t: AttributeType | None = a.type
            if ac.date_grouping:
                if a.type not in (A.DATETIME, A.DATE):
                    raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                                 f"dategrouping needs a date column; {a.logical_name} is {a.type.value}.")
                try:
                    expr = self.d.date_part(col, ac.date_grouping)
                except ValueError:
                    raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                                 f"dategrouping '{ac.date_grouping}' is not supported.") from None
                t = None
            self.group_by.append(expr)
            self.selects.append(expr)
            self.outputs.append(OutputColumn(ac.alias, t, src.table.logical_name, a.logical_name,
                                             raw=bool(ac.date_grouping)))
            self.aliases[ac.alias] = expr
            if a.type.is_lookup and not ac.date_grouping:
                # the name of the grouped record, as Dataverse returns it
                self._select_attribute_name_only(src, a, ac.alias)
            return
        agg = (ac.aggregate or "").lower()
        num = self.d.numeric(col, a.type)
        distinct = "DISTINCT " if ac.distinct else ""
        if agg == "count":
            expr = "COUNT(*)"
            t = A.INTEGER
        elif agg == "countcolumn":
            expr = f"COUNT({distinct}{col})"
            t = A.INTEGER
        elif agg in ("sum", "avg", "min", "max"):
            if not a.type.is_numeric and agg in ("sum", "avg"):
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                             f"The aggregate {agg} needs a number column; {a.logical_name} is {a.type.value}.")
            expr = f"{agg.upper()}({distinct}{num if a.type.is_numeric else col})"
            # as SQL Server behind Dataverse: an aggregate keeps its column's type (the average of
            # money is Money, of a whole number a whole number truncated toward zero)
            t = a.type
            if agg == "avg" and a.type in (A.INTEGER, A.BIGINT):
                expr = f"SUM({distinct}{col}) / NULLIF(COUNT({distinct}{col}), 0)"
        else:
            raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                         f"The aggregate '{ac.aggregate}' is not one of count, countcolumn, sum, avg, min, max.")
        self.selects.append(expr)
        raw = agg in ("count", "countcolumn")
        self.outputs.append(OutputColumn(ac.alias, t, src.table.logical_name, a.logical_name, raw=raw))
        self.aliases[ac.alias] = expr

    def _select_attribute_name_only(self, src: _Source, a: AttributeMetadata, key: str) -> None:
        expr = self._lookup_name(src, a)
        if expr is not None:
            self.selects.append(f"MAX({expr})")
            self.outputs.append(OutputColumn(key + "@name", None, src.table.logical_name, a.logical_name))

    # order ------------------------------------------------------------------------
    def _order(self, o: OrderExpression, src: _Source) -> None:
        desc = OrderType(o.order_type) == OrderType.DESCENDING
        if getattr(o, "alias", None) and self.aggregate:
            if o.alias not in self.aliases:
                raise _fault(ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST,
                             f"The order refers to the alias '{o.alias}', which the query does not define.")
            self.order_by.append(self.aliases[o.alias] + (" DESC" if desc else "") + self.d.order_nulls(desc))
            return
        s = self._resolve_source(getattr(o, "entity_name", None), src)
        if not o.attribute_name:
            raise _fault(ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE, "An order names no attribute.")
        a = self.attr(s, o.attribute_name)
        col = self.col(s, a.logical_name)
        if a.type.is_lookup:  # Dataverse sorts a lookup by the related record's primary name
            name = self._lookup_name(s, a)
            if name is not None:
                self._add_order(self.d.text_order(name), desc)
                self.keyset_paging = False
                return
        if a.type.is_choice and not self.raw_order and a.option_set is not None and a.option_set.options:
            # a choice sorts by its label unless the query asks for raw order (useraworderby)
            self._add_order(choice_label_order(self.d, col, a), desc)
            self.keyset_paging = False
            return
        expr = self.d.text_order(col) if a.type.is_text else self.d.numeric(col, a.type)
        self._add_order(expr, desc)
        self.order_cols.append((s, a, desc))

    def _add_order(self, expr: str, desc: bool) -> None:
        suffix = (" DESC" if desc else "") + self.d.order_nulls(desc)
        self.order_by.append(expr + suffix)
        self.order_parts.append((expr, suffix))

    def _distinct_order(self, table: EntityMetadata) -> None:
        """With DISTINCT, order by selected values only (PostgreSQL and SQL Server require it): an
        order expression that is not a selected column is selected too, under a hidden alias."""
        new: list[str] = []
        for i, (expr, suffix) in enumerate(self.order_parts):
            if expr in self.selects:
                new.append(expr + suffix)
                continue
            alias = f"__ordx{i}"
            self.selects.append(f"{expr} AS {self.q(alias)}")
            self.outputs.append(OutputColumn(alias, None, table.logical_name, ""))
            new.append(self.q(alias) + suffix)
        self.order_by[:] = new

    # the whole query --------------------------------------------------------------
    def compile(self, query: QueryExpression) -> CompiledQuery:
        check_query(query)
        table = self.md.table(query.entity_name)
        root = _Source(table.logical_name, table)
        self.sources[table.logical_name] = root
        self.group_by: list[str] = []
        self.order_by: list[str] = []
        self.order_parts: list[tuple[str, str]] = []
        self.order_cols: list[tuple[_Source, AttributeMetadata, bool]] = []
        self.aliases: dict[str, str] = {}
        self.pending_joins: list[tuple[str, list[Any]]] = []
        self._link_orders: list[tuple[OrderExpression, _Source]] = []
        self.aggregate = bool(getattr(query, "aggregate", False))
        self.raw_order = bool(getattr(query, "use_raw_order_by", False))
        distinct_rows = bool(getattr(query, "distinct", False)) and not self.aggregate

        check_top_count(query)
        if self.aggregate:
            for ac in getattr(query, "aggregate_columns", []) or []:
                self._aggregate_column(ac, root)
            if not query.aggregate_columns and not any(lk.aggregate_columns for lk in query.link_entities):
                raise _fault(ErrorCodes.QUERY_BUILDER_DESERIALIZE_INVALID_AGGREGATE,
                             f"The aggregate query on {table.logical_name} has no attributes: add at least one "
                             "attribute with aggregate='count' (or sum, avg, min, max) or groupby='true'.")
        else:
            # distinct: the selected columns only, so identical rows collapse (no primary key added)
            self._select_columns(root, query.column_set, "", always_id=not distinct_rows)
            self._renamed_columns(root, query.aggregate_columns, "")
            if self.row_version and not distinct_rows and "versionnumber" in table.attributes and not any(
                    o.key == "versionnumber" for o in self.outputs):
                # every retrieved record carries its RowVersion, whatever the column set
                self.selects.append(self.col(root, "versionnumber"))
                self.outputs.append(OutputColumn(ROW_VERSION_KEY, A.BIGINT, table.logical_name, "versionnumber"))
        select_params = self.params
        self.params = []

        where: list[str] = []
        for link in query.link_entities:
            if not is_filter_join(link):
                self._link(link, root, where, self.aggregate)
        # joins' params come before WHERE params in the text; name joins carry none
        join_sql = [j for j, _ in self.pending_joins]
        join_params = [p for _, ps in self.pending_joins for p in ps]

        for link in query.link_entities:  # filtering links (in, exists, any, all ...): WHERE predicates
            if is_filter_join(link):
                self._link(link, root, where, self.aggregate)
        crit = self.filter(query.criteria, root) if query.criteria is not None else ""
        scope = self.scope_filter(root)
        where_parts = [p for p in (*where, crit, scope) if p]
        where_params = self.params
        self.params = []

        for o in query.orders:
            self._order(o, root)
        for o, src in self._link_orders:  # Dataverse applies the links' orders after the query's own
            self._order(o, src)
        order_params = self.params

        cq = CompiledQuery("", [], self.outputs, aggregate=self.aggregate)
        page = query.page_info
        limit: int | None = None
        offset = 0
        cookie_where = ""
        cookie_params: list[Any] = []
        if distinct_rows:
            self.keyset_paging = False
        elif not self.aggregate:
            # stable order: primary id last (also keys the paging cookie)
            pk_attr = table.attributes[table.primary_id_attribute]
            if not any(s is root and a.logical_name == pk_attr.logical_name for s, a, _ in self.order_cols):
                self._add_order(self.col(root, pk_attr.logical_name), False)
                self.order_cols.append((root, pk_attr, False))
        if page is not None and (page.count or 0) > 0:
            if page.count > MAX_PAGE_SIZE:
                raise _fault(ErrorCodes.INVALID_ARGUMENT,
                             f"The page size {page.count} is larger than the maximum of {MAX_PAGE_SIZE}.")
            if page.page_number < 1:
                raise _fault(ErrorCodes.INVALID_ARGUMENT, "The page number starts at 1.")
            limit = page.count
            cq.page_size = page.count
            cq.page_number = page.page_number
            if page.paging_cookie and not self.aggregate and self.keyset_paging:
                cookie_where, cookie_params = self._cookie_predicate(page.paging_cookie)
            else:
                offset = (page.page_number - 1) * page.count
        elif query.top_count is not None:
            if not 0 <= query.top_count <= MAX_PAGE_SIZE:
                raise _fault(ErrorCodes.INVALID_ARGUMENT,
                             f"The top_count of a query on {table.logical_name} must be between 0 and "
                             f"{MAX_PAGE_SIZE}, not {query.top_count}.")
            limit = query.top_count

        if cq.page_size is not None and not self.aggregate and not distinct_rows:
            self._add_hidden_order_outputs(root)
        distinct = "DISTINCT " if distinct_rows else ""
        if distinct:
            self._distinct_order(table)
        sql = f"SELECT {distinct}" + ", ".join(self.selects) + f" FROM {self.q(table.logical_name)}"
        all_joins = join_sql + self.joins
        if all_joins:
            sql += " " + " ".join(all_joins)
        where_sql = " AND ".join(where_parts)
        full_where = " AND ".join(p for p in (where_sql, cookie_where) if p)
        if full_where:
            sql += " WHERE " + full_where
        base_from = f" FROM {self.q(table.logical_name)}" + (" " + " ".join(join_sql) if join_sql else "")
        if self.group_by:
            sql += " GROUP BY " + ", ".join(self.group_by)
        if self.order_by:
            sql += " ORDER BY " + ", ".join(self.order_by)
        params = select_params + join_params + where_params + cookie_params + order_params
        if limit is not None:
            fetch = limit + 1 if cq.page_size else limit
            sql += f" LIMIT {int(fetch)}"
            if offset:
                sql += f" OFFSET {int(offset)}"
        cq.sql = sql
        cq.params = params
        cq.order_keys = self._order_keys(root)
        if page is not None and page.return_total_record_count and not self.aggregate:
            if distinct_rows:  # the distinct rows, counted as the query returns them
                cnt = (f"SELECT COUNT(*) FROM (SELECT DISTINCT {', '.join(self.selects)} FROM "
                       f"{self.q(table.logical_name)}" + ("".join(" " + j for j in all_joins)))
                count_params = select_params + join_params + where_params
            else:
                cnt = f"SELECT COUNT(*) FROM (SELECT {self.col(root, table.primary_id_attribute)}" + base_from
                count_params = join_params + where_params
            if where_sql:
                cnt += " WHERE " + where_sql
            cnt += f" LIMIT {TOTAL_COUNT_LIMIT + 1}) AS _c"
            cq.count_sql = cnt
            cq.count_params = count_params
        return cq

    # paging cookie ------------------------------------------------------------------
    def _order_key_of(self, root: _Source, s: _Source, a: AttributeMetadata) -> tuple[str, str]:
        """(cookie tag, row key) of an order column."""
        if s is root:
            return a.logical_name, a.logical_name
        return f"{s.alias}__{a.logical_name}", f"{s.alias}.{a.logical_name}"

    def _add_hidden_order_outputs(self, root: _Source) -> None:
        keys = {o.key for o in self.outputs}
        self.hidden_keys: dict[int, str] = {}
        for i, (s, a, _desc) in enumerate(self.order_cols):
            _tag, key = self._order_key_of(root, s, a)
            if key not in keys:
                hk = f"__ord{i}"
                self.selects.append(self.col(s, a.logical_name))
                self.outputs.append(OutputColumn(hk, a.type, s.table.logical_name, a.logical_name))
                self.hidden_keys[i] = hk

    def _order_keys(self, root: _Source) -> list[tuple[str, str, bool, AttributeType]]:
        hidden = getattr(self, "hidden_keys", {})
        out = []
        for i, (s, a, desc) in enumerate(self.order_cols):
            tag, key = self._order_key_of(root, s, a)
            out.append((tag, hidden.get(i, key), desc, a.type))
        return out

    def _cookie_predicate(self, cookie: str) -> tuple[str, list[Any]]:
        try:
            cookie_el = ElementTree.fromstring(cookie)
            lasts = {el.tag: el.attrib.get("last") for el in cookie_el}
        except ElementTree.ParseError:
            raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE, "The paging cookie is not valid.") from None
        keys = []
        root = next(iter(self.sources.values()))
        for s, a, desc in self.order_cols:
            tag, _key = self._order_key_of(root, s, a)
            if tag not in lasts:
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE,
                             "The paging cookie does not belong to this query's order.")
            raw = lasts[tag]
            try:
                v = None if raw is None or raw == "" else coerce_value(a, html.unescape(raw))
            except (ValueError, ArithmeticError):
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE,
                             "The paging cookie is not valid.") from None
            keys.append((s, a, desc, v))
        ors: list[str] = []
        params: list[Any] = []
        for k, (s, a, desc, v) in enumerate(keys):
            after = self._after(s, a, desc, v)
            if after is None:
                continue
            parts: list[str] = []
            for s2, a2, _d2, v2 in keys[:k]:
                eq_sql, eq_params = self._equal(s2, a2, v2)
                parts.append(eq_sql)
                params.extend(eq_params)
            parts.append(after[0])
            params.extend(after[1])
            ors.append("(" + " AND ".join(parts) + ")")
        if not ors:
            return self.d.false() + " = " + self.d.true(), []
        return "(" + " OR ".join(ors) + ")", params

    def _key_expr(self, s: _Source, a: AttributeMetadata) -> tuple[str, str]:
        col = self.col(s, a.logical_name)
        if a.type.is_text:
            return self.d.text_order(col), self.d.text_key_param()
        return self.d.numeric(col, a.type), self.d.placeholder

    def _key_param(self, a: AttributeMetadata, v: Any) -> Any:
        return v if a.type.is_text else self.d.encode(a.type, v)

    def _after(self, s: _Source, a: AttributeMetadata, desc: bool, v: Any) -> tuple[str, list[Any]] | None:
        col = self.col(s, a.logical_name)
        if v is None:
            return None if desc else (f"{col} IS NOT NULL", [])
        expr, ph = self._key_expr(s, a)
        sql = f"{expr} {'<' if desc else '>'} {ph}"
        if desc:
            sql = f"({sql} OR {col} IS NULL)"
        return sql, [self._key_param(a, v)]

    def _equal(self, s: _Source, a: AttributeMetadata, v: Any) -> tuple[str, list[Any]]:
        col = self.col(s, a.logical_name)
        if v is None:
            return f"{col} IS NULL", []
        expr, ph = self._key_expr(s, a)
        return f"{expr} = {ph}", [self._key_param(a, v)]


def make_cookie(page: int, order_keys: Sequence[tuple[str, str, bool, AttributeType]],
                last_row: dict[str, Any], first_row: dict[str, Any] | None = None) -> str:
    """Dataverse-style paging cookie: `<cookie page="2"><leadid last="..." first="..."/></cookie>`."""
    parts = [f'<cookie page="{page}">']
    for tag, key, _desc, t in order_keys:
        v = last_row.get(key)
        attr = f' last="{html.escape("" if v is None else _cookie_text(t, v), quote=True)}"'
        if first_row is not None:
            fv = first_row.get(key)
            attr += f' first="{html.escape("" if fv is None else _cookie_text(t, fv), quote=True)}"'
        parts.append(f"<{tag}{attr} />")
    parts.append("</cookie>")
    return "".join(parts)


def _cookie_text(t: AttributeType, v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.astimezone(UTC).isoformat()
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def _add_months(d: dt.datetime, n: int) -> dt.datetime:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    day = min(d.day, calendar.monthrange(y, m)[1])
    return d.replace(year=y, month=m, day=day)


_HIERARCHY = {C.UNDER, C.UNDER_OR_EQUAL, C.NOT_UNDER, C.ABOVE, C.ABOVE_OR_EQUAL}
_DATE_OPS = {
    C.ON, C.NOT_ON, C.ON_OR_BEFORE, C.ON_OR_AFTER, C.TODAY, C.YESTERDAY, C.TOMORROW, C.LAST_7_DAYS,
    C.NEXT_7_DAYS, C.THIS_WEEK, C.LAST_WEEK, C.NEXT_WEEK, C.THIS_MONTH, C.LAST_MONTH, C.NEXT_MONTH,
    C.THIS_YEAR, C.LAST_YEAR, C.NEXT_YEAR, C.LAST_X_HOURS, C.NEXT_X_HOURS, C.LAST_X_DAYS, C.NEXT_X_DAYS,
    C.LAST_X_WEEKS, C.NEXT_X_WEEKS, C.LAST_X_MONTHS, C.NEXT_X_MONTHS, C.LAST_X_YEARS, C.NEXT_X_YEARS,
} | {getattr(C, n) for n in ("OLDER_THAN_X_MINUTES", "OLDER_THAN_X_HOURS", "OLDER_THAN_X_DAYS",
                             "OLDER_THAN_X_WEEKS", "OLDER_THAN_X_MONTHS", "OLDER_THAN_X_YEARS") if hasattr(C, n)}
