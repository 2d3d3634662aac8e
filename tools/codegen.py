"""Generate the enums (`_generated.py`) and early-bound classes (`_generated_classes.py`) from the metadata.

    python tools/codegen.py           # rewrite src/leadsdk/entities/_generated*.py
    python tools/codegen.py --check   # exit 1 if a file is stale

Each non-intersect table becomes an attrs class with one field per column, named as the column;
each state model becomes `{Class}State` / `{Class}Status` IntEnums; each named option set
becomes an IntEnum named after it (`LeadSourceCode`, `IndustryCode`, ...). Both modules load on
first use (`leadsdk.entities.__getattr__`, which finds the names in the small `_generated_names.py`):
building ~40 attrs classes and ~75 enums would cost a third of `import leadsdk`.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from leadsdk.entities.earlybound import EarlyBoundEntity
from leadsdk.entities.model import (
    AttributeMetadata,
    AttributeType,
    EntityMetadata,
    OptionMetadata,
    OptionSetMetadata,
)
from leadsdk.entities.registry import Metadata

__all__ = ["CLASSES_PATH", "CLASS_NAMES", "GENERATED_PATH", "NAMES_PATH", "class_name", "generate", "generate_classes",
           "generate_names", "main", "member_name"]

_ENTITIES = Path(__file__).resolve().parents[1] / "src" / "leadsdk" / "entities"
GENERATED_PATH = _ENTITIES / "_generated.py"
"""The enums: loaded on first use."""
CLASSES_PATH = _ENTITIES / "_generated_classes.py"
"""The early-bound classes: loaded on first use."""
NAMES_PATH = _ENTITIES / "_generated_names.py"
"""What the two modules above define: loaded with the package."""

CLASS_NAMES: dict[str, str] = {
    "phonecall": "PhoneCall",
    "connectionrole": "ConnectionRole",
    "transactioncurrency": "TransactionCurrency",
    "systemuser": "SystemUser",
    "businessunit": "BusinessUnit",
    "opportunityclose": "OpportunityClose",
    "incidentresolution": "IncidentResolution",
    "entitymap": "EntityMap",
    "attributemap": "AttributeMap",
    "processstage": "ProcessStage",
    "leadtoopportunitysalesprocess": "LeadToOpportunitySalesProcess",
    "scoringmodel": "ScoringModel",
    "msdyn_predictivescore": "MsdynPredictiveScore",
    "duplicaterule": "DuplicateRule",
    "duplicaterulecondition": "DuplicateRuleCondition",
    "duplicaterecord": "DuplicateRecord",
    "duplicatematchcode": "DuplicateMatchCode",
    "savedquery": "SavedQuery",
    "userquery": "UserQuery",
    "leadsdk_customization": "Customization",
}
"""Class names that PascalCase of the logical name would get wrong (it cannot see word breaks)."""

_PYTHON_TYPES: dict[AttributeType, str] = {
    AttributeType.STRING: "str",
    AttributeType.MEMO: "str",
    AttributeType.INTEGER: "int",
    AttributeType.BIGINT: "int",
    AttributeType.DECIMAL: "Decimal",
    AttributeType.MONEY: "Money | Decimal",
    AttributeType.DOUBLE: "float",
    AttributeType.BOOLEAN: "bool",
    AttributeType.DATETIME: "datetime.datetime",
    AttributeType.DATE: "datetime.date",
    AttributeType.LOOKUP: "EntityReference",
    AttributeType.CUSTOMER: "EntityReference",
    AttributeType.OWNER: "EntityReference",
    AttributeType.PICKLIST: "OptionSetValue | int",
    AttributeType.STATE: "OptionSetValue | int",
    AttributeType.STATUS: "OptionSetValue | int",
    AttributeType.UNIQUEIDENTIFIER: "uuid.UUID",
    AttributeType.FILE: "bytes | str",
    AttributeType.IMAGE: "bytes | str",
}

_DESCRIPTION = "Generate the early-bound classes and enums from the table metadata."

_AUTO_OPTION_SET_SUFFIXES = ("_boolean", "_statecode", "_statuscode")

_HEADER = '''\
"""Enums for the built-in tables, loaded on first use (see `leadsdk.entities`).

Generated from the table metadata by `python tools/codegen.py`: do not edit.
"""

from __future__ import annotations

from enum import IntEnum
'''

_NAMES_HEADER = '''\
"""What `_generated.py` and `_generated_classes.py` define, so `leadsdk.entities` can list their names and
load them on first use.

Generated from the table metadata by `python tools/codegen.py`: do not edit.
"""

from __future__ import annotations

from typing import Final
'''

_CLASSES_HEADER = '''\
"""Early-bound classes for the built-in tables, built on first use (see `leadsdk.entities`).

Generated from the table metadata by `python tools/codegen.py`: do not edit.
"""

# ruff: noqa: E501

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import ClassVar

import attrs

from leadsdk.entities.earlybound import EarlyBoundEntity
from leadsdk.types import EntityReference, Money, OptionSetValue
'''

_MODULE_NAMES = frozenset(
    {"datetime", "uuid", "Decimal", "IntEnum", "ClassVar", "Final", "attrs", "EarlyBoundEntity", "EntityReference",
     "Money", "OptionSetValue", "EARLY_BOUND_NAMES", "ENUM_NAMES"}
)
_RESERVED_FIELDS = frozenset(n for n in dir(EarlyBoundEntity) if not n.startswith("__")) | {
    "extra", "formatted_values", "row_version", "_assigned", "logical_name", "primary_id_attribute",
}


def class_name(logical_name: str) -> str:
    """`lead` -> `Lead`, `phonecall` -> `PhoneCall`, `new_project_task` -> `NewProjectTask`."""
    if logical_name in CLASS_NAMES:
        return CLASS_NAMES[logical_name]
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", logical_name) if part)


def member_name(label: str, value: int) -> str:
    """An enum member name in UPPER_SNAKE_CASE from an option label (`Out-Sold` -> `OUT_SOLD`)."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", label.replace("'", "")).strip("_").upper()
    if not name:
        return f"VALUE_{value}".replace("-", "MINUS_")
    if name[0].isdigit():
        name = f"V_{name}"
    return name


def _text(value: str) -> str:
    """One line of text, safe inside a comment or a docstring."""
    return " ".join(value.replace("\\", "/").replace('"""', "'''").split())


def _enum(
    name: str, options: Iterable[OptionMetadata], doc: str, comment_of: dict[int, str] | None = None
) -> str:
    lines = [f"class {name}(IntEnum):", f'    """{_text(doc)}"""', ""]
    used: set[str] = set()
    for option in options:
        member = member_name(option.label, option.value)
        if member in used:
            member = f"{member}_{option.value}".replace("-", "MINUS_")
        used.add(member)
        comment = f"  # {comment_of[option.value]}" if comment_of and option.value in comment_of else ""
        lines.append(f"    {member} = {option.value}{comment}")
    return "\n".join(lines) + "\n"


def _field(attribute: AttributeMetadata) -> str:
    if keyword.iskeyword(attribute.logical_name) or not attribute.logical_name.isidentifier():
        raise ValueError(f"column {attribute.logical_name!r} is not a Python identifier")
    if attribute.logical_name in _RESERVED_FIELDS or attribute.logical_name in _MODULE_NAMES:
        raise ValueError(f"column {attribute.logical_name!r} clashes with a name the early-bound classes use")
    py_type = _PYTHON_TYPES[attribute.type]
    notes = [attribute.display_name or attribute.logical_name]
    if attribute.type.is_lookup and attribute.targets:
        notes.append("-> " + ", ".join(attribute.targets))
    if attribute.option_set is not None and attribute.type is AttributeType.PICKLIST:
        notes.append(f"({attribute.option_set.name})")
    return f"    {attribute.logical_name}: {py_type} | None = None  # {_text(' '.join(notes))}"


def _class(table: EntityMetadata, name: str) -> str:
    summary = f"{table.display_name} (`{table.logical_name}`)"
    if table.description:
        summary += f": {table.description}"
    doc = [f'    """{_text(summary)}', ""]
    keys = f"    Primary id `{table.primary_id_attribute}`"
    if table.primary_name_attribute:
        keys += f", primary name `{table.primary_name_attribute}`"
    doc.append(keys + ".")
    if table.state_model is not None:
        doc.append(f"    States: `{name}State`; status reasons: `{name}Status`.")
    doc.append('    """')
    lines = [
        "@attrs.define(kw_only=True, repr=False)",
        f"class {name}(EarlyBoundEntity):",
        *doc,
        "",
        f'    logical_name: ClassVar[str] = "{table.logical_name}"',
        f'    primary_id_attribute: ClassVar[str] = "{table.primary_id_attribute}"',
        "",
        *(_field(a) for a in table.attributes.values()),
    ]
    return "\n".join(lines) + "\n"


def _all_sort_key(name: str) -> tuple[int, str]:
    """isort-style order as ruff's RUF022 wants it: CONSTANTS, then Classes, then the rest."""
    if name.isupper() or (name.upper() == name and "_" in name):
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    return group, name


def _option_sets(tables: Sequence[EntityMetadata]) -> dict[str, OptionSetMetadata]:
    found: dict[str, OptionSetMetadata] = {}
    for table in tables:
        for attribute in table.attributes.values():
            os_ = attribute.option_set
            if os_ is None or attribute.type is not AttributeType.PICKLIST:
                continue
            if os_.name.endswith(_AUTO_OPTION_SET_SUFFIXES):
                continue
            seen = found.get(os_.name)
            if seen is not None and seen.options != os_.options:
                raise ValueError(f"two different option sets are named {os_.name!r}")
            found.setdefault(os_.name, os_)
    return dict(sorted(found.items()))


def _names(metadata: Metadata) -> tuple[list[EntityMetadata], dict[str, str], dict[str, OptionSetMetadata]]:
    """The tables that get a class, their class names, and the named option sets; every name checked unique."""
    tables = [t for t in metadata if not t.is_intersect]
    names: dict[str, str] = {}
    taken: set[str] = set()

    def claim(name: str, what: str) -> None:
        if name in taken or name in _MODULE_NAMES:
            raise ValueError(f"the generated name {name!r} ({what}) is used twice")
        taken.add(name)

    for table in tables:
        names[table.logical_name] = class_name(table.logical_name)
        claim(names[table.logical_name], f"class of {table.logical_name}")
    for table in tables:
        if table.state_model is not None:
            claim(f"{names[table.logical_name]}State", f"states of {table.logical_name}")
            claim(f"{names[table.logical_name]}Status", f"status reasons of {table.logical_name}")
    option_sets = _option_sets(tables)
    for os_name in option_sets:
        claim(os_name, "option set")
    claim("EARLY_BOUND_CLASSES", "class map")
    return tables, names, option_sets


def _all(names: Iterable[str]) -> str:
    return "__all__ = [\n" + "".join(f'    "{n}",\n' for n in sorted(names, key=_all_sort_key)) + "]\n"


def _enum_blocks(metadata: Metadata) -> dict[str, str]:
    """The source of each enum, by name, in file order."""
    tables, names, option_sets = _names(metadata)
    blocks: dict[str, str] = {}
    for table in tables:
        model = table.state_model
        if model is None:
            continue
        cls = names[table.logical_name]
        blocks[f"{cls}State"] = _enum(f"{cls}State", model.states, f"statecode of {table.logical_name}.")
        state_labels = {s.value: s.label for s in model.states}
        blocks[f"{cls}Status"] = _enum(
            f"{cls}Status", model.statuses, f"statuscode of {table.logical_name}; comments name the state.",
            {o.value: state_labels.get(o.state, "") for o in model.statuses if o.state is not None},
        )
    for os_name, os_ in option_sets.items():
        blocks[os_name] = _enum(os_name, os_.options, f"The {os_name} choices.")
    return blocks


def generate(metadata: Metadata) -> str:
    """The source of `_generated.py`: the enums."""
    enums = _enum_blocks(metadata)
    return "\n\n".join([_HEADER, *enums.values(), _all(enums)])


def generate_names(metadata: Metadata) -> str:
    """The source of `_generated_names.py`: the enum names, and the class name of each table."""
    tables, names, _ = _names(metadata)
    enums = ["ENUM_NAMES: Final[frozenset[str]] = frozenset({"]
    enums += [f'    "{name}",' for name in sorted(_enum_blocks(metadata))]
    enums.append("})")
    enums.append('"""The enums of `_generated.py`."""')
    mapping = ["EARLY_BOUND_NAMES: Final[dict[str, str]] = {"]
    mapping += [f'    "{t.logical_name}": "{names[t.logical_name]}",' for t in tables]
    mapping.append("}")
    mapping.append('"""The class name of each table, by logical name (the classes are in `_generated_classes.py`)."""')
    body = "\n\n".join(["\n".join(enums) + "\n", "\n".join(mapping) + "\n", _all(["ENUM_NAMES", "EARLY_BOUND_NAMES"])])
    return _NAMES_HEADER + "\n" + body


def generate_classes(metadata: Metadata) -> str:
    """The source of `_generated_classes.py`: one early-bound class per table."""
    tables, names, _ = _names(metadata)
    blocks: list[str] = [_CLASSES_HEADER]
    for table in tables:
        blocks.append(_class(table, names[table.logical_name]))

    mapping = ["EARLY_BOUND_CLASSES: dict[str, type[EarlyBoundEntity]] = {"]
    mapping += [f'    "{t.logical_name}": {names[t.logical_name]},' for t in tables]
    mapping.append("}")
    mapping.append('"""The early-bound class of each table, by logical name."""')
    blocks.append("\n".join(mapping) + "\n")
    blocks.append(_all([*names.values(), "EARLY_BOUND_CLASSES"]))
    return "\n\n".join(blocks)


def main(argv: Sequence[str] | None = None) -> int:
    from leadsdk.entities.builtin import builtin_metadata

    parser = argparse.ArgumentParser(prog="tools/codegen.py", description=_DESCRIPTION)
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    parser.add_argument("--output", type=Path, default=GENERATED_PATH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    metadata = builtin_metadata()
    path: Path = args.output
    files = {
        path: generate(metadata),
        path.with_name(CLASSES_PATH.name): generate_classes(metadata),
        path.with_name(NAMES_PATH.name): generate_names(metadata),
    }
    stale = [p for p, source in files.items() if (p.read_text(encoding="utf-8") if p.exists() else None) != source]
    if args.check:
        for p in stale:
            print(f"{p} is stale: run python tools/codegen.py", file=sys.stderr)
        return 1 if stale else 0
    for p in stale:
        p.write_text(files[p], encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
