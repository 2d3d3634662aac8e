"""How values show themselves (values layer): notebook HTML of entities, collections, faults and response
lists, and pandas / Arrow frames of a collection.

Nothing here imports another leadsdk module: `types` and `errors` call in and hand over the value classes
(`ValueKinds`), so the values layer has no cycle. pandas and pyarrow load only when a frame is asked for."""

from __future__ import annotations

import html
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from leadsdk.errors import OrganizationServiceFault
    from leadsdk.types import Entity, EntityCollection

__all__ = [
    "ValueKinds", "collection_html", "entity_html", "fault_html", "records_html", "references_html", "to_arrow",
    "to_pandas",
]


class ValueKinds(NamedTuple):
    """The SDK's value classes, as `leadsdk.types` defines them."""

    aliased: type[Any]
    reference: type[Any]
    money: type[Any]
    choice: type[Any]


MAX_ROWS = 50


def _cell(v: Any, kinds: ValueKinds) -> str:
    if isinstance(v, kinds.aliased):
        v = v.value
    if isinstance(v, kinds.reference):
        v = v.name or str(v.id)
    elif isinstance(v, (kinds.choice, kinds.money)):
        v = v.value
    return html.escape("" if v is None else str(v))


def _id_column(e: Entity) -> str:
    """The name of the record's id column: the attribute holding its id, else `<table>id`."""
    for k, v in e.attributes.items():
        if e.id is not None and v == e.id and k.endswith("id"):
            return k
    return f"{e.logical_name}id"


def entity_html(e: Entity, kinds: ValueKinds) -> str:
    """One record: a header row, its id row (titled by the id column), then each column's raw and
    formatted value."""
    id_col = _id_column(e)
    ident = f"<code>{html.escape(str(e.id))}</code>" if e.id else "(new)"
    rows = f"<tr><th style='text-align:left'>{html.escape(id_col)}</th><td>{ident}</td><td></td></tr>" + "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{_cell(v, kinds)}</td>"
        f"<td>{html.escape(e.formatted_values.get(k, ''))}</td></tr>"
        for k, v in e.attributes.items() if k != id_col
    )
    head = "<tr><th>column</th><th>value</th><th>formatted value</th></tr>"
    return f"<div><b>{html.escape(e.logical_name)}</b><table>{head}{rows}</table></div>"


def collection_html(c: EntityCollection, kinds: ValueKinds) -> str:
    cols: list[str] = []
    for e in c.entities[:MAX_ROWS]:
        for k in e.attributes:
            if k not in cols:
                cols.append(k)
    labels = getattr(c, "column_labels", None) or {}
    head = "".join(f"<th title='{html.escape(k)}'>{html.escape(labels.get(k, k))}</th>" for k in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(e.formatted_values.get(k, '')) or _cell(e.get(k), kinds)}</td>"
                         for k in cols)
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


# -- frames ----------------------------------------------------------------------------------------
def _need(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(
            f"This needs the optional package '{module}': pip install 'leadsdk[pandas]'"
        ) from None


def to_pandas(
    collection: EntityCollection,
    kinds: ValueKinds,
    *,
    money: Literal["decimal", "float"] = "decimal",
    labels: bool = True,
    index: bool = True,
) -> Any:
    """A DataFrame with one row per entity and one column per returned column. Records are indexed by
    their id (named after the id column, which is not repeated as a column); aggregate rows, which have
    no id, get a plain 0..n-1 index."""
    pd = _need("pandas")
    AliasedValue, EntityReference, Money, OptionSetValue = kinds

    keys: list[str] = []
    for e in collection.entities:
        for k in e.attributes:
            if k not in keys:
                keys.append(k)
    data: dict[str, Any] = {}
    for k in keys:
        raw = [e.attributes.get(k) for e in collection.entities]
        raw = [v.value if isinstance(v, AliasedValue) else v for v in raw]
        sample = next((v for v in raw if v is not None), None)
        if isinstance(sample, OptionSetValue):
            if labels:
                lab = [e.formatted_values.get(k) if e.attributes.get(k) is not None else None
                       for e in collection.entities]
                data[k] = pd.Categorical(lab)
            else:
                data[k] = pd.array([None if v is None else v.value for v in raw], dtype="Int64")
        elif isinstance(sample, (Money, Decimal)):
            vals = [None if v is None else (v.value if isinstance(v, Money) else v) for v in raw]
            if money == "float":
                data[k] = pd.array([None if v is None else float(v) for v in vals], dtype="Float64")
            else:
                data[k] = pd.Series(vals, dtype="object")
        elif isinstance(sample, EntityReference):
            data[k] = pd.Series([None if v is None else str(v.id) for v in raw], dtype="string")
            data[k + "_name"] = pd.Series(
                [None if v is None else (v.name or e.formatted_values.get(k)) for v, e in
                 zip(raw, collection.entities)], dtype="string")
        elif isinstance(sample, bool):
            data[k] = pd.array(raw, dtype="boolean")
        elif isinstance(sample, int):
            data[k] = pd.array(raw, dtype="Int64")
        elif isinstance(sample, float):
            data[k] = pd.array(raw, dtype="Float64")
        elif isinstance(sample, str):
            data[k] = pd.array(raw, dtype="string")
        elif isinstance(sample, uuid.UUID):
            data[k] = pd.array([None if v is None else str(v) for v in raw], dtype="string")
        elif sample is not None and hasattr(sample, "tzinfo") and hasattr(sample, "hour"):
            data[k] = pd.to_datetime(pd.Series(raw, dtype="object"), utc=True)
        else:
            data[k] = pd.Series(raw, dtype="object")
    ids = [None if e.id is None else str(e.id) for e in collection.entities]
    if index and any(i is not None for i in ids):
        # the id becomes the index, not a column as well
        name = next((k for k in keys if all(e.id is None or e.attributes.get(k) == e.id
                                            for e in collection.entities)), None)
        name = name or f"{collection.entity_name or 'entity'}id"
        data.pop(name, None)
        df = pd.DataFrame(data)
        df.index = pd.Index(ids, name=name)
        return df
    # aggregate rows (and records without ids) get a plain 0..n-1 index
    return pd.DataFrame(data)


def to_arrow(collection: EntityCollection, kinds: ValueKinds, *, money: Literal["decimal", "float"] = "decimal"
             ) -> Any:
    """An Arrow table of the same columns (money as decimal128 unless money="float")."""
    pa = _need("pyarrow")
    df = to_pandas(collection, kinds, money=money, index=False)
    return pa.Table.from_pandas(df, preserve_index=False)
