"""The built-in N:N relationships and their intersect tables."""

from __future__ import annotations

from leadsdk.entities.declare import TableDecl, many_to_many
from leadsdk.entities.model import ManyToManyRelationshipMetadata

ACCOUNTLEADS = many_to_many("accountleads_association", "account", "lead", "accountleads")
CONTACTLEADS = many_to_many("contactleads_association", "contact", "lead", "contactleads")
SYSTEMUSERROLES = many_to_many("systemuserroles_association", "systemuser", "role", "systemuserroles")
TEAMMEMBERSHIP = many_to_many("teammembership_association", "systemuser", "team", "teammembership")
TEAMROLES = many_to_many("teamroles_association", "team", "role", "teamroles")

MANY_TO_MANY: list[tuple[ManyToManyRelationshipMetadata, TableDecl]] = [
    ACCOUNTLEADS, CONTACTLEADS, SYSTEMUSERROLES, TEAMMEMBERSHIP, TEAMROLES,
]
