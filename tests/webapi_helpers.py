"""A small client for the Web API tests: Starlette's TestClient with a bearer token and the service root."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the [server] extra (starlette) is not installed")
pytest.importorskip("httpx", reason="httpx (Starlette's test client) is not installed")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from leadsdk import OrganizationService
from leadsdk.webapi import create_app

ROOT = "/api/data/v9.2/"


class Api:
    """`api.get("leads")` etc. against `create_app(svc)`, with `Authorization: Bearer test`."""

    def __init__(self, svc: OrganizationService, token: str | None = None, **headers: str) -> None:
        self.client = TestClient(create_app(svc, token=token), raise_server_exceptions=True)
        self.headers = {"Authorization": "Bearer test", **headers}

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        h = dict(self.headers)
        h.update(headers or {})
        return self.client.request(method, ROOT + path, headers={k: v for k, v in h.items() if v is not None}, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)

    def create(self, set_name: str, body: dict[str, Any]) -> str:
        r = self.post(set_name, json=body)
        assert r.status_code == 204, r.text
        return str(r.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"))


def error_code(r: Any) -> str:
    return str(r.json()["error"]["code"])
