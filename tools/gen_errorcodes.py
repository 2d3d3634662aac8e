#!/usr/bin/env python3
"""Generate ``src/leadsdk/_errorcodes.py`` from the Dataverse SDK helper file ErrorCodes.cs.

The source is ``samples-from-msdn/<sample>/SDK Helper Code/ErrorCodes.cs`` in the public repository
``microsoft/Dynamics365-Apps-Samples``.  That file has two parts: a static constructor with one
``ErrorMessages.Add(Name, "message");`` line per code, and one
``public const int Name = unchecked((int)0x80040217); // -2147220969`` line per code.

Input, either of:

* the ErrorCodes.cs file itself (``gen_errorcodes.py path/to/ErrorCodes.cs``), or
* a directory of transcribed pages (``gen_errorcodes.py /tmp/ec``): files ``m*.txt`` hold
  ``Name message`` lines (the message exactly as the C# string literal body, escapes kept) and files
  ``c*.txt`` hold ``Name hex last4`` lines (the hex value and the last digits of the trailing
  ``// -2147...`` comment, checked against the hex).

Every code is checked (hex == the decimal comment, one message per code, unique names) before the
module is written.  The output is deterministic: codes keep the order of the const declarations.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "leadsdk" / "_errorcodes.py"
SOURCE = (
    "microsoft/Dynamics365-Apps-Samples, samples-from-msdn/OptimisticConcurrency/SDK Helper Code/ErrorCodes.cs "
    "(commit 73ea1911d6ce674711069f31f6fbff6035bcc497)"
)

_MSG_RE = re.compile(r'^\s*ErrorMessages\.Add\(\s*(\w+)\s*,\s*"((?:[^"\\]|\\.)*)"\s*\);\s*$')
_CONST_RE = re.compile(r"^\s*public const int (\w+)\s*=\s*unchecked\(\(int\)0x([0-9a-fA-F]+)\);\s*//\s*(-?\d+)\s*$")
_ESCAPES = {'"': '"', "\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def s32(value: int) -> int:
    """The signed 32-bit reading of an unsigned value (what ``unchecked((int)0x...)`` yields)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def unescape(literal: str) -> str:
    """The text of a C# regular string literal body."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], literal)


def upper_snake(name: str) -> str:
    """``DuplicateRecordsFound`` -> ``DUPLICATE_RECORDS_FOUND``.

    Splits at the end of an upper-case run that starts a word (``CRMUser`` -> ``CRM_User``), at a
    lower-to-upper step (``unManaged`` -> ``un_Managed``) and between a digit and a capitalised word
    (``Pop3Unexpected`` -> ``Pop3_Unexpected``); digits stay glued to the letters before them.
    Existing underscores are kept and runs of them collapse to one.
    """
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([0-9])([A-Z][a-z])", r"\1_\2", s)
    return re.sub(r"_+", "_", s).strip("_").upper()


def read_cs(path: Path) -> tuple[list[tuple[str, int]], dict[str, str]]:
    consts: list[tuple[str, int]] = []
    messages: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if m := _MSG_RE.match(line):
            if m.group(1) in messages:
                raise SystemExit(f"{path}:{n}: second message for {m.group(1)}")
            messages[m.group(1)] = unescape(m.group(2))
        elif m := _CONST_RE.match(line):
            value = s32(int(m.group(2), 16))
            if value != int(m.group(3)):
                raise SystemExit(f"{path}:{n}: 0x{m.group(2)} is {value}, the comment says {m.group(3)}")
            consts.append((m.group(1), value))
        elif "ErrorMessages.Add(" in line or "public const int" in line:
            raise SystemExit(f"{path}:{n}: line not understood: {line.strip()}")
    return consts, messages


def read_pages(folder: Path) -> tuple[list[tuple[str, int]], dict[str, str]]:
    consts: list[tuple[str, int]] = []
    messages: dict[str, str] = {}
    for f in sorted(folder.glob("m*.txt")):
        for n, line in enumerate(f.read_text(encoding="utf-8").split("\n"), 1):
            if not line:
                continue
            name, _, literal = line.partition(" ")
            if name in messages:
                raise SystemExit(f"{f}:{n}: second message for {name}")
            messages[name] = unescape(literal)
    for f in sorted(folder.glob("c*.txt")):
        for n, line in enumerate(f.read_text(encoding="utf-8").split("\n"), 1):
            if not line:
                continue
            name, hexa, tail = line.split(" ")
            value = s32(int(hexa, 16))
            if not str(value).endswith(tail):
                raise SystemExit(f"{f}:{n}: 0x{hexa} is {value}, which does not end in {tail}")
            consts.append((name, value))
    return consts, messages


def literal(text: str) -> str:
    """``text`` as the body of a line in a triple-quoted Python string: ASCII only, no trailing blanks."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif " " <= ch <= "~":
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    body = "".join(out)
    stripped = body.rstrip(" ")
    return stripped + "\\x20" * (len(body) - len(stripped))


def render(consts: list[tuple[str, int]], messages: dict[str, str]) -> str:
    seen: dict[str, str] = {}
    for name, _ in consts:
        if name not in messages:
            raise SystemExit(f"no message for {name}")
        upper = upper_snake(name)
        if upper in seen:
            raise SystemExit(f"{name} and {seen[upper]} both become {upper}")
        seen[upper] = name
    extra = sorted(set(messages) - {name for name, _ in consts})
    if extra:
        raise SystemExit(f"messages without a constant: {extra}")

    out = [
        f'"""Dataverse error codes: generated by tools/gen_errorcodes.py from {SOURCE}.',
        "",
        "Do not edit by hand.  Names are the ErrorCodes.cs names in UPPER_SNAKE_CASE, values are the signed",
        "32-bit codes a .NET client sees as OrganizationServiceFault.ErrorCode, messages are the stock texts.",
        "The table is kept as one string, parsed on first use (`codes()`): compiling thousands of tuple",
        "literals costs tens of milliseconds when no bytecode cache is available, and parsing it at import",
        "a few.",
        '"""',
        "",
        "# ruff: noqa: E501",
        "",
        "from __future__ import annotations",
        "",
        "import functools",
        "from typing import Final",
        "",
        '__all__ = ["SOURCE", "codes"]',
        "",
        f"SOURCE: Final = {json.dumps(SOURCE)}",
        "",
        "",
        "class _GeneratedCodes:",
        f'    """All {len(consts)} codes of ErrorCodes.cs, in the order the file declares them."""',
        "",
    ]
    for name, value in consts:
        line = f"    {upper_snake(name)}: Final = {value}"
        # the layout ``ruff format`` gives a line over 120 characters
        out += [line] if len(line) <= 120 else [f"    {upper_snake(name)}: Final = (", f"        {value}", "    )"]
    out += [
        "",
        "",
        "# One code a line: NAME, the signed code and the stock message, separated by single spaces.",
        '_TABLE: Final = """\\',
    ]
    out += [f"{upper_snake(name)} {value} {literal(messages[name])}".rstrip(" ") for name, value in consts]
    out += [
        '"""',
        "",
        "",
        "def _row(line: str) -> tuple[str, int, str]:",
        '    name, _, rest = line.partition(" ")',
        '    code, _, message = rest.partition(" ")',
        "    return name, int(code), message",
        "",
        "",
        "@functools.cache",
        "def codes() -> tuple[tuple[str, int, str], ...]:",
        '    """(NAME, signed int32 code, stock message) for every code, in declaration order."""',
        "    return tuple(map(_row, _TABLE.splitlines()))",
        "",
    ]
    text = "\n".join(out)
    check: dict[str, object] = {}
    exec(compile(text, "_errorcodes.py", "exec"), check)
    expected = tuple((upper_snake(name), value, messages[name]) for name, value in consts)
    if check["codes"]() != expected:  # type: ignore[operator]
        raise SystemExit("the rendered table does not read back as the source")
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path, help="ErrorCodes.cs, or a folder of transcribed m*.txt / c*.txt pages")
    p.add_argument("-o", "--output", type=Path, default=OUT)
    args = p.parse_args(argv)
    consts, messages = read_pages(args.source) if args.source.is_dir() else read_cs(args.source)
    args.output.write_text(render(consts, messages), encoding="utf-8")
    print(f"{len(consts)} codes -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
