"""System jobs (issue 20): BulkDelete (`messages`) run as `asyncoperation` records by the store's
background worker (`runner`); `cancel_job` cancels one, `OrganizationService.wait` waits for it."""

from leadsdk.jobs.runner import cancel_job

__all__ = ["cancel_job"]
