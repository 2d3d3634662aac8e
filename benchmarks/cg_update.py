"""The single update with audit under callgrind (`/work/notes/cg.sh benchmarks/cg_update.py`): K updates of
jobtitle + telephone1 (compare's `row_update`) after 20 of warm-up, on a 2,000-lead SQLite store seeded as
compare seeds it (WAL, synchronous=NORMAL); per update = (cost(K = 250) - cost(K = 50)) / 200.

UPD_MODE: `lead` (default); `raw` (compare's raw side: SELECT + UPDATE + audit INSERT on its own schema);
`frames` (not for callgrind: prints the WAL frames written per update, leadsdk and raw, with checkpoints off);
`opcodes` (not for callgrind: prints the Python opcodes per update, by a `sys.settrace` counter).
UPD_DROP: indexes of the leadsdk store to drop after the seeding (comma-separated; what an index costs an
update, measured, not a schema change)."""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_compare as b

from leadsdk import Entity, OrganizationService
from leadsdk.storage.sqlite import SqliteStorage

K = int(os.environ.get("K", "50"))
MODE = os.environ.get("UPD_MODE", "lead")
DROP = [n for n in os.environ.get("UPD_DROP", "").split(",") if n]


def _stores() -> tuple[OrganizationService, b.Raw, list[uuid.UUID], list[uuid.UUID]]:
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous="NORMAL"))
    raw = b._sqlite_raw(tmp / "raw.db")
    ids, raw_ids = b._seed(svc, raw, 2000, 40)
    storage = svc.storage
    assert isinstance(storage, SqliteStorage)
    for name in DROP:
        storage.conn.execute(f'DROP INDEX "{name}"')
    return svc, raw, ids, raw_ids


def _lead_side(svc: OrganizationService, leads: list[uuid.UUID], start: int) -> Callable[[int], None]:
    def run(n: int) -> None:
        for k in range(start, start + n):
            svc.update(Entity("lead", leads[k % len(leads)], {"jobtitle": "Manager", "telephone1": f"555-{k}"}))
    return run


def _raw_side(raw: b.Raw, leads: list[uuid.UUID], start: int) -> Callable[[int], None]:
    update = b.raw_updater(raw)

    def run(n: int) -> None:
        for k in range(start, start + n):
            update(leads[k % len(leads)], k)
    return run


def _wal_frames(conn: sqlite3.Connection, path: Path, run: Callable[[int], None], n: int) -> float:
    """WAL frames written per operation: checkpoints off, the WAL's growth over n operations."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    wal = Path(str(path) + "-wal")
    before = wal.stat().st_size if wal.exists() else 0
    run(n)
    grown = wal.stat().st_size - before
    return grown / (page + 24) / n


def _opcodes(run: Callable[[int], None], n: int) -> float:
    count = [0]

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            count[0] += 1
        return tracer

    sys.settrace(tracer)
    try:
        run(n)
    finally:
        sys.settrace(None)
    return count[0] / n


def main() -> None:
    svc, raw, ids, raw_ids = _stores()
    lead, raw_run = _lead_side(svc, ids, 0), _raw_side(raw, raw_ids, 0)
    if MODE == "frames":
        storage = svc.storage
        assert isinstance(storage, SqliteStorage)
        lead(20)
        raw_run(20)
        mine = _wal_frames(storage.conn, Path(storage.path), _lead_side(svc, ids, 20), 200)
        raw_path = Path(raw.c.execute("PRAGMA database_list").fetchone()[2])
        theirs = _wal_frames(raw.c, raw_path, _raw_side(raw, raw_ids, 20), 200)
        print(f"WAL frames per update: leadsdk {mine:.2f}, raw {theirs:.2f}")
        return
    run = raw_run if MODE == "raw" else lead
    run(20)
    gc.freeze()  # the seeded objects out of the collector's way (see cg_qualify.py)
    if MODE == "opcodes":
        print(f"Python opcodes per update: {_opcodes(_lead_side(svc, ids, 20), 100):,.0f}")
        return
    (_raw_side(raw, raw_ids, 20) if MODE == "raw" else _lead_side(svc, ids, 20))(K)


if __name__ == "__main__":
    main()
