"""Issue 21, security: side paths that name or return records go through the caller's read scope, a
disabled user is refused, and security/customization changes reach every service on the store."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tests.conftest import make_storage
from tests.test_security_messages import SECRET, setup_units

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.entities.declare import string
from leadsdk.errors import ErrorCodes
from leadsdk.messages import (
    AddPrivilegesRoleRequest,
    BulkDetectDuplicatesRequest,
    BulkDetectSimilarLeadsRequest,
    CreateAttributeRequest,
    CreateRequest,
    FindSimilarLeadsRequest,
    PublishDuplicateRuleRequest,
    RetrieveDuplicatesRequest,
    RetrieveRecordChangeHistoryRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.security import PrivilegeDepth, RolePrivilege

EMAIL = "same@example.com"


def publish_email_rule(svc: OrganizationService) -> None:
    q = QueryExpression("duplicaterule")
    q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, "lead")
    rid = svc.retrieve_multiple(q)[0].id
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rid))


def two_sellers(svc: OrganizationService) -> tuple[OrganizationService, OrganizationService, uuid.UUID]:
    """Seller A and seller B (Basic depth: own records only); B owns a lead with the shared e-mail."""
    a, b, _, _ = setup_units(svc, PrivilegeDepth.BASIC)
    sa, sb = svc.as_user(a), svc.as_user(b)
    theirs = sb.create(Entity("lead", lastname=SECRET, companyname=SECRET, emailaddress1=EMAIL))
    publish_email_rule(svc)
    return sa, sb, theirs


def test_retrieve_duplicates_returns_only_readable_records(svc: OrganizationService) -> None:
    sa, sb, theirs = two_sellers(svc)
    with pytest.raises(OrganizationServiceFault) as ei:
        sa.retrieve("lead", theirs)
    assert ei.value.error_code == ErrorCodes.PRIVILEGE_DENIED
    probe = Entity("lead", lastname="Probe", emailaddress1=EMAIL)
    got = sa.execute(RetrieveDuplicatesRequest(business_entity=probe, matching_entity_name="lead"))
    assert list(got.duplicate_collection) == []
    assert got.duplicate_collection.total_record_count == 0
    # B, who can read the lead, gets it; and so does SYSTEM
    assert [e.id for e in sb.execute(RetrieveDuplicatesRequest(business_entity=probe)).duplicate_collection] == [theirs]
    assert [e.id for e in svc.execute(RetrieveDuplicatesRequest(business_entity=probe)).duplicate_collection] == [
        theirs]


def test_detection_fault_names_only_readable_records(svc: OrganizationService) -> None:
    sa, _, theirs = two_sellers(svc)
    mine = sa.create(Entity("lead", lastname="Mine", emailaddress1=EMAIL))
    with pytest.raises(OrganizationServiceFault) as ei:
        sa.execute(CreateRequest(target=Entity("lead", lastname="New", emailaddress1=EMAIL),
                                 suppress_duplicate_detection=False))
    f = ei.value
    assert f.error_code == ErrorCodes.DUPLICATE_RECORDS_FOUND
    assert str(theirs) not in f.message and SECRET not in f.message
    assert f.error_details["DuplicateRecords"] == [EntityReference("lead", mine)]
    assert f.error_details["DuplicateRecordCount"] == 1
    assert str(mine) in f.message


def test_detection_ignores_records_the_caller_cannot_read(svc: OrganizationService) -> None:
    sa, _, theirs = two_sellers(svc)
    new = sa.execute(CreateRequest(target=Entity("lead", lastname="New", emailaddress1=EMAIL),
                                   suppress_duplicate_detection=False)).id
    assert svc.retrieve("lead", new)["emailaddress1"] == EMAIL
    # the bulk job, run by A, pairs nothing with B's lead
    q = QueryExpression("lead")
    res = sa.execute(BulkDetectDuplicatesRequest(query=q, job_name="mine"))
    pairs = svc.retrieve_multiple(QueryExpression("duplicaterecord", column_set=ColumnSet("duplicaterecordid")))
    assert res.duplicate_count == 0 and all(e["duplicaterecordid"].id != theirs for e in pairs)


def test_similar_leads_only_among_readable(svc: OrganizationService) -> None:
    sa, sb, theirs = two_sellers(svc)
    mine = sa.create(Entity("lead", firstname="Ann", lastname="Smith", emailaddress1="ann@acme.com",
                            companyname="Acme"))
    sb.create(Entity("lead", firstname="Ann", lastname="Smith", emailaddress1="ann@acme.com", companyname="Acme"))
    found = sa.execute(FindSimilarLeadsRequest(target=Entity("lead", firstname="Ann", lastname="Smith",
                                                              emailaddress1="ann@acme.com")))
    assert [m.lead.id for m in found.matches] == [mine]
    bulk = sa.execute(BulkDetectSimilarLeadsRequest(persist=False))
    ids = {m.base_id for m in bulk.matches} | {m.matching_id for m in bulk.matches}
    assert theirs not in ids and ids <= {mine}


def test_disabled_user_is_refused_every_request(svc: OrganizationService) -> None:
    a, _, _, _ = setup_units(svc)
    sa = svc.as_user(a)
    lead = sa.create(Entity("lead", lastname="Before"))
    svc.update(Entity("systemuser", a, isdisabled=True))
    for call in (lambda: sa.retrieve("lead", lead), lambda: sa.create(Entity("lead", lastname="After")),
                 lambda: sa.retrieve_multiple(QueryExpression("lead"))):
        with pytest.raises(OrganizationServiceFault) as ei:
            call()
        assert ei.value.error_code == ErrorCodes.UN_MANAGEDIDSUSERNOTENABLED == -2147220955
        assert str(a) in ei.value.message and "disabled" in ei.value.message
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    assert [e["lastname"] for e in svc.retrieve_multiple(q)] == ["Before"]
    svc.update(Entity("systemuser", a, isdisabled=False))
    assert sa.retrieve("lead", lead)["lastname"] == "Before"


def test_role_removed_through_another_service_is_seen_at_once(backend: str, tmp_path: Path) -> None:
    first = OrganizationService(make_storage(backend, tmp_path))
    try:
        storage2 = make_storage(backend, tmp_path) if backend == "sqlite" else _same_schema(first)
        second = OrganizationService(storage2)
    except BaseException:
        first.close()
        raise
    try:
        a, _, _, _ = setup_units(first)
        lead = first.as_user(a).create(Entity("lead", lastname="Mine"))
        assert second.as_user(a).retrieve("lead", lead)["lastname"] == "Mine"  # rights cached in `second`
        roles = first.retrieve_multiple(QueryExpression("role", column_set=ColumnSet("name")))
        seller = next(r.id for r in roles if r["name"] == "Seller")
        first.disassociate("systemuser", a, "systemuserroles_association", [EntityReference("role", seller)])
        with pytest.raises(OrganizationServiceFault) as ei:
            second.as_user(a).retrieve("lead", lead)
        assert ei.value.error_code == ErrorCodes.PRIVILEGE_DENIED
        # a disabled flag set through `first` also reaches `second`
        first.associate("systemuser", a, "systemuserroles_association", [EntityReference("role", seller)])
        assert second.as_user(a).retrieve("lead", lead).id == lead
        first.update(Entity("systemuser", a, isdisabled=True))
        with pytest.raises(OrganizationServiceFault) as ei:
            second.as_user(a).retrieve("lead", lead)
        assert ei.value.error_code == ErrorCodes.UN_MANAGEDIDSUSERNOTENABLED
        # a custom column and a published rule made through `first`
        first.execute(CreateAttributeRequest(entity_name="lead", attribute=string("new_tier", 20, "Tier")))
        second.create(Entity("lead", lastname="Tiered", new_tier="gold"))
        publish_email_rule(first)
        second.create(Entity("lead", lastname="One", emailaddress1=EMAIL))
        with pytest.raises(OrganizationServiceFault) as ei:
            second.execute(CreateRequest(target=Entity("lead", lastname="Two", emailaddress1=EMAIL),
                                         suppress_duplicate_detection=False))
        assert ei.value.error_code == ErrorCodes.DUPLICATE_RECORDS_FOUND
        first.execute(AddPrivilegesRoleRequest(role_id=seller, privileges=[
            RolePrivilege("prvReadLead", PrivilegeDepth.GLOBAL)]))
    finally:
        second.close()
        first.close()


def _same_schema(svc: OrganizationService) -> object:
    from leadsdk.storage.postgres import PostgresStorage

    st = svc.storage
    assert isinstance(st, PostgresStorage)
    return PostgresStorage(st.dsn, schema=st.schema)


def test_history_of_a_deleted_record_needs_organization_wide_read(svc: OrganizationService) -> None:
    a, b, _, _ = setup_units(svc, PrivilegeDepth.BASIC)
    theirs = svc.as_user(b).create(Entity("lead", lastname=SECRET))
    target = EntityReference("lead", theirs)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.as_user(a).execute(RetrieveRecordChangeHistoryRequest(target=target))
    assert ei.value.error_code == ErrorCodes.PRIVILEGE_DENIED
    svc.delete("lead", theirs)
    with pytest.raises(OrganizationServiceFault) as ei:  # no owner left to check: still not A's to read
        svc.as_user(a).execute(RetrieveRecordChangeHistoryRequest(target=target))
    assert ei.value.error_code == ErrorCodes.PRIVILEGE_DENIED and SECRET not in ei.value.message
    history = svc.execute(RetrieveRecordChangeHistoryRequest(target=target)).audit_detail_collection
    assert len(history) >= 2  # SYSTEM reads it: create and delete
