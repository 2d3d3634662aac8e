"""Adding a column to a big table is a schema change, not a rewrite: CreateAttributeRequest on a table
of N leads, beside raw sqlite3's ALTER TABLE ADD COLUMN and beside a full-copy rewrite of the table."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import uuid
from pathlib import Path

from harness import Result, timed

from leadsdk import OrganizationService
from leadsdk.entities.declare import string
from leadsdk.messages import CreateAttributeRequest
from leadsdk.storage.sqlite import SqliteStorage

UTC = dt.timezone.utc


def run(quick: bool) -> list[Result]:
    n = 100_000 if quick else 1_000_000
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "big.db"))
    table = svc.metadata.table("lead")
    now = dt.datetime.now(UTC)
    batch = 50_000
    for start in range(0, n, batch):
        rows = [{"leadid": uuid.uuid4(), "lastname": f"L{i}", "companyname": f"C{i % 1000}", "statecode": 0,
                 "statuscode": 1, "createdon": now, "modifiedon": now, "versionnumber": i}
                for i in range(start, min(n, start + batch))]
        with svc.storage.transaction():
            svc.storage.insert_many(table, rows)
    add = timed(lambda: svc.execute(CreateAttributeRequest(entity_name="lead",
                                                           attribute=string("new_code", 20, "Code"))))
    svc.close()
    raw = sqlite3.connect(tmp / "big.db", isolation_level=None)
    alter = timed(lambda: raw.execute("ALTER TABLE lead ADD COLUMN raw_code TEXT"))
    rewrite = timed(lambda: raw.execute("CREATE TABLE lead_copy AS SELECT * FROM lead"))
    raw.close()
    r = Result(f"add a column to a table of {n:,} leads", 1, add, alter, bound=None,
               note="raw = sqlite3 ALTER TABLE ADD COLUMN on the same file")
    r.extra["a full rewrite of the table (CREATE TABLE AS SELECT) for comparison"] = f"{rewrite:.3f} s"
    r.extra["leadsdk CreateAttributeRequest"] = f"{add * 1000:.1f} ms"
    return [r]
