"""Early-bound classes generated from the metadata."""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from codegen import (  # tools/codegen.py: pytest puts tools/ on the path (pyproject.toml)
    CLASSES_PATH,
    GENERATED_PATH,
    NAMES_PATH,
    class_name,
    generate,
    generate_classes,
    generate_names,
    member_name,
)

import leadsdk.entities as entities
from leadsdk.entities import (
    Account,
    EarlyBoundEntity,
    Lead,
    LeadSourceCode,
    LeadState,
    LeadStatus,
    OpportunityStatus,
    PhoneCall,
    builtin_metadata,
    early_bound_class,
)
from leadsdk.entities import _generated as generated
from leadsdk.entities import _generated_classes as generated_classes
from leadsdk.entities import _generated_names as generated_names
from leadsdk.types import Entity, EntityReference, Money, OptionSetValue


def test_generated_files_are_current() -> None:
    assert GENERATED_PATH.read_text(encoding="utf-8") == generate(builtin_metadata()), (
        "run: python tools/codegen.py"
    )
    assert CLASSES_PATH.read_text(encoding="utf-8") == generate_classes(builtin_metadata()), (
        "run: python tools/codegen.py"
    )
    assert NAMES_PATH.read_text(encoding="utf-8") == generate_names(builtin_metadata()), (
        "run: python tools/codegen.py"
    )


def test_codegen_check_command(tmp_path: Path) -> None:
    src = str(Path(entities.__file__).resolve().parents[2])
    env = {"PYTHONPATH": src}
    tool = str(Path(src).parent / "tools" / "codegen.py")
    ok = subprocess.run([sys.executable, tool, "--check"], env=env, check=False)
    assert ok.returncode == 0
    stale = tmp_path / "_generated.py"
    stale.write_text("# stale\n", encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, tool, "--check", "--output", str(stale)],
        env=env, check=False, capture_output=True,
    )
    assert bad.returncode == 1


def test_to_entity_has_only_given_columns() -> None:
    entity = Lead(firstname="Ada", lastname="Lovelace", subject="Bikes").to_entity()
    assert isinstance(entity, Entity)
    assert entity.logical_name == "lead"
    assert entity.attributes == {"firstname": "Ada", "lastname": "Lovelace", "subject": "Bikes"}
    assert entity.id is None


def test_assigning_none_clears_the_column() -> None:
    lead = Lead(firstname="Ada", lastname="Lovelace")
    lead.firstname = None
    lead.companyname = "Analytical Engines"
    entity = lead.to_entity()
    assert "firstname" in entity and entity["firstname"] is None
    assert entity["companyname"] == "Analytical Engines"
    assert "middlename" not in entity
    lead.unassign("firstname")
    assert "firstname" not in lead.to_entity()


def test_id_and_reference() -> None:
    lead_id = uuid.uuid4()
    lead = Lead(leadid=lead_id, subject="x")
    assert lead.id == lead_id
    assert lead.to_entity().id == lead_id
    assert lead.to_entity_reference() == EntityReference("lead", lead_id)
    other = Lead()
    with pytest.raises(ValueError):
        other.to_entity_reference()
    other.id = str(lead_id)
    assert other.leadid == lead_id and "leadid" in other.assigned_columns


def test_from_entity_round_trip() -> None:
    lead_id = uuid.uuid4()
    source = Entity("lead", lead_id, {
        "firstname": "Ada",
        "lastname": None,
        "leadsourcecode": OptionSetValue(8),
        "estimatedamount": Money(Decimal("12.50")),
        "parentaccountid": EntityReference("account", uuid.uuid4()),
        "new_custom": 42,
        "acc.name": "aliased",
    })
    source.formatted_values["leadsourcecode"] = "Web"
    lead = Lead.from_entity(source)
    assert lead.firstname == "Ada" and lead.lastname is None
    assert lead.leadsourcecode == OptionSetValue(8)
    assert lead.id == lead_id
    assert lead.extra == {"new_custom": 42, "acc.name": "aliased"}
    assert lead.formatted_values == {"leadsourcecode": "Web"}
    back = lead.to_entity()
    assert back == source
    assert back.formatted_values == {"leadsourcecode": "Web"}
    with pytest.raises(ValueError):
        Account.from_entity(source)


def test_enums() -> None:
    assert LeadState.QUALIFIED == 1
    assert LeadStatus.CANNOT_CONTACT == 5
    assert LeadStatus.NO_LONGER_INTERESTED == 6
    assert OpportunityStatus.OUT_SOLD == 5
    assert LeadSourceCode.WEB == 8
    assert Lead(leadsourcecode=LeadSourceCode.WEB).to_entity()["leadsourcecode"] == 8


def test_naming_helpers() -> None:
    assert class_name("phonecall") == "PhoneCall"
    assert class_name("new_project_task") == "NewProjectTask"
    assert member_name("Out-Sold", 5) == "OUT_SOLD"
    assert member_name("Doctor's Offices and Clinics", 11) == "DOCTORS_OFFICES_AND_CLINICS"
    assert PhoneCall.logical_name == "phonecall" and PhoneCall.primary_id_attribute == "activityid"


def test_every_table_has_a_class_with_its_columns() -> None:
    metadata = builtin_metadata()
    for table in metadata:
        cls = early_bound_class(table.logical_name)
        if table.is_intersect:
            assert cls is None
            continue
        assert cls is not None, table.logical_name
        assert issubclass(cls, EarlyBoundEntity)
        assert cls.logical_name == table.logical_name
        assert cls.primary_id_attribute == table.primary_id_attribute
        assert list(cls.column_names()) == list(table.attributes)
        assert attrs.has(cls)
    assert early_bound_class("nosuchtable") is None


def test_package_exports_every_generated_name() -> None:
    assert set(generated.__all__) <= set(entities.__all__)
    assert set(generated_classes.__all__) <= set(entities.__all__)
    for name in entities.__all__:
        assert hasattr(entities, name), name
    assert entities.EARLY_BOUND_CLASSES is generated_classes.EARLY_BOUND_CLASSES
    # the index the package loads them by says what the generated modules hold
    assert set(generated.__all__) == generated_names.ENUM_NAMES
    assert {name: cls.__name__ for name, cls in entities.EARLY_BOUND_CLASSES.items()} == (
        generated_names.EARLY_BOUND_NAMES
    )


def test_generated_names_are_listed_before_they_are_built() -> None:
    listed = dir(entities)
    assert {"Lead", "LeadState", "EARLY_BOUND_CLASSES", "builtin_metadata"} <= set(listed)
    assert listed == sorted(listed)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchClass'"):
        _ = entities.NoSuchClass  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from leadsdk.entities import NoSuchClass  # type: ignore[attr-defined]  # noqa: F401


def test_builtin_metadata_is_fresh_each_call() -> None:
    first, second = builtin_metadata(), builtin_metadata()
    assert first.table("lead") is not second.table("lead")
    column = first.table("lead").attributes["firstname"]
    first.add_attribute("lead", attrs.evolve(column, logical_name="new_extra"))
    assert "new_extra" not in second.table("lead").attributes
    assert "new_extra" not in builtin_metadata().table("lead").attributes


def test_plain_attrs_subclass_keeps_tracking() -> None:
    @attrs.define(kw_only=True)
    class MyLead(Lead):
        new_score: int | None = None

    lead = MyLead(firstname="Ada", new_score=3)
    lead.lastname = None
    assert lead.to_entity().attributes == {"firstname": "Ada", "lastname": None, "new_score": 3}
