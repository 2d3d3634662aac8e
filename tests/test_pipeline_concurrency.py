"""Optimistic concurrency: Update and Delete with IF_ROW_VERSION_MATCHES."""

from __future__ import annotations

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import ConcurrencyBehavior, DeleteRequest, UpdateRequest
from leadsdk.types import ColumnSet

MATCH = ConcurrencyBehavior.IF_ROW_VERSION_MATCHES


def _fresh(svc: OrganizationService, lid: object) -> Entity:
    return svc.retrieve("lead", lid, ColumnSet("lastname", "versionnumber"))  # type: ignore[arg-type]


def test_update_with_current_version_succeeds_and_moves_version(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="A"))
    seen = _fresh(svc, lid)
    assert seen.row_version
    e = Entity("lead", lid, {"lastname": "B"})
    e.row_version = seen.row_version
    svc.execute(UpdateRequest(target=e, concurrency_behavior=MATCH))
    after = _fresh(svc, lid)
    assert after["lastname"] == "B"
    assert int(after.row_version or 0) > int(seen.row_version)


def test_lost_update_faults(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="A"))
    mine = _fresh(svc, lid)
    svc.update(Entity("lead", lid, {"lastname": "someone else"}))
    stale = Entity("lead", lid, {"lastname": "mine"})
    stale.row_version = mine.row_version
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateRequest(target=stale, concurrency_behavior=MATCH))
    assert ei.value.error_code == ErrorCodes.CONCURRENCY_VERSION_MISMATCH == -2147088254
    assert _fresh(svc, lid)["lastname"] == "someone else"
    # ALWAYS_OVERWRITE and DEFAULT ignore the version
    svc.execute(UpdateRequest(target=stale, concurrency_behavior=ConcurrencyBehavior.ALWAYS_OVERWRITE))
    assert _fresh(svc, lid)["lastname"] == "mine"


def test_version_not_provided(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="A"))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateRequest(target=Entity("lead", lid, {"lastname": "B"}), concurrency_behavior=MATCH))
    assert ei.value.error_code == ErrorCodes.CONCURRENCY_VERSION_NOT_PROVIDED
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(DeleteRequest(target=EntityReference("lead", lid), concurrency_behavior=MATCH))
    assert ei.value.error_code == ErrorCodes.CONCURRENCY_VERSION_NOT_PROVIDED
    assert _fresh(svc, lid)["lastname"] == "A"


def test_delete_with_versions(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="A"))
    seen = _fresh(svc, lid)
    svc.update(Entity("lead", lid, {"lastname": "B"}))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(DeleteRequest(target=EntityReference("lead", lid), concurrency_behavior=MATCH,
                                  row_version=seen.row_version))
    assert ei.value.error_code == ErrorCodes.CONCURRENCY_VERSION_MISMATCH
    stale_entity = Entity("lead", lid)
    stale_entity.row_version = seen.row_version
    with pytest.raises(OrganizationServiceFault):
        svc.execute(DeleteRequest(target=stale_entity, concurrency_behavior=MATCH))
    current = _fresh(svc, lid)
    svc.execute(DeleteRequest(target=EntityReference("lead", lid), concurrency_behavior=MATCH,
                              row_version=current.row_version))
    with pytest.raises(OrganizationServiceFault) as ei:
        _fresh(svc, lid)
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST


def test_garbage_row_version_faults(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="A"))
    e = Entity("lead", lid, {"lastname": "B"})
    e.row_version = "not-a-version"
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateRequest(target=e, concurrency_behavior=MATCH))
    assert ei.value.error_code == ErrorCodes.CONCURRENCY_VERSION_MISMATCH


def test_row_version_from_a_query_page_is_text_and_guards_an_update(svc: OrganizationService) -> None:
    """A record read by RetrieveMultiple carries the row version as text (made when first read), equal to
    Retrieve's; passing it along updates while current and faults once another write moved it."""
    from leadsdk.query import QueryExpression

    lid = svc.create(Entity("lead", lastname="Q"))
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    page = svc.retrieve_multiple(q).entities
    (seen,) = [e for e in page if e.id == lid]
    assert isinstance(seen.row_version, str) and seen.row_version == _fresh(svc, lid).row_version
    e = Entity("lead", lid, {"lastname": "R"})
    e.row_version = seen.row_version
    svc.execute(UpdateRequest(target=e, concurrency_behavior=MATCH))
    stale = Entity("lead", lid, {"lastname": "S"})
    stale.row_version = seen.row_version
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(UpdateRequest(target=stale, concurrency_behavior=MATCH))
    assert ei.value.error_code == ErrorCodes.CONCURRENCY_VERSION_MISMATCH
    assert _fresh(svc, lid)["lastname"] == "R"
