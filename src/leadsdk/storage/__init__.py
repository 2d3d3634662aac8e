"""Storage backends: `SqliteStorage` (embedded default) and `PostgresStorage` (psycopg 3, optional extra).

This package is the only place in leadsdk that speaks SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadsdk.storage.base import QueryContext, QueryResult, ReadScope, Storage
from leadsdk.storage.sqlite import SqliteStorage

if TYPE_CHECKING:
    from leadsdk.storage.postgres import PostgresStorage

__all__ = ["PostgresStorage", "QueryContext", "QueryResult", "ReadScope", "SqliteStorage", "Storage"]


def __getattr__(name: str) -> Any:
    if name == "PostgresStorage":
        from leadsdk.storage.postgres import PostgresStorage

        return PostgresStorage
    raise AttributeError(name)
