"""Alternate keys: declaring them (unique index, activation fault on duplicate data), addressing
records by key in Retrieve/Update/Delete/Upsert/UpsertMultiple and lookups, reopening."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, ErrorCodes, OrganizationService, OrganizationServiceFault
from leadsdk.entities import EntityKeyMetadata
from leadsdk.messages import (
    CreateEntityKeyRequest,
    CreateMultipleRequest,
    DeleteEntityKeyRequest,
    DeleteRequest,
    RetrieveEntityRequest,
    RetrieveRequest,
    UpdateMultipleRequest,
    UpdateRequest,
    UpsertMultipleRequest,
    UpsertRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression


def _email_key(svc: OrganizationService, name: str = "new_emailkey") -> None:
    svc.execute(CreateEntityKeyRequest(entity_name="lead",
                                       entity_key=EntityKeyMetadata(name, ["emailaddress1"], "Email key")))


def _leads_with(svc: OrganizationService, email: str) -> list[Entity]:
    q = QueryExpression("lead", column_set=ColumnSet("lastname", "emailaddress1"))
    q.criteria.add_condition("emailaddress1", ConditionOperator.EQUAL, email)
    return list(svc.retrieve_multiple(q).entities)


def _fault(fn: object, code: int) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as ei:
        fn()  # type: ignore[operator]
    assert ei.value.error_code == code, ei.value
    return ei.value


def test_no_keys_by_default_and_created_key_is_listed(svc: OrganizationService) -> None:
    info = svc.execute(RetrieveEntityRequest(logical_name="lead")).entity_metadata
    assert info.keys == []
    resp = svc.execute(CreateEntityKeyRequest(
        entity_name="lead", entity_key=EntityKeyMetadata("new_EmailKey", ["emailaddress1"])))
    info = svc.execute(RetrieveEntityRequest(logical_name="lead")).entity_metadata
    assert [(k.logical_name, k.key_attributes, k.entity_key_index_status) for k in info.keys] == [
        ("new_emailkey", ["emailaddress1"], "Active")]
    assert resp.entity_key_id == info.keys[0].metadata_id


def test_duplicate_data_fails_activation_with_dataverse_code(svc: OrganizationService) -> None:
    svc.create(Entity("lead", lastname="A", emailaddress1="same@x.example"))
    dup = svc.create(Entity("lead", lastname="B", emailaddress1="same@x.example"))
    f = _fault(lambda: _email_key(svc), ErrorCodes.DUPLICATE_RECORD_ENTITY_KEY)
    assert "emailaddress1" in f.message
    assert svc.metadata.table("lead").keys == []
    svc.create(Entity("lead", lastname="C", emailaddress1="same@x.example"))  # no index was left behind
    svc.delete("lead", dup)
    for e in _leads_with(svc, "same@x.example")[1:]:
        svc.delete("lead", e.id)
    _email_key(svc)
    assert [k.logical_name for k in svc.metadata.table("lead").keys] == ["new_emailkey"]


def test_key_is_unique_on_create_and_update(svc: OrganizationService) -> None:
    _email_key(svc)
    svc.create(Entity("lead", lastname="A", emailaddress1="a@x.example"))
    b = svc.create(Entity("lead", lastname="B", emailaddress1="b@x.example"))
    _fault(lambda: svc.create(Entity("lead", lastname="A2", emailaddress1="a@x.example")),
           ErrorCodes.DUPLICATE_RECORD)
    _fault(lambda: svc.update(Entity("lead", b, emailaddress1="a@x.example")), ErrorCodes.DUPLICATE_RECORD)
    assert [e["lastname"] for e in _leads_with(svc, "a@x.example")] == ["A"]
    # records without a value do not collide
    svc.create(Entity("lead", lastname="N1"))
    svc.create(Entity("lead", lastname="N2"))


def test_retrieve_update_delete_by_key(svc: OrganizationService) -> None:
    _email_key(svc)
    lid = svc.create(Entity("lead", lastname="Keyed", emailaddress1="k@x.example"))
    ref = EntityReference("lead", key_attributes={"emailaddress1": "k@x.example"})
    got = svc.execute(RetrieveRequest(target=ref, column_set=ColumnSet("lastname"))).entity
    assert got.id == lid and got["lastname"] == "Keyed"
    svc.execute(UpdateRequest(target=Entity("lead", key_attributes={"emailaddress1": "k@x.example"},
                                            lastname="Renamed")))
    assert svc.retrieve("lead", lid, ColumnSet("lastname"))["lastname"] == "Renamed"
    svc.execute(DeleteRequest(target=ref))
    assert _leads_with(svc, "k@x.example") == []
    _fault(lambda: svc.execute(RetrieveRequest(target=ref)), ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)
    _fault(lambda: svc.update(Entity("lead", key_attributes={"emailaddress1": "k@x.example"}, lastname="x")),
           ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)
    _fault(lambda: svc.execute(DeleteRequest(target=ref)), ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)


def test_key_attributes_that_are_not_a_key_fault(svc: OrganizationService) -> None:
    svc.create(Entity("lead", lastname="L", emailaddress1="l@x.example"))
    ref = EntityReference("lead", key_attributes={"emailaddress1": "l@x.example"})
    f = _fault(lambda: svc.execute(RetrieveRequest(target=ref)), ErrorCodes.ENTITY_KEY_NOT_DEFINED)
    assert "lead" in f.message
    _email_key(svc)
    wrong = EntityReference("lead", key_attributes={"emailaddress1": "l@x.example", "lastname": "L"})
    _fault(lambda: svc.execute(RetrieveRequest(target=wrong)), ErrorCodes.ENTITY_KEY_NOT_DEFINED)


def test_upsert_by_key_creates_then_updates(svc: OrganizationService) -> None:
    _email_key(svc)
    target = Entity("lead", key_attributes={"emailaddress1": "u@x.example"}, lastname="First")
    r1 = svc.execute(UpsertRequest(target=target))
    assert r1.record_created is True
    assert target.id is None  # the caller's entity is not changed
    stored = svc.retrieve("lead", r1.target.id, ColumnSet("lastname", "emailaddress1"))
    assert (stored["lastname"], stored["emailaddress1"]) == ("First", "u@x.example")
    r2 = svc.execute(UpsertRequest(target=Entity("lead", key_attributes={"emailaddress1": "u@x.example"},
                                                 lastname="Second")))
    assert r2.record_created is False and r2.target.id == r1.target.id
    assert [e["lastname"] for e in _leads_with(svc, "u@x.example")] == ["Second"]


def test_upsert_multiple_by_key(svc: OrganizationService) -> None:
    _email_key(svc)
    old = svc.create(Entity("lead", lastname="Old", emailaddress1="old@x.example"))
    resp = svc.execute(UpsertMultipleRequest(targets=[
        Entity("lead", key_attributes={"emailaddress1": "old@x.example"}, lastname="Old2"),
        Entity("lead", key_attributes={"emailaddress1": "new@x.example"}, lastname="New"),
    ]))
    assert [r.record_created for r in resp.responses] == [False, True]
    assert resp.responses[0].target.id == old
    assert svc.retrieve("lead", old, ColumnSet("lastname"))["lastname"] == "Old2"
    assert [e["lastname"] for e in _leads_with(svc, "new@x.example")] == ["New"]


def test_lookup_by_key_and_composite_key(svc: OrganizationService) -> None:
    svc.execute(CreateEntityKeyRequest(entity_name="account", entity_key=EntityKeyMetadata(
        "new_numberregion", ["accountnumber", "address1_city"])))
    acc = svc.create(Entity("account", name="Contoso", accountnumber="A-1", address1_city="Oslo"))
    svc.create(Entity("account", name="Contoso Bergen", accountnumber="A-1", address1_city="Bergen"))
    parent = EntityReference("account", key_attributes={"accountnumber": "A-1", "address1_city": "Oslo"})
    cid = svc.create(Entity("contact", lastname="Ng", parentcustomerid=parent))
    got = svc.retrieve("contact", cid, ColumnSet("parentcustomerid"))["parentcustomerid"]
    assert got.id == acc and got.logical_name == "account"
    missing = EntityReference("account", key_attributes={"accountnumber": "A-1", "address1_city": "Rome"})
    _fault(lambda: svc.create(Entity("contact", lastname="X", parentcustomerid=missing)),
           ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)


def test_bulk_writes_resolve_a_lookup_by_key_among_lookups_by_id(svc: OrganizationService) -> None:
    """CreateMultiple and UpdateMultiple find a lookup given by key even when it is one among many
    given by id (the bulk check looks at lookup columns only); a key that finds nothing faults and
    nothing of the batch is written."""
    svc.execute(CreateEntityKeyRequest(entity_name="account", entity_key=EntityKeyMetadata(
        "new_number", ["accountnumber"])))
    by_id = svc.create(Entity("account", name="By id"))
    by_key = svc.create(Entity("account", name="By key", accountnumber="K-1"))
    key = EntityReference("account", key_attributes={"accountnumber": "K-1"})
    refs = [EntityReference("account", by_id)] * 30 + [key]
    ids = svc.execute(CreateMultipleRequest(targets=[
        Entity("lead", lastname=f"B{i}", parentaccountid=r) for i, r in enumerate(refs)])).ids
    got = [svc.retrieve("lead", i, ColumnSet("parentaccountid"))["parentaccountid"].id for i in ids]
    assert got == [by_id] * 30 + [by_key]
    svc.execute(UpdateMultipleRequest(targets=[Entity("lead", ids[0], parentaccountid=key),
                                               Entity("lead", ids[1], parentaccountid=refs[0])]))
    assert svc.retrieve("lead", ids[0], ColumnSet("parentaccountid"))["parentaccountid"].id == by_key
    missing = EntityReference("account", key_attributes={"accountnumber": "K-404"})
    _fault(lambda: svc.execute(CreateMultipleRequest(targets=[
        Entity("lead", lastname="New", parentaccountid=r) for r in [refs[0]] * 5 + [missing]])),
           ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY)
    assert _leads_named(svc, "New") == 0


def _leads_named(svc: OrganizationService, name: str) -> int:
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    q.criteria.add_condition("lastname", ConditionOperator.EQUAL, name)
    return len(svc.retrieve_multiple(q).entities)


def test_key_definition_errors(svc: OrganizationService) -> None:
    _email_key(svc)
    _fault(lambda: _email_key(svc), ErrorCodes.ENTITY_KEY_NAME_EXISTS)
    _fault(lambda: _email_key(svc, "new_other"), ErrorCodes.ENTITY_KEY_WITH_SELECTED_ATTRIBUTES_EXISTS)
    _fault(lambda: svc.execute(CreateEntityKeyRequest(entity_name="lead", entity_key=EntityKeyMetadata(
        "new_bad", ["nosuchcolumn"]))), ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE)
    _fault(lambda: svc.execute(CreateEntityKeyRequest(entity_name="lead", entity_key=EntityKeyMetadata(
        "new_memo", ["description"]))), ErrorCodes.INVALID_ENTITY_KEY_OPERATION)
    _fault(lambda: svc.execute(DeleteEntityKeyRequest(entity_logical_name="lead", name="new_nokey")),
           ErrorCodes.QUERY_BUILDER_NO_ENTITY_KEY)


def test_delete_key_drops_its_index(svc: OrganizationService) -> None:
    _email_key(svc)
    svc.create(Entity("lead", lastname="A", emailaddress1="d@x.example"))
    svc.execute(DeleteEntityKeyRequest(entity_logical_name="lead", name="new_emailkey"))
    assert svc.metadata.table("lead").keys == []
    svc.create(Entity("lead", lastname="B", emailaddress1="d@x.example"))
    assert len(_leads_with(svc, "d@x.example")) == 2


def test_keys_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with OrganizationService.open(path) as svc:
        _email_key(svc)
        svc.execute(CreateEntityKeyRequest(entity_name="contact",
                                           entity_key=EntityKeyMetadata("new_tmp", ["emailaddress1"])))
        svc.execute(DeleteEntityKeyRequest(entity_logical_name="contact", name="new_tmp"))
        lid = svc.create(Entity("lead", lastname="A", emailaddress1="r@x.example"))
    with OrganizationService.open(path) as svc:
        assert [k.logical_name for k in svc.metadata.table("lead").keys] == ["new_emailkey"]
        assert svc.metadata.table("contact").keys == []
        ref = EntityReference("lead", key_attributes={"emailaddress1": "r@x.example"})
        assert svc.execute(RetrieveRequest(target=ref)).entity.id == lid
        _fault(lambda: svc.create(Entity("lead", lastname="B", emailaddress1="r@x.example")),
               ErrorCodes.DUPLICATE_RECORD)


def test_addressing_by_key_is_checked_like_by_id(svc: OrganizationService) -> None:
    """A user cannot read, update or delete another unit's record by naming its key instead of its id."""
    from test_security_messages import setup_units

    _email_key(svc)
    a, b, _, _ = setup_units(svc)
    sa, sb = svc.as_user(a), svc.as_user(b)
    theirs = sb.create(Entity("lead", lastname="Theirs", emailaddress1="b@x.example"))
    sa.create(Entity("lead", lastname="Mine", emailaddress1="a@x.example"))
    ref = EntityReference("lead", key_attributes={"emailaddress1": "b@x.example"})
    _fault(lambda: sa.execute(RetrieveRequest(target=ref)), ErrorCodes.PRIVILEGE_DENIED)
    _fault(lambda: sa.update(Entity("lead", key_attributes={"emailaddress1": "b@x.example"}, lastname="x")),
           ErrorCodes.PRIVILEGE_DENIED)
    _fault(lambda: sa.execute(DeleteRequest(target=ref)), ErrorCodes.PRIVILEGE_DENIED)
    _fault(lambda: sa.execute(UpsertRequest(target=Entity("lead", key_attributes={"emailaddress1": "b@x.example"},
                                                          lastname="x"))), ErrorCodes.PRIVILEGE_DENIED)
    assert svc.retrieve("lead", theirs, ColumnSet("lastname"))["lastname"] == "Theirs"
    mine = EntityReference("lead", key_attributes={"emailaddress1": "a@x.example"})
    assert sa.execute(RetrieveRequest(target=mine, column_set=ColumnSet("lastname"))).entity["lastname"] == "Mine"


def test_any_text_key_value_upserts_once() -> None:
    """Whatever text a key holds, the second Upsert by it updates the record the first one created."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    svc = OrganizationService()
    _email_key(svc)

    @settings(max_examples=60, deadline=None)
    @given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=100))
    def check(value: str) -> None:
        keyed = {"emailaddress1": value}
        svc.execute(UpsertRequest(target=Entity("lead", key_attributes=keyed, lastname="first")))
        second = svc.execute(UpsertRequest(target=Entity("lead", key_attributes=keyed, lastname="second")))
        assert second.record_created is False
        got = svc.execute(RetrieveRequest(target=EntityReference("lead", key_attributes=keyed),
                                          column_set=ColumnSet("lastname"))).entity
        assert got.id == second.target.id and got["lastname"] == "second"

    try:
        check()
    finally:
        svc.close()
