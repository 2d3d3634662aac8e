"""A single Delete under callgrind (`/work/notes/cg.sh benchmarks/cg_delete.py`): K deletes of leads that
have a parent account (audit on: each delete reads the whole row first for its audit row), after 20 of
warm-up, on a SQLite file store (WAL, synchronous=NORMAL)."""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

import bench_compare as b

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.storage.sqlite import SqliteStorage

K = int(os.environ.get("K", "50"))


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous="NORMAL"))
    acc = EntityReference("account", svc.create(Entity("account", name="Acme")))
    ids = [svc.create(Entity("lead", attributes={**b.lead_values(i), "parentaccountid": acc})) for i in range(K + 20)]
    gc.freeze()  # the setup's objects out of the collector's way (as cg_qualify)
    for lead in ids:
        svc.delete("lead", lead)


if __name__ == "__main__":
    main()
