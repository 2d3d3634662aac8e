"""Helpers for the scoring tests: closed and open leads written straight through the storage interface."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from typing import Any

from leadsdk import OrganizationService
from leadsdk.scoring.synthetic import generate_leads

UTC = dt.timezone.utc


def months_ago(months: int, *, days: float = 0) -> dt.datetime:
    """`months` calendar months before now, shifted by `days` (positive: more recent)."""
    now = dt.datetime.now(UTC)
    m = now.month - 1 - months
    y = now.year + m // 12
    m = m % 12 + 1
    day = min(now.day, calendar.monthrange(y, m)[1])
    return now.replace(year=y, month=m, day=day) + dt.timedelta(days=days)


_SEEDS = itertools.count(1000)


def add_leads(svc: OrganizationService, n: int, *, state: int = 0, seed: int | None = None,
              created: dt.datetime | None = None, **values: Any) -> list[dict[str, Any]]:
    """`n` generated leads with the given state (0 open, 1 qualified, 2 disqualified) and column values."""
    rows = generate_leads(n, seed=next(_SEEDS) if seed is None else seed, closed=False)
    status = {0: 1, 1: 3, 2: 4}[state]
    lead = svc.metadata.table("lead")
    user = svc.storage.select(_q("systemuser", "domainname", "SYSTEM", "systemuserid", "businessunitid")).rows[0]
    for r in rows:
        r.update(statecode=state, statuscode=status, ownerid=user["systemuserid"], ownerid__type="systemuser",
                 owninguser=user["systemuserid"], owningbusinessunit=user["businessunitid"])
        if created is not None:
            r["createdon"] = r["modifiedon"] = created
        r.update(values)
    with svc.storage.transaction():
        svc.storage.insert_many(lead, rows)
    return rows


def _q(table: str, col: str, value: Any, *columns: str) -> Any:
    from leadsdk.query import ConditionOperator, QueryExpression

    q = QueryExpression(table)
    q.column_set.add_columns(*columns)
    q.criteria.add_condition(col, ConditionOperator.EQUAL, value)
    return q
