"""Full names of people (lead, contact, systemuser), built as the organization's name format says.

Dataverse computes `fullname` from the name parts with `organization.fullnameconventioncode`
(the values of `UserSettingsFullNameConventionCode`); a change of the setting applies to records
created or renamed afterwards, as in Dataverse (stored names are not rewritten).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from leadsdk.errors import OrganizationServiceFault
from leadsdk.records.context import Context
from leadsdk.records.settings import organization

__all__ = ["FIRST_LAST", "format_fullname", "fullname_convention", "fullname_of", "fullnames"]

FIRST_LAST = 1
"""The default format, "First Last" (FullNameConventionCode.FirstLast)."""


def _initial(middle: str) -> str:
    return f"{middle[0]}."


def format_fullname(first: Any, middle: Any, last: Any, convention: int = FIRST_LAST) -> str | None:
    """One full name from its parts in a FullNameConventionCode format; parts left empty are left out
    with their separators. None when every part is empty."""
    f, m, la = (str(p).strip() if p else "" for p in (first, middle, last))
    if convention == 0:  # LastFirst: "Last, First"
        parts, sep = [la, f], ", "
    elif convention == 2:  # LastFirstMiddleInitial: "Last, First M."
        parts, sep = [la, " ".join(p for p in (f, _initial(m) if m else "") if p)], ", "
    elif convention == 3:  # FirstMiddleInitialLast: "First M. Last"
        parts, sep = [f, _initial(m) if m else "", la], " "
    elif convention == 4:  # LastFirstMiddle: "Last, First Middle"
        parts, sep = [la, " ".join(p for p in (f, m) if p)], ", "
    elif convention == 5:  # FirstMiddleLast: "First Middle Last"
        parts, sep = [f, m, la], " "
    elif convention == 6:  # LastSpaceFirst: "Last First"
        parts, sep = [la, f], " "
    elif convention == 7:  # LastNoSpaceFirst: "LastFirst" (names written without a space, e.g. Japanese)
        parts, sep = [la, f], ""
    else:  # FirstLast (1) and any value Dataverse does not define
        parts, sep = [f, la], " "
    name = sep.join(p for p in parts if p)
    return name or None


def fullname_convention(ctx: Context) -> int:
    """The organization's name format (FullNameConventionCode), FirstLast when unset or while the store
    is being seeded (its first users are written before the organization row)."""
    try:
        code = organization(ctx).get("fullnameconventioncode")
    except OrganizationServiceFault:
        return FIRST_LAST
    return FIRST_LAST if code is None else int(code)


def fullname_of(ctx: Context, row: Mapping[str, Any]) -> str | None:
    """The full name of a row holding (some of) firstname, middlename and lastname."""
    return format_fullname(row.get("firstname"), row.get("middlename"), row.get("lastname"),
                           fullname_convention(ctx))


def fullnames(ctx: Context, columns: Mapping[str, Sequence[Any]], n: int) -> list[str | None]:
    """The full names of n rows given column by column (the bulk create path)."""
    none = (None,) * n
    code = fullname_convention(ctx)
    firsts, lasts = columns.get("firstname", none), columns.get("lastname", none)
    kinds = set(map(type, firsts)) | set(map(type, lasts))
    if code == FIRST_LAST and kinds == _TEXT:
        a, b = list(map(str.strip, firsts)), list(map(str.strip, lasts))
        if all(a) and all(b):  # both parts in every row (a bulk load's usual case): joined by C-level maps
            return list(map(" ".join, zip(a, b)))
    if code == FIRST_LAST and kinds <= _TEXT_OR_NONE:
        # the default format of text parts, inline: "First Last", an empty part left out (middle unused)
        return [a + " " + b if a and b else a or b or None
                for f, la in zip(firsts, lasts) for a, b in ((f.strip() if f else "", la.strip() if la else ""),)]
    return [format_fullname(f, m, la, code) for f, m, la in
            zip(firsts, columns.get("middlename", none), lasts)]


_TEXT_OR_NONE = frozenset({str, type(None)})


_TEXT = frozenset({str})
