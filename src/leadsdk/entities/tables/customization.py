"""Views (savedquery, userquery) and the store's own record of its customizations."""

from __future__ import annotations

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    boolean,
    integer,
    memo,
    optionset,
    picklist,
    states,
    string,
    table,
)
from leadsdk.entities.model import OwnershipType
from leadsdk.entities.tables import optionsets as o

QUERY_TYPE = optionset("SavedQueryQueryType", {
    0: "Main Application View", 1: "Advanced Search", 2: "Sub-Grid", 4: "Quick Find Search",
    64: "Lookup View", 8192: "Personal View",
})


def _view_columns() -> list:  # type: ignore[type-arg]
    return [
        string("name", 200, "Name", required=REQUIRED),
        memo("description", 2000, "Description"),
        string("returnedtypecode", 64, "Table", required=REQUIRED),
        memo("fetchxml", 1073741823, "FetchXML"),
        memo("layoutxml", 1073741823, "Layout XML"),
        picklist("querytype", QUERY_TYPE, "Query Type", default=0),
    ]


SAVEDQUERY = table(
    "savedquery", "View", "Views",
    [*_view_columns(), boolean("isdefault", "Default"), boolean("isquickfindquery", "Quick Find Query"),
     boolean("iscustom", "Custom")],
    ownership=OwnershipType.ORGANIZATION_OWNED,
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=1039,
    audit=False,
    description="Saved query against the database (a system view).",
)

USERQUERY = table(
    "userquery", "Saved View", "Saved Views",
    _view_columns(),
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=4230,
    audit=False,
    description="Saved database query that is owned by a user (a personal view).",
)

CUSTOMIZATION = table(
    "leadsdk_customization", "Customization", "Customizations",
    [
        string("name", 400, "Name", required=REQUIRED),
        string("kind", 40, "Kind", required=REQUIRED),
        string("entityname", 64, "Table"),
        memo("payload", 1073741823, "Definition (JSON)"),
        integer("sequence", "Sequence", min_value=0),
    ],
    ownership=OwnershipType.ORGANIZATION_OWNED,
    audit=False,
    description="A customization of this store (custom table, column, relationship or label change), "
    "replayed onto the metadata when the store is opened.",
)

TABLES: list[TableDecl] = [SAVEDQUERY, USERQUERY, CUSTOMIZATION]
