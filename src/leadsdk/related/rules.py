"""Rules of the records that hang off a lead, plugged in as record-event listeners and a store seeder.

- Notes and attachments (`annotation`): `documentbody` is base64 text; it is validated, `filesize`
  is computed from the decoded size, `isdocument` and `mimetype` are filled, `objecttypecode` names
  the regarding table, and a body over the organization's `maxuploadfilesize` faults.
- Stakeholders (`connection`): creating a connection creates its reciprocal (record1 and record2
  and their roles swapped, `relatedconnectionid` linking both, `ismaster` on the original); updating
  either side mirrors the change onto the other; deleting either deletes both (the
  `connection_related_connection` relationship cascades).
- Existing account or contact on a lead: setting `parentcontactid` fills the lead's empty name, job
  title, phones and email from the contact; setting `parentaccountid` fills an empty `companyname`.
- Seeds: the connection roles Stakeholder, Decision Maker and Technical Buyer, and the organization's
  `maxuploadfilesize` (5,242,880 bytes, Dataverse's default).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import uuid
from collections.abc import Sequence
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext
from leadsdk.messages.crud import CreateRequest, UpdateRequest
from leadsdk.records.events import column_form, listens_for, seeds_store
from leadsdk.records.names import fullname_of
from leadsdk.records.settings import organization
from leadsdk.records.write import create_record, read_on_update, update_record
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference

__all__ = [
    "CONNECTION_ROLE_CATEGORY_STAKEHOLDER",
    "DECISION_MAKER_ROLE_ID",
    "DEFAULT_MAX_UPLOAD_FILE_SIZE",
    "LEAD_FROM_ACCOUNT",
    "LEAD_FROM_CONTACT",
    "STAKEHOLDER_ROLE_ID",
    "TECHNICAL_BUYER_ROLE_ID",
    "decoded_size",
]

DEFAULT_MAX_UPLOAD_FILE_SIZE = 5_242_880
"""Dataverse's default `organization.maxuploadfilesize` (5 MB), seeded on every new store."""

CONNECTION_ROLE_CATEGORY_STAKEHOLDER = 1000

STAKEHOLDER_ROLE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "leadsdk:connectionrole:stakeholder")
DECISION_MAKER_ROLE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "leadsdk:connectionrole:decision-maker")
TECHNICAL_BUYER_ROLE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "leadsdk:connectionrole:technical-buyer")

LEAD_FROM_CONTACT: tuple[str, ...] = (
    "firstname", "lastname", "jobtitle", "telephone1", "mobilephone", "emailaddress1",
)
"""Lead columns filled from the lead's existing contact (`parentcontactid`) when empty."""

LEAD_FROM_ACCOUNT: dict[str, str] = {"companyname": "name"}
"""Lead column <- account column, filled from the lead's existing account (`parentaccountid`) when empty."""


# notes and attachments ------------------------------------------------------------------------
_SPACE = re.compile(r"\s")


def decoded_size(text: str, where: str = "annotation") -> int:
    """The number of bytes `text` (base64) decodes to; faults when it is not base64."""
    if _SPACE.search(text):
        text = "".join(text.split())
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The documentbody of the {where} is not valid base64 text; encode the file with "
            "base64.b64encode(data).decode('ascii').",
        ) from None


@listens_for(("before_create", "before_update"), tables=("annotation",))
def _annotation(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                existing: Row | None) -> None:
    if t.logical_name != "annotation":
        return
    if "objectid__type" in row:
        row["objecttypecode"] = row["objectid__type"]
    if row.get("filename") and not row.get("mimetype") and "mimetype" in t.attributes:
        row["mimetype"] = mimetypes.guess_type(str(row["filename"]))[0] or "application/octet-stream"
    if "documentbody" not in row:
        return
    body = row["documentbody"]
    if body is None or body == "":
        row["filesize"] = 0
        row["isdocument"] = False
        return
    size = decoded_size(body, f"annotation {id_}")
    limit = organization(ctx).get("maxuploadfilesize")
    limit = DEFAULT_MAX_UPLOAD_FILE_SIZE if limit is None else int(limit)
    if size > limit:
        raise OrganizationServiceFault(
            ErrorCodes.UN_MANAGEDIDSATTACHMENTINVALIDFILESIZE,
            f"Attachment file size is too big: the attachment of annotation {id_} is {size} bytes and the "
            f"organization's maxuploadfilesize is {limit} bytes.",
            error_details={"FileSize": size, "MaxUploadFileSize": limit},
        )
    row["filesize"] = size
    row["isdocument"] = True


# existing account or contact on a lead --------------------------------------------------------
def _empty(v: Any) -> bool:
    return v is None or v == ""


read_on_update("lead", ("parentcontactid", "parentaccountid"), (*LEAD_FROM_CONTACT, *LEAD_FROM_ACCOUNT, "middlename"))


@listens_for(("before_create", "before_update"), tables=("lead",), changing=("parentcontactid", "parentaccountid"))
def _lead_autofill(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name != "lead":
        return
    contact_id = row.get("parentcontactid")
    account_id = row.get("parentaccountid")
    if contact_id is None and account_id is None:
        return
    wanted = [*LEAD_FROM_CONTACT, *LEAD_FROM_ACCOUNT] if existing is not None else []
    stored: Row = {}
    if wanted:
        cols = [c for c in [*wanted, "middlename"] if c in t.attributes]
        if existing is not None and all(c in existing for c in cols):
            stored = existing  # the update read them already (read_on_update below)
        else:
            stored = ctx.storage.get(t, id_, cols) or {}

    def current(col: str) -> Any:
        return row[col] if col in row else stored.get(col)

    filled_name = False
    if contact_id is not None:
        cols = [c for c in LEAD_FROM_CONTACT if _empty(current(c))]
        if cols:
            contact = ctx.storage.get(ctx.metadata.table("contact"), contact_id, cols)
            for c in cols:
                v = (contact or {}).get(c)
                if not _empty(v):
                    row[c] = _clip(t, c, v)
                    filled_name = filled_name or c in ("firstname", "lastname")
    if account_id is not None:
        todo = {lc: ac for lc, ac in LEAD_FROM_ACCOUNT.items() if _empty(current(lc))}
        if todo:
            account = ctx.storage.get(ctx.metadata.table("account"), account_id, list(todo.values()))
            for lc, ac in todo.items():
                v = (account or {}).get(ac)
                if not _empty(v):
                    row[lc] = _clip(t, lc, v)
    if filled_name and "fullname" in t.attributes:
        row["fullname"] = fullname_of(ctx, {**stored, **row})


@column_form(_lead_autofill)
def _lead_autofill_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    """Nothing to fill: no existing contact, and no existing account or every companyname given."""
    if t.logical_name != "lead":
        return True
    if any(v is not None for v in columns.get("parentcontactid", ())):
        return False
    if any(v is not None for v in columns.get("parentaccountid", ())):
        names = columns.get("companyname")
        return names is not None and not any(map(_empty, names))
    return True


def _clip(t: EntityMetadata, column: str, value: Any) -> Any:
    a = t.attributes.get(column)
    if a is not None and a.max_length is not None and isinstance(value, str):
        return value[: a.max_length]
    return value


# stakeholders: reciprocal connections ---------------------------------------------------------
_MIRROR: dict[str, str] = {
    "record1id": "record2id", "record2id": "record1id",
    "record1roleid": "record2roleid", "record2roleid": "record1roleid",
    "description": "description", "effectivestart": "effectivestart", "effectiveend": "effectiveend",
    "statecode": "statecode", "statuscode": "statuscode", "name": "name",
}
"""Column of a connection -> the column of its reciprocal that mirrors it."""


def _sdk_values(t: EntityMetadata, row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """Storage values of `row` as SDK values under the mirrored column names."""
    out: dict[str, Any] = {}
    for src, dst in columns.items():
        if src not in row:
            continue
        v = row[src]
        a = t.attributes[src]
        if v is not None and a.type.is_lookup:
            target = row.get(a.type_column) if a.is_polymorphic else a.targets[0]
            v = EntityReference(str(target), v)
        out[dst] = v
    return out


@listens_for("before_create", tables=("connection",))
def _connection_before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                              existing: Row | None) -> None:
    if t.logical_name != "connection" or id_ in ctx.guards:
        return
    r1, r2 = row.get("record1id"), row.get("record2id")
    if r1 is None and r2 is None:
        raise OrganizationServiceFault(ErrorCodes.CONNECTION_OBJECTS_MISSING,
                                       "Both objects being connected are missing: set record1id and record2id.")
    if r1 is None or r2 is None:
        raise OrganizationServiceFault(
            ErrorCodes.REQUIRED_FIELD_MISSING,
            f"A connection needs both record1id and record2id; {'record1id' if r1 is None else 'record2id'} "
            "is missing.")
    if r1 == r2:
        raise OrganizationServiceFault(ErrorCodes.CANNOT_CONNECT_TO_SELF,
                                       f"Cannot connect a record to itself ({row.get('record1id__type')} {r1}).")
    _check_dates(row.get("effectivestart"), row.get("effectiveend"))
    row["relatedconnectionid"] = uuid.uuid4()  # the reciprocal, created after this one
    row["ismaster"] = True


def _check_dates(start: Any, end: Any) -> None:
    if start is not None and end is not None and end < start:
        raise OrganizationServiceFault(
            ErrorCodes.CONNECTION_INVALID_START_END_DATE,
            f"Start date / end date is invalid: the connection ends ({end}) before it starts ({start}).")


@listens_for("after_create", tables=("connection",))
def _connection_after_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                             existing: Row | None) -> None:
    if t.logical_name != "connection" or id_ in ctx.guards:
        return
    reciprocal = row["relatedconnectionid"]
    values = _sdk_values(t, row, {k: v for k, v in _MIRROR.items() if k not in ("statecode", "statuscode")})
    values["relatedconnectionid"] = EntityReference("connection", id_)
    values["ismaster"] = False
    if row.get("ownerid") is not None:
        values["ownerid"] = EntityReference(str(row.get("ownerid__type") or "systemuser"), row["ownerid"])
    ctx.guarded(reciprocal).execute(CreateRequest(target=Entity("connection", reciprocal, values)))


@listens_for("after_update", tables=("connection",), changing=_MIRROR)
def _connection_after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                             existing: Row | None) -> None:
    if t.logical_name != "connection" or id_ in ctx.guards:
        return
    mirrored = {k: v for k, v in _MIRROR.items() if k in changes}
    if not mirrored:
        return
    row = ctx.storage.get(t, id_, ["relatedconnectionid", "record1id", "record2id", "effectivestart",
                                   "effectiveend"])
    if row is None:
        return
    if row.get("record1id") == row.get("record2id"):
        raise OrganizationServiceFault(ErrorCodes.CANNOT_CONNECT_TO_SELF,
                                       f"Cannot connect a record to itself (connection {id_}).")
    _check_dates(row.get("effectivestart"), row.get("effectiveend"))
    other = row.get("relatedconnectionid")
    if other is None or not ctx.storage.exists(t, other):
        return
    values = _sdk_values(t, changes, mirrored)
    ctx.guarded(other).execute(UpdateRequest(target=Entity("connection", other, values)))




# seeds -------------------------------------------------------------------------------------------
@seeds_store
def seed_related(ctx: HandlerContext) -> None:
    """The stakeholder connection roles and the organization's upload limit."""
    for rid, name, description in (
        (STAKEHOLDER_ROLE_ID, "Stakeholder", "Has an interest in the outcome of the deal."),
        (DECISION_MAKER_ROLE_ID, "Decision Maker", "Makes the buying decision."),
        (TECHNICAL_BUYER_ROLE_ID, "Technical Buyer", "Evaluates the technical fit of the offer."),
    ):
        create_record(ctx, Entity("connectionrole", rid, {
            "name": name, "category": CONNECTION_ROLE_CATEGORY_STAKEHOLDER, "description": description,
        }))
    org = organization(ctx)
    if org.get("maxuploadfilesize") is None:
        update_record(ctx, Entity("organization", org["organizationid"],
                                  {"maxuploadfilesize": DEFAULT_MAX_UPLOAD_FILE_SIZE}))


