"""Keyset paging: a page's order keys, the paging cookie's WHERE predicate, and `make_cookie`.

Storage layer, a layer of the query compiler (`QueryCompiler.compile`); `make_cookie` is called by
the backends (`sqlbase`) to write the cookie of a page they returned.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.errors import ErrorCodes
from leadsdk.storage.compiler_base import OutputColumn, _fault, coerce_value
from leadsdk.storage.compiler_order import OrderCompiler
from leadsdk.storage.sqllinks import Source as _Source

__all__ = ["PagingCompiler", "make_cookie"]

UTC = dt.timezone.utc


class PagingCompiler(OrderCompiler):
    """Keyset paging: the order keys of a page and the paging cookie's WHERE predicate."""
    # paging cookie ------------------------------------------------------------------
    def _order_key_of(self, root: _Source, s: _Source, a: AttributeMetadata) -> tuple[str, str]:
        """(cookie tag, row key) of an order column."""
        if s is root:
            return a.logical_name, a.logical_name
        return f"{s.alias}__{a.logical_name}", f"{s.alias}.{a.logical_name}"

    def _add_hidden_order_outputs(self, root: _Source) -> None:
        keys = {o.key for o in self.outputs}
        self.hidden_keys: dict[int, str] = {}
        for i, (s, a, _desc) in enumerate(self.order_cols):
            _tag, key = self._order_key_of(root, s, a)
            if key not in keys:
                hk = f"__ord{i}"
                self.selects.append(self.col(s, a.logical_name))
                self.outputs.append(OutputColumn(hk, a.type, s.table.logical_name, a.logical_name))
                self.hidden_keys[i] = hk

    def _order_keys(self, root: _Source) -> list[tuple[str, str, bool, AttributeType]]:
        hidden = getattr(self, "hidden_keys", {})
        out = []
        for i, (s, a, desc) in enumerate(self.order_cols):
            tag, key = self._order_key_of(root, s, a)
            out.append((tag, hidden.get(i, key), desc, a.type))
        return out

    def _cookie_predicate(self, cookie: str) -> tuple[str, list[Any]]:
        try:
            cookie_el = ElementTree.fromstring(cookie)
            lasts = {el.tag: el.attrib.get("last") for el in cookie_el}
        except ElementTree.ParseError:
            raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE, "The paging cookie is not valid.") from None
        keys = []
        root = next(iter(self.sources.values()))
        for s, a, desc in self.order_cols:
            tag, _key = self._order_key_of(root, s, a)
            if tag not in lasts:
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE,
                             "The paging cookie does not belong to this query's order.")
            raw = lasts[tag]
            try:
                v = None if raw is None or raw == "" else coerce_value(a, html.unescape(raw))
            except (ValueError, ArithmeticError):
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_PAGING_COOKIE,
                             "The paging cookie is not valid.") from None
            keys.append((s, a, desc, v))
        ors: list[str] = []
        params: list[Any] = []
        for k, (s, a, desc, v) in enumerate(keys):
            after = self._after(s, a, desc, v)
            if after is None:
                continue
            parts: list[str] = []
            for s2, a2, _d2, v2 in keys[:k]:
                eq_sql, eq_params = self._equal(s2, a2, v2)
                parts.append(eq_sql)
                params.extend(eq_params)
            parts.append(after[0])
            params.extend(after[1])
            ors.append("(" + " AND ".join(parts) + ")")
        if not ors:
            return self.d.false() + " = " + self.d.true(), []
        return "(" + " OR ".join(ors) + ")", params

    def _key_expr(self, s: _Source, a: AttributeMetadata) -> tuple[str, str]:
        col = self.col(s, a.logical_name)
        if a.type.is_text:
            return self.d.text_order(col), self.d.text_key_param()
        return self.d.numeric(col, a.type), self.d.placeholder

    def _key_param(self, a: AttributeMetadata, v: Any) -> Any:
        return v if a.type.is_text else self.d.encode(a.type, v)

    def _after(self, s: _Source, a: AttributeMetadata, desc: bool, v: Any) -> tuple[str, list[Any]] | None:
        col = self.col(s, a.logical_name)
        if v is None:
            return None if desc else (f"{col} IS NOT NULL", [])
        expr, ph = self._key_expr(s, a)
        sql = f"{expr} {'<' if desc else '>'} {ph}"
        if desc:
            sql = f"({sql} OR {col} IS NULL)"
        return sql, [self._key_param(a, v)]

    def _equal(self, s: _Source, a: AttributeMetadata, v: Any) -> tuple[str, list[Any]]:
        col = self.col(s, a.logical_name)
        if v is None:
            return f"{col} IS NULL", []
        expr, ph = self._key_expr(s, a)
        return f"{expr} = {ph}", [self._key_param(a, v)]


def make_cookie(page: int, order_keys: Sequence[tuple[str, str, bool, AttributeType]],
                last_row: dict[str, Any], first_row: dict[str, Any] | None = None) -> str:
    """Dataverse-style paging cookie: `<cookie page="2"><leadid last="..." first="..."/></cookie>`."""
    parts = [f'<cookie page="{page}">']
    for tag, key, _desc, t in order_keys:
        v = last_row.get(key)
        attr = f' last="{html.escape("" if v is None else _cookie_text(t, v), quote=True)}"'
        if first_row is not None:
            fv = first_row.get(key)
            attr += f' first="{html.escape("" if fv is None else _cookie_text(t, fv), quote=True)}"'
        parts.append(f"<{tag}{attr} />")
    parts.append("</cookie>")
    return "".join(parts)


def _cookie_text(t: AttributeType, v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.astimezone(UTC).isoformat()
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)
