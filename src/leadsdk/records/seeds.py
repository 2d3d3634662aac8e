"""Rows every new store starts with: the base currency (USD), the root business unit, the SYSTEM user
and the organization; then each feature's own (declared with `records.events.seeds_store`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from types import ModuleType

from leadsdk.records.context import SYSTEM_USER_ID, Context
from leadsdk.records.events import seeders
from leadsdk.records.write import create_record
from leadsdk.types import Entity, EntityReference

__all__ = ["run_seeds", "seed_core"]


def seed_core(ctx: Context) -> None:
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


def run_seeds(ctx: Context, features: Iterable[ModuleType]) -> None:
    """Seed a new store: the core rows, then each feature's seeders in `features` order."""
    seed_core(ctx)
    for seed in seeders(features):
        seed(ctx)
