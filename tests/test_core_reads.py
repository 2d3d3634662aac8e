"""The read path (issue 22): plans reused per query shape, formatted values computed on first use,
statements compiled once per shape, and RetrieveDuplicates as one statement per probe."""

from __future__ import annotations

import copy
import pickle
import uuid
from decimal import Decimal
from typing import Any

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.entities.declare import string
from leadsdk.errors import ErrorCodes
from leadsdk.messages import (
    CreateAttributeRequest,
    PublishDuplicateRuleRequest,
    RetrieveDuplicatesRequest,
    SetStateRequest,
)
from leadsdk.query import ConditionOperator, PagingInfo, QueryExpression
from leadsdk.types import OptionSetValue


def _rule(svc: OrganizationService, column: str, **kw: Any) -> uuid.UUID:
    rid = svc.create(Entity("duplicaterule", name=f"rule on {column}", baseentityname="lead",
                            matchingentityname="lead", **kw))
    svc.create(Entity("duplicaterulecondition", regardingobjectid=EntityReference("duplicaterule", rid),
                      baseattributename=column, matchingattributename=column, operatorcode=0))
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rid))
    return rid


def _dups(svc: OrganizationService, e: Entity) -> list[Entity]:
    return list(svc.execute(RetrieveDuplicatesRequest(business_entity=e, matching_entity_name="lead"))
                .duplicate_collection)


def test_retrieve_reuses_its_plan_and_follows_metadata(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Ng", subject="Bikes", estimatedamount=Decimal("12.5")))
    cs = ColumnSet("lastname", "estimatedamount")
    first = svc.retrieve("lead", lid, cs)
    again = svc.retrieve("lead", lid, ColumnSet("lastname", "estimatedamount"))
    assert first.attributes == again.attributes and set(again) == {"leadid", "lastname", "estimatedamount"}
    assert again.row_version is not None and again.formatted_values["estimatedamount"] == "$12.50"
    with pytest.raises(OrganizationServiceFault) as e:  # an unknown column faults every time, never cached
        svc.retrieve("lead", lid, ColumnSet("lastname", "new_code"))
    assert e.value.error_code == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE
    svc.execute(CreateAttributeRequest(entity_name="lead", attribute=string("new_code", 20, "Code")))
    svc.update(Entity("lead", lid, new_code="X1"))
    got = svc.retrieve("lead", lid, ColumnSet("lastname", "new_code"))
    assert got["new_code"] == "X1" and got["lastname"] == "Ng"


def test_formatted_values_come_from_the_values_read(svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Contoso"))
    lid = svc.create(Entity("lead", lastname="Ng", subject="Bikes", leadsourcecode=OptionSetValue(1),
                            parentaccountid=EntityReference("account", acc), estimatedamount=Decimal("1000")))
    e = svc.retrieve("lead", lid, ColumnSet("leadsourcecode", "parentaccountid", "estimatedamount"))
    e["estimatedamount"] = Decimal("5")  # changing a value does not change the text Dataverse returned
    assert e.formatted_values["estimatedamount"] == "$1,000.00"
    assert e.formatted_values["leadsourcecode"] == "Advertisement"
    assert e.formatted_values["parentaccountid"] == "Contoso" == e["parentaccountid"].name
    c = copy.copy(e)
    d = copy.deepcopy(e)
    p = pickle.loads(pickle.dumps(e))
    for other in (c, d, p):
        assert other.formatted_values == e.formatted_values and other.row_version == e.row_version
    assert p == e and p.attributes == e.attributes
    e.formatted_values = {"x": "y"}
    assert e.formatted_values == {"x": "y"}
    rows = svc.retrieve_multiple(QueryExpression("lead", ColumnSet("leadsourcecode", "estimatedamount")))
    assert rows[0].formatted_values == {"leadsourcecode": "Advertisement", "estimatedamount": "$1,000.00"}


def test_select_shaped_binds_values_like_select(svc: OrganizationService) -> None:
    for i in range(4):
        svc.create(Entity("lead", lastname=f"Shape{i}", subject="Bikes", companyname=f"Co{i % 2}"))
    st = svc.storage

    def make(v: Any) -> QueryExpression:
        q = QueryExpression("lead", ColumnSet("lastname", "companyname"))
        q.criteria.add_condition("companyname", ConditionOperator.EQUAL, v[0])
        q.criteria.add_condition("lastname", ConditionOperator.BEGINS_WITH, v[1])  # passed as 'v%': not bound
        q.add_order("lastname")
        return q

    def names(rows: list[dict[str, Any]]) -> list[str]:
        return [r["lastname"] for r in rows]

    for values in (["Co0", "Shape"], ["Co1", "Shape"], ["Co1", "Nobody"]):
        got = st.select_shaped(("test", "begins"), make, ["\x00a", "\x00b"], values)
        assert names(got.rows) == names(st.select(make(values)).rows)

    def make_eq(v: Any) -> QueryExpression:
        q = QueryExpression("lead", ColumnSet("lastname"))
        q.criteria.add_condition("companyname", ConditionOperator.EQUAL, v[0])
        q.add_order("lastname")
        return q

    assert names(st.select_shaped(("test", "eq"), make_eq, ["\x00a"], ["Co0"]).rows) == ["Shape0", "Shape2"]
    assert names(st.select_shaped(("test", "eq"), make_eq, ["\x00a"], ["Co1"]).rows) == ["Shape1", "Shape3"]


def test_retrieve_duplicates_one_row_per_record_all_columns(svc: OrganizationService) -> None:
    _rule(svc, "emailaddress1")
    _rule(svc, "lastname", excludeinactiverecords=True)
    a = svc.create(Entity("lead", lastname="Dup", subject="A", emailaddress1="dup@x.com"))
    b = svc.create(Entity("lead", lastname="Dup", subject="B", emailaddress1="dup@x.com"))
    c = svc.create(Entity("lead", lastname="Other", subject="C", emailaddress1="dup@x.com"))
    d = svc.create(Entity("lead", lastname="Dup", subject="D", emailaddress1="d@x.com"))
    got = _dups(svc, Entity("lead", a))
    assert [e.id for e in got] == sorted([b, c, d], key=str)  # b matches both rules and comes back once
    full = svc.retrieve("lead", b)
    mine = next(e for e in got if e.id == b)
    assert mine.attributes == full.attributes and mine.row_version == full.row_version
    assert mine.formatted_values == full.formatted_values
    # an inactive record is left out by the rule that excludes inactive records only
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", d), state=OptionSetValue(2),
                                status=OptionSetValue(6)))
    assert {e.id for e in _dups(svc, Entity("lead", a))} == {b, c}
    assert {e.id for e in _dups(svc, Entity("lead", lastname="Dup", emailaddress1="none@x.com"))} == {a, b}


def test_retrieve_duplicates_sorted_by_id_and_capped_like_the_ordered_statement(
        svc: OrganizationService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe runs without ORDER BY and sorts in Python; at the cap it runs the ordered statement: the
    records, their order and the first ones by id are the same as an ordered statement's."""
    from leadsdk.duplicates import store

    ids = [uuid.uuid4() for _ in range(12)]  # random (v4) ids: insertion order is not id order
    for i, lid in enumerate(ids):
        svc.create(Entity("lead", lid, lastname=f"D{i}", subject="S", emailaddress1="many@x.com"))
    _rule(svc, "emailaddress1")
    probe = Entity("lead", emailaddress1="MANY@x.com")
    assert [e.id for e in _dups(svc, probe)] == sorted(ids)
    assert [e.id for e in _dups(svc, Entity("lead", ids[5]))] == sorted(set(ids) - {ids[5]})
    pages = [svc.execute(RetrieveDuplicatesRequest(business_entity=probe, matching_entity_name="lead",
                                                   paging_info=PagingInfo(count=5, page_number=n)))
             .duplicate_collection for n in (1, 2, 3)]
    assert [e.id for p in pages for e in p] == sorted(ids) and [p.more_records for p in pages] == [True, True, False]
    monkeypatch.setattr(store, "MAX_DUPLICATES", 5)  # more matches than the cap: the first five by id
    svc.storage._cache.clear()  # type: ignore[attr-defined]  # statements compiled with the real cap
    assert [e.id for e in _dups(svc, probe)] == sorted(ids)[:5]
    assert [e.id for e in _dups(svc, Entity("lead", emailaddress1="none@x.com"))] == []


def test_select_shaped_unordered_drops_only_a_valueless_order() -> None:
    from leadsdk.storage.sqlbase import _without_order

    assert _without_order('SELECT a FROM t WHERE b = ? ORDER BY "t"."id" LIMIT 5000') == \
        'SELECT a FROM t WHERE b = ? LIMIT 5000'
    assert _without_order('SELECT a FROM t ORDER BY "t"."id"') == "SELECT a FROM t"
    for keep in ("SELECT a FROM t ORDER BY CASE WHEN a = ? THEN 0 END LIMIT 5",
                 "SELECT a FROM t ORDER BY CASE WHEN a = %s THEN 0 END", "SELECT a FROM t LIMIT 5",
                 "SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 1) AS s"):
        assert _without_order(keep) == keep


def test_retrieve_duplicates_is_one_statement(sqlite_svc: OrganizationService) -> None:
    svc = sqlite_svc
    _rule(svc, "emailaddress1")
    a = svc.create(Entity("lead", lastname="A", subject="A", emailaddress1="same@x.com"))
    svc.create(Entity("lead", lastname="B", subject="B", emailaddress1="same@x.com"))
    _dups(svc, Entity("lead", emailaddress1="same@x.com"))  # caches filled
    seen: list[str] = []
    conn = svc.storage.conn  # type: ignore[attr-defined]
    conn.set_trace_callback(seen.append)
    try:
        got = _dups(svc, Entity("lead", emailaddress1="same@x.com"))
    finally:
        conn.set_trace_callback(None)
    assert len(got) == 2 and got[0].row_version is not None
    reads = [s for s in seen if "leadsdk_generation" not in s]
    assert len(reads) == 1 and "duplicatematchcode" in reads[0], seen
    assert {e.id for e in _dups(svc, Entity("lead", a))} != {a}


def test_sqlite_uuid_decoder_shares_instances_and_parses_as_before() -> None:
    from leadsdk.storage import dialect

    u = uuid.uuid4()
    a, b = dialect._uuid_text(str(u)), dialect._uuid_text(str(u))
    assert a == u and a is b and a.is_safe == uuid.SafeUUID.unknown and hash(a) == hash(u)
    assert dialect._uuid_text(None) is None
    assert dialect._uuid_text(str(u).upper()) == u  # a non-canonical text still parses (uuid.UUID)
    assert dialect._uuid_text(u.hex) == u
    for i in range(5000):  # the memo stays bounded
        dialect._uuid_text(str(uuid.UUID(int=i)))
    assert len(dialect._uuids) <= 4096


def test_one_row_probes_reuse_the_page_function_and_return_whole_records(svc: OrganizationService) -> None:
    """Probes that each find one record build it with the page function made for the first (nothing of a
    page kept in it): each record as Retrieve of all columns gives it (nulls, booleans, lookups with their
    names, amounts, formatted values, row version)."""
    from leadsdk.entities.decode import EntityBuilder

    _rule(svc, "emailaddress1")
    acc = svc.create(Entity("account", name="Acme"))
    a = svc.create(Entity("lead", lastname="A", subject="S", emailaddress1="a@x.com", donotemail=True,
                          decisionmaker=None, parentaccountid=EntityReference("account", acc),
                          estimatedamount=Decimal("12.5"), leadqualitycode=OptionSetValue(2)))
    b = svc.create(Entity("lead", lastname="B", emailaddress1="b@x.com"))
    c = svc.create(Entity("lead", lastname="C", subject="S", emailaddress1="c@x.com", decisionmaker=True))
    functions = set()
    for rid, mail in ((a, "a@x.com"), (b, "B@x.com"), (c, "c@x.com"), (a, "a@x.com")):
        got = _dups(svc, Entity("lead", emailaddress1=mail))
        full = svc.retrieve("lead", rid, ColumnSet(all_columns=True))
        assert [e.id for e in got] == [rid]
        assert got[0].attributes == full.attributes and list(got[0].attributes) == list(full.attributes)
        assert got[0].formatted_values == full.formatted_values and got[0].row_version == full.row_version
        plans = svc._core.state.plans  # type: ignore[attr-defined]
        builders = [v for k, v in plans.items() if k[:3] == ("rows", "lead", ("shape", ("duplicates", "lead")))]
        assert len(builders) == 1 and isinstance(builders[0], EntityBuilder)
        last = builders[0]._last_page
        assert last is not None and last[4] is not None
        functions.add(last[4])
    assert len(functions) == 1
    first = _dups(svc, Entity("lead", emailaddress1="a@x.com"))[0]
    assert first["parentaccountid"].name == "Acme" and first["donotemail"] is True and "decisionmaker" not in first
    assert first.formatted_values["estimatedamount"] == "$12.50"


def test_stored_values_keep_nulls_where_decoders_take_values_only(svc: OrganizationService) -> None:
    """Readers decode only values (a null stays None): booleans and lookups' names by get, get_many and
    queries alike."""
    lid = svc.create(Entity("lead", lastname="N", decisionmaker=None, donotemail=True))
    t = svc.metadata.table("lead")
    cols = ["decisionmaker", "donotemail", "parentaccountid"]
    for row in (svc.storage.get(t, lid, cols), svc.storage.get_many(t, [lid], cols)[0]):
        assert row is not None
        assert row["decisionmaker"] is None and row["donotemail"] is True and row["parentaccountid"] is None
    q = QueryExpression("lead", column_set=ColumnSet(*cols))
    q.criteria.add_condition("leadid", ConditionOperator.EQUAL, lid)
    e = svc.retrieve_multiple(q).entities[0]
    assert e.attributes == {"leadid": lid, "donotemail": True}


def test_retrieve_duplicates_follows_rules_published_and_unpublished(svc: OrganizationService) -> None:
    """The probe's rules, columns and coders are kept with the published rules: a rule published or
    unpublished after probes changes the next probe."""
    from leadsdk.messages import UnpublishDuplicateRuleRequest

    mail = _rule(svc, "emailaddress1")
    a = svc.create(Entity("lead", lastname="Same", emailaddress1="one@x.com"))
    assert [e.id for e in _dups(svc, Entity("lead", lastname="Same", emailaddress1="one@x.com"))] == [a]
    assert _dups(svc, Entity("lead", lastname="Same", emailaddress1="two@x.com")) == []
    _rule(svc, "lastname")
    assert [e.id for e in _dups(svc, Entity("lead", lastname="Same", emailaddress1="two@x.com"))] == [a]
    svc.execute(UnpublishDuplicateRuleRequest(duplicate_rule_id=mail))
    assert _dups(svc, Entity("lead", lastname="Other", emailaddress1="one@x.com")) == []
    b = svc.create(Entity("lead", subject="S", lastname="Else", emailaddress1="e@x.com"))
    assert [e.id for e in _dups(svc, Entity("lead", b))] == []  # the stored record's own columns are read
    assert [e.id for e in _dups(svc, Entity("lead", lastname="ELSE"))] == [b]
