"""Reports over the lead funnel, each one FetchXML aggregate run in the store.

`LEAD_SOURCE_FETCHXML` groups leads by `leadsourcecode` and `statecode`, counts them, and sums the
`estimatedvalue` of the opportunities that name them as `originatingleadid` (an outer join, so sources
whose leads produced nothing still appear). `lead_source_report(svc)` runs it and folds the state
groups into one row per source: leads, qualified leads and the estimated value they produced.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from leadsdk.query import FetchExpression
from leadsdk.types import AliasedValue, Money, OptionSetValue

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["LEAD_SOURCE_FETCHXML", "LeadSourceRow", "lead_source_report"]

LEAD_SOURCE_FETCHXML = """\
<fetch aggregate="true">
  <entity name="lead">
    <attribute name="leadsourcecode" groupby="true" alias="source" />
    <attribute name="statecode" groupby="true" alias="state" />
    <attribute name="leadid" aggregate="countcolumn" distinct="true" alias="leads" />
    <link-entity name="opportunity" from="originatingleadid" to="leadid" link-type="outer" alias="opp">
      <attribute name="estimatedvalue" aggregate="sum" alias="estimatedvalue" />
    </link-entity>
    <order alias="source" />
  </entity>
</fetch>"""
"""Per lead source and lead state: the number of leads and the summed estimated value of their opportunities."""

QUALIFIED = 1
"""lead.statecode of qualified leads."""


@attrs.define
class LeadSourceRow:
    """One lead source: `source` is the leadsourcecode (None for leads without one), `label` its name."""

    source: int | None
    label: str | None
    leads: int = 0
    qualified: int = 0
    estimated_value: Decimal = Decimal(0)


def _raw(v: Any) -> Any:
    if isinstance(v, AliasedValue):
        v = v.value
    if isinstance(v, (OptionSetValue, Money)):
        return v.value
    return v


def lead_source_report(svc: OrganizationService) -> list[LeadSourceRow]:
    """Run `LEAD_SOURCE_FETCHXML` and return one row per lead source, in leadsourcecode order."""
    rows: dict[int | None, LeadSourceRow] = {}
    for e in svc.retrieve_multiple(FetchExpression(LEAD_SOURCE_FETCHXML)):
        source = _raw(e.get("source"))
        r = rows.get(source)
        if r is None:
            r = rows[source] = LeadSourceRow(source, e.formatted_values.get("source"))
        n = int(_raw(e.get("leads")) or 0)
        r.leads += n
        if _raw(e.get("state")) == QUALIFIED:
            r.qualified += n
        value = _raw(e.get("estimatedvalue"))
        if value is not None:
            r.estimated_value += Decimal(value)
    return sorted(rows.values(), key=lambda r: (r.source is None, r.source or 0))
