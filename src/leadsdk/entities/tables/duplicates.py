"""Duplicate detection tables: duplicaterule, duplicaterulecondition, duplicaterecord, and the
internal match-code table duplicatematchcode.

Names, option values and the rule state model are Dataverse's (powerapps-docs "Duplicate rule
tables"; DuplicateRule option-set metadata: statecode 0 Inactive holds statuscodes 0 Unpublished and
1 Publishing, statecode 1 Active holds 2 Published). `duplicatematchcode` stands in for Dataverse's
hidden MatchCode tables: one row per (published rule, record), looked up by its indexed hash. A row's id
is computed from its rule and record (`leadsdk.duplicates.codeids`), so a record's codes are updated and
deleted by id; the rule and record columns have no index of their own (a delete by rule reads the table).
"""

from __future__ import annotations

from leadsdk.entities.declare import (
    REQUIRED,
    SYSTEM_REQUIRED,
    TableDecl,
    boolean,
    integer,
    lookup,
    memo,
    optionset,
    picklist,
    states,
    string,
    table,
    uniqueidentifier,
)
from leadsdk.entities.model import CascadeType, OwnershipType

DUPLICATE_TARGETS: tuple[str, ...] = ("lead", "account", "contact", "opportunity")
"""Tables a duplicaterecord can point at (those with duplicate detection enabled)."""

DUPLICATE_RULE_OPERATOR = optionset("DuplicateRuleConditionOperatorCode", {
    0: "Exact Match",
    1: "Same First Characters",
    2: "Same Last Characters",
    3: "Same Date",
    4: "Same Date and Time",
    5: "Exact Match (Pick List Label)",
    6: "Exact Match (Pick List Value)",
})

DUPLICATERULE = table(
    "duplicaterule", "Duplicate Detection Rule", "Duplicate Detection Rules",
    [
        string("name", 160, "Name", required=REQUIRED),
        memo("description", 2000, "Description"),
        string("baseentityname", 100, "Base Record Type", required=SYSTEM_REQUIRED),
        string("matchingentityname", 100, "Matching Record Type", required=SYSTEM_REQUIRED),
        boolean("iscasesensitive", "Case-Sensitive"),
        boolean("excludeinactiverecords", "Exclude Inactive Records"),
    ],
    state_model=states(
        (0, "Inactive", {0: "Unpublished", 1: "Publishing"}),
        (1, "Active", {2: "Published"}),
        message_only={1: "PublishDuplicateRule"},
        active=(1,),
    ),
    object_type_code=4414,
    description="Condition which, if true, determines that the compared records are duplicates.",
)

DUPLICATERULECONDITION = table(
    "duplicaterulecondition", "Duplicate Rule Condition", "Duplicate Rule Conditions",
    [
        lookup("regardingobjectid", "duplicaterule", "Regarding", relationship="DuplicateRule_DuplicateRuleConditions",
               delete=CascadeType.CASCADE, required=SYSTEM_REQUIRED),
        string("baseattributename", 50, "Base Attribute Name", required=REQUIRED),
        string("matchingattributename", 50, "Matching Attribute Name", required=REQUIRED),
        picklist("operatorcode", DUPLICATE_RULE_OPERATOR, "Operator Code", default=0, required=REQUIRED),
        integer("operatorparam", "Operator Parameter", min_value=0),
        boolean("ignoreblankvalues", "Ignore Blank Values"),
    ],
    primary_name=None,
    ownership=OwnershipType.ORGANIZATION_OWNED,
    object_type_code=4416,
    description="Condition of a duplicate detection rule.",
)

DUPLICATERECORD = table(
    "duplicaterecord", "Duplicate Record", "Duplicate Records",
    [
        lookup("baserecordid", DUPLICATE_TARGETS, "Base Record",
               relationship={t: f"{t.capitalize()}_DuplicateBaseRecord" for t in DUPLICATE_TARGETS},
               delete=CascadeType.CASCADE),
        lookup("duplicaterecordid", DUPLICATE_TARGETS, "Duplicate Record",
               relationship={t: f"{t.capitalize()}_DuplicateMatchingRecord" for t in DUPLICATE_TARGETS},
               delete=CascadeType.CASCADE),
        lookup("duplicateruleid", "duplicaterule", "Duplicate Rule", relationship="DuplicateRule_DuplicateRecord",
               delete=CascadeType.CASCADE),
        uniqueidentifier("asyncoperationid", "System Job"),
        integer("matchscore", "Match Score", min_value=0, max_value=100),
        string("matchedfields", 500, "Matched Fields"),
    ],
    primary_id="duplicateid",
    primary_name=None,
    object_type_code=4415,
    audit=False,
    description="Potential duplicate record found by a duplicate detection job or rule.",
)

DUPLICATEMATCHCODE = table(
    "duplicatematchcode", "Duplicate Match Code", "Duplicate Match Codes",
    [
        uniqueidentifier("duplicateruleid", "Duplicate Rule"),
        uniqueidentifier("recordid", "Record"),
        string("entityname", 100, "Record Type"),
        string("matchcode", 64, "Match Code"),
        boolean("isactive", "Is Active", default=True),
    ],
    primary_name=None,
    ownership=OwnershipType.NONE,
    system_columns=False,
    audit=False,
    description="Internal: the match code of one record under one published rule (indexed hash).",
)

TABLES: list[TableDecl] = [DUPLICATERULE, DUPLICATERULECONDITION, DUPLICATERECORD, DUPLICATEMATCHCODE]
