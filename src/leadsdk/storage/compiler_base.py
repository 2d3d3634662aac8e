"""The query compiler's base: its state, quoting and parameters, the select list, and row-level security.

Storage layer. `CompilerBase` is the first of the compiler's layers (conditions, aggregates, order,
paging), which `leadsdk.storage.sql.QueryCompiler` completes; `CompiledQuery` and `OutputColumn` are
what the backends (`sqlbase`) run and read back; `coerce_value` turns a caller value into a column's type.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.model import ConditionOperator
from leadsdk.storage.base import QueryContext, ReadScope
from leadsdk.storage.dialect import Dialect
from leadsdk.storage.sqllinks import Source as _Source
from leadsdk.types import EntityReference, Money, OptionSetValue

__all__ = ["AGGREGATED_KEY", "CompiledQuery", "CompilerBase", "OutputColumn", "coerce_value", "parse_datetime"]


A = AttributeType
C = ConditionOperator
UTC = dt.timezone.utc


AGGREGATED_KEY = "__aggregated"
"""The last output of an aggregate query: how many records it aggregated (Dataverse limits that number)."""


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


def parse_datetime(value: Any) -> dt.datetime:
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
        return parse_datetime(value)
    if t is A.DATE:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value).strip()[:10])
    return value


MEMO_LIMIT = 4096
"""At most this many entries in a storage's cache of select lists (ad-hoc shapes beyond it are rebuilt)."""


class CompilerBase:
    """The compiler's state and helpers: quoting, parameters, the select list, sources, the security filter."""

    # set by QueryCompiler.compile; declared here for the layers that read them
    aggregate: bool
    aliases: dict[str, str]
    group_by: list[str]
    order_by: list[str]
    order_parts: list[tuple[str, str]]
    order_cols: list[tuple[_Source, AttributeMetadata, bool]]
    def __init__(self, metadata: Metadata, dialect: Dialect, context: QueryContext | None = None,
                 now: Callable[[], dt.datetime] | None = None, memo: dict[Any, Any] | None = None) -> None:
        self.md = metadata
        self.memo = memo
        """Select lists already built, by query shape (the storage's cache for its metadata version)."""
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
        self.lookup_names = True
        """Whether selected lookups carry their target's name (`{col}@name`, a LEFT JOIN per target table)."""
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
            name = self._lookup_name(src, a) if self.lookup_names else None
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
        memo = self.memo
        if memo is None or any(k[0] == src.alias for k in self.name_exprs):
            self._build_select_columns(src, column_set, prefix, always_id)
            return
        cols = None if column_set is None else ("*",) if column_set.all_columns else tuple(column_set.columns)
        key = ("select", src.alias, src.table.logical_name, cols, prefix, always_id, self.name_joins, self.lookup_names)
        got = memo.get(key)
        if got is not None:  # the same columns of the same table at the same place: reuse the select list
            selects, outputs, joins, exprs, name_joins = got
            self.selects.extend(selects)
            self.outputs.extend(outputs)
            self.joins.extend(joins)
            self.name_exprs.update(exprs)
            self.name_joins = name_joins
            return
        s0, o0, j0 = len(self.selects), len(self.outputs), len(self.joins)
        self._build_select_columns(src, column_set, prefix, always_id)
        if len(memo) < MEMO_LIMIT:
            memo[key] = (self.selects[s0:], self.outputs[o0:], self.joins[j0:],
                         {k: v for k, v in self.name_exprs.items() if k[0] == src.alias}, self.name_joins)

    def _build_select_columns(self, src: _Source, column_set: Any, prefix: str, always_id: bool) -> None:
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
