"""HTML for notebooks: `_repr_html_` of entities, collections and faults (escaped, row-capped)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadsdk.errors import OrganizationServiceFault
    from leadsdk.types import Entity, EntityCollection

__all__ = ["collection_html", "entity_html", "fault_html", "records_html", "references_html"]

MAX_ROWS = 50


def _cell(v: Any) -> str:
    from leadsdk.types import AliasedValue, EntityReference, Money, OptionSetValue

    if isinstance(v, AliasedValue):
        v = v.value
    if isinstance(v, EntityReference):
        v = v.name or str(v.id)
    elif isinstance(v, (OptionSetValue, Money)):
        v = v.value
    return html.escape("" if v is None else str(v))


def _id_column(e: Entity) -> str:
    """The name of the record's id column: the attribute holding its id, else `<table>id`."""
    for k, v in e.attributes.items():
        if e.id is not None and v == e.id and k.endswith("id"):
            return k
    return f"{e.logical_name}id"


def entity_html(e: Entity) -> str:
    """One record: a header row, its id row (titled by the id column), then each column's raw and
    formatted value."""
    id_col = _id_column(e)
    ident = f"<code>{html.escape(str(e.id))}</code>" if e.id else "(new)"
    rows = f"<tr><th style='text-align:left'>{html.escape(id_col)}</th><td>{ident}</td><td></td></tr>" + "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{_cell(v)}</td>"
        f"<td>{html.escape(e.formatted_values.get(k, ''))}</td></tr>"
        for k, v in e.attributes.items() if k != id_col
    )
    head = "<tr><th>column</th><th>value</th><th>formatted value</th></tr>"
    return f"<div><b>{html.escape(e.logical_name)}</b><table>{head}{rows}</table></div>"


def collection_html(c: EntityCollection) -> str:
    cols: list[str] = []
    for e in c.entities[:MAX_ROWS]:
        for k in e.attributes:
            if k not in cols:
                cols.append(k)
    labels = getattr(c, "column_labels", None) or {}
    head = "".join(f"<th title='{html.escape(k)}'>{html.escape(labels.get(k, k))}</th>" for k in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(e.formatted_values.get(k, '')) or _cell(e.get(k))}</td>" for k in cols)
        + "</tr>"
        for e in c.entities[:MAX_ROWS]
    )
    more = f"<p>{len(c.entities) - MAX_ROWS} more rows not shown</p>" if len(c.entities) > MAX_ROWS else ""
    name = html.escape(c.entity_name or "")
    return f"<div><b>{name}</b>: {len(c.entities)} rows<table><tr>{head}</tr>{body}</table>{more}</div>"


def fault_html(f: OrganizationServiceFault) -> str:
    name = html.escape(f.error_name or f.hex_code)
    return (f"<div style='color:#a00'><b>OrganizationServiceFault</b> {name} ({f.error_code})<br>"
            f"{html.escape(f.message)}</div>")


def references_html(title: str, refs: Any) -> str:
    """A titled list of record references (QualifyLead's created records, duplicates found, ...)."""
    rows = "".join(
        f"<tr><td>{html.escape(r.logical_name)}</td><td>{html.escape(r.name or '')}</td>"
        f"<td><code>{html.escape(str(r.id))}</code></td></tr>" for r in refs)
    head = "<tr><th>table</th><th>name</th><th>id</th></tr>"
    return f"<div><b>{html.escape(title)}</b><table>{head}{rows}</table></div>"


def records_html(title: str, columns: list[str], rows: list[list[Any]]) -> str:
    """A titled table of plain values (duplicate matches, score factors)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in rows[:MAX_ROWS])
    return f"<div><b>{html.escape(title)}</b><table><tr>{head}</tr>{body}</table></div>"
