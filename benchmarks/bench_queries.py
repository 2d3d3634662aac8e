"""Queries: RetrieveMultiple against raw sqlite3 running the equivalent SQL and building dicts, same run.

Store: N leads (20 columns set, one of 1,000 parent accounts each) written with storage.insert_many.
Workloads (issue target: leadsdk <= 2x raw):
  - filtered, ordered: 5,000 of N leads (numberofemployees in a range, ordered by createdon desc),
    8 columns including a lookup (whose name needs a join), one page of 5,000;
  - join: leads whose parent account has a given industry (filter on the linked account), the account's
    name as a linked column, ordered by subject, one page of 5,000.
The raw side runs the same statement text leadsdk compiles (so both do the same SQL work) and builds a dict
per row keyed by column, with the raw driver values.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

from harness import Result, measure

from leadsdk import ColumnSet, OrganizationService
from leadsdk.query import ConditionOperator, JoinOperator, OrderType, PagingInfo, QueryExpression
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.storage.sqlite import SqliteStorage

UTC = dt.timezone.utc
ACCOUNTS = 1000
INDUSTRIES = 20


def populate(svc: OrganizationService, n: int) -> None:
    rnd = random.Random(11)
    md = svc.metadata
    owner = SYSTEM_USER_ID
    bu = svc.storage.get(md.table("systemuser"), owner, ["businessunitid"])
    assert bu is not None
    base = {"ownerid": owner, "ownerid__type": "systemuser", "owninguser": owner,
            "owningbusinessunit": bu["businessunitid"], "statecode": 0, "statuscode": 1,
            "createdby": owner, "modifiedby": owner}
    t0 = dt.datetime(2020, 1, 1, tzinfo=UTC)
    accounts = [uuid.UUID(int=rnd.getrandbits(128)) for _ in range(ACCOUNTS)]
    svc.storage.insert_many(md.table("account"), [
        {**base, "accountid": aid, "name": f"Account {i:04d}", "industrycode": 1 + i % INDUSTRIES,
         "createdon": t0, "modifiedon": t0, "versionnumber": i + 1} for i, aid in enumerate(accounts)])
    rows: list[dict[str, Any]] = []
    for i in range(n):
        created = t0 + dt.timedelta(minutes=rnd.randrange(0, 3 * 365 * 24 * 60))
        rows.append({**base, "leadid": uuid.UUID(int=rnd.getrandbits(128)), "subject": f"Interest {i:06d}",
                     "firstname": f"First{i}", "lastname": f"Last{i}", "fullname": f"First{i} Last{i}",
                     "companyname": f"Company {i % 997}", "emailaddress1": f"user{i}@example.com",
                     "telephone1": f"555-{i:06d}", "address1_city": "Springfield", "jobtitle": "Buyer",
                     "leadsourcecode": 1 + i % 10, "industrycode": 1 + i % 33,
                     "numberofemployees": rnd.randrange(0, n), "estimatedamount": Decimal(i % 1000) * 100,
                     "parentaccountid": accounts[i % ACCOUNTS], "createdon": created, "modifiedon": created,
                     "versionnumber": i + 1})
    lead = md.table("lead")
    with svc.storage.transaction():
        for k in range(0, n, 5000):
            svc.storage.insert_many(lead, rows[k:k + 5000])
    svc.storage.conn.execute("ANALYZE")  # type: ignore[attr-defined]


def filtered_query(n: int) -> QueryExpression:
    q = QueryExpression("lead", column_set=ColumnSet(
        "subject", "fullname", "companyname", "emailaddress1", "leadsourcecode", "estimatedamount", "createdon",
        "parentaccountid"))
    # numberofemployees is uniform on [0, n): a window of 5% of n holds about 5,000 rows of 100,000
    q.criteria.add_condition("numberofemployees", ConditionOperator.BETWEEN, n // 2, n // 2 + n // 20)
    q.add_order("createdon", OrderType.DESCENDING)
    q.page_info = PagingInfo(count=5000, page_number=1)
    return q


def join_query() -> QueryExpression:
    q = QueryExpression("lead", column_set=ColumnSet("subject", "fullname", "emailaddress1", "leadsourcecode"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.INNER)
    link.entity_alias = "acc"
    link.columns = ColumnSet("name")
    link.link_criteria.add_condition("industrycode", ConditionOperator.EQUAL, 7)
    q.add_order("subject")
    q.page_info = PagingInfo(count=5000, page_number=1)
    return q


def _raw(storage: SqliteStorage, q: QueryExpression) -> Any:
    cq = storage.compile(q)
    conn = storage.conn
    sql, params = cq.sql, cq.params
    keys = [o.key for o in cq.outputs]

    def run() -> list[dict[str, Any]]:
        return [dict(zip(keys, r)) for r in conn.execute(sql, params).fetchall()]

    return run


def run(quick: bool) -> list[Result]:
    n = 20_000 if quick else 100_000
    storage = SqliteStorage(":memory:")
    svc = OrganizationService(storage)
    populate(svc, n)
    results: list[Result] = []
    repeat = 2 if quick else 5
    for name, q in [(f"filtered+ordered query, ~5% of {n} leads", filtered_query(n)),
                    (f"join lead->account, filter on account ({n} leads)", join_query())]:
        got = len(svc.retrieve_multiple(q))
        raw = _raw(storage, q)
        assert len(raw()) >= got
        r = measure(name, got, lambda q=q: svc.retrieve_multiple(q), raw, bound=2.0, repeat=repeat,
                    note=f"{got} rows per query")
        results.append(r)
    svc.close()
    return results
