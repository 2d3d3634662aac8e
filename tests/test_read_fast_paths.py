"""The read path's fast paths give what the general paths give (issue 22): a page of active records read in
primary-id order through the (statecode, primary id) index, and CSV export cells made straight from
Entities, equal to the general `records` conversion."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from tests.test_security_messages import SECRET, setup_units

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.cli.tools import _cell, companions_of, export_rows, iter_records, records, write_output
from leadsdk.plugins import PluginStage
from leadsdk.query import ConditionOperator, PagingInfo, QueryExpression
from leadsdk.security import PrivilegeDepth
from leadsdk.storage import SqliteStorage
from leadsdk.types import AliasedValue, Money, OptionSetValue


def test_active_page_walks_the_state_index_in_id_order(svc: OrganizationService) -> None:
    """A page of active records comes in primary-id order, closed ones left out, page after page."""
    ids = [svc.create(Entity("lead", lastname=f"L{i}")) for i in range(12)]
    for lid in ids[::3]:
        svc.update(Entity("lead", lid, statecode=OptionSetValue(2), statuscode=OptionSetValue(6)))
    active = sorted((i for k, i in enumerate(ids) if k % 3), key=str)
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    got = [e.id for page in svc.iter_pages(q, 3) for e in page.entities]
    assert [str(i) for i in got] == [str(i) for i in active]


def test_sqlite_plan_for_active_page_needs_no_sort() -> None:
    """SQLite reads `statecode = 0 ORDER BY leadid` by the composite index: no sort of every match."""
    svc = OrganizationService()
    try:
        storage = svc.storage
        assert isinstance(storage, SqliteStorage)
        q = QueryExpression("lead", column_set=ColumnSet("lastname"))
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
        q.page_info = PagingInfo(count=50, page_number=1)
        cq = storage.compile(q)
        plan = " ".join(str(r[-1]) for r in storage.conn.execute("EXPLAIN QUERY PLAN " + cq.sql, cq.params))
        assert "ix_lead_statecode_leadid" in plan and "TEMP B-TREE" not in plan
    finally:
        svc.close()


def _reference_csv(rows: list[Entity], cols: list[str], companions: dict[str, tuple[str, ...]] | None) -> str:
    """The general conversion: `records` then `_cell`, written as the CSV writer writes it."""
    names, recs = records(rows, cols, companions)
    out = io.StringIO()
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writerow(names)
    for rec in recs:
        row = [_cell(rec.get(c)) for c in names]
        (quoted if any("\r" in v for v in row) else plain).writerow(row)
    return out.getvalue()


def test_csv_cells_equal_the_general_conversion() -> None:
    """Every kind of value (text with CR, ints, bools, amounts, decimals, floats, dates, ids, choices with
    labels, lookups with names, aliased values, nulls) gives the same CSV as `records` + `_cell`."""
    acc = uuid.uuid4()
    when = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)
    values = [
        {"a": "x\ry", "b": 3, "c": True, "d": Money(Decimal("10.50")), "e": Decimal("7"), "f": 2.0,
         "g": when, "h": uuid.UUID(int=5), "i": OptionSetValue(1),
         "j": EntityReference("account", acc, "Contoso"), "k": AliasedValue("account", "name", "A"),
         "l": Decimal("1.25"), "m": Money(Decimal("100.00")), "n": dt.date(2026, 1, 2), "o": [1, 2]},
        {"b": -1, "c": False, "d": Money(Decimal("-3")), "e": Decimal("1E+3"), "f": 2.5, "i": OptionSetValue(2),
         "j": EntityReference("account", acc)},
        {},
    ]
    rows = []
    for k, attrs_ in enumerate(values):
        e = Entity("lead", uuid.UUID(int=k + 1), attributes=attrs_)
        e.formatted_values["i"] = f"Label {attrs_['i'].value}" if "i" in attrs_ else ""
        e.formatted_values["j"] = "From formatted"
        rows.append(e)
    cols = list("abcdefghijklmno")
    for companions in (None, {"i": ("_label",), "j": ("_name", "_table")}):
        out = io.StringIO()
        n = write_output([rows[:2], [], rows[2:]], cols, "csv", False, out, companions=companions)
        assert n == 3
        assert out.getvalue() == _reference_csv(rows, cols, companions)


def test_exported_store_values_equal_the_general_conversion(svc: OrganizationService) -> None:
    """Leads read from the store (labels from metadata, parent account names) export as `records` says."""
    acc = svc.create(Entity("account", name="Fabrikam"))
    for i in range(4):
        svc.create(Entity("lead", lastname=f"L{i}", leadsourcecode=OptionSetValue(1 + i % 2),
                          revenue=Money(Decimal(i) + Decimal("0.5")), numberofemployees=i,
                          decisionmaker=bool(i % 2), parentaccountid=EntityReference("account", acc)))
    cols = ["leadid", "lastname", "leadsourcecode", "revenue", "numberofemployees", "decisionmaker",
            "parentaccountid", "createdon"]
    q = QueryExpression("lead", ColumnSet(*cols))
    q.add_order("leadid")
    rows = list(svc.retrieve_multiple(q).entities)
    comp = companions_of(svc, "lead", cols)
    out = io.StringIO()
    write_output([rows], cols, "csv", False, out, companions=comp)
    assert out.getvalue() == _reference_csv(rows, cols, comp)
    assert "Fabrikam" in out.getvalue()


def _export_both(svc: OrganizationService, cols: list[str], page_size: int = 3) -> tuple[str, str]:
    """(RetrieveMultipleRows export, Entity export) of every lead, as CSV."""
    q = QueryExpression("lead", ColumnSet(*cols))
    q.add_order("leadid")
    comp = companions_of(svc, "lead", cols)
    fast = io.StringIO()
    n = export_rows(svc, q, cols, "csv", fast, comp, page_size)
    general = io.StringIO()
    m = write_output(iter_records(svc, q, page_size), cols, "csv", False, general, companions=comp)
    assert n == m
    return fast.getvalue(), general.getvalue()


def test_export_rows_equals_the_entity_export(svc: OrganizationService) -> None:
    """The export that builds no Entity writes the same CSV as the one from Entities, over pages: text with
    CR, choices and their labels, amounts, decimals, whole numbers, booleans, dates, ids, lookups with names,
    a polymorphic lookup with its table, nulls."""
    acc = svc.create(Entity("account", name="Fabrikam"))
    con = svc.create(Entity("contact", lastname="Contoso"))
    for i in range(7):
        svc.create(Entity("lead", lastname=f"L{i}", jobtitle="two\rlines" if i == 3 else None,
                          leadsourcecode=OptionSetValue(1 + i % 3) if i % 4 else None,
                          revenue=Money(Decimal(i * 100) + (Decimal("0.25") if i % 2 else Decimal(0))),
                          numberofemployees=i * 1000 if i % 3 else None, decisionmaker=bool(i % 2),
                          estimatedclosedate=dt.datetime(2026, 1, 1 + i, tzinfo=dt.timezone.utc),
                          parentaccountid=EntityReference("account", acc) if i % 2 else None,
                          customerid=EntityReference("contact" if i % 3 else "account", con if i % 3 else acc)))
    cols = ["leadid", "lastname", "jobtitle", "leadsourcecode", "revenue", "numberofemployees", "decisionmaker",
            "estimatedclosedate", "parentaccountid", "customerid", "statecode", "createdon"]
    fast, general = _export_both(svc, cols)
    assert fast == general
    assert fast.count("\n") >= 8 and "Fabrikam" in fast and "Contoso" in fast and '"two\rlines"' in fast


def test_export_rows_keeps_the_callers_read_scope(svc: OrganizationService) -> None:
    """A seller with Basic read depth exports only the leads they own; the CSV stays equal to theirs."""
    a, b, _, _ = setup_units(svc, PrivilegeDepth.BASIC)
    sa, sb = svc.as_user(a), svc.as_user(b)
    mine = {sa.create(Entity("lead", lastname=f"Mine{i}")) for i in range(2)}
    sb.create(Entity("lead", lastname=SECRET))
    fast, general = _export_both(sa, ["leadid", "lastname"])
    assert fast == general
    assert SECRET not in fast
    assert {uuid.UUID(line.split(",")[0]) for line in fast.splitlines()[1:]} == mine


def test_export_rows_lets_retrievemultiple_plugins_shape_the_records(svc: OrganizationService) -> None:
    """With a RetrieveMultiple plugin on lead, the rows export runs RetrieveMultiple: the plugin's change
    shows in the CSV, as it does in the Entity export."""
    for i in range(4):
        svc.create(Entity("lead", lastname=f"L{i}", jobtitle="Buyer"))

    def mask(pctx: Any) -> None:
        for e in pctx.output_parameters["EntityCollection"].entities:
            e["jobtitle"] = "hidden"

    svc.register_plugin("RetrieveMultiple", "lead", PluginStage.POST_OPERATION, mask)
    fast, general = _export_both(svc, ["leadid", "jobtitle"])
    assert fast == general
    assert "Buyer" not in fast and fast.count("hidden") == 4


def test_query_page_entities_equal_the_general_conversion(svc: OrganizationService) -> None:
    """The generated row dicts and Entity builder give what `row_to_entity` gives from the same stored rows:
    nulls left out, Money, choices, lookups with names, linked columns as AliasedValue, formatted values."""
    from leadsdk.entities.decode import row_to_entity
    from leadsdk.query import JoinOperator

    acc = svc.create(Entity("account", name="Contoso"))
    for i in range(4):
        svc.create(Entity("lead", lastname=f"L{i}", companyname=None if i % 2 else f"C{i}",
                          revenue=Money(Decimal(f"{i}.25")) if i else None, leadsourcecode=OptionSetValue(1 + i % 2),
                          parentaccountid=EntityReference("account", acc) if i != 2 else None))
    q = QueryExpression("lead", column_set=ColumnSet("lastname", "companyname", "revenue", "leadsourcecode",
                                                     "parentaccountid"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    link.entity_alias = "acc"
    link.columns.add_columns("name")
    q.add_order("lastname")
    got = svc.retrieve_multiple(q).entities
    res = svc.storage.select(q)
    want = [row_to_entity(svc.metadata.tables, "lead", r, res.columns) for r in res.rows]
    assert [e.id for e in got] == [e.id for e in want] and all(isinstance(e.id, uuid.UUID) for e in got)
    assert [e.attributes for e in got] == [e.attributes for e in want]
    assert [e.formatted_values for e in got] == [e.formatted_values for e in want]
    first, second, third = got[0], got[1], got[2]
    assert "revenue" not in first and second["revenue"] == Money(Decimal("1.25"))
    assert type(second["revenue"].value) is Decimal
    assert second["acc.name"] == AliasedValue("account", "name", "Contoso") and "acc.name" not in third
    assert second["parentaccountid"] == EntityReference("account", acc)
    assert second["parentaccountid"].name == "Contoso" and "parentaccountid" not in third
    assert [e["lastname"] for e in got] == ["L0", "L1", "L2", "L3"]
    assert all(e.row_version for e in got)


def test_entities_from_the_stored_page_equal_the_row_builder(svc: OrganizationService) -> None:
    """RetrieveMultiple builds Entities straight from the stored tuples (no row dicts): the same ids,
    attributes and their types, formatted values (also after a pickle), row versions, paging cookies and
    more_records as the builder over the decoded rows, for a linked query with a polymorphic lookup and for
    all columns; the page's `rows()` and `values()` are the decoded rows."""
    import pickle

    from leadsdk.entities.decode import EntityBuilder
    from leadsdk.query import JoinOperator
    from leadsdk.storage.base import QueryContext

    acc = svc.create(Entity("account", name="Contoso"))
    con = svc.create(Entity("contact", lastname="Kim"))
    for i in range(5):
        svc.create(Entity("lead", lastname=f"L{i}", companyname=None if i % 2 else f"C{i}",
                          revenue=Money(Decimal(f"{i}.25")) if i else None, leadsourcecode=OptionSetValue(1 + i % 2),
                          estimatedclosedate=dt.datetime(2026, 1, 1 + i, tzinfo=dt.timezone.utc),
                          customerid=EntityReference("contact" if i % 2 else "account", con if i % 2 else acc),
                          parentaccountid=EntityReference("account", acc) if i != 2 else None))
    q = QueryExpression("lead", column_set=ColumnSet("lastname", "companyname", "revenue", "leadsourcecode",
                                                     "estimatedclosedate", "customerid", "parentaccountid"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    link.entity_alias = "acc"
    link.columns.add_columns("name", "createdon", "accountid")
    q.add_order("lastname")
    q.page_info = PagingInfo(count=3, page_number=1)
    everything = QueryExpression("lead", column_set=ColumnSet(all_columns=True))
    everything.page_info = PagingInfo(count=50, page_number=1)
    for query in (q, everything):
        got = svc.retrieve_multiple(query)
        res = svc.storage.select(query, QueryContext(row_version=True))
        assert res.page is not None
        builder = EntityBuilder(svc.metadata.tables, "lead", res.columns)
        rows = res.page.rows()
        want = [builder.build(r) for r in rows]
        assert [e.id for e in got.entities] == [e.id for e in want]
        assert [e.attributes for e in got.entities] == [e.attributes for e in want]
        assert [[type(v) for v in e.attributes.values()] for e in got.entities] == \
            [[type(v) for v in e.attributes.values()] for e in want]
        assert [e.formatted_values for e in got.entities] == [e.formatted_values for e in want]
        assert [e.row_version for e in got.entities] == [e.row_version for e in want]
        again = svc.retrieve_multiple(query).entities
        assert [pickle.loads(pickle.dumps(e)).formatted_values for e in again] == \
            [e.formatted_values for e in want]
        assert got.paging_cookie == res.paging_cookie and got.more_records == res.more_records
        assert res.rows == rows and all(not k.startswith("__ord") for r in rows for k in r)
        assert res.page.values("lastname") == [r.get("lastname") for r in rows]
        assert res.page.values("leadid") == [r["leadid"] for r in rows]
        assert res.page.values("nosuchkey") == [None] * len(rows)
    first = svc.retrieve_multiple(q)
    assert first.more_records and len(first.entities) == 3
    assert first.entities[1]["customerid"] == EntityReference("contact", con)
    assert first.entities[1]["customerid"].name == "Kim"
    assert first.entities[0]["acc.accountid"] == AliasedValue("account", "accountid", acc)
    assert "revenue" not in first.entities[0] and first.entities[1].formatted_values["revenue"] == "$1.25"


def test_retrieve_from_the_stored_row_equals_the_row_builder(svc: OrganizationService) -> None:
    """Retrieve builds its Entity straight from the stored tuple (`Storage.get_stored`): the same id,
    attributes and their types, formatted values (also after a pickle) and row version as the builder over
    `Storage.get`'s decoded row, for a column set with nulls, a polymorphic lookup and amounts, and for all
    columns; a missing id still faults."""
    import pickle

    from leadsdk.entities.decode import EntityBuilder
    from leadsdk.errors import ErrorCodes, OrganizationServiceFault

    acc = svc.create(Entity("account", name="Contoso"))
    con = svc.create(Entity("contact", lastname="Kim"))
    ids = [svc.create(Entity("lead", lastname=f"L{i}", companyname=None if i % 2 else f"C{i}",
                             revenue=Money(Decimal(f"{i}.25")) if i else None, leadsourcecode=OptionSetValue(1 + i),
                             estimatedclosedate=dt.datetime(2026, 1, 1 + i, tzinfo=dt.timezone.utc),
                             customerid=EntityReference("contact" if i % 2 else "account", con if i % 2 else acc),
                             parentaccountid=EntityReference("account", acc) if i != 2 else None))
           for i in range(3)]
    cols = ("lastname", "companyname", "revenue", "leadsourcecode", "estimatedclosedate", "customerid",
            "parentaccountid", "statecode", "createdon")
    t = svc.metadata.table("lead")
    for column_set, read in ((ColumnSet(*cols), ("leadid", *cols, "versionnumber")), (None, None)):
        names = read[:-1] if read is not None else list(t.attributes)
        builder = EntityBuilder(svc.metadata.tables, "lead", [(c, "lead", c, False) for c in names])
        for lid in ids:
            for _ in range(2):  # the second read takes the function the first one made
                got = svc.retrieve("lead", lid, column_set)
                row = svc.storage.get(t, lid, read)
                assert row is not None
                want = builder.build(row)
                assert got.id == want.id == lid and got.row_version == want.row_version is not None
                assert got.attributes == want.attributes
                assert [type(v) for v in got.attributes.values()] == [type(v) for v in want.attributes.values()]
                assert got.formatted_values == want.formatted_values
                assert pickle.loads(pickle.dumps(svc.retrieve("lead", lid, column_set))).formatted_values == \
                    want.formatted_values
    first, second, third = (svc.retrieve("lead", lid, ColumnSet(*cols)) for lid in ids)
    assert "revenue" not in first and second["revenue"] == Money(Decimal("1.25"))
    assert first["companyname"] == "C0" and "parentaccountid" not in third
    assert second["customerid"] == EntityReference("contact", con) and second["customerid"].name == "Kim"
    assert first["customerid"].name == "Contoso" and first.formatted_values["parentaccountid"] == "Contoso"
    with pytest.raises(OrganizationServiceFault) as e:
        svc.retrieve("lead", uuid.uuid4(), ColumnSet(*cols))
    assert e.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST


def test_retrieve_target_is_a_plain_reference(svc: OrganizationService) -> None:
    """`retrieve` builds its target without attrs' converters: plugins see the reference `EntityReference()`
    makes (the id a uuid.UUID, no name, its own empty key dict), for an id given as a UUID or as text."""
    lid = svc.create(Entity("lead", lastname="Ng"))
    seen: list[Any] = []
    svc.register_plugin("Retrieve", "lead", PluginStage.PRE_VALIDATION,
                        lambda p: seen.append(p.input_parameters["Target"]))
    assert svc.retrieve("lead", lid, ColumnSet("lastname"))["lastname"] == "Ng"
    assert svc.retrieve("lead", str(lid), ColumnSet("lastname")).id == lid
    assert seen == [EntityReference("lead", lid)] * 2
    assert all(type(r.id) is uuid.UUID and r.name is None and r.key_attributes == {} for r in seen)
    assert seen[0].key_attributes is not seen[1].key_attributes


def test_rows_response_values_equal_its_rows(svc: OrganizationService) -> None:
    """RetrieveMultipleRows answers from the stored page: `values(key)` is `[r.get(key) for r in rows]`
    (typed: ids as UUID, amounts as Decimal), before and after `rows` is read, and a pickled response
    carries its rows."""
    import pickle

    from leadsdk.messages import RetrieveMultipleRowsRequest

    acc = svc.create(Entity("account", name="Fabrikam"))
    for i in range(3):
        svc.create(Entity("lead", lastname=f"L{i}", revenue=Money(Decimal(f"{i}.5")) if i else None,
                          parentaccountid=EntityReference("account", acc) if i else None))
    q = QueryExpression("lead", ColumnSet("lastname", "revenue", "parentaccountid"))
    q.add_order("lastname")
    keys = ["leadid", "lastname", "revenue", "parentaccountid", "parentaccountid@name", "nosuchkey"]
    resp = svc.execute(RetrieveMultipleRowsRequest(query=q))
    early = {k: resp.values(k) for k in keys}
    copy = pickle.loads(pickle.dumps(resp))
    rows = resp.rows
    assert len(rows) == 3 and copy.rows == rows
    assert early == {k: [r.get(k) for r in rows] for k in keys} == {k: resp.values(k) for k in keys}
    assert all(isinstance(v, uuid.UUID) for v in early["leadid"])
    assert early["revenue"] == [None, Decimal("1.5"), Decimal("2.5")]
    assert early["parentaccountid@name"] == [None, "Fabrikam", "Fabrikam"]


def test_decimal_cells_equal_the_general_conversion() -> None:
    """`_decimal_cell` gives `_cell(_raw(v))` for whole numbers, fractions, negatives, zeros and exponents."""
    from leadsdk.cli.tools import _decimal_cell, _raw

    for text in ["0", "-0", "7", "-7", "100", "0.5", "-0.5", "10.50", "1.00", "-2.000", "123456789.123456789",
                 "1E+2", "1E-7", "1.5E-7", "-1E+3", "0E-10", "99999999999999999999", "0.1", "1e2"]:
        v = Decimal(text)
        assert _decimal_cell(v) == _cell(_raw(v)), text


def test_page_shares_one_aliased_value_per_linked_text(svc: OrganizationService) -> None:
    """Records of one page linked to the same account share one (immutable) AliasedValue for its name;
    each record still holds its own account's name, a null name is left out, and values that are not text
    (numbers) get an AliasedValue each."""
    from leadsdk.query import JoinOperator

    accs = [svc.create(Entity("account", name=f"A{k}", numberofemployees=7)) for k in range(2)]
    nameless = svc.create(Entity("account"))
    for i in range(6):
        svc.create(Entity("lead", lastname=f"L{i}",
                          parentaccountid=EntityReference("account", nameless if i == 5 else accs[i % 2])))
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    link.entity_alias = "acc"
    link.columns.add_columns("name", "numberofemployees")
    q.add_order("lastname")
    got = svc.retrieve_multiple(q).entities
    assert [e.get("acc.name") for e in got] == [AliasedValue("account", "name", f"A{i % 2}") for i in range(5)] + [None]
    assert got[0]["acc.name"] is got[2]["acc.name"] and got[1]["acc.name"] is got[3]["acc.name"]
    assert got[0]["acc.name"] is not got[1]["acc.name"]
    emp = [e["acc.numberofemployees"] for e in got[:5]]
    assert emp == [AliasedValue("account", "numberofemployees", 7)] * 5 and emp[0] is not emp[2]
    again = svc.retrieve_multiple(q).entities  # a new page: its own values
    assert again[0]["acc.name"] == got[0]["acc.name"] and again[0]["acc.name"] is not got[0]["acc.name"]


def test_stored_uuid_texts_decode_as_uuid_does() -> None:
    """SQLite's UUID decoders (primary ids without the cache, other columns with it) give uuid.UUID's value
    for canonical texts in either case and refuse what uuid.UUID refuses."""
    from leadsdk.entities.model import AttributeType
    from leadsdk.storage.dialect import SqliteDialect

    d = SqliteDialect()
    for decode in (d.id_decoder(), d.decoder(AttributeType.LOOKUP)):
        for u in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
            assert decode(str(u)) == u and decode(str(u).upper()) == u and type(decode(str(u))) is uuid.UUID
        assert decode(None) is None
        for bad in ("01a250c9 d92d-7000-b011-16c0be7197f7", "01a250c9-d92d-7000-b01  16c0be7197f7",
                    "01a250c9-d92d-7000-b011-16c0be7197fg", "x" * 36, "01a250c9"):
            with pytest.raises(ValueError):
                decode(bad)


def test_datetime_texts_of_interleaved_moments() -> None:
    """SQLite's datetime encoder remembers the last two moments: any order of repeats and new ones gives
    each moment's own text (a request's time between audit rows' times, UTC and other zones)."""
    import datetime as dt

    from leadsdk.entities.model import AttributeType
    from leadsdk.storage.dialect import SqliteDialect

    enc = SqliteDialect().encoder(AttributeType.DATETIME)
    utc = dt.timezone.utc
    a = dt.datetime(2026, 12, 7, 10, 0, 0, 1, tzinfo=utc)
    b = dt.datetime(2026, 12, 7, 10, 0, 0, 2, tzinfo=utc)
    c = dt.datetime(2026, 12, 7, 12, 0, 0, 3, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    want = {id(a): "2026-12-07 10:00:00.000001", id(b): "2026-12-07 10:00:00.000002",
            id(c): "2026-12-07 10:00:00.000003"}
    for v in (a, a, b, a, a, c, a, b, b, c, c, a, None, a, b):
        assert enc(v) == (None if v is None else want[id(v)])


def test_query_entities_make_related_and_key_mappings_when_used(svc: OrganizationService) -> None:
    """A queried record's `related_entities` and `key_attributes` are made when first used: empty, the same
    mapping on every later use, kept by copies and pickles; other missing attributes still raise."""
    import copy
    import pickle

    svc.create(Entity("lead", lastname="Kim"))
    e = svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet("lastname"))).entities[0]
    assert e.related_entities == {} and e.related_entities is e.related_entities
    e.key_attributes["emailaddress1"] = "k@example.com"
    assert e.key_attributes == {"emailaddress1": "k@example.com"}
    for other in (copy.copy(e), copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert other.key_attributes == {"emailaddress1": "k@example.com"} and other.related_entities == {}
        assert other == e and other["lastname"] == "Kim"
    fresh = svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet("lastname"))).entities[0]
    assert pickle.loads(pickle.dumps(fresh)).related_entities == {}
    with pytest.raises(AttributeError):
        _ = e.no_such_attribute  # type: ignore[attr-defined]


def test_query_page_formatted_values_read_from_threads_are_whole(svc: OrganizationService) -> None:
    """A query page's record makes its formatted values when first read; threads reading them at once all
    see the complete texts, equal to Retrieve's."""
    from concurrent.futures import ThreadPoolExecutor

    acc = svc.create(Entity("account", name="Formatted Co"))
    for i in range(40):
        svc.create(Entity("lead", lastname=f"F{i}", leadqualitycode=OptionSetValue(1 + i % 3),
                          parentaccountid=EntityReference("account", acc), revenue=Money(Decimal("1234.5"))))
    q = QueryExpression("lead", column_set=ColumnSet("lastname", "leadqualitycode", "parentaccountid", "revenue"))
    page = svc.retrieve_multiple(q).entities
    with ThreadPoolExecutor(8) as pool:
        seen = [list(pool.map(lambda e: dict(e.formatted_values), page)) for _ in range(3)]
    want = [dict(svc.retrieve("lead", e.id, ColumnSet("lastname", "leadqualitycode", "parentaccountid",
                                                      "revenue")).formatted_values) for e in page]
    assert all(s == want for s in seen)
    assert all({"leadqualitycode", "parentaccountid", "revenue"} <= w.keys() for w in want)


def test_none_is_bound_as_null_by_the_registered_adapter() -> None:
    """leadsdk's SQLite backend registers an adapter for None (to skip sqlite3's failing adapter search):
    None still binds as NULL, for its connections and any other."""
    import sqlite3

    import leadsdk.storage.sqlite  # noqa: F401  (registers the adapter on import)

    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
    conn = sqlite3.connect(":memory:")
    assert conn.execute("SELECT ? IS NULL, typeof(?)", (None, None)).fetchone() == (1, "null")
    conn.close()


def test_uuid_column_and_datetime_texts_decode_as_the_general_paths() -> None:
    """A column of stored UUID texts decodes as uuid.UUID does (upper case too) and is declined (None) when any
    text is not canonical; SQLite datetime texts give `fromisoformat(text).replace(tzinfo=UTC)`."""
    from leadsdk.storage.base import uuid_column
    from leadsdk.storage.dialect import _datetime_text

    ids = [uuid.uuid4() for _ in range(37)] + [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)]
    texts = [str(u) for u in ids]
    got = uuid_column(texts)
    assert got == ids and all(type(u) is uuid.UUID for u in got)
    assert uuid_column([t.upper() for t in texts]) == ids
    for bad in ("01a250c9 d92d-7000-b011-16c0be7197f7", "01a250c9-d92d-7000-b01  16c0be7197f7",
                "01a250c9-d92d-7000-b011-16c0be7197fg", "x" * 36, "01a250c9", None,
                "01a250c9-d92d-7000-b011-16c0be7197\u00e9"):
        assert uuid_column([*texts[:9], bad]) is None
    utc = dt.timezone.utc
    for text in ("2026-01-01 10:00:00.123456", "2026-01-01 10:00:00", "2026-01-01", "2026-01-01 10:00:00+05:00"):
        want = dt.datetime.fromisoformat(text).replace(tzinfo=utc)
        assert _datetime_text(text) == want and _datetime_text(text).tzinfo is utc  # type: ignore[union-attr]
