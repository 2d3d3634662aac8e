"""Security: retrieve_multiple of 5,000 leads as a Basic-depth user over 100,000 leads owned by 50
users, against the same query as SYSTEM (target: within 2x), plus raw sqlite3 doing the same filter."""

from __future__ import annotations

import datetime as dt
import uuid

from harness import Result, measure

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import AddPrivilegesRoleRequest
from leadsdk.query import PagingInfo, QueryExpression
from leadsdk.security import PrivilegeDepth, RolePrivilege


def _setup(total: int, owners: int, mine: int) -> tuple[OrganizationService, uuid.UUID]:
    svc = OrganizationService()
    root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
    assert root is not None
    bu = EntityReference("businessunit", root)
    role = svc.create(Entity("role", name="Seller", businessunitid=bu))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[RolePrivilege("prvReadLead", PrivilegeDepth.BASIC)]))
    users = [svc.create(Entity("systemuser", lastname=f"u{i}", domainname=f"u{i}@x", businessunitid=bu))
             for i in range(owners)]
    svc.associate("systemuser", users[0], "systemuserroles_association", [EntityReference("role", role)])
    t = svc.metadata.table("lead")
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for i in range(total):
        owner = users[0] if i % (total // mine) == 0 else users[1 + i % (owners - 1)]
        rows.append({"leadid": uuid.uuid4(), "lastname": f"L{i}", "fullname": f"L{i}", "subject": "s",
                     "ownerid": owner, "ownerid__type": "systemuser", "owninguser": owner,
                     "owningbusinessunit": root, "statecode": 0, "statuscode": 1, "createdon": now,
                     "modifiedon": now, "versionnumber": i + 1})
    with svc.storage.transaction():
        for k in range(0, len(rows), 10000):
            svc.storage.insert_many(t, rows[k:k + 10000])
    return svc, users[0]


def run(quick: bool) -> list[Result]:
    total, owners, mine = (20_000, 50, 1_000) if quick else (100_000, 50, 5_000)
    svc, user = _setup(total, owners, mine)
    as_user = svc.as_user(user)

    def query() -> QueryExpression:
        q = QueryExpression("lead", column_set=ColumnSet("fullname", "subject"))
        q.page_info = PagingInfo(count=mine, page_number=1)
        return q

    def user_read() -> None:
        assert len(as_user.retrieve_multiple(query())) == mine

    def system_read() -> None:
        assert len(svc.retrieve_multiple(query())) == mine

    conn = svc.storage.conn  # type: ignore[attr-defined]

    def raw_user() -> None:
        rows = conn.execute("SELECT leadid, fullname, subject FROM lead WHERE ownerid = ? ORDER BY leadid LIMIT ?",
                            (str(user), mine)).fetchall()
        assert len(rows) == mine

    out = [
        measure(f"retrieve_multiple {mine} leads: Basic user vs SYSTEM", mine, user_read, system_read,
                bound=2.0, repeat=3, note=f"{total} leads, {owners} owners"),
        measure(f"retrieve_multiple {mine} leads: Basic user vs raw sqlite3", mine, user_read, raw_user, repeat=3),
    ]
    svc.close()
    return out
