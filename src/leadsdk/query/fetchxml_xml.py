"""Safe XML reading for FetchXML: expat with line numbers, no DTDs, and checked element attributes.

Query layer. `read_xml` and `ElementReader` are the base of the FetchXML parser in
`leadsdk.query.fetchxml`; every problem becomes an `OrganizationServiceFault` naming element and line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, NoReturn
from xml.parsers import expat

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.fetchxml_names import ALLOWED, UNSUPPORTED

__all__ = ["ElementReader", "read_xml"]


def read_xml(xml: str) -> tuple[ET.Element, dict[int, int]]:
    """Parse with expat into an ElementTree, keeping each element's line number; refuse DTDs."""
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag: str, attrib: dict[str, str]) -> None:
        element = builder.start(tag, attrib)
        lines[id(element)] = parser.CurrentLineNumber

    def end(tag: str) -> None:
        builder.end(tag)

    def refuse_dtd(*_: Any) -> NoReturn:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_FETCH_XML,
            f"FetchXML line {parser.CurrentLineNumber}: DOCTYPE and ENTITY declarations are not allowed.",
            error_details={"line": parser.CurrentLineNumber},
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_FETCH_XML,
            f"FetchXML line {exc.lineno}, column {exc.offset + 1}: the XML is malformed "
            f"({expat.ErrorString(exc.code)}).",
            error_details={"line": exc.lineno, "column": exc.offset + 1},
        ) from None
    return builder.close(), lines


class ElementReader:
    """Reads checked element attributes and reports problems with the element's line."""

    def __init__(self, lines: dict[int, int]) -> None:
        self.lines = lines

    # errors --------------------------------------------------------------------------------------
    def fail(self, code: int, element: ET.Element, problem: str, attribute: str | None = None) -> NoReturn:
        line = self.lines.get(id(element))
        where = f"FetchXML line {line}" if line is not None else "FetchXML"
        details: dict[str, Any] = {"element": element.tag}
        if line is not None:
            details["line"] = line
        if attribute is not None:
            details["attribute"] = attribute
        raise OrganizationServiceFault(code, f"{where}: {problem}", error_details=details)

    def check_attributes(self, element: ET.Element) -> None:
        allowed = ALLOWED[element.tag]
        unsupported = UNSUPPORTED.get(element.tag, frozenset())
        for name in element.attrib:
            if name in unsupported:
                self.fail(
                    ErrorCodes.INVALID_FETCH_XML,
                    element,
                    f"<{element.tag}> attribute '{name}' is not supported by leadsdk.",
                    name,
                )
            if name not in allowed:
                self.fail(
                    ErrorCodes.INVALID_FETCH_XML,
                    element,
                    f"<{element.tag}> has an unknown attribute '{name}'.",
                    name,
                )

    def required(self, element: ET.Element, name: str) -> str:
        value = element.get(name)
        if value is None or not value.strip():
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<{element.tag}> is missing its required '{name}' attribute.",
                name,
            )
        return value.strip()

    def optional(self, element: ET.Element, name: str) -> str | None:
        value = element.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def boolean(self, element: ET.Element, name: str, default: bool = False) -> bool:
        value = element.get(name)
        if value is None:
            return default
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        self.fail(
            ErrorCodes.INVALID_FETCH_XML,
            element,
            f"<{element.tag}> attribute '{name}' must be 'true' or 'false', not '{value}'.",
            name,
        )

    def integer(self, element: ET.Element, name: str, minimum: int) -> int | None:
        value = element.get(name)
        if value is None:
            return None
        try:
            number = int(value.strip())
        except ValueError:
            number = minimum - 1
        if number < minimum:
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<{element.tag}> attribute '{name}' must be an integer of at least {minimum}, "
                f"not '{value}'.",
                name,
            )
        return number

    def unknown_child(self, parent: ET.Element, child: ET.Element) -> NoReturn:
        self.fail(
            ErrorCodes.INVALID_FETCH_XML,
            child,
            f"<{child.tag}> is not a valid element inside <{parent.tag}>.",
        )

    # elements ------------------------------------------------------------------------------------
    def no_children(self, element: ET.Element) -> None:
        for child in element:
            self.unknown_child(element, child)
