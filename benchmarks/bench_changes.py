"""Change tracking and bulk delete (issue 20), on a SQLite file store.

- RetrieveEntityChanges after 1% of N leads changed (updates, creates and deletes), paged 5,000 at a
  time, against raw sqlite3 reading the same rows by the same version index. Both read only the
  changes; the time stays flat as N grows (compare --quick with the full run).
- BulkDelete of N leads with one note each (run_now, batches of 1000, through the pipeline: one
  Delete per lead with its cascade, audit and tombstone) against a raw `DELETE` of the notes and
  the leads in one transaction, on identical copies made with `svc.snapshot` / `restore`.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from harness import Result, measure

from leadsdk import ColumnSet, Entity, EntityReference, OptionSetValue, OrganizationService
from leadsdk.messages import BulkDeleteRequest, CreateMultipleRequest, RetrieveEntityChangesRequest
from leadsdk.query import ConditionOperator, PagingInfo, QueryExpression


def _seed(svc: OrganizationService, n: int, notes: bool) -> list[object]:
    ids: list[object] = []
    for start in range(0, n, 10_000):
        chunk = svc.execute(CreateMultipleRequest(targets=[
            Entity("lead", lastname=f"L{i}", companyname=f"C{i % 997}", leadsourcecode=OptionSetValue(8))
            for i in range(start, min(n, start + 10_000))])).ids
        if notes:
            svc.execute(CreateMultipleRequest(targets=[
                Entity("annotation", subject="n", objectid=EntityReference("lead", i)) for i in chunk]))
        ids.extend(chunk)
    return ids


def _changes(svc: OrganizationService, token: str) -> int:
    page, n = PagingInfo(count=5000, page_number=1), 0
    while True:
        res = svc.execute(RetrieveEntityChangesRequest(
            entity_name="lead", columns=ColumnSet("lastname", "companyname"), data_version=token,
            page_info=page)).entity_changes
        n += len(res.changes)
        if not res.more_records:
            return n
        page = PagingInfo(count=5000, page_number=page.page_number + 1, paging_cookie=res.paging_cookie)


def _raw_changes(c: sqlite3.Connection, version: int) -> int:
    rows = c.execute("SELECT leadid, lastname, companyname, versionnumber FROM lead WHERE versionnumber > ? "
                     "ORDER BY versionnumber", (version,)).fetchall()
    tombs = c.execute("SELECT objectid, deletedversion FROM leadsdk_tombstone WHERE deletedversion > ? "
                      "AND entityname = 'lead' ORDER BY deletedversion", (version,)).fetchall()
    return len(rows) + len(tombs)


def _plans(svc: OrganizationService, version: int) -> str:
    """SQLite's EXPLAIN QUERY PLAN of the two reads RetrieveEntityChanges compiles (rows, tombstones)."""
    storage = svc.storage
    out = []
    for table, col, cols in (("lead", "versionnumber", ("lastname", "companyname", "versionnumber")),
                             ("leadsdk_tombstone", "deletedversion", ("objectid", "deletedversion"))):
        q = QueryExpression(table, column_set=ColumnSet(*cols))
        q.criteria.add_condition(col, ConditionOperator.GREATER_THAN, version)
        if table != "lead":
            q.criteria.add_condition("entityname", ConditionOperator.EQUAL, "lead")
        q.add_order(col)
        q.page_info = PagingInfo(count=5000, page_number=1)
        cq = storage.compile(q)  # type: ignore[attr-defined]
        conn = storage.conn  # type: ignore[attr-defined]
        plan = "; ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + cq.sql, cq.params))
        assert "INDEX" in plan and f"SCAN {table}" not in plan.replace("USING INDEX", ""), plan
        out.append(f"{table}: {plan}")
    return " | ".join(out)


def run(quick: bool) -> list[Result]:
    n = 20_000 if quick else 1_000_000
    out: list[Result] = []
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "ct.db"
        with OrganizationService.open(path) as svc:
            ids = _seed(svc, n, notes=False)
            token_s = f"{svc.storage.next_version()}!"  # what a first sync's last page would return now
            changed = n // 100
            for i in ids[: changed // 2]:
                svc.update(Entity("lead", i, lastname="changed"))
            for i in ids[changed // 2: changed // 2 + changed // 4]:
                svc.delete("lead", i)
            svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="new") for _ in range(changed // 4)]))
            version = int(token_s.split("!")[0])
            conn = sqlite3.connect(path)
            raw = _raw_changes(conn, version)
            got = _changes(svc, token_s)
            assert got >= changed - 1, (got, changed)
            plans = _plans(svc, version)
            out.append(measure(f"RetrieveEntityChanges, 1% of {n:,} leads changed", got,
                               lambda: _changes(svc, token_s), lambda: _raw_changes(conn, version),
                               bound=3.0, repeat=3,
                               note=f"{raw:,} changes read through the version indexes; plan: {plans}"))
            conn.close()

        m = 5_000 if quick else 100_000
        seed = Path(d) / "seed.db"
        with OrganizationService.open(Path(d) / "bd.db") as svc:
            _seed(svc, m, notes=True)
            svc.snapshot(seed)
        a, b = Path(d) / "a.db", Path(d) / "b.db"
        OrganizationService.restore(seed, target=a).close()
        OrganizationService.restore(seed, target=b).close()
        q = QueryExpression("lead")
        q.criteria.add_condition("leadsourcecode", ConditionOperator.EQUAL, 8)

        def lead_side() -> None:
            with OrganizationService.open(a) as s:
                s.execute(BulkDeleteRequest(query_set=[q], run_now=True, batch_size=1000))

        def raw_side() -> None:
            c = sqlite3.connect(b, isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            c.execute("DELETE FROM annotation WHERE objectid IN (SELECT leadid FROM lead WHERE leadsourcecode = 8)")
            c.execute("DELETE FROM lead WHERE leadsourcecode = 8")
            c.execute("COMMIT")
            c.close()

        out.append(measure(f"BulkDelete of {m:,} leads with a note each", m, lead_side, raw_side,
                           note="raw: two set DELETEs (no audit, plugins, tombstones or per-record checks)"))
    return out
