"""Which columns a Web API request reads (`$select`), as logical names; face layer, Web API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadsdk.entities.model import EntityMetadata
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest

if TYPE_CHECKING:
    from leadsdk.webapi.api import WebApi

__all__ = ["select_columns", "with_version"]


def select_columns(api: WebApi, t: EntityMetadata, req: ApiRequest) -> list[str] | None:
    """`$select` as logical names (`_x_value` means column x); None: all columns."""
    raw = req.query.get("$select")
    if not raw:
        return None
    cols: list[str] = []
    for name in (c.strip() for c in raw.split(",")):
        col = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
        if col not in t.attributes:
            raise ApiError.bad_request(
                f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{t.logical_name}'."
            )
        cols.append(col)
    if t.primary_id_attribute not in cols:
        cols.append(t.primary_id_attribute)
    return cols


def with_version(t: EntityMetadata, cols: list[str]) -> list[str]:
    """The columns to read: the selected ones plus versionnumber, which the ETag needs."""
    return [*cols, "versionnumber"] if "versionnumber" in t.attributes and "versionnumber" not in cols else cols
