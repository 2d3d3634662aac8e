"""The DDL of a store's tables from metadata: columns, the tables and the indexes every table gets
(storage layer; `SqlStorage` and the schema sync of both backends use it)."""

from __future__ import annotations

from collections.abc import Sequence

from leadsdk.entities.model import AttributeMetadata, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.storage.dialect import Dialect

__all__ = ["create_index_sql", "create_table_sql", "ddl_column", "index_sql", "storage_columns"]


def ddl_column(d: Dialect, a: AttributeMetadata) -> str:
    coll = d.text_collation if a.type.is_text else ""
    pk = " PRIMARY KEY NOT NULL" if a.is_primary_id else ""
    return f"{d.quote(a.logical_name)} {d.column_type(a)}{coll}{pk}"


def storage_columns(d: Dialect, t: EntityMetadata) -> list[tuple[str, str]]:
    """(column, DDL) of every storage column of a table, `{lookup}__type` columns included."""
    cols: list[tuple[str, str]] = []
    for a in t.attributes.values():
        cols.append((a.logical_name, ddl_column(d, a)))
        if a.is_polymorphic:
            cols.append((a.type_column, f"{d.quote(a.type_column)} {d.text_type}"))
    return cols


def create_table_sql(d: Dialect, t: EntityMetadata) -> str:
    q = d.quote
    return (f"CREATE TABLE IF NOT EXISTS {q(t.logical_name)} ("
            + ", ".join(c for _, c in storage_columns(d, t)) + ")")


def index_sql(d: Dialect, t: EntityMetadata) -> list[str]:
    """The indexes every table gets: lookups, (statecode, primary id), createdon; unique pair on intersect
    tables."""
    q = d.quote
    name = t.logical_name
    out: list[str] = []
    want: list[tuple[str, ...]] = []
    pk = t.primary_id_attribute
    for a in t.attributes.values():
        if a.is_indexed and not a.is_primary_id:
            if a.logical_name == "statecode" and pk in t.attributes:
                # the common filter (active records) with the order every page is read in (the primary id):
                # a page walks this index in order and stops at its size, instead of sorting every match
                want.append(("statecode", pk))
            else:
                want.append((a.logical_name,))  # as declared in metadata (AttributeMetadata.indexed)
    if t.is_intersect:
        cols = [a.logical_name for a in t.attributes.values() if not a.is_primary_id]
        if len(cols) == 2:  # the pair is unique; the second column is also searched alone
            out.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {q('ux_' + name)} ON {q(name)} "
                       f"({q(cols[0])}, {q(cols[1])})")
            want.append((cols[1],))
    created = t.attributes.get("createdon")
    if created is not None and created.indexed is not False:
        want.append(("createdon",))
    if t.change_tracking_enabled and "versionnumber" in t.attributes:
        want.append(("versionnumber",))  # RetrieveEntityChanges reads rows newer than a token by this index
    for k in t.keys:  # alternate keys (leadsdk.keys)
        out.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {q(k.index_name)} ON {q(name)} ("
                   + ", ".join(q(c) for c in k.key_attributes) + ")")
    for cols_ in want:
        idx = "ix_" + name + "_" + "_".join(cols_)
        sql = f"CREATE INDEX IF NOT EXISTS {q(idx)} ON {q(name)} (" + ", ".join(q(c) for c in cols_) + ")"
        col = t.attributes.get(cols_[0])
        if len(cols_) == 1 and col is not None and col.type.is_lookup:
            # lookups are mostly empty on most rows: no index entry for an empty one (every insert would
            # write one per lookup). `col = ?`, IN and join conditions imply `IS NOT NULL`, so both
            # SQLite and PostgreSQL still use the index for them; `IS NULL` never used it to good effect.
            sql += f" WHERE {q(cols_[0])} IS NOT NULL"
        out.append(sql)
    return out


def create_index_sql(d: Dialect, table: EntityMetadata, columns: Sequence[str], unique: bool = False,
                 name: str | None = None) -> str:
    q = d.quote
    for c in columns:
        if c not in table.attributes and not c.endswith("__type"):
            raise OrganizationServiceFault(ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
                                           f"'{table.logical_name}' has no column '{c}' to index.")
    idx = name or ("ux_" if unique else "ix_") + table.logical_name + "_" + "_".join(columns)
    return (f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {q(idx)} ON {q(table.logical_name)} ("
            + ", ".join(q(c) for c in columns) + ")")
