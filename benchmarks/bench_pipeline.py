"""CreateMultiple of N leads with 20 columns vs raw sqlite3 executemany of the same rows (same schema, same run).

leadsdk validates every value, fills the platform columns (ids, owner, state, currency, versions,
timestamps), writes an audit row per record and inserts with one statement per chunk. The raw
baseline inserts the already-encoded 20 columns plus the id (made by leadsdk's id generator, so both
sides append to the key index) into a fresh copy of the same table.
Target: leadsdk throughput >= 1/3 of raw (ratio <= 3.0). Peak memory is Python's (tracemalloc).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness import Result, peak_memory

from leadsdk import Entity, OrganizationService
from leadsdk.messages import CreateMultipleRequest, UpdateMultipleRequest
from leadsdk.records.ids import new_id
from leadsdk.types import Money, OptionSetValue

UTC = dt.timezone.utc


def make_leads(n: int, seed: int = 7) -> list[Entity]:
    """n leads with 20 columns each (text, numbers, money, choices, dates, booleans)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append(Entity("lead", attributes={
            "firstname": f"First{i}", "lastname": f"Last{i % 997}", "subject": f"Interested in bikes #{i}",
            "companyname": f"Company {i % 1013}", "jobtitle": "Buyer", "emailaddress1": f"p{i}@example.com",
            "telephone1": f"+1-555-{i:07d}", "mobilephone": f"+1-556-{i:07d}", "address1_city": "Seattle",
            "address1_country": "USA", "address1_postalcode": f"{98000 + i % 999}", "websiteurl": "https://x.io",
            "description": "Met at the trade show.", "numberofemployees": rnd.randint(1, 5000),
            "revenue": Money(Decimal(rnd.randint(1000, 10**7))),
            "budgetamount": Money(Decimal(rnd.randint(100, 10**5))),
            "leadsourcecode": OptionSetValue(rnd.randint(1, 10)), "industrycode": OptionSetValue(rnd.randint(1, 33)),
            "estimatedclosedate": dt.date(2025, 1 + i % 12, 1 + i % 28), "donotemail": bool(i % 2),
        }))
    return out


def _raw_rows(leads: list[Entity], svc: OrganizationService) -> tuple[list[str], list[list[Any]]]:
    """The same 20 values, encoded the way the store keeps them, plus a primary key."""
    t = svc.metadata.table("lead")
    storage: Any = svc.storage
    cols = ["leadid", *leads[0].attributes]
    rows = []
    for e in leads:
        vals: list[Any] = [str(new_id())]
        for c in cols[1:]:
            v = e.attributes[c]
            v = v.value if isinstance(v, (Money, OptionSetValue)) else v
            vals.append(storage.dialect.encode(t.attributes[c].type, v))
        rows.append(vals)
    return cols, rows


def _settle() -> None:
    """Start a timed run from the same state: no garbage pending, earlier runs' files written out."""
    gc.collect()
    os.sync()


def run(quick: bool) -> list[Result]:
    n = 10_000 if quick else 100_000
    tmp = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    leads = make_leads(n)

    # Peak memory under tracemalloc (which slows Python), on a store of its own, before the timed runs.
    mem_svc = OrganizationService.open(tmp / "traced.db")
    traced_s, peak = peak_memory(lambda: mem_svc.execute(CreateMultipleRequest(targets=leads)))
    mem_svc.close()

    # Best of `rounds`, each side inserting into an empty table of a new file with the same schema.
    rounds = 2
    raw_s = lead_s = float("inf")
    for r in range(rounds):
        raw_svc = OrganizationService.open(tmp / f"raw{r}.db")  # leadsdk's schema, then raw inserts
        cols, rows = _raw_rows(leads, raw_svc)
        raw_svc.close()
        conn = sqlite3.connect(tmp / f"raw{r}.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        sql = f"INSERT INTO lead ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        _settle()
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
        raw_s = min(raw_s, time.perf_counter() - t0)
        conn.close()

        svc = OrganizationService.open(tmp / f"leadsdk{r}.db")
        _settle()
        t0 = time.perf_counter()
        ids = svc.execute(CreateMultipleRequest(targets=leads)).ids
        lead_s = min(lead_s, time.perf_counter() - t0)
        svc.close()
    update = _update_multiple(tmp / f"raw{rounds - 1}.db", [row[0] for row in rows],
                              tmp / f"leadsdk{rounds - 1}.db", ids)
    shutil.rmtree(tmp, ignore_errors=True)
    r = Result(f"CreateMultiple {n:,} leads x 20 columns (+audit)", n, lead_s, raw_s, 3.0,
               note=f"raw: sqlite3 executemany of the same 20 encoded columns + id, one transaction; best of {rounds}")
    r.extra["peak Python memory of the import"] = f"{peak / 2**20:.1f} MiB (traced run took {traced_s:.2f} s)"
    r.extra["input entities"] = f"{n:,} Entity objects built before timing"
    return [r, update]


def _update_multiple(raw_path: Path, raw_ids: list[Any], lead_path: Path, ids: list[uuid.UUID]) -> Result:
    """UpdateMultiple of every lead (2 columns) against a raw executemany UPDATE of the same values.
    leadsdk also reads each record's old values and writes an audit row with them."""
    n = len(ids)
    conn = sqlite3.connect(raw_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    params = [(f"Buyer {k}", k, i) for k, i in enumerate(raw_ids)]
    _settle()
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("UPDATE lead SET jobtitle = ?, numberofemployees = ? WHERE leadid = ?", params)
    conn.execute("COMMIT")
    raw_s = time.perf_counter() - t0
    conn.close()
    svc = OrganizationService.open(lead_path)
    targets = [Entity("lead", i, {"jobtitle": f"Buyer {k}", "numberofemployees": k}) for k, i in enumerate(ids)]
    _settle()
    t0 = time.perf_counter()
    svc.execute(UpdateMultipleRequest(targets=targets))
    lead_s = time.perf_counter() - t0
    svc.close()
    return Result(f"UpdateMultiple {n:,} leads x 2 columns (+audit)", n, lead_s, raw_s, None,
                  note="raw: a bare executemany UPDATE; leadsdk also reads the old values and writes an audit row "
                       "(no target in the issue)")
