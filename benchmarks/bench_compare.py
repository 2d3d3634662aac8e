"""Issue 22's table: leadsdk against hand-written SQL a user would write instead, in the same run.

`python3 tasks.py bench compare [--quick]`. Each row is one small function returning a `Row` (leadsdk
rate, raw rate, the issue's target for the ratio leadsdk / raw). The raw side is what a user choosing
between leadsdk and their own SQL would write: a 26-column `lead` table and small account, contact,
opportunity and audit tables (SQLite: a file in WAL with the same `synchronous` mode as leadsdk's
store; PostgreSQL: a throw-away schema of database `test` at 127.0.0.1:5432). After the table it
prints the request-path SQL statements per message, counted by SQLite's trace callback (BEGIN,
SAVEPOINT, RELEASE and COMMIT included; tests/test_statement_counts.py pins upper bounds).
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness import Result

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import (
    AssociateRequest,
    CreateMultipleRequest,
    DeleteRequest,
    PublishDuplicateRuleRequest,
    QualifyLeadRequest,
    RetrieveDuplicatesRequest,
    SetStateRequest,
)
from leadsdk.query import ConditionOperator, JoinOperator, QueryExpression
from leadsdk.storage.sqlite import SqliteStorage

DSN = os.environ.get("LEADSDK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SYNC = "NORMAL"
"""The durability mode of both sides' SQLite files (WAL)."""

LEAD_DATA = ["firstname", "lastname", "subject", "companyname", "jobtitle", "emailaddress1", "telephone1",
             "mobilephone", "websiteurl", "address1_line1", "address1_city", "address1_postalcode",
             "address1_country", "description", "leadsourcecode", "industrycode", "numberofemployees",
             "revenue", "estimatedamount", "decisionmaker"]
RETRIEVE_COLUMNS = ["leadid", *LEAD_DATA, "statecode", "statuscode", "createdon", "modifiedon", "parentaccountid"]
"""26 columns: what the raw lead table holds and what the retrieve row asks leadsdk for."""


@dataclass
class Row:
    """One line of the table: rates are operations (or rows) per second; `seconds` rows have no raw side."""

    name: str
    leadsdk: float
    raw: float | None = None
    target: float | None = None
    """The issue's target for leadsdk / raw (a throughput ratio, at least)."""
    unit: str = "/s"
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    floor: float | None = None
    """The rate of leadsdk's own SQL replayed without its Python (`_rate_and_floor`), where measured."""

    @property
    def ratio(self) -> float | None:
        return None if not self.raw else self.leadsdk / self.raw


def _rate(n: int, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return n / max(time.perf_counter() - t0, 1e-9)


class _Recorder:
    """Stands in for a SqliteStorage's connection and logs each statement with its parameters."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.log: list[tuple[str, Any, bool]] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.log.append((sql, params, False))
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        rows = list(rows)
        self.log.append((sql, rows, True))
        return self._conn.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _rate_and_floor(svc: OrganizationService, n: int, fn: Callable[[], object], tmp: Path) -> tuple[float, float]:
    """leadsdk's rate for `fn`, and the rate of **its own SQL** (the same statements, parameters and
    transactions, logged while `fn` ran) replayed by plain sqlite3 on a copy of the store taken just
    before: the floor of the work on leadsdk's schema, with no Python of leadsdk's around it."""
    storage = svc.storage
    assert isinstance(storage, SqliteStorage)
    copy = tmp / f"replay_{time.perf_counter_ns()}.db"
    src, dst = sqlite3.connect(storage.path), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    os.sync()  # the copy's pages written out now, not by the kernel's writeback during the rate below
    rec = _Recorder(storage.conn)
    storage._state.conn = rec  # type: ignore[assignment]
    try:
        rate = _rate(n, fn)
    finally:
        storage._state.conn = rec._conn
    c = sqlite3.connect(copy, isolation_level=None)
    for pragma in ("journal_mode=WAL", f"synchronous={SYNC}", "temp_store=MEMORY", "cache_size=-65536",
                   f"wal_autocheckpoint={storage.checkpoint_pages}"):  # the store's own settings
        c.execute(f"PRAGMA {pragma}")

    def replay() -> None:
        for sql, params, many in rec.log:
            if many:
                c.executemany(sql, params)
            else:
                c.execute(sql, params).fetchall()

    floor = _rate(n, replay)
    c.close()
    for f in tmp.glob(copy.name + "*"):
        f.unlink()
    return rate, floor


def _with_floor(svc: OrganizationService, n: int, fn: Callable[[], object], raw_rate: float,
                tmp: Path | None) -> tuple[float, float | None, dict[str, str]]:
    """leadsdk's rate, and with `tmp` the floor of its own SQL (`_rate_and_floor`) and a sub-row saying it."""
    if tmp is None:
        return _rate(n, fn), None, {}
    rate, floor = _rate_and_floor(svc, n, fn, tmp)
    return rate, floor, {"  leadsdk's own SQL replayed by sqlite3, no Python (the floor on its schema)":
                  f"{_fmt(floor, '/s')}: {floor / raw_rate:.2f} of raw; leadsdk reaches {rate / floor:.2f} of it"}


def _fmt(v: float, unit: str) -> str:
    if unit == "s":
        return f"{v:.2f} s"
    return f"{v / 1000:.1f}k{unit}" if v >= 10_000 else f"{v:,.0f}{unit}"


def print_table(rows: Sequence[Any]) -> None:
    """The issue's table: workload | leadsdk | raw | ratio | target."""
    print("| workload | leadsdk | raw | ratio | target |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        if not isinstance(r, Row):
            continue
        raw = _fmt(r.raw, r.unit) if r.raw else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        if r.target is None:
            target = r.note or "-"
            ok = ""
        else:
            target = f">= {r.target:g}"
            ok = " ok" if r.ratio is not None and r.ratio >= r.target else " **no**"
        print(f"| {r.name} | {_fmt(r.leadsdk, r.unit)} | {raw} | {ratio}{ok if r.ratio is not None else ''} "
              f"| {target} |")
        for k, v in r.extra.items():
            print(f"|   {k} | {v} | | | |")
    vs = getattr(print_table, "orm", None)
    if vs:
        print("\nAgainst SQLAlchemy's ORM (same schema as the raw side, a Session per operation; issue 22: "
              "be ahead on every workload):")
        print("| workload | leadsdk | SQLAlchemy ORM | leadsdk / ORM |")
        print("|---|---:|---:|---:|")
        for name, lead_rate, orm_rate in vs:
            r = lead_rate / orm_rate if orm_rate else 0.0
            print(f"| {name} | {_fmt(lead_rate, '/s')} | {_fmt(orm_rate, '/s')} | {r:.2f}"
                  f"{'' if r >= 1 else ' **behind**'} |")
        floors = getattr(print_table, "floors", {})
        for name, _lead_rate, orm_rate in vs:
            if name in floors and orm_rate:
                print(f"  {name}: leadsdk's own SQL with no Python around it runs at {_fmt(floors[name], '/s')}, "
                      f"{floors[name] / orm_rate:.2f} of the ORM on its narrow schema")
    counts = getattr(print_table, "counts", None)
    if counts:
        print("\nSQL statements per message (SQLite trace callback; BEGIN/SAVEPOINT/RELEASE/COMMIT included):")
        for name, n in counts.items():
            print(f"  {name:<28} {n:>4}")


# -- data -----------------------------------------------------------------------------------------
def lead_values(i: int) -> dict[str, Any]:
    return {
        "firstname": f"First{i}", "lastname": f"Last{i}", "subject": f"Interested in product {i % 50}",
        "companyname": f"Company {i}", "jobtitle": "Buyer", "emailaddress1": f"user{i}@example.com",
        "telephone1": f"555-{i:06d}", "mobilephone": f"555-9{i:06d}", "websiteurl": "https://example.com",
        "address1_line1": f"{i} Main St", "address1_city": "Springfield", "address1_postalcode": "12345",
        "address1_country": "USA", "description": "A lead generated for the benchmark.",
        "leadsourcecode": 1 + i % 10, "industrycode": 1 + i % 33, "numberofemployees": i % 5000,
        "revenue": Decimal(i * 10) + Decimal("0.5"), "estimatedamount": Decimal(i % 1000) * 100,
        "decisionmaker": bool(i % 2),
    }


class Raw:
    """Hand-written SQL on a user's own schema (SQLite or PostgreSQL)."""

    def __init__(self, conn: Any, pg: bool) -> None:
        self.c = conn
        self.pg = pg
        self.p = "%s" if pg else "?"
        uid = "uuid" if pg else "TEXT"
        ts = "timestamptz" if pg else "TEXT"
        num = "numeric" if pg else "TEXT"
        types = {"revenue": num, "estimatedamount": num, "leadsourcecode": "integer", "industrycode": "integer",
                 "numberofemployees": "integer", "decisionmaker": "boolean"}
        lead_cols = ", ".join(f"{c} {types.get(c, 'TEXT')}" for c in LEAD_DATA)
        for ddl in (
            f"CREATE TABLE lead (leadid {uid} PRIMARY KEY, {lead_cols}, statecode integer, statuscode integer, "
            f"createdon {ts}, modifiedon {ts}, parentaccountid {uid})",
            "CREATE INDEX lead_email ON lead (emailaddress1)",
            f"CREATE TABLE account (accountid {uid} PRIMARY KEY, name TEXT, emailaddress1 TEXT, telephone1 TEXT, "
            f"websiteurl TEXT, address1_city TEXT, address1_country TEXT, primarycontactid {uid}, "
            f"originatingleadid {uid}, createdon {ts}, modifiedon {ts}, statecode integer)",
            f"CREATE TABLE contact (contactid {uid} PRIMARY KEY, firstname TEXT, lastname TEXT, emailaddress1 TEXT, "
            f"telephone1 TEXT, jobtitle TEXT, parentcustomerid {uid}, originatingleadid {uid}, createdon {ts}, "
            f"modifiedon {ts}, statecode integer)",
            f"CREATE TABLE opportunity (opportunityid {uid} PRIMARY KEY, name TEXT, customerid {uid}, "
            f"parentaccountid {uid}, parentcontactid {uid}, originatingleadid {uid}, estimatedvalue {num}, "
            f"createdon {ts}, modifiedon {ts}, statecode integer)",
            f"CREATE TABLE audit (auditid {uid} PRIMARY KEY, objectid {uid}, objecttypecode TEXT, action integer, "
            f"userid {uid}, createdon {ts}, changedata TEXT)",
            f"CREATE TABLE leadscore (id {uid} PRIMARY KEY, leadid {uid}, score integer, createdon {ts})",
        ):
            self.c.execute(ddl)
        self.insert_lead = (f"INSERT INTO lead ({', '.join(RETRIEVE_COLUMNS)}) VALUES "
                            f"({', '.join(self.p for _ in RETRIEVE_COLUMNS)})")

    def key(self, u: uuid.UUID) -> Any:
        return u if self.pg else str(u)

    def val(self, v: Any) -> Any:
        if self.pg:
            return v
        if isinstance(v, (Decimal, uuid.UUID)):
            return str(v)
        if isinstance(v, dt.datetime):
            return v.isoformat()
        return v

    def lead_row(self, lid: uuid.UUID, i: int, account: uuid.UUID | None = None) -> list[Any]:
        now = dt.datetime.now(dt.timezone.utc)
        vals = lead_values(i)
        return [self.key(lid), *(self.val(vals[c]) for c in LEAD_DATA), 0, 1, self.val(now), self.val(now),
                None if account is None else self.key(account)]

    @contextmanager
    def tx(self) -> Iterator[None]:
        self.c.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.c.execute("ROLLBACK")
            raise
        self.c.execute("COMMIT")

    def q(self, sql: str) -> str:
        return sql.replace("?", self.p)


def _sqlite_raw(path: Path) -> Raw:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA page_size=8192")
    c.execute("PRAGMA journal_mode=WAL")
    c.execute(f"PRAGMA synchronous={SYNC}")
    return Raw(c, pg=False)


def _seed(svc: OrganizationService, raw: Raw, n: int, accounts: int) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """n leads (a parent account each, from `accounts` accounts) on both sides; the leadsdk ids."""
    acc = svc.execute(CreateMultipleRequest(targets=[Entity("account", name=f"Account {k}") for k in range(accounts)]))
    acc_ids = list(acc.ids)
    leads = [Entity("lead", attributes={**lead_values(i), "parentaccountid": EntityReference("account", acc_ids[
        i % accounts])}) for i in range(n)]
    ids = list(svc.execute(CreateMultipleRequest(targets=leads)).ids)
    raw_acc = [uuid.uuid4() for _ in range(accounts)]
    raw_ids = [uuid.uuid4() for _ in range(n)]
    now = raw.val(dt.datetime.now(dt.timezone.utc))
    with raw.tx():
        cur = raw.c.cursor()
        cur.executemany(raw.q("INSERT INTO account (accountid, name, createdon, modifiedon, statecode) "
                              "VALUES (?, ?, ?, ?, 0)"), [(raw.key(a), f"Account {k}", now, now)
                                                          for k, a in enumerate(raw_acc)])
        cur.executemany(raw.insert_lead, [raw.lead_row(lid, i, raw_acc[i % accounts]) for i, lid in enumerate(raw_ids)])
    return ids, raw_ids


# -- the rows -------------------------------------------------------------------------------------
def row_qualify(svc: OrganizationService, raw: Raw, leads: list[uuid.UUID], raw_leads: list[uuid.UUID],
                label: str = "", tmp: Path | None = None) -> Row:
    """QualifyLead (account + contact + opportunity), one transaction each; raw: read + 3 inserts + update.
    With `tmp` (SQLite), also the floor: leadsdk's own statements replayed by sqlite3."""
    k = len(leads)
    # leads without a parent account, so QualifyLead creates the account
    fresh = [svc.create(Entity("lead", attributes=lead_values(10_000_000 + i))) for i in range(k)]
    raw_fresh = [uuid.uuid4() for _ in range(k)]
    with raw.tx():
        raw.c.cursor().executemany(raw.insert_lead, [raw.lead_row(lid, 10_000_000 + i)
                                                     for i, lid in enumerate(raw_fresh)])

    def lead_side() -> None:
        for lid in fresh:
            svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lid), create_account=True,
                                           create_contact=True, create_opportunity=True))

    sel = raw.q("SELECT statecode, firstname, lastname, companyname, emailaddress1, telephone1, jobtitle, "
                "websiteurl, address1_city, address1_country, estimatedamount FROM lead WHERE leadid = ?")
    ins_a = raw.q("INSERT INTO account (accountid, name, emailaddress1, telephone1, websiteurl, address1_city, "
                  "address1_country, originatingleadid, createdon, modifiedon, statecode) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
    ins_c = raw.q("INSERT INTO contact (contactid, firstname, lastname, emailaddress1, telephone1, jobtitle, "
                  "parentcustomerid, originatingleadid, createdon, modifiedon, statecode) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
    ins_o = raw.q("INSERT INTO opportunity (opportunityid, name, customerid, parentaccountid, parentcontactid, "
                  "originatingleadid, estimatedvalue, createdon, modifiedon, statecode) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
    upd = raw.q("UPDATE lead SET statecode = 1, statuscode = 3, modifiedon = ? WHERE leadid = ?")

    def raw_side() -> None:
        for lid in raw_fresh:
            now = raw.val(dt.datetime.now(dt.timezone.utc))
            key = raw.key(lid)
            with raw.tx():
                r = raw.c.execute(sel, (key,)).fetchone()
                if r[0] != 0:
                    raise RuntimeError("closed")
                a, c, o = raw.key(uuid.uuid4()), raw.key(uuid.uuid4()), raw.key(uuid.uuid4())
                raw.c.execute(ins_a, (a, r[3], r[4], r[5], r[7], r[8], r[9], key, now, now))
                raw.c.execute(ins_c, (c, r[1], r[2], r[4], r[5], r[6], a, key, now, now))
                raw.c.execute(ins_o, (o, r[3], a, a, c, key, r[10], now, now))
                raw.c.execute(upd, (now, key))

    raw_rate = _rate(k, raw_side)
    rate, floor, extra = _with_floor(svc, k, lead_side, raw_rate, tmp)
    return Row(f"{label}QualifyLead (account+contact+opportunity), 1 tx each", rate, raw_rate,
               0.25, note="raw: read + 3 inserts + update", extra=extra, floor=floor)


def row_retrieve(svc: OrganizationService, raw: Raw, leads: list[uuid.UUID], raw_leads: list[uuid.UUID]) -> Row:
    cs = ColumnSet(*RETRIEVE_COLUMNS)
    sql = raw.q(f"SELECT {', '.join(RETRIEVE_COLUMNS)} FROM lead WHERE leadid = ?")

    def raw_side() -> None:
        cur = raw.c.cursor()
        for lid in raw_leads:
            cur.execute(sql, (raw.key(lid),))
            names = [d[0] for d in cur.description]
            dict(zip(names, cur.fetchone()))

    def lead_side() -> None:
        for lid in leads:
            svc.retrieve("lead", lid, cs)

    raw_rate = _rate(len(raw_leads), raw_side)
    return Row("retrieve by id, 26 columns", _rate(len(leads), lead_side), raw_rate, 0.33)


def row_retrieve_multiple(svc: OrganizationService, raw: Raw, page: int, repeat: int) -> Row:
    q = QueryExpression("lead", column_set=ColumnSet("fullname", "companyname", "emailaddress1", "revenue",
                                                     "statecode"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    link.entity_alias = "acc"
    link.columns.add_columns("name")
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    q.top_count = page
    sql = raw.q("SELECT l.leadid, l.firstname, l.lastname, l.companyname, l.emailaddress1, l.revenue, l.statecode, "
                f"a.name FROM lead l LEFT JOIN account a ON a.accountid = l.parentaccountid WHERE l.statecode = 0 "
                f"LIMIT {page}")

    def raw_side() -> None:
        for _ in range(repeat):
            cur = raw.c.execute(sql)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
            assert len(rows) == page

    def lead_side() -> None:
        for _ in range(repeat):
            assert len(svc.retrieve_multiple(q).entities) == page

    raw_rate = _rate(repeat, raw_side)
    return Row(f"RetrieveMultiple {page:,} rows with a link to account", _rate(repeat, lead_side), raw_rate, 0.5,
               unit=" q/s")


def raw_updater(raw: Raw) -> Callable[[uuid.UUID, int], None]:
    """The raw side's single update of lead `lid` (its k-th): read, UPDATE of two columns, an audit row
    with their old and new values, one transaction."""
    sel = raw.q("SELECT statecode, jobtitle, telephone1 FROM lead WHERE leadid = ?")
    upd = raw.q("UPDATE lead SET jobtitle = ?, telephone1 = ?, modifiedon = ? WHERE leadid = ?")
    aud = raw.q("INSERT INTO audit (auditid, objectid, objecttypecode, action, userid, createdon, changedata) "
                "VALUES (?, ?, 'lead', 2, ?, ?, ?)")
    user = raw.key(uuid.uuid4())

    def update(lid: uuid.UUID, k: int) -> None:
        key = raw.key(lid)
        now = raw.val(dt.datetime.now(dt.timezone.utc))
        with raw.tx():
            old = raw.c.execute(sel, (key,)).fetchone()
            raw.c.execute(upd, ("Manager", f"555-{k}", now, key))
            change = json.dumps({"changedAttributes": [
                {"logicalName": "jobtitle", "oldValue": old[1], "newValue": "Manager"},
                {"logicalName": "telephone1", "oldValue": old[2], "newValue": f"555-{k}"}]})
            raw.c.execute(aud, (raw.key(uuid.uuid4()), key, user, now, change))
    return update


def row_update(svc: OrganizationService, raw: Raw, leads: list[uuid.UUID], raw_leads: list[uuid.UUID],
               tmp: Path | None = None) -> Row:
    """Single update, audit on; raw: the same work by hand (read old values, UPDATE, audit INSERT).
    With `tmp`, also the floor: leadsdk's own statements replayed by sqlite3."""
    update = raw_updater(raw)

    def raw_side() -> None:
        for k, lid in enumerate(raw_leads):
            update(lid, k)

    def lead_side() -> None:
        for k, lid in enumerate(leads):
            svc.update(Entity("lead", lid, {"jobtitle": "Manager", "telephone1": f"555-{k}"}))

    raw_rate = _rate(len(raw_leads), raw_side)
    rate, floor, extra = _with_floor(svc, len(leads), lead_side, raw_rate, tmp)
    return Row("single update, audit on", rate, raw_rate, 0.5, note="raw: read + UPDATE + audit INSERT",
               extra=extra, floor=floor)


def row_create_multiple(svc: OrganizationService, raw: Raw, n: int, label: str = "", copy: bool = False,
                        accounts: Sequence[uuid.UUID] = ()) -> Row:
    """CreateMultiple of n leads in one transaction (with a parent account each when `accounts`)."""
    base = 20_000_000
    targets = []
    for i in range(n):
        e = Entity("lead", attributes=lead_values(base + i))
        if accounts:
            e["parentaccountid"] = EntityReference("account", accounts[i % len(accounts)])
        targets.append(e)
    raw_acc = [r[0] for r in raw.c.execute(f"SELECT accountid FROM account LIMIT {len(accounts)}").fetchall()] \
        if accounts else []
    rows = [raw.lead_row(uuid.uuid4(), base + i) for i in range(n)]
    for i, r in enumerate(rows if raw_acc else ()):
        r[-1] = raw_acc[i % len(raw_acc)]

    def raw_side() -> None:
        with raw.tx():
            if copy:
                with raw.c.cursor() as cur, cur.copy(f"COPY lead ({', '.join(RETRIEVE_COLUMNS)}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
            else:
                raw.c.cursor().executemany(raw.insert_lead, rows)

    def lead_side() -> None:
        svc.execute(CreateMultipleRequest(targets=targets))

    raw_rate = _rate(n, raw_side)
    what = "COPY" if copy else "executemany"
    return Row(f"{label}CreateMultiple {n:,}{' with parentaccountid' if accounts else ''}, one transaction",
               _rate(n, lead_side), raw_rate, 0.33 if copy else 0.5, note=f"raw: {what}")


def row_retrieve_duplicates(svc: OrganizationService, raw: Raw, k: int, tmp: Path | None = None) -> Row:
    """RetrieveDuplicates (one duplicate a probe, returned as Dataverse does: the whole record, every column
    with its lookup names); raw: an indexed probe returning four columns. With `tmp`, also the floor:
    leadsdk's own statements (the coherence check and the one probe statement joining the match codes to
    the records) replayed by sqlite3."""
    q = QueryExpression("duplicaterule", column_set=ColumnSet("baseentityname", "name"))
    q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, "lead")
    rules = [r for r in svc.retrieve_multiple(q).entities if "mail" in str(r.get("name", "")).lower()] or \
        list(svc.retrieve_multiple(q).entities)
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rules[0].id))
    probes = [Entity("lead", firstname="New", lastname=f"Probe{i}", emailaddress1=f"user{i * 7}@example.com")
              for i in range(k)]
    sql = raw.q("SELECT leadid, firstname, lastname, emailaddress1 FROM lead WHERE emailaddress1 = ? "
                "AND statecode = 0")

    def raw_side() -> None:
        for e in probes:
            [dict(zip(("leadid", "firstname", "lastname", "emailaddress1"), r))
             for r in raw.c.execute(sql, (e["emailaddress1"],)).fetchall()]

    def lead_side() -> None:
        for e in probes:
            svc.execute(RetrieveDuplicatesRequest(business_entity=e, matching_entity_name="lead"))

    raw_rate = _rate(k, raw_side)
    rate, floor, extra = _with_floor(svc, k, lead_side, raw_rate, tmp)
    return Row("RetrieveDuplicates with a published e-mail rule", rate, raw_rate, 0.25,
               note="raw: indexed probe", extra=extra, floor=floor)


def row_export(svc: OrganizationService, raw: Raw, n: int, tmp: Path) -> Row:
    from leadsdk.cli import tools

    cols = ["leadid", *LEAD_DATA]
    q = QueryExpression("lead", column_set=ColumnSet(*LEAD_DATA))
    q.add_order("leadid")

    def lead_side() -> None:  # what `leadsdk export lead -c ... -o export.csv` does
        comp = tools.companions_of(svc, "lead", LEAD_DATA)
        with open(tmp / "export.csv", "w", newline="", encoding="utf-8") as out:
            if hasattr(tools, "export_rows"):
                tools.export_rows(svc, q, LEAD_DATA, "csv", out, comp, 5000)
            else:  # commits before RetrieveMultipleRows (to measure them with this file)
                tools.write_output(tools.iter_records(svc, q, 5000), LEAD_DATA, "csv", False, out, companions=comp)

    def raw_side() -> None:
        with open(tmp / "export_raw.csv", "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(cols)
            cur = raw.c.cursor()
            cur.execute(f"SELECT {', '.join(cols)} FROM lead")
            while True:
                chunk = cur.fetchmany(5000)
                if not chunk:
                    break
                w.writerows(chunk)

    total = svc.storage.count(svc.metadata.table("lead"))
    raw_total = raw.c.execute("SELECT COUNT(*) FROM lead").fetchone()[0]
    raw_rate = _rate(raw_total, raw_side)
    return Row(f"export {total:,} leads through the API (pages of 5,000)", _rate(total, lead_side), raw_rate, 0.5,
               unit=" rows/s", note="memory not measured here")


def row_import(raw: Raw, n: int, tmp: Path) -> Row:
    from leadsdk.helpers.dataframe import import_csv

    header = ["firstname", "lastname", "companyname", "subject", "emailaddress1", "telephone1", "jobtitle",
              "address1_city", "address1_country", "leadsourcecode", "industrycode", "numberofemployees",
              "estimatedamount", "decisionmaker"]
    path = tmp / "import.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(n):
            w.writerow([f"First{i}", f"Last{i}", f"Company {i % 997}", f"Topic {i % 50}", f"u{i}@example.com",
                        f"555-{i:06d}", "Buyer", "Springfield", "USA", 1 + i % 10, 1 + i % 33, i % 5000,
                        f"{i % 1000}.50", "1" if i % 3 else "0"])
    svc = OrganizationService(SqliteStorage(tmp / "import.db", synchronous=SYNC))
    cols = ", ".join(header)
    sql = raw.q(f"INSERT INTO lead (leadid, {cols}, statecode, statuscode) VALUES "
                f"(?, {', '.join('?' for _ in header)}, 0, 1)")

    def raw_side() -> None:
        with open(path, newline="", encoding="utf-8") as fh, raw.tx():
            r = csv.reader(fh)
            next(r)
            cur = raw.c.cursor()
            batch: list[list[Any]] = []
            for rec in r:
                batch.append([str(uuid.uuid4()), *rec])
                if len(batch) == 2000:
                    cur.executemany(sql, batch)
                    batch.clear()
            cur.executemany(sql, batch)

    raw_rate = _rate(n, raw_side)
    lead_rate = _rate(n, lambda: import_csv(svc, "lead", path, batch_size=2000))
    svc.close()
    return Row(f"CSV import {n:,} leads", lead_rate, raw_rate, 0.5, unit=" rows/s",
               note="raw: csv.reader + executemany")


def row_publish_rule(n: int, tmp: Path) -> Row:
    svc = OrganizationService(SqliteStorage(tmp / "rule.db", synchronous=SYNC))
    svc.execute(CreateMultipleRequest(targets=[Entity("lead", attributes=lead_values(i)) for i in range(n)]))
    q = QueryExpression("duplicaterule", column_set=ColumnSet("baseentityname", "name"))
    q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, "lead")
    rule = svc.retrieve_multiple(q).entities[0].id
    t0 = time.perf_counter()
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rule))
    secs = time.perf_counter() - t0
    svc.close()
    return Row(f"publishing an e-mail duplicate rule over {n:,} leads", secs, unit="s",
               note=f"< 15 s for 1M (~{secs * 1_000_000 / n:.0f} s at this rate)")


def row_scoring(n: int, tmp: Path) -> Row:
    from leadsdk.messages import PublishScoringModelRequest, TrainScoringModelRequest
    from leadsdk.scoring.synthetic import load_leads

    svc = OrganizationService(SqliteStorage(tmp / "score.db", synchronous=SYNC))
    load_leads(svc, closed=n, seed=1)
    mid = svc.create(Entity("scoringmodel", name="All leads", entityname="lead"))
    svc.execute(TrainScoringModelRequest(model_id=mid))
    load_leads(svc, open_=n, seed=2)
    # raw: predict (a per-value weight table, as naive Bayes is) + write the scores back by hand
    path = tmp / "score.db"
    rc = sqlite3.connect(path, isolation_level=None)
    rc.execute("CREATE TABLE IF NOT EXISTS rawscore (id TEXT PRIMARY KEY, leadid TEXT, score INTEGER)")
    weights = {v: (hash(v) % 100) / 100 for v in range(64)}

    def raw_side() -> None:
        rows = rc.execute("SELECT leadid, leadsourcecode, industrycode, budgetstatus FROM lead "
                          "WHERE statecode = 0").fetchall()
        scores = [(r[0], int(100 * (weights.get(r[1] or 0, 0.5) + weights.get(r[2] or 0, 0.5)
                                    + weights.get(r[3] or 0, 0.5)) / 3)) for r in rows]
        rc.execute("BEGIN IMMEDIATE")
        rc.executemany("INSERT INTO rawscore (id, leadid, score) VALUES (?, ?, ?)",
                       [(str(uuid.uuid4()), lid, s) for lid, s in scores])
        rc.executemany("UPDATE lead SET msdyn_leadscore = ? WHERE leadid = ?", [(s, lid) for lid, s in scores])
        rc.execute("ROLLBACK")  # leave the leads unscored for leadsdk

    raw_rate = _rate(n, raw_side)
    rc.close()
    lead_rate = _rate(n, lambda: svc.execute(PublishScoringModelRequest(model_id=mid)))
    svc.close()
    return Row(f"scoring: publish (score {n:,})", lead_rate, raw_rate, 0.5, note="raw: predict + raw write-back")


# -- statement counts ------------------------------------------------------------------------------
def statement_counts(svc: OrganizationService) -> dict[str, int]:
    """SQL statements each message runs on a SQLite store, as the trace callback counts them (after one
    warm-up of each, so store-wide caches are filled)."""
    storage = svc.storage
    assert isinstance(storage, SqliteStorage)
    seen: list[str] = []
    out: dict[str, int] = {}

    def count(name: str, fn: Callable[[], object]) -> None:
        fn()  # warm-up: caches filled, plans compiled
        conn = storage.conn
        conn.set_trace_callback(seen.append)
        try:
            seen.clear()
            fn()
            out[name] = len(seen)
        finally:
            conn.set_trace_callback(None)

    acc = svc.create(Entity("account", name="Counts"))
    made: list[uuid.UUID] = []
    count("Create", lambda: made.append(svc.create(Entity("lead", attributes=lead_values(len(made))))))
    lid = made[-1]
    count("Update", lambda: svc.update(Entity("lead", lid, jobtitle=f"T{time.perf_counter_ns()}")))
    count("Retrieve", lambda: svc.retrieve("lead", lid, ColumnSet(*RETRIEVE_COLUMNS)))
    q = QueryExpression("lead", column_set=ColumnSet("fullname", "emailaddress1"))
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    q.top_count = 50
    count("RetrieveMultiple", lambda: svc.retrieve_multiple(q))
    fresh = iter([svc.create(Entity("lead", attributes=lead_values(100 + i))) for i in range(2)])
    count("QualifyLead", lambda: svc.execute(QualifyLeadRequest(
        lead_id=EntityReference("lead", next(fresh)), create_account=True, create_contact=True,
        create_opportunity=True)))
    states = iter([(2, 6), (0, 1)])

    def set_state() -> None:
        s, st = next(states)
        svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lid), state=s, status=st))

    count("SetState", set_state)
    pairs = iter(made_leads := [svc.create(Entity("lead", lastname=f"A{i}")) for i in range(2)])
    count("Associate", lambda: svc.execute(AssociateRequest(
        target=EntityReference("account", acc), relationship="accountleads_association",
        related_entities=[EntityReference("lead", next(pairs))])))
    doomed = iter(made_leads)
    count("Delete", lambda: svc.execute(DeleteRequest(target=EntityReference("lead", next(doomed)))))
    count("CreateMultiple (100)", lambda: svc.execute(CreateMultipleRequest(
        targets=[Entity("lead", attributes=lead_values(1000 + i)) for i in range(100)])))
    return out


# -- the run ------------------------------------------------------------------------------------------
def _orm(tmp: Path, n: int, accounts: int) -> Any:
    """SQLAlchemy's ORM side (bench_orm), seeded like the raw side; None when sqlalchemy is missing."""
    try:
        from bench_orm import Orm
    except ImportError as e:
        print(f"SQLAlchemy rows skipped: {e}")
        return None
    orm = Orm(tmp / "orm.db", SYNC, lead_values)
    orm.seed(n, accounts)
    return orm


def _sqlite_rows(quick: bool, tmp: Path) -> list[Row]:
    n = 2_000 if quick else 100_000
    k = 200 if quick else 2_000
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous=SYNC))
    raw = _sqlite_raw(tmp / "raw.db")
    leads, raw_leads = _seed(svc, raw, n, max(10, n // 50))
    orm = _orm(tmp, n, max(10, n // 50))
    vs: list[tuple[str, float, float]] = []  # (workload, leadsdk rate, SQLAlchemy ORM rate), back to back

    def against(name: str, lead_rate: float, workload: str, *args: Any) -> None:
        """The ORM's run of `workload` (a method of bench_orm.Orm), right after leadsdk's."""
        if orm is not None:
            vs.append((name, lead_rate, getattr(orm, workload)(*args)))
            gc.collect()  # the ORM's garbage and dirty pages not left to the next timed workload: after its
            os.sync()  # qualifications writing the same rows, the next RetrieveMultiple ran at 0.6 of its rate

    out = [row_qualify(svc, raw, leads[:k], raw_leads[:k], tmp=tmp)]
    against("QualifyLead, 1 tx each", out[-1].leadsdk, "qualify", k)
    against("QualifyLead, the ORM writing the same rows (process, 2 notes, 8 audit rows)", out[-1].leadsdk,
            "qualify", k, 11_000_000, True)
    print_table.floors = {"QualifyLead, 1 tx each": out[-1].floor,  # type: ignore[attr-defined]
                          "QualifyLead, the ORM writing the same rows (process, 2 notes, 8 audit rows)":
                          out[-1].floor}
    out.append(row_retrieve(svc, raw, leads[:k * 5], raw_leads[:k * 5]))
    against("retrieve by id", out[-1].leadsdk, "retrieve", k * 5)
    page = min(5000, n // 2)
    out.append(row_retrieve_multiple(svc, raw, page, 3 if quick else 10))
    against(f"query: {page:,} active leads with the account name", out[-1].leadsdk,
            "query", page, 3 if quick else 10)
    out.append(row_update(svc, raw, leads[-k * 2:], raw_leads[-k * 2:], tmp=tmp))
    against("single update, audit row", out[-1].leadsdk, "update", k * 2)
    create_rate = _rate(k, lambda: [svc.create(Entity("lead", attributes=lead_values(30_000_000 + i)))
                                    for i in range(k)])
    against("single create", create_rate, "single_create", k)
    # the floor on other leads, after the rates: its copy of the store must not load the disk under them
    _, create_floor = _rate_and_floor(
        svc, k, lambda: [svc.create(Entity("lead", attributes=lead_values(31_000_000 + i))) for i in range(k)], tmp)
    print_table.floors["single create"] = create_floor  # type: ignore[attr-defined]
    out.append(row_create_multiple(svc, raw, n))
    against(f"bulk insert {n:,} (CreateMultiple / add_all)", out[-1].leadsdk, "bulk_insert", n)
    acc_ids = [e.id for e in svc.retrieve_multiple(QueryExpression("account", column_set=ColumnSet("name"))).entities]
    out.append(row_create_multiple(svc, raw, n // 2, accounts=acc_ids[:50]))
    out.append(row_retrieve_duplicates(svc, raw, k, tmp=tmp))
    against("duplicate probe (e-mail)", out[-1].leadsdk,
            "duplicate_probe", [f"user{i * 7}@example.com" for i in range(k)])
    print_table.floors["duplicate probe (e-mail)"] = out[-1].floor  # type: ignore[attr-defined]
    out.append(row_export(svc, raw, n, tmp))
    if orm is not None:
        orm.close()
    print_table.orm = vs  # type: ignore[attr-defined]
    svc.close()
    counts = OrganizationService(SqliteStorage(tmp / "counts.db", synchronous=SYNC))  # a new store, as the test's
    print_table.counts = statement_counts(counts)  # type: ignore[attr-defined]
    counts.close()
    raw.c.close()
    out.append(row_import(_sqlite_raw(tmp / "raw_import.db"), n, tmp))
    out.append(row_publish_rule(n, tmp))
    out.append(row_scoring(n if not quick else 5_000, tmp))
    return out


def _postgres_rows(quick: bool) -> list[Row]:
    try:
        import psycopg

        from leadsdk.storage.postgres import PostgresStorage
    except ImportError as e:
        return [Row(f"PostgreSQL rows skipped: {e}", 0.0)]
    n = 2_000 if quick else 100_000
    k = 100 if quick else 1_000
    pid = os.getpid()
    try:
        svc = OrganizationService(PostgresStorage(DSN, schema=f"cmp_{pid}", drop_schema_on_close=True))
    except Exception as e:  # no server: say so, keep the SQLite rows
        return [Row(f"PostgreSQL rows skipped: {e}", 0.0)]
    conn = psycopg.connect(DSN, autocommit=True)
    conn.execute(f"CREATE SCHEMA cmp_raw_{pid}")
    conn.execute(f"SET search_path = cmp_raw_{pid}")
    try:
        raw = Raw(conn, pg=True)
        leads, raw_leads = _seed(svc, raw, max(k, 200), 10)
        return [row_create_multiple(svc, raw, n, label="PostgreSQL ", copy=True),
                row_qualify(svc, raw, leads[:k], raw_leads[:k], label="PostgreSQL ")]
    finally:
        svc.close()
        conn.execute(f"DROP SCHEMA cmp_raw_{pid} CASCADE")
        conn.close()


def run(quick: bool) -> list[Result]:
    tmp = Path(tempfile.mkdtemp())
    rows: list[Any] = _sqlite_rows(quick, tmp)
    rows += _postgres_rows(quick)
    return rows

