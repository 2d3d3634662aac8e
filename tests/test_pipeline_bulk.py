"""CreateMultiple's column-by-column path: the same rows, faults and side effects as one Create per
record, with ids, hooks (their batch forms and row forms) and audit done per batch."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import Entity, OrganizationService, OrganizationServiceFault
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes
from leadsdk.messages import CreateMultipleRequest, CreateRequest, PublishDuplicateRuleRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.records import ids as record_ids
from leadsdk.records.context import Context as HandlerContext
from leadsdk.records.events import column_form
from leadsdk.records.ids import new_id, new_ids
from leadsdk.storage.base import Same, uuid_column, uuid_texts
from leadsdk.types import ColumnSet, EntityReference, Money, OptionSetValue

_PLATFORM = {"leadid", "createdon", "modifiedon", "versionnumber"}
"""Columns that differ between any two creates (id, time, version)."""


def _many_columns(i: int) -> Entity:
    return Entity("lead", attributes={
        "firstname": f"Ada{i}", "lastname": f"Lovelace{i}", "subject": "Bikes", "companyname": None,
        "numberofemployees": 10 + i, "revenue": Money(Decimal("1234.5678")), "budgetamount": Decimal("99.999"),
        "leadsourcecode": OptionSetValue(2), "industrycode": 3, "donotemail": i % 2 == 0,
        "estimatedclosedate": dt.date(2026, 1, 1 + i), "address1_latitude": 47.6 + i,
        "description": "met at the show\nsecond line",
    })


def _stored(svc: OrganizationService, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    out = []
    for i in ids:
        e = svc.retrieve("lead", i, ColumnSet(all_columns=True))
        out.append({k: v for k, v in e.attributes.items() if k not in _PLATFORM})
    return out


def test_bulk_rows_equal_single_creates(svc: OrganizationService) -> None:
    bulk = svc.execute(CreateMultipleRequest(targets=[_many_columns(i) for i in range(4)])).ids
    single = [svc.create(_many_columns(i)) for i in range(4)]
    got, want = _stored(svc, bulk), _stored(svc, single)
    assert got == want
    assert got[1]["fullname"] == "Ada1 Lovelace1" and got[0]["revenue"] == Money(Decimal("1234.57"))
    assert got[0]["stageid"] is not None and got[0]["statuscode"] == OptionSetValue(1)
    assert "companyname" not in got[0]  # a None value stays unset


def test_bulk_columns_holding_one_value_store_what_single_creates_store(svc: OrganizationService) -> None:
    """SQLite binds a column holding the same object in every row once per statement (the rows repeat a
    numbered parameter): over several statements, with constant None, booleans, options, money and text
    next to varying columns, the stored rows equal single creates' and every row is written once."""
    subject, money, flag = "Same subject", Money(Decimal("10.5")), OptionSetValue(3)

    def lead(i: int) -> Entity:
        return Entity("lead", attributes={
            "subject": subject, "lastname": f"L{i}", "description": None, "donotemail": True,
            "revenue": money, "leadsourcecode": flag, "numberofemployees": 7 if i % 100 else 8,
            "address1_latitude": 1.0, "budgetamount": Decimal("2")})

    n = 620  # past the rows of one statement, with a short last one
    bulk = svc.execute(CreateMultipleRequest(targets=[lead(i) for i in range(n)])).ids
    picks = [0, 1, 249, 250, 499, 500, 619]
    single = [svc.create(lead(i)) for i in picks]
    assert _stored(svc, [bulk[i] for i in picks]) == _stored(svc, single)
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    q.criteria.add_condition("subject", ConditionOperator.EQUAL, subject)
    got = sorted(e["lastname"] for e in svc.retrieve_multiple(q).entities)
    assert got == sorted([f"L{i}" for i in range(n)] + [f"L{i}" for i in picks])


_AWKWARD = ["tab\there", "new\nline", "back\\slash", "\\N", "cr\rlf", "ünïcødé ✓", " spaced ", "\\.", "x" * 40]


def _awkward(i: int) -> Entity:
    """Values COPY's text format must escape (PostgreSQL bulk inserts format them column by column),
    with None in some rows of each column."""
    text = _AWKWARD[i % len(_AWKWARD)]
    return Entity("lead", attributes={
        "lastname": text, "firstname": None if i % 3 == 0 else f"F{i}", "description": text * 2,
        "numberofemployees": None if i % 4 == 1 else i, "revenue": None if i % 5 == 2 else Money(Decimal("0.5")),
        "budgetamount": Decimal("1E+2") if i % 2 else Decimal("0.0001"),
        "donotemail": None if i % 3 == 1 else i % 2 == 0,
        "estimatedclosedate": None if i % 2 else dt.date(1753, 1, 1 + i % 28),
        "address1_latitude": None if i % 3 == 2 else -1e-7 * i,
        "parentaccountid": None, "leadsourcecode": None if i % 2 else OptionSetValue(1),
    })


@given(st.lists(st.uuids(), max_size=50) | st.lists(st.integers(0, 2 ** 128 - 1).map(lambda i: uuid.UUID(int=i))))
def test_uuid_texts_are_the_texts_str_gives(ids: list[uuid.UUID]) -> None:
    """The bulk paths write ids as `uuid_texts` formats them; a single create writes str(id)."""
    assert uuid_texts(ids) == [str(i) for i in ids]
    assert uuid_texts([uuid.UUID(int=0), uuid.UUID(int=2 ** 128 - 1)]) == [
        "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]


def test_same_columns_store_their_value_in_every_row(svc: OrganizationService) -> None:
    """A `Same` column (bound once by the storages) and a column repeating one object without saying so
    store the same values as columns that vary, in one statement and across several."""
    t = svc.metadata.table("account")
    for n in (1, 2, 700):
        ids = new_ids(n)
        with svc.storage.transaction():
            svc.storage.insert_columns(t, {
                "accountid": ids, "name": Same.of("Same", n), "description": Same.of(None, n),
                "numberofemployees": Same.of(7, n), "telephone1": ["555"] * n,
                "accountnumber": [f"N{i}" for i in range(n)], "revenue": Same.of(Decimal("1.50"), n)})
        rows = svc.storage.get_many(t, ids, ["accountid", "name", "description", "numberofemployees", "telephone1",
                                             "accountnumber", "revenue"])
        assert sorted((r["accountid"], r["name"], r["description"], r["numberofemployees"], r["telephone1"],
                       r["accountnumber"], r["revenue"]) for r in rows) == sorted(
            (i, "Same", None, 7, "555", f"N{k}", Decimal("1.50")) for k, i in enumerate(ids))


@given(st.lists(st.uuids(), max_size=30))
def test_uuid_column_decodes_as_the_texts_say(ids: list[uuid.UUID]) -> None:
    """A page's id column decoded at once gives the UUIDs of the texts; a None or another form (left to
    the per-value decoder) gives None."""
    texts = [str(i) for i in ids]
    got = uuid_column(texts)
    assert got == (ids or None) and all(u.is_safe is uuid.SafeUUID.unknown for u in got or [])
    assert uuid_column([*texts, None]) is None and uuid_column([*texts, "x" * 36]) is None
    assert uuid_column([i.hex for i in ids]) is None


def test_bulk_ids_read_back_by_id_and_by_lookup(svc: OrganizationService) -> None:
    """Ids and lookups written by the bulk path (their texts formatted column by column) are found by
    the single paths: retrieve by id and a query on the lookup."""
    parent = svc.create(Entity("account", name="Parent"))
    ids = svc.execute(CreateMultipleRequest(targets=[
        Entity("lead", lastname=f"L{i}", parentaccountid=EntityReference("account", parent)) for i in range(30)])).ids
    assert all(svc.retrieve("lead", i, ColumnSet("lastname")).id == i for i in ids[::7])
    q = QueryExpression("lead", column_set=ColumnSet("leadid"))
    q.criteria.add_condition("parentaccountid", ConditionOperator.EQUAL, parent)
    assert sorted(e.id for e in svc.retrieve_multiple(q).entities) == sorted(ids)


def test_bulk_copy_keeps_awkward_values(svc: OrganizationService) -> None:
    n = 2 * len(_AWKWARD)  # past the backends' bulk thresholds
    bulk = svc.execute(CreateMultipleRequest(targets=[_awkward(i) for i in range(n)])).ids
    single = [svc.create(_awkward(i)) for i in range(n)]
    got, want = _stored(svc, bulk), _stored(svc, single)
    assert got == want
    assert [g["lastname"] for g in got[:len(_AWKWARD)]] == _AWKWARD
    assert got[3]["description"] == "\\N\\N" and "firstname" not in got[0]


def test_bulk_ids_versions_and_audit(svc: OrganizationService) -> None:
    ids = svc.execute(CreateMultipleRequest(targets=[_many_columns(i) for i in range(5)])).ids
    assert len(set(ids)) == 5 and all(i.version == 7 for i in ids)
    versions = [svc.retrieve("lead", i, ColumnSet("versionnumber")).row_version for i in ids]
    assert len(set(versions)) == 5 and None not in versions
    q = QueryExpression("audit", column_set=ColumnSet("objectid", "action", "objecttypecode", "userid"))
    rows = svc.retrieve_multiple(q).entities
    created = [r for r in rows if r["objecttypecode"] == "lead"]
    assert sorted(r["objectid"] for r in created) == sorted(ids)
    assert {r["action"].value for r in created} == {1}


def test_bad_value_in_a_column_names_its_row(svc: OrganizationService) -> None:
    targets = [_many_columns(i) for i in range(5)]
    targets[3]["leadsourcecode"] = OptionSetValue(999)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=targets))
    with pytest.raises(OrganizationServiceFault) as single:
        svc.create(targets[3])
    assert ei.value.error_code == single.value.error_code == ErrorCodes.INVALID_OPTION_SET_VALUE
    assert ei.value.error_details["FaultedRequestIndex"] == 3
    assert svc.retrieve_multiple(QueryExpression("lead")).entities == []


def test_bulk_stores_an_empty_text_as_null_as_a_single_create_does(svc: OrganizationService) -> None:
    # the column-by-column path took an all-text column as it came, '' included
    ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="", subject="a"),
                                                     Entity("lead", lastname="Kept", subject="")])).ids
    single = svc.create(Entity("lead", lastname="", subject="b"))
    got = [svc.retrieve("lead", i, ColumnSet("lastname", "subject")) for i in (*ids, single)]
    assert [(e.get("lastname"), e.get("subject")) for e in got] == [(None, "a"), ("Kept", None), (None, "b")]


_VALUES = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 5000), st.booleans(),
                    st.sampled_from([OptionSetValue(1), OptionSetValue(7), OptionSetValue(99)]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_VALUES, _VALUES, _VALUES), min_size=1, max_size=5))
def test_bulk_faults_as_the_first_bad_single_create(svc: OrganizationService, rows: list[tuple[Any, ...]]) -> None:
    """Whatever users put in, CreateMultiple faults like the first record a single Create refuses, names
    its index and writes nothing; or it stores what single Creates store."""
    cols = ("lastname", "numberofemployees", "leadsourcecode")
    targets = [Entity("lead", attributes=dict(zip(cols, r))) for r in rows]
    before = len(svc.retrieve_multiple(QueryExpression("lead")).entities)
    first_bad: tuple[int, int] | None = None
    for i, e in enumerate(targets):  # each alone, rolled back by ExecuteTransaction-free dry run
        try:
            svc.execute(CreateMultipleRequest(targets=[e, Entity("lead", nosuchcolumn=1)]))
        except OrganizationServiceFault as f:
            if f.error_details.get("FaultedRequestIndex") == 0:
                first_bad = (i, f.error_code)
                break
    try:
        ids = svc.execute(CreateMultipleRequest(targets=targets)).ids
    except OrganizationServiceFault as f:
        assert first_bad is not None
        assert (f.error_details["FaultedRequestIndex"], f.error_code) == first_bad
        assert len(svc.retrieve_multiple(QueryExpression("lead")).entities) == before
    else:
        assert first_bad is None
        got = svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet(*cols)))
        by_id = {e.id: e for e in got.entities}
        for i, e in zip(ids, targets):
            for c in cols:
                v = e.attributes[c]
                stored = by_id[i].get(c)
                expected = None if v == "" else v  # an empty text is stored as null, as by a single Create
                assert (stored.value if isinstance(stored, OptionSetValue) else stored) == (
                    expected.value if isinstance(expected, OptionSetValue) else expected)


def test_row_hooks_without_a_batch_form_still_run_per_row(svc: OrganizationService) -> None:
    seen: list[str] = []

    def shout(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any], _: Any) -> None:
        if t.logical_name == "lead":
            seen.append(row["lastname"])
            row["subject"] = row["lastname"].upper()

    events = svc._core.state.events
    events.add("before_create", shout)
    try:
        ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=n, subject="x") for n in "abc"])).ids
    finally:
        events.remove("before_create", shout)
    assert seen == ["a", "b", "c"]
    assert [svc.retrieve("lead", i, ColumnSet("subject"))["subject"] for i in ids] == ["A", "B", "C"]
    svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="d", subject="x")]))
    assert seen == ["a", "b", "c"]  # removed: the table's hook list was recomputed


def test_batch_forms_and_table_filters(svc: OrganizationService) -> None:
    calls: list[str] = []

    def only_accounts(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any], _: Any) -> None:
        calls.append("only:" + t.logical_name)

    def tag(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any], _: Any) -> None:
        calls.append("row:" + t.logical_name)
        if t.logical_name == "lead" and row.get("jobtitle") is None:
            row["jobtitle"] = "tagged"

    @column_form(tag)
    def tag_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
        if "jobtitle" in columns:
            return False  # the caller set it: let the row form decide per row
        calls.append(f"columns:{n}")
        columns["jobtitle"] = ("tagged",) * n
        return True

    events = svc._core.state.events
    events.add("before_create", only_accounts, tables=("account",))
    events.add("before_create", tag)
    try:
        ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=n) for n in "ab"])).ids
        assert calls == ["columns:2"]
        svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname="c", jobtitle="boss")]))
        assert calls == ["columns:2", "row:lead"]
        svc.create(Entity("account", name="acme"))
        assert calls == ["columns:2", "row:lead", "only:account", "row:account"]
    finally:
        events.remove("before_create", only_accounts)
        events.remove("before_create", tag)
    assert {svc.retrieve("lead", i, ColumnSet("jobtitle"))["jobtitle"] for i in ids} == {"tagged"}


def test_bulk_with_a_published_duplicate_rule_keeps_match_codes(svc: OrganizationService) -> None:
    q = QueryExpression("duplicaterule", column_set=ColumnSet("baseentityname"))
    q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, "lead")
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=svc.retrieve_multiple(q)[0].id))
    ids = svc.execute(CreateMultipleRequest(targets=[
        Entity("lead", lastname=f"d{i}", emailaddress1=f"d{i}@contoso.com") for i in range(3)])).ids
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateRequest(target=Entity("lead", lastname="again", emailaddress1="D1@contoso.com"),
                                  suppress_duplicate_detection=False))
    assert ei.value.error_details["DuplicateRecords"] == [EntityReference("lead", ids[1])]


def test_bulk_leads_are_routed_when_rules_exist(svc: OrganizationService) -> None:
    from test_security_routing import rule, sellers

    s = sellers(svc, 2)
    rule(svc, "All leads", 10, s)
    ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=f"r{i}", subject="x")
                                                     for i in range(4)])).ids
    assert [svc.retrieve("lead", i, ColumnSet("ownerid"))["ownerid"].id for i in ids] == [s[0], s[1], s[0], s[1]]


def test_new_ids_are_time_ordered_and_unique_across_threads() -> None:
    made: list[list[uuid.UUID]] = [[] for _ in range(4)]

    def work(out: list[uuid.UUID]) -> None:
        out.extend(new_id() for _ in range(5000))

    threads = [threading.Thread(target=work, args=(m,)) for m in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for m in made for i in m]
    assert len(set(every)) == len(every)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in every[:100])
    ms = [i.int >> 80 for i in every]  # each id's millisecond, within a second of now
    now = dt.datetime.now(dt.timezone.utc).timestamp() * 1000
    assert all(abs(m - now) < 60_000 for m in ms)
    one = [new_id() for _ in range(1000)]
    assert sorted(one, key=str) == one  # one thread's ids sort in the order they were made


@pytest.mark.parametrize("n", [1, 2, 700, 5000])
def test_new_ids_blocks_are_what_new_id_makes(n: int) -> None:
    """A block of ids (made with maps, not one call each) holds version-7 ids in the order made, after
    every earlier id and before every later one, and they pickle and print like any UUID, also when the
    block crosses a millisecond (its counter wrapping to the next one)."""
    import pickle

    before = new_id()
    ms = max(record_ids._last_stamp >> 12, int(dt.datetime.now().timestamp() * 1000)) + 1
    record_ids._last_stamp = ms << 12 | 0xFFF - n // 2  # n // 2 ids left in a millisecond to come
    block = new_ids(n)
    after = new_id()
    assert len(set(block)) == n and sorted(block, key=str) == block
    assert str(before) < str(block[0]) and str(block[-1]) < str(after)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 and i.is_safe is uuid.SafeUUID.unknown for i in block)
    assert pickle.loads(pickle.dumps(block)) == block
    assert [uuid.UUID(str(i)) for i in block] == block
    if n > 2:
        assert len({i.int >> 80 for i in block}) == 2  # two milliseconds


def test_bulk_leads_are_scored_when_a_model_is_published(svc: OrganizationService) -> None:
    from leadsdk.messages import PublishScoringModelRequest
    from test_scoring_scores import published

    svc.execute(PublishScoringModelRequest(model_id=published(svc)))
    hot = {"leadsourcecode": 2, "budgetstatus": 3, "purchasetimeframe": 0, "decisionmaker": True}
    ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", attributes={
        "lastname": f"S{i}", "subject": "s", **hot, "emailaddress1": f"s{i}@example.com"}) for i in range(3)])).ids
    single = svc.create(Entity("lead", attributes={"lastname": "one", "subject": "s", **hot,
                                                   "emailaddress1": "one@example.com"}))
    cols = ColumnSet("msdyn_leadscore", "msdyn_leadgrade", "msdyn_predictivescoreid")
    got = [svc.retrieve("lead", i, cols) for i in [*ids, single]]
    assert all(g.get("msdyn_predictivescoreid") is not None for g in got)
    assert {(g["msdyn_leadscore"], g["msdyn_leadgrade"].value) for g in got} == {
        (got[-1]["msdyn_leadscore"], got[-1]["msdyn_leadgrade"].value)}


def test_bulk_updates_equal_single_updates(svc: OrganizationService) -> None:
    from leadsdk.messages import RetrieveRecordChangeHistoryRequest, UpdateMultipleRequest

    bulk = svc.execute(CreateMultipleRequest(targets=[_many_columns(i) for i in range(4)])).ids
    single = [svc.create(_many_columns(i)) for i in range(4)]

    def change(i: uuid.UUID, k: int) -> Entity:
        return Entity("lead", i, {"firstname": f"Grace{k}", "numberofemployees": None, "statuscode": 2,
                                  "leadsourcecode": OptionSetValue(5)})

    svc.execute(UpdateMultipleRequest(targets=[change(i, k) for k, i in enumerate(bulk)]))
    for k, i in enumerate(single):
        svc.update(change(i, k))
    got, want = _stored(svc, bulk), _stored(svc, single)
    assert got == want
    assert got[2]["fullname"] == "Grace2 Lovelace2" and "numberofemployees" not in got[2]
    assert got[0]["statuscode"] == OptionSetValue(2)
    history = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference("lead", bulk[1])))
    details = list(history.audit_detail_collection)
    assert [d.audit_record["action"].value for d in details] == [2, 1]  # newest first: update, create
    changed = details[0]
    assert changed.old_value["firstname"] == "Ada1" and changed.new_value["firstname"] == "Grace1"


def test_bulk_update_is_all_or_nothing_and_names_the_record(svc: OrganizationService) -> None:
    from leadsdk.messages import UpdateMultipleRequest

    ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=f"u{i}") for i in range(5)])).ids
    targets = [Entity("lead", i, {"subject": f"s{k}"}) for k, i in enumerate(ids)]
    targets[3]["statuscode"] = 3  # Qualified: only QualifyLead may set it
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateMultipleRequest(targets=targets))
    assert ei.value.error_code == ErrorCodes.INVALID_STATE_CODE_STATUS_CODE
    assert ei.value.error_details["FaultedRequestIndex"] == 3
    assert {svc.retrieve("lead", i, ColumnSet("subject")).get("subject") for i in ids} == {None}
    # the same record twice: the second update sees the first, as one Update after another
    svc.execute(UpdateMultipleRequest(targets=[Entity("lead", ids[0], {"subject": "first"}),
                                               Entity("lead", ids[0], {"jobtitle": "second"})]))
    e = svc.retrieve("lead", ids[0], ColumnSet("subject", "jobtitle"))
    assert (e["subject"], e["jobtitle"]) == ("first", "second")


def test_bulk_upsert_with_distinct_ids(svc: OrganizationService) -> None:
    from leadsdk.messages import UpsertMultipleRequest

    old = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=f"old{i}") for i in range(3)])).ids
    fresh = uuid.uuid4()
    resp = svc.execute(UpsertMultipleRequest(targets=[
        Entity("lead", old[0], {"subject": "updated 0"}),
        Entity("lead", attributes={"lastname": "no id"}),
        Entity("lead", fresh, {"lastname": "given id"}),
        Entity("lead", old[2], {"subject": "updated 2"}),
    ]))
    assert [r.record_created for r in resp.responses] == [False, True, True, False]
    assert [r.target.id for r in resp.responses][::2] == [old[0], fresh]
    assert svc.retrieve("lead", resp.responses[1].target.id, ColumnSet("lastname"))["lastname"] == "no id"
    assert svc.retrieve("lead", old[2], ColumnSet("subject"))["subject"] == "updated 2"
    assert svc.retrieve("lead", old[1], ColumnSet("subject")).get("subject") is None
    before = len(svc.retrieve_multiple(QueryExpression("lead")).entities)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpsertMultipleRequest(targets=[
            Entity("lead", attributes={"lastname": "would be new"}),
            Entity("lead", old[1], {"subject": "fine"}),
            Entity("lead", old[2], {"statuscode": 3}),  # Qualified: only QualifyLead may set it
        ]))
    assert ei.value.error_details["FaultedRequestIndex"] == 2
    assert len(svc.retrieve_multiple(QueryExpression("lead")).entities) == before
    assert svc.retrieve("lead", old[1], ColumnSet("subject")).get("subject") is None


def test_update_many_writes_each_row_and_the_last_change_of_a_repeated_id(svc: OrganizationService) -> None:
    """Batched updates (SQLite: UPDATE ... FROM (VALUES ...), several statements) change exactly the rows
    named, each to its own values; with an id named twice the later change wins, as one by one."""
    t = svc.metadata.table("account")
    ids = new_ids(1200)
    with svc.storage.transaction():
        svc.storage.insert_columns(t, {"accountid": ids, "name": [f"A{i}" for i in range(1200)],
                                       "numberofemployees": Same.of(1, 1200)})
        assert svc.storage.update_many(t, [{"accountid": i, "name": f"B{k}", "numberofemployees": k}
                                           for k, i in enumerate(ids[:1100])]) == 1100
        svc.storage.update_many(t, [{"accountid": ids[0], "name": "first"}, {"accountid": ids[1], "name": "x"},
                                    {"accountid": ids[0], "name": "last"}])
    got = {r["accountid"]: (r["name"], r["numberofemployees"])
           for r in svc.storage.get_many(t, ids, ["accountid", "name", "numberofemployees"])}
    assert got[ids[0]] == ("last", 0) and got[ids[1]] == ("x", 1)
    assert [got[i] for i in ids[2:1100]] == [(f"B{k}", k) for k in range(2, 1100)]
    assert [got[i] for i in ids[1100:]] == [(f"A{k}", 1) for k in range(1100, 1200)]


def test_sqlite_batched_update_finds_rows_by_key(tmp_path: Any) -> None:
    """The batched UPDATE's plan looks each row up by the primary key (no scan of the table)."""
    from leadsdk.storage.sqlite import SqliteStorage

    svc = OrganizationService(SqliteStorage(tmp_path / "u.db"))
    t = svc.metadata.table("lead")
    ids = new_ids(3)
    seen: list[str] = []
    with svc.storage.transaction():
        svc.storage.insert_columns(t, {"leadid": ids, "lastname": ["a", "b", "c"]})
        conn = svc.storage.conn  # type: ignore[attr-defined]
        conn.set_trace_callback(seen.append)
        svc.storage.update_many(t, [{"leadid": i, "lastname": "z", "msdyn_leadscore": 5} for i in ids])
        conn.set_trace_callback(None)
    update = next(s for s in seen if s.startswith("UPDATE"))
    assert "FROM (VALUES" in update
    plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + update))
    assert "SEARCH lead USING" in plan and "(leadid=?)" in plan and "SCAN lead" not in plan, plan
    svc.close()


def test_a_record_may_point_at_one_made_earlier_in_the_same_request(svc: OrganizationService) -> None:
    """Targets are created in order, as one Create each would be: a child naming a parent given earlier
    in the request finds it (however many rows come between); one naming a later target faults with
    that target's index, and nothing of the request is written."""
    parent, other = uuid.uuid4(), uuid.uuid4()
    targets = [Entity("account", parent, name="Parent")]
    targets += [Entity("account", name=f"Filler {i}") for i in range(3)]
    targets += [Entity("account", name=f"Child {i}", parentaccountid=EntityReference("account", parent))
                for i in range(3)]
    targets.append(Entity("account", other, name="Other", parentaccountid=EntityReference("account", parent)))
    targets.append(Entity("account", name="Grandchild", parentaccountid=EntityReference("account", other)))
    ids = svc.execute(CreateMultipleRequest(targets=targets)).ids
    assert ids[0] == parent and ids[7] == other
    got = {e.id: e.get("parentaccountid") for e in svc.retrieve_multiple(
        QueryExpression("account", column_set=ColumnSet("parentaccountid"))).entities}
    assert [got[i] and got[i].id for i in ids] == [None] * 4 + [parent] * 4 + [other]
    late = uuid.uuid4()
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=[
            Entity("account", name="Early", parentaccountid=EntityReference("account", late)),
            Entity("account", late, name="Late")]))
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    assert ei.value.error_details.get("FaultedRequestIndex") == 0
    names = [e["name"] for e in svc.retrieve_multiple(QueryExpression("account", column_set=ColumnSet("name")))]
    assert "Early" not in names and "Late" not in names
