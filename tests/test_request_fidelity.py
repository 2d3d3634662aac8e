"""Request fidelity (issue 18): Targets of the *Multiple messages, systemuser names, re-qualification."""

from __future__ import annotations

from typing import Any

import pytest

from leadsdk import Entity, EntityCollection, EntityReference, OrganizationService, messages
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import (
    CreateMultipleRequest,
    CreateRequest,
    CreateResponse,
    QualifyLeadRequest,
    SetStateRequest,
    UpdateMultipleRequest,
    UpsertMultipleRequest,
)
from leadsdk.messages.base import OrganizationRequest, OrganizationResponse
from leadsdk.query import ConditionOperator, QueryExpression


@pytest.mark.parametrize("request_type", [CreateMultipleRequest, UpdateMultipleRequest, UpsertMultipleRequest])
@pytest.mark.parametrize("targets", [[], EntityCollection([], "lead")])
def test_empty_targets_fault(svc: OrganizationService, request_type: Any, targets: Any) -> None:
    # CreateMultiple / UpdateMultiple / UpsertMultiple (learn.microsoft.com "Bulk operation messages")
    # take a non-empty Targets collection; an empty one is refused, nothing is written.
    with pytest.raises(OrganizationServiceFault) as info:
        svc.execute(request_type(targets=targets))
    assert info.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert "targets is empty" in info.value.message


@pytest.mark.parametrize("request_type", [CreateMultipleRequest, UpdateMultipleRequest, UpsertMultipleRequest])
def test_unset_targets_fault_as_missing_parameter(svc: OrganizationService, request_type: Any) -> None:
    # Dataverse: "Required field 'Targets' is missing for RequestName='UpdateMultiple'" (RequiredFieldMissing).
    with pytest.raises(OrganizationServiceFault) as info:
        svc.execute(request_type())
    assert info.value.error_code == ErrorCodes.REQUIRED_FIELD_MISSING
    assert "Required field 'Targets' is missing" in info.value.message


def _business_unit(svc: OrganizationService) -> EntityReference:
    return svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].to_entity_reference()


def test_systemuser_fullname_from_first_and_last_name(svc: OrganizationService) -> None:
    # systemuser.fullname is computed from the name parts like lead's and contact's, so every owner
    # lookup carries a name (EntityReference.Name).
    user = svc.create(Entity("systemuser", firstname="Ada", lastname="Lovelace", domainname="ada@example.com",
                             businessunitid=_business_unit(svc)))
    assert svc.retrieve("systemuser", user)["fullname"] == "Ada Lovelace"
    svc.update(Entity("systemuser", user, lastname="King"))
    assert svc.retrieve("systemuser", user)["fullname"] == "Ada King"
    lead = svc.create(Entity("lead", lastname="owned", ownerid=EntityReference("systemuser", user)))
    assert svc.retrieve("lead", lead)["ownerid"].name == "Ada King"
    svc.update(Entity("systemuser", user, firstname="Grace"))
    assert svc.retrieve("systemuser", user)["fullname"] == "Grace King"


def _set_name_format(svc: OrganizationService, code: int) -> None:
    org = svc.retrieve_multiple(QueryExpression("organization")).entities[0]
    svc.update(Entity("organization", org.id, fullnameconventioncode=code))


# organization.fullnameconventioncode (UserSettingsFullNameConventionCode, learn.microsoft.com): the order
# in which Dataverse builds fullname from first, middle and last name.
NAME_FORMATS = [
    (0, "Lovelace, Ada"), (1, "Ada Lovelace"), (2, "Lovelace, Ada K."), (3, "Ada K. Lovelace"),
    (4, "Lovelace, Ada King"), (5, "Ada King Lovelace"), (6, "Lovelace Ada"), (7, "LovelaceAda"),
]


@pytest.mark.parametrize(("code", "expected"), NAME_FORMATS)
def test_fullname_follows_the_organization_name_format(svc: OrganizationService, code: int, expected: str) -> None:
    _set_name_format(svc, code)
    names = {"firstname": "Ada", "middlename": "King", "lastname": "Lovelace"}
    contact = svc.create(Entity("contact", **names))
    assert svc.retrieve("contact", contact)["fullname"] == expected
    user = svc.create(Entity("systemuser", domainname=f"ada{code}@example.com", businessunitid=_business_unit(svc),
                             **names))
    assert svc.retrieve("systemuser", user)["fullname"] == expected
    # the bulk path (column by column) builds the same names
    ids = svc.execute(CreateMultipleRequest(targets=EntityCollection([Entity("lead", **names)] * 3, "lead"))).ids
    assert {svc.retrieve("lead", i)["fullname"] for i in ids} == {expected}


def test_name_format_applies_to_records_written_after_the_change(svc: OrganizationService) -> None:
    before = svc.create(Entity("lead", firstname="Ada", lastname="Lovelace"))
    _set_name_format(svc, 0)
    # a stored name is not rewritten by the setting; a rename builds the name in the new format
    assert svc.retrieve("lead", before)["fullname"] == "Ada Lovelace"
    svc.update(Entity("lead", before, firstname="Augusta"))
    assert svc.retrieve("lead", before)["fullname"] == "Lovelace, Augusta"
    only_last = svc.create(Entity("lead", lastname="Byron"))
    assert svc.retrieve("lead", only_last)["fullname"] == "Byron"  # no dangling comma


def test_reactivated_lead_can_be_qualified_again(svc: OrganizationService) -> None:
    # learn.microsoft.com "Qualify a lead" / reactivating a lead: a qualified lead that is reactivated can
    # be qualified again, creating a new opportunity; the organization's setting on several
    # opportunities per lead (off here) does not stop a re-qualification.
    lead = svc.create(Entity("lead", lastname="again", subject="Engines", companyname="Acme"))
    ref = EntityReference("lead", lead)
    first = svc.execute(QualifyLeadRequest(lead_id=ref, create_opportunity=True)).created_entities
    svc.execute(SetStateRequest(entity_moniker=ref, state=0, status=-1))
    second = svc.execute(QualifyLeadRequest(lead_id=ref, create_opportunity=True)).created_entities
    assert len(first) == len(second) == 1 and first[0].id != second[0].id
    got = svc.retrieve("lead", lead)
    assert got["statecode"].value == 1 and got["qualifyingopportunityid"].id == second[0].id
    q = QueryExpression("opportunity")
    q.criteria.add_condition("originatingleadid", ConditionOperator.EQUAL, lead)
    assert len(svc.retrieve_multiple(q).entities) == 2
    # outside a qualification the setting still holds: no third opportunity for the lead
    with pytest.raises(OrganizationServiceFault) as info:
        svc.create(Entity("opportunity", name="third", originatingleadid=ref))
    assert info.value.error_code == ErrorCodes.INVALID_OPERATION


def test_requests_and_responses_read_as_attrs_reprs_and_compare_by_identity() -> None:
    # The message classes share one repr (not one generated per class, for import time); it reads as
    # attrs writes it, without the `parameters` bag. Like the SDK's classes they compare by identity.
    lead = Entity("lead", lastname="Repr")
    req = CreateRequest(target=lead, parameters={"tag": "x"})
    assert repr(req) == f"CreateRequest(target={lead!r}, suppress_duplicate_detection=True)"
    assert req != CreateRequest(target=lead, parameters={"tag": "x"}) and req == req
    resp = CreateResponse(id=None)
    assert repr(resp) == "CreateResponse(id=None)"
    assert resp != CreateResponse(id=None)


def test_every_message_class_shares_the_base_repr_and_identity() -> None:
    # Declared `@attrs.define(eq=False, repr=False, slots=False)`: a class that forgets it compiles its own
    # repr and eq at import (and compares by value, unlike every other message).
    classes = [c for c in vars(messages).values()
               if isinstance(c, type) and issubclass(c, (OrganizationRequest, OrganizationResponse))]
    assert len(classes) > 100
    for cls in classes:
        base = OrganizationRequest if issubclass(cls, OrganizationRequest) else OrganizationResponse
        assert cls.__repr__ is base.__repr__, cls
        assert cls.__eq__ is object.__eq__, cls
        assert "__slots__" not in cls.__dict__, cls
