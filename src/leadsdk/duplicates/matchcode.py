"""Match codes of Dataverse duplicate detection rules.

A published rule gives every record of its matching table a *match code*: the rule's conditions
(ANDed) applied to the record's values, joined and hashed. A record of the base table is a duplicate
when its own code (computed from the base columns) equals a stored one, so a check is one indexed
lookup. Blank values follow Dataverse: with `ignoreblankvalues` a blank never matches (the record
gets no code); without it blanks count as equal, except that a rule with a single condition always
ignores blanks (the documented quirk). A record whose every condition value is blank gets no code.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from itertools import compress
from operator import methodcaller
from typing import Any

import attrs

from leadsdk.entities.model import AttributeMetadata
from leadsdk.types import EntityReference, Money, OptionSetValue

__all__ = ["BLANK", "DuplicateRuleOperator", "Rule", "RuleCondition", "match_code", "match_coder", "match_column_coder",
           "normalise_value"]

BLANK = "\x00"
"""The part a blank value contributes to a code when blanks count as equal."""

_SEP = "\x1f"
UTC = dt.timezone.utc


class DuplicateRuleOperator(enum.IntEnum):
    """`duplicaterulecondition.operatorcode` (Dataverse values)."""

    EXACT_MATCH = 0
    SAME_FIRST_CHARACTERS = 1
    SAME_LAST_CHARACTERS = 2
    SAME_DATE = 3
    SAME_DATE_AND_TIME = 4
    EXACT_MATCH_PICK_LIST_LABEL = 5
    EXACT_MATCH_PICK_LIST_VALUE = 6


@attrs.frozen
class RuleCondition:
    """One condition: base column vs matching column under an operator."""

    base_attribute: str
    matching_attribute: str
    operator: DuplicateRuleOperator = DuplicateRuleOperator.EXACT_MATCH
    param: int | None = None
    ignore_blank_values: bool = False


@attrs.frozen
class Rule:
    """A published duplicate detection rule, as the engine sees it."""

    id: uuid.UUID
    name: str
    base_entity: str
    matching_entity: str
    conditions: tuple[RuleCondition, ...]
    case_sensitive: bool = False
    exclude_inactive: bool = False

    def ignores_blanks(self, c: RuleCondition) -> bool:
        """Dataverse treats ignoreblankvalues=false as true when the rule has a single condition."""
        return c.ignore_blank_values or len(self.conditions) == 1

    def columns(self, side: str) -> list[str]:
        """The columns the rule reads on the 'base' or 'matching' side."""
        return [c.base_attribute if side == "base" else c.matching_attribute for c in self.conditions]


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _text(value: Any) -> str:
    """A canonical text form of any column value (lookups by id, choices by value)."""
    if isinstance(value, EntityReference):
        return str(value.id)
    if isinstance(value, OptionSetValue):
        return str(value.value)
    if isinstance(value, Money):
        value = value.value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, (dt.datetime, dt.date)):
        when = _as_datetime(value)
        return when.isoformat() if when is not None else str(value)
    return str(value).strip()


def normalise_value(value: Any, condition: RuleCondition, *, case_sensitive: bool = False,
                    attribute: AttributeMetadata | None = None) -> str | None:
    """The part one value contributes to a code under the condition's operator; None when blank."""
    if _is_blank(value):
        return None
    op = condition.operator
    if op in (DuplicateRuleOperator.SAME_DATE, DuplicateRuleOperator.SAME_DATE_AND_TIME):
        d = _as_datetime(value)
        if d is None:
            return _text(value)
        if op is DuplicateRuleOperator.SAME_DATE:
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value.isoformat()
            return d.date().isoformat()
        return d.replace(second=0, microsecond=0).isoformat()
    if op is DuplicateRuleOperator.EXACT_MATCH_PICK_LIST_VALUE:
        v = value.value if isinstance(value, OptionSetValue) else value
        return str(int(v)) if isinstance(v, (int, bool)) else _text(v)
    if op is DuplicateRuleOperator.EXACT_MATCH_PICK_LIST_LABEL:
        v = value.value if isinstance(value, OptionSetValue) else value
        label: str | None = None
        if attribute is not None and attribute.option_set is not None and isinstance(v, (int, bool)):
            label = attribute.option_set.label(int(v))
        text = label if label is not None else _text(v)
        return text if case_sensitive else text.casefold()
    text = _text(value)
    if not case_sensitive:
        text = text.casefold()
    if op is DuplicateRuleOperator.SAME_FIRST_CHARACTERS:
        return text[: max(1, condition.param or 1)]
    if op is DuplicateRuleOperator.SAME_LAST_CHARACTERS:
        return text[-max(1, condition.param or 1):]
    return text


def match_code(rule: Rule, values: Mapping[str, Any], side: str = "matching",
               attributes: Mapping[str, AttributeMetadata] | None = None) -> str | None:
    """The record's hashed code under `rule` (`side` 'base' or 'matching'), or None when it has none.

    `values` maps column -> value (stored values or SDK values: EntityReference, OptionSetValue, Money).
    Many records under one rule: make its `match_coder` once.
    """
    return match_coder(rule, side, attributes)(values)


def match_coder(rule: Rule, side: str = "matching", attributes: Mapping[str, AttributeMetadata] | None = None
                ) -> Callable[[Mapping[str, Any]], str | None]:
    """`match_code` as a function of the record's values, the rule's conditions looked at once (a caller
    coding many records keeps it): each condition's part is the value normalised (`normalise_value`; an
    exact-match condition on a text value inline, the same text); a blank part gives no code where the
    condition ignores blanks and `BLANK` otherwise; a record with every part blank has no code. The code is
    a hash of the rule id and the parts."""
    conds = []
    for c in rule.conditions:
        col = c.base_attribute if side == "base" else c.matching_attribute
        a = attributes.get(col) if attributes is not None else None
        conds.append((col, c, a, rule.ignores_blanks(c), c.operator is DuplicateRuleOperator.EXACT_MATCH))
    cs = rule.case_sensitive
    prefix = str(rule.id) + _SEP
    blake = hashlib.blake2b

    def code(values: Mapping[str, Any]) -> str | None:
        parts: list[str] = []
        any_value = False
        for col, c, a, ignores, exact in conds:
            v = values.get(col)
            if exact and type(v) is str:
                part: str | None = v.strip()
                if not part:
                    part = None
                elif not cs:
                    part = part.casefold()
            else:
                part = normalise_value(v, c, case_sensitive=cs, attribute=a)
            if part is None:
                if ignores:
                    return None
                parts.append(BLANK)
            else:
                any_value = True
                parts.append(part)
        if not any_value:
            return None
        return blake((prefix + _SEP.join(parts)).encode("utf-8"), digest_size=16).hexdigest()
    return code


ColumnCoder = Callable[[Mapping[str, Sequence[Any]], int], tuple[list[bool] | None, list[str]]]
"""(columns, number of rows) -> (which rows have a code, None when all do; the codes of those rows)."""


_TEXT_OR_NONE = frozenset({str, type(None)})


_hexdigest = methodcaller("hexdigest")


def match_column_coder(rule: Rule, side: str = "matching", attributes: Mapping[str, AttributeMetadata] | None = None
                       ) -> ColumnCoder:
    """`match_coder` for rows given column by column (a page of a rule publish, a chunk of a bulk create):
    the same codes, made a column at a time. An exact-match condition over a column of texts (and blanks)
    is normalised with C-level maps (strip, casefold), other columns value by value with `normalise_value`;
    the parts of a row are joined and hashed by maps. A column missing from `columns` is all blank."""
    conds = []
    for c in rule.conditions:
        col = c.base_attribute if side == "base" else c.matching_attribute
        a = attributes.get(col) if attributes is not None else None
        conds.append((col, c, a, c.operator is DuplicateRuleOperator.EXACT_MATCH))
    ignoring = [i for i, c in enumerate(rule.conditions) if rule.ignores_blanks(c)]
    cs = rule.case_sensitive
    prefixed = (str(rule.id) + _SEP).__add__
    hasher = partial(hashlib.blake2b, digest_size=16)

    def parts_of(values: Sequence[Any] | None, n: int, c: RuleCondition, a: AttributeMetadata | None,
                 exact: bool) -> list[str | None]:
        """The parts of one condition's column (None where blank)."""
        if values is None:
            return [None] * n
        if exact and set(map(type, values)) <= _TEXT_OR_NONE:
            texts = map(str.strip, [v or "" for v in values])
            return [t or None for t in (texts if cs else map(str.casefold, texts))]
        return [normalise_value(v, c, case_sensitive=cs, attribute=a) for v in values]

    def codes(columns: Mapping[str, Sequence[Any]], n: int) -> tuple[list[bool] | None, list[str]]:
        parts = [parts_of(columns.get(col), n, c, a, exact) for col, c, a, exact in conds]
        if len(parts) == 1:  # a blank never gets a code (a single condition ignores blanks)
            keep = [p is not None for p in parts[0]]
            joined: list[str] = list(compress(parts[0], keep))  # type: ignore[arg-type]
        else:
            rows = list(zip(*parts))
            keep = [any(p is not None for p in r) and all(r[i] is not None for i in ignoring) for r in rows]
            joined = [_SEP.join([BLANK if p is None else p for p in r]) for r in compress(rows, keep)]
        hashed = list(map(_hexdigest, map(hasher, map(str.encode, map(prefixed, joined)))))
        return (None if len(hashed) == n else keep), hashed
    return codes
