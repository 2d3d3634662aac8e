"""Security: roles, privileges with depths, teams, sharing and record-level access checks.

Public names mirror the Dataverse SDK (`RolePrivilege`, `PrivilegeDepth`, `PrincipalAccess`,
`AccessRights`). The engine (`SecurityEngine`) is attached to every service core; it checks each
request of a non-SYSTEM caller and turns the caller's read rights into SQL read scopes.
"""

from __future__ import annotations

from leadsdk.records.context import SYSTEM_USER_ID
from leadsdk.security.engine import (
    ACTIONS,
    SecurityEngine,
    UserRights,
    privilege_name,
    privilege_table_name,
)
from leadsdk.security.model import AccessRights, PrincipalAccess, PrivilegeDepth, RolePrivilege

__all__ = [
    "ACTIONS",
    "SYSTEM_USER_ID",
    "AccessRights",
    "PrincipalAccess",
    "PrivilegeDepth",
    "RolePrivilege",
    "SecurityEngine",
    "UserRights",
    "privilege_name",
    "privilege_table_name",
]
