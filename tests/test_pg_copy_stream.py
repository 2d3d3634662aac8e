"""Bulk inserts as one COPY fed chunk by chunk (PostgreSQL: binary COPY left open while the request prepares
its next rows; SQLite: the same calls as multi-row INSERTs): what a large CreateMultiple stores, and that a
failure anywhere in it, the server's or the caller's, writes nothing and leaves the store usable."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from leadsdk import ColumnSet, Entity, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import CreateMultipleRequest
from leadsdk.query import ConditionOperator, QueryExpression


def _lead(i: int, id_: uuid.UUID | None = None) -> Entity:
    return Entity("lead", id_, {"firstname": f"First{i}", "lastname": f"Last\t{i}\\", "jobtitle": "Buyer",
                                "numberofemployees": i, "revenue": Decimal(i) / 4, "decisionmaker": i % 2 == 0})


def _count(svc: OrganizationService, table: str) -> int:
    st = svc.storage
    return st.count(st.metadata.table(table))  # type: ignore[attr-defined]


def _audited(svc: OrganizationService) -> list[uuid.UUID]:
    q = QueryExpression("audit", ColumnSet("objectid"))
    q.criteria.add_condition("objecttypecode", ConditionOperator.EQUAL, "lead")
    return [e["objectid"] for e in svc.retrieve_multiple(q).entities]


def test_a_large_create_multiple_stores_and_audits_every_record(svc: OrganizationService) -> None:
    ids = svc.execute(CreateMultipleRequest(targets=[_lead(i) for i in range(4500)])).ids  # three chunks
    assert _count(svc, "lead") == 4500 and len(set(ids)) == 4500
    q = QueryExpression("lead", ColumnSet("firstname", "lastname", "numberofemployees", "revenue",
                                          "decisionmaker", "versionnumber", "ownerid", "createdon"))
    rows = {e.id: e for e in svc.retrieve_multiple(q).entities}
    for i in (0, 1999, 2000, 4499):
        e = rows[ids[i]]
        assert (e["firstname"], e["lastname"], e["numberofemployees"], e["revenue"].value, e["decisionmaker"]) \
            == (f"First{i}", f"Last\t{i}\\", i, Decimal(i) / 4, i % 2 == 0)
    assert len({(rows[i]["ownerid"].id, rows[i]["createdon"]) for i in ids}) == 1  # the caller, the request's time
    versions = [rows[i]["versionnumber"] for i in ids]
    assert versions == sorted(set(versions))  # unique, in the order the records were given
    assert sorted(_audited(svc)) == sorted(ids)


def test_a_duplicate_key_in_a_late_chunk_writes_nothing(svc: OrganizationService) -> None:
    """The third chunk repeats a stored id: on PostgreSQL the server refuses it when the COPY of all three
    ends; the request faults with the duplicate's code and neither records nor audit rows are kept."""
    kept = svc.create(Entity("lead", lastname="Kept"))
    targets = [_lead(i, uuid.uuid4()) for i in range(4500)]
    targets[4100] = _lead(4100, kept)
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(CreateMultipleRequest(targets=targets))
    assert e.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert _count(svc, "lead") == 1 and _audited(svc) == [kept]
    svc.execute(CreateMultipleRequest(targets=[_lead(i) for i in range(600)]))  # the store is usable again
    assert _count(svc, "lead") == 601


def test_an_open_copy_is_ended_before_the_transaction_reads_or_fails(svc: OrganizationService) -> None:
    storage = svc.storage
    lead = storage.metadata.table("lead")  # type: ignore[attr-defined]

    def rows(n: int) -> dict[str, list[object]]:
        return {"leadid": [uuid.uuid4() for _ in range(n)], "lastname": [f"Copied {i}" for i in range(n)]}

    with storage.transaction():
        storage.insert_columns(lead, rows(600))
        assert storage.count(lead) == 600  # a read inside the transaction sees the rows sent so far
        storage.insert_columns(lead, rows(700))
    assert _count(svc, "lead") == 1300
    with pytest.raises(RuntimeError), storage.transaction():
        storage.insert_columns(lead, rows(800))
        raise RuntimeError("the caller fails between two chunks")
    assert _count(svc, "lead") == 1300
    svc.create(Entity("lead", lastname="Next"))
    assert _count(svc, "lead") == 1301


def test_a_whole_number_out_of_range_is_refused_not_wrapped(pg: OrganizationService) -> None:
    """Binary COPY would send 2**31 as 0 in a 32-bit column: such a column goes the checked way and faults."""
    storage = pg.storage
    lead = storage.metadata.table("lead")  # type: ignore[attr-defined]
    with pytest.raises(OrganizationServiceFault) as e:
        storage.insert_columns(lead, {"leadid": [uuid.uuid4() for _ in range(600)],
                                      "numberofemployees": [5] * 599 + [2 ** 31]})
    assert e.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert _count(pg, "lead") == 0
    ids = [uuid.uuid4() for _ in range(600)]
    storage.insert_columns(lead, {"leadid": ids, "numberofemployees": [2 ** 31 - 1] * 600})
    assert pg.retrieve("lead", ids[-1], ColumnSet("numberofemployees"))["numberofemployees"] == 2 ** 31 - 1


def test_a_column_holding_one_value_in_one_chunk_and_many_in_the_next(svc: OrganizationService) -> None:
    """PostgreSQL sends a column holding one value in every row of a chunk as that value's bytes, dumped
    once: a chunk where it varies goes in a COPY of its own; every row keeps its own value."""
    storage = svc.storage
    lead = storage.metadata.table("lead")  # type: ignore[attr-defined]
    when = dt.datetime(2020, 2, 29, 12, 0, tzinfo=dt.timezone.utc)
    chunks = [[7] * 600, list(range(600)), [None] * 600, [8] * 600]
    with storage.transaction():
        for k, numbers in enumerate(chunks):
            storage.insert_columns(lead, {
                "leadid": [uuid.uuid4() for _ in numbers], "numberofemployees": numbers,
                "lastname": [f"C{k}"] * len(numbers), "createdon": [when] * len(numbers),
                "revenue": [Decimal("1.5")] * len(numbers), "donotemail": [k % 2 == 0] * len(numbers)})
    q = QueryExpression("lead", ColumnSet("numberofemployees", "lastname", "createdon", "revenue", "donotemail"))
    got: dict[str, list[object]] = {}
    for e in svc.retrieve_multiple(q).entities:
        got.setdefault(e["lastname"], []).append(e.get("numberofemployees"))
        assert (e["createdon"], e["revenue"].value, e["donotemail"]) == (when, Decimal("1.5"), e["lastname"] in
                                                                          ("C0", "C2"))
    assert {k: sorted(v, key=str) for k, v in got.items()} == {
        f"C{k}": sorted(numbers, key=str) for k, numbers in enumerate(chunks)}
