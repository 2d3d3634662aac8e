"""The `leadsdk` commands that do work on records: qualify, dedupe, rules, score (and score train).

None of them ends in a dead end: when nothing can be done, the message says why and which command
fixes it (`leadsdk rules publish`, `leadsdk score train`), and the exit code is 1.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterable, Sequence

import click

from leadsdk import messages as m
from leadsdk.cli.query import query_from_options
from leadsdk.cli.tools import StoreError, db_option, fault_message, iter_records, open_store
from leadsdk.errors import OrganizationServiceFault
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.service import OrganizationService
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = ["dedupe", "qualify", "rules", "score"]


def _names(svc: OrganizationService, table: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """id -> primary name of the given records (one query per 500 ids)."""
    t = svc.metadata.table(table)
    name_col = t.primary_name_attribute or t.primary_id_attribute
    out: dict[uuid.UUID, str] = {}
    todo = list(dict.fromkeys(ids))
    for i in range(0, len(todo), 500):
        q = QueryExpression(table, ColumnSet(name_col))
        q.criteria.add_condition(t.primary_id_attribute, ConditionOperator.IN, *todo[i:i + 500])
        for e in svc.retrieve_multiple(q).entities:
            if e.id is not None:
                out[e.id] = str(e.get(name_col) or "")
    return out


def _label(ref: EntityReference, names: dict[uuid.UUID, str] | None = None) -> str:
    name = ref.name or (names or {}).get(ref.id)
    return f"{ref.logical_name} {name!r} ({ref.id})" if name else f"{ref.logical_name} {ref.id}"


def _ids_from_stdin(text: str) -> list[str]:
    """Lead ids from `leadsdk query --json` lines, a CSV with a leadid column, or one id per line."""
    out: list[str] = []
    key: int | None = None
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("{"):
            rec = json.loads(s)
            out.append(str(rec.get("leadid") or rec.get("id") or ""))
            continue
        cells = [c.strip() for c in s.split(",")]
        if "leadid" in cells:
            key = cells.index("leadid")
            continue
        out.append(cells[key or 0])
    return out


@click.command()
@click.argument("lead_ids", nargs=-1)
@click.option("-w", "--where", multiple=True, metavar="COND",
              help="Qualify the leads matching column=value (as `leadsdk query --where`); repeatable.")
@click.option("--account", is_flag=True, help="Create an account from the lead.")
@click.option("--contact", is_flag=True, help="Create a contact from the lead.")
@click.option("--opportunity", is_flag=True, help="Create an opportunity from the lead.")
@click.option("--status", default=3, show_default=True, type=int, help="The qualified status reason.")
@click.option("--no-duplicate-detection", is_flag=True, help="Do not check the created records for duplicates.")
@db_option()
def qualify(lead_ids: Sequence[str], where: Sequence[str], account: bool, contact: bool, opportunity: bool,
            status: int, no_duplicate_detection: bool) -> None:
    """Qualify leads: LEAD_IDS, - to read ids from standard input (`leadsdk query --json` lines, CSV
    with a leadid column, or one id per line), or the leads matching --where."""
    raw = list(lead_ids)
    if "-" in raw:
        raw.remove("-")
        raw.extend(_ids_from_stdin(sys.stdin.read()))
    ids: list[uuid.UUID] = []
    for r in raw:
        try:
            ids.append(uuid.UUID(r.strip()))
        except ValueError:
            raise click.BadParameter(f"{r!r} is not a lead id", param_hint="LEAD_IDS") from None
    failed = 0
    with open_store() as svc:
        if where:
            q = query_from_options(None, "lead", where, "leadid", None, None)
            assert isinstance(q, QueryExpression)
            ids.extend(e.id for page in iter_records(svc, q) for e in page if e.id is not None)
        if not ids:
            raise click.UsageError("Give lead ids, - (ids on standard input), or --where to pick the leads.")
        names = _names(svc, "lead", ids)
        for lid in ids:
            who = _label(EntityReference("lead", lid), names)
            try:
                resp = svc.execute(m.QualifyLeadRequest(
                    lead_id=EntityReference("lead", lid), create_account=account, create_contact=contact,
                    create_opportunity=opportunity, status=status,
                    suppress_duplicate_detection=no_duplicate_detection))
            except OrganizationServiceFault as f:
                click.echo(f"{who}: not qualified: {fault_message(f)}", err=True)
                failed += 1
                continue
            made = ", ".join(_label(r) for r in resp.created_entities) or "nothing new"
            click.echo(f"{who}: qualified; created {made}")
    if failed:
        raise click.exceptions.Exit(1)


def _published_rules(svc: OrganizationService, table: str | None = None,
                     published: bool | None = True) -> list[Entity]:
    q = QueryExpression("duplicaterule", ColumnSet("name", "baseentityname", "matchingentityname", "statuscode"))
    if table:
        q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, table)
    if published is not None:
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 1 if published else 0)
    q.add_order("name")
    return list(svc.retrieve_multiple(q).entities)


@click.command()
@click.option("-t", "--table", default="lead", show_default=True, help="The table to search for duplicates.")
@click.option("--fuzzy", is_flag=True, help="Find similar leads (name + company, name + e-mail domain) instead.")
@click.option("--show", default=20, show_default=True, type=int, help="How many pairs to print.")
@db_option()
def dedupe(table: str, fuzzy: bool, show: int) -> None:
    """Find duplicates with the published duplicate detection rules, or similar leads (--fuzzy).

    The pairs found are stored as duplicaterecord rows (as Dataverse's bulk detection job does)."""
    with open_store() as svc:
        if fuzzy:
            if table != "lead":
                raise click.BadParameter("fuzzy matching works on leads", param_hint="--table")
            similar = svc.execute(m.BulkDetectSimilarLeadsRequest(job_name="leadsdk dedupe --fuzzy"))
            click.echo(f"{len(similar.matches)} pair(s) of similar leads found.")
            for x in similar.matches[:show]:
                click.echo(f"  {similar.name(x.base_id)} ~ {similar.name(x.matching_id)}: {x.score:.0f} "
                           f"({'; '.join(x.reasons)})")
            return
        if not _published_rules(svc, table):
            raise StoreError(f"No duplicate detection rule is published for '{table}', so nothing can be found. "
                             f"Publish the default rules with `leadsdk rules publish` "
                             f"(`leadsdk rules list` shows them), or use `leadsdk dedupe --fuzzy` for leads.")
        resp = svc.execute(m.BulkDetectDuplicatesRequest(query=QueryExpression(table), job_name="leadsdk dedupe"))
        click.echo(f"{resp.duplicate_count} duplicate pair(s) found by the published rules for {table}.")
        if not resp.duplicate_count:
            return
        q = QueryExpression("duplicaterecord", ColumnSet("baserecordid", "duplicaterecordid"))
        q.criteria.add_condition("asyncoperationid", ConditionOperator.EQUAL, resp.job_id)
        q.top_count = show
        pairs = svc.retrieve_multiple(q).entities
        refs = [r for e in pairs for r in (e.get("baserecordid"), e.get("duplicaterecordid"))
                if isinstance(r, EntityReference)]
        names = _names(svc, table, [r.id for r in refs if r.logical_name == table])
        for e in pairs:
            a, b = e.get("baserecordid"), e.get("duplicaterecordid")
            if isinstance(a, EntityReference) and isinstance(b, EntityReference):
                click.echo(f"  {_label(a, names)} ~ {_label(b, names)}")


@click.group()
def rules() -> None:
    """List and publish duplicate detection rules."""


@rules.command("list")
@click.option("-t", "--table", help="Only the rules of this base table.")
@db_option()
def rules_list(table: str | None) -> None:
    """List the duplicate detection rules and whether each is published."""
    with open_store() as svc:
        for e in _published_rules(svc, table, None):
            status = e.formatted_values.get("statuscode", "")
            click.echo(f"{e.id}  {e.get('baseentityname')} -> {e.get('matchingentityname')}  {status:<11}  "
                       f"{e.get('name')}")


@rules.command("publish")
@click.argument("rules_", metavar="[RULE]...", nargs=-1)
@click.option("-t", "--table", help="Only the rules of this base table.")
@db_option()
def rules_publish(rules_: Sequence[str], table: str | None) -> None:
    """Publish rules by id or name; without RULE, every unpublished rule (the defaults of a new store
    match leads, contacts and accounts on e-mail address)."""
    with open_store() as svc:
        todo = _published_rules(svc, table, False)
        if rules_:
            want = {r.lower() for r in rules_}
            todo = [e for e in todo if str(e.id) in want or str(e.get("name") or "").lower() in want]
        if not todo:
            click.echo("Nothing to publish: every matching rule is published already (`leadsdk rules list`).")
            return
        for e in todo:
            svc.execute(m.PublishDuplicateRuleRequest(duplicate_rule_id=e.id))
            click.echo(f"Published {e.get('name')!r} ({e.get('baseentityname')}).")


def _models(svc: OrganizationService, table: str, published: bool | None = None) -> list[Entity]:
    q = QueryExpression("scoringmodel", ColumnSet("name", "entityname", "statecode"))
    q.criteria.add_condition("entityname", ConditionOperator.EQUAL, table)
    if published is not None:
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 1 if published else 0)
    q.add_order("name")
    return list(svc.retrieve_multiple(q).entities)


@click.group(invoke_without_command=True)
@click.option("-t", "--table", default="lead", show_default=True, help="lead or opportunity.")
@click.option("--force", is_flag=True, help="Score every open record again, not only the changed ones.")
@db_option()
@click.pass_context
def score(ctx: click.Context, table: str, force: bool) -> None:
    """Refresh predictive scores with the published scoring models (run it daily); `score train` trains
    and publishes a model."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store() as svc:
        if not _models(svc, table, True):
            raise StoreError(f"No scoring model is published for '{table}', so nothing was scored. Train and "
                             f"publish one with `leadsdk score train --table {table}` (it needs at least 40 "
                             f"{'qualified and 40 disqualified leads' if table == 'lead' else 'won and 40 lost'}).")
        resp = svc.execute(m.ScoreRecordsRequest(entity_name=table, force=force))
        if resp.scored_count:
            click.echo(f"Scored {resp.scored_count} {table} record(s).")
        else:
            click.echo(f"Scored 0 {table} records: every open record's score is up to date "
                       f"(--force scores them all again).")


@score.command("train")
@click.option("-t", "--table", default="lead", show_default=True, help="lead or opportunity.")
@click.option("--name", help="The model to train (default: the table's only model, created when there is none).")
@click.option("--publish/--no-publish", default=True, show_default=True,
              help="Publish the model when its accuracy allows (this scores every open record).")
@db_option()
def score_train(table: str, name: str | None, publish: bool) -> None:
    """Train a scoring model on the closed records (creating one when the table has none) and publish it."""
    with open_store() as svc:
        models = _models(svc, table)
        if name:
            models = [e for e in models if str(e.get("name") or "").lower() == name.lower()]
        if len(models) > 1:
            names = ", ".join(repr(str(e.get("name"))) for e in models)
            raise click.UsageError(f"'{table}' has several scoring models ({names}): pick one with --name.")
        if models:
            model_id = models[0].id
            model_name = str(models[0].get("name"))
        else:
            model_name = name or f"All {table}s"
            model_id = svc.create(Entity("scoringmodel", name=model_name, entityname=table))
            click.echo(f"Created scoring model {model_name!r}.")
        r = svc.execute(m.TrainScoringModelRequest(model_id=model_id))
        click.echo(f"Trained {model_name!r}: AUC {r.auc:.3f} on {r.qualified_count} positive and "
                   f"{r.disqualified_count} negative outcomes; columns: {', '.join(r.columns)}.")
        if not r.ready_to_publish:
            raise StoreError("The model is not accurate enough to publish (AUC below 0.6); close more records "
                             "and train again.")
        if publish:
            p = svc.execute(m.PublishScoringModelRequest(model_id=model_id))
            click.echo(f"Published; scored {p.scored_count} open {table} record(s).")
        else:
            click.echo("Not published (--no-publish).", err=True)
