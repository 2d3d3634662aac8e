"""The leadsdk demo: a lead from creation to qualification on the embedded SQLite store.

Run it with `make demo`. It prints each step; the store is a file in a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault, messages
from leadsdk.query import ConditionOperator, QueryExpression


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "crm.db"
    with OrganizationService.open(path) as svc:
        print(f"Opened a new store at {path}")
        lead_id = svc.create(Entity(
            "lead", firstname="Henriette", lastname="Andersen", companyname="A. Datum Corporation",
            subject="Sample Lead 1", emailaddress1="henriette@adatum.example", leadsourcecode=8,
        ))
        print(f"Created lead {lead_id}")

        lead = svc.retrieve("lead", lead_id, ColumnSet("fullname", "companyname", "statecode", "statuscode"))
        print(f"Retrieved: {lead['fullname']} of {lead['companyname']}, "
              f"{lead.formatted_values['statecode']} / {lead.formatted_values['statuscode']}")

        svc.update(Entity("lead", lead_id, jobtitle="Purchasing Manager", telephone1="555-0100"))
        print("Updated the job title and phone")

        q = QueryExpression("lead", ColumnSet("fullname", "jobtitle"))
        q.criteria.add_condition("companyname", ConditionOperator.BEGINS_WITH, "a. datum")
        found = svc.retrieve_multiple(q)
        print(f"Query for leads of 'A. Datum...': {[e['fullname'] for e in found]}")

        qualify = messages.QualifyLeadRequest
        resp = svc.execute(qualify(
            lead_id=EntityReference("lead", lead_id), create_account=True, create_contact=True,
            create_opportunity=True, status=3,
        ))
        print("Qualified the lead; created:")
        for ref in resp.created_entities:
            rec = svc.retrieve(ref.logical_name, ref.id)
            name = rec.get("name") or rec.get("fullname")
            print(f"  {ref.logical_name:<12} {ref.id}  {name}")
        lead = svc.retrieve("lead", lead_id, ColumnSet("statecode", "statuscode"))
        print(f"The lead is now {lead.formatted_values['statecode']} / {lead.formatted_values['statuscode']}")
        try:
            svc.execute(qualify(lead_id=EntityReference("lead", lead_id), create_account=True, status=3))
        except OrganizationServiceFault as fault:
            print(f"Qualifying it again faults, as in Dataverse: {fault.hex_code} {fault.message}")


if __name__ == "__main__":
    main()
