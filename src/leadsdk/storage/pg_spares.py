"""Spare PostgreSQL schemas built ahead in the background (storage layer): a throw-away store (tests,
`drop_schema_on_close`) takes a ready schema instead of building ~40 tables and their indexes while the
caller waits. Used by PostgresStorage."""

from __future__ import annotations

import atexit
import os
import queue
import re
import threading
from typing import Any

import psycopg
import psycopg.errors
from psycopg import sql as _psql

__all__ = ["flush_background_work"]


class Spares:
    """Throw-away schemas for one database, made ahead and dropped behind by a background thread.

    A test suite opens a fresh store per test; building the ~40 tables and ~340 indexes costs a few
    hundred milliseconds of PostgreSQL time. Stores opened with `schema=` and
    `drop_schema_on_close=True` rename a spare schema built in the background instead, and their
    schema is dropped in the background after `close()`. Everything left (spares, pending drops) is
    dropped when the process exits; `flush_background_work()` waits for it.
    """

    KEEP = 4
    WORKERS = 2

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.lock = threading.Lock()
        self.ready: dict[str, list[str]] = {}
        self.pending: dict[str, int] = {}
        self.jobs: queue.Queue[tuple[str, str, str, str] | None] = queue.Queue()
        self.counter = 0
        self.prefix = f"leadsdk_spare_{os.getpid()}_"
        self.thread: threading.Thread | None = None

    def _start(self) -> None:
        if self.thread is None:
            for i in range(self.WORKERS):
                self.thread = threading.Thread(target=self._work, name=f"leadsdk-pg-spares-{i}", daemon=True)
                self.thread.start()

    def take(self, script: str) -> str | None:
        with self.lock:
            names = self.ready.get(script)
            return names.pop() if names else None

    def prepare(self, script: str) -> None:
        with self.lock:
            have = len(self.ready.get(script, ())) + self.pending.get(script, 0)
            for _ in range(self.KEEP - have):
                self.counter += 1
                self.pending[script] = self.pending.get(script, 0) + 1
                self.jobs.put(("make", f"{self.prefix}{self.counter}", script, ""))
            self._start()

    def drop_later(self, schema: str) -> None:
        with self.lock:
            self.jobs.put(("drop", schema, "", ""))
            self._start()

    def recycle_later(self, schema: str, script: str, reset: str) -> None:
        """Empty a closed throw-away schema whose tables are still those `script` makes (`reset` deletes
        every row) and keep it as a spare: emptying a few small tables costs far less than building them."""
        with self.lock:
            if len(self.ready.get(script, ())) >= 2 * self.KEEP:
                self.jobs.put(("drop", schema, "", ""))
            else:
                self.counter += 1
                self.pending[script] = self.pending.get(script, 0) + 1
                self.jobs.put(("recycle", f"{self.prefix}{self.counter}", script, f"{schema}\n{reset}"))
            self._start()

    def _work(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                kind, name, script, reset = job
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self.dsn, autocommit=True, options="-c TimeZone=UTC")
                    if kind == "drop":
                        conn.execute(_psql.SQL(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                    elif kind == "recycle":  # `reset` is the closed schema's name, a line break, then its DELETEs
                        old, _, delete = reset.partition("\n")
                        try:
                            conn.execute(_psql.SQL(f'BEGIN;\nALTER SCHEMA "{old}" RENAME TO "{name}";\n'
                                                   f'SET LOCAL search_path TO "{name}";\n{delete}\nCOMMIT;'))
                        except psycopg.Error:
                            self.jobs.put(("drop", old, "", ""))
                            raise
                        with self.lock:
                            self.ready.setdefault(script, []).append(name)
                    else:
                        conn.execute(_psql.SQL(f'BEGIN;\nCREATE SCHEMA "{name}";\nSET LOCAL search_path TO "{name}";\n'
                                               f"{script}\nCOMMIT;"))
                        with self.lock:
                            self.ready.setdefault(script, []).append(name)
                except psycopg.Error:
                    conn = None
                finally:
                    if kind in ("make", "recycle"):
                        with self.lock:
                            self.pending[script] -= 1
            finally:
                self.jobs.task_done()

    def flush(self, drop_spares: bool = False) -> None:
        """Wait for pending work; with drop_spares also drop the schemas made ahead."""
        if self.thread is not None:
            self.jobs.join()
        if drop_spares:
            with self.lock:
                names = [n for ns in self.ready.values() for n in ns]
                self.ready.clear()
            for n in names:
                self.drop_later(n)
            if self.thread is not None:
                self.jobs.join()


_SPARES_LOCK = threading.Lock()


SPARES: dict[str, Spares] = {}


def spares_for(dsn: str) -> Spares:
    with _SPARES_LOCK:
        sp = SPARES.get(dsn)
        if sp is None:
            sp = SPARES[dsn] = Spares(dsn)
        return sp


def flush_background_work(drop_spares: bool = False) -> None:
    """Wait until throw-away schemas closed so far are dropped (and, with drop_spares, drop the spares)."""
    for sp in list(SPARES.values()):
        sp.flush(drop_spares)


@atexit.register
def _at_exit() -> None:
    flush_background_work(drop_spares=True)


def first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0].rstrip(".")


def redact(dsn: str) -> str:
    """The DSN without its password."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", re.sub(r"(password=)\S+", r"\1***", dsn))
