"""Stored values back to SDK values (metadata layer; the reading half of the value codec in convert.py):
typed values, formatted values, and the per-query EntityBuilder that turns rows into Entities."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from leadsdk.entities.convert import NO_KEYS, PLAIN, ROW_VERSION_KEY, A, Convert, Format
from leadsdk.entities.model import AttributeMetadata, EntityMetadata
from leadsdk.types import AliasedValue, Entity, EntityReference, Money, OptionSetValue

__all__ = ["EntityBuilder", "format_value", "new_entities", "row_to_entity", "typed_value"]


def typed_value(a: AttributeMetadata, value: Any, target: str | None = None, name: str | None = None) -> Any:
    """A stored value as the SDK returns it: OptionSetValue, Money, EntityReference, ..."""
    if value is None:
        return None
    ty = a.type
    if ty.is_choice:
        return OptionSetValue(value)
    if ty is A.MONEY:
        return Money(value)
    if ty.is_lookup:
        logical = target or (a.targets[0] if a.targets else "")
        return EntityReference(logical, value, name)
    return value


def format_value(a: AttributeMetadata, value: Any, currency_symbol: str = "$") -> str | None:
    """The formatted value Dataverse returns beside a raw one (labels, amounts, dates, names)."""
    if value is None:
        return None
    ty = a.type
    if ty.is_choice or ty is A.BOOLEAN:
        if a.option_set is None:
            return None
        return a.option_set.label(int(value))
    if ty is A.MONEY:
        d = Decimal(value)
        sign = "-" if d < 0 else ""
        return f"{sign}{currency_symbol}{abs(d):,.2f}"
    if ty is A.DECIMAL:
        return f"{Decimal(value):,.{a.precision or 0}f}"
    if ty is A.DOUBLE:
        return f"{float(value):,.{a.precision or 0}f}"
    if ty in (A.INTEGER, A.BIGINT):
        return f"{int(value):,}"
    if ty is A.DATETIME:
        v: dt.datetime = value
        return v.strftime("%m/%d/%Y %I:%M %p").lstrip("0").replace("/0", "/").replace(" 0", " ")
    if ty is A.DATE:
        d_: dt.date = value
        return f"{d_.month}/{d_.day}/{d_.year}"
    return None


def row_to_entity(
    tables: Mapping[str, EntityMetadata],
    entity_name: str,
    row: Mapping[str, Any],
    columns: Iterable[tuple[str, str, str, bool]],
    currency_symbol: str = "$",
    aliases: Mapping[str, str] | None = None,
) -> Entity:
    """Build the Entity Dataverse returns for a stored row: null columns left out, typed values,
    formatted values, linked columns as AliasedValue under "alias.column"."""
    root = tables[entity_name]
    e = Entity(entity_name)
    attrs_ = e.attributes
    fv = e.formatted_values
    for key, table_name, column, raw in columns:
        if key.endswith("@name") or key.endswith("@type"):
            continue
        value = row.get(key)
        if value is None:
            continue
        t = tables.get(table_name)
        a = t.attributes.get(column) if t is not None else None
        if a is None or raw:
            attrs_[key] = AliasedValue(table_name, column, value)
            continue
        is_aliased = "." in key or (table_name != entity_name) or key != column
        if a.type.is_lookup:
            name = row.get(key + "@name")
            target = row.get(key + "@type") if a.is_polymorphic else None
            typed = typed_value(a, value, target, name)
            if name is not None:
                fv[key] = name
        else:
            typed = typed_value(a, value)
            f = format_value(a, value, currency_symbol)
            if f is not None:
                fv[key] = f
        attrs_[key] = AliasedValue(table_name, column, typed) if is_aliased else typed
    pk = root.primary_id_attribute
    idv = row.get(pk)
    if isinstance(idv, uuid.UUID):
        e.id = idv
    ver = row.get("versionnumber")
    if ver is not None:
        e.row_version = str(ver)
    return e


def _new_entity(logical_name: str, id_: uuid.UUID | None, attributes: dict[str, Any],
                formatted: dict[str, str]) -> Entity:
    """An Entity without the argument checks of `Entity.__init__` (values come from the store)."""
    e = Entity.__new__(Entity)
    e.logical_name = logical_name
    e._id = id_
    e.attributes = attributes
    e._formatted = formatted
    e._pending = None
    e.key_attributes = {}
    e._row_version = None
    e.related_entities = {}
    return e


def new_entities(logical_name: str, attributes: Iterable[dict[str, Any]]) -> list[Entity]:
    """New Entities of a table (no id), one per attributes dict (taken, not copied): what
    `Entity(logical_name, attributes=a)` gives for each, without its argument handling per record
    (`_new_entity`; a CSV import's chunks of 2,000 rows)."""
    return [_new_entity(logical_name, None, a, {}) for a in attributes]


_money_value = Money.__dict__["value"].__set__
_new_money = Money.__new__
_av_table = AliasedValue.__dict__["entity_logical_name"].__set__
_av_column = AliasedValue.__dict__["attribute_logical_name"].__set__
_av_value = AliasedValue.__dict__["value"].__set__
_new_av = AliasedValue.__new__
"""Slot setters of the frozen value types: a value read from the store is built without attrs' __init__
and its frozen __setattr__ (half the cost of each Money and AliasedValue of a 5,000-row page)."""


def _money(v: Any) -> Money:
    m = _new_money(Money)
    _money_value(m, v)  # a stored amount is already a Decimal
    return m


_new_ref = EntityReference.__new__
_ref_table = EntityReference.__dict__["logical_name"].__set__
_ref_id = EntityReference.__dict__["id"].__set__
_ref_name = EntityReference.__dict__["name"].__set__
_ref_keys = EntityReference.__dict__["key_attributes"].__set__


def _reference(logical_name: str, id_: uuid.UUID, name: str | None) -> EntityReference:
    r = _new_ref(EntityReference)
    _ref_table(r, logical_name)
    _ref_id(r, id_)
    _ref_name(r, name)
    _ref_keys(r, NO_KEYS)
    return r


def _money_conv(v: Any, row: Mapping[str, Any]) -> Money:
    return _money(v) if v.__class__ is Decimal else Money(v)


def _builder_function(plan: Sequence[tuple[str, Convert | None, tuple[str, str] | None]], entity_name: str,
                      pk: str, formatter: Callable[[Mapping[str, Any], dict[str, str]], None] | None
                      ) -> Callable[[Mapping[str, Any]], Entity]:
    """row -> the Entity, as one straight-line function made for the plan.

    Building Entities is the per-row cost of every query (5,000 rows a page, dozens of columns), so
    the loop over the plan is unrolled once per query shape, as attrs and dataclasses generate their
    methods: each column becomes a lookup, a None test and its conversion inlined (no call for plain
    values, choices seen before, amounts or aliased values), then the Entity's slots are set in the
    same function (what `_new_entity` does, with the row's id, row version, and the row and `formatter`
    its formatted values are made from when first read)."""
    ns: dict[str, Any] = {
        "_Money": Money, "_Decimal": Decimal, "_new_money": _new_money, "_money_value": _money_value,
        "_AliasedValue": AliasedValue, "_new_av": _new_av, "_av_table": _av_table, "_av_column": _av_column,
        "_av_value": _av_value, "_Entity": Entity, "_new_entity": Entity.__new__, "_UUID": uuid.UUID,
        "_formatter": formatter, "_name": entity_name}
    lines = ["def build(row):", "    get = row.get", "    a = {}"]
    for i, (key, conv, aliased) in enumerate(plan):
        k = repr(key)
        lines.append(f"    v = get({k})")
        lines.append("    if v is not None:")
        if conv is None:
            value = "v"
        elif conv is _money_conv:
            lines.append("        if v.__class__ is _Decimal:")
            lines.append("            m = _new_money(_Money)")
            lines.append("            _money_value(m, v)")
            lines.append("            v = m")
            lines.append("        else:")
            lines.append("            v = _Money(v)")
            value = "v"
        elif conv.__class__ is _Choices:
            ns[f"c{i}"] = conv
            lines.append(f"        o = c{i}.get(v)")
            value = f"(o if o is not None else c{i}(v, row))"
        else:
            ns[f"c{i}"] = conv
            value = f"c{i}(v, row)"
        if aliased is not None:
            ns[f"t{i}"], ns[f"n{i}"] = aliased
            lines.append("        al = _new_av(_AliasedValue)")
            lines.append(f"        _av_table(al, t{i})")
            lines.append(f"        _av_column(al, n{i})")
            lines.append(f"        _av_value(al, {value})")
            value = "al"
        lines.append(f"        a[{k}] = {value}")
    lines += [
        "    e = _new_entity(_Entity)",
        "    e.logical_name = _name",
        f"    idv = get({pk!r})",
        "    e._id = idv if idv.__class__ is _UUID else None",
        "    e.attributes = a",
        "    e._formatted = {}",
        *(["    e._pending = None"] if formatter is None else
          ["    e._pending = row", "    e._formatter = _formatter"]),
        "    ver = get('versionnumber')",  # read for Entity.row_version even when not a requested column
        f"    if ver is None: ver = get({ROW_VERSION_KEY!r})",
        "    e._row_version = ver if ver is None or ver.__class__ is int else f'{ver}'",  # (int: text when read)
        "    return e",
    ]
    exec("\n".join(lines), ns)  # the source above holds only repr() of keys and names bound in ns
    fn: Callable[[Mapping[str, Any]], Entity] = ns["build"]
    return fn


class _Choices(dict[Any, OptionSetValue]):
    """A choice column's OptionSetValue per stored value, one shared instance each (it is immutable)."""

    def __call__(self, v: Any, row: Mapping[str, Any]) -> OptionSetValue:
        o = self.get(v)
        if o is None:
            o = self[v] = OptionSetValue(v)
        return o


class EntityBuilder:
    """Builds the Entities of one query's rows, as `row_to_entity` does, from a plan made once.

    The plan resolves each output column's metadata, typed-value conversion and formatter up front,
    so a row costs a few dict operations per column instead of metadata lookups and type branching.
    Formatted values are computed from the row when the Entity's `formatted_values` is first read.
    """

    def __init__(self, tables: Mapping[str, EntityMetadata], entity_name: str,
                 columns: Iterable[tuple[str, str, str, bool]], currency_symbol: str = "$") -> None:
        self.entity_name = entity_name
        self.pk = tables[entity_name].primary_id_attribute
        self.plan: list[tuple[str, Convert | None, tuple[str, str] | None]] = []
        self.formats: list[tuple[str, Format | None, str | None]] = []
        """(key, formatter of the value, or the row key holding a lookup's name)."""
        self.lookups: dict[str, tuple[str, str | None, str]] = {}
        """key -> (the row key of its name, of its table (polymorphic) or None, the default table)."""
        self._pages: dict[tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...]],
                          tuple[Callable[..., Any] | None, bool]] = {}
        """(`make`, whether the function it makes keeps nothing of its page) per page shape."""
        self._last_page: tuple[Any, Any, tuple[bool, ...], Any, Callable[..., Entity] | None,
                               Callable[..., Any] | None, list[Any]] | None = None
        for key, table_name, column, raw in columns:
            if key.endswith("@name") or key.endswith("@type"):
                continue
            t = tables.get(table_name)
            a = t.attributes.get(column) if t is not None else None
            if a is None or raw:
                self.plan.append((key, PLAIN, (table_name, column)))
                continue
            aliased = "." in key or table_name != entity_name or key != column
            conv, fmt = self._converter(a, key, currency_symbol)
            if a.type.is_lookup:
                self.lookups[key] = (key + "@name", key + "@type" if a.is_polymorphic else None,
                                     a.targets[0] if a.targets else "")
            self.plan.append((key, conv, (table_name, column) if aliased else None))
            if a.type.is_lookup:
                self.formats.append((key, None, key + "@name"))
            elif fmt is not None:
                self.formats.append((key, fmt, None))
        self.build: Callable[[Mapping[str, Any]], Entity] = _builder_function(
            self.plan, entity_name, self.pk, self.format_into if self.formats else None)
        """row -> Entity (what calling the builder does, without the extra call: pages of rows map it)."""

    @staticmethod
    def _converter(a: AttributeMetadata, key: str, sym: str) -> tuple[Convert | None, Format | None]:
        ty = a.type
        if ty.is_lookup:
            name_key = key + "@name"
            if a.is_polymorphic:
                type_key = key + "@type"
                default = a.targets[0] if a.targets else ""

                def poly(v: Any, row: Mapping[str, Any]) -> Any:
                    return _reference(row.get(type_key) or default, v, row.get(name_key))
                return poly, None
            target = a.targets[0] if a.targets else ""

            def lookup(v: Any, row: Mapping[str, Any]) -> Any:
                return _reference(target, v, row.get(name_key))
            return lookup, None
        if ty.is_choice:
            labels = {o.value: o.label for o in a.option_set.options} if a.option_set is not None else {}
            return _Choices(), labels.get
        if ty is A.BOOLEAN:
            if a.option_set is None:
                return PLAIN, None
            labels_b = {bool(o.value): o.label for o in a.option_set.options}
            return PLAIN, labels_b.get
        if ty is A.MONEY:
            def money_text(v: Any) -> str | None:
                return f"{'-' if v < 0 else ''}{sym}{abs(v):,.2f}"
            return _money_conv, money_text
        if ty in (A.STRING, A.MEMO, A.UNIQUEIDENTIFIER, A.FILE, A.IMAGE):
            return PLAIN, None
        return PLAIN, (lambda v: format_value(a, v, sym))

    def format_into(self, row: Mapping[str, Any], formatted: dict[str, str],
                    keys: Collection[str] | None = None) -> None:
        """The formatted values of a row (what `formatted_values` shows), in column order; of `keys` alone
        when given (`types.formatted_values_of`)."""
        get = row.get
        for key, fmt, name_key in self.formats:
            if keys is not None and key not in keys:
                continue
            v = get(key)
            if v is None:
                continue
            f = get(name_key) if name_key is not None else fmt(v) if fmt is not None else None
            if f is not None:
                formatted[key] = f

    def __call__(self, row: Mapping[str, Any]) -> Entity:
        return self.build(row)

    def for_page(self, keys: tuple[str, ...], decoders: tuple[Callable[[Any], Any] | None, ...],
                 rows_function: Callable[..., Any], pre: tuple[bool, ...] = ()
                 ) -> Callable[..., Entity] | None:
        """stored tuple -> Entity for one page (`page_function` bound to the page's decoders; None where it
        gives None). The last page's shape is remembered by identity: a backend that hands the same keys
        and decoders tuples for a statement run again (`select_shaped`) does not pay for hashing a shape
        of ~130 columns per page of one row (RetrieveDuplicates).
        `pre[i]`: position i's values come decoded, a column at a time, as the function's next argument
        after the tuple (`build(tuple, *columns' values)`; see records.read.page_entities)."""
        last = self._last_page
        if last is not None and last[0] is keys and last[1] is decoders and last[2] == pre and \
                last[3] is rows_function:
            if last[4] is not None:
                return last[4]
            make, args = last[5], last[6]
        else:
            shape = (keys, tuple(d is not None for d in decoders), pre)
            if shape not in self._pages:
                self._pages[shape] = _page_function(self, *shape)
            make, reusable = self._pages[shape]
            args = [d for d in decoders if d is not None]
            # a function that keeps nothing of its page (no AliasedValue shared within the page) serves the
            # next page of the same statement too: a one-row page (a probe) does not pay for making it anew
            one: Callable[..., Entity] | None = None if make is None or not reusable else \
                make(rows_function, *args)
            self._last_page = (keys, decoders, pre, rows_function, one, make, args)  # holds them: ids stay theirs
            if one is not None:
                return one
        built: Callable[..., Entity] | None = None if make is None else make(rows_function, *args)
        return built

    def page_function(self, keys: tuple[str, ...], decoded: tuple[bool, ...], pre: tuple[bool, ...] = ()
                      ) -> Callable[..., Any] | None:
        """For a page of stored tuples (`keys[i]` at position i, `decoded[i]`: the value needs a decoder):
        `make(rows_function, *decoders) -> build(tuple) -> Entity`, the Entity `build` gives for the row
        `rows_function` would make of the tuple, without that dict; None when the plan has a conversion it
        does not know. Made once per (keys, decoded)."""
        shape = (keys, decoded, pre)
        if shape not in self._pages:
            self._pages[shape] = _page_function(self, keys, decoded, pre)
        return self._pages[shape][0]


_WIDE = 32
"""Past this many columns a page function inserts the non-null values one by one instead of writing every
value in one dict display and deleting the nulls (for a lead's 129 outputs, ~80 of them null)."""


def _page_function(b: EntityBuilder, keys: tuple[str, ...], decoded: tuple[bool, ...],
                   columns: tuple[bool, ...] = ()) -> tuple[Callable[..., Any] | None, bool]:
    """EntityBuilder.page_function's generated `make`: the conversions `_builder_function` writes, reading
    the tuple by unpacking it, each decoded value decoded once (or taken from the argument of its column
    decoded beforehand, `columns`), the attributes as one dict display with the null columns deleted after
    (same keys, same order as `build` gives)."""
    pos = {k: i for i, k in enumerate(keys)}
    ns: dict[str, Any] = {
        "_Money": Money, "_Decimal": Decimal, "_new_money": _new_money, "_money_value": _money_value,
        "_AliasedValue": AliasedValue, "_new_av": _new_av, "_av_table": _av_table, "_av_column": _av_column,
        "_av_value": _av_value, "_Entity": Entity, "_new_entity": Entity.__new__, "_UUID": uuid.UUID,
        "_new_ref": _new_ref, "_EntityReference": EntityReference, "_ref_table": _ref_table, "_ref_id": _ref_id,
        "_ref_name": _ref_name, "_ref_keys": _ref_keys, "_NO_KEYS": NO_KEYS, "_name": b.entity_name,
        "_format_into": b.format_into if b.formats else None}
    given = {i for i, p in enumerate(columns) if p}  # (never None: a column form declines a column with nulls)
    params = [f"d{i}" for i, d in enumerate(decoded) if d]
    body = [f"        {''.join('_, ' if i in given else f'x{i}, ' for i in range(len(keys)))}= r"]
    body += [f"        if x{i} is not None: x{i} = d{i}(x{i})" for i, d in enumerate(decoded) if d and i not in given]
    items: list[tuple[str, str, str | None]] = []  # (key, value, the variable that is None for a null)
    inline: list[tuple[str, list[str], str, str | None]] = []  # (key, lines making the value, value, variable)
    shared: list[str] = []

    def at(key: str) -> str:
        i = pos.get(key)
        return "None" if i is None else f"x{i}"

    for j, (key, conv, aliased) in enumerate(b.plan):
        v = at(key)
        if v == "None":
            continue
        lk = b.lookups.get(key)
        pre: list[str] = []
        if lk is not None:
            name_key, type_key, default = lk
            ns[f"g{j}"] = default
            table = f"g{j}" if type_key is None else f"({at(type_key)} or g{j})"
            pre = [f"y{j} = _new_ref(_EntityReference)", f"_ref_table(y{j}, {table})", f"_ref_id(y{j}, {v})",
                   f"_ref_name(y{j}, {at(name_key)})", f"_ref_keys(y{j}, _NO_KEYS)"]
            value = f"y{j}"
        elif conv is None:
            value = v
        elif conv is _money_conv:
            pre = [f"if {v}.__class__ is _Decimal:", f"    y{j} = _new_money(_Money)", f"    _money_value(y{j}, {v})",
                   "else:", f"    y{j} = _Money({v})"]
            value = f"y{j}"
        elif conv.__class__ is _Choices:
            ns[f"c{j}"] = conv
            pre = [f"y{j} = c{j}.get({v})", f"if y{j} is None: y{j} = c{j}({v}, None)"]
            value = f"y{j}"
        else:
            return None, False
        if aliased is not None and not pre and value == v:  # a linked column's text: one AliasedValue a page
            ns[f"t{j}"], ns[f"n{j}"] = aliased
            shared.append(f"s{j}")
            pre = [f"al = s{j}.get({v}) if {v}.__class__ is str else None", "if al is None:",
                   "    al = _new_av(_AliasedValue)", f"    _av_table(al, t{j})", f"    _av_column(al, n{j})",
                   f"    _av_value(al, {v})", f"    if {v}.__class__ is str: s{j}[{v}] = al"]
            value = "al"
        elif aliased is not None:
            ns[f"t{j}"], ns[f"n{j}"] = aliased
            pre += ["al = _new_av(_AliasedValue)", f"_av_table(al, t{j})", f"_av_column(al, n{j})",
                    f"_av_value(al, {value})"]
            value = "al"
        inline.append((repr(key), pre, value, None if pos[key] in given else v))
    if len(inline) <= _WIDE:
        for k, pre, value, null in inline:
            j = len(items)
            if null is None:  # (a column decoded beforehand: never null), its value kept apart: the next linked
                body += [f"        {line}" for line in pre]  # column's lines reuse `al`
                if pre:
                    body.append(f"        z{j} = {value}")
                    value = f"z{j}"
            elif pre or value != null:
                body += [f"        if {null} is None:", f"            z{j} = None", "        else:",
                         *[f"            {line}" for line in pre], f"            z{j} = {value}"]
                value = f"z{j}"
            items.append((k, value, null))
        body.append(f"        a = {{{', '.join(f'{k}: {value}' for k, value, _ in items)}}}")
        body += [f"        if {v} is None: del a[{k}]" for k, _, v in items if v is not None]
    else:  # a wide row (all columns) is mostly nulls: insert the values there are, in the same order, each
        body.append("        a = {}")  # made where it is inserted (a null costs one test)
        for k, pre, value, null in inline:
            if null is None:
                body += [f"        {line}" for line in pre] + [f"        a[{k}] = {value}"]
            elif pre:
                body += [f"        if {null} is not None:", *[f"            {line}" for line in pre],
                         f"            a[{k}] = {value}"]
            else:
                body.append(f"        if {null} is not None: a[{k}] = {value}")
    idv, ver, hidden_ver = at(b.pk), at("versionnumber"), at(ROW_VERSION_KEY)
    lines = ["def make(rows_function, " + "".join(f"{p}, " for p in params) + "):",
             "    decs = (" + "".join(f"{p}, " for p in params) + ")",
             *[f"    {name} = {{}}" for name in shared],
             *(["    def fmt(r, formatted, keys):",
                "        _format_into(rows_function((r,), *decs)[0], formatted, keys)"] if b.formats else []),
             "    def build(r" + "".join(f", x{i}" for i in sorted(given)) + "):"]
    lines += body
    lines += [
        "        e = _new_entity(_Entity)",
        "        e.logical_name = _name",
        f"        e._id = {idv}" if pos.get(b.pk) in given else  # (UUIDs: the id decoder's column form)
        f"        e._id = {idv} if {idv}.__class__ is _UUID else None",
        "        e.attributes = a",
        "        e._pending = r" if b.formats else "        e._pending = None",  # (`formatted_values`)
        *(["        e._formatter = fmt"] if b.formats else []),
        f"        ver = {ver}" if hidden_ver == "None" else f"        ver = {hidden_ver}" if ver == "None" else
        f"        ver = {ver}\n        if ver is None: ver = {hidden_ver}",
        "        e._row_version = ver if ver.__class__ is int or ver is None else f'{ver}'",  # Entity.row_version
        "        return e",
        "    return build",
    ]
    exec("\n".join(lines), ns)  # the source holds only repr() of keys and numbered names bound in ns
    make: Callable[..., Any] = ns["make"]
    return make, not shared
