"""`leadsdk sql`: read-only SQL over a store, as Dataverse's TDS endpoint offers (SELECT only).

SQLite opens the file read-only (`mode=ro`, `query_only`); PostgreSQL runs in a read-only transaction.
Either way a write is refused by the database itself, not by parsing the statement.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

import click

__all__ = ["run_readonly"]


def run_readonly(db: str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows) of `sql` run read-only on the store `db`; a click error when it fails."""
    if db.startswith(("postgresql://", "postgres://")):
        import psycopg

        try:
            with psycopg.connect(db) as conn:
                conn.read_only = True
                cur = conn.execute(sql.encode())
                names = [d.name for d in cur.description or []]
                return names, [tuple(r) for r in cur.fetchall()]
        except psycopg.Error as e:
            raise click.ClickException(f"SQL refused: {str(e).strip()}") from None
    if not Path(db).exists():
        raise click.ClickException(f"No store at {db} (create it with `leadsdk init`).")
    uri = "file:" + urllib.parse.quote(str(Path(db).resolve())) + "?mode=ro"
    lite = sqlite3.connect(uri, uri=True)
    try:
        lite.execute("PRAGMA query_only = ON")
        c = lite.execute(sql)
        return [d[0] for d in c.description or []], [tuple(r) for r in c.fetchall()]
    except sqlite3.Error as e:
        raise click.ClickException(f"SQL refused: {e}") from None
    finally:
        lite.close()
