"""The `leadsdk` command line, driven through main(argv) on a file store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leadsdk.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "crm.db")
    assert main(["--db", path, "init"]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_query_qualify_stats_export(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("firstname,lastname,companyname,leadsourcecode,estimatedamount\n"
                        "Ada,Lovelace,Analytical,Web,100\nAlan,Turing,Bletchley,8,50\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", db, "import", str(csv_file))
    assert code == 0 and "Imported 2 lead" in out
    code, out, _ = run(capsys, "--db", db, "query", "--where", "companyname~anal", "--columns",
                       "fullname,leadsourcecode")
    assert code == 0 and "Ada Lovelace" in out and "Web" in out and "Turing" not in out and "(1 row)" in out
    code, out, _ = run(capsys, "--db", db, "query", "--columns", "leadid", "--where", "lastname=turing",
                       "--format", "json")
    lead_id = json.loads(out)[0]["leadid"]
    code, out, _ = run(capsys, "--db", db, "qualify", lead_id, "--account", "--opportunity")
    assert code == 0 and "account" in out and "opportunity" in out
    code, out, err = run(capsys, "--db", db, "qualify", lead_id, "--account")
    assert code == 1 and "LEAD_ALREADY_IN_CLOSED_STATE" in err
    code, out, _ = run(capsys, "--db", db, "stats", "--format", "csv")
    assert code == 0 and "Qualified,Web,1,$50.00" in out and "Open,Web,1,$100.00" in out
    export = tmp_path / "out.csv"
    code, out, _ = run(capsys, "--db", db, "export", "--columns", "fullname,leadsourcecode", "--out", str(export))
    assert code == 0 and export.read_text().splitlines()[0] == "fullname,leadsourcecode"
    assert len(export.read_text().splitlines()) == 3
    fetch = "<fetch><entity name='lead'><attribute name='fullname'/><filter>" \
            "<condition attribute='statecode' operator='eq' value='1'/></filter></entity></fetch>"
    code, out, _ = run(capsys, "--db", db, "query", fetch, "--format", "csv")
    assert "Alan Turing" in out and "Ada" not in out


def test_import_with_errors_writes_nothing(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("lastname,leadsourcecode\nOk,1\nBad,Nope\n", encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "import", str(bad))
    assert code == 1 and "row 2, column leadsourcecode" in err and "Nothing imported" in err
    code, out, _ = run(capsys, "--db", db, "query", "--columns", "lastname")
    assert "(0 rows)" in out


def test_usage_and_fault_exit_codes(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, _, err = run(capsys, "--db", db, "query", "--table", "nope")
    assert code == 1 and "QUERY_BUILDER_NO_ENTITY" in err
    code, _, err = run(capsys, "--db", db, "query", "--where", "nonsense")
    assert code == 2 and "column=value" in err
    code, _, err = run(capsys, "--db", db, "qualify", "not-an-id")
    assert code == 2 and "not a lead id" in err
    with pytest.raises(SystemExit) as e:
        main(["--db", db, "frobnicate"])
    assert e.value.code == 2


def test_console_script_runs(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "leadsdk.cli", "--db", str(tmp_path / "x.db"), "init"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Store ready" in r.stdout


def test_table_output_and_faults_use_display_names(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from leadsdk import Entity, OrganizationService, OrganizationServiceFault
    from leadsdk.entities.declare import string
    from leadsdk.messages import EntityDefinition, UpdateAttributeRequest, UpdateEntityRequest

    with OrganizationService.open(db) as svc:
        svc.execute(UpdateEntityRequest(entity=EntityDefinition(schema_name="account", display_name="Company",
                                                                display_collection_name="Companies")))
        svc.execute(UpdateAttributeRequest(entity_name="account", attribute=string("name", 160, "Company Name")))
        svc.create(Entity("account", name="Litware"))
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.create(Entity("account", name=5))
        assert "'Company Name' (name) of table 'Company' (account)" in ei.value.message
    capsys.readouterr()
    code, out, _ = run(capsys, "--db", db, "query", "--table", "account", "--columns", "name")
    assert code == 0 and out.splitlines()[0].strip() == "Company Name" and "Litware" in out
    code, out, _ = run(capsys, "--db", db, "query", "--table", "account", "--columns", "name", "--format", "csv")
    assert out.splitlines()[0] == "name"
