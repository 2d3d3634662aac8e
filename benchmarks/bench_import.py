"""Importing a CSV file of leads: rows/s and peak Python memory, at two sizes, to show that memory
stays flat (the file is streamed in batches through CreateMultiple) rather than growing with it."""

from __future__ import annotations

import csv
import sqlite3
import tempfile
from pathlib import Path

from harness import Result, peak_memory

from leadsdk import OrganizationService
from leadsdk.helpers.dataframe import import_csv
from leadsdk.storage.sqlite import SqliteStorage

HEADER = ["firstname", "lastname", "companyname", "subject", "emailaddress1", "telephone1", "jobtitle",
          "address1_city", "address1_country", "leadsourcecode", "industrycode", "numberofemployees",
          "estimatedamount", "decisionmaker"]


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            w.writerow([f"First{i}", f"Last{i}", f"Company {i % 997}", f"Topic {i % 50}", f"u{i}@example.com",
                        f"555-{i:06d}", "Buyer", "Springfield", "USA", "Web" if i % 2 else "3", 1 + i % 33,
                        i % 5000, f"{i % 1000}.50", "yes" if i % 3 else "no"])


def run(quick: bool) -> list[Result]:
    sizes = [10_000, 30_000] if quick else [25_000, 100_000]
    tmp = Path(tempfile.mkdtemp())
    out: list[Result] = []
    for n in sizes:
        path = tmp / f"leads{n}.csv"
        write_csv(path, n)
        svc = OrganizationService(SqliteStorage(tmp / f"import{n}.db"))
        secs, peak = peak_memory(lambda: import_csv(svc, "lead", path, batch_size=2000))  # noqa: B023
        svc.close()
        raw_db = sqlite3.connect(tmp / f"import{n}.db")
        count = raw_db.execute("SELECT COUNT(*) FROM lead").fetchone()[0]
        raw_db.close()
        r = Result(f"import_csv of {n:,} leads (14 columns)", n, secs)
        r.extra["peak Python memory"] = f"{peak / 2**20:.1f} MiB"
        r.extra["rows stored"] = str(count)
        out.append(r)
    return out
