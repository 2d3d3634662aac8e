"""The system views every store starts with (customization feature): each one's FetchXML and layout, seeded
as `savedquery` rows (My Open Leads, Open Opportunities, ...). A store seeder, run in FEATURES order."""

from __future__ import annotations

from leadsdk.customization.definitions import metadata_id
from leadsdk.messages.base import HandlerContext
from leadsdk.records.events import seeds_store
from leadsdk.records.write import create_record
from leadsdk.types import Entity

__all__ = ["SYSTEM_VIEWS", "seed_views"]


def _fetch(entity: str, columns: list[str], conditions: str = "", order: str = "createdon",
           descending: bool = True) -> str:
    attrs_ = "".join(f"<attribute name='{c}' />" for c in columns)
    filt = f"<filter type='and'>{conditions}</filter>" if conditions else ""
    desc = "true" if descending else "false"
    return (f"<fetch version='1.0' mapping='logical'><entity name='{entity}'>{attrs_}"
            f"<order attribute='{order}' descending='{desc}' />{filt}</entity></fetch>")


def _layout(entity: str, pk: str, columns: list[str]) -> str:
    cells = "".join(f"<cell name='{c}' width='150' />" for c in columns)
    return f"<grid name='resultset' object='{entity}' jump='{columns[0]}' select='1' icon='1' preview='1'>" \
           f"<row name='result' id='{pk}'>{cells}</row></grid>"


_OPEN = "<condition attribute='statecode' operator='eq' value='0' />"


_MINE = "<condition attribute='ownerid' operator='eq-userid' />"


SYSTEM_VIEWS: list[tuple[str, str, list[str], str, bool]] = [
    # (table, view name, columns, conditions, default)
    ("lead", "Open Leads", ["fullname", "companyname", "subject", "leadsourcecode", "statuscode", "ownerid",
                            "createdon"], _OPEN, True),
    ("lead", "My Open Leads", ["fullname", "companyname", "subject", "leadsourcecode", "statuscode", "createdon"],
     _OPEN + _MINE, False),
    ("lead", "Closed Leads", ["fullname", "companyname", "subject", "statecode", "statuscode", "ownerid",
                              "modifiedon"],
     "<condition attribute='statecode' operator='in'><value>1</value><value>2</value></condition>", False),
    ("lead", "All Leads", ["fullname", "companyname", "subject", "statecode", "statuscode", "ownerid", "createdon"],
     "", False),
    ("lead", "Leads Opened Last Week", ["fullname", "companyname", "subject", "leadsourcecode", "ownerid",
                                        "createdon"],
     _OPEN + "<condition attribute='createdon' operator='last-week' />", False),
    ("account", "Active Accounts", ["name", "telephone1", "address1_city", "primarycontactid", "ownerid"], _OPEN,
     True),
    ("account", "My Active Accounts", ["name", "telephone1", "address1_city", "primarycontactid"], _OPEN + _MINE,
     False),
    ("account", "Inactive Accounts", ["name", "telephone1", "address1_city", "ownerid"],
     "<condition attribute='statecode' operator='eq' value='1' />", False),
    ("account", "All Accounts", ["name", "telephone1", "address1_city", "statecode", "ownerid"], "", False),
    ("contact", "Active Contacts", ["fullname", "parentcustomerid", "emailaddress1", "telephone1", "ownerid"],
     _OPEN, True),
    ("contact", "My Active Contacts", ["fullname", "parentcustomerid", "emailaddress1", "telephone1"],
     _OPEN + _MINE, False),
    ("contact", "Inactive Contacts", ["fullname", "parentcustomerid", "emailaddress1"],
     "<condition attribute='statecode' operator='eq' value='1' />", False),
    ("contact", "All Contacts", ["fullname", "parentcustomerid", "emailaddress1", "statecode"], "", False),
    ("opportunity", "Open Opportunities", ["name", "customerid", "estimatedvalue", "estimatedclosedate",
                                           "statuscode", "ownerid"], _OPEN, True),
    ("opportunity", "My Open Opportunities", ["name", "customerid", "estimatedvalue", "estimatedclosedate",
                                              "statuscode"], _OPEN + _MINE, False),
    ("opportunity", "Closed Opportunities", ["name", "customerid", "actualvalue", "actualclosedate",
                                             "statecode", "statuscode", "ownerid"],
     "<condition attribute='statecode' operator='in'><value>1</value><value>2</value></condition>", False),
    ("opportunity", "All Opportunities", ["name", "customerid", "estimatedvalue", "statecode", "ownerid"], "",
     False),
    ("incident", "Active Cases", ["title", "ticketnumber", "customerid", "prioritycode", "statuscode", "ownerid",
                                  "createdon"], _OPEN, True),
    ("incident", "My Active Cases", ["title", "ticketnumber", "customerid", "prioritycode", "statuscode",
                                     "createdon"], _OPEN + _MINE, False),
    ("incident", "Resolved Cases", ["title", "ticketnumber", "customerid", "statuscode", "modifiedon"],
     "<condition attribute='statecode' operator='eq' value='1' />", False),
    ("incident", "All Cases", ["title", "ticketnumber", "customerid", "statecode", "statuscode", "ownerid"], "",
     False),
]


@seeds_store
def seed_views(ctx: HandlerContext) -> None:
    for entity, name, columns, conditions, default in SYSTEM_VIEWS:
        t = ctx.metadata.get(entity)
        if t is None:
            continue
        create_record(ctx, Entity("savedquery", metadata_id("savedquery", entity, name), {
            "name": name, "returnedtypecode": entity, "querytype": 0, "isdefault": default,
            "fetchxml": _fetch(entity, columns, conditions),
            "layoutxml": _layout(entity, t.primary_id_attribute, columns),
        }))
