"""Web API $batch: independent operations, atomic change sets, Content-ID references, continue-on-error."""

from __future__ import annotations

import re

import pytest
from tests.webapi_helpers import ROOT, Api

from leadsdk import ColumnSet, OrganizationService
from leadsdk.query import QueryExpression


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def op(method: str, url: str, body: str | None = None, content_id: str | None = None,
       headers: str = "") -> str:
    cid = f"Content-ID: {content_id}\r\n" if content_id else ""
    head = f"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n{cid}\r\n"
    req = f"{method} {url} HTTP/1.1\r\n{headers}"
    if body is not None:
        req += "Content-Type: application/json; type=entry\r\n\r\n" + body
    else:
        req += "\r\n"
    return head + req


def batch(*parts: str, boundary: str = "batch_1") -> tuple[bytes, dict[str, str]]:
    text = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts) + f"--{boundary}--\r\n"
    return text.encode(), {"Content-Type": f"multipart/mixed; boundary={boundary}"}


def change_set(*ops: str, boundary: str = "changeset_1") -> str:
    inner = "".join(f"--{boundary}\r\n{o}\r\n" for o in ops) + f"--{boundary}--"
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}"


def statuses(text: str) -> list[int]:
    return [int(s) for s in re.findall(r"HTTP/1.1 (\d{3})", text)]


def count(svc: OrganizationService, table: str) -> int:
    return len(svc.retrieve_multiple(QueryExpression(table)))


def test_change_set_with_content_id_reference_then_get(api: Api, svc: OrganizationService) -> None:
    body, headers = batch(
        change_set(
            op("POST", f"{ROOT}accounts", '{"name": "Batch Co"}', "1"),
            op("POST", "contacts", '{"lastname": "Ref", "parentcustomerid_account@odata.bind": "$1"}', "2"),
        ),
        op("GET", f"http://testserver{ROOT}contacts?$select=lastname,_parentcustomerid_value"),
    )
    r = api.post("$batch", content=body, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("multipart/mixed")
    assert statuses(r.text) == [204, 204, 200]
    assert "Content-ID: 1" in r.text and "OData-EntityId:" in r.text
    assert '"lastname":"Ref"' in r.text
    contact = svc.retrieve_multiple(QueryExpression("contact", column_set=ColumnSet("parentcustomerid"))).entities[0]
    assert contact["parentcustomerid"].logical_name == "account"


def test_failed_change_set_writes_nothing(api: Api, svc: OrganizationService) -> None:
    body, headers = batch(change_set(
        op("POST", "accounts", '{"name": "Kept?"}', "1"),
        op("POST", "accounts", '{"name": "Bad", "nosuchcolumn": 1}', "2"),
    ))
    r = api.post("$batch", content=body, headers=headers)
    assert r.status_code == 200
    assert statuses(r.text) == [400]
    assert "0x80060888" in r.text
    assert count(svc, "account") == 0


def test_stops_at_first_error_unless_continue_on_error(api: Api, svc: OrganizationService) -> None:
    parts = (op("POST", "accounts", '{"name": "A"}'), op("POST", "accounts", '{"nosuch": 1}'),
             op("POST", "accounts", '{"name": "C"}'))
    body, headers = batch(*parts)
    r = api.post("$batch", content=body, headers=headers)
    assert statuses(r.text) == [204, 400] and count(svc, "account") == 1
    r = api.post("$batch", content=body, headers={**headers, "Prefer": "odata.continue-on-error"})
    assert statuses(r.text) == [204, 400, 204] and count(svc, "account") == 3


def test_batch_parts_inherit_auth_and_take_their_own_headers(api: Api) -> None:
    body, headers = batch(op("POST", "accounts", '{"name": "Rep"}',
                             headers="Prefer: return=representation\r\n"))
    r = api.post("$batch", content=body, headers=headers)
    assert statuses(r.text) == [201] and '"name":"Rep"' in r.text


def test_malformed_batch_is_a_400(api: Api) -> None:
    r = api.post("$batch", content=b"nothing", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "0x80060888"
