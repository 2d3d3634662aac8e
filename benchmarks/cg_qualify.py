"""QualifyLead under callgrind (`/work/notes/cg.sh benchmarks/cg_qualify.py`): K qualifications (account +
contact + opportunity, one transaction each, as compare's `row_qualify`) after 20 of warm-up, on a
2,000-lead SQLite store seeded as compare seeds it (WAL, synchronous=NORMAL).

The floor (leadsdk's own statements replayed by sqlite3, as compare's `_rate_and_floor`): first
`QUALIFY_LOG=/tmp/q.pkl python benchmarks/cg_qualify.py record` (writes the log of 250 qualifications and a copy
of the store before them), then `QUALIFY_LOG=/tmp/q.pkl cg.sh benchmarks/cg_qualify.py` with `QUALIFY_REPLAY=1`:
per operation, the instructions of the statements alone."""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import bench_compare as b

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.messages import QualifyLeadRequest
from leadsdk.storage.sqlite import SqliteStorage

K = int(os.environ.get("K", "50"))
LOG = os.environ.get("QUALIFY_LOG", "")


def _store(fresh: int) -> tuple[OrganizationService, list[uuid.UUID]]:
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous="NORMAL"))
    b._seed(svc, b._sqlite_raw(tmp / "raw.db"), 2000, 200)
    return svc, [svc.create(Entity("lead", attributes=b.lead_values(10_000_000 + i))) for i in range(fresh)]


def _qualify(svc: OrganizationService, lead: uuid.UUID) -> None:
    svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_account=True,
                                   create_contact=True, create_opportunity=True))


def record() -> None:
    """250 qualifications' statements (and the store before them) for the replay."""
    svc, fresh = _store(270)
    for lead in fresh[:20]:
        _qualify(svc, lead)
    storage = svc.storage
    assert isinstance(storage, SqliteStorage)
    src, dst = sqlite3.connect(storage.path), sqlite3.connect(LOG + ".db")
    src.backup(dst)
    src.close()
    dst.close()
    rec = b._Recorder(storage.conn)
    storage._state.conn = rec
    for lead in fresh[20:]:
        _qualify(svc, lead)
    storage._state.conn = rec._conn
    with open(LOG, "wb") as f:
        pickle.dump((rec.log, storage.checkpoint_pages), f)
    print(f"{len(rec.log) / 250:.1f} statements per QualifyLead")


def replay() -> None:
    """The first K qualifications' statements, on a copy of the recorded store, with its settings."""
    with open(LOG, "rb") as f:
        log: list[tuple[str, Any, bool]]
        log, pages = pickle.load(f)
    work = Path(tempfile.mkdtemp()) / "replay.db"
    shutil.copy(LOG + ".db", work)
    c = sqlite3.connect(work, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "temp_store=MEMORY", "cache_size=-65536",
                   f"wal_autocheckpoint={pages}"):
        c.execute(f"PRAGMA {pragma}")
    for sql, params, many in log[: len(log) // 250 * K]:
        if many:
            c.executemany(sql, params)
        else:
            c.execute(sql, params).fetchall()
    c.close()


def main() -> None:
    if sys.argv[1:] == ["record"]:
        record()
    elif os.environ.get("QUALIFY_REPLAY"):
        replay()
    else:
        svc, fresh = _store(K + 20)
        gc.freeze()  # the seeded objects out of the collector's way: a full collection's cost (and whether
        # one falls between K = 50 and K = 250) depends on the heap the seeding left, not on QualifyLead
        for lead in fresh:
            _qualify(svc, lead)


if __name__ == "__main__":
    main()
