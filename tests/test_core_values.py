"""The value types: Entity, EntityReference, OptionSetValue, Money, ColumnSet, Relationship, collections."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal
from typing import Any

import pytest

import leadsdk
from leadsdk import (
    AliasedValue,
    ColumnSet,
    Entity,
    EntityCollection,
    EntityReference,
    Money,
    OptionSetValue,
    Relationship,
)
from leadsdk.errors import ErrorCodes, InvalidArgumentFault, OrganizationServiceFault


def test_public_all_is_sorted_and_complete() -> None:
    assert leadsdk.__all__ == sorted(leadsdk.__all__)
    for name in ("OrganizationService", "Entity", "EntityReference", "EntityCollection", "OptionSetValue",
                 "Money", "ColumnSet", "Relationship", "OrganizationServiceFault"):
        assert name in leadsdk.__all__
        assert hasattr(leadsdk, name)


def test_entity_mapping_behaviour() -> None:
    e = Entity("lead", firstname="Ada")
    assert e == Entity("lead", attributes={"firstname": "Ada"})
    e["lastname"] = "Lovelace"
    assert e["lastname"] == "Lovelace" and "lastname" in e and len(e) == 2
    assert e.get("missing") is None and e.get_attribute_value("missing", 5) == 5
    assert e.get("missing", 7) == 7 and e.get("firstname", 7) == "Ada"
    e["nothing"] = None
    assert e.get("nothing", 7) is None  # a column set to None is None, as Mapping.get gives it
    del e["nothing"]
    assert sorted(e) == ["firstname", "lastname"]
    del e["firstname"]
    assert "firstname" not in e
    assert e.attributes == {"lastname": "Lovelace"}


def test_entity_id_accepts_str_and_reference() -> None:
    i = uuid.uuid4()
    e = Entity("lead", str(i))
    assert e.id == i
    assert e.to_entity_reference() == EntityReference("lead", i)
    with pytest.raises(ValueError):
        Entity("lead").to_entity_reference()
    with pytest.raises(ValueError):
        Entity("lead", "not-a-uuid")


@pytest.mark.parametrize("make", [
    lambda: Entity("lead", "not-a-uuid"),
    lambda: Entity("lead", 42),
    lambda: EntityReference("account", "12345"),
    lambda: Entity("lead").to_entity_reference(),
    lambda: Money(True),
    lambda: Money("ten"),
    lambda: OptionSetValue("Web"),
])
def test_value_classes_refuse_bad_values_with_a_fault(make: Any) -> None:
    # a value a constructor cannot hold is an OrganizationServiceFault (INVALID_ARGUMENT) with a sentence, like
    # every other bad input, and still a ValueError for Python code that expects one from a constructor
    with pytest.raises(OrganizationServiceFault) as info:
        make()
    assert isinstance(info.value, ValueError) and isinstance(info.value, InvalidArgumentFault)
    assert info.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert info.value.message.endswith(".") and "Traceback" not in info.value.message


def test_entity_equality_and_copy() -> None:
    i = uuid.uuid4()
    a = Entity("lead", i, {"x": [1]})
    b = copy.deepcopy(a)
    assert a == b and a is not b
    b["x"].append(2)
    assert a["x"] == [1]
    c = copy.copy(a)
    assert c == a and c.attributes is not a.attributes
    assert a != Entity("contact", i, {"x": [1]})
    assert "lead" in repr(a) and str(i) in repr(a)


def test_entity_reference_equality_ignores_name() -> None:
    i = uuid.uuid4()
    assert EntityReference("account", i, "A") == EntityReference("account", str(i), "B")
    assert hash(EntityReference("account", i, "A")) == hash(EntityReference("account", i))
    assert EntityReference("account", i) != EntityReference("contact", i)


def test_optionset_money_aliased() -> None:
    assert OptionSetValue(3) == OptionSetValue(3) and OptionSetValue(3) != OptionSetValue(4)
    assert Money(10) == Money(Decimal("10")) and Money(1.1).value == Decimal("1.1")
    with pytest.raises(ValueError):
        Money(True)  # type: ignore[arg-type]
    assert AliasedValue("account", "name", "x").value == "x"


def test_columnset_and_relationship() -> None:
    assert ColumnSet("a", "b").columns == ["a", "b"]
    assert ColumnSet(["a", "b"]) == ColumnSet("a", "b")
    assert ColumnSet(all_columns=True).all_columns
    assert repr(ColumnSet(all_columns=True)) == "ColumnSet(all_columns=True)"
    assert Relationship("accountleads_association").schema_name == "accountleads_association"


def test_entity_collection() -> None:
    c = EntityCollection([Entity("lead"), Entity("lead")], "lead", more_records=True)
    assert len(c) == 2 and next(iter(c)).logical_name == "lead" and c[1].logical_name == "lead"
    assert c.more_records and c.total_record_count == -1
    assert "2 entities" in repr(c)
    assert "<table>" in c._repr_html_()


def test_html_is_escaped() -> None:
    e = Entity("lead", firstname="<script>")
    assert "<script>" not in e._repr_html_() and "&lt;script&gt;" in e._repr_html_()
