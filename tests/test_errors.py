"""The Dataverse error-code catalogue (`leadsdk.errors`, generated `leadsdk._errorcodes`) and the fault type."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from leadsdk._errorcodes import codes
from leadsdk.errors import ErrorCodes, OrganizationServiceFault, _messages, default_message, error_name

INT32 = range(-(1 << 31), 1 << 31)


def s32(hresult: int) -> int:
    return hresult - (1 << 32) if hresult >= (1 << 31) else hresult


def constants() -> dict[str, int]:
    return {n: getattr(ErrorCodes, n) for n in dir(ErrorCodes) if n.isupper()}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DUPLICATE_RECORDS_FOUND", -2147220685),
        ("OBJECT_DOES_NOT_EXIST", -2147220969),
        ("INVALID_STATE_CODE_STATUS_CODE", -2147187704),
        ("LEAD_ALREADY_IN_CLOSED_STATE", -2147220199),
        ("LEAD_ALREADY_IN_OPEN_STATE", -2147220200),
        ("CONCURRENCY_VERSION_MISMATCH", -2147088254),
        ("PRIVILEGE_DENIED", -2147220960),
        ("DUPLICATE_RECORD", s32(0x80040237)),
        ("DUPLICATE_RECORD_ENTITY_KEY", s32(0x80060892)),
        ("CANNOT_QUALIFY_LEAD", -2146955240),
        ("UN_MANAGEDIDSLEADDOESNOTEXIST", -2147220223),
        ("QUERY_BUILDER_NO_ATTRIBUTE", -2147217149),
        ("AGGREGATE_QUERY_RECORD_LIMIT_EXCEEDED", -2147164125),
        ("THROTTLING", -2147094269),
        ("CASE_STATE_CHANGE_INVALID", 0x08006074),  # the file really declares 0x8006074 (seven digits)
        ("IMPORT_SOLUTION_PACKAGE_MINIMUM_VERSION_NEEDED", 1),
    ],
)
def test_known_codes(name: str, value: int) -> None:
    assert getattr(ErrorCodes, name) == value


def test_duplicate_records_found_is_the_signed_hresult() -> None:
    assert ErrorCodes.DUPLICATE_RECORDS_FOUND == -2147220685 == s32(0x80040333)


def test_catalogue_is_complete_and_well_formed() -> None:
    # ErrorCodes.cs (OptimisticConcurrency sample, commit 73ea1911) declares 2,681 codes.
    assert len(codes()) >= 2681
    names = [n for n, _, _ in codes()]
    values = [v for _, v, _ in codes()]
    assert len(set(names)) == len(names)
    assert len(set(values)) == len(values)
    for name, value, message in codes():
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", name), name
        assert value in INT32
        assert isinstance(message, str) and message.strip(), name


def test_every_catalogue_code_is_a_class_attribute() -> None:
    for name, value, _ in codes():
        assert getattr(ErrorCodes, name) == value


def test_every_constant_is_a_real_code_with_its_message() -> None:
    real = {v for _, v, _ in codes()}
    for name, value in constants().items():
        assert isinstance(value, int), name
        assert value in INT32, name
        assert value in real, f"{name} = {value:#x} is not a Dataverse code"
        assert _messages()[value] == default_message(value)


# Each SDK alias and the ErrorCodes.cs constant it stands for.
ALIASES = {
    "LEAD_DOES_NOT_EXIST": "UN_MANAGEDIDSLEADDOESNOTEXIST",
    "OPPORTUNITY_DOES_NOT_EXIST": "UN_MANAGEDIDSOPPORTUNITYDOESNOTEXIST",
    "INVALID_ATTRIBUTE_VALUE": "UN_MANAGEDIDSXMLINVALIDFIELD",
    "NUMBER_OUT_OF_RANGE": "INTEGER_VALUE_OUT_OF_RANGE",
    "INVALID_OPTION_SET_VALUE": "PICKLIST_VALUE_OUT_OF_RANGE",
    "ENTITY_NOT_FOUND": "QUERY_BUILDER_NO_ENTITY",
    "ATTRIBUTE_DOES_NOT_EXIST": "QUERY_BUILDER_NO_ATTRIBUTE",
    "LOOKUP_ENTITY_TYPE_NOT_ALLOWED": "INVALID_OBJECT_TYPES",
    "UNEXPECTED": "UN_EXPECTED",
    "SQL_ERROR": "UN_MANAGEDIDSSQLERROR",
    "ATTRIBUTE_NOT_VALID_FOR_CREATE": "UN_MANAGEDIDSXMLINVALIDCREATE",
    "ATTRIBUTE_NOT_VALID_FOR_UPDATE": "UN_MANAGEDIDSXMLINVALIDUPDATE",
    "UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE": "UN_MANAGEDIDSINCIDENTCANNOTCLOSE",
    "UN_MANAGED_IDS_ACTIVITY_INVALID_STATE": "UN_MANAGEDIDSACTIVITYINVALIDSTATE",
    "PLUGIN_EXECUTION_FAILED": "ISV_ABORTED",
    "INFINITE_LOOP_DETECTED": "SDK_CORRELATION_TOKEN_DEPTH_TOO_HIGH",
    "EXECUTE_MULTIPLE_BATCH_TOO_LARGE": "NOT_SUPPORTED",
    "EXECUTE_MULTIPLE_NESTED": "NOT_SUPPORTED",
    "QUERY_BUILDER_SERIALIZATION": "INVALID_FETCH_XML",
    "INVALID_CUSTOMIZATION_PREFIX": "IMPORT_ATTRIBUTE_NAME_ERROR",
    "CANNOT_DELETE_SYSTEM_ATTRIBUTE": "ATTRIBUTE_IS_NOT_CUSTOM_ATTRIBUTE",
    "DUPLICATE_ATTRIBUTE_NAME": "DUPLICATE_ATTRIBUTE_SCHEMA_NAME",
    "DUPLICATE_ENTITY_NAME": "INVALID_SCHEMA_NAME",
}


@pytest.mark.parametrize(("alias", "dataverse"), sorted(ALIASES.items()))
def test_aliases_point_at_dataverse_codes(alias: str, dataverse: str) -> None:
    assert getattr(ErrorCodes, alias) == getattr(ErrorCodes, dataverse)
    assert error_name(getattr(ErrorCodes, alias)) == dataverse


def test_every_alias_is_listed() -> None:
    catalogue = {n for n, _, _ in codes()}
    assert {n for n in vars(ErrorCodes) if n.isupper()} - catalogue == set(ALIASES)


def test_stock_messages() -> None:
    assert default_message(ErrorCodes.OBJECT_DOES_NOT_EXIST) == "The specified object was not found."
    assert default_message(ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE) == "The lead is already closed."
    assert default_message(ErrorCodes.DUPLICATE_RECORD) == "Operation failed due to a SQL integrity violation."
    assert default_message(ErrorCodes.DUPLICATE_RECORDS_FOUND) == (
        "A record was not created or updated because a duplicate of the current record already exists."
    )
    assert default_message(ErrorCodes.STRING_LENGTH_TOO_LONG) == (
        "A validation error occurred. A string value provided is too long."
    )
    assert default_message(ErrorCodes.INVALID_OPTION_SET_VALUE) == "The picklist value is out of the range."
    # C# escapes are undone, non-ASCII text and trailing blanks survive
    assert default_message(ErrorCodes.FAX_SEND_BLOCKED) == 'The recipient is marked as "Do Not Fax".'
    assert "\\nCheck" in default_message(ErrorCodes.ROLE_NOT_ENABLED_FOR_TABLET_APP)
    assert default_message(ErrorCodes.CANNOT_DELETE_ONE_NOTE_TABLE_OF_CONTENT).startswith("You can\u2019t delete")
    assert default_message(ErrorCodes.BDK_E_ADDRESS_VALIDATION_FAILURE) == "{0}  "


def test_unknown_code() -> None:
    assert error_name(12345) is None
    assert default_message(s32(0x8004FFFF)) == "The operation failed with error code 0x8004FFFF."


def test_error_name_prefers_the_dataverse_name() -> None:
    assert error_name(-2147220685) == "DUPLICATE_RECORDS_FOUND"
    assert error_name(ErrorCodes.UNEXPECTED) == "UN_EXPECTED"


def _generator() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "tools" / "gen_errorcodes.py"
    spec = importlib.util.spec_from_file_location("gen_errorcodes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("dataverse", "name"),
    [
        ("DuplicateRecordsFound", "DUPLICATE_RECORDS_FOUND"),
        ("unManagedidsleaddoesnotexist", "UN_MANAGEDIDSLEADDOESNOTEXIST"),
        ("unManagedIdsAccessDenied", "UN_MANAGED_IDS_ACCESS_DENIED"),
        ("CRMUserDoesNotExist", "CRM_USER_DOES_NOT_EXIST"),
        ("Pop3UnexpectedException", "POP3_UNEXPECTED_EXCEPTION"),
        ("S2SAccessTokenCannotBeAcquired", "S2S_ACCESS_TOKEN_CANNOT_BE_ACQUIRED"),
        ("ReportServerSP2HotFixNotApplied", "REPORT_SERVER_SP2_HOT_FIX_NOT_APPLIED"),
        ("OfflineFilterNestedDateTimeOR", "OFFLINE_FILTER_NESTED_DATE_TIME_OR"),
        ("MailApp_UnsupportedDevice", "MAIL_APP_UNSUPPORTED_DEVICE"),
        ("QueryBuilderAlias_Does_Not_Exist", "QUERY_BUILDER_ALIAS_DOES_NOT_EXIST"),
        ("BDK_E_STATE_ZIP_CITY_INVALID2", "BDK_E_STATE_ZIP_CITY_INVALID2"),
    ],
)
def test_name_conversion(dataverse: str, name: str) -> None:
    assert _generator().upper_snake(dataverse) == name
    assert hasattr(ErrorCodes, name)


def test_fault_uses_the_stock_message() -> None:
    f = OrganizationServiceFault(ErrorCodes.DUPLICATE_RECORDS_FOUND)
    assert f.error_code == -2147220685
    assert f.message == default_message(ErrorCodes.DUPLICATE_RECORDS_FOUND)
    assert f.args == (f.message,)
    assert f.hex_code == "0x80040333"
    assert f.error_name == "DUPLICATE_RECORDS_FOUND"
    assert str(f) == f"{f.message} (DUPLICATE_RECORDS_FOUND)"
    assert repr(f) == f"OrganizationServiceFault(DUPLICATE_RECORDS_FOUND, {f.message!r})"
    assert f.error_details == {} and f.inner_fault is None and f.trace_text is None
    assert f.timestamp.tzinfo is not None and abs(dt.datetime.now(dt.timezone.utc) - f.timestamp).total_seconds() < 60


def test_fault_with_own_message_and_details() -> None:
    inner = OrganizationServiceFault(ErrorCodes.SQL_ERROR)
    details = {"MaxBatchSize": 1000}
    f = OrganizationServiceFault(
        ErrorCodes.OBJECT_DOES_NOT_EXIST,
        "lead With Id = 1 Does Not Exist",
        error_details=details,
        inner_fault=inner,
        trace_text="trace",
    )
    details["MaxBatchSize"] = 1
    assert f.message == str(f.args[0]) == "lead With Id = 1 Does Not Exist"
    assert f.error_details == {"MaxBatchSize": 1000}
    assert f.inner_fault is inner and f.trace_text == "trace"
    assert f.hex_code == "0x80040217"
    assert str(f) == "lead With Id = 1 Does Not Exist (OBJECT_DOES_NOT_EXIST)"


def test_fault_for_a_code_outside_the_catalogue() -> None:
    f = OrganizationServiceFault(s32(0x8004FFFF))
    assert f.error_name is None
    assert f.hex_code == "0x8004FFFF"
    assert repr(f) == "OrganizationServiceFault(0x8004FFFF, 'The operation failed with error code 0x8004FFFF.')"
    assert OrganizationServiceFault(ErrorCodes.CASE_STATE_CHANGE_INVALID).hex_code == "0x08006074"


def test_fault_is_an_exception() -> None:
    with pytest.raises(OrganizationServiceFault) as info:
        raise OrganizationServiceFault(ErrorCodes.PRIVILEGE_DENIED)
    assert info.value.message == "The user does not hold the necessary privileges."
