"""The npm `dynamics-web-api` client, unchanged, run by Node against `create_app` over HTTPS.

tests/webapi_js/client.mjs drives CRUD, retrieveAll (paging), FetchXML (fetch and fetchAll), $batch, WhoAmI,
the bound QualifyLead action, Merge, a deep insert, a lambda `any` filter and sdkmessagefilters, and prints
what it saw; this test checks that and the stored state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="the [server] extra (uvicorn) is not installed")
pytest.importorskip("trustme", reason="the [server] extra (trustme) is not installed")

from tests.webapi_server import live_server

from leadsdk import OrganizationService

JS = Path(__file__).parent / "webapi_js"


def _node_client() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the dynamics-web-api client cannot run")
    if not (JS / "node_modules" / "dynamics-web-api").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install dynamics-web-api (tests/webapi_js)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm ci in tests/webapi_js failed: {done.stderr[-500:]}")
    return node


def test_dynamics_web_api_client(svc: OrganizationService, tmp_path: Path) -> None:
    """The whole script, on each backend (the `svc` fixture)."""
    node = _node_client()
    with live_server(svc, str(tmp_path)) as srv:
        env = dict(os.environ, SERVER_URL=srv.url, NODE_EXTRA_CA_CERTS=srv.ca_path)
        done = subprocess.run([node, "client.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["userId"] == "00000000-0000-0000-0000-00000000a001"
    assert out["created"]["lastname"] == "Lovelace"
    assert out["retrieved"] == "JS"
    assert out["retrieveAll"] == [f"JsPage {i}" for i in range(5)]
    assert out["fetchPage"] == {"names": ["JsPage 0", "JsPage 1"], "more": 2, "hasCookie": True}
    assert out["fetchAll"] == [f"JsPage {i}" for i in range(5)]
    assert out["batch"] == {"created": ["string", "string"], "listed": 2}
    assert out["qualified"] == ["#Microsoft.Dynamics.CRM.contact", "#Microsoft.Dynamics.CRM.opportunity"]
    assert out["deleted"] == "0x80040217"
    master = svc.retrieve("account", out["merge"]["master"])
    assert master["telephone1"] == "555-JS"
    assert svc.retrieve("account", out["merge"]["sub"])["statecode"].value == 1
    assert out["deep"]["found"] == ["JS Deep"]
    assert svc.retrieve("account", out["deep"]["id"])["primarycontactid"] is not None
    assert out["leadMessages"] == ["QualifyLead"]
    lead_parent = out["created"]["parent"]
    assert lead_parent not in {str(e.id) for e in svc.retrieve_multiple(_accounts()).entities}


def _accounts() -> object:
    from leadsdk.query import QueryExpression

    return QueryExpression("account")
