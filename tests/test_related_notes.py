"""Notes and attachments: base64 bodies, computed filesize, the upload limit, metadata-only listing."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.related.rules import DEFAULT_MAX_UPLOAD_FILE_SIZE


def _lead(svc: OrganizationService) -> EntityReference:
    return EntityReference("lead", svc.create(Entity("lead", lastname="Andersen", subject="Bikes")))


def _org(svc: OrganizationService) -> Entity:
    return svc.retrieve_multiple(QueryExpression("organization", column_set=ColumnSet("maxuploadfilesize")))[0]


def _set_limit(svc: OrganizationService, size: int) -> None:
    svc.update(Entity("organization", _org(svc).id, maxuploadfilesize=size))


def test_note_regarding_any_record_with_computed_columns(svc: OrganizationService) -> None:
    lead = _lead(svc)
    acc = EntityReference("account", svc.create(Entity("account", name="Acme")))
    data = b"%PDF-1.4 tiny"
    nid = svc.create(Entity("annotation", subject="Brochure", notetext="see attached", objectid=lead,
                            filename="brochure.pdf", documentbody=base64.b64encode(data).decode(),
                            filesize=999))
    n = svc.retrieve("annotation", nid)
    assert n["filesize"] == len(data)  # computed: the caller's 999 is ignored
    assert n["isdocument"] is True
    assert n["mimetype"] == "application/pdf"
    assert n["objectid"] == lead and n["objecttypecode"] == "lead"
    assert base64.b64decode(n["documentbody"]) == data
    plain = svc.create(Entity("annotation", subject="Call notes", notetext="liked it", objectid=acc))
    p = svc.retrieve("annotation", plain)
    assert p["isdocument"] is False and p.get("documentbody") is None and p["objecttypecode"] == "account"
    # replacing the body recomputes the size; clearing it makes the note a plain note again
    svc.update(Entity("annotation", nid, documentbody=base64.b64encode(b"x" * 10).decode()))
    assert svc.retrieve("annotation", nid, ColumnSet("filesize"))["filesize"] == 10
    svc.update(Entity("annotation", nid, documentbody=None))
    n = svc.retrieve("annotation", nid, ColumnSet("filesize", "isdocument"))
    assert n["filesize"] == 0 and n["isdocument"] is False


def test_max_upload_size_is_seeded_enforced_and_configurable(svc: OrganizationService) -> None:
    assert _org(svc)["maxuploadfilesize"] == DEFAULT_MAX_UPLOAD_FILE_SIZE == 5_242_880
    lead = _lead(svc)
    _set_limit(svc, 1000)
    ok = svc.create(Entity("annotation", objectid=lead, filename="a.bin",
                           documentbody=base64.b64encode(b"a" * 1000).decode()))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("annotation", objectid=lead, filename="b.bin",
                          documentbody=base64.b64encode(b"a" * 1001).decode()))
    assert ei.value.error_code == ErrorCodes.UN_MANAGEDIDSATTACHMENTINVALIDFILESIZE
    assert "1001" in ei.value.message and "maxuploadfilesize" in ei.value.message
    with pytest.raises(OrganizationServiceFault):
        svc.update(Entity("annotation", ok, documentbody=base64.b64encode(b"a" * 2000).decode()))
    assert svc.retrieve("annotation", ok, ColumnSet("filesize"))["filesize"] == 1000
    q = QueryExpression("annotation")
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, lead.id)
    assert len(svc.retrieve_multiple(q)) == 1  # the faulted create left nothing behind


@pytest.mark.parametrize("body", ["not base64!", "abc", "QUJD\u00e9", "QUJDRA=x"])
def test_documentbody_must_be_base64(svc: OrganizationService, body: str) -> None:
    lead = _lead(svc)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("annotation", objectid=lead, filename="x.txt", documentbody=body))
    assert ei.value.error_code in (ErrorCodes.INVALID_ARGUMENT,)
    assert "base64" in ei.value.message


def test_base64_with_line_breaks_is_accepted(svc: OrganizationService) -> None:
    data = os.urandom(200)
    text = base64.encodebytes(data).decode()  # MIME style: a newline every 76 characters
    nid = svc.create(Entity("annotation", objectid=_lead(svc), filename="r.bin", documentbody=text))
    assert svc.retrieve("annotation", nid, ColumnSet("filesize"))["filesize"] == 200


def test_five_megabyte_attachment_round_trips_byte_for_byte(svc: OrganizationService) -> None:
    _set_limit(svc, 6 * 1024 * 1024)
    data = os.urandom(5 * 1024 * 1024)
    lead = _lead(svc)
    nid = svc.create(Entity("annotation", subject="Big", objectid=lead, filename="big.bin",
                            mimetype="application/octet-stream", documentbody=base64.b64encode(data).decode()))
    got = svc.retrieve("annotation", nid, ColumnSet("documentbody", "filesize", "mimetype"))
    assert got["filesize"] == len(data)
    assert got["mimetype"] == "application/octet-stream"
    assert base64.b64decode(got["documentbody"]) == data


def test_listing_notes_never_reads_document_bodies(sqlite_svc: OrganizationService) -> None:
    """SQLite-specific: watch the SQL the store runs while listing notes without documentbody."""
    svc = sqlite_svc
    lead = _lead(svc)
    body = base64.b64encode(os.urandom(100_000)).decode()
    for i in range(5):
        svc.create(Entity("annotation", subject=f"n{i}", objectid=lead, filename=f"{i}.bin", documentbody=body))
    statements: list[str] = []
    conn = svc.storage.conn  # type: ignore[attr-defined]
    conn.set_trace_callback(statements.append)
    try:
        q = QueryExpression("annotation", column_set=ColumnSet("subject", "filename", "filesize", "mimetype"))
        q.criteria.add_condition("objectid", ConditionOperator.EQUAL, lead.id)
        rows = svc.retrieve_multiple(q)
        one = svc.retrieve("annotation", rows[0].id, ColumnSet("subject", "filesize"))
    finally:
        conn.set_trace_callback(None)
    assert len(rows) == 5 and all(r["filesize"] == 100_000 for r in rows)
    assert "documentbody" not in one
    assert statements and not any("documentbody" in s for s in statements)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_any_bytes_round_trip_with_their_size(svc: OrganizationService, data: bytes) -> None:
    nid = svc.create(Entity("annotation", objectid=EntityReference("account", _account(svc)),
                            filename="f.bin", documentbody=base64.b64encode(data).decode()))
    got = svc.retrieve("annotation", nid, ColumnSet("documentbody", "filesize", "isdocument"))
    assert got["filesize"] == len(data)
    assert base64.b64decode(got.get("documentbody") or "") == data
    assert got["isdocument"] is bool(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="ABCab01+/=-_ !", min_size=1, max_size=40))
def test_arbitrary_text_is_accepted_only_when_it_is_base64(svc: OrganizationService, text: str) -> None:
    try:
        expected: int | None = len(base64.b64decode("".join(text.split()), validate=True))
    except ValueError:
        expected = None
    account = EntityReference("account", _account(svc))
    if expected is None:
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.create(Entity("annotation", objectid=account, documentbody=text))
        assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
    else:
        nid = svc.create(Entity("annotation", objectid=account, documentbody=text))
        assert svc.retrieve("annotation", nid, ColumnSet("filesize"))["filesize"] == expected


_ACCOUNTS: dict[int, uuid.UUID] = {}


def _account(svc: OrganizationService) -> uuid.UUID:
    key = id(svc)
    if key not in _ACCOUNTS or not _exists(svc, _ACCOUNTS[key]):
        _ACCOUNTS[key] = svc.create(Entity("account", name="Notes Inc"))
    return _ACCOUNTS[key]


def _exists(svc: OrganizationService, aid: uuid.UUID) -> bool:
    try:
        svc.retrieve("account", aid, ColumnSet("name"))
        return True
    except OrganizationServiceFault:
        return False
