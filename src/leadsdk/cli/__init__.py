"""The `leadsdk` command line (click, after sqlite-utils' conventions).

`--db` names the store on the group or on any command: a SQLite file (default `crm.db`, or $LEADSDK_DB)
or a postgresql:// DSN. Exit codes: 0 done; 1 the store refused (the fault is printed with its Dataverse
error name and code), an import was rejected, or there was nothing to work with (the message says what
to do); 2 the command line was wrong. The commands use the public API (OrganizationService, requests).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import click

from leadsdk import __version__
from leadsdk.cli.query import query_from_options, split_columns
from leadsdk.cli.sql import run_readonly
from leadsdk.cli.tools import (
    LeadsdkGroup,
    StoreError,
    companions_of,
    db_option,
    export_rows,
    format_options,
    iter_records,
    open_store,
    store_path,
    write_output,
)
from leadsdk.cli.work import dedupe, qualify, rules, score
from leadsdk.helpers.dataframe import import_csv, read_text
from leadsdk.query import FetchExpression, QueryExpression
from leadsdk.service import OrganizationService
from leadsdk.types import ColumnSet, Entity

__all__ = ["cli", "main"]


@click.group(cls=LeadsdkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="leadsdk", message="%(prog)s %(version)s")
@db_option(envvar="LEADSDK_DB")
def cli() -> None:
    """Work with a leadsdk store (Dataverse lead-to-opportunity on SQLite or PostgreSQL) from the shell.

    Exit codes: 0 done; 1 the store refused, an import was rejected, or there was nothing to work with;
    2 the command line was wrong."""


def _display_names(svc: OrganizationService, table: str | None) -> dict[str, str]:
    """Column -> display name (as customized in this store), for table output."""
    t = svc.metadata.get(table) if table else None
    return {} if t is None else {a.logical_name: a.display_name or a.logical_name for a in t.attributes.values()}


@cli.command()
@db_option()
def init() -> None:
    """Create the store (tables and seed rows), or check an existing one."""
    with open_store() as svc:
        click.echo(f"Store ready at {store_path()}: {len(svc.metadata.tables)} tables.")


def _query_options(f: Any) -> Any:
    f = click.option("--top", type=int, help="At most this many records.")(f)
    f = click.option("--order", metavar="COLS", help="Comma-separated columns to sort by; -column for descending.")(f)
    f = click.option("-c", "--columns", metavar="COLS", help="Comma-separated columns (default: all).")(f)
    f = click.option("-w", "--where", multiple=True, metavar="COND",
                     help="column=value; also !=, >, >=, <, <=, ~ (contains). Repeatable (all must hold).")(f)
    return click.option("-t", "--table", default="lead", show_default=True, help="The table to query.")(f)


@cli.command()
@click.argument("fetchxml", required=False)
@_query_options
@format_options("table")
@db_option()
def query(fetchxml: str | None, table: str, where: Sequence[str], columns: str | None, order: str | None,
          top: int | None, fmt: str, array: bool) -> None:
    """Query a table with simple filters, or run FETCHXML (text, a file holding it, or - for standard input).

    The table shows display values; --json, --csv and --tsv write raw values, with a <column>_name
    column beside each lookup and a <column>_label column beside each option set."""
    q = query_from_options(fetchxml, table, where, columns, order, top)
    cols = split_columns(columns) or None
    with open_store() as svc:
        if isinstance(q, FetchExpression):
            res = svc.retrieve_multiple(q)
            pages: Any = [list(res.entities)]
            name = res.entity_name
        else:
            pages, name = iter_records(svc, q), q.entity_name
        comp = companions_of(svc, name, cols) if cols else None
        write_output(pages, cols, fmt, array, sys.stdout, _display_names(svc, name), comp)


def _export_columns(svc: OrganizationService, table: str, columns: str | None) -> list[str]:
    """The asked columns, or the primary id and every column a create accepts (what re-imports)."""
    cols = split_columns(columns)
    if cols:
        return cols
    t = svc.metadata.table(table)
    return [a.logical_name for a in t.attributes.values()
            if (a.is_primary_id or a.valid_for_create) and not a.logical_name.startswith("overridden")]


@cli.command()
@click.argument("table", required=False)
@click.option("-t", "--table", "table_opt", help="The table to export (or give it as the argument).")
@click.option("-c", "--columns", metavar="COLS", help="Comma-separated columns (default: every importable column).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@format_options("csv", ("json", "csv", "tsv"))
@db_option()
def export(table: str | None, table_opt: str | None, columns: str | None, out: str | None, fmt: str,
           array: bool) -> None:
    """Export a table page by page (memory stays flat) as raw values that `leadsdk import` takes back."""
    name = table or table_opt or "lead"
    with open_store() as svc:
        cols = _export_columns(svc, name, columns)
        q = QueryExpression(name, ColumnSet(*cols))
        q.add_order(svc.metadata.table(name).primary_id_attribute)
        comp = companions_of(svc, name, cols)

        def write(fh: TextIO) -> int:
            if fmt in ("csv", "tsv"):  # streamed from rows, without building Entities
                return export_rows(svc, q, cols, fmt, fh, comp)
            return write_output(iter_records(svc, q), cols, fmt, array, fh, _display_names(svc, name), comp)
        if out:
            with open(out, "w", newline="", encoding="utf-8") as fh:
                n = write(fh)
            click.echo(f"Exported {n} {name} record(s) to {out}.", err=True)
        else:
            write(sys.stdout)


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-t", "--table", default="lead", show_default=True, help="The table to import into.")
@click.option("--encoding", default="utf-8-sig", show_default=True, help="The file's text encoding.")
@click.option("--delimiter", default=",", show_default=True, help="The field delimiter (\\t for tabs).")
@click.option("--tsv", is_flag=True, help="Tab-separated input (same as --delimiter '\\t').")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1), help="Records per CreateMultiple.")
@click.option("--skip-errors", is_flag=True,
              help="Import the valid rows and write the rejected ones to --rejected (default: all or nothing).")
@click.option("--rejected", type=click.Path(dir_okay=False, writable=True),
              help="CSV of rejected rows (row, column, reason); default with --skip-errors: FILE.rejected.csv.")
@click.option("--silent", is_flag=True, help="No progress bar.")
@db_option()
def import_(file: str, table: str, encoding: str, delimiter: str, tsv: bool, batch: int, skip_errors: bool,
            rejected: str | None, silent: bool) -> None:
    """Import a CSV FILE (- for standard input) into a table; its header names columns by logical or
    display name. Dates: ISO 8601 or 1/31/2030 [9:30 AM]; blank cells are null; `<column>_name` and
    `<column>_label` columns (as an export writes) are ignored beside their column. Lookups: an id of
    this store, else found by name (the cell, or `<column>_name`) or by a one-column alternate key."""
    delim = "\t" if tsv or delimiter in ("\\t", "tab") else delimiter
    if len(delim) != 1:
        raise click.BadParameter("the delimiter is one character", param_hint="--delimiter")
    total: int | None = None
    source: Any = file
    if file == "-":
        source = read_text(sys.stdin.buffer.read(), encoding)
    elif not silent:
        with open(file, newline="", encoding=encoding) as fh:
            total = max(0, sum(1 for _ in csv.reader(fh, delimiter=delim)) - 1)
    with open_store() as svc:
        if silent or total is None:  # standard input is read once: no total to show
            r = import_csv(svc, table, source, encoding=encoding, delimiter=delim, batch_size=batch,
                           skip_errors=skip_errors)
        else:
            bar: Any
            with click.progressbar(length=total, label=f"Importing {table}", file=sys.stderr) as bar:
                def tick(done: int, _total: int | None) -> None:
                    bar.update(done - bar.pos)

                r = import_csv(svc, table, source, encoding=encoding, delimiter=delim, batch_size=batch,
                               progress=tick, total=total, skip_errors=skip_errors)
    where = "standard input" if file == "-" else file
    if r.rejected and (skip_errors or rejected):
        path = rejected or (("rejected" if file == "-" else file) + ".rejected.csv")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["row", "column", "reason"])
            w.writerows([x.row, x.column or "", x.reason] for x in r.rejected)
        rows = len({x.row for x in r.rejected})
        click.echo(f"{len(r.rejected)} problem(s) in {rows} row(s) written to {path}.", err=True)
    if r.ok or skip_errors:
        click.echo(f"Imported {r.created} {table} record(s) from {where} ({r.rows_read} rows read).")
        return
    click.echo(f"Nothing imported: {len(r.rejected)} problem(s) in {where} ({r.rows_read} rows read).", err=True)
    for x in r.rejected[:25]:
        click.echo(f"  row {x.row}, column {x.column}: {x.reason}", err=True)
    if len(r.rejected) > 25:
        click.echo(f"  ... and {len(r.rejected) - 25} more (--rejected FILE writes them all)", err=True)
    click.echo("Fix them, or import the valid rows with --skip-errors.", err=True)
    raise click.exceptions.Exit(1)


STATS_FETCH = """<fetch aggregate='true'><entity name='lead'>
<attribute name='statecode' groupby='true' alias='state'/>
<attribute name='leadsourcecode' groupby='true' alias='source'/>
<attribute name='leadid' aggregate='count' alias='leads'/>
<attribute name='estimatedamount' aggregate='sum' alias='estimated'/>
<order alias='state'/><order alias='source'/>
</entity></fetch>"""


@cli.command()
@format_options("table")
@db_option()
def stats(fmt: str, array: bool) -> None:
    """Leads by state and source, with their estimated value."""
    with open_store() as svc:
        rows = svc.retrieve_multiple(FetchExpression(STATS_FETCH)).entities
        write_output([list(rows)], ["state", "source", "leads", "estimated"], fmt, array, sys.stdout)


@cli.command()
@click.argument("sql")
@format_options("table")
@db_option()
def sql(sql: str, fmt: str, array: bool) -> None:
    """Run a read-only SQL query over the store's tables (as Dataverse's TDS endpoint offers).

    Tables and columns carry logical names; a write is refused by the database."""
    names, rows = run_readonly(store_path(), sql)
    ents = [Entity("sql", attributes=dict(zip(names, r))) for r in rows]
    write_output([ents], names, fmt, array, sys.stdout)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM).")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM).")
@click.option("--self-signed", is_flag=True, help="Serve HTTPS with a generated self-signed certificate.")
@click.option("--token", envvar="LEADSDK_TOKEN", help="Bearer token clients must send (or $LEADSDK_TOKEN).")
@db_option()
def serve(host: str, port: int, certfile: str | None, keyfile: str | None, self_signed: bool,
          token: str | None) -> None:
    """Serve the store over a Dataverse-style Web API (needs `pip install 'leadsdk[server]'`)."""
    try:
        from leadsdk.webapi.server import serve as run_server  # type: ignore[import-not-found,unused-ignore]
    except ImportError as e:
        raise StoreError(f"The Web API server is not installed ({e}): pip install 'leadsdk[server]'") from None
    run_server(db=store_path(), host=host, port=port, certfile=certfile, keyfile=keyfile, self_signed=self_signed,
               token=token)


for _cmd in (qualify, dedupe, rules, score):
    cli.add_command(_cmd)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on `argv` (default: sys.argv[1:]) and return its exit code."""
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="leadsdk", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return int(e.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return 1
    return rv if isinstance(rv, int) else 0


