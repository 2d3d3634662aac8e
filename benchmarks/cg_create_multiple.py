"""CreateMultiple under callgrind: one request of K x 40 leads (compare's `row_create_multiple`: 20 data
columns from `lead_values`, the Entities built before the measured call) on a SQLite store seeded with
2,000 leads and 200 accounts (WAL, synchronous=NORMAL). CM_MODE: `lead` (default), `accounts` (a
`parentaccountid` on every lead, 50 accounts) or `raw` (sqlite3 executemany into compare's raw table,
rows built before). Only the measured call is collected: run with
`valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing` at K = 50 and 250
(chunks of 2,000 line up); per lead = (cost(250) - cost(50)) / 8,000."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import uuid
from pathlib import Path

import bench_compare as b

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.messages import CreateMultipleRequest
from leadsdk.storage.sqlite import SqliteStorage

K = int(os.environ.get("K", "50"))
MODE = os.environ.get("CM_MODE", "lead")


def main() -> None:
    n = K * 40
    base = 20_000_000
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous="NORMAL"))
    raw = b._sqlite_raw(tmp / "raw.db")
    b._seed(svc, raw, 2000, 200)
    if MODE == "raw":
        rows = [raw.lead_row(uuid.uuid4(), base + i) for i in range(n)]

        def run() -> None:
            with raw.tx():
                raw.c.cursor().executemany(raw.insert_lead, rows)
    else:
        accs = [r[0] for r in svc.storage.conn.execute("SELECT accountid FROM account LIMIT 50")]
        targets = []
        for i in range(n):
            e = Entity("lead", attributes=b.lead_values(base + i))
            if MODE == "accounts":
                e["parentaccountid"] = EntityReference("account", uuid.UUID(str(accs[i % len(accs)])))
            targets.append(e)

        def run() -> None:
            svc.execute(CreateMultipleRequest(targets=targets))
    gc.collect()
    gc.freeze()
    sys.call_tracing(run, ())


if __name__ == "__main__":
    main()
