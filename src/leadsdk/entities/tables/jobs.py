"""System jobs (`asyncoperation`) and the tombstones change tracking keeps for deleted records."""

from __future__ import annotations

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    bigint,
    datetime,
    indexed,
    integer,
    memo,
    optionset,
    picklist,
    states,
    string,
    table,
    uniqueidentifier,
)
from leadsdk.entities.model import OwnershipType

OPERATION_TYPE = optionset("AsyncOperationOperationType", {
    1: "System Event", 10: "Workflow", 13: "Bulk Delete", 17: "Import", 94: "Bulk Delete Subprocess",
})

ASYNCOPERATION = table(
    "asyncoperation", "System Job", "System Jobs",
    [
        string("name", 256, "System Job Name", required=REQUIRED),
        picklist("operationtype", OPERATION_TYPE, "System Job Type", required=REQUIRED),
        memo("data", 1073741823, "Data", description="What the job works on (JSON: a bulk delete's queries)."),
        memo("message", 1073741823, "Message", description="Why the job failed, if it did."),
        memo("friendlymessage", 2000, "Friendly message"),
        datetime("startedon", "Started On"),
        datetime("completedon", "Completed On"),
        integer("successcount", "Success Count", min_value=0),
        integer("failurecount", "Failure Count", min_value=0),
        integer("totalcount", "Total Count", min_value=0,
                description="Records the job found to work on so far (a bulk delete counts as it goes)."),
        integer("errorcode", "Error Code"),
    ],
    primary_name=None,
    state_model=states(
        (0, "Ready", {0: "Waiting For Resources"}),
        (1, "Suspended", {10: "Waiting"}),
        (2, "Locked", {20: "In Progress", 21: "Pausing", 22: "Canceling"}),
        (3, "Completed", {30: "Succeeded", 31: "Failed", 32: "Canceled"}),
    ),
    object_type_code=4700,
    audit=False,
    description="Process whose execution can proceed independently or in the background (a system job).",
)

TOMBSTONE = table(
    "leadsdk_tombstone", "Deleted Record", "Deleted Records",
    [
        string("entityname", 64, "Table", required=REQUIRED),
        uniqueidentifier("objectid", "Record"),
        indexed(bigint("deletedversion", "Deleted at version")),
    ],
    primary_name=None,
    ownership=OwnershipType.NONE,
    audit=False,
    system_columns=False,
    description="A record deleted from a change-tracked table, so RetrieveEntityChanges can report it.",
)

TABLES: list[TableDecl] = [ASYNCOPERATION, TOMBSTONE]
