"""The embedded SQLite backend, on the sqlite3 driver (schema sync by catalog queries, the hot path by SQL)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.like import like_match
from leadsdk.storage.dialect import SqliteDialect
from leadsdk.storage.sqlbase import SqlStorage, build_result

__all__ = ["SqliteStorage", "build_result"]


class _ConnState(threading.local):
    conn: sqlite3.Connection | None = None
    depth: int = 0


class SqliteStorage(SqlStorage):
    """A store in one SQLite file (WAL mode) or in memory (`":memory:"`, the default).

    Each thread gets its own connection to a file store; an in-memory store has one connection
    shared under a lock. Writes take the database lock at BEGIN (BEGIN IMMEDIATE) and wait up to
    `timeout` seconds for another writer.
    """

    dialect = SqliteDialect()

    def __init__(self, path: str | Path = ":memory:", *, timeout: float = 30.0,
                 synchronous: str = "NORMAL") -> None:
        super().__init__()
        self.path = str(path)
        self.memory = self.path == ":memory:" or self.path.startswith("file::memory:")
        self.timeout = timeout
        self.synchronous = synchronous
        self._state = _ConnState()
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._shared_depth = 0
        self._all_conns: list[sqlite3.Connection] = []
        self._last_version = 0
        self._version_lock = threading.Lock()
        self._closed = False

    # connections ------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"Cannot open the database '{self.path}': {e}.") from e
        conn.create_function("regexp", 2, like_match, deterministic=True)  # Like patterns with [a-c] classes
        conn.execute("PRAGMA page_size=8192")  # new files: rows of ~100 columns fill 4 KiB pages fast
        if not self.memory:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-65536")
        self._all_conns.append(conn)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._closed:
            raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "This store has been closed.")
        if self.memory:
            if self._shared is None:
                self._shared = self._connect()
            return self._shared
        c = self._state.conn
        if c is None:
            c = self._state.conn = self._connect()
        return c

    def _get_depth(self) -> int:
        return self._shared_depth if self.memory else self._state.depth

    def _set_depth(self, d: int) -> None:
        if self.memory:
            self._shared_depth = d
        else:
            self._state.depth = d

    @property
    def in_transaction(self) -> bool:
        return self._get_depth() > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.memory:
            self._lock.acquire()
        try:
            conn = self.conn
            depth = self._get_depth()
            try:
                if depth == 0:
                    self._execute(conn, "BEGIN IMMEDIATE")
                else:
                    conn.execute(f"SAVEPOINT sp{depth}")
            except sqlite3.Error as e:
                raise self._fault(e) from e
            self._set_depth(depth + 1)
            try:
                yield
            except BaseException:
                self._set_depth(depth)
                try:
                    if depth == 0:
                        conn.execute("ROLLBACK")
                    else:
                        conn.execute(f"ROLLBACK TO sp{depth}")
                        conn.execute(f"RELEASE sp{depth}")
                except sqlite3.Error:
                    pass
                raise
            self._set_depth(depth)
            try:
                if depth == 0:
                    self._execute(conn, "COMMIT")
                else:
                    conn.execute(f"RELEASE sp{depth}")
            except sqlite3.Error as e:
                if depth == 0:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise self._fault(e) from e
        finally:
            if self.memory:
                self._lock.release()

    def _execute(self, conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Execute, retrying briefly when another process holds the lock past the busy timeout."""
        for attempt in range(5):
            try:
                return conn.execute(sql, params)
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _fault(self, e: sqlite3.Error, table: str | None = None) -> OrganizationServiceFault:
        msg = str(e)
        if isinstance(e, sqlite3.IntegrityError) and "UNIQUE" in msg:
            where = f" in {table}" if table else ""
            return OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD,
                f"Cannot insert duplicate key{where}: a record with this key already exists.")
        if isinstance(e, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg):
            return OrganizationServiceFault(
                ErrorCodes.THROTTLING,
                "The database is busy with another writer; try the request again.",
                error_details={"retryable": True},
            )
        return OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"The database reported an error: {msg}.")

    def close(self) -> None:
        for c in self._all_conns:
            try:
                c.close()
            except sqlite3.Error:
                pass
        self._all_conns.clear()
        self._shared = None
        self._state = _ConnState()
        self._closed = True

    # schema -------------------------------------------------------------------------
    def attach(self, metadata: Metadata) -> None:
        self.metadata = metadata
        self.sync_schema()

    def sync_schema(self) -> None:
        """Create missing tables, add missing columns and indexes. Never drops anything."""
        with self._maybe_lock():
            # plain catalog queries, not sqlite_utils.Database: importing sqlite_utils loads pandas and
            # numpy when they are installed (half a second), which opening a store must not cost
            existing = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            q = self.dialect.quote
            for t in self.metadata:
                name = t.logical_name
                cols = self.storage_columns(t)
                if name not in existing:
                    self.conn.execute(f"CREATE TABLE {q(name)} (" + ", ".join(c for _, c in cols) + ")")
                else:
                    have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({q(name)})")}
                    for col, ddl in cols:
                        if col not in have:
                            self.conn.execute(f"ALTER TABLE {q(name)} ADD COLUMN {ddl}")
                self._ensure_indexes(t)
            self._cache.clear()

    def _ensure_indexes(self, t: EntityMetadata) -> None:
        for sql in self.index_sql(t):
            self.conn.execute(sql)

    def create_index(self, table: EntityMetadata, columns: Sequence[str], unique: bool = False,
                     name: str | None = None) -> None:
        """An extra index (duplicate detection, custom keys)."""
        sql = self.create_index_sql(table, columns, unique, name)
        with self._maybe_lock():
            try:
                self.conn.execute(sql)
            except sqlite3.Error as e:  # a unique index over duplicate values
                raise self._fault(e, table.logical_name) from e

    @contextmanager
    def _maybe_lock(self) -> Iterator[None]:
        if self.memory:
            with self._lock:
                yield
        else:
            yield

    # the primitives SqlStorage builds on -------------------------------------------------
    # An in-memory store has one connection: every statement takes its lock, which a write transaction
    # holds throughout, so another thread never reads a transaction's uncommitted rows.
    def _query(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> list[Any]:
        try:
            if self.memory:
                with self._lock:
                    return self.conn.execute(sql, params).fetchall()
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise self._fault(e, table) from e

    def _command(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> int:
        try:
            with self._maybe_lock():
                return self.conn.execute(sql, params).rowcount
        except sqlite3.Error as e:
            raise self._fault(e, table) from e

    def _command_many(self, sql: str, rows: Sequence[Sequence[Any]], table: str | None = None) -> None:
        try:
            with self._maybe_lock():
                self.conn.executemany(sql, rows)
        except sqlite3.Error as e:
            raise self._fault(e, table) from e

    def ensure_version_above(self, version: int) -> None:
        with self._version_lock:
            self._last_version = max(self._last_version, int(version))

    def next_version(self) -> int:
        with self._version_lock:
            v = max(time.time_ns() // 1000, self._last_version + 1)
            self._last_version = v
            return v

    def next_versions(self, n: int) -> range:
        # A block of n microseconds from now: writing n rows takes far longer than n microseconds, so by
        # the time they commit and another process can touch them its clock is past the whole block.
        with self._version_lock:
            v = max(time.time_ns() // 1000, self._last_version + 1)
            self._last_version = v + n - 1
            return range(v, v + n)
