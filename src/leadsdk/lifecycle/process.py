"""The "Lead to Opportunity Sales Process" and the default lead field mappings, as data (lifecycle feature;
pure: values only). Dataverse's own ids for the process and its stages."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from leadsdk.types import OptionSetValue

__all__ = ["DEFAULT_MAPPINGS", "LEAD_TO_OPPORTUNITY_PROCESS_ID", "PROCESS_NAME", "STAGES", "STEP_NAMES", "stage_values",
           "traversed_path"]


LEAD_TO_OPPORTUNITY_PROCESS_ID = uuid.UUID("919e14d1-6489-4852-abd0-a63a6ecaac5d")
"""The workflow id of Dataverse's "Lead to Opportunity Sales Process"."""

STAGES: dict[str, tuple[uuid.UUID, int, str]] = {
    "Qualify": (uuid.UUID("f99b4d48-7aad-456e-864a-8e7d543f7495"), 0, "lead"),
    "Develop": (uuid.UUID("bfc9108c-8389-406b-9166-2c3298a2e41f"), 1, "opportunity"),
    "Propose": (uuid.UUID("3a275c22-fc45-4e89-97fc-41e5ec578743"), 2, "opportunity"),
    "Close": (uuid.UUID("7f5247fe-cfc3-42bc-aa77-b1d836d9b7c0"), 3, "opportunity"),
}
"""Stage name -> (processstageid, stagecategory/salesstage value, table the stage belongs to)."""

PROCESS_NAME = "Lead to Opportunity Sales Process"
STEP_NAMES = {0: "1-Qualify", 1: "2-Develop", 2: "3-Propose", 3: "4-Close"}


@functools.cache
def traversed_path(upto: str) -> str:
    """The traversed path (comma-separated stage ids) from Qualify up to a stage."""
    names = list(STAGES)
    return ",".join(str(STAGES[n][0]) for n in names[: names.index(upto) + 1])


def stage_values(stage: str, *, stepname: bool) -> dict[str, Any]:
    sid, category, _ = STAGES[stage]
    out: dict[str, Any] = {
        "processid": LEAD_TO_OPPORTUNITY_PROCESS_ID, "stageid": sid, "traversedpath": traversed_path(stage),
        "salesstage": OptionSetValue(category),
    }
    if stepname:
        out["stepname"] = STEP_NAMES[category]
    return out


# ----------------------------------------------------------------------------------------------
# default field mappings (reference section 2), kept as data in entitymap/attributemap

_ADDRESS = [f"address1_{c}" for c in ("line1", "line2", "line3", "city", "stateorprovince", "postalcode",
                                        "country", "county")]
_DONOT = ["donotpostalmail", "donotphone", "donotfax", "donotsendmm", "donotemail", "donotbulkemail"]


def _same(*names: str) -> list[tuple[str, str]]:
    return [(n, n) for n in names]


DEFAULT_MAPPINGS: dict[str, list[tuple[str, str]]] = {
    "account": [
        ("companyname", "name"), ("yomicompanyname", "yominame"),
        *_same("emailaddress1", "fax", "websiteurl", "sic", "telephone1", "telephone2", "description",
               *_ADDRESS, *_DONOT, "numberofemployees", "revenue", "industrycode", "transactioncurrencyid"),
    ],
    "contact": _same(
        "firstname", "lastname", "middlename", "salutation", "yomifirstname", "yomimiddlename", "yomilastname",
        "jobtitle", "emailaddress1", "emailaddress2", "emailaddress3", "mobilephone", "pager", "fax",
        "telephone1", "telephone2", "telephone3", "websiteurl", "description", *_ADDRESS, *_DONOT,
        "transactioncurrencyid",
    ),
    "opportunity": [
        ("subject", "name"), ("estimatedamount", "estimatedvalue"),
        *_same("qualificationcomments", "description", "budgetamount", "budgetstatus", "purchasetimeframe",
               "purchaseprocess", "decisionmaker", "need", "estimatedclosedate", "campaignid",
               "transactioncurrencyid"),
    ],
}
"""Target table -> (lead column, target column) of the system mappings every store starts with."""
