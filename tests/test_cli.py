"""The `leadsdk` command line, driven through click's CliRunner (and main(argv)) on a file store."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadsdk import OrganizationService
from leadsdk.cli import cli, main
from leadsdk.messages import SetStateRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.types import EntityReference, OptionSetValue


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "crm.db")
    assert main(["--db", path, "init"]) == 0
    return path


def invoke(db: str, *argv: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *argv], input=input, catch_exceptions=False)


def _training_csv(path: Path, n: int = 44) -> None:
    """n leads that will be qualified (mostly from the web) and n to disqualify (mostly adverts). One in 22
    of each goes against the pattern: with one in 7 the held-out fold (by the records' random ids) scored an
    AUC below 0.6 in about 1 of 150 stores, and `score train` rightly refused to publish."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["lastname", "companyname", "leadsourcecode"])
        for i in range(n):
            w.writerow([f"Q{i}", "Qualifying", "Web" if i % 22 else "Advertisement"])
            w.writerow([f"D{i}", "Disqualifying", "Advertisement" if i % 22 else "Web"])


def test_an_export_reimports_into_another_store(db: str, tmp_path: Path) -> None:
    """Lookups whose ids the new store lacks are found by the exported name (unique), or rejected saying why."""
    from leadsdk import Entity
    from leadsdk.entities import EntityKeyMetadata
    from leadsdk.messages import CreateEntityKeyRequest

    with OrganizationService.open(db) as svc:
        accounts = {n: svc.create(Entity("account", name=n)) for n in ("Contoso", "Fabrikam", "Ghost")}
        for last, account in (("Ada", "Contoso"), ("Bob", "Fabrikam"), ("Cy", "Ghost"), ("Dee", None)):
            e = Entity("lead", lastname=last, subject="Bikes")
            if account:
                e["parentaccountid"] = EntityReference("account", accounts[account])
                e["customerid"] = EntityReference("account", accounts[account])
            svc.create(e)
    export = tmp_path / "leads.csv"
    assert invoke(db, "export", "lead", "--out", str(export)).exit_code == 0

    other = str(tmp_path / "other.db")
    assert main(["--db", other, "init"]) == 0
    with OrganizationService.open(other) as svc:  # the same names under other ids; Fabrikam twice, no Ghost
        contoso = svc.create(Entity("account", name="Contoso"))
        for _ in range(2):
            svc.create(Entity("account", name="Fabrikam"))
        currency = svc.retrieve_multiple(QueryExpression("transactioncurrency")).entities[0].id

    r = invoke(other, "import", str(export), "--silent")
    assert r.exit_code == 1 and "Nothing imported" in r.output
    assert "2 account records are named 'Fabrikam': write the id of the one meant" in r.output
    assert f"account {accounts['Ghost']} is not in this store, and no account is named 'Ghost'" in r.output
    r = invoke(other, "import", str(export), "--silent", "--skip-errors")
    assert r.exit_code == 0 and "Imported 2 lead record(s)" in r.output
    with open(str(export) + ".rejected.csv", newline="", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert sorted(x["column"] for x in rejected) == ["customerid", "customerid", "parentaccountid", "parentaccountid"]

    with OrganizationService.open(other) as svc:
        q = QueryExpression("lead")
        q.column_set.add_columns("lastname", "parentaccountid", "customerid", "transactioncurrencyid", "ownerid")
        leads = {e["lastname"]: e for e in svc.retrieve_multiple(q).entities}
        assert sorted(leads) == ["Ada", "Dee"]
        assert leads["Ada"]["parentaccountid"].id == contoso and leads["Ada"]["customerid"].id == contoso
        assert leads["Ada"]["transactioncurrencyid"].id == currency  # the other store's own US Dollar
        assert leads["Dee"].get("parentaccountid") is None
        # by hand: a name instead of an id, and a declared alternate key
        svc.execute(CreateEntityKeyRequest(entity_name="account", entity_key=EntityKeyMetadata(
            "new_accountnumber", ["accountnumber"])))
        keyed = svc.create(Entity("account", name="Keyed Ltd", accountnumber="ACC-7"))
    hand = tmp_path / "hand.csv"
    hand.write_text("lastname,parentaccountid,customerid\nEve,Contoso,account:Contoso\nFay,ACC-7,\n"
                    "Gus,Nowhere,\n", encoding="utf-8")
    r = invoke(other, "import", str(hand), "--silent")
    assert r.exit_code == 1
    assert "row 3, column parentaccountid: no account is named 'Nowhere' or has accountnumber 'Nowhere'" in r.output
    assert invoke(other, "import", str(hand), "--silent", "--skip-errors").exit_code == 0
    with OrganizationService.open(other) as svc:
        leads = {e["lastname"]: e for e in svc.retrieve_multiple(q).entities}
        assert leads["Eve"]["parentaccountid"].id == contoso and leads["Eve"]["customerid"].id == contoso
        assert leads["Fay"]["parentaccountid"].id == keyed and "Gus" not in leads


def test_end_to_end(db: str, tmp_path: Path) -> None:
    """init -> import (bad rows, --skip-errors) -> query --json -> export -> re-import -> dedupe -> score
    -> qualify, as a person would in a shell."""
    src = tmp_path / "leads.csv"
    src.write_text(
        "First Name,lastname,companyname,leadsourcecode,estimatedamount,emailaddress1,estimatedclosedate,fax_no\n"
        "Ada,Lovelace,Analytical,Web,\"1,250.50\",ada@analytical.example,1/31/2030,1\n"
        "Bad,Source,Nowhere,Nope,10,,,2\n"
        "Ada,Lovelace,Analytical Engines,Web,,ada@analytical.example,2030-02-01,\n"
        "Bad,Date,Nowhere,8,,,31/31/2030,\n"
        "Alan,Turing,Bletchley,8,,,,\n", encoding="utf-8")
    r = invoke(db, "import", str(src))
    assert r.exit_code == 1 and "Nothing imported" in r.output and "--skip-errors" in r.output
    assert r.output.count("has no column") == 1  # the unknown header is reported once, not per row
    r = invoke(db, "import", str(src), "--skip-errors")
    assert r.exit_code == 0 and "Imported 3 lead record(s)" in r.output
    with open(str(src) + ".rejected.csv", newline="", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(x["row"], x["column"]) for x in rejected] == [
        ("0", "fax_no"), ("2", "leadsourcecode"), ("4", "estimatedclosedate")]
    assert "not a date" in rejected[2]["reason"]

    r = invoke(db, "query", "--where", "lastname=Lovelace", "--columns",
               "fullname,leadsourcecode,estimatedamount,estimatedclosedate,fax", "--order", "companyname", "--json")
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert rows[0] == {"fullname": "Ada Lovelace", "leadsourcecode": 8, "leadsourcecode_label": "Web",
                       "estimatedamount": 1250.5, "estimatedclosedate": "2030-01-31", "fax": None}
    assert rows[1]["estimatedclosedate"] == "2030-02-01" and rows[1]["estimatedamount"] is None

    training = tmp_path / "training.csv"
    _training_csv(training)
    assert invoke(db, "import", str(training), "--silent").exit_code == 0

    # export, delete, re-import, export again: the same file
    first = tmp_path / "export1.csv"
    assert invoke(db, "export", "lead", "--out", str(first)).exit_code == 0
    with OrganizationService.open(db) as svc:
        for e in svc.retrieve_multiple(QueryExpression("lead")).entities:
            svc.delete("lead", e.id)
    r = invoke(db, "import", str(first))
    assert r.exit_code == 0 and "Imported 91 lead record(s)" in r.output
    second = tmp_path / "export2.csv"
    invoke(db, "export", "--table", "lead", "-o", str(second))
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    header = first.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert {"leadid", "leadsourcecode", "leadsourcecode_label", "ownerid", "ownerid_name",
            "ownerid_table"} <= set(header)

    # dedupe: no published rule -> how to publish one; then the pair, by name
    r = invoke(db, "dedupe")
    assert r.exit_code == 1 and "leadsdk rules publish" in r.output
    r = invoke(db, "rules", "publish", "--table", "lead")
    assert r.exit_code == 0 and "Published" in r.output
    r = invoke(db, "dedupe")
    assert r.exit_code == 0 and "2 duplicate pair(s)" in r.output and r.output.count("'Ada Lovelace'") == 4  # each way
    r = invoke(db, "dedupe", "--fuzzy")
    assert r.exit_code == 0 and "Ada Lovelace ~ Ada Lovelace" in r.output and "FuzzyMatch" not in r.output

    # score: says why nothing was scored, then trains and publishes a model
    r = invoke(db, "score")
    assert r.exit_code == 1 and "leadsdk score train" in r.output
    ids = invoke(db, "query", "--where", "companyname=Qualifying", "--columns", "leadid", "--json").output
    r = invoke(db, "qualify", "-", "--no-duplicate-detection", input=ids)
    assert r.exit_code == 0 and r.output.count("qualified; created nothing new") == 44
    with OrganizationService.open(db) as svc:
        q = QueryExpression("lead")
        q.criteria.add_condition("companyname", ConditionOperator.EQUAL, "Disqualifying")
        for e in svc.retrieve_multiple(q).entities:
            svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", e.id), state=OptionSetValue(2),
                                        status=OptionSetValue(4)))
    r = invoke(db, "score", "train")
    assert r.exit_code == 0 and "44 positive and 44 negative" in r.output and "Published; scored 3 open" in r.output
    r = invoke(db, "score")
    assert r.exit_code == 0 and "up to date" in r.output
    r = invoke(db, "query", "--where", "lastname=Turing", "--columns", "msdyn_leadscore,msdyn_leadgrade", "--csv")
    assert r.output.splitlines()[0] == "msdyn_leadscore,msdyn_leadgrade,msdyn_leadgrade_label"

    # qualify by a query, with names in the output
    r = invoke(db, "qualify", "--where", "lastname=Turing", "--account", "--opportunity")
    assert r.exit_code == 0 and "lead 'Alan Turing'" in r.output and "account 'Bletchley'" in r.output
    r = invoke(db, "qualify", "--where", "lastname=Turing", "--account")
    assert r.exit_code == 1 and "LEAD_ALREADY_IN_CLOSED_STATE" in r.output


def test_output_formats(db: str) -> None:
    with OrganizationService.open(db) as svc:
        from leadsdk import Entity

        a = svc.create(Entity("account", name="Litware"))
        svc.create(Entity("lead", lastname="Tab\tby", jobtitle="", parentaccountid=EntityReference("account", a)))
        assert svc.retrieve("lead", svc.retrieve_multiple(QueryExpression("lead")).entities[0].id).get(
            "jobtitle") is None  # an empty string is stored as null
    cols = "lastname,parentaccountid,statecode"
    r = invoke(db, "query", "-c", cols, "--json", "--array")
    data = json.loads(r.output)
    assert data == [{"lastname": "Tab\tby", "parentaccountid": str(a), "parentaccountid_name": "Litware",
                     "statecode": 0, "statecode_label": "Open"}]
    r = invoke(db, "query", "-c", cols, "--tsv")
    assert list(csv.reader(io.StringIO(r.output), delimiter="\t"))[1] == ["Tab\tby", str(a), "Litware", "0", "Open"]
    r = invoke(db, "query", "-c", cols)
    assert r.output.splitlines()[0].split()[:2] == ["Last", "Name"] and "Status" in r.output.splitlines()[0]
    assert "Litware" in r.output and str(a) not in r.output and "(1 row)" in r.output
    r = invoke(db, "query", "-c", "lastname", "--where", "lastname=nobody", "--csv")
    assert r.output == "lastname\n"
    r = invoke(db, "export", "account", "-c", "name", "--json")
    assert json.loads(r.output) == {"name": "Litware"}
    r = invoke(db, "sql", "select name from account", "--csv")
    assert r.output == "name\nLitware\n"
    r = invoke(db, "sql", "delete from account")
    assert r.exit_code == 1 and "readonly" in r.output


def test_import_options(db: str, tmp_path: Path) -> None:
    p = tmp_path / "latin.tsv"
    p.write_bytes("lastname\tcompanyname\tleadsourcecode_label\nMüller\tCafé\tWeb\n".encode("latin-1"))
    r = invoke(db, "import", str(p), "--encoding", "latin-1", "--delimiter", "\\t")
    assert r.exit_code == 0 and "Importing lead" in r.output
    r = invoke(db, "query", "-c", "lastname,companyname,leadsourcecode", "--json")
    assert json.loads(r.output) == {"lastname": "Müller", "companyname": "Café", "leadsourcecode": 8,
                                    "leadsourcecode_label": "Web"}
    r = invoke(db, "import", "-", "--table", "account", input="name\nFabrikam\n")
    assert r.exit_code == 0 and "Imported 1 account" in r.output


def test_usage_errors_and_exit_codes(db: str) -> None:
    r = invoke(db, "query", "--table", "nope")
    assert r.exit_code == 1 and "QUERY_BUILDER_NO_ENTITY" in r.output
    r = invoke(db, "query", "--where", "nonsense")
    assert r.exit_code == 2 and "column=value" in r.output
    r = invoke(db, "qualify", "not-an-id")
    assert r.exit_code == 2 and "not a lead id" in r.output
    r = invoke(db, "qualify")
    assert r.exit_code == 2 and "--where" in r.output
    assert main(["--db", db, "frobnicate"]) == 2
    assert main(["--version"]) == 0
    r = CliRunner().invoke(cli, ["--version"])
    assert r.output.startswith("leadsdk ")


def test_db_anywhere_and_from_environment(tmp_path: Path) -> None:
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", a]).exit_code == 0
    assert runner.invoke(cli, ["import", "-", "--db", a], input="lastname\nX\n").exit_code == 0
    r = runner.invoke(cli, ["query", "-c", "lastname", "--csv"], env={"LEADSDK_DB": a})
    assert r.output == "lastname\nX\n"
    r = runner.invoke(cli, ["--db", a, "query", "-c", "lastname", "--csv", "--db", b])
    assert r.output == "lastname\n"  # the last --db wins


def test_every_option_has_help() -> None:
    import click

    def walk(cmd: click.Command, path: str) -> None:
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"{path} {p.opts} has no help"
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "leadsdk")


def test_serve_without_the_server_says_what_to_install(db: str) -> None:
    try:
        import leadsdk.webapi.server  # noqa: F401
    except ImportError:
        r = invoke(db, "serve", "--port", "0")
        assert r.exit_code == 1 and "leadsdk[server]" in r.output
    else:  # pragma: no cover - once the server exists, its own tests cover serving
        pytest.skip("leadsdk.webapi.server is installed")


def test_console_script_runs(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "leadsdk.cli", "--db", str(tmp_path / "x.db"), "init"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Store ready" in r.stdout


def test_table_output_uses_display_names(db: str) -> None:
    from leadsdk import Entity
    from leadsdk.entities.declare import string
    from leadsdk.messages import UpdateAttributeRequest

    with OrganizationService.open(db) as svc:
        svc.execute(UpdateAttributeRequest(entity_name="account", attribute=string("name", 160, "Company Name")))
        svc.create(Entity("account", name="Litware"))
        svc.create(Entity("lead", lastname="Hopper", leadsourcecode=8, estimatedamount=50))
    r = invoke(db, "query", "--table", "account", "--columns", "name")
    assert r.output.splitlines()[0].strip() == "Company Name" and "Litware" in r.output
    r = invoke(db, "query", "--table", "account", "--columns", "name", "--csv")
    assert r.output.splitlines()[0] == "name"
    r = invoke(db, "stats", "--csv")
    assert r.output.splitlines() == ["state,state_label,source,source_label,leads,estimated", "0,Open,8,Web,1,50"]


def test_sql_is_read_only_on_both_backends(svc: OrganizationService, backend: str, tmp_path: Path) -> None:
    """`leadsdk sql` reads (SQLite: the file opened read-only; PostgreSQL: a read-only transaction)."""
    import click

    from leadsdk import Entity
    from leadsdk.cli.sql import run_readonly

    svc.create(Entity("lead", lastname="Reader"))
    if backend == "postgres":
        storage = svc.storage
        dsn, table = storage.dsn, f"{storage.schema}.lead"  # type: ignore[attr-defined]
    else:
        dsn, table = str(tmp_path / "ro.db"), "lead"
        with OrganizationService.open(dsn) as file_svc:
            file_svc.create(Entity("lead", lastname="Reader"))
    names, rows = run_readonly(dsn, f"select lastname from {table}")
    assert names == ["lastname"] and rows == [("Reader",)]
    with pytest.raises(click.ClickException, match="SQL refused"):
        run_readonly(dsn, f"delete from {table}")
    assert run_readonly(dsn, f"select count(*) from {table}")[1] == [(1,)]
