"""Required request parameters, checked as Dataverse checks them before a message runs.

Dataverse refuses a request whose required parameter is unset with RequiredFieldMissing and the text
"Required field '{Parameter}' is missing for RequestName='{Message}'" (as reported for UpdateMultiple's
Targets, microsoft/PowerPlatform-DataverseServiceClient issue 495), instead of assuming a value.
"""

from __future__ import annotations

from typing import Any

from leadsdk.errors import ErrorCodes, OrganizationServiceFault

__all__ = ["require_parameters"]


def require_parameters(message: str, **parameters: Any) -> None:
    """Fault on the first parameter (named as in the SDK, e.g. Status) that is None."""
    for name, value in parameters.items():
        if value is None:
            raise OrganizationServiceFault(
                ErrorCodes.REQUIRED_FIELD_MISSING,
                f"Required field '{name}' is missing for RequestName='{message}'.",
                error_details={"parameter": name, "request": message})
