"""The built-in table declarations hang together and match the Dataverse reference."""

from __future__ import annotations

from collections import Counter

import pytest

from leadsdk.entities.model import AttributeType, CascadeType, OwnershipType
from leadsdk.entities.registry import Metadata
from leadsdk.entities.tables import MANY_TO_MANY, TABLES

CORE_TABLES = [
    "lead", "account", "contact", "opportunity", "incident", "annotation", "task", "phonecall", "email",
    "appointment", "connection", "connectionrole", "campaign", "transactioncurrency", "organization",
    "systemuser", "team", "businessunit", "role", "opportunityclose", "incidentresolution", "accountleads",
    "contactleads",
]

REFERENCE_RELATIONSHIPS = [
    "account_originating_lead", "contact_originating_lead", "opportunity_originating_lead", "Lead_Annotation",
    "Lead_Tasks", "lead_connections1", "accountleads_association", "contactleads_association",
]


@pytest.fixture(scope="module")
def metadata() -> Metadata:
    return Metadata(TABLES, MANY_TO_MANY)


def test_every_lookup_target_is_a_declared_table(metadata: Metadata) -> None:
    for table in metadata:
        for column in table.lookups():
            assert column.targets, f"{table.logical_name}.{column.logical_name} has no target"
            for target in column.targets:
                assert target in metadata, f"{table.logical_name}.{column.logical_name} -> unknown {target}"
    for rel in metadata.one_to_many.values():
        assert rel.referenced_entity in metadata
        assert rel.referencing_entity in metadata
        assert rel.referenced_attribute == metadata.table(rel.referenced_entity).primary_id_attribute, rel
    for nn in metadata.many_to_many.values():
        assert nn.entity1_logical_name in metadata and nn.entity2_logical_name in metadata
        assert metadata.table(nn.intersect_entity_name).is_intersect


def test_relationship_schema_names_are_unique() -> None:
    # from the declarations: the registry would silently keep only the last of two equal names
    names = [r.schema_name for decl in TABLES for r in decl.one_to_many]
    names += [rel.schema_name for rel, _ in MANY_TO_MANY]
    dupes = [n for n, count in Counter(n.lower() for n in names).items() if count > 1]
    assert not dupes


def test_table_logical_names_are_unique() -> None:
    names = [d.metadata.logical_name for d in TABLES] + [d.metadata.logical_name for _, d in MANY_TO_MANY]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", CORE_TABLES)
def test_core_table_exists(metadata: Metadata, name: str) -> None:
    table = metadata.table(name)
    assert table.primary_id_attribute in table.attributes
    assert table.attributes[table.primary_id_attribute].is_primary_id
    if table.primary_name_attribute is not None:
        assert table.attributes[table.primary_name_attribute].is_primary_name


def test_state_models_are_consistent(metadata: Metadata) -> None:
    for table in metadata:
        model = table.state_model
        if model is None:
            assert "statecode" not in table.attributes
            continue
        assert table.attributes["statecode"].type is AttributeType.STATE
        assert table.attributes["statuscode"].type is AttributeType.STATUS
        for state in model.states:
            assert state.default_status is not None
            assert model.state_of(state.default_status) == state.value, (table.logical_name, state)
            assert model.statuses_of(state.value), (table.logical_name, state)
        status_values = [s.value for s in model.statuses]
        assert len(status_values) == len(set(status_values)), table.logical_name
        for status in model.statuses:
            assert model.has_state(status.state if status.state is not None else -1)
        assert all(model.has_state(s) for s in model.active_states)
        assert all(model.has_state(s) for s in model.message_only_states)


def test_lead_state_model_matches_reference(metadata: Metadata) -> None:
    model = metadata.table("lead").state_model
    assert model is not None
    assert [(s.value, s.label, s.default_status) for s in model.states] == [
        (0, "Open", 1), (1, "Qualified", 3), (2, "Disqualified", 4),
    ]
    assert model.statuses_of(0) == (1, 2)
    assert model.statuses_of(1) == (3,)
    assert model.statuses_of(2) == (4, 5, 6, 7)
    assert model.message_only_states == {1: "QualifyLead"}


@pytest.mark.parametrize(("table", "expected"), [
    ("opportunity", {0: (1, 2), 1: (3,), 2: (4, 5)}),
    ("incident", {0: (1, 2, 3, 4), 1: (5, 1000), 2: (6, 2000)}),
    ("task", {0: (2, 3, 4, 7), 1: (5,), 2: (6,)}),
    ("phonecall", {0: (1,), 1: (2, 4), 2: (3,)}),
    ("email", {0: (1, 8), 1: (2, 3, 4, 6, 7), 2: (5,)}),
    ("appointment", {0: (1, 2), 1: (3,), 2: (4,), 3: (5, 6)}),
    ("opportunityclose", {0: (1,), 1: (2,), 2: (3,)}),
    ("incidentresolution", {0: (1,), 1: (2,), 2: (3,)}),
    ("campaign", {0: (0, 1, 2, 3, 4, 5), 1: (6,)}),
    ("connection", {0: (1,), 1: (2,)}),
])
def test_other_state_models_match_reference(
    metadata: Metadata, table: str, expected: dict[int, tuple[int, ...]]
) -> None:
    model = metadata.table(table).state_model
    assert model is not None
    assert {s.value: model.statuses_of(s.value) for s in model.states} == expected


def test_appointment_has_two_active_states(metadata: Metadata) -> None:
    model = metadata.table("appointment").state_model
    assert model is not None and model.active_states == frozenset({0, 3})


def test_string_lengths_are_positive(metadata: Metadata) -> None:
    for table in metadata:
        for column in table:
            if column.type.is_text:
                assert column.max_length is not None and column.max_length > 0, (table.logical_name, column)


def test_reference_relationships_exist(metadata: Metadata) -> None:
    for name in REFERENCE_RELATIONSHIPS:
        assert metadata.relationship(name).schema_name == name


def test_reference_relationship_shapes(metadata: Metadata) -> None:
    notes = metadata.one_to_many["Lead_Annotation"]
    assert (notes.referencing_entity, notes.referencing_attribute) == ("annotation", "objectid")
    assert notes.cascade.delete is CascadeType.CASCADE
    tasks = metadata.one_to_many["Lead_Tasks"]
    assert (tasks.referencing_entity, tasks.referencing_attribute) == ("task", "regardingobjectid")
    assert tasks.cascade.delete is CascadeType.CASCADE
    conn = metadata.one_to_many["lead_connections1"]
    assert (conn.referencing_entity, conn.referencing_attribute) == ("connection", "record1id")
    origin = metadata.one_to_many["account_originating_lead"]
    assert (origin.referenced_entity, origin.referencing_entity) == ("lead", "account")
    assert origin.cascade.delete is CascadeType.REMOVE_LINK
    leads = metadata.many_to_many["accountleads_association"]
    assert (leads.entity1_logical_name, leads.entity2_logical_name, leads.intersect_entity_name) == (
        "account", "lead", "accountleads",
    )
    assert metadata.one_to_many["Task_Annotation"].referenced_attribute == "activityid"


def test_activities(metadata: Metadata) -> None:
    codes = {"task": 4212, "phonecall": 4210, "email": 4202, "appointment": 4201, "opportunityclose": 4208,
             "incidentresolution": 4206}
    for name, code in codes.items():
        table = metadata.table(name)
        assert table.is_activity and table.primary_id_attribute == "activityid"
        assert table.primary_name_attribute == "subject"
        assert table.object_type_code == code
        assert table.attributes["activitytypecode"].default_value == name
        assert table.attributes["isregularactivity"].default_value is True
    assert metadata.table("email").attributes["description"].max_length == 1048576
    assert metadata.table("opportunityclose").attributes["opportunityid"].targets == ("opportunity",)
    assert metadata.one_to_many["Opportunity_OpportunityClose"].cascade.delete is CascadeType.CASCADE
    assert metadata.one_to_many["Incident_IncidentResolutions"].referencing_entity == "incidentresolution"


def test_incident_and_related_tables(metadata: Metadata) -> None:
    incident = metadata.table("incident")
    assert incident.primary_name_attribute == "title" and incident.object_type_code == 112
    assert incident.is_mergeable and incident.hierarchy_attribute == "parentcaseid"
    assert incident.state_model is not None
    assert incident.state_model.message_only_states == {1: "CloseIncident"}
    priority = incident.attributes["prioritycode"].option_set
    assert priority is not None and priority.name == "IncidentPriorityCode"
    assert priority.values == (1, 2, 3)
    assert metadata.one_to_many["incident_customer_accounts"].cascade.delete is CascadeType.CASCADE
    annotation = metadata.table("annotation")
    assert annotation.state_model is None and annotation.object_type_code == 5
    assert annotation.attributes["filesize"].is_computed
    assert annotation.attributes["documentbody"].max_length == 1073741823
    assert metadata.table("connectionrole").ownership is OwnershipType.ORGANIZATION_OWNED
    assert metadata.one_to_many["connection_related_connection"].referenced_entity == "connection"
    campaign = metadata.table("campaign")
    assert "transactioncurrencyid" in campaign.attributes and campaign.object_type_code == 4400
