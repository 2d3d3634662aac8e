"""pandas / Arrow output, and importing DataFrames and CSV files with a report of rejected rows."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.helpers.dataframe import import_csv, import_dataframe, import_rows
from leadsdk.query import QueryExpression

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


def leads(svc: OrganizationService) -> int:
    return len(svc.retrieve_multiple(QueryExpression("lead")))


def test_to_pandas_dtypes(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Litware"))
    svc.create(Entity("lead", lastname="A", leadsourcecode=8, estimatedamount=Decimal("12.50"),
                      parentaccountid=EntityReference("account", acc), numberofemployees=5, decisionmaker=True))
    svc.create(Entity("lead", lastname="B", leadsourcecode=1))
    q = QueryExpression("lead", ColumnSet("lastname", "leadsourcecode", "estimatedamount", "parentaccountid",
                                          "createdon", "numberofemployees", "decisionmaker"))
    q.add_order("lastname")
    df = svc.retrieve_multiple(q).to_pandas()
    assert list(df["lastname"]) == ["A", "B"]
    assert str(df["leadsourcecode"].dtype) == "category"
    assert list(df["leadsourcecode"]) == ["Web", "Advertisement"]
    assert df["estimatedamount"].iloc[0] == Decimal("12.50") and pd.isna(df["estimatedamount"].iloc[1])
    assert df["parentaccountid"].iloc[0] == str(acc) and df["parentaccountid_name"].iloc[0] == "Litware"
    assert str(df["numberofemployees"].dtype) == "Int64" and str(df["decisionmaker"].dtype) == "boolean"
    assert str(df["createdon"].dtype).startswith("datetime64") and "UTC" in str(df["createdon"].dtype)
    assert df.index.name == "leadid"
    floats = svc.retrieve_multiple(q).to_pandas(money="float", labels=False)
    assert floats["estimatedamount"].iloc[0] == 12.5 and list(floats["leadsourcecode"]) == [8, 1]


def test_to_arrow(svc: OrganizationService) -> None:
    svc.create(Entity("lead", lastname="A", estimatedamount=Decimal("1.25")))
    t = svc.retrieve_multiple(QueryExpression("lead", ColumnSet("lastname", "estimatedamount"))).to_arrow()
    assert t.num_rows == 1 and pa.types.is_decimal(t.schema.field("estimatedamount").type)


def test_import_csv_with_labels_and_display_names(svc: OrganizationService, tmp_path: Path) -> None:
    acc = svc.create(Entity("account", name="Litware"))
    p = tmp_path / "leads.csv"
    p.write_text("First Name,lastname,leadsourcecode,estimatedamount,decisionmaker,parentaccountid,"
                 "estimatedclosedate\n"
                 f"Ada,Lovelace,Web,\"1,250.50\",yes,{acc},2030-01-31\n"
                 "Alan,Turing,8,,no,,\n", encoding="utf-8")
    seen: list[tuple[int, int | None]] = []
    r = import_csv(svc, "lead", p, progress=lambda done, total: seen.append((done, total)))
    assert r.ok and r.rows_read == 2 and r.created == 2 and len(r.ids) == 2
    assert seen[-1][0] == 2
    ada = svc.retrieve("lead", r.ids[0])
    assert ada["firstname"] == "Ada" and ada["leadsourcecode"].value == 8
    assert ada["estimatedamount"].value == Decimal("1250.50") and ada["decisionmaker"] is True
    assert ada["parentaccountid"].id == acc and ada["estimatedclosedate"] == dt.date(2030, 1, 31)


def test_import_rejects_and_writes_nothing(svc: OrganizationService, tmp_path: Path) -> None:
    before = leads(svc)
    p = tmp_path / "bad.csv"
    p.write_text("firstname,lastname,leadsourcecode,numberofemployees,nosuch\n"
                 "Ok,Row,Web,3,\n"
                 "Bad,Row,Nope,x,\n"
                 f"Long,{'y' * 51},1,1,\n", encoding="utf-8")
    r = import_csv(svc, "lead", p)
    assert not r.ok and r.created == 0 and leads(svc) == before
    reasons = {(x.row, x.column) for x in r.rejected}
    assert (2, "leadsourcecode") in reasons and (2, "numberofemployees") in reasons
    assert (3, "lastname") in reasons and (0, "nosuch") in reasons  # an unknown header once, as row 0
    assert [x.column for x in r.rejected].count("nosuch") == 1
    assert "<table>" in r._repr_html_()


def test_import_skip_errors_blank_cells_and_display_dates(svc: OrganizationService, tmp_path: Path) -> None:
    before = leads(svc)
    p = tmp_path / "mixed.csv"
    p.write_text("lastname;jobtitle;estimatedclosedate;leadsourcecode;leadsourcecode_label;overriddencreatedon\n"
                 "Ok;;1/31/2030;8;Web;3/5/2020 2:30 PM\n"
                 "Bad;x;31/31/2030;1;Advertisement;\n"
                 "Iso;Boss;2030-02-01;;;2020-03-05T14:30:00Z\n", encoding="utf-8")
    r = import_csv(svc, "lead", p, delimiter=";", skip_errors=True)
    assert r.created == 2 and leads(svc) == before + 2
    assert [(x.row, x.column) for x in r.rejected] == [(2, "estimatedclosedate")]
    ok = svc.retrieve("lead", r.ids[0])
    assert "jobtitle" not in ok and ok["estimatedclosedate"] == dt.date(2030, 1, 31)  # blank cell: null
    assert ok["leadsourcecode"].value == 8 and ok["createdon"].replace(tzinfo=None) == dt.datetime(
        2020, 3, 5, 14, 30)
    iso = svc.retrieve("lead", r.ids[1])
    assert iso["jobtitle"] == "Boss" and iso["createdon"].replace(tzinfo=None) == dt.datetime(
        2020, 3, 5, 14, 30)


def test_empty_text_is_stored_as_null(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Null", jobtitle="", description=""))
    got = svc.retrieve("lead", lid, ColumnSet("jobtitle", "description"))
    assert "jobtitle" not in got and "description" not in got
    svc.update(Entity("lead", lid, jobtitle="CEO"))
    svc.update(Entity("lead", lid, jobtitle=""))
    assert "jobtitle" not in svc.retrieve("lead", lid, ColumnSet("jobtitle"))


def test_import_dataframe(svc: OrganizationService) -> None:
    df = pd.DataFrame({"lastname": ["A", "B"], "numberofemployees": [1, None], "revenue": [1.5, 2.25]})
    r = import_dataframe(svc, "lead", df)
    assert r.ok and r.created == 2
    b = svc.retrieve("lead", r.ids[1], ColumnSet("numberofemployees", "revenue"))
    assert "numberofemployees" not in b and b["revenue"].value == Decimal("2.25")


def test_import_rows_in_batches_is_atomic(svc: OrganizationService) -> None:
    before = leads(svc)
    rows = [{"lastname": f"L{i}"} for i in range(25)] + [{"lastname": 5}]
    r = import_rows(svc, "lead", rows, batch_size=10)
    assert not r.ok and r.rejected[0].row == 26 and leads(svc) == before
    r = import_rows(svc, "lead", rows[:25], batch_size=10)
    assert r.created == 25 and leads(svc) == before + 25
    assert all(isinstance(i, uuid.UUID) for i in r.ids)


_TEXT = st.one_of(st.sampled_from(["", " ", "  x ", "a,b", 'say "hi"', "two\nlines", "\r", "a\rb"]),
                  st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))


@settings(max_examples=25, deadline=None)
@given(d=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
       t=st.times().map(lambda t: t.replace(second=0, microsecond=0)))
def test_dates_parse_in_iso_and_display_format(d: dt.date, t: dt.time) -> None:
    from leadsdk.helpers.dataframe import parse_date_text

    assert parse_date_text(d.isoformat()) == d
    assert parse_date_text(f"{d.month}/{d.day}/{d.year:04d}") == d
    when = dt.datetime.combine(d, t)
    assert parse_date_text(when.isoformat()) == when
    assert parse_date_text(when.strftime("%m/%d/%Y %I:%M %p")) == when


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.tuples(_TEXT, st.one_of(st.none(), st.integers(0, 10**6)), st.sampled_from([1, 8, None])),
                       min_size=1, max_size=5))
def test_csv_export_re_imports_unchanged(values: list[tuple[str, int | None, int | None]]) -> None:
    """What the command line's CSV output writes, import_csv reads back to the same stored values."""
    import io

    from leadsdk.cli.tools import companions_of, write_output

    cols = ["lastname", "jobtitle", "numberofemployees", "leadsourcecode"]
    with OrganizationService() as svc:
        for text, n, source in values:
            svc.create(Entity("lead", lastname="L", jobtitle=text, numberofemployees=n,
                              leadsourcecode=None if source is None else source))
        q = QueryExpression("lead", ColumnSet(*cols))
        q.add_order("createdon")
        q.add_order("leadid")
        before = svc.retrieve_multiple(q).entities
        out = io.StringIO()
        write_output([list(before)], cols, "csv", False, out, companions=companions_of(svc, "lead", cols))
        for e in before:
            svc.delete("lead", e.id)
        r = import_csv(svc, "lead", io.StringIO(out.getvalue(), newline=""))
        assert r.ok, r.rejected
        after = {e.id: e for e in svc.retrieve_multiple(QueryExpression("lead", ColumnSet(*cols))).entities}
        for e, new_id in zip(before, r.ids):
            got = after[new_id]
            for c in cols:
                want = e.get(c)
                assert got.get(c) == (want if want != "" else None), c


def _records(svc: OrganizationService, ids: list[uuid.UUID]) -> list[dict[str, object]]:
    cols = ColumnSet("firstname", "lastname", "leadsourcecode", "estimatedamount", "numberofemployees",
                     "decisionmaker", "parentaccountid", "estimatedclosedate", "description", "telephone1")
    return [{k: v for k, v in svc.retrieve("lead", i, cols).attributes.items() if k != "leadid"} for i in ids]


@pytest.mark.parametrize("skip", [True, False])
def test_csv_read_column_by_column_equals_row_by_row(svc: OrganizationService, tmp_path: Path, skip: bool) -> None:
    """import_csv validates a batch's columns at once; the rows, values, reasons and their order are the
    ones the row-by-row path (import_rows of text mappings) gives, over several batches."""
    import csv

    acc = svc.create(Entity("account", name="Litware"))
    p = tmp_path / "mixed.csv"
    p.write_text(
        "First Name,lastname,leadsourcecode,estimatedamount,numberofemployees,decisionmaker,parentaccountid,"
        "parentaccountid_name,estimatedclosedate,description,telephone1,nosuchcolumn,lastname\n"
        f"Ada,Lovelace,Web,\"1,250.50\",12,yes,{acc},,2030-01-31,\"two\nlines\",555,x,Byron\n"
        "Alan,Turing,8, 7.25 ,\" 40 \",no,,Litware,1/31/2030,tab\there,,y,Turing\n"
        "\n"
        "Grace,Hopper,99,abc,-5,maybe,Nobody,,31/31/2030,,,z,\n"
        "Édith,Piaf,1,3,4,1,,,,ünï,+1,,Piaf\n"
        "Short,Row\n"
        "Long,Row,1,2,3,0,,,,,,,Row,extra,cells\n"
        f"{'x' * 60},Big,2,1e400,3000000000,t,{uuid.uuid4()},,2030-02-30,ok,\x00,,Big\n"
        "Kay,,3,0.004,1,f,,,,,,,\n", encoding="utf-8")
    fast = import_csv(svc, "lead", p, batch_size=3, skip_errors=skip)
    with open(p, newline="", encoding="utf-8") as fh:
        slow = import_rows(svc, "lead", csv.DictReader(fh), from_text=True, batch_size=3, skip_errors=skip)
    assert fast.rejected == slow.rejected and len(fast.rejected) >= 8
    assert (fast.rows_read, fast.created) == (slow.rows_read, slow.created) == (8, 6 if skip else 0)
    assert _records(svc, fast.ids) == _records(svc, slow.ids)
    if skip:
        got = _records(svc, fast.ids)
        assert got[0]["lastname"] == "Byron" and got[0]["description"] == "two\nlines"
        assert got[0]["parentaccountid"].id == acc and got[1]["numberofemployees"] == 40
        assert got[3]["firstname"] == "Short" and "leadsourcecode" not in got[3]


def test_csv_without_known_columns_imports_empty_records_as_row_by_row(svc: OrganizationService,
                                                                       tmp_path: Path) -> None:
    import csv

    p = tmp_path / "unknown.csv"
    p.write_text("nosuch,other\n1,2\n\n3,4\n", encoding="utf-8")
    fast = import_csv(svc, "lead", p, skip_errors=True)
    with open(p, newline="", encoding="utf-8") as fh:
        slow = import_rows(svc, "lead", csv.DictReader(fh), from_text=True, skip_errors=True)
    assert (fast.rows_read, fast.created, fast.rejected) == (slow.rows_read, slow.created, slow.rejected)
    assert fast.created == 2 and [r.row for r in fast.rejected] == [0, 0]


def test_import_finds_a_lookup_to_a_record_of_an_earlier_batch(svc: OrganizationService, tmp_path: Path) -> None:
    """A row may point (by id) at a record an earlier batch of the same import created; an id that is in
    neither the store nor the import rejects its row."""
    parent = uuid.uuid4()
    p = tmp_path / "accounts.csv"
    rows = [f"{parent},Parent,"] + [f",Child {i},{parent}" for i in range(5)]
    p.write_text("accountid,name,parentaccountid\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = import_csv(svc, "account", p, batch_size=1)
    assert r.ok and r.created == 6 and r.ids[0] == parent
    kids = [svc.retrieve("account", i, ColumnSet("parentaccountid"))["parentaccountid"].id for i in r.ids[1:]]
    assert kids == [parent] * 5
    parent2 = uuid.uuid4()  # the same within one batch: the parent goes in before the rows that name it
    rows = [f"{parent2},Parent 2,"] + [f",Child {i},{parent2}" for i in range(5)]
    p.write_text("accountid,name,parentaccountid\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = import_csv(svc, "account", p)
    assert r.ok and r.created == 6 and r.ids[0] == parent2
    assert [svc.retrieve("account", i, ColumnSet("parentaccountid"))["parentaccountid"].id
            for i in r.ids[1:]] == [parent2] * 5
    p.write_text(f"name,parentaccountid\nOrphan,{uuid.uuid4()}\nFine,{parent}\n", encoding="utf-8")
    r = import_csv(svc, "account", p, batch_size=1, skip_errors=True)
    assert r.created == 1 and [x.row for x in r.rejected] == [1]
