"""Assignment rules (routing): which seller a new lead or opportunity goes to.

A rule (`msdyn_assignmentrule`) has a priority, a record type (lead or opportunity), a condition
(a FetchXML `<filter>` or a whole `<fetch>`), eligible sellers (users linked through
`msdyn_assignmentrule_systemuser` and/or the members of `msdyn_teamid`) and a distribution:
round robin (0) or load balancing by capacity (1: the seller with the fewest open records, skipping
sellers at their `systemuser.msdyn_capacity`). Active rules are tried by priority (lowest first,
then name); the first whose condition matches decides.

The engine only reads (through the storage interface) and decides; the message layer applies the
decision with a nested AssignRequest run by the system.
"""

from __future__ import annotations

import uuid
from typing import Any

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.fetchxml import parse_fetchxml
from leadsdk.query.model import (
    AggregateColumn,
    ConditionOperator,
    QueryExpression,
)
from leadsdk.records.coherence import changed
from leadsdk.types import ColumnSet

__all__ = ["ROUTED_TABLES", "Decision", "RoutingEngine", "Rule", "parse_condition"]

ROUTED_TABLES = frozenset({"lead", "opportunity"})
ROUND_ROBIN, LOAD_BALANCING = 0, 1


@attrs.frozen
class Rule:
    """An active assignment rule, as the engine uses it."""

    id: uuid.UUID
    name: str
    priority: int
    entity: str
    condition: QueryExpression | None
    distribution: int
    team_id: uuid.UUID | None


@attrs.frozen
class Decision:
    """The outcome of routing one record: the rule that matched (if any), the seller and why."""

    rule: Rule | None
    seller: uuid.UUID | None
    reason: str


def parse_condition(entity: str, condition: str | None) -> QueryExpression | None:
    """A rule's condition as a query on `entity` (None: matches every record). Faults on bad FetchXML."""
    text = (condition or "").strip()
    if not text:
        return None
    if text.startswith("<fetch"):
        qe = parse_fetchxml(text)
        if qe.entity_name != entity:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The assignment rule's condition queries {qe.entity_name}, but the rule routes {entity} records.")
        return qe
    if not text.startswith("<filter"):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_FETCH_XML,
            "An assignment rule's condition must be a FetchXML <filter> or <fetch> element.")
    return parse_fetchxml(f"<fetch><entity name='{entity}'>{text}</entity></fetch>")


class RoutingEngine:
    """Loads active rules (cached until a rule or its sellers change) and routes records."""

    def invalidate(self, ctx: Any) -> None:
        """Rules or their sellers changed: every service on the store reloads them."""
        changed(ctx, "routing")

    def rules(self, ctx: Any, entity: str) -> list[Rule]:
        got: dict[str, list[Rule]] = ctx.cache.get(("routing",), lambda: self._load(ctx))
        return got.get(entity, [])

    def _load(self, ctx: Any) -> dict[str, list[Rule]]:
        t = ctx.metadata.get("msdyn_assignmentrule")
        out: dict[str, list[Rule]] = {}
        if t is None:
            return out
        q = QueryExpression("msdyn_assignmentrule", column_set=ColumnSet(
            "msdyn_name", "msdyn_priority", "msdyn_entitytype", "msdyn_condition", "msdyn_distributiontype",
            "msdyn_teamid"))
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
        for r in ctx.storage.select(q).rows:
            entity = str(r.get("msdyn_entitytype") or "")
            if entity not in ROUTED_TABLES:
                continue
            rule = Rule(
                id=r["msdyn_assignmentruleid"], name=str(r.get("msdyn_name") or ""),
                priority=int(r.get("msdyn_priority") or 0), entity=entity,
                condition=parse_condition(entity, r.get("msdyn_condition")),
                distribution=int(r.get("msdyn_distributiontype") or 0), team_id=r.get("msdyn_teamid"),
            )
            out.setdefault(entity, []).append(rule)
        for rules in out.values():
            rules.sort(key=lambda x: (x.priority, x.name.lower(), str(x.id)))
        return out

    # matching --------------------------------------------------------------------------
    def matches(self, ctx: Any, rule: Rule, record_id: uuid.UUID) -> bool:
        t = ctx.metadata.table(rule.entity)
        if rule.condition is None:
            return True
        base = rule.condition
        q = QueryExpression(rule.entity, column_set=ColumnSet(t.primary_id_attribute),
                            link_entities=list(base.link_entities))
        q.criteria.add_condition(t.primary_id_attribute, ConditionOperator.EQUAL, record_id)
        q.criteria.add_filter(base.criteria)
        q.top_count = 1
        return bool(ctx.storage.select(q).rows)

    def sellers(self, ctx: Any, rule: Rule) -> list[uuid.UUID]:
        """Eligible sellers: the rule's users and its team's members, enabled ones only, in id order."""
        ids: set[uuid.UUID] = set()
        inter = ctx.metadata.get("msdyn_assignmentrule_systemuser")
        if inter is not None:
            links = ctx.storage.ids_where(inter, "msdyn_assignmentruleid", rule.id)
            ids.update(r["systemuserid"] for r in ctx.storage.get_many(inter, links, ["systemuserid"]))
        if rule.team_id is not None:
            tm = ctx.metadata.table("teammembership")
            links = ctx.storage.ids_where(tm, "teamid", rule.team_id)
            ids.update(r["systemuserid"] for r in ctx.storage.get_many(tm, links, ["systemuserid"]))
        if not ids:
            return []
        users = ctx.storage.get_many(ctx.metadata.table("systemuser"), sorted(ids), ["isdisabled"])
        return sorted((u["systemuserid"] for u in users if not u.get("isdisabled")), key=str)

    def open_count(self, ctx: Any, entity: str, owner: uuid.UUID) -> int:
        t = ctx.metadata.table(entity)
        q = QueryExpression(entity)
        q.aggregate = True
        q.aggregate_columns = [AggregateColumn(t.primary_id_attribute, "n", aggregate="count")]
        q.criteria.add_condition("ownerid", ConditionOperator.EQUAL, owner)
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
        rows = ctx.storage.select(q).rows
        return int(rows[0].get("n") or 0) if rows else 0

    def route(self, ctx: Any, entity: str, record_id: uuid.UUID, eligible: Any = None) -> Decision:
        """Decide who gets the record. `eligible(user_id) -> bool` filters sellers (e.g. by privileges)."""
        for rule in self.rules(ctx, entity):
            if not self.matches(ctx, rule, record_id):
                continue
            sellers = [s for s in self.sellers(ctx, rule) if eligible is None or eligible(s)]
            if not sellers:
                return Decision(rule, None, f"Assignment rule '{rule.name}' matched but has no eligible seller.")
            if rule.distribution == LOAD_BALANCING:
                return self._by_capacity(ctx, rule, sellers)
            return self._round_robin(ctx, rule, sellers)
        return Decision(None, None, "No assignment rule matched.")

    def _round_robin(self, ctx: Any, rule: Rule, sellers: list[uuid.UUID]) -> Decision:
        t = ctx.metadata.table("msdyn_assignmentrule")
        row = ctx.storage.get(t, rule.id, ["msdyn_assignmentcursor"])
        cursor = int((row or {}).get("msdyn_assignmentcursor") or 0)
        seller = sellers[cursor % len(sellers)]
        ctx.storage.update(t, rule.id, {"msdyn_assignmentcursor": cursor + 1})
        return Decision(rule, seller, f"Assigned by assignment rule '{rule.name}' (round robin, "
                                      f"seller {cursor % len(sellers) + 1} of {len(sellers)}).")

    def _by_capacity(self, ctx: Any, rule: Rule, sellers: list[uuid.UUID]) -> Decision:
        users = {u["systemuserid"]: u for u in ctx.storage.get_many(ctx.metadata.table("systemuser"), sellers,
                                                                      ["msdyn_capacity"])}
        best: tuple[int, str, uuid.UUID] | None = None
        for s in sellers:
            load = self.open_count(ctx, rule.entity, s)
            cap = users.get(s, {}).get("msdyn_capacity")
            if cap is not None and load >= int(cap):
                continue
            key = (load, str(s), s)
            if best is None or key < best:
                best = key
        if best is None:
            return Decision(rule, None, f"Assignment rule '{rule.name}' matched but every seller is at capacity.")
        return Decision(rule, best[2], f"Assigned by assignment rule '{rule.name}' (load balancing: "
                                       f"{best[0]} open {rule.entity} records before this one).")
