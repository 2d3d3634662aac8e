"""The lead lifecycle feature: qualify, disqualify, reactivate, the sales process stages, win/lose,
cases. `messages` holds its requests and handlers; `process` the sales process and default mappings."""

from leadsdk.lifecycle.process import DEFAULT_MAPPINGS, LEAD_TO_OPPORTUNITY_PROCESS_ID, STAGES

__all__ = ["DEFAULT_MAPPINGS", "LEAD_TO_OPPORTUNITY_PROCESS_ID", "STAGES"]
