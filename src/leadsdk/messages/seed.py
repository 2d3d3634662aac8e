"""Rows every new store starts with: the base currency (USD), the root business unit,
the SYSTEM user and the organization."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from leadsdk.messages.base import SYSTEM_USER_ID, HandlerContext
from leadsdk.messages.records import create_record
from leadsdk.types import Entity, EntityReference

__all__ = ["SEEDS", "seed_core"]

SEEDS: list[Callable[[HandlerContext], None]] = []
"""Seeders run in order when a store is created; features append their own (roles, rules, views)."""


def seed_core(ctx: HandlerContext) -> None:
    usd = create_record(ctx, Entity("transactioncurrency", attributes={
        "currencyname": "US Dollar", "isocurrencycode": "USD", "currencysymbol": "$",
        "exchangerate": Decimal("1.0"), "currencyprecision": 2,
    }))
    root = create_record(ctx, Entity("businessunit", attributes={"name": "Root Business Unit"}))
    create_record(ctx, Entity("systemuser", SYSTEM_USER_ID, {
        "firstname": "", "lastname": "SYSTEM", "fullname": "SYSTEM", "domainname": "SYSTEM",
        "businessunitid": EntityReference("businessunit", root), "accessmode": 4,
    }))
    create_record(ctx, Entity("organization", uuid.uuid4(), {
        "name": "leadsdk", "basecurrencyid": EntityReference("transactioncurrency", usd),
    }))


SEEDS.append(seed_core)


def run_seeds(ctx: HandlerContext) -> None:
    for s in SEEDS:
        s(ctx)
