"""The security value types, with Dataverse's names and values."""

from __future__ import annotations

import enum
import uuid

import attrs

from leadsdk.types import EntityReference

__all__ = ["AccessRights", "PrincipalAccess", "PrivilegeDepth", "RolePrivilege"]


class PrivilegeDepth(enum.IntEnum):
    """How far a role's privilege reaches (Microsoft.Crm.Sdk.Messages.PrivilegeDepth values).

    In `roleprivileges.privilegedepthmask` the depths are bits: `1 << depth` (1, 2, 4, 8).
    """

    BASIC = 0
    """Records the user (or one of their teams) owns, or that are shared with them."""
    LOCAL = 1
    """Records of the user's business unit."""
    DEEP = 2
    """Records of the user's business unit and the units under it."""
    GLOBAL = 3
    """Every record."""

    @property
    def mask(self) -> int:
        return 1 << int(self)

    @classmethod
    def from_mask(cls, mask: int) -> PrivilegeDepth | None:
        """The widest depth in a privilegedepthmask (None when no bit is set)."""
        for d in (cls.GLOBAL, cls.DEEP, cls.LOCAL, cls.BASIC):
            if mask & d.mask:
                return d
        return None


class AccessRights(enum.IntFlag):
    """Rights on one record (Microsoft.Crm.Sdk.Messages.AccessRights values)."""

    NONE = 0
    READ_ACCESS = 1
    WRITE_ACCESS = 2
    APPEND_ACCESS = 4
    APPEND_TO_ACCESS = 16
    CREATE_ACCESS = 32
    DELETE_ACCESS = 65536
    SHARE_ACCESS = 262144
    ASSIGN_ACCESS = 524288


ALL_ACCESS = (AccessRights.READ_ACCESS | AccessRights.WRITE_ACCESS | AccessRights.APPEND_ACCESS
              | AccessRights.APPEND_TO_ACCESS | AccessRights.CREATE_ACCESS | AccessRights.DELETE_ACCESS
              | AccessRights.SHARE_ACCESS | AccessRights.ASSIGN_ACCESS)


@attrs.define
class RolePrivilege:
    """A privilege a role holds, at a depth: `RolePrivilege("prvReadLead", PrivilegeDepth.LOCAL)`."""

    privilege_name: str | None = None
    depth: PrivilegeDepth | int = PrivilegeDepth.BASIC
    privilege_id: uuid.UUID | None = None
    business_unit_id: uuid.UUID | None = None


@attrs.define
class PrincipalAccess:
    """A user or team and the rights a record is shared with them with."""

    principal: EntityReference | None = None
    access_mask: AccessRights | int = AccessRights.NONE
