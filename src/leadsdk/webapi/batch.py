"""`$batch`: multipart/mixed requests, change sets (atomic), `Content-ID` references, continue-on-error.

Every operation is an `ApiRequest` run by the same dispatcher as a plain request. A change set runs in one
`OrganizationService.transaction()`, so its operations commit together or not at all, and plugins see them
as top-level requests.
"""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import attrs

import leadsdk.webapi.createruns as createruns
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.types import Entity
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["MAX_OPERATIONS", "run"]

MAX_OPERATIONS = 1000
_ROOT = "/api/data/v9.2/"
_REF = re.compile(rb'"(\$[^"]*)"')
"""A JSON string that may be a `$n` Content-ID reference (references are whole values)."""
_REASONS = {s.value: s.phrase for s in HTTPStatus}
"""Reason phrases by status code, for the parts' status lines."""
_INHERITED = {"authorization", "mscrmcallerid", "callerobjectid", "mscrm.suppressduplicatedetection",
              "mscrm.bypasscustompluginexecution"}


@attrs.define
class _Part:
    headers: dict[str, str]
    body: bytes
    content_id: str | None = None
    change_set: list[_Part] | None = None


def _boundary(content_type: str) -> str:
    m = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    if m is None:
        raise ApiError.bad_request("A $batch request is multipart/mixed with a boundary.")
    return m.group(1)


def _headers(block: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.splitlines():
        if ":" in line:
            k, _, v = line.partition(":")
            out[k.strip().lower()] = v.strip()
    return out


def _split_parts(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    text = body.replace(b"\r\n", b"\n")
    delim = b"--" + boundary.encode()
    chunks = text.split(delim)
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.lstrip(b" \t").removeprefix(b"\n")
        head, _, rest = chunk.partition(b"\n\n")
        parts.append((_headers(head.decode("utf-8", "replace")), rest.rstrip(b"\n")))
    return parts


def _parse(body: bytes, content_type: str) -> list[_Part]:
    out: list[_Part] = []
    for headers, content in _split_parts(body, _boundary(content_type)):
        ctype = headers.get("content-type", "")
        if ctype.lower().startswith("multipart/mixed"):
            inner = [_Part(h, c, h.get("content-id")) for h, c in _split_parts(content, _boundary(ctype))]
            out.append(_Part(headers, b"", change_set=inner))
        else:
            out.append(_Part(headers, content, headers.get("content-id")))
    return out


def _operation(part: _Part, outer: ApiRequest, refs: dict[str, str]) -> ApiRequest:
    """The HTTP request inside an application/http part, with `$n` Content-ID references resolved."""
    head, _, body = part.body.partition(b"\n\n")
    lines = head.decode("utf-8", "replace").split("\n")
    request_line = lines[0].strip().split(" ")
    if len(request_line) < 2:
        raise ApiError.bad_request(f"Bad request line in a $batch part: '{lines[0].strip()}'.")
    method, url = request_line[0].upper(), request_line[1]
    if url.startswith("$") and refs:  # `$1/...`: the longest Content-ID reference that prefixes the URL
        ref = max((r for r in refs if url.startswith(r)), key=len, default=None)
        if ref is not None:
            url = refs[ref] + url[len(ref):]
    path = url.split(_ROOT, 1)[1] if _ROOT in url else url.lstrip("/")
    path, _, qs = path.partition("?")
    headers = {k: v for k, v in outer.headers.items() if k in _INHERITED}
    headers.update(_headers("\n".join(lines[1:])))
    if refs and b'"$' in body:  # only a body naming a `$n` reference needs rewriting
        body = _resolve_body(body, refs)
    query = dict(parse_qsl(qs, keep_blank_values=True)) if qs else {}
    return ApiRequest(method, path, query, headers, body.strip(), outer.base_url)


def _resolve_body(body: bytes, refs: dict[str, str]) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str) and v in refs:
            return refs[v]
        return v

    return json.dumps(walk(data)).encode("utf-8")


def _http(resp: ApiResponse, content_id: str | None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, '')}"]
    content = resp.content()
    if content:
        lines.append(f"Content-Type: {resp.media_type}")
    lines += [f"{k}: {v}" for k, v in resp.headers.items()]
    lines.append("")
    lines.append(content.decode("utf-8"))
    return "\r\n".join(lines)


def run(api: WebApi, svc: OrganizationService, req: ApiRequest) -> ApiResponse:
    parts = _parse(req.body, req.header("content-type"))
    count = sum(len(p.change_set) if p.change_set is not None else 1 for p in parts)
    if count > MAX_OPERATIONS:
        raise ApiError(400, ErrorCodes.EXECUTE_MULTIPLE_BATCH_TOO_LARGE,
                       f"The $batch has {count} operations; the maximum is {MAX_OPERATIONS}.")
    continue_on_error = req.prefers("odata.continue-on-error")
    boundary = f"batchresponse_{uuid.uuid4()}"
    out: list[str] = []
    for part in parts:
        if part.change_set is None:
            resp = api.handle(_operation(part, req, {}), svc)
            out.append(_http(resp, part.content_id))
            failed = resp.status >= 400
        else:
            text, failed = _run_change_set(api, svc, req, part.change_set)
            out.append(text)
        if failed and not continue_on_error:
            break
    body = "".join(f"--{boundary}\r\n{p}\r\n" for p in out) + f"--{boundary}--\r\n"
    return ApiResponse(200, body, media_type=f"multipart/mixed; boundary={boundary}")


def _run_change_set(api: WebApi, svc: OrganizationService, outer: ApiRequest,
                    parts: list[_Part]) -> tuple[str, bool]:
    failure: list[tuple[ApiResponse, str | None]] = []

    def operations(inner: OrganizationService) -> list[ApiResponse]:
        refs: dict[str, str] = {}
        responses: list[ApiResponse] = []
        bulk = createruns.BulkTables(inner)
        i = 0
        while i < len(parts):
            part = parts[i]
            op = _operation(part, outer, refs)
            run = _create_run(api, outer, parts, i, op, refs, bulk)
            if run is not None:  # consecutive plain creates: one CreateMultiple, one response per part
                t, ops, ents = run
                try:
                    done = createruns.execute(api, inner, t, ops, ents)
                except createruns.RunFailed as rf:
                    failure.append((rf.response, parts[i + rf.index].content_id))
                    raise rf.fault from rf
                for k, resp in enumerate(done):
                    cid = parts[i + k].content_id
                    if cid:
                        refs[f"${cid}"] = resp.headers["OData-EntityId"].split(_ROOT, 1)[-1]
                responses += done
                i += len(done)
                continue
            i += 1
            if op.method == "GET":
                resp = ApiResponse(400, ApiError.bad_request("A change set holds no GET requests.").body())
            else:
                resp = api.handle(op, inner)
            if resp.status >= 400:
                failure.append((resp, part.content_id))
                err = resp.body.get("error", {}) if isinstance(resp.body, dict) else {}
                raise OrganizationServiceFault(ErrorCodes.UNEXPECTED, str(err.get("message", "change set failed")))
            location = resp.headers.get("OData-EntityId")
            if part.content_id and location:
                refs[f"${part.content_id}"] = location.split(_ROOT, 1)[-1]
            responses.append(resp)
        return responses

    try:
        with svc.transaction(all_or_nothing=True):  # the change set commits together or not at all
            responses = operations(svc)
    except OrganizationServiceFault as f:
        if failure:
            resp, cid = failure[0]
            return _http(resp, cid), True
        return _http(ApiResponse(ApiError.from_fault(f).status, ApiError.from_fault(f).body()), None), True
    boundary = f"changesetresponse_{uuid.uuid4()}"
    inner = "".join(f"--{boundary}\r\n{_http(r, p.content_id)}\r\n" for r, p in zip(responses, parts))
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}--{boundary}--", False


def _create_run(api: WebApi, outer: ApiRequest, parts: list[_Part], start: int, first: ApiRequest,
                refs: dict[str, str], bulk: createruns.BulkTables
                ) -> tuple[EntityMetadata, list[ApiRequest], list[Entity]] | None:
    """The run of plain creates starting at `parts[start]` (whose request is `first`), when it has two
    parts or more and its table may be bulk-created (`createruns`); else None. The run ends before a
    part that creates elsewhere, differs in headers, or names a Content-ID of the run."""
    got = createruns.plain_create(api, first, bulk) if start + 1 < len(parts) else None
    if got is None:
        return None
    t, e = got
    sig = createruns.signature(first)
    ops, ents = [first], [e]
    named = {f"${parts[start].content_id}"} if parts[start].content_id else set()
    for part in parts[start + 1:]:
        if part.change_set is not None:
            break
        if b'"$' in part.body and not named.isdisjoint(m.decode("utf-8", "replace") for m in _REF.findall(part.body)):
            break  # it names a record of the run: that record must exist first
        try:
            op = _operation(part, outer, refs)
        except ApiError:
            break  # answered when its turn comes, as before
        nxt = createruns.plain_create(api, op, bulk) if createruns.signature(op) == sig else None
        if nxt is None or nxt[0] is not t:
            break
        ops.append(op)
        ents.append(nxt[1])
        if part.content_id:
            named.add(f"${part.content_id}")
    return (t, ops, ents) if len(ops) > 1 else None
