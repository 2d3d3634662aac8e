"""The record engine (records layer): the typed request `Context`, record events, the store's
transaction-aware cache, and every write and read of a record. Nothing here names a message."""
