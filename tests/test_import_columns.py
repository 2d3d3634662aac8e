"""A CSV import's batches go to CreateMultiple column by column (`ColumnTargets`), without an Entity
per row: the stored records, their values and types, ids, versions and audit rows are the ones the
Entity path stores, and whatever reads the targets as Entities (plugins, a record-by-record create)
still gets them."""

from __future__ import annotations

import csv
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.helpers.dataframe import import_csv, import_rows
from leadsdk.messages import CreateMultipleRequest
from leadsdk.plugins import PluginStage
from leadsdk.query import QueryExpression
from leadsdk.records.columns import ColumnTargets
from leadsdk.types import OptionSetValue

HEADER = ["firstname", "lastname", "companyname", "emailaddress1", "leadsourcecode", "numberofemployees",
          "estimatedamount", "decisionmaker"]
COLS = ColumnSet(*HEADER, "fullname", "versionnumber", "statecode", "ownerid")


def _write(p: Path, n: int, start: int = 0) -> None:
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(start, start + n):
            w.writerow([f"First{i}", f"Last{i}", f"Co {i % 7}", f"u{i}@example.com", 1 + i % 10, i % 5000,
                        f"{i % 1000}.50", "1" if i % 3 else "0"])


def _stored(svc: OrganizationService, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    out = []
    for i in ids:
        got = svc.retrieve("lead", i, COLS).attributes
        out.append({k: (type(v).__name__, v) for k, v in got.items() if k not in ("leadid", "versionnumber")})
    return out


def _audited(svc: OrganizationService) -> list[uuid.UUID]:
    q = QueryExpression("audit", column_set=ColumnSet("objectid", "action", "objecttypecode"))
    rows = [r for r in svc.retrieve_all(q) if r["objecttypecode"] == "lead"]
    assert {r["action"].value for r in rows} == {1}
    return [r["objectid"] for r in rows]


@pytest.mark.parametrize(("n", "batch"), [(7, 3), (6, 3), (4101, 2500)])
def test_columns_store_what_the_entity_path_stores(svc: OrganizationService, tmp_path: Path, n: int,
                                                   batch: int) -> None:
    """Whole batches, a shorter last one, and (batch over 2,000) chunks that join the next one's batch."""
    p = tmp_path / "leads.csv"
    _write(p, n)
    fast = import_csv(svc, "lead", p, batch_size=batch)
    assert fast.ok and (fast.rows_read, fast.created) == (n, n) and len(set(fast.ids)) == n
    with open(p, newline="", encoding="utf-8") as fh:
        slow = import_rows(svc, "lead", csv.DictReader(fh), from_text=True, batch_size=batch)
    assert slow.created == n
    some = [0, 1, n // 2, n - 2, n - 1]
    got = _stored(svc, [fast.ids[k] for k in some])
    assert got == _stored(svc, [slow.ids[k] for k in some])
    first = got[0]
    assert first["firstname"] == ("str", "First0") and first["fullname"] == ("str", "First0 Last0")
    assert first["leadsourcecode"] == ("OptionSetValue", OptionSetValue(1))
    assert first["numberofemployees"] == ("int", 0) and first["decisionmaker"] == ("bool", False)
    assert first["estimatedamount"][0] == "Money" and first["estimatedamount"][1].value == Decimal("0.50")
    assert first["statecode"][1].value == 0 and first["ownerid"][0] == "EntityReference"
    assert [svc.retrieve("lead", fast.ids[k], ColumnSet("firstname"))["firstname"] for k in some] == \
        [f"First{k}" for k in some]  # ids in row order
    versions = {svc.retrieve("lead", i, ColumnSet("versionnumber")).row_version for i in fast.ids[:50]}
    assert len(versions) == min(50, n) and None not in versions
    assert sorted(_audited(svc)) == sorted(fast.ids + slow.ids)  # one create audit row per record


def test_a_rejected_row_after_a_clean_batch_writes_nothing(svc: OrganizationService, tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    _write(p, 6)
    p.write_text(p.read_text() + "Bad,Row,Co,b@example.com,999,1,1.00,1\n", encoding="utf-8")
    r = import_csv(svc, "lead", p, batch_size=3)
    assert not r.ok and r.created == 0 and [x.row for x in r.rejected] == [7]
    assert svc.retrieve_multiple(QueryExpression("lead")).entities == []
    r = import_csv(svc, "lead", p, batch_size=3, skip_errors=True)
    assert r.created == 6 and [x.row for x in r.rejected] == [7]


def _targets(n: int) -> ColumnTargets:
    return ColumnTargets("lead", {"lastname": [f"L{i}" for i in range(n)],
                                  "leadsourcecode": [OptionSetValue(1 + i % 3) for i in range(n)]}, n)


def test_column_targets_read_as_entities_are_the_same_records() -> None:
    t = _targets(3)
    assert len(t) == 3 and t.columns is not None
    assert [e.attributes for e in t] == [{"lastname": f"L{i}", "leadsourcecode": OptionSetValue(1 + i)}
                                         for i in range(3)]
    assert t.columns is None and len(t) == 3 and all(e.logical_name == "lead" and e.id is None for e in t)


def test_a_plugin_sees_and_changes_the_records(svc: OrganizationService) -> None:
    seen: list[int] = []

    def rename(c: Any) -> None:
        targets = c.input_parameters["Targets"]
        seen.append(len(targets.entities))
        for e in targets.entities:
            e["lastname"] = e["lastname"] + "!"

    step = svc.register_plugin("CreateMultiple", "lead", PluginStage.PRE_OPERATION, handler=rename)
    try:
        ids = svc.execute(CreateMultipleRequest(targets=_targets(4))).ids
    finally:
        svc.unregister_plugin(step)
    assert seen == [4]
    assert [svc.retrieve("lead", i, ColumnSet("lastname"))["lastname"] for i in ids] == [f"L{i}!" for i in range(4)]
    per_record: list[str] = []
    step = svc.register_plugin("Create", "lead", PluginStage.PRE_OPERATION,
                               handler=lambda c: per_record.append(c.input_parameters["Target"]["lastname"]))
    try:
        ids = svc.execute(CreateMultipleRequest(targets=_targets(2))).ids
    finally:
        svc.unregister_plugin(step)
    assert per_record == ["L0", "L1"] and len(ids) == 2


def test_a_bad_value_faults_naming_its_record_and_writes_nothing(svc: OrganizationService) -> None:
    t = _targets(4)
    assert t.columns is not None
    t.columns["leadsourcecode"] = [OptionSetValue(1), OptionSetValue(1), OptionSetValue(999), OptionSetValue(1)]
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=t))
    assert ei.value.error_code == ErrorCodes.INVALID_OPTION_SET_VALUE
    assert ei.value.error_details["FaultedRequestIndex"] == 2
    assert svc.retrieve_multiple(QueryExpression("lead")).entities == []


def test_a_lookup_column_goes_through_the_entities(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Litware"))
    t = ColumnTargets("lead", {"lastname": ["A", "B"], "parentaccountid": [EntityReference("account", acc)] * 2}, 2)
    ids = svc.execute(CreateMultipleRequest(targets=t)).ids
    assert [svc.retrieve("lead", i, ColumnSet("parentaccountid"))["parentaccountid"].id for i in ids] == [acc, acc]
    gone = ColumnTargets("lead", {"lastname": ["C"], "parentaccountid": [EntityReference("account", uuid.uuid4())]}, 1)
    with pytest.raises(OrganizationServiceFault):
        svc.execute(CreateMultipleRequest(targets=gone))


def test_a_clean_file_builds_no_entity(svc: OrganizationService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    """The tests above compare stores; this one pins that they ran the column path."""
    import leadsdk.records.columns as columns

    built: list[int] = []
    real = columns.new_entities

    def counting(name: str, records: Any) -> Any:
        out = real(name, records)
        built.append(len(out))
        return out

    monkeypatch.setattr(columns, "new_entities", counting)
    p = tmp_path / "leads.csv"
    _write(p, 5)
    assert import_csv(svc, "lead", p, batch_size=2).created == 5
    assert built == []
    assert import_csv(svc, "lead", p, batch_size=2500).created == 5  # one chunk, shorter than a batch
    assert built == []
    p.write_text(p.read_text() + "\n" * 2 + "Last,Row,Co,l@example.com,1,1,1.00,1\n", encoding="utf-8")
    assert import_csv(svc, "lead", p, batch_size=4).created == 6
    assert built == []


def test_stored_forms_equal_a_single_creates(svc: OrganizationService, tmp_path: Path) -> None:
    """Amounts rounded to the column's precision, choices as their numbers, texts at the length limit:
    what the column path stores without converting again is what a single create stores."""
    limit = svc.metadata.table("lead").attributes["firstname"].max_length
    assert limit is not None
    p = tmp_path / "forms.csv"
    p.write_text("firstname,lastname,estimatedamount,leadsourcecode,numberofemployees,decisionmaker\n"
                 f"{'f' * limit},A,12.345,3,-0,true\n"
                 "B,B,0.005,10,1000000000,0\n"
                 "C,C,-7,1,0,no\n", encoding="utf-8")
    r = import_csv(svc, "lead", p)
    assert r.ok and r.created == 3
    singles = [svc.create(Entity("lead", firstname="f" * limit, lastname="A", estimatedamount=Decimal("12.345"),
                                 leadsourcecode=OptionSetValue(3), numberofemployees=0, decisionmaker=True)),
               svc.create(Entity("lead", firstname="B", lastname="B", estimatedamount=Decimal("0.005"),
                                 leadsourcecode=OptionSetValue(10), numberofemployees=1000000000,
                                 decisionmaker=False)),
               svc.create(Entity("lead", firstname="C", lastname="C", estimatedamount=Decimal("-7"),
                                 leadsourcecode=OptionSetValue(1), numberofemployees=0, decisionmaker=False))]
    got = _stored(svc, r.ids)
    assert got == _stored(svc, singles)
    assert [g["estimatedamount"][1].value for g in got] == [Decimal("12.35"), Decimal("0.01"), Decimal("-7.00")]
    assert [g["leadsourcecode"][1].value for g in got] == [3, 10, 1]


def test_id_texts_reused_only_for_the_same_ids(svc: OrganizationService) -> None:
    """The storage reuses the texts of the last ids it wrote for a column holding the same id objects (an
    audit row's record); a list changed since, or other ids, get their own texts. Bools stored as such."""
    st = svc.storage
    lead = st.metadata.table("lead")
    ids = [uuid.uuid4() for _ in range(40)]
    st.insert_columns(lead, {"leadid": ids, "lastname": [f"L{i}" for i in range(40)],
                             "decisionmaker": [i % 2 == 0 for i in range(40)]})
    written = list(ids)
    ids[17] = uuid.uuid4()  # the caller's list changed after the write
    changed = list(ids)
    others = [uuid.uuid4() for _ in range(40)]
    st.insert_columns(st.metadata.table("account"), {"accountid": others, "name": [str(i) for i in others]})
    acc = st.metadata.table("account")
    st.insert_columns(acc, {"accountid": changed[:40], "name": ["again"] * 40})  # shares 39 id objects with `ids`
    names = {e.id: e["name"] for e in svc.retrieve_all(QueryExpression("account", column_set=ColumnSet("name")))}
    assert {i for i, n in names.items() if n == "again"} == set(changed) and len(names) == 80
    assert changed[17] in names and written[17] not in names
    got = {e.id: (e["lastname"], e["decisionmaker"]) for e in svc.retrieve_all(
        QueryExpression("lead", column_set=ColumnSet("lastname", "decisionmaker")))}
    assert got == {i: (f"L{k}", k % 2 == 0) for k, i in enumerate(written)}
