"""`leadsdk.webapi.server.serve`: HTTPS with a self-signed certificate, the `certificate:`/`listening:` lines."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="the [server] extra (uvicorn) is not installed")
pytest.importorskip("trustme", reason="the [server] extra (trustme) is not installed")
httpx = pytest.importorskip("httpx")

SRC = Path(__file__).resolve().parent.parent / "src"


def test_serve_self_signed_with_token(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    code = (f"import sys; sys.path.insert(0, {str(SRC)!r}); from leadsdk.webapi.server import serve; "
            f"serve({str(db)!r}, port=0, self_signed=True, token='s3cret')")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: dict[str, str] = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            key, _, value = line.strip().partition(": ")
            lines[key] = value
            if key == "listening":
                break
        assert "listening" in lines, proc.stderr.read() if proc.stderr else ""
        url = lines["listening"]
        assert url.startswith("https://127.0.0.1:") and url.endswith("/api/data/v9.2/")
        ca = lines["certificate"]
        with httpx.Client(verify=ssl.create_default_context(cafile=ca)) as client:
            assert client.get(url + "WhoAmI").status_code == 401
            r = client.post(url + "accounts", json={"name": "Served"}, headers={"Authorization": "Bearer s3cret"})
            assert r.status_code == 204
            got = client.get(r.headers["OData-EntityId"] + "?$select=name",
                             headers={"Authorization": "Bearer s3cret"})
            assert got.json()["name"] == "Served"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    from leadsdk import OrganizationService
    from leadsdk.query import QueryExpression

    with OrganizationService.open(db) as svc:
        assert len(svc.retrieve_multiple(QueryExpression("account"))) == 1
