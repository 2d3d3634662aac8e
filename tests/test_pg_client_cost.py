"""PostgreSQL's client-side cost cuts (pg32): statements of more than 50 parameters converted once per text
(`storage.pg_cursor`), and the dialect's per-type encoders and decoders as plain functions. The values a
store writes and reads stay what they were (the old `encode` / `decode` kept here as the reference)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.entities.model import AttributeType as A
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import QualifyLeadRequest
from leadsdk.query import QueryExpression
from leadsdk.storage.dialect import PostgresDialect

UTC = dt.timezone.utc


def _old_encode(t: A, value: Any) -> Any:
    """PostgresDialect.encode before pg32."""
    if value is None:
        return None
    if t in (A.UNIQUEIDENTIFIER, A.LOOKUP, A.CUSTOMER, A.OWNER) and not isinstance(value, uuid.UUID):
        return uuid.UUID(str(value))
    if t is A.DATETIME and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if t is A.BOOLEAN:
        return bool(value)
    if t in (A.DECIMAL, A.MONEY) and not isinstance(value, Decimal):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value


def _old_decode(t: A, value: Any) -> Any:
    """PostgresDialect.decode before pg32."""
    if value is None:
        return None
    if t is A.DATETIME:
        if value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if t is A.DOUBLE and isinstance(value, Decimal):
        return float(value)
    if t is A.BIGINT and isinstance(value, Decimal):
        return int(value)
    if t in (A.FILE, A.IMAGE) and isinstance(value, memoryview):
        return bytes(value)
    return value


_U = uuid.UUID("6f1c1f0e-7d2a-4c55-9a37-0d7f2f5b9a11")
_SAMPLES: list[Any] = [
    None, _U, str(_U), "text", 0, 1, 7, 2.5, 0.1, Decimal("12.340"), True, False, b"\x00\x01",
    memoryview(b"ab"), dt.datetime(2026, 1, 2, 3, 4, 5), dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))), dt.date(2026, 1, 2),
]


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        v = fn(*args)
    except Exception as e:  # the same failure (type) for a value a type does not take
        return ("raises", type(e))
    return (type(v).__name__, v.tzinfo if isinstance(v, dt.datetime) else None), v


@pytest.mark.parametrize("t", list(A))
def test_encoders_and_decoders_give_what_encode_and_decode_gave(t: A) -> None:
    d = PostgresDialect()
    enc, dec = d.encoder(t), d.decoder(t)
    for v in _SAMPLES:
        assert _outcome(enc, v) == _outcome(_old_encode, t, v), (t, v)
        assert _outcome(d.encode, t, v) == _outcome(_old_encode, t, v), (t, v)
        assert _outcome(dec, v) == _outcome(_old_decode, t, v), (t, v)
        assert _outcome(d.decode, t, v) == _outcome(_old_decode, t, v), (t, v)


def test_a_row_encoder_turns_id_texts_into_uuids(pg: OrganizationService) -> None:
    st: Any = pg.storage
    lead = pg.metadata.table("lead")
    cols, vals = st._encode_row(lead, {"parentaccountid": str(_U), "parentcontactid": None, "leadid": _U,
                                        "firstname": "A"})
    assert cols == ["parentaccountid", "parentcontactid", "leadid", "firstname"]
    assert vals == [_U, None, _U, "A"] and type(vals[0]) is uuid.UUID


def _wide_lead(i: int) -> dict[str, Any]:
    return {"firstname": f"First{i}", "lastname": f"Last{i}", "subject": f"Subject {i}", "companyname": f"Co {i}",
            "jobtitle": "Buyer", "emailaddress1": f"u{i}@example.com", "telephone1": f"555-{i:04d}",
            "mobilephone": f"555-9{i:04d}", "websiteurl": "https://example.com", "address1_line1": f"{i} Main St",
            "address1_city": "Springfield", "address1_postalcode": "12345", "address1_country": "USA",
            "description": f"Lead {i}", "leadsourcecode": 1 + i % 10, "industrycode": 1 + i % 33,
            "numberofemployees": i, "revenue": Decimal(i) + Decimal("0.5"), "estimatedamount": Decimal(i * 100),
            "decisionmaker": bool(i % 2)}


def test_wide_statements_store_each_call_its_own_values(svc: OrganizationService) -> None:
    """A lead INSERT of more than 50 parameters and QualifyLead's audit INSERT of 8 rows (88 parameters),
    each sent several times with other values: every record and audit row is stored as given."""
    ids = [svc.create(Entity("lead", attributes=_wide_lead(i))) for i in range(4)]
    for i, lid in enumerate(ids):
        got = svc.retrieve("lead", lid, ColumnSet(*_wide_lead(i)))
        assert {k: getattr(got[k], "value", got[k]) for k in _wide_lead(i)} == _wide_lead(i)  # options, money
    made = [svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lid), create_account=True,
                                           create_contact=True, create_opportunity=True)).created_entities
            for lid in ids[:3]]
    audits = Counter(e["objectid"].id if isinstance(e["objectid"], EntityReference) else e["objectid"]
                     for e in svc.retrieve_multiple(QueryExpression("audit", ColumnSet("objectid"))).entities)
    for i, (account, contact, opportunity) in enumerate(made):
        assert audits[account.id] >= 1 and audits[contact.id] >= 1 and audits[opportunity.id] >= 1
        assert svc.retrieve("account", account.id, ColumnSet("name"))["name"] == f"Co {i}"
        assert svc.retrieve("contact", contact.id, ColumnSet("lastname"))["lastname"] == f"Last{i}"
        assert svc.retrieve("lead", ids[i], ColumnSet("statecode"))["statecode"].value == 1


def test_a_statement_of_many_parameters_is_converted_once_and_still_checked(pg: OrganizationService) -> None:
    st: Any = pg.storage
    sql = "SELECT " + " + ".join("%s::int" for _ in range(60))
    assert st._query(sql, list(range(60))) == [(sum(range(60)),)]
    assert st._query(sql, [1] * 60) == [(60,)]
    with pytest.raises(OrganizationServiceFault):  # a wrong count: psycopg's error, as a fault
        st._query(sql, [1] * 59)


def test_the_table_of_converted_statements_stays_bounded(pg: OrganizationService) -> None:
    from leadsdk.storage import pg_cursor

    st: Any = pg.storage
    for n in range(51, 51 + 40):  # texts that keep changing (IN lists of varying length)
        for k in range(8):
            sql = f"SELECT {k} + " + " + ".join("%s::int" for _ in range(n))
            assert st._query(sql, [1] * n) == [(k + n,)]
    assert 0 < len(pg_cursor._converted) <= pg_cursor._MAX_TEXTS
    narrow = "SELECT %s::int + %s::int"  # psycopg's own cache: not kept here
    assert st._query(narrow, [2, 3]) == [(5,)]
    assert all(text != narrow for text, _ in pg_cursor._converted)
    assert pg_cursor.StoreCursor._query_cls is pg_cursor._StoreQuery  # the installed psycopg takes it


def test_queued_statements_sharing_a_cursor_all_land_or_fault_together(pg: OrganizationService) -> None:
    """Writes nobody reads go to the server on one shared cursor in the commit's pipeline: each is stored,
    and a failing one (a duplicate id, queued between two good ones) faults the commit and keeps none."""
    st: Any = pg.storage
    account = pg.metadata.table("account")
    taken = pg.create(Entity("account", name="Taken"))
    ids = [uuid.uuid4() for _ in range(3)]
    with st.transaction():
        for i, aid in enumerate(ids):
            st.insert(account, {"accountid": aid, "name": f"A{i}"})
    assert [pg.retrieve("account", aid, ColumnSet("name"))["name"] for aid in ids] == ["A0", "A1", "A2"]
    more = [uuid.uuid4(), taken, uuid.uuid4()]
    with pytest.raises(OrganizationServiceFault) as e, st.transaction():
        for i, aid in enumerate(more):
            st.insert(account, {"accountid": aid, "name": f"B{i}"})
    assert e.value.error_code == ErrorCodes.DUPLICATE_RECORD
    names = {x["name"] for x in pg.retrieve_multiple(QueryExpression("account", ColumnSet("name"))).entities}
    assert names == {"Taken", "A0", "A1", "A2"}
