"""Microsoft's PowerPlatform-Dataverse-Client, unchanged, against `create_app` over HTTPS (trustme certificate).

The client refuses plain HTTP and authenticates with an Azure credential: a fake one returns a token, which the
server (started without --token) accepts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("uvicorn", reason="the [server] extra (uvicorn) is not installed")
pytest.importorskip("trustme", reason="the [server] extra (trustme) is not installed")
pytest.importorskip("PowerPlatform.Dataverse", reason="the [webapi-clients] extra (PowerPlatform-Dataverse-Client) "
                                                      "is not installed")

from azure.core.credentials import AccessToken
from PowerPlatform.Dataverse import DataverseClient, col
from PowerPlatform.Dataverse.core.errors import HttpError
from tests.webapi_server import live_server

from conftest import make_storage
from leadsdk import ColumnSet, OrganizationService
from leadsdk.entities import EntityKeyMetadata
from leadsdk.messages import CreateEntityKeyRequest
from leadsdk.query import QueryExpression


class FakeCredential:
    """An azure-identity TokenCredential that needs no Azure: always the same token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("local-dev-token", int(time.time()) + 3600)


@pytest.fixture(scope="module")
def server(module_backend: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrganizationService, DataverseClient]]:
    """One live server per backend: every test here runs on SQLite and on PostgreSQL."""
    svc = OrganizationService(make_storage(module_backend))
    with live_server(svc, str(tmp_path_factory.mktemp("cert"))) as srv:
        old = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = srv.ca_path
        try:
            with DataverseClient(srv.url, FakeCredential()) as client:
                yield svc, client
        finally:
            if old is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = old
    svc.close()


def test_records_crud(server: tuple[OrganizationService, DataverseClient]) -> None:
    svc, client = server
    aid = client.records.create("account", {"name": "Contoso", "revenue": 1000})
    assert svc.retrieve("account", aid)["name"] == "Contoso"
    rec = client.records.retrieve("account", aid, select=["name", "revenue"])
    assert rec["name"] == "Contoso" and rec["revenue"] == 1000 and rec.etag
    client.records.update("account", aid, {"telephone1": "555-0100"})
    assert svc.retrieve("account", aid)["telephone1"] == "555-0100"
    client.records.delete("account", aid)
    assert client.records.retrieve("account", aid) is None
    with pytest.raises(HttpError) as err:
        client.records.update("account", aid, {"name": "gone"})
    assert err.value.status_code == 404


def test_create_multiple_and_query_builder_paging(server: tuple[OrganizationService, DataverseClient]) -> None:
    svc, client = server
    ids = client.records.create("lead", [{"lastname": f"Page {i:02d}", "subject": "paging", "revenue": i}
                                         for i in range(7)])
    assert len(ids) == 7 and len(set(ids)) == 7
    q = (client.query.builder("lead").select("lastname", "revenue")
         .where(col("subject") == "paging").where(col("revenue") >= 2).order_by("lastname").page_size(2))
    pages = [[r["lastname"] for r in page] for page in q.execute_pages()]
    assert pages == [["Page 02", "Page 03"], ["Page 04", "Page 05"], ["Page 06"]]
    stored = svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet("lastname")))
    assert len(stored) >= 7


def test_fetchxml(server: tuple[OrganizationService, DataverseClient]) -> None:
    _, client = server
    client.records.create("contact", [{"lastname": f"Fx {i}"} for i in range(3)])
    xml = ("<fetch><entity name='contact'><attribute name='lastname'/>"
           "<filter><condition attribute='lastname' operator='like' value='Fx %'/></filter>"
           "<order attribute='lastname' descending='true'/></entity></fetch>")
    rows = client.query.fetchxml(xml).execute()
    assert [r["lastname"] for r in rows] == ["Fx 2", "Fx 1", "Fx 0"]


def test_batch_with_change_set(server: tuple[OrganizationService, DataverseClient]) -> None:
    svc, client = server
    batch = client.batch.new()
    with batch.changeset() as cs:
        ref = cs.records.create("account", {"name": "Batch Parent"})
        cs.records.create("contact", {"lastname": "Batch Child", "parentcustomerid_account@odata.bind": ref})
    batch.records.create("account", {"name": "Batch Solo"})
    result = batch.execute()
    assert not result.has_errors, [r.__dict__ for r in result.failed]
    assert len(result.entity_ids) == 3
    q = QueryExpression("contact", column_set=ColumnSet("parentcustomerid"))
    q.criteria.add_condition("lastname", 0, "Batch Child")
    (child,) = svc.retrieve_multiple(q).entities
    assert svc.retrieve("account", child["parentcustomerid"].id)["name"] == "Batch Parent"

    failing = client.batch.new()
    with failing.changeset() as cs:
        cs.records.create("account", {"name": "Rolled Back"})
        cs.records.create("account", {"nosuchcolumn": 1})
    result = failing.execute(continue_on_error=True)
    assert result.has_errors
    q = QueryExpression("account")
    q.criteria.add_condition("name", 0, "Rolled Back")
    assert len(svc.retrieve_multiple(q)) == 0


def test_table_metadata(server: tuple[OrganizationService, DataverseClient]) -> None:
    _, client = server
    info = client.tables.get("lead")
    assert info is not None
    assert info.entity_set_name == "leads" and info.primary_id_attribute == "leadid"
    columns = client.tables.list_columns("lead")
    names = {c["LogicalName"] if isinstance(c, dict) else c.logical_name for c in columns}
    assert {"lastname", "leadsourcecode", "parentaccountid"} <= names


def test_upsert_by_alternate_key(server: tuple[OrganizationService, DataverseClient]) -> None:
    from PowerPlatform.Dataverse.models.upsert import UpsertItem

    svc, client = server
    svc.execute(CreateEntityKeyRequest(entity_name="contact",
                                       entity_key=EntityKeyMetadata("new_contactemail", ["emailaddress1"])))
    client.records.upsert("contact", [
        UpsertItem(alternate_key={"emailaddress1": "up1@x.example"}, record={"lastname": "Up One"}),
        UpsertItem(alternate_key={"emailaddress1": "up2@x.example"}, record={"lastname": "Up Two"}),
    ])
    client.records.upsert("contact", [
        UpsertItem(alternate_key={"emailaddress1": "up1@x.example"}, record={"lastname": "Up One v2"}),
    ])
    q = QueryExpression("contact", column_set=ColumnSet("lastname", "emailaddress1"))
    q.criteria.add_condition("emailaddress1", 6, "up%@x.example")
    rows = sorted((e["emailaddress1"], e["lastname"]) for e in svc.retrieve_multiple(q).entities)
    assert rows == [("up1@x.example", "Up One v2"), ("up2@x.example", "Up Two")]
    with pytest.raises(HttpError) as ei:  # not a declared key: Dataverse's error, nothing written
        client.records.upsert("contact", [UpsertItem(alternate_key={"lastname": "Up One v2"},
                                                     record={"firstname": "X"})])
    assert "not a defined key" in str(ei.value)
    assert len(svc.retrieve_multiple(q).entities) == 2


def test_deep_insert_and_lambda_filter(server: tuple[OrganizationService, DataverseClient]) -> None:
    from PowerPlatform.Dataverse.models import raw

    svc, client = server
    aid = client.records.create("account", {"name": "Deep Py", "primarycontactid": {"lastname": "Py Primary"},
                                            "contact_customer_accounts": [{"lastname": "Py Kid 1"},
                                                                          {"lastname": "Py Kid 2"}]})
    assert svc.retrieve("account", aid)["primarycontactid"] is not None
    q = (client.query.builder("account").select("name")
         .where(raw("contact_customer_accounts/all(c:startswith(c/lastname,'Py Kid'))")))
    assert [r["name"] for page in q.execute_pages() for r in page] == ["Deep Py"]
