"""Alternate keys (issue 20): CreateEntityKey / DeleteEntityKey (`messages`) and addressing records by
key values in Retrieve, Update, Delete, Upsert, their Multiple forms and lookups (`rules`, bound by the
pipeline before security and plugins run)."""
