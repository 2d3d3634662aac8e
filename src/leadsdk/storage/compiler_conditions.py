"""Compile one ConditionExpression to SQL: every ConditionOperator, dates relative to now, hierarchies.

Storage layer, a layer of the query compiler (`leadsdk.storage.sql.QueryCompiler.filter` calls
`condition`). Values become parameters, converted by the column's type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.errors import ErrorCodes
from leadsdk.query.like import has_character_class, like_regex
from leadsdk.query.model import (
    ConditionExpression,
    ConditionOperator,
)
from leadsdk.storage.compiler_base import CompilerBase, _fault, coerce_value, parse_datetime
from leadsdk.storage.sqllinks import Source as _Source
from leadsdk.storage.sqlparts import compare_columns, state_values_by_label

__all__ = ["ConditionCompiler"]

A = AttributeType
C = ConditionOperator
UTC = dt.timezone.utc


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ConditionCompiler(CompilerBase):
    """One ConditionExpression as SQL: operators, dates relative to now, hierarchy."""
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
                d = parse_datetime(raw[0])
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


def _add_months(d: dt.datetime, n: int) -> dt.datetime:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    first_of_next = dt.date(y + m // 12, m % 12 + 1, 1)
    days_in_month = (first_of_next - dt.timedelta(days=1)).day  # (calendar would load locale at import)
    return d.replace(year=y, month=m, day=min(d.day, days_in_month))


_HIERARCHY = {C.UNDER, C.UNDER_OR_EQUAL, C.NOT_UNDER, C.ABOVE, C.ABOVE_OR_EQUAL}


_DATE_OPS = {
    C.ON, C.NOT_ON, C.ON_OR_BEFORE, C.ON_OR_AFTER, C.TODAY, C.YESTERDAY, C.TOMORROW, C.LAST_7_DAYS,
    C.NEXT_7_DAYS, C.THIS_WEEK, C.LAST_WEEK, C.NEXT_WEEK, C.THIS_MONTH, C.LAST_MONTH, C.NEXT_MONTH,
    C.THIS_YEAR, C.LAST_YEAR, C.NEXT_YEAR, C.LAST_X_HOURS, C.NEXT_X_HOURS, C.LAST_X_DAYS, C.NEXT_X_DAYS,
    C.LAST_X_WEEKS, C.NEXT_X_WEEKS, C.LAST_X_MONTHS, C.NEXT_X_MONTHS, C.LAST_X_YEARS, C.NEXT_X_YEARS,
} | {getattr(C, n) for n in ("OLDER_THAN_X_MINUTES", "OLDER_THAN_X_HOURS", "OLDER_THAN_X_DAYS",
                             "OLDER_THAN_X_WEEKS", "OLDER_THAN_X_MONTHS", "OLDER_THAN_X_YEARS") if hasattr(C, n)}
