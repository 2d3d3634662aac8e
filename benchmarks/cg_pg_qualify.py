"""PostgreSQL QualifyLead under callgrind (`/work/notes/cg.sh benchmarks/cg_pg_qualify.py`): K qualifications
(account + contact + opportunity, one transaction each, as compare's PostgreSQL `row_qualify`) after 20 of
warm-up, on a 2,000-lead store in a throw-away schema of database `test` at 127.0.0.1:5432 (`LEADSDK_TEST_PG`),
seeded as compare seeds it. Counts the client's instructions only (the server is another process).

`CG_PROFILE=/tmp/q.prof python benchmarks/cg_pg_qualify.py` writes a cProfile of the K qualifications instead;
the round trips per qualification are printed to stderr."""

from __future__ import annotations

import cProfile
import gc
import os
import sys
import time
import uuid

import bench_compare as b
import psycopg

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.messages import QualifyLeadRequest
from leadsdk.storage.postgres import PostgresStorage

K = int(os.environ.get("K", "50"))
PROFILE = os.environ.get("CG_PROFILE", "")


def _qualify(svc: OrganizationService, lead: uuid.UUID) -> None:
    svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_account=True,
                                   create_contact=True, create_opportunity=True))


def main() -> None:
    pid = os.getpid()
    storage = PostgresStorage(b.DSN, schema=f"cgq_{pid}", drop_schema_on_close=True)
    svc = OrganizationService(storage)
    conn = psycopg.connect(b.DSN, autocommit=True)
    conn.execute(f"CREATE SCHEMA cgq_raw_{pid}")
    conn.execute(f"SET search_path = cgq_raw_{pid}")
    try:
        b._seed(svc, b.Raw(conn, pg=True), 2000, 200)
        fresh = [svc.create(Entity("lead", attributes=b.lead_values(10_000_000 + i))) for i in range(K + 20)]
        for lead in fresh[:20]:
            _qualify(svc, lead)
        gc.freeze()  # the seeded objects out of the collector's way (as cg_qualify.py)
        trips = storage._round_trips
        if PROFILE:
            prof = cProfile.Profile(time.process_time)  # CPU, not the waits
            prof.enable()
        for lead in fresh[20:]:
            _qualify(svc, lead)
        if PROFILE:
            prof.disable()
            prof.dump_stats(PROFILE)
        print(f"{(storage._round_trips - trips) / K:.2f} round trips per QualifyLead", file=sys.stderr)
    finally:
        svc.close()
        conn.execute(f"DROP SCHEMA cgq_raw_{pid} CASCADE")
        conn.close()


if __name__ == "__main__":
    main()
