"""Change tracking (issue 20): RetrieveEntityChanges over a table's version index (`messages`) and the
tombstones deletes leave (`rules`, an after_delete listener)."""
