"""The dispatcher: one `ApiRequest` in, one `ApiResponse` out, every operation through OrganizationService.

Framework-free so that `$batch` runs its parts through exactly the same code as plain requests.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

import leadsdk.webapi.actions as actions
import leadsdk.webapi.batch as batch
import leadsdk.webapi.expand as expand
import leadsdk.webapi.keys as keys
import leadsdk.webapi.metadata as metadata
import leadsdk.webapi.query as query
import leadsdk.webapi.records as records
import leadsdk.webapi.sdkmessages as sdkmessages
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.types import ColumnSet, Entity
from leadsdk.webapi.errors import ApiError, error_body
from leadsdk.webapi.http import ApiRequest, ApiResponse, Segment, split_path
from leadsdk.webapi.names import Names

if TYPE_CHECKING:
    from leadsdk.entities.model import EntityMetadata
    from leadsdk.service import OrganizationService

__all__ = ["CRM", "WebApi"]

CRM = "Microsoft.Dynamics.CRM."
log = logging.getLogger("leadsdk.webapi")


class WebApi:
    """Serves Dataverse's Web API over one OrganizationService."""

    def __init__(self, service: OrganizationService, token: str | None = None) -> None:
        self.service = service
        self.token = token
        self._names: Names | None = None
        self._lock = threading.Lock()

    @property
    def names(self) -> Names:
        """Entity sets and navigation properties, rebuilt when metadata changes."""
        md = self.service.metadata
        n = self._names
        if n is None or n.version != md.version or n.metadata is not md:
            with self._lock:
                n = self._names = Names(md)
        return n

    # entry points -------------------------------------------------------------------
    def authorize(self, authorization: str) -> ApiResponse | None:
        """None when the bearer token is acceptable, else the 401 answer."""
        scheme, _, tok = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and tok.strip() and (self.token is None or tok.strip() == self.token):
            return None
        msg = ("The request needs 'Authorization: Bearer <token>'." if not tok.strip() or scheme.lower() != "bearer"
               else "The bearer token is not valid for this server.")
        return ApiResponse(401, error_body(ErrorCodes.INVALID_AUTH, msg),
                           {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common/'
                                                'oauth2/authorize", resource_id="leadsdk"'})

    def caller(self, req: ApiRequest) -> OrganizationService:
        """SYSTEM, or the user named by `MSCRMCallerID` / `CallerObjectId`."""
        raw = req.header("mscrmcallerid") or req.header("callerobjectid")
        if not raw:
            return self.service
        try:
            uid = uuid.UUID(raw.strip().strip("{}"))
        except ValueError:
            raise ApiError.bad_request(f"The caller id '{raw}' is not a GUID.",
                                       ErrorCodes.INVALID_ARGUMENT) from None
        self.service.retrieve("systemuser", uid, ColumnSet("systemuserid"))
        return self.service.as_user(uid)

    def handle(self, req: ApiRequest, svc: OrganizationService | None = None) -> ApiResponse:
        """Run one operation; every failure becomes a Dataverse error body, never a traceback."""
        try:
            caller = svc if svc is not None else self.caller(req)
            resp = self.route(caller, req, split_path(req.path))
        except ApiError as e:
            resp = ApiResponse(e.status, e.body())
        except OrganizationServiceFault as f:
            resp = ApiResponse(ApiError.from_fault(f).status, error_body(f.error_code, f.message))
        except Exception:  # the server answers; the traceback goes to the log only
            log.exception("unexpected error serving %s %s", req.method, req.path)
            resp = ApiResponse(500, error_body(ErrorCodes.UNEXPECTED, "An unexpected error occurred."))
        resp.headers.setdefault("OData-Version", "4.0")
        return resp

    # routing ------------------------------------------------------------------------
    def route(self, svc: OrganizationService, req: ApiRequest, segs: list[Segment]) -> ApiResponse:
        m = req.method
        if not segs:
            return metadata.service_document(self, req)
        head = segs[0]
        if head.name == "$metadata":
            return metadata.csdl(self, req)
        if head.name == "$batch" and m == "POST":
            return batch.run(self, svc, req)
        if head.name in ("EntityDefinitions", "GlobalOptionSetDefinitions", "RelationshipDefinitions"):
            return metadata.route(self, svc, req, segs)
        if head.name == "WhoAmI":
            return actions.who_am_i(self, svc, req)
        t = self.names.by_set.get(head.name)
        if t is None and head.name in sdkmessages.TABLES:
            return sdkmessages.route(self, svc, req, segs)
        if t is None:
            return actions.unbound(self, svc, req, segs)
        if head.key is None:
            if len(segs) == 1:
                if m == "GET":
                    return query.collection(self, svc, req, t)
                if m == "POST":
                    return records.create(self, svc, req, t)
                raise _not_allowed(req)
            if len(segs) == 2 and segs[1].name == "$count" and m == "GET":
                return query.count(self, svc, req, t)
            if len(segs) == 2 and _is_operation(segs[1].name):
                return actions.bound(self, svc, req, t, None, segs[1])
            raise ApiError.not_found(f"Resource not found for the segment '{segs[1].name}'.")
        if m == "PATCH" and len(segs) == 1 and isinstance(head.key, dict):
            return self.upsert_by_key(svc, req, t, head)
        id_ = self.record_id(svc, t, head)
        if len(segs) == 1:
            if m == "GET":
                return records.retrieve(self, svc, req, t, id_)
            if m == "PATCH":
                return records.update(self, svc, req, t, id_)
            if m == "DELETE":
                return records.delete(svc, req, t, id_)
            raise _not_allowed(req)
        second = segs[1]
        if second.name.startswith(CRM):
            return actions.bound(self, svc, req, t, id_, second)
        if second.name in t.attributes and len(segs) == 2:
            return records.property_value(self, svc, req, t, id_, second.name)
        nav = self.names.nav(t.logical_name, second.name)
        if nav is None and _is_operation(second.name) and len(segs) == 2:
            return actions.bound(self, svc, req, t, id_, second)
        if nav is None:
            raise ApiError.not_found(f"Resource not found for the segment '{second.name}'.")
        if len(segs) >= 3 and segs[-1].name == "$ref":
            return actions.references(self, svc, req, t, id_, nav, segs)
        return query.related(self, svc, req, t, id_, nav, second)

    def record_id(self, svc: OrganizationService, t: EntityMetadata, seg: Segment) -> uuid.UUID:
        """The id in `{set}(id)`, or the record found by a declared alternate key `{set}(col='v',...)`."""
        id_ = keys.resolve(svc, t, seg)
        if id_ is None:
            raise keys.not_found(t)
        return id_

    def upsert_by_key(self, svc: OrganizationService, req: ApiRequest, t: EntityMetadata,
                      seg: Segment) -> ApiResponse:
        """PATCH `/{set}(col='v')`: update the record with that key, or create it with the key's values."""
        id_ = keys.resolve(svc, t, seg)
        if id_ is not None:
            return records.update(self, svc, req, t, id_)
        if req.header("if-match"):
            raise keys.not_found(t)
        return records.update(self, svc, req, t, uuid.uuid4(), keys.key_defaults(t, seg))

    def expand_record(self, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, e: Entity,
                      body: dict[str, Any]) -> None:
        expand.expand_into(self, svc, req, t, [e], [body])


def _is_operation(name: str) -> bool:
    """`Microsoft.Dynamics.CRM.QualifyLead`, or the bare name clients also send (`QualifyLead`)."""
    return name.startswith(CRM) or name.lower() in actions.REQUESTS


def _not_allowed(req: ApiRequest) -> ApiError:
    return ApiError(405, ErrorCodes.NOT_SUPPORTED, f"The HTTP method {req.method} is not allowed here.")
