"""Lifecycle benchmark: qualify N leads (account + contact + opportunity each), one QualifyLeadRequest
at a time, against raw sqlite3 doing the same reads and writes in one transaction per lead.

The raw side works on a store of the same schema (made by leadsdk, so column types match) and does
what QualifyLead stores: read the lead, insert the account, the contact and the opportunity, link the
account's primary contact, update the lead, insert the process instance and the two summary notes,
read the lead's recent activities (four activity tables) for the summary, and write one audit row per
record written (auditing is on by default in leadsdk, as in Dataverse).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
import uuid
from pathlib import Path

from harness import Result, measure

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.lifecycle.messages import DEFAULT_MAPPINGS, LEAD_TO_OPPORTUNITY_PROCESS_ID, STAGES
from leadsdk.messages import QualifyLeadRequest

N_FULL = 5000
N_QUICK = 300


def _make_store(path: Path, n: int) -> tuple[OrganizationService, list[uuid.UUID]]:
    svc = OrganizationService.open(path)
    ids = []
    for i in range(n):
        ids.append(svc.create(Entity("lead", firstname=f"First{i}", lastname=f"Last{i}", subject=f"Deal {i}",
                                     companyname=f"Company {i}", emailaddress1=f"p{i}@example.com",
                                     telephone1="555-0100", address1_city="Seattle", budgetamount=1000 + i)))
    return svc, ids


def _raw_qualify(con: sqlite3.Connection, lead_ids: list[uuid.UUID], user: str) -> None:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    acc_cols = DEFAULT_MAPPINGS["account"]
    con_cols = DEFAULT_MAPPINGS["contact"]
    opp_cols = DEFAULT_MAPPINGS["opportunity"]
    develop = str(STAGES["Develop"][0])
    path = f"{STAGES['Qualify'][0]},{develop}"
    con.row_factory = sqlite3.Row

    def insert(table: str, values: dict[str, object]) -> None:
        cols = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(values.values()))

    common = {"createdon": now, "modifiedon": now, "createdby": user, "modifiedby": user, "statecode": 0,
              "statuscode": 1, "versionnumber": 1}
    def audit(table: str, obj: str, action: int, changes: list[tuple[str, object, object]] | None = None) -> None:
        data = json.dumps({"changedAttributes": [{"logicalName": c, "oldValue": o, "newValue": n}
                                                 for c, o, n in changes]}) if changes else None
        insert("audit", {"auditid": str(uuid.uuid4()), "action": action, "operation": action, "objectid": obj,
                         "objecttypecode": table, "userid": user, "createdon": now, "changedata": data,
                         "attributemask": ",".join(c for c, _, _ in changes) if changes else None})

    for lid in lead_ids:
        with con:
            lead = con.execute('SELECT * FROM "lead" WHERE leadid = ?', (str(lid),)).fetchone()
            if lead["statecode"] != 0:
                raise RuntimeError("closed")
            aid, cid, oid = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
            a = {t: lead[s] for s, t in acc_cols if lead[s] is not None}
            insert("account", {"accountid": aid, **a, "originatingleadid": str(lid), "ownerid": user,
                               "ownerid__type": "systemuser", **common})
            c = {t: lead[s] for s, t in con_cols if lead[s] is not None}
            insert("contact", {"contactid": cid, **c, "originatingleadid": str(lid), "parentcustomerid": aid,
                               "parentcustomerid__type": "account", "ownerid": user, "ownerid__type": "systemuser",
                               "fullname": f"{lead['firstname']} {lead['lastname']}", **common})
            audit("account", aid, 1)
            audit("contact", cid, 1)
            old = con.execute('SELECT primarycontactid FROM "account" WHERE accountid = ?', (aid,)).fetchone()
            con.execute('UPDATE "account" SET primarycontactid = ?, modifiedon = ? WHERE accountid = ?',
                        (cid, now, aid))
            audit("account", aid, 2, [("primarycontactid", old[0], cid)])
            o = {t: lead[s] for s, t in opp_cols if lead[s] is not None}
            insert("opportunity", {"opportunityid": oid, **o, "originatingleadid": str(lid), "customerid": aid,
                                   "customerid__type": "account", "parentaccountid": aid, "parentcontactid": cid,
                                   "processid": str(LEAD_TO_OPPORTUNITY_PROCESS_ID), "stageid": develop,
                                   "traversedpath": path, "salesstage": 1, "ownerid": user,
                                   "ownerid__type": "systemuser", **common})
            audit("opportunity", oid, 1)
            old = con.execute('SELECT statecode, statuscode, qualifyingopportunityid, parentaccountid, '
                              'parentcontactid, stageid, traversedpath, salesstage FROM "lead" WHERE leadid = ?',
                              (str(lid),)).fetchone()
            con.execute('UPDATE "lead" SET statecode = 1, statuscode = 3, qualifyingopportunityid = ?, '
                        'parentaccountid = ?, parentcontactid = ?, stageid = ?, traversedpath = ?, salesstage = 1, '
                        'modifiedon = ? WHERE leadid = ?', (oid, aid, cid, develop, path, now, str(lid)))
            audit("lead", str(lid), 2, [(k, old[k], None) for k in old.keys()])  # noqa: SIM118 (sqlite3.Row)
            insert("leadtoopportunitysalesprocess", {
                "businessprocessflowinstanceid": str(uuid.uuid4()), "name": "Lead to Opportunity Sales Process",
                "processid": str(LEAD_TO_OPPORTUNITY_PROCESS_ID), "activestageid": develop, "traversedpath": path,
                "leadid": str(lid), "opportunityid": oid, **common})
            audit("leadtoopportunitysalesprocess", oid, 1)
            for table in ("task", "phonecall", "email", "appointment"):
                con.execute(f'SELECT subject, createdon, statecode FROM "{table}" WHERE regardingobjectid = ? '
                            'ORDER BY createdon DESC LIMIT 3', (str(lid),)).fetchall()
            text = f"Lead summary: {lead['fullname']}\nCompany: {lead['companyname']}"
            for obj, kind in ((str(lid), "lead"), (oid, "opportunity")):
                insert("annotation", {"annotationid": str(uuid.uuid4()), "subject": "Lead summary",
                                      "notetext": text, "objectid": obj, "objectid__type": kind,
                                      "objecttypecode": kind, "ownerid": user, "ownerid__type": "systemuser",
                                      **{k: v for k, v in common.items() if k not in ("statecode", "statuscode")}})
                audit("annotation", obj, 1)


def run(quick: bool) -> list[Result]:
    n = N_QUICK if quick else N_FULL
    tmp = Path(tempfile.mkdtemp(prefix="bench_lifecycle_"))
    svc, ids = _make_store(tmp / "leadsdk.db", n)
    raw_svc, raw_ids = _make_store(tmp / "raw.db", n)
    raw_svc.close()
    user = "00000000-0000-0000-0000-00000000a001"

    def leadsdk() -> None:
        for lid in ids:
            svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lid), create_account=True,
                                           create_contact=True, create_opportunity=True, status=3))

    def raw() -> None:
        con = sqlite3.connect(tmp / "raw.db", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.isolation_level = ""
        _raw_qualify(con, raw_ids, user)
        con.close()

    r = measure(f"QualifyLead x{n} (account+contact+opportunity)", n, leadsdk, raw, bound=4.0)
    svc.close()
    return [r]
