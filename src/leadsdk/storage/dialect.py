"""SQL dialects: the one place where SQLite and PostgreSQL differ (types, values, functions)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from leadsdk.entities.model import AttributeMetadata, AttributeType

__all__ = ["Dialect", "PostgresDialect", "SqliteDialect"]

UTC = dt.timezone.utc
A = AttributeType


class Dialect:
    """How values and expressions are written for one SQL engine."""

    name = "generic"
    placeholder = "?"

    def quote(self, ident: str) -> str:
        return '"' + ident.replace('"', '""') + '"'

    # types --------------------------------------------------------------------
    def column_type(self, attr: AttributeMetadata) -> str:
        raise NotImplementedError

    # values -------------------------------------------------------------------
    def encode(self, t: AttributeType, value: Any) -> Any:
        """A Python value (already validated) -> the driver's parameter."""
        return value

    def decode(self, t: AttributeType, value: Any) -> Any:
        """A driver value -> the Python value handlers see."""
        return value

    # expressions --------------------------------------------------------------
    def numeric(self, expr: str, t: AttributeType) -> str:
        """An expression usable for numeric comparison and aggregates."""
        return expr

    def text_eq(self, expr: str) -> str:
        """Case-insensitive equality with a placeholder."""
        return f"{expr} = {self.placeholder}"

    def text_cmp(self, expr: str, op: str) -> str:
        return f"{expr} {op} {self.placeholder}"

    def like(self, expr: str, negate: bool = False) -> str:
        return f"{expr} {'NOT ' if negate else ''}LIKE {self.placeholder} ESCAPE '\\'"

    def text_order(self, expr: str) -> str:
        return expr

    def order_nulls(self, descending: bool) -> str:
        """Dataverse (SQL Server) sorts NULL first ascending, last descending."""
        return ""

    def date_part(self, expr: str, grouping: str) -> str:
        raise NotImplementedError

    def true(self) -> str:
        return "1"

    def false(self) -> str:
        return "0"


class SqliteDialect(Dialect):
    """SQLite: UUIDs and datetimes as text, decimals as exact text compared numerically, NOCASE text."""

    name = "sqlite"
    placeholder = "?"

    _TYPES = {
        A.STRING: "TEXT", A.MEMO: "TEXT", A.INTEGER: "INTEGER", A.BIGINT: "INTEGER", A.DECIMAL: "TEXT",
        A.MONEY: "TEXT", A.DOUBLE: "FLOAT", A.BOOLEAN: "INTEGER", A.DATETIME: "TEXT", A.DATE: "TEXT",
        A.LOOKUP: "TEXT", A.CUSTOMER: "TEXT", A.OWNER: "TEXT", A.PICKLIST: "INTEGER", A.STATE: "INTEGER",
        A.STATUS: "INTEGER", A.UNIQUEIDENTIFIER: "TEXT", A.FILE: "BLOB", A.IMAGE: "BLOB",
    }

    def column_type(self, attr: AttributeMetadata) -> str:
        return self._TYPES[attr.type]

    def encode(self, t: AttributeType, value: Any) -> Any:
        if value is None:
            return None
        if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER):
            return str(value)
        if t is A.DATETIME:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if t is A.DATE:
            return value.isoformat()
        if t in (A.DECIMAL, A.MONEY):
            return str(value)
        if t is A.BOOLEAN:
            return 1 if value else 0
        return value

    def decode(self, t: AttributeType, value: Any) -> Any:
        if value is None:
            return None
        if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER):
            return uuid.UUID(value)
        if t is A.DATETIME:
            return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        if t is A.DATE:
            return dt.date.fromisoformat(value)
        if t in (A.DECIMAL, A.MONEY):
            return Decimal(value) if isinstance(value, str) else Decimal(repr(value))
        if t is A.BOOLEAN:
            return bool(value)
        return value

    def numeric(self, expr: str, t: AttributeType) -> str:
        if t in (A.DECIMAL, A.MONEY):
            return f"CAST({expr} AS REAL)"
        return expr

    def text_eq(self, expr: str) -> str:
        return f"{expr} = ? COLLATE NOCASE"

    def text_cmp(self, expr: str, op: str) -> str:
        return f"{expr} {op} ? COLLATE NOCASE"

    def text_order(self, expr: str) -> str:
        return f"{expr} COLLATE NOCASE"

    def date_part(self, expr: str, grouping: str) -> str:
        fmt = {"day": "%d", "week": "%W", "month": "%m", "year": "%Y"}
        if grouping == "quarter":
            return f"((CAST(strftime('%m', {expr}) AS INTEGER) + 2) / 3)"
        if grouping not in fmt:
            raise ValueError(grouping)
        return f"CAST(strftime('{fmt[grouping]}', {expr}) AS INTEGER)"


class PostgresDialect(Dialect):
    """PostgreSQL: native uuid, numeric, timestamptz and boolean; case-insensitive text by lower()."""

    name = "postgres"
    placeholder = "%s"

    _TYPES = {
        A.STRING: "text", A.MEMO: "text", A.INTEGER: "integer", A.BIGINT: "bigint", A.DECIMAL: "numeric",
        A.MONEY: "numeric", A.DOUBLE: "double precision", A.BOOLEAN: "boolean", A.DATETIME: "timestamptz",
        A.DATE: "date", A.LOOKUP: "uuid", A.CUSTOMER: "uuid", A.OWNER: "uuid", A.PICKLIST: "integer",
        A.STATE: "integer", A.STATUS: "integer", A.UNIQUEIDENTIFIER: "uuid", A.FILE: "bytea", A.IMAGE: "bytea",
    }

    def column_type(self, attr: AttributeMetadata) -> str:
        return self._TYPES[attr.type]

    def decode(self, t: AttributeType, value: Any) -> Any:
        if value is None:
            return None
        if t is A.DATETIME and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        if t is A.DATETIME:
            return value.astimezone(UTC)
        if t in (A.FILE, A.IMAGE) and isinstance(value, memoryview):
            return bytes(value)
        return value

    def text_eq(self, expr: str) -> str:
        return f"lower({expr}) = lower(%s)"

    def text_cmp(self, expr: str, op: str) -> str:
        return f"lower({expr}) {op} lower(%s)"

    def like(self, expr: str, negate: bool = False) -> str:
        return f"{expr} {'NOT ' if negate else ''}ILIKE %s ESCAPE '\\'"

    def text_order(self, expr: str) -> str:
        return f"lower({expr})"

    def order_nulls(self, descending: bool) -> str:
        return " NULLS LAST" if descending else " NULLS FIRST"

    def date_part(self, expr: str, grouping: str) -> str:
        field = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
        if grouping not in field:
            raise ValueError(grouping)
        return f"CAST(EXTRACT({field[grouping]} FROM {expr} AT TIME ZONE 'UTC') AS INTEGER)"

    def true(self) -> str:
        return "TRUE"

    def false(self) -> str:
        return "FALSE"
