"""Core CRUD on a file store: leadsdk against raw sqlite3 doing the same SQL work, in the same run.

Workloads (N leads with 20 columns set): single create (one transaction each), bulk create (one
transaction), retrieve by id (all columns, lookup names joined), single update (one transaction each).
The raw side uses the same file settings (WAL, synchronous=NORMAL), the same rows and the same SQL
text leadsdk generates, so the ratio measures leadsdk's own overhead. The last two rows measure the
cost of durability: single creates on leadsdk's default (synchronous=FULL, an fsync of the WAL per
commit) against NORMAL, and raw sqlite3 with FULL against NORMAL.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness import Result, measure

from leadsdk import Entity, OrganizationService
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.storage.sqlite import SqliteStorage

UTC = dt.timezone.utc


def make_leads(n: int, seed: int = 7) -> list[Entity]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append(Entity("lead", uuid.UUID(int=rnd.getrandbits(128)), {
            "firstname": f"First{i}", "lastname": f"Last{i}", "subject": f"Interested in product {i % 50}",
            "companyname": f"Company {i % 997}", "jobtitle": "Buyer", "emailaddress1": f"user{i}@example.com",
            "telephone1": f"555-{i:04d}", "mobilephone": f"555-9{i:04d}", "websiteurl": "https://example.com",
            "address1_line1": f"{i} Main St", "address1_city": "Springfield", "address1_postalcode": "12345",
            "address1_country": "USA", "description": "A lead generated for the benchmark.",
            "leadsourcecode": 1 + i % 10, "industrycode": 1 + i % 33, "numberofemployees": i % 5000,
            "revenue": Decimal(i * 10) + Decimal("0.5"), "estimatedamount": Decimal(i % 1000) * 100,
            "decisionmaker": bool(i % 2),
        }))
    return out


def _raw_conn(path: Path, synchronous: str = "NORMAL") -> sqlite3.Connection:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute(f"PRAGMA synchronous={synchronous}")
    return c


def run(quick: bool) -> list[Result]:
    n = 1000 if quick else 10_000
    leads = make_leads(n)
    tmp = Path(tempfile.mkdtemp())
    results: list[Result] = []

    # leadsdk store and a raw store with the identical schema (made by leadsdk, then emptied)
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous="NORMAL"))
    raw_svc = OrganizationService(SqliteStorage(tmp / "raw.db"))
    raw_svc.close()
    raw = _raw_conn(tmp / "raw.db")
    storage = svc.storage
    table = svc.metadata.table("lead")

    # the storage rows leadsdk writes for these leads (to give raw sqlite3 the same columns and values)
    from leadsdk.entities.convert import to_storage

    now = dt.datetime.now(UTC)
    org = raw.execute("SELECT basecurrencyid FROM organization").fetchone()[0]
    bu = raw.execute("SELECT businessunitid FROM systemuser WHERE systemuserid = ?",
                     (str(SYSTEM_USER_ID),)).fetchone()[0]
    d = storage.dialect  # type: ignore[attr-defined]

    def storage_row(e: Entity, version: int) -> dict[str, Any]:
        row: dict[str, Any] = {"leadid": str(e.id)}
        for k, v in e.attributes.items():
            for col, val in to_storage(table, table.attributes[k], v):
                row[col] = d.encode(table.attributes[col].type, val) if col in table.attributes else val
        ts = d.encode(table.attributes["createdon"].type, now)
        row.update({
            "createdon": ts, "modifiedon": ts, "createdby": str(SYSTEM_USER_ID), "modifiedby": str(SYSTEM_USER_ID),
            "ownerid": str(SYSTEM_USER_ID), "ownerid__type": "systemuser", "owninguser": str(SYSTEM_USER_ID),
            "owningbusinessunit": bu, "statecode": 0, "statuscode": 1, "versionnumber": version,
            "fullname": f"{e['firstname']} {e['lastname']}", "transactioncurrencyid": org, "exchangerate": "1.0",
            "leadqualitycode": 2, "prioritycode": 1, "preferredcontactmethodcode": 1, "salesstage": 0,
        })
        return row

    rows = [storage_row(e, i + 1) for i, e in enumerate(leads)]
    cols = list(rows[0])
    insert_sql = f'INSERT INTO lead ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})'

    def raw_single_create() -> None:
        for r in rows:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(insert_sql, [r[c] for c in cols])
            raw.execute("COMMIT")

    def lead_single_create() -> None:
        for e in leads:
            svc.create(e)

    results.append(measure("create one by one (own transaction each)", n, lead_single_create, raw_single_create,
                           bound=3.0))

    # bulk: one transaction
    leads2 = [Entity("lead", uuid.uuid4(), dict(e.attributes)) for e in leads]
    rows2 = [dict(r, leadid=str(e.id)) for r, e in zip(rows, leads2)]

    def raw_bulk() -> None:
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany(insert_sql, [[r[c] for c in cols] for r in rows2])
        raw.execute("COMMIT")

    def lead_bulk() -> None:
        from leadsdk import messages

        cm = getattr(messages, "CreateMultipleRequest", None)
        if cm is not None:
            svc.execute(cm(targets=leads2))
        else:
            with storage.transaction():
                for e in leads2:
                    svc.create(e)

    results.append(measure("create in bulk (one transaction)", n, lead_bulk, raw_bulk, bound=3.0,
                           note="CreateMultipleRequest when available"))

    # retrieve by id: the same SELECT leadsdk runs (all columns with lookup names), building dicts
    ids = [e.id for e in leads]
    sql, _decs = storage._by_id_plan(table, None)  # type: ignore[attr-defined]

    def raw_retrieve() -> None:
        cur = raw.cursor()
        for i in ids:
            cur.execute(sql, (str(i),))
            names = [c[0] for c in cur.description]
            dict(zip(names, cur.fetchone()))

    def lead_retrieve() -> None:
        for i in ids:
            svc.retrieve("lead", i)

    results.append(measure("retrieve by id (all columns)", n, lead_retrieve, raw_retrieve, bound=3.0))

    # update one by one: two columns plus the platform columns
    upd_sql = "UPDATE lead SET jobtitle = ?, telephone1 = ?, modifiedon = ?, modifiedby = ?, versionnumber = ? " \
              "WHERE leadid = ?"

    def raw_update() -> None:
        for k, i in enumerate(ids):
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(upd_sql, ("Manager", f"555-{k}", now.isoformat(), str(SYSTEM_USER_ID), n + k, str(i)))
            raw.execute("COMMIT")

    def lead_update() -> None:
        for k, i in enumerate(ids):
            svc.update(Entity("lead", i, {"jobtitle": "Manager", "telephone1": f"555-{k}"}))

    results.append(measure("update one by one (own transaction each)", n, lead_update, raw_update, bound=3.0,
                           note="leadsdk also writes one audit row per update (auditing is on by default)"))

    # raw sqlite3 doing all the SQL an audited update does: BEGIN, read the row's state/version/old values,
    # UPDATE, INSERT the audit row (changed columns' old and new values as JSON), COMMIT
    read_sql = "SELECT statecode, statuscode, versionnumber, ownerid, jobtitle, telephone1 FROM lead WHERE leadid = ?"
    audit_sql = ("INSERT INTO audit (auditid, action, operation, objectid, objecttypecode, userid, createdon, "
                 "changedata, attributemask) VALUES (?, 2, 2, ?, 'lead', ?, ?, ?, 'jobtitle,telephone1')")

    def raw_update_same_sql() -> None:
        import json

        for k, i in enumerate(ids):
            raw.execute("BEGIN IMMEDIATE")
            old = raw.execute(read_sql, (str(i),)).fetchone()
            raw.execute(upd_sql, ("Manager", f"555-{k}", now.isoformat(), str(SYSTEM_USER_ID), 2 * n + k, str(i)))
            change = json.dumps({"changedAttributes": [
                {"logicalName": "jobtitle", "oldValue": old[4], "newValue": "Manager"},
                {"logicalName": "telephone1", "oldValue": old[5], "newValue": f"555-{k}"}]})
            raw.execute(audit_sql, (str(uuid.uuid4()), str(i), str(SYSTEM_USER_ID), now.isoformat(), change))
            raw.execute("COMMIT")

    results.append(measure("update one by one, raw doing the same SQL (read + audit)", n, lead_update,
                           raw_update_same_sql, bound=3.0))

    # the same updates with auditing switched off on the organization (what the raw side does)
    from leadsdk.query import QueryExpression

    org_id = svc.retrieve_multiple(QueryExpression("organization"))[0].id
    svc.update(Entity("organization", org_id, {"isauditenabled": False}))
    results.append(measure("update one by one, auditing off", n, lead_update, raw_update, bound=3.0))
    svc.close()
    raw.close()
    results.extend(_durability(tmp, leads[: max(1, n // 5)]))
    return results


def _durability(tmp: Path, leads: list[Entity]) -> list[Result]:
    """Single creates with synchronous=FULL (the default) against NORMAL, for leadsdk and for raw sqlite3."""
    out: list[Result] = []
    n = len(leads)
    full = OrganizationService(SqliteStorage(tmp / "full.db"))
    normal = OrganizationService(SqliteStorage(tmp / "normal.db", synchronous="NORMAL"))
    OrganizationService(SqliteStorage(tmp / "rawfull.db")).close()
    OrganizationService(SqliteStorage(tmp / "rawnormal.db")).close()
    raw_full, raw_normal = _raw_conn(tmp / "rawfull.db", "FULL"), _raw_conn(tmp / "rawnormal.db", "NORMAL")
    sql = "INSERT INTO account (accountid, name) VALUES (?, ?)"

    def raw_creates(c: sqlite3.Connection) -> None:
        for i in range(n):
            c.execute("BEGIN IMMEDIATE")
            c.execute(sql, (str(uuid.uuid4()), f"Account {i}"))
            c.execute("COMMIT")

    def creates(s: OrganizationService) -> None:
        for e in leads:
            s.create(Entity("lead", uuid.uuid4(), dict(e.attributes)))

    out.append(measure("create one by one, leadsdk FULL / leadsdk NORMAL", n, lambda: creates(full),
                       lambda: creates(normal), note="the price of the default durability"))
    out.append(measure("create one by one, raw FULL / raw NORMAL", n, lambda: raw_creates(raw_full),
                       lambda: raw_creates(raw_normal), note="the same price for raw sqlite3 (small rows)"))
    for s in (full, normal):
        s.close()
    raw_full.close()
    raw_normal.close()
    return out
