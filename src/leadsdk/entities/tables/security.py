"""Security and routing tables: privilege, roleprivileges, principalobjectaccess (sharing) and
msdyn_assignmentrule (assignment rules) with its eligible sellers.

`principalobjectaccess.objectid` is a polymorphic lookup to every user-owned table, so deleting a
record deletes its shares through the ordinary cascade (and the column is indexed for the read scope).
"""

from __future__ import annotations

from collections.abc import Iterable

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    boolean,
    integer,
    lookup,
    many_to_many,
    memo,
    optionset,
    picklist,
    states,
    string,
    table,
)
from leadsdk.entities.model import CascadeType, ManyToManyRelationshipMetadata, OwnershipType
from leadsdk.entities.tables import optionsets as o

__all__ = ["DISTRIBUTION_TYPE", "MANY_TO_MANY", "security_tables"]

NONE = OwnershipType.NONE

PRIVILEGE = table(
    "privilege", "Privilege", "Privileges",
    [
        string("name", 100, "Name", required=REQUIRED),
        integer("accessright", "Access Right", min_value=0),
        boolean("canbebasic", "Can Be Basic", default=True),
        boolean("canbelocal", "Can Be Local", default=True),
        boolean("canbedeep", "Can Be Deep", default=True),
        boolean("canbeglobal", "Can Be Global", default=True),
    ],
    ownership=NONE,
    object_type_code=1023,
    audit=False,
    description="Permission to perform an action in Microsoft CRM (prvReadLead, prvCreateAccount, ...).",
)

ROLEPRIVILEGES = table(
    "roleprivileges", "Role Privilege", "Role Privileges",
    [
        lookup("roleid", "role", "Role", relationship="role_roleprivileges", delete=CascadeType.CASCADE,
               required=REQUIRED),
        lookup("privilegeid", "privilege", "Privilege", relationship="privilege_roleprivileges",
               delete=CascadeType.CASCADE, required=REQUIRED),
        integer("privilegedepthmask", "Privilege Depth Mask", min_value=1, max_value=15),
    ],
    primary_name=None,
    primary_id="roleprivilegeid",
    ownership=NONE,
    object_type_code=12,
    audit=False,
    system_columns=False,
    description="A privilege a role holds, with its depth (1 Basic, 2 Local, 4 Deep, 8 Global).",
)

DISTRIBUTION_TYPE = optionset("MsdynDistributionType", {0: "Round robin", 1: "Load balancing"})

ASSIGNMENTRULE = table(
    "msdyn_assignmentrule", "Assignment Rule", "Assignment Rules",
    [
        string("msdyn_name", 200, "Name", required=REQUIRED),
        integer("msdyn_priority", "Priority", min_value=0),
        string("msdyn_entitytype", 64, "Record Type", required=REQUIRED,
               description="The table the rule routes: lead or opportunity."),
        memo("msdyn_condition", 100000, "Condition",
             description="A FetchXML <filter> (or a whole <fetch>) the record must match; empty matches all."),
        lookup("msdyn_teamid", "team", "Sellers Team", relationship="msdyn_team_msdyn_assignmentrule_teamid",
               description="When set, the team's members are eligible sellers (besides the rule's users)."),
        picklist("msdyn_distributiontype", DISTRIBUTION_TYPE, "Distribute By", default=0),
        integer("msdyn_assignmentcursor", "Round Robin Position", min_value=0,
                description="How many records the rule has routed (round-robin position)."),
    ],
    primary_name="msdyn_name",
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=10457,
    description="Defines criteria based on which Entities are routed to Users or Sales Team.",
)

ASSIGNMENTRULE_USERS = many_to_many("msdyn_assignmentrule_systemuser", "msdyn_assignmentrule", "systemuser",
                                    "msdyn_assignmentrule_systemuser")

MANY_TO_MANY: list[tuple[ManyToManyRelationshipMetadata, TableDecl]] = [ASSIGNMENTRULE_USERS]


def _principalobjectaccess(targets: list[str]) -> TableDecl:
    return table(
        "principalobjectaccess", "Principal Object Access", "Principal Object Accesses",
        [
            lookup("objectid", tuple(targets), "Object",
                   relationship={t: f"{t}_principalobjectaccess" for t in targets}, delete=CascadeType.CASCADE),
            lookup("principalid", ("systemuser", "team"), "Principal",
                   relationship={"systemuser": "systemuser_principalobjectaccess",
                                 "team": "team_principalobjectaccess"},
                   delete=CascadeType.CASCADE),
            integer("accessrightsmask", "Access Rights", min_value=0),
            integer("inheritedaccessrightsmask", "Inherited Access Rights", min_value=0),
        ],
        primary_name=None,
        ownership=NONE,
        object_type_code=11,
        audit=False,
        system_columns=False,
        description="A record shared with a user or team, and the access rights granted (AccessRights flags).",
    )


def security_tables(others: Iterable[TableDecl]) -> list[TableDecl]:
    """The security tables; `others` are the tables declared so far (sharing can target their user-owned ones)."""
    decls = [*others, ASSIGNMENTRULE]
    targets = sorted(d.metadata.logical_name for d in decls if d.metadata.ownership is OwnershipType.USER_OWNED)
    return [PRIVILEGE, ROLEPRIVILEGES, ASSIGNMENTRULE, _principalobjectaccess(targets)]
