"""SQL Server LIKE patterns (what Dataverse's Like operator takes) as regular expressions.

Dataverse passes a Like value to SQL Server, so besides `%` (any text) and `_` (one character) a
pattern may hold character classes: `[a-c]` (one of a range or set), `[^a-c]` (none of them), and
`[[]`, `[%]`, `[_]` for a literal `[`, `%` or `_`. SQLite's and PostgreSQL's LIKE know no classes,
so a pattern with a `[` is compiled to a regular expression that Python's `re` and PostgreSQL's
`~*` both read the same way: anchored, case-insensitive by the caller, classes kept as classes.
"""

from __future__ import annotations

import functools
import re

__all__ = ["has_character_class", "like_match", "like_regex"]


def has_character_class(pattern: str) -> bool:
    """True when `pattern` needs the regular-expression path (it has a `[`)."""
    return "[" in pattern


def _class_char(ch: str) -> str:
    """One character inside a bracket expression, escaped where it would mean something."""
    return "\\" + ch if ch in "\\]^-[" else ch


def like_regex(pattern: str) -> str:
    """The anchored regular expression matching what SQL Server's LIKE `pattern` matches.

    An unclosed `[` is a literal `[`, as SQL Server matches nothing special for it either.
    """
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end <= i + 1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end]
                negate = body.startswith("^") and len(body) > 1
                if negate:
                    body = body[1:]
                parts: list[str] = []
                j = 0
                while j < len(body):
                    if j + 2 < len(body) and body[j + 1] == "-":
                        parts.append(f"{_class_char(body[j])}-{_class_char(body[j + 2])}")
                        j += 3
                    else:
                        parts.append(_class_char(body[j]))
                        j += 1
                out.append("[" + ("^" if negate else "") + "".join(parts) + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


def like_match(regex: str | None, value: object) -> int | None:
    """SQLite's REGEXP function: 1 when text `value` matches `regex` (case-insensitive), NULL for NULL."""
    if regex is None or value is None:
        return None
    return 1 if _compiled(regex).search(str(value)) else 0
