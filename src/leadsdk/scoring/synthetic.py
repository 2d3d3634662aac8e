"""Synthetic leads with a known signal, for tests, docs and benchmarks.

Whether a generated lead was qualified is drawn from a logistic model whose log-odds are
`BASE_LOGIT` plus the weights in `SIGNAL` and a company-size term:

- lead source: Employee Referral (+3.6) and Partner (+2.3) raise the odds; Web (-1.8) and
  Advertisement (-2.0) lower them; this is the strongest signal;
- budget: Will Buy (+2.3), Can Buy (+1.2), No Committed Budget (-2.0);
- purchase timeframe: Immediate (+1.6), Unknown (-1.6);
- an e-mail address (+1.6 when given); a decision maker (+0.8); +0.5 per tenfold more employees;
- industry, priority and preferred contact method are pure noise.

With these weights the best possible AUC (the generating model's own) is about 0.90.

`load_leads(svc, closed=..., open_=...)` writes the rows straight through the storage interface
(`svc.storage.insert_many(svc.metadata.table("lead"), rows)`, in one storage transaction): storage-level
values (uuid ids, ints for option sets, aware datetimes), no pipeline, no plugins, no audit. That is
what makes 100,000 closed leads a second's work; it is for test and benchmark data only. Qualified
leads made this way skip QualifyLeadRequest (no account, contact or opportunity is created).

Run `python benchmarks/gen_scoring_data.py --help` to make a store file from the command line.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from decimal import Decimal
from typing import Any

from leadsdk.query.model import ConditionOperator, QueryExpression

__all__ = ["BASE_LOGIT", "SIGNAL", "generate_leads", "load_leads", "true_logit"]

UTC = dt.timezone.utc
BASE_LOGIT = -1.3

SIGNAL: dict[str, dict[Any, float]] = {
    "leadsourcecode": {2: 3.6, 4: 2.3, 8: -1.8, 1: -2.0},
    "budgetstatus": {3: 2.3, 2: 1.2, 0: -2.0},
    "purchasetimeframe": {0: 1.6, 4: -1.6},
    "emailaddress1": {True: 1.6},
    "decisionmaker": {True: 0.8},
}
"""The planted signal: column -> value -> log-odds added (True for "filled in" on text columns)."""

_FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken"]
_LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Thompson"]


def true_logit(row: dict[str, Any]) -> float:
    """The generating model's log-odds of a lead being qualified (for checking models against it)."""
    s = BASE_LOGIT
    for col, weights in SIGNAL.items():
        v = row.get(col)
        key: Any = bool(v) if col == "emailaddress1" else v
        s += weights.get(key, 0.0)
    emp = row.get("numberofemployees")
    if emp:
        s += 0.5 * (math.log10(emp) - 2)
    return s


def generate_leads(n: int, *, seed: int = 0, closed: bool = True, now: dt.datetime | None = None,
                   months: int = 20, owner_id: uuid.UUID | None = None,
                   business_unit_id: uuid.UUID | None = None, currency_id: uuid.UUID | None = None
                   ) -> list[dict[str, Any]]:
    """`n` storage-level lead rows created within the last `months` months; closed ones are Qualified
    (statecode 1, statuscode 3) or Disqualified (statecode 2, statuscode 4) by the planted signal."""
    rnd = random.Random(seed)
    now = now or dt.datetime.now(UTC)
    span = months * 30 * 86400
    rows: list[dict[str, Any]] = []
    for i in range(n):
        first, last = rnd.choice(_FIRST), rnd.choice(_LAST)
        created = now - dt.timedelta(seconds=rnd.randint(3600, span))
        row: dict[str, Any] = {
            "leadid": uuid.UUID(int=rnd.getrandbits(128), version=4),
            "subject": f"Interest {i}",
            "firstname": first,
            "lastname": last,
            "fullname": f"{first} {last}",
            "companyname": rnd.choice(["Contoso", "Fabrikam", "Litware", "Northwind", None]),
            "emailaddress1": f"{first.lower()}.{i}@example.com" if rnd.random() < 0.55 else None,
            "telephone1": f"+1 555 {i % 10000:04d}" if rnd.random() < 0.5 else None,
            "leadsourcecode": rnd.randint(1, 10),
            "industrycode": rnd.randint(1, 33),
            "budgetstatus": rnd.choice([0, 1, 2, 3, None]),
            "purchasetimeframe": rnd.choice([0, 1, 2, 3, 4]),
            "prioritycode": rnd.choice([0, 1, 2]),
            "preferredcontactmethodcode": rnd.randint(1, 5),
            "decisionmaker": rnd.random() < 0.4,
            "numberofemployees": int(10 ** rnd.uniform(0.5, 4.5)),
            "revenue": Decimal(rnd.randint(10, 5000) * 1000),
            "createdon": created,
            "modifiedon": created,
            "versionnumber": i + 1,
            "statecode": 0,
            "statuscode": 1,
        }
        if closed:
            won = rnd.random() < 1 / (1 + math.exp(-true_logit(row)))
            row["statecode"], row["statuscode"] = (1, 3) if won else (2, 4)
        if owner_id is not None:
            row.update(ownerid=owner_id, ownerid__type="systemuser", owninguser=owner_id, createdby=owner_id,
                       modifiedby=owner_id)
        if business_unit_id is not None:
            row["owningbusinessunit"] = business_unit_id
        if currency_id is not None:
            row["transactioncurrencyid"] = currency_id
            row["exchangerate"] = Decimal("1")
        rows.append(row)
    return rows


def load_leads(svc: Any, *, closed: int = 0, open_: int = 0, seed: int = 0, months: int = 20,
               now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Insert `closed` closed and `open_` open generated leads into `svc`'s store through the storage
    interface (one transaction); returns the rows. `svc` is an OrganizationService."""
    storage = svc.storage
    meta = svc.metadata
    uq = _first("systemuser", "systemuserid", "businessunitid")
    uq.criteria.add_condition("domainname", ConditionOperator.EQUAL, "SYSTEM")
    user = storage.select(uq).rows[0]
    org = storage.select(_first("organization", "organizationid", "basecurrencyid")).rows[0]
    common: dict[str, Any] = {"owner_id": user["systemuserid"], "business_unit_id": user["businessunitid"],
                              "currency_id": org["basecurrencyid"], "months": months, "now": now}
    rows = generate_leads(closed, seed=seed, closed=True, **common)
    rows += generate_leads(open_, seed=seed + 7919, closed=False, **common)
    lead = meta.table("lead")
    with storage.transaction():
        for i in range(0, len(rows), 5000):
            storage.insert_many(lead, rows[i:i + 5000])
    return rows


def _first(table: str, *columns: str) -> QueryExpression:
    q = QueryExpression(table)
    q.column_set.add_columns(*columns)
    q.top_count = 1
    return q
