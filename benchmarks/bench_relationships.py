"""Related records on a file store: leadsdk against raw sqlite3 doing the same SQL work, in the same run.

Workloads:
- cascade delete of a lead with N notes and N activities (each activity with no notes of its own):
  leadsdk's DeleteRequest against the hand-written statements a developer would run on the same
  schema (delete notes, activities, connections, clear originatingleadid), each in one transaction;
- N:N associate, one AssociateRequest per pair, against an existence check plus an INSERT per pair;
- listing 200 notes of 100 KB without their bodies, against the same SELECT by hand.
Both sides run on stores made by leadsdk with identical content, so the ratio measures leadsdk's overhead.
"""

from __future__ import annotations

import base64
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from harness import Result, measure

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import CreateMultipleRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.storage.sqlite import SqliteStorage

ACTIVITIES = ("task", "phonecall", "email", "appointment")


def _lead_with_children(svc: OrganizationService, n: int) -> uuid.UUID:
    lead = svc.create(Entity("lead", lastname="Busy", subject="s"))
    ref = EntityReference("lead", lead)
    svc.execute(CreateMultipleRequest(targets=[Entity("annotation", subject=f"n{i}", objectid=ref)
                                               for i in range(n)]))
    for t in ACTIVITIES:
        svc.execute(CreateMultipleRequest(targets=[Entity(t, subject=f"{t}{i}", regardingobjectid=ref)
                                                   for i in range(n // len(ACTIVITIES))]))
    svc.create(Entity("opportunity", name="o", originatingleadid=ref))
    return lead


def _raw_delete_lead(conn: sqlite3.Connection, lead: uuid.UUID) -> None:
    lid = str(lead)
    conn.execute("BEGIN IMMEDIATE")
    for t in ACTIVITIES:
        conn.execute(f'DELETE FROM "annotation" WHERE "objectid" IN (SELECT "activityid" FROM "{t}" '
                     'WHERE "regardingobjectid" = ?)', (lid,))
        conn.execute(f'DELETE FROM "{t}" WHERE "regardingobjectid" = ?', (lid,))
    conn.execute('DELETE FROM "annotation" WHERE "objectid" = ?', (lid,))
    conn.execute('DELETE FROM "connection" WHERE "record1id" = ? OR "record2id" = ?', (lid, lid))
    for t in ("account", "contact", "opportunity"):
        conn.execute(f'UPDATE "{t}" SET "originatingleadid" = NULL WHERE "originatingleadid" = ?', (lid,))
    conn.execute('DELETE FROM "accountleads" WHERE "leadid" = ?', (lid,))
    conn.execute('DELETE FROM "contactleads" WHERE "leadid" = ?', (lid,))
    conn.execute('DELETE FROM "lead" WHERE "leadid" = ?', (lid,))
    conn.execute("COMMIT")


def run(quick: bool) -> list[Result]:
    n = 400 if quick else 2000
    tmp = Path(tempfile.mkdtemp())
    results: list[Result] = []
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db"))
    raw_svc = OrganizationService(SqliteStorage(tmp / "raw.db"))
    raw = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    raw.execute("PRAGMA synchronous=NORMAL")

    # cascade delete, with the audit trail on (the default: one audit row per deleted record) and off
    for audit in (True, False):
        if not audit:
            org = svc.retrieve_multiple(QueryExpression("organization"))[0]
            svc.update(Entity("organization", org.id, isauditenabled=False))
        lead = _lead_with_children(svc, n)
        raw_lead = _lead_with_children(raw_svc, n)
        raw_s = _time(lambda r=raw_lead: _raw_delete_lead(raw, r))  # type: ignore[misc]
        lead_s = _time(lambda l_=lead: svc.delete("lead", l_))  # type: ignore[misc]
        results.append(Result(f"delete lead + {n} notes + {n} activities, audit {'on' if audit else 'off'}",
                              2 * n + 1, lead_s, raw_s, note="ops = rows deleted; one transaction each side"))

    # N:N associate, one request per pair
    m = n // 2
    accounts = [svc.create(Entity("account", name=f"a{i}")) for i in range(m)]
    leads = [svc.create(Entity("lead", lastname=f"l{i}", subject="s")) for i in range(m)]
    raw_pairs = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(m)]

    def raw_associate() -> None:
        for a, b in raw_pairs:
            raw.execute("BEGIN IMMEDIATE")
            if raw.execute('SELECT 1 FROM "accountleads" WHERE "accountid" = ? AND "leadid" = ?', (a, b)).fetchone():
                raise AssertionError("duplicate")
            raw.execute('INSERT INTO "accountleads" ("accountleadsid", "accountid", "leadid") VALUES (?, ?, ?)',
                        (str(uuid.uuid4()), a, b))
            raw.execute("COMMIT")

    def lead_associate() -> None:
        for a, b in zip(accounts, leads):
            svc.associate("account", a, "accountleads_association", [EntityReference("lead", b)])

    results.append(measure(f"associate N:N ({m} requests)", m, lead_associate, raw_associate))

    # listing notes without bodies
    body = base64.b64encode(b"x" * 100_000).decode()
    owner = EntityReference("account", accounts[0])
    raw_acc = raw_svc.create(Entity("account", name="owner"))
    svc.execute(CreateMultipleRequest(targets=[Entity("annotation", subject=f"n{i}", objectid=owner,
                                                      filename=f"{i}.bin", documentbody=body) for i in range(200)]))
    raw_svc.execute(CreateMultipleRequest(targets=[Entity("annotation", subject=f"n{i}",
                                                          objectid=EntityReference("account", raw_acc),
                                                          filename=f"{i}.bin", documentbody=body)
                                                   for i in range(200)]))
    q = QueryExpression("annotation", column_set=ColumnSet("subject", "filename", "filesize", "mimetype"))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, accounts[0])
    reps = 20

    def lead_list() -> None:
        for _ in range(reps):
            assert len(svc.retrieve_multiple(q)) == 200

    def raw_list() -> None:
        for _ in range(reps):
            rows = raw.execute('SELECT "annotationid", "subject", "filename", "filesize", "mimetype" FROM '
                               '"annotation" WHERE "objectid" = ? ORDER BY "annotationid"', (str(raw_acc),)).fetchall()
            assert len(rows) == 200

    results.append(measure(f"list 200 notes of 100 KB without bodies (x{reps})", 200 * reps, lead_list, raw_list,
                           repeat=3))
    svc.close()
    raw_svc.close()
    raw.close()
    return results


def _time(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0
