"""The `audit` table: one row per audited change (create, update, delete, state change, assign,
associate, merge ...), as Dataverse's audit entity.

`objectid` is the audited record's id as a plain uniqueidentifier (audit rows outlive the record and
may point at any table) and `objecttypecode` names its table. `changedata` holds the changed
columns' old and new values as JSON.
"""

from __future__ import annotations

import attrs

from leadsdk.entities.declare import (
    TableDecl,
    _unindexed,
    datetime,
    indexed,
    lookup,
    memo,
    optionset,
    picklist,
    string,
    table,
    uniqueidentifier,
)
from leadsdk.entities.model import CascadeType, OwnershipType

__all__ = ["AUDIT", "AUDIT_ACTION", "AUDIT_OPERATION", "TABLES"]

AUDIT_ACTION = optionset("AuditAction", {
    0: "Unknown", 1: "Create", 2: "Update", 3: "Delete", 4: "Activate", 5: "Deactivate", 11: "Cascade",
    12: "Merge", 13: "Assign", 14: "Share", 15: "Retrieve", 16: "Close", 17: "Cancel", 18: "Complete",
    20: "Resolve", 21: "Reopen", 22: "Fulfill", 23: "Paid", 24: "Qualify", 25: "Disqualify", 26: "Submit",
    27: "Reject", 28: "Approve", 29: "Invoice", 30: "Hold", 31: "Add Member", 32: "Remove Member",
    33: "Associate Entities", 34: "Disassociate Entities", 35: "Add Members", 36: "Remove Members",
    37: "Add Item", 38: "Remove Item", 39: "Add Substitute", 40: "Remove Substitute", 41: "Set State",
    42: "Renew", 43: "Revise", 44: "Win", 45: "Lose", 46: "Internal Processing", 47: "Reschedule",
    48: "Modify Share", 49: "Unshare", 50: "Book",
})

AUDIT_OPERATION = optionset("AuditOperation", {1: "Create", 2: "Update", 3: "Delete", 4: "Access", 5: "Upsert"})

AUDIT = table(
    "audit", "Auditing", "Audits",
    [
        picklist("action", AUDIT_ACTION, "Event"),
        picklist("operation", AUDIT_OPERATION, "Operation"),
        indexed(uniqueidentifier("objectid", "Record")),
        string("objecttypecode", 64, "Entity"),
        lookup("userid", "systemuser", "Changed By", relationship="lk_audit_userid",
               delete=CascadeType.NO_CASCADE),
        _unindexed(lookup("callinguserid", "systemuser", "Calling User", relationship="lk_audit_callinguserid",
                          delete=CascadeType.NO_CASCADE)),
        attrs.evolve(datetime("createdon", "Changed Date"), is_system=True, indexed=False),
        memo("changedata", 1073741823, "Change Data"),
        memo("attributemask", 100000, "Changed Field"),
        uniqueidentifier("transactionid", "Transaction"),
    ],
    primary_name=None,
    ownership=OwnershipType.NONE,
    object_type_code=4567,
    audit=False,
    system_columns=False,
    description="History of changes made on entities: who changed what, when.",
)

TABLES: list[TableDecl] = [AUDIT]
