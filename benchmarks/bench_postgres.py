"""PostgreSQL backend: leadsdk against raw psycopg doing the same SQL work, in the same run.

Workloads: single create (own transaction each), bulk create (CreateMultipleRequest -> multi-row
INSERT; raw: executemany of the same INSERT in one transaction), retrieve by id (the same SELECT,
lookup names joined), query (RetrieveMultiple filtered on companyname vs the compiled SQL), and
eight concurrent writers qualifying distinct leads (throughput; every lead qualified exactly once).
Both sides use schemas of the same database built from the same DDL; both are dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from typing import Any

import psycopg
from bench_core import make_leads
from harness import Result, measure

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.entities.convert import to_storage
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.storage.postgres import PostgresStorage

DSN = os.environ.get("LEADSDK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
UTC = dt.timezone.utc


def run(quick: bool) -> list[Result]:
    n = 300 if quick else 2000
    n_bulk = 2000 if quick else 10_000
    n_qualify = 400 if quick else 10_000
    pid = os.getpid()
    svc = OrganizationService(PostgresStorage(DSN, schema=f"bench_{pid}", drop_schema_on_close=True, max_size=12))
    raw_store = PostgresStorage(DSN, schema=f"bench_raw_{pid}", drop_schema_on_close=True)
    OrganizationService(raw_store)  # same DDL and seed rows
    raw = psycopg.connect(DSN, autocommit=True, options=f"-c search_path=bench_raw_{pid} -c TimeZone=UTC")
    results: list[Result] = []
    try:
        storage = svc.storage
        table = svc.metadata.table("lead")
        d = storage.dialect  # type: ignore[attr-defined]
        org = raw.execute("SELECT basecurrencyid FROM organization").fetchone()[0]  # type: ignore[index]
        bu = raw.execute("SELECT businessunitid FROM systemuser WHERE systemuserid = %s",
                         (SYSTEM_USER_ID,)).fetchone()[0]  # type: ignore[index]
        now = dt.datetime.now(UTC)

        def storage_row(e: Entity, version: int) -> dict[str, Any]:
            row: dict[str, Any] = {"leadid": e.id}
            for k, v in e.attributes.items():
                for col, val in to_storage(table, table.attributes[k], v):
                    row[col] = d.encode(table.attributes[col].type, val) if col in table.attributes else val
            row.update({
                "createdon": now, "modifiedon": now, "createdby": SYSTEM_USER_ID, "modifiedby": SYSTEM_USER_ID,
                "ownerid": SYSTEM_USER_ID, "ownerid__type": "systemuser", "owninguser": SYSTEM_USER_ID,
                "owningbusinessunit": bu, "statecode": 0, "statuscode": 1, "versionnumber": version,
                "fullname": f"{e['firstname']} {e['lastname']}", "transactioncurrencyid": org,
                "exchangerate": 1, "leadqualitycode": 2, "prioritycode": 1, "preferredcontactmethodcode": 1,
                "salesstage": 0,
            })
            return row

        leads = make_leads(n)
        rows = [storage_row(e, i + 1) for i, e in enumerate(leads)]
        cols = list(rows[0])
        insert_sql = f'INSERT INTO lead ({", ".join(cols)}) VALUES ({", ".join("%s" for _ in cols)})'

        def raw_single_create() -> None:
            for r in rows:
                raw.execute("BEGIN")
                raw.execute(insert_sql, [r[c] for c in cols])
                raw.execute("COMMIT")

        def lead_single_create() -> None:
            for e in leads:
                svc.create(e)

        results.append(measure("pg: create one by one (own transaction each)", n, lead_single_create,
                               raw_single_create, bound=3.0))

        bulk = make_leads(n_bulk, seed=11)
        bulk_rows = [storage_row(e, i + 1) for i, e in enumerate(bulk)]
        bulk2 = [Entity("lead", uuid.uuid4(), dict(e.attributes)) for e in bulk]

        def raw_bulk() -> None:
            with raw.transaction(), raw.cursor() as cur:
                cur.executemany(insert_sql, [[r[c] for c in cols] for r in bulk_rows])

        def lead_bulk() -> None:
            from leadsdk.messages import CreateMultipleRequest

            svc.execute(CreateMultipleRequest(targets=bulk2))

        results.append(measure("pg: create in bulk (CreateMultiple, one transaction)", n_bulk, lead_bulk, raw_bulk,
                               bound=3.0, note="raw: psycopg executemany (pipelined) of the same INSERT"))

        ids = [e.id for e in leads]
        sql, _decs = storage._by_id_plan(table, None)  # type: ignore[attr-defined]

        def raw_retrieve() -> None:
            cur = raw.cursor()
            for i in ids:
                cur.execute(sql, (i,))
                names = [c[0] for c in cur.description or ()]
                dict(zip(names, cur.fetchone() or ()))

        def lead_retrieve() -> None:
            for i in ids:
                svc.retrieve("lead", i)

        results.append(measure("pg: retrieve by id (all columns)", n, lead_retrieve, raw_retrieve, bound=3.0))

        def query(k: int) -> QueryExpression:
            q = QueryExpression("lead")
            q.column_set.add_columns("fullname", "companyname", "emailaddress1", "revenue", "ownerid")
            q.criteria.add_condition("companyname", ConditionOperator.EQUAL, f"Company {k % 997}")
            q.top_count = 50
            return q

        nq = max(50, n // 10)
        compiled = [storage.compile(query(k)) for k in range(nq)]  # type: ignore[attr-defined]

        def raw_query() -> None:
            cur = raw.cursor()
            for cq in compiled:
                cur.execute(cq.sql, cq.params)
                names = [c[0] for c in cur.description or ()]
                [dict(zip(names, r)) for r in cur.fetchall()]

        def lead_query() -> None:
            for k in range(nq):
                svc.retrieve_multiple(query(k))

        results.append(measure("pg: query (filter on companyname, 5 columns)", nq, lead_query, raw_query,
                               bound=3.0))
        results.append(_qualify(svc, n_qualify))
    finally:
        raw.close()
        raw_store.close()
        svc.close()
    return results


def _qualify(svc: OrganizationService, n: int) -> Result:
    """Eight writers qualify n distinct leads; every lead exactly once, no orphans."""
    try:
        from leadsdk.lifecycle.messages import QualifyLeadRequest
    except ImportError:
        return Result("pg: qualify (8 writers)", 0, 1.0, note="QualifyLeadRequest not available")
    from leadsdk.messages import CreateMultipleRequest

    leads = [Entity("lead", uuid.uuid4(), {"firstname": "Q", "lastname": f"Lead {i}", "companyname": f"QCo {i}",
                                           "subject": "qualify me"}) for i in range(n)]
    for i in range(0, n, 1000):
        svc.execute(CreateMultipleRequest(targets=leads[i:i + 1000]))
    retries = [0]
    lock = threading.Lock()

    def worker(w: int) -> None:
        for e in leads[w::8]:
            while True:
                try:
                    svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", e.id), create_account=True,
                                                   create_contact=True, create_opportunity=True, status=3))
                    break
                except Exception as f:
                    if not getattr(f, "error_details", {}).get("retryable"):
                        raise
                    with lock:
                        retries[0] += 1

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - t0
    md, st = svc.metadata, svc.storage
    opp, acc, con = (st.count(md.table(x)) for x in ("opportunity", "account", "contact"))
    q = QueryExpression("lead")
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 1)
    q.column_set.add_columns("leadid")
    qualified = 0
    from leadsdk.query.model import PagingInfo

    q.page_info = PagingInfo(count=5000, page_number=1)
    while True:
        res = svc.retrieve_multiple(q)
        qualified += len(res.entities)
        if not res.more_records:
            break
        q.page_info = PagingInfo(count=5000, page_number=q.page_info.page_number + 1, paging_cookie=res.paging_cookie)
    ok = opp == acc == con == qualified == n
    return Result("pg: qualify, 8 concurrent writers, distinct leads", n, elapsed,
                  note=f"qualified {qualified}/{n}, opportunities {opp}, accounts {acc}, contacts {con}, "
                       f"retries {retries[0]}: {'exactly once, no orphans' if ok else 'MISMATCH'}")
