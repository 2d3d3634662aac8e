"""The `leadsdk` command line: init, import, query, qualify, dedupe, score, stats, export.

`--db` names the store: a SQLite file (default `crm.db`, or $LEADSDK_DB) or a postgresql:// DSN.
Exit codes: 0 done, 1 the store refused (the fault is printed with its Dataverse code), 2 bad usage.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from leadsdk import messages
from leadsdk.errors import OrganizationServiceFault
from leadsdk.query import ConditionOperator, FetchExpression, PagingInfo, QueryExpression
from leadsdk.service import OrganizationService
from leadsdk.types import AliasedValue, ColumnSet, Entity, EntityReference, Money, OptionSetValue

__all__ = ["main"]

_OPS = [(">=", ConditionOperator.GREATER_EQUAL), ("<=", ConditionOperator.LESS_EQUAL),
        ("!=", ConditionOperator.NOT_EQUAL), ("=", ConditionOperator.EQUAL), (">", ConditionOperator.GREATER_THAN),
        ("<", ConditionOperator.LESS_THAN), ("~", ConditionOperator.CONTAINS)]


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def _open(args: argparse.Namespace) -> OrganizationService:
    return OrganizationService.open(args.db)


def _text(v: Any, e: Entity | None = None, key: str | None = None) -> str:
    if e is not None and key is not None and key in e.formatted_values and not isinstance(v, (int, float)):
        return e.formatted_values[key]
    if isinstance(v, AliasedValue):
        v = v.value
    if isinstance(v, EntityReference):
        return v.name or str(v.id)
    if isinstance(v, (OptionSetValue, Money)):
        if e is not None and key is not None and key in e.formatted_values:
            return e.formatted_values[key]
        return str(v.value)
    return "" if v is None else str(v)


def _print_rows(rows: Sequence[Entity], columns: Sequence[str] | None, fmt: str, out: TextIO,
                headers: dict[str, str] | None = None) -> None:
    """Rows as a table (headed by display names), CSV or JSON (keyed by logical names)."""
    cols = list(columns or [])
    if not cols:
        for e in rows:
            for k in e.attributes:
                if k not in cols:
                    cols.append(k)
    if fmt == "json":
        json.dump([{"id": str(e.id) if e.id else None, **{c: _text(e.get(c), e, c) for c in cols}} for e in rows],
                  out, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(cols)
        for e in rows:
            w.writerow([_text(e.get(c), e, c) for c in cols])
        return
    table = [[_text(e.get(c), e, c) for c in cols] for e in rows]
    heads = [(headers or {}).get(c, c) for c in cols]
    widths = [min(40, max([len(h)] + [len(r[i]) for r in table])) for i, h in enumerate(heads)]
    out.write("  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in table:
        out.write("  ".join(v[:w].ljust(w) for v, w in zip(r, widths)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def _query_from_args(args: argparse.Namespace) -> QueryExpression | FetchExpression:
    if args.fetchxml:
        text = args.fetchxml
        if text == "-":
            text = sys.stdin.read()
        elif os.path.exists(text):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        return FetchExpression(text)
    cols = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    q = QueryExpression(args.table, ColumnSet(*cols) if cols else ColumnSet(all_columns=True))
    for cond in args.where or []:
        for sym, op in _OPS:
            if sym in cond:
                col, _, value = cond.partition(sym)
                q.criteria.add_condition(col.strip(), op, value.strip())
                break
        else:
            raise UsageError(f"--where {cond!r}: write column=value (or !=, >, >=, <, <=, ~ for contains)")
    if args.order:
        for o in args.order.split(","):
            o = o.strip()
            q.add_order(o.lstrip("-"), 1 if o.startswith("-") else 0)
    if args.top:
        q.top_count = args.top
    return q


def _display_names(svc: OrganizationService, table: str | None) -> dict[str, str]:
    """Column -> display name (as customized in this store), for table output."""
    t = svc.metadata.get(table) if table else None
    return {} if t is None else {a.logical_name: a.display_name or a.logical_name for a in t.attributes.values()}


def cmd_init(args: argparse.Namespace) -> int:
    with _open(args) as svc:
        n = len(svc.metadata.tables)
        print(f"Store ready at {args.db}: {n} tables.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from leadsdk.helpers.dataframe import import_csv

    with _open(args) as svc:
        r = import_csv(svc, args.table, args.file, batch_size=args.batch, progress=args.progress)
    if r.ok:
        print(f"Imported {r.created} {args.table} records from {args.file}.")
        return 0
    print(f"Nothing imported: {len(r.rejected)} problem(s) in {args.file} ({r.rows_read} rows read).",
          file=sys.stderr)
    for x in r.rejected[:25]:
        print(f"  row {x.row}, column {x.column}: {x.reason}", file=sys.stderr)
    if len(r.rejected) > 25:
        print(f"  ... and {len(r.rejected) - 25} more", file=sys.stderr)
    return 1


def cmd_query(args: argparse.Namespace) -> int:
    with _open(args) as svc:
        q = _query_from_args(args)
        rows = svc.retrieve_multiple(q)
        cols = [c.strip() for c in (args.columns or "").split(",") if c.strip()] or None
        _print_rows(rows.entities, cols, args.format, sys.stdout, _display_names(svc, rows.entity_name))
    return 0


def cmd_qualify(args: argparse.Namespace) -> int:
    req_cls = getattr(messages, "QualifyLeadRequest", None)
    if req_cls is None:  # pragma: no cover - every build has it
        raise UsageError("this build has no QualifyLeadRequest")
    code = 0
    with _open(args) as svc:
        for lead in args.lead_ids:
            try:
                resp = svc.execute(req_cls(
                    lead_id=EntityReference("lead", uuid.UUID(lead.strip())), create_account=args.account,
                    create_contact=args.contact, create_opportunity=args.opportunity, status=args.status,
                    suppress_duplicate_detection=args.no_duplicate_detection))
            except ValueError:
                raise UsageError(f"{lead!r} is not a lead id") from None
            except OrganizationServiceFault as f:
                print(f"{lead}: not qualified: {f.message} ({f.error_name or f.hex_code})", file=sys.stderr)
                code = 1
                continue
            made = ", ".join(f"{r.logical_name} {r.id}" for r in resp.created_entities) or "nothing new"
            print(f"{lead}: qualified; created {made}")
    return code


def cmd_dedupe(args: argparse.Namespace) -> int:
    with _open(args) as svc:
        q = QueryExpression(args.table)
        if args.fuzzy:
            req = getattr(messages, "BulkDetectSimilarLeadsRequest", None)
            if req is None or args.table != "lead":
                raise UsageError("fuzzy matching works on leads (--table lead)")
            resp = svc.execute(req(query=q, job_name="leadsdk dedupe --fuzzy"))
            print(f"{len(resp.matches)} pair(s) of similar leads found.")
            for m in resp.matches[: args.show]:
                print(f"  {m}")
            return 0
        req = getattr(messages, "BulkDetectDuplicatesRequest", None)
        if req is None:  # pragma: no cover
            raise UsageError("this build has no duplicate detection")
        resp = svc.execute(req(query=q, job_name="leadsdk dedupe"))
        print(f"{resp.duplicate_count} duplicate pair(s) found by the published rules for {args.table}.")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    req = getattr(messages, "ScoreRecordsRequest", None)
    if req is None:
        raise UsageError("this build has no predictive scoring")
    with _open(args) as svc:
        resp = svc.execute(req(entity_name=args.table))
        print(f"Scored {resp.scored_count} {args.table} record(s).")
    return 0


STATS_FETCH = """<fetch aggregate='true'><entity name='lead'>
<attribute name='statecode' groupby='true' alias='state'/>
<attribute name='leadsourcecode' groupby='true' alias='source'/>
<attribute name='leadid' aggregate='count' alias='leads'/>
<attribute name='estimatedamount' aggregate='sum' alias='estimated'/>
<order alias='state'/><order alias='source'/>
</entity></fetch>"""


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as svc:
        rows = svc.retrieve_multiple(FetchExpression(STATS_FETCH)).entities
        _print_rows(rows, ["state", "source", "leads", "estimated"], args.format, sys.stdout)
    return 0


def _pages(svc: OrganizationService, q: QueryExpression, size: int) -> Iterator[Entity]:
    q.page_info = PagingInfo(count=size, page_number=1)
    while True:
        res = svc.retrieve_multiple(q)
        yield from res.entities
        if not res.more_records:
            return
        q.page_info = PagingInfo(count=size, page_number=q.page_info.page_number + 1,
                                 paging_cookie=res.paging_cookie)


def cmd_export(args: argparse.Namespace) -> int:
    cols = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    with _open(args) as svc:
        t = svc.metadata.table(args.table)
        cols = cols or [a.logical_name for a in t.attributes.values()]
        q = QueryExpression(args.table, ColumnSet(*cols))
        out: TextIO = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
        n = 0
        try:
            if args.format == "json":
                out.write("[\n")
            w = csv.writer(out, lineterminator="\n")
            if args.format == "csv":
                w.writerow(cols)
            for e in _pages(svc, q, 1000):
                if args.format == "csv":
                    w.writerow([_text(e.get(c)) for c in cols])
                else:
                    out.write((",\n" if n else "") + json.dumps({c: _text(e.get(c)) for c in cols}))
                n += 1
            if args.format == "json":
                out.write("\n]\n")
        finally:
            if args.out:
                out.close()
    if args.out:
        print(f"Exported {n} {args.table} record(s) to {args.out}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="leadsdk", description="Work with a leadsdk store from the shell.")
    p.add_argument("--db", default=os.environ.get("LEADSDK_DB", "crm.db"),
                   help="SQLite file or postgresql:// DSN (default: crm.db or $LEADSDK_DB)")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create the store (tables, seed rows)").set_defaults(fn=cmd_init)

    s = sub.add_parser("import", help="import a CSV file (header: column names) into a table, all or nothing")
    s.add_argument("file")
    s.add_argument("--table", default="lead")
    s.add_argument("--batch", type=int, default=1000)
    s.add_argument("--progress", action="store_true", help="show a progress bar (needs tqdm)")
    s.set_defaults(fn=cmd_import)

    def query_opts(s: argparse.ArgumentParser) -> None:
        s.add_argument("--format", choices=["table", "csv", "json"], default="table")

    s = sub.add_parser("query", help="run FetchXML (text, a file, or - for stdin) or a simple filter")
    s.add_argument("fetchxml", nargs="?", help="FetchXML text, a file holding it, or -")
    s.add_argument("--table", default="lead")
    s.add_argument("--where", action="append", help="column=value (also !=, >, >=, <, <=, ~); repeatable")
    s.add_argument("--columns", help="comma-separated columns")
    s.add_argument("--order", help="comma-separated columns; -column for descending")
    s.add_argument("--top", type=int)
    query_opts(s)
    s.set_defaults(fn=cmd_query)

    s = sub.add_parser("qualify", help="qualify leads by id")
    s.add_argument("lead_ids", nargs="+")
    s.add_argument("--account", action="store_true", help="create an account")
    s.add_argument("--contact", action="store_true", help="create a contact")
    s.add_argument("--opportunity", action="store_true", help="create an opportunity")
    s.add_argument("--status", type=int, default=3, help="qualified status reason (default 3)")
    s.add_argument("--no-duplicate-detection", action="store_true")
    s.set_defaults(fn=cmd_qualify)

    s = sub.add_parser("dedupe", help="find duplicates with the published rules, or similar leads (--fuzzy)")
    s.add_argument("--table", default="lead")
    s.add_argument("--fuzzy", action="store_true")
    s.add_argument("--show", type=int, default=20)
    s.set_defaults(fn=cmd_dedupe)

    s = sub.add_parser("score", help="re-score records with the published scoring models (run daily)")
    s.add_argument("--table", default="lead")
    s.set_defaults(fn=cmd_score)

    s = sub.add_parser("stats", help="leads by state and source, with their estimated value")
    query_opts(s)
    s.set_defaults(fn=cmd_stats)

    s = sub.add_parser("export", help="export a table to CSV or JSON lines, page by page")
    s.add_argument("--table", default="lead")
    s.add_argument("--columns")
    s.add_argument("--format", choices=["csv", "json"], default="csv")
    s.add_argument("--out", help="file to write (default: standard output)")
    s.set_defaults(fn=cmd_export)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.fn(args)
        return code
    except UsageError as e:
        print(f"leadsdk: {e}", file=sys.stderr)
        return 2
    except OrganizationServiceFault as f:
        print(f"leadsdk: {f.message} ({f.error_name or f.hex_code}, {f.error_code})", file=sys.stderr)
        return 1
    except (OSError, ImportError) as e:
        print(f"leadsdk: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
