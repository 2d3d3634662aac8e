"""Settings every write reads (records layer): the organization row, currencies and owners' business units,
kept in the store's transaction-aware cache; and the not-found fault every path raises."""

from __future__ import annotations

import uuid

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.records.context import Context
from leadsdk.storage.base import Row
from leadsdk.types import EntityReference

__all__ = ["REFERENCE_TABLES", "SETTINGS", "SETTINGS_TABLES", "business_unit", "business_unit_of", "currency",
           "currency_symbol", "known_to_exist", "not_found", "organization"]


def not_found(logical_name: str, id: uuid.UUID) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.OBJECT_DOES_NOT_EXIST, f"{logical_name} With Id = {id} Does Not Exist"
    )


REFERENCE_TABLES = frozenset({"transactioncurrency", "processstage", "systemuser", "team"})
"""Tables that lookups of most writes point to and that change rarely: whether one of their records exists
is kept in the settings cache (`known_to_exist`)."""

SETTINGS_TABLES = frozenset({"organization", *REFERENCE_TABLES})
"""Tables whose rows the settings cache holds: a write of any of them invalidates it."""


SETTINGS = "settings"
"""The StoreCache namespace of organization, currency and owner business-unit rows."""


def organization(ctx: Context) -> Row:
    """The organization row (settings, base currency), cached until it changes."""
    def load() -> Row:
        org = next(iter(ctx.storage.iter_rows(ctx.metadata.table("organization"), batch=1)), None)
        if org is None:
            raise OrganizationServiceFault(ErrorCodes.UNEXPECTED, "This store has no organization row.")
        return org

    return ctx.cache.get((SETTINGS, "org"), load)


def currency(ctx: Context, currency_id: uuid.UUID) -> Row:
    def load() -> Row:
        t = ctx.metadata.table("transactioncurrency")
        row = ctx.storage.get(t, currency_id, ["currencysymbol", "exchangerate", "isocurrencycode"])
        if row is None:
            raise not_found("transactioncurrency", currency_id)
        return row

    return ctx.cache.get((SETTINGS, "cur", currency_id), load)


def known_to_exist(ctx: Context, logical_name: str, id_: uuid.UUID) -> None:
    """Fault (not found) unless the record of a `REFERENCE_TABLES` table exists. That it exists is kept in
    the settings cache, which any write of these tables drops (in every service on the store); that it
    does not is never kept. A currency lookup of each new record, a process stage of each process instance,
    would otherwise cost a `SELECT 1` in every transaction."""
    if logical_name == "transactioncurrency":
        currency(ctx, id_)  # the row writes need anyway (exchange rate)
        return

    def load() -> bool:
        if not ctx.storage.exists(ctx.metadata.table(logical_name), id_):
            raise not_found(logical_name, id_)
        return True

    ctx.cache.get((SETTINGS, "exists", logical_name, id_), load)


def currency_symbol(ctx: Context) -> str:
    """The base currency's symbol (formatted amounts), cached with the settings it comes from."""
    def load() -> str:
        cid = organization(ctx).get("basecurrencyid")
        if cid is None:
            return "$"
        return str(currency(ctx, cid).get("currencysymbol") or "$")

    return ctx.store.cache.get((SETTINGS, "symbol"), load)


def business_unit_of(ctx: Context, owner: EntityReference) -> uuid.UUID | None:
    return business_unit(ctx, owner.logical_name, owner.id)


def business_unit(ctx: Context, logical_name: str, id_: uuid.UUID) -> uuid.UUID | None:
    def load() -> uuid.UUID | None:
        row = ctx.storage.get(ctx.metadata.table(logical_name), id_, ["businessunitid"])
        if row is None:
            raise not_found(logical_name, id_)
        bu: uuid.UUID | None = row.get("businessunitid")
        return bu

    return ctx.cache.get((SETTINGS, "bu", logical_name, id_), load)
