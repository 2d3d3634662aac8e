"""The PostgreSQL store's schema and row versions (storage layer): the DDL script derived from the metadata
(cached per metadata fingerprint), creating or extending the tables, throw-away schemas taken from the
spares, and the `leadsdk_version` sequence handed out in blocks. A mixin of `PostgresStorage`."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from leadsdk.entities.registry import Metadata
from leadsdk.storage.pg_spares import spares_for
from leadsdk.storage.sqlbase import GENERATION_DDL, SqlStorage

__all__ = ["VERSION_BLOCK", "PgSchema"]


VERSION_BLOCK = 100
"""Row versions each process takes from the sequence per round trip."""


_SEQUENCE = f"CREATE SEQUENCE IF NOT EXISTS leadsdk_version INCREMENT BY {VERSION_BLOCK}"


_DDL_CACHE: dict[tuple[Any, ...], str] = {}
"""Schema scripts by (metadata fingerprint), so each new test schema costs one round trip."""


class PgSchema(SqlStorage):
    """Schema and row-version methods of `PostgresStorage` (which sets the attributes declared here)."""

    dsn: str
    schema: str | None
    _throwaway: bool
    _schema_made: bool
    _spare_script: str | None
    _locked: str
    _version_lock: threading.Lock
    _version_next: int
    _version_end: int
    _version_spare: list[int]
    """Starts of whole blocks taken ahead by `reserve_versions`, in order."""

    def _script(self, text: str) -> None:
        raise NotImplementedError

    def next_version(self) -> int:
        """From the store's sequence, `VERSION_BLOCK` numbers per round trip (each process takes its own block)."""
        with self._version_lock:
            if self._version_next >= self._version_end:
                if self._version_spare:
                    start = self._version_spare.pop(0)
                else:
                    rows = self._query("SELECT nextval('leadsdk_version')")
                    start = int(rows[0][0])
                self._version_next, self._version_end = start, start + VERSION_BLOCK
            v = self._version_next
            self._version_next += 1
            return v

    def next_versions(self, n: int) -> Sequence[int]:
        """`n` increasing versions: what is left of this process's block, then as many new blocks as needed
        in one round trip (a bulk create of 100,000 rows took 1,000 `nextval` round trips)."""
        with self._version_lock:
            left = min(n, self._version_end - self._version_next)
            out = list(range(self._version_next, self._version_next + left)) if left > 0 else []
            self._version_next += max(left, 0)
            while n > len(out) and self._version_spare:  # blocks `reserve_versions` took
                start = self._version_spare.pop(0)
                take = min(n - len(out), VERSION_BLOCK)
                out.extend(range(start, start + take))
                self._version_next, self._version_end = start + take, start + VERSION_BLOCK
            if n > len(out):
                blocks = -(-(n - len(out)) // VERSION_BLOCK)
                rows = self._query("SELECT nextval('leadsdk_version') FROM generate_series(1, %s)", (blocks,))
                starts = sorted(int(r[0]) for r in rows)
                for start in starts[:-1]:
                    out.extend(range(start, start + VERSION_BLOCK))
                last, need = starts[-1], n - len(out)
                out.extend(range(last, last + need))
                self._version_next, self._version_end = last + need, last + VERSION_BLOCK
            return out

    def reserve_versions(self, n: int) -> None:
        """The blocks `n` more versions need beyond what is left, in one round trip (kept in order: the
        sequence only grows, so they follow the current block)."""
        with self._version_lock:
            have = max(self._version_end - self._version_next, 0) + VERSION_BLOCK * len(self._version_spare)
            if n > have:
                blocks = -(-(n - have) // VERSION_BLOCK)
                rows = self._query("SELECT nextval('leadsdk_version') FROM generate_series(1, %s)", (blocks,))
                self._version_spare.extend(sorted(int(r[0]) for r in rows))

    def ensure_version_above(self, version: int) -> None:
        """Make every later version larger than `version` (after copying rows in from another store)."""
        with self._version_lock:
            rows = self._query("SELECT last_value FROM leadsdk_version")
            if int(rows[0][0]) < version:
                self._query("SELECT setval('leadsdk_version', %s)", (int(version),))
            self._version_next = self._version_end = 0
            self._version_spare.clear()

    def attach(self, metadata: Metadata) -> None:
        self.metadata = metadata
        self.sync_schema()

    def _fingerprint(self) -> tuple[Any, ...]:
        return tuple((t.logical_name, tuple(c for c, _ in self.storage_columns(t)), t.change_tracking_enabled,
                      tuple((k.index_name, *k.key_attributes) for k in t.keys)) for t in self.metadata)

    def schema_script(self) -> str:
        """The DDL creating every table, column and index of the metadata (idempotent)."""
        key = self._fingerprint()
        text = _DDL_CACHE.get(key)
        if text is None:
            parts = [_SEQUENCE, *GENERATION_DDL]
            for t in self.metadata:
                parts.append(self.create_table_sql(t))
                parts.extend(self.index_sql(t))
            text = ";\n".join(parts) + ";"
            _DDL_CACHE[key] = text
        return text

    def sync_schema(self) -> None:
        """Create missing tables, add missing columns and indexes. Never drops anything."""
        if self._throwaway and not self._schema_made and self.schema is not None:
            # a throw-away store (tests): take a schema prepared ahead in the background when one is ready
            self._schema_made = True
            script = self.schema_script()
            spares = spares_for(self.dsn)
            spare = spares.take(script)
            q = self.dialect.quote
            self._spare_script = script
            if spare is not None:
                self._script(f"ALTER SCHEMA {q(spare)} RENAME TO {q(self.schema)}")
            else:
                self._script(f"CREATE SCHEMA {q(self.schema)};\nSET LOCAL search_path TO {q(self.schema)};\n"
                             + script)
            spares.prepare(script)
            self._cache.clear()
            return
        have = self._existing_columns()
        parts: list[str] = []
        if not have:
            self._script(self.schema_script())
        else:
            q = self.dialect.quote
            parts.extend([_SEQUENCE, *GENERATION_DDL])
            for t in self.metadata:
                cols = have.get(t.logical_name)
                if cols is None:
                    parts.append(self.create_table_sql(t))
                else:
                    for col, ddl in self.storage_columns(t):
                        if col not in cols:
                            parts.append(f"ALTER TABLE {q(t.logical_name)} ADD COLUMN IF NOT EXISTS {ddl}")
                parts.extend(self.index_sql(t))
            self._script(";\n".join(parts) + ";")
        self._cache.clear()

    def _reset_script(self) -> str:
        """Every row of the store deleted and the change counter back at zero: a fresh store's tables, to
        keep a throw-away schema as a spare (there are no foreign keys, so any order does)."""
        q = self.dialect.quote
        return "".join(f"DELETE FROM {q(t.logical_name)};\n" for t in self.metadata) + \
            "DELETE FROM leadsdk_generation;\n" + GENERATION_DDL[1] + ";"

    def _existing_columns(self) -> dict[str, set[str]]:
        rows = self._query(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()")
        out: dict[str, set[str]] = {}
        for t, c in rows:
            out.setdefault(t, set()).add(c)
        return out

    @contextmanager
    def setup_transaction(self) -> Iterator[None]:
        """A transaction holding the store's setup lock: processes seeding a new store at once queue here."""
        with self.transaction():
            self._query(self._locked)
            yield
