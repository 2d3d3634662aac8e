"""The audit feature: every audited change becomes an `audit` row (rules), read back with
RetrieveRecordChangeHistory (messages)."""
