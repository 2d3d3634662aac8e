"""Match-code ids and indexes: the id scheme (`leadsdk.duplicates.codeids`), the re-keying of stores whose
codes have the ids of earlier versions (uuid5 of the rule and the record), when such a store is opened
directly, restored from a snapshot or copied with `copy_store`, and the code index a publish rebuilds, on
both backends."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from conftest import make_storage
from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.duplicates import upgrade
from leadsdk.duplicates.codeids import code_id, code_ids, rule_mask
from leadsdk.messages import (
    PublishDuplicateRuleRequest,
    RetrieveDuplicatesRequest,
    SetStateRequest,
    UnpublishDuplicateRuleRequest,
)
from leadsdk.query import QueryExpression
from leadsdk.records.context import SYSTEM_USER_ID, Context
from leadsdk.records.ids import new_ids
from leadsdk.storage.migrate import copy_store

MC = "duplicatematchcode"
COLUMNS = ("duplicatematchcodeid", "duplicateruleid", "recordid", "entityname", "matchcode", "isactive")


def test_code_ids_sort_with_their_records_and_keep_version_and_variant() -> None:
    rule, other = uuid.uuid4(), uuid.uuid4()
    records = new_ids(1000)
    ids = code_ids(rule, records)
    assert ids == [code_id(rule, r) for r in records]
    assert len(set(ids)) == len(ids) and set(ids).isdisjoint(code_ids(other, records))
    assert sorted(ids) == ids  # the records' order (time-ordered ids): inserts append to the key index
    for r, c in zip(records, ids):
        assert c.int >> 64 == r.int >> 64 and c.version == r.version == 7 and c.variant == uuid.RFC_4122
        assert c.int ^ r.int == rule_mask(rule) and c != r
    odd = [uuid.UUID(int=1), uuid.UUID(int=2), uuid.uuid4()]  # any id, not only version 7: a bijection
    assert [code_id(rule, code_id(rule, r)) for r in odd] == odd
    assert rule_mask(uuid.UUID(int=1)) != rule_mask(uuid.UUID(int=2))  # the mask is a hash of the rule id


def _rule(svc: OrganizationService, column: str = "emailaddress1") -> uuid.UUID:
    rid = svc.create(Entity("duplicaterule", name=f"same {column}", baseentityname="lead", matchingentityname="lead"))
    svc.create(Entity("duplicaterulecondition", regardingobjectid=EntityReference("duplicaterule", rid),
                      baseattributename=column, matchingattributename=column, operatorcode=0,
                      ignoreblankvalues=True))
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rid))
    return rid


def _codes(svc: OrganizationService) -> list[dict[str, Any]]:
    q = QueryExpression(MC, column_set=ColumnSet(*COLUMNS))
    return list(svc.storage.select(q).rows)


def _make_old(svc: OrganizationService) -> dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID]:
    """Give every stored code the id earlier versions made, through the storage interface: (rule, record) ->
    the old id."""
    mc = svc.metadata.table(MC)
    rows = _codes(svc)
    svc.storage.delete_many(mc, [r["duplicatematchcodeid"] for r in rows])
    for r in rows:
        r["duplicatematchcodeid"] = uuid.uuid5(r["duplicateruleid"], str(r["recordid"]))
    svc.storage.insert_many(mc, rows)
    return {(r["duplicateruleid"], r["recordid"]): r["duplicatematchcodeid"] for r in rows}


def _assert_new(svc: OrganizationService, expected: set[tuple[uuid.UUID, uuid.UUID]]) -> None:
    rows = _codes(svc)
    pairs = [(r["duplicateruleid"], r["recordid"]) for r in rows]
    assert sorted(pairs) == sorted(expected)  # exactly one row per (rule, record)
    for r in rows:
        assert r["duplicatematchcodeid"] == code_id(r["duplicateruleid"], r["recordid"])


def _dups(svc: OrganizationService, lead_id: uuid.UUID) -> set[uuid.UUID]:
    res = svc.execute(RetrieveDuplicatesRequest(business_entity=Entity("lead", lead_id), matching_entity_name="lead"))
    return {e.id for e in res.duplicate_collection.entities}


def _store_with_old_codes(svc: OrganizationService, closed: bool = False
                          ) -> tuple[dict[str, uuid.UUID], set[tuple[uuid.UUID, uuid.UUID]]]:
    """Leads a-d under an e-mail and a phone rule, their codes with old ids (`closed`: d disqualified)."""
    mail, phone = _rule(svc), _rule(svc, "telephone1")
    ids = {name: svc.create(Entity("lead", lastname=name, emailaddress1=mail_, telephone1=tel))
           for name, mail_, tel in (("a", "same@x.com", "1"), ("b", "SAME@x.com", "2"), ("c", "c@x.com", "2"),
                                    ("d", None, "3"))}
    if closed:
        svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", ids["d"]), state=2, status=6))
    pairs = {(r["duplicateruleid"], r["recordid"]) for r in _codes(svc)}
    assert len(pairs) == 7  # d has no e-mail: no code under that rule
    old = _make_old(svc)
    assert {r["duplicatematchcodeid"] for r in _codes(svc)} == set(old.values())
    assert {mail, phone} == {rule for rule, _ in pairs}
    return ids, pairs


def _indexes(svc: OrganizationService) -> set[str]:
    """The match-code table's indexes (SQLite: the ones this test can list; PostgreSQL: not looked at)."""
    conn = getattr(svc.storage, "conn", None)
    if conn is None:
        return set()
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (MC,))}


def test_opening_a_store_rekeys_old_codes(svc: OrganizationService, backend: str) -> None:
    ids, pairs = _store_with_old_codes(svc)
    mc = svc.metadata.table(MC)
    svc.storage.create_index(mc, ["recordid"])  # as earlier versions indexed the table
    svc.storage.create_index(mc, ["duplicateruleid"])
    if backend == "sqlite":
        assert "ix_duplicatematchcode_recordid" in _indexes(svc)
    again = OrganizationService(svc.storage)  # the store opened by this version (not closed: svc owns it)
    _assert_new(again, pairs)
    assert _indexes(again) <= {"ix_duplicatematchcode_matchcode", "sqlite_autoindex_duplicatematchcode_1"}
    assert _dups(again, ids["a"]) == {ids["b"]} and _dups(again, ids["c"]) == {ids["b"]}
    again.update(Entity("lead", ids["c"], emailaddress1="same@x.com"))  # an update finds its code by id
    again.update(Entity("lead", ids["a"], telephone1="3"))
    _assert_new(again, pairs)
    assert _dups(again, ids["a"]) == {ids["b"], ids["c"], ids["d"]}
    again.delete("lead", ids["b"])  # a delete deletes its codes
    _assert_new(again, {p for p in pairs if p[1] != ids["b"]})
    again.update(Entity("lead", ids["c"], emailaddress1=None))  # no code any more: the row goes
    assert len(_codes(again)) == 4 and _dups(again, ids["a"]) == {ids["d"]}
    OrganizationService(svc.storage)  # a store re-keyed already: one probe, nothing changes
    assert len(_codes(again)) == 4


def test_the_upgrade_writes_the_same_codes_and_drops_rows_of_unpublished_rules(svc: OrganizationService) -> None:
    ids, pairs = _store_with_old_codes(svc, closed=True)
    assert {r["isactive"] for r in _codes(svc) if r["recordid"] == ids["d"]} == {False}
    before = {(r["duplicateruleid"], r["recordid"]): (r["matchcode"], r["isactive"]) for r in _codes(svc)}
    gone = uuid.uuid4()  # a rule no longer published whose row stayed behind (never read)
    svc.storage.insert(svc.metadata.table(MC), {
        "duplicatematchcodeid": uuid.uuid5(gone, str(ids["a"])), "duplicateruleid": gone, "recordid": ids["a"],
        "entityname": "lead", "matchcode": "0" * 32, "isactive": True})
    ctx = Context(svc._core.state, SYSTEM_USER_ID, SYSTEM_USER_ID, 1, dt.datetime.now(dt.timezone.utc), "Test")
    with svc._core.state.cache.scope(), svc.storage.transaction():
        assert upgrade.needs_rekey(ctx)
        assert upgrade.rekey(ctx) == len(pairs) + 1
    _assert_new(svc, pairs)
    after = {(r["duplicateruleid"], r["recordid"]): (r["matchcode"], r["isactive"]) for r in _codes(svc)}
    assert after == before
    assert not upgrade.needs_rekey(ctx) and upgrade.rekey_all(ctx) == 0


def test_snapshots_and_copies_of_old_stores_are_rekeyed(svc: OrganizationService, backend: str,
                                                       tmp_path: Path) -> None:
    ids, pairs = _store_with_old_codes(svc)
    path = svc.snapshot(tmp_path / "old.db")
    with OrganizationService.restore(path) as copy:  # a snapshot keeps the rows as they are; opening re-keys
        _assert_new(copy, pairs)
        assert _dups(copy, ids["a"]) == {ids["b"]}
    target = make_storage(backend, tmp_path)
    target_svc = OrganizationService(target)
    try:
        copy_store(svc.storage, target)  # the old ids come along; reopening the target re-keys them
        assert {r["duplicatematchcodeid"] for r in _codes(target_svc)} != \
            {code_id(*p) for p in pairs}
        reopened = OrganizationService(target)
        _assert_new(reopened, pairs)
        assert _dups(reopened, ids["c"]) == {ids["b"]}
    finally:
        target_svc.close()


def test_publishing_again_rebuilds_the_code_index(svc: OrganizationService, backend: str) -> None:
    """A rule published, unpublished (no codes left) and published again: the code index is dropped and made
    again from the codes; with another rule's codes stored it is kept. Detection works throughout."""
    mail = _rule(svc)
    a = svc.create(Entity("lead", lastname="a", emailaddress1="same@x.com", telephone1="1"))
    b = svc.create(Entity("lead", lastname="b", emailaddress1="same@x.com", telephone1="1"))
    svc.execute(UnpublishDuplicateRuleRequest(duplicate_rule_id=mail))
    assert _codes(svc) == [] and _dups(svc, a) == set()
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=mail))
    assert _dups(svc, a) == {b} and len(_codes(svc)) == 2
    if backend == "sqlite":
        assert "ix_duplicatematchcode_matchcode" in _indexes(svc)
    phone = _rule(svc, "telephone1")  # the e-mail rule's codes stay: so does the index
    assert _dups(svc, b) == {a} and len(_codes(svc)) == 4
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=mail))
    assert _dups(svc, b) == {a} and {r["duplicateruleid"] for r in _codes(svc)} == {mail, phone}
    if backend == "sqlite":
        assert "ix_duplicatematchcode_matchcode" in _indexes(svc)
