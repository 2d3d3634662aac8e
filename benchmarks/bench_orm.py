"""SQLAlchemy's ORM on the user schema of bench_compare's raw side: what a user choosing an ORM instead of
leadsdk would write (issue 22: "Be ahead of it on every workload").

The same five tables (a 26-column `lead`, account, contact, opportunity, audit) declared as mapped classes,
in their own SQLite file in WAL with the same `synchronous` mode; each request-like workload opens a
Session per operation (as a web request would) and commits. `bench_compare` times each workload right
after leadsdk's run of the same work and prints leadsdk / SQLAlchemy. Needs `sqlalchemy` (the dev extra).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, Numeric, String, Text, Uuid, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = ["Orm"]

warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*")


class Base(DeclarativeBase):
    pass


class Lead(Base):
    __tablename__ = "lead"
    leadid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    firstname: Mapped[str | None] = mapped_column(String)
    lastname: Mapped[str | None] = mapped_column(String)
    subject: Mapped[str | None] = mapped_column(String)
    companyname: Mapped[str | None] = mapped_column(String)
    jobtitle: Mapped[str | None] = mapped_column(String)
    emailaddress1: Mapped[str | None] = mapped_column(String, index=True)
    telephone1: Mapped[str | None] = mapped_column(String)
    mobilephone: Mapped[str | None] = mapped_column(String)
    websiteurl: Mapped[str | None] = mapped_column(String)
    address1_line1: Mapped[str | None] = mapped_column(String)
    address1_city: Mapped[str | None] = mapped_column(String)
    address1_postalcode: Mapped[str | None] = mapped_column(String)
    address1_country: Mapped[str | None] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    leadsourcecode: Mapped[int | None] = mapped_column(Integer)
    industrycode: Mapped[int | None] = mapped_column(Integer)
    numberofemployees: Mapped[int | None] = mapped_column(Integer)
    revenue: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    estimatedamount: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    decisionmaker: Mapped[bool | None] = mapped_column(Boolean)
    statecode: Mapped[int] = mapped_column(Integer, default=0)
    statuscode: Mapped[int] = mapped_column(Integer, default=1)
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    modifiedon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    parentaccountid: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Account(Base):
    __tablename__ = "account"
    accountid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str | None] = mapped_column(String)
    emailaddress1: Mapped[str | None] = mapped_column(String)
    telephone1: Mapped[str | None] = mapped_column(String)
    websiteurl: Mapped[str | None] = mapped_column(String)
    address1_city: Mapped[str | None] = mapped_column(String)
    address1_country: Mapped[str | None] = mapped_column(String)
    primarycontactid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    originatingleadid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    modifiedon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    statecode: Mapped[int] = mapped_column(Integer, default=0)


class Contact(Base):
    __tablename__ = "contact"
    contactid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    firstname: Mapped[str | None] = mapped_column(String)
    lastname: Mapped[str | None] = mapped_column(String)
    emailaddress1: Mapped[str | None] = mapped_column(String)
    telephone1: Mapped[str | None] = mapped_column(String)
    jobtitle: Mapped[str | None] = mapped_column(String)
    parentcustomerid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    originatingleadid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    modifiedon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    statecode: Mapped[int] = mapped_column(Integer, default=0)


class Opportunity(Base):
    __tablename__ = "opportunity"
    opportunityid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str | None] = mapped_column(String)
    customerid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    parentaccountid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    parentcontactid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    originatingleadid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    estimatedvalue: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    modifiedon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    statecode: Mapped[int] = mapped_column(Integer, default=0)


class Audit(Base):
    __tablename__ = "audit"
    auditid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    objectid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    objecttypecode: Mapped[str | None] = mapped_column(String)
    action: Mapped[int | None] = mapped_column(Integer)
    userid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    changedata: Mapped[str | None] = mapped_column(Text)


class ProcessInstance(Base):
    """The lead-to-opportunity process instance a qualification starts (leadsdk's
    leadtoopportunitysalesprocess row)."""
    __tablename__ = "processinstance"
    processinstanceid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    leadid: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    opportunityid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    activestage: Mapped[str | None] = mapped_column(String)
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Note(Base):
    __tablename__ = "note"
    noteid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    objectid: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    objecttypecode: Mapped[str | None] = mapped_column(String)
    subject: Mapped[str | None] = mapped_column(String)
    notetext: Mapped[str | None] = mapped_column(Text)
    createdon: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _qualified(lead: Lead, now: dt.datetime) -> tuple[Account, Contact, Opportunity]:
    """The account, contact and opportunity a qualification makes of `lead`."""
    lid = lead.leadid
    a = Account(accountid=uuid.uuid4(), name=lead.companyname, emailaddress1=lead.emailaddress1,
                telephone1=lead.telephone1, websiteurl=lead.websiteurl, address1_city=lead.address1_city,
                address1_country=lead.address1_country, originatingleadid=lid, createdon=now, modifiedon=now,
                statecode=0)
    c = Contact(contactid=uuid.uuid4(), firstname=lead.firstname, lastname=lead.lastname,
                emailaddress1=lead.emailaddress1, telephone1=lead.telephone1, jobtitle=lead.jobtitle,
                parentcustomerid=a.accountid, originatingleadid=lid, createdon=now, modifiedon=now, statecode=0)
    o = Opportunity(opportunityid=uuid.uuid4(), name=lead.companyname, customerid=a.accountid,
                    parentaccountid=a.accountid, parentcontactid=c.contactid, originatingleadid=lid,
                    estimatedvalue=lead.estimatedamount, createdon=now, modifiedon=now, statecode=0)
    return a, c, o


def _rate(n: int, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return n / max(time.perf_counter() - t0, 1e-9)


class Orm:
    """The ORM side: an engine on its own SQLite file, seeded like the raw side; one method per workload,
    each returning operations (or queries) per second."""

    def __init__(self, path: Path, synchronous: str, lead_values: Callable[[int], dict[str, Any]]) -> None:
        self.engine = create_engine(f"sqlite:///{path}")
        self.values = lead_values

        @event.listens_for(self.engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")

        Base.metadata.create_all(self.engine)
        self.leads: list[uuid.UUID] = []
        self.accounts: list[uuid.UUID] = []
        self.user = uuid.uuid4()

    def lead(self, i: int, account: uuid.UUID | None = None) -> Lead:
        now = _now()
        return Lead(leadid=uuid.uuid4(), **self.values(i), statecode=0, statuscode=1, createdon=now,
                    modifiedon=now, parentaccountid=account)

    def seed(self, n: int, accounts: int) -> None:
        now = _now()
        acc = [Account(accountid=uuid.uuid4(), name=f"Account {k}", createdon=now, modifiedon=now, statecode=0)
               for k in range(accounts)]
        leads = [self.lead(i, acc[i % accounts].accountid) for i in range(n)]
        self.accounts = [a.accountid for a in acc]
        self.leads = [x.leadid for x in leads]
        with Session(self.engine) as s, s.begin():
            s.add_all(acc)
            s.add_all(leads)

    def fresh(self, k: int, base: int) -> list[uuid.UUID]:
        """k new leads (for qualifications), stored before the timed run; their ids."""
        fresh = [self.lead(base + i) for i in range(k)]
        ids = [x.leadid for x in fresh]  # (before the commit expires the objects)
        with Session(self.engine) as s, s.begin():
            s.add_all(fresh)
        return ids

    # the workloads ------------------------------------------------------------------------------
    def bulk_insert(self, n: int, base: int = 20_000_000) -> float:
        """n leads added to one Session and committed (the unit of work batches the INSERTs)."""
        leads = [self.lead(base + i) for i in range(n)]

        def run() -> None:
            with Session(self.engine) as s, s.begin():
                s.add_all(leads)
        return _rate(n, run)

    def single_create(self, k: int, base: int = 30_000_000) -> float:
        def run() -> None:
            for i in range(k):
                with Session(self.engine) as s, s.begin():
                    s.add(self.lead(base + i))
        return _rate(k, run)

    def retrieve(self, k: int) -> float:
        """The first k leads by id, a Session per read (nothing comes from an identity map of an earlier read)."""
        ids = self.leads[:k]

        def run() -> None:
            for lid in ids:
                with Session(self.engine) as s:
                    s.get(Lead, lid)
        return _rate(len(ids), run)

    def query(self, page: int, repeat: int) -> float:
        """Active leads with their parent account's name, `page` at a time, as Lead objects."""
        stmt = (select(Lead, Account.name).outerjoin(Account, Account.accountid == Lead.parentaccountid)
                .where(Lead.statecode == 0).limit(page))

        def run() -> None:
            for _ in range(repeat):
                with Session(self.engine) as s:
                    assert len(s.execute(stmt).all()) == page
        return _rate(repeat, run)

    def update(self, k: int) -> float:
        """The last k leads: two columns changed, with an audit row of the old and new values, one
        transaction each."""
        ids = self.leads[-k:]

        def run() -> None:
            for k, lid in enumerate(ids):
                with Session(self.engine) as s, s.begin():
                    lead = s.get(Lead, lid)
                    assert lead is not None
                    change = json.dumps({"changedAttributes": [
                        {"logicalName": "jobtitle", "oldValue": lead.jobtitle, "newValue": "Manager"},
                        {"logicalName": "telephone1", "oldValue": lead.telephone1, "newValue": f"555-{k}"}]})
                    now = _now()
                    lead.jobtitle, lead.telephone1, lead.modifiedon = "Manager", f"555-{k}", now
                    s.add(Audit(objectid=lid, objecttypecode="lead", action=2, userid=self.user, createdon=now,
                                changedata=change))
        return _rate(len(ids), run)

    def qualify(self, k: int, base: int = 10_000_000, same_rows: bool = False) -> float:
        """Read a lead, create its account, contact and opportunity, close it: one transaction each. With
        `same_rows`, also the other rows leadsdk's QualifyLead writes (`_other_rows`)."""
        ids = self.fresh(k, base)

        def run() -> None:
            for lid in ids:
                with Session(self.engine) as s, s.begin():
                    lead = s.get(Lead, lid)
                    if lead is None or lead.statecode != 0:
                        raise RuntimeError("closed")
                    now = _now()
                    a, c, o = _qualified(lead, now)
                    s.add_all([a, c, o, *(self._other_rows(lead, a, c, o, now) if same_rows else ())])
                    lead.statecode, lead.statuscode, lead.modifiedon = 1, 3, now
        return _rate(k, run)

    def _other_rows(self, lead: Lead, a: Account, c: Contact, o: Opportunity, now: dt.datetime) -> list[Base]:
        """The account's primary contact; the process instance; a summary note on the lead and on the
        opportunity; an audit row for each of the eight writes (the two updates with old and new values)."""
        lid = lead.leadid
        a.primarycontactid = c.contactid
        p = ProcessInstance(processinstanceid=uuid.uuid4(), leadid=lid, opportunityid=o.opportunityid,
                            activestage="Develop", createdon=now)
        text = (f"Lead summary: {lead.firstname} {lead.lastname}\nCompany: {lead.companyname}\n"
                f"Topic: {lead.subject}\nKey values: revenue {lead.revenue}\nLast activities: none")
        notes = [Note(noteid=uuid.uuid4(), objectid=obj, objecttypecode=table, subject="Lead summary", notetext=text,
                      createdon=now) for obj, table in ((lid, "lead"), (o.opportunityid, "opportunity"))]
        state = {"changedAttributes": [{"logicalName": "statecode", "oldValue": lead.statecode, "newValue": 1},
                                       {"logicalName": "statuscode", "oldValue": lead.statuscode, "newValue": 3}]}
        primary = {"changedAttributes": [
            {"logicalName": "primarycontactid", "oldValue": None, "newValue": str(c.contactid)}]}

        def audit(obj: uuid.UUID, table: str, action: int, change: Any = None) -> Audit:
            return Audit(auditid=uuid.uuid4(), objectid=obj, objecttypecode=table, action=action, userid=self.user,
                         createdon=now, changedata=None if change is None else json.dumps(change))

        return [p, *notes, audit(a.accountid, "account", 1), audit(c.contactid, "contact", 1),
                audit(a.accountid, "account", 2, primary), audit(o.opportunityid, "opportunity", 1),
                audit(lid, "lead", 2, state), audit(p.processinstanceid, "processinstance", 1),
                *(audit(n.noteid, "note", 1) for n in notes)]

    def duplicate_probe(self, emails: Sequence[str]) -> float:
        """Active leads with the probe's e-mail address (the indexed column), as Lead objects."""
        def run() -> None:
            for mail in emails:
                with Session(self.engine) as s:
                    s.execute(select(Lead).where(Lead.emailaddress1 == mail, Lead.statecode == 0)).scalars().all()
        return _rate(len(emails), run)

    def close(self) -> None:
        self.engine.dispose()
