"""Web API change tracking: `Prefer: odata.track-changes`, `@odata.deltaLink`, and the changes a delta link
returns (new and updated records, deleted ones as `$deletedEntity`), paged, over both backends."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.webapi_helpers import ROOT, Api, error_code

from leadsdk import Entity, OrganizationService

TRACK = {"Prefer": "odata.track-changes"}


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def _path(link: str) -> str:
    """A link the server wrote, relative to the service root (for the test client)."""
    return link.split(ROOT, 1)[1]


def _sync(api: Api, path: str, page: int | None = None) -> tuple[list[dict[str, Any]], str]:
    """Follow nextLinks to the end: every row, and the deltaLink of the last page."""
    headers = dict(TRACK)
    if page:
        headers["Prefer"] = f"odata.track-changes,odata.maxpagesize={page}"
    rows: list[dict[str, Any]] = []
    while True:
        r = api.get(path, headers=headers)
        assert r.status_code == 200, r.text
        assert "odata.track-changes" in r.headers["Preference-Applied"]
        body = r.json()
        assert body["@odata.context"].endswith("/$delta")
        rows += body["value"]
        if "@odata.nextLink" in body:
            assert page and len(body["value"]) == page and "@odata.deltaLink" not in body
            path = _path(body["@odata.nextLink"])
            continue
        return rows, body["@odata.deltaLink"]


def test_track_changes_then_delta_link(api: Api, svc: OrganizationService) -> None:
    a = api.create("leads", {"lastname": "A", "subject": "s"})
    b = api.create("leads", {"lastname": "B", "subject": "s"})
    c = api.create("leads", {"lastname": "C", "subject": "s"})
    rows, delta = _sync(api, "leads?$select=lastname,subject")
    assert sorted(r["lastname"] for r in rows) == ["A", "B", "C"]
    assert all(set(r) == {"@odata.etag", "lastname", "subject", "leadid"} for r in rows)
    q = parse_qs(urlsplit(delta).query)
    assert q["$select"] == ["lastname,subject"] and "!" in q["$deltatoken"][0]
    # nothing changed: an empty delta, and a link that still works
    empty, delta = _sync(api, _path(delta))
    assert empty == []
    api.patch(f"leads({a})", json={"lastname": "A2"})
    api.delete(f"leads({b})")
    d = api.create("leads", {"lastname": "D", "subject": "s"})
    api.create("accounts", {"name": "not a lead"})
    r = api.get(_path(delta), headers=TRACK)
    body = r.json()
    assert body["@odata.context"].endswith("$metadata#leads(lastname,subject,leadid)/$delta")
    changed = {x["leadid"]: x["lastname"] for x in body["value"] if "leadid" in x}
    assert changed == {a: "A2", d: "D"}
    (gone,) = [x for x in body["value"] if "reason" in x]
    assert gone == {"@odata.context": f"http://testserver{ROOT}$metadata#leads/$deletedEntity",
                    "id": b, "reason": "deleted"}
    assert c not in changed
    again, _ = _sync(api, _path(body["@odata.deltaLink"]))
    assert again == []
    # the old link still answers the same changes (a token is a point in time)
    assert {x.get("leadid") or x["id"] for x in api.get(_path(delta), headers=TRACK).json()["value"]} == {a, b, d}


def test_paged_first_sync_and_delta(api: Api, svc: OrganizationService) -> None:
    ids = [svc.create(Entity("lead", lastname=f"L{i}", subject="s")) for i in range(7)]
    rows, delta = _sync(api, "leads?$select=lastname", page=3)
    assert sorted(r["leadid"] for r in rows) == sorted(str(i) for i in ids)
    for i in ids[:4]:
        svc.update(Entity("lead", i, lastname="changed"))
    for i in ids[4:6]:
        svc.delete("lead", i)
    rows, delta = _sync(api, _path(delta), page=2)
    assert sorted(r.get("leadid") or r["id"] for r in rows) == sorted(str(i) for i in ids[:6])
    assert [r["reason"] for r in rows if "reason" in r] == ["deleted", "deleted"]
    assert _sync(api, _path(delta), page=2)[0] == []


def test_track_changes_faults(api: Api) -> None:
    r = api.get("systemusers", headers=TRACK)  # not change-tracked
    assert r.status_code == 400 and error_code(r).startswith("0x8004")
    r = api.get("leads?$filter=lastname eq 'x'", headers=TRACK)
    assert r.status_code == 400 and "$filter" in r.json()["error"]["message"]
    assert api.get("leads?$deltatoken=nonsense").status_code == 400
    assert api.get("leads?$deltatoken=5!&$skiptoken=abc").status_code == 400
    assert api.get("leads?$select=nosuch", headers=TRACK).status_code == 400
    plain = api.get("leads")  # without the preference: no delta link
    assert plain.status_code == 200 and "@odata.deltaLink" not in plain.json()
