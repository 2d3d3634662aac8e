"""Customizations (custom tables and columns) kept in the store, so they survive reopening it."""

from __future__ import annotations

from leadsdk.entities.registry import Metadata
from leadsdk.storage.base import Storage

__all__ = ["load"]


def load(storage: Storage, metadata: Metadata) -> None:
    """Add the store's saved custom tables and columns to `metadata` (before the schema is synced)."""
    loader = getattr(storage, "load_customizations", None)
    if callable(loader):
        loader(metadata)
