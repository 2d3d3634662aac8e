"""The Web API's own request and response objects, independent of the ASGI framework.

One `ApiRequest` is one OData operation; `$batch` parts become `ApiRequest`s too, so the same
dispatcher serves both a plain request and every operation of a batch.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote

import attrs

from leadsdk.errors import ErrorCodes
from leadsdk.webapi.errors import ApiError

__all__ = ["JSON", "ApiRequest", "ApiResponse", "Key", "Segment", "split_path"]

JSON = "application/json; odata.metadata=minimal"
Key = uuid.UUID | dict[str, str]


@attrs.define
class ApiRequest:
    method: str
    path: str
    """Below the service root, without a leading slash: `leads(…)/Microsoft.Dynamics.CRM.QualifyLead`."""
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes = b""
    base_url: str = "http://localhost/api/data/v9.2/"

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError.bad_request(f"The request body is not valid JSON: {exc}.") from None

    def prefers(self, token: str) -> bool:
        return token.lower() in self.header("prefer").lower().replace(" ", "")

    def prefer_value(self, name: str) -> str | None:
        for part in self.header("prefer").split(","):
            k, _, v = part.strip().partition("=")
            if k.strip().lower() == name.lower():
                return v.strip().strip('"')
        return None

    def url(self, path: str) -> str:
        return self.base_url + path


@attrs.define
class ApiResponse:
    status: int
    body: Any = None
    """A JSON-able value, or `bytes`/`str` sent as they are."""
    headers: dict[str, str] = attrs.field(factory=dict)
    media_type: str = JSON

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@attrs.frozen
class Segment:
    name: str
    key: Key | None = None
    call: bool = False
    """Written with parentheses (a function call such as `WhoAmI()`, or a key)."""
    raw_key: str = ""


def _parse_key(text: str) -> Key:
    t = text.strip()
    try:
        return uuid.UUID(t)
    except ValueError:
        pass
    out: dict[str, str] = {}
    for part in _split(t, ","):
        k, sep, v = part.partition("=")
        if not sep:
            raise ApiError.bad_request(f"Bad key '{text}': give an id or name='value' pairs.")
        v = v.strip()
        if v.startswith("'") and v.endswith("'"):
            v = v[1:-1].replace("''", "'")
        out[k.strip()] = v
    return out


def _split(text: str, sep: str) -> list[str]:
    """Split on `sep` outside quotes and parentheses."""
    if "'" not in text and "(" not in text:  # nothing to keep together (most paths of a batch's creates)
        return text.split(sep)
    parts: list[str] = []
    cur, quoted, depth = "", False, 0
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and not quoted and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def split_path(path: str) -> list[Segment]:
    """`leads(id)/Microsoft.Dynamics.CRM.QualifyLead` -> segments with their keys."""
    segs: list[Segment] = []
    for raw in _split((unquote(path) if "%" in path else path).strip("/"), "/"):
        if not raw:
            continue
        name, paren, rest = raw.partition("(")
        if not paren:
            segs.append(Segment(name))
            continue
        if not rest.endswith(")"):
            raise ApiError(400, ErrorCodes.INVALID_ARGUMENT, f"Bad URL segment '{raw}'.")
        inner = rest[:-1]
        key = _parse_key(inner) if inner.strip() else None
        segs.append(Segment(name, key, True, inner))
    return segs
