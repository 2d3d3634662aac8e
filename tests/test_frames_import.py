"""pandas / Arrow output, and importing DataFrames and CSV files with a report of rejected rows."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

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
    assert (3, "lastname") in reasons and (1, "nosuch") in reasons
    assert "<table>" in r._repr_html_()


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
