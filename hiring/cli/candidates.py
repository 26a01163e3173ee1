"""`hiring candidate ...`: add, list, show, import."""

import getpass
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from hiring.cli.common import console, engine, print_json, timer_status, validation_problems
from hiring.errors import InvalidInput
from hiring.terminal import line, local, plain

app = typer.Typer(help="Candidates: add, update, import, list, show.", no_args_is_help=True)


def actor_option() -> str:
    option: str = typer.Option(None, "--by", help="Who does this (default: your login name).")  # parses to a str
    return option


def who(by: str | None) -> str:
    return by or getpass.getuser()


@app.command("add")
def add(
    name: str = typer.Option(..., "--name"),
    email: str = typer.Option(..., "--email"),
    requisition: int = typer.Option(
        ..., "--req", "--requisition", min=1, max=2**31 - 1, help="Requisition id (must be open)."
    ),
    source: str = typer.Option(..., "--source", help="Source channel, e.g. employee_referral."),
    motivators: str = typer.Option("", "--motivators", help="e.g. 'remote;team_quality'."),
    external_id: str = typer.Option(None, "--external-id"),
    by: str = actor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add one candidate to an open requisition; they start in `sourced`."""
    from pydantic import ValidationError

    from hiring.service import add_candidates
    from states.intake import NewCandidate

    try:
        spec = NewCandidate.model_validate(
            {
                "name": name,
                "email": email,
                "requisition_id": requisition,
                "source": source,
                "motivators": motivators,
                "external_id": external_id,
            }
        )
    except ValidationError as exc:
        raise InvalidInput(f"invalid candidate:\n{validation_problems(exc)}") from None
    [cid] = add_candidates(engine(), [spec], actor=who(by))
    if as_json:
        print_json({"id": cid, "stage": "sourced"})
    else:
        console.print(f"candidate {cid} added to requisition {requisition} (sourced)")


@app.command("update")
def update(
    ref: str = typer.Argument(..., metavar="CANDIDATE"),
    name: str | None = typer.Option(None, "--name"),
    email: str | None = typer.Option(None, "--email"),
    motivators: str | None = typer.Option(
        None, "--motivators", help="The new set, e.g. 'remote,team_quality' ('' clears it)."
    ),
    source: str | None = typer.Option(None, "--source", help="Source channel, e.g. employee_referral."),
    by: str = actor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Change a candidate's name, email, motivators or source (one event in their log; nothing on a bad value)."""
    from pydantic import ValidationError

    from hiring.candidate_details import update_candidate
    from states.intake import CandidateUpdate

    given = {"name": name, "email": email, "motivators": motivators, "source": source}
    try:
        spec = CandidateUpdate.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        raise InvalidInput(f"invalid update:\n{validation_problems(exc)}") from None
    done = update_candidate(engine(), ref, spec, actor=who(by))
    if as_json:
        print_json(done.as_dict())
        return
    console.print(line(f"candidate {done.candidate_id} updated: {', '.join(done.changed)} (version {done.version})"))
    for warning in done.warnings:
        console.print(line(("warning: ", "yellow"), plain(warning)))


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="CSV with columns name,email,requisition_id,source[,motivators,external_id]."
    ),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, list the bad."),
    by: str = actor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import candidates from CSV. A file with a bad row imports nothing unless --skip-invalid."""
    from hiring.importer import import_csv

    report = import_csv(engine(), file, actor=who(by), skip_invalid=skip_invalid)
    if as_json:
        print_json(
            {
                "added": len(report.added),
                "ids": report.added,
                "skipped": [{"line": line, "reason": r} for line, r in report.bad],
            }
        )
        return
    console.print(line(f"imported {len(report.added)} of {report.rows} rows from {file}"))
    for number, reason in report.bad:
        console.print(line((f"skipped line {number}:", "yellow"), " ", plain(reason, keep_newlines=True)))


@app.command("list")
def list_(
    requisition: int = typer.Option(None, "--req", "--requisition", min=1, max=2**31 - 1),
    stage: str = typer.Option(None, "--stage"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Candidates, optionally of one requisition or stage."""
    from hiring.queries import list_candidates

    if stage is not None:
        from states.stages import Stage

        if stage not in {s.value for s in Stage}:
            raise InvalidInput(f"unknown stage {stage!r}; stages: {', '.join(s.value for s in Stage)}")
    rows = list_candidates(engine(), requisition, stage)
    if as_json:
        print_json(rows)
        return
    console.print(candidate_table(rows))


def candidate_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "name", "req", "stage", "source", "last event")
    for c in rows:
        stage_text = c["stage"] + (" (on hold)" if c["on_hold"] else "")
        table.add_row(
            str(c["id"]),
            plain(c["name"]),
            str(c["requisition_id"]),
            plain(stage_text),
            plain(c["source"]),
            local(c["last_event_at"]),
        )
    return table


@app.command("show")
def show(ref: str = typer.Argument(..., metavar="CANDIDATE"), as_json: bool = typer.Option(False, "--json")) -> None:
    """One candidate: stage, facts, what can happen next."""
    from hiring.queries import show_candidate

    c = show_candidate(engine(), ref)
    if as_json:
        print_json(c)
        return
    for text in candidate_lines(c):
        console.print(text)


def candidate_lines(c: dict[str, Any]) -> list[Text]:
    lines = [
        line((f"#{c['id']} {c['name']}", "bold"), f" <{c['email']}>  requisition {c['requisition_id']}"),
        line("stage: ", (c["stage"], "bold"), ("  (on hold)", "yellow") if c["on_hold"] else ""),
        line(f"source: {c['source']}  motivators: {', '.join(c['motivators']) or '-'}"),
    ]
    if c["external_id"]:
        lines.append(line(f"external id: {c['external_id']}"))
    lines.append(line(f"version {c['version']}, last event {local(c['last_event_at'])}"))
    lines.append(line(f"next: {', '.join(c['allowed_triggers']) or 'nothing (terminal stage)'}"))
    for t in c["timers"]:
        nxt = t["next_escalation"]
        after = f"; next: {nxt['level']} to {nxt['recipient'] or nxt['role']}" if nxt else ""
        lines.append(
            line(
                f"deadline {t['timer']} ({t['owner'] or t['owner_role']}): {local(t['due_at'])}, ",
                timer_status(t, "OVERDUE by"),
                after,
            )
        )
    lines += [line(text) for text in loop_lines(c.get("loop") or [])]
    lines += [line(text) for text in closing_lines(c.get("closing"))]
    return lines


def closing_lines(brief: dict[str, Any] | None) -> list[str]:
    """What to have in mind when preparing and sending the offer (final and offer only)."""
    if not brief:
        return []
    out = ["closing:", f"  motivators: {', '.join(brief['motivators']) or '- (record them: hiring candidate update)'}"]
    if brief["priorities"]:
        note = " (inferred: the playbook lists none for this profile)" if brief["priorities_inferred"] else ""
        out.append(f"  {brief['role_profile']} candidates weigh, besides salary{note}:")
        out += [f"    - {p}" for p in brief["priorities"]]
    out.append("  what strong candidates evaluate:")
    out += [f"    - {e['point']}: {e['meaning']}" for e in brief["candidates_evaluate"]]
    if brief["first_year_outcomes"]:
        out.append("  first-year outcomes: " + "; ".join(brief["first_year_outcomes"]))
    if brief["ownership"]:
        out.append(f"  ownership: {brief['ownership']}")
    terms = brief["terms"] or {}
    for kind in ("flexible", "fixed"):
        if terms.get(kind):
            out.append(f"  {kind}: {', '.join(terms[kind])}")
    return out


def loop_lines(loop: list[dict[str, Any]]) -> list[str]:
    """The final loop, one line per part: when and with whom, and its scorecard (filed, or due when)."""
    out = ["final loop:"] if loop else []
    for p in loop:
        when = f"{local(p['starts_at'])} ({p['minutes']} min) with {p['interviewer']}" if p["starts_at"] else "-"
        if p["scorecard"] == "filed":
            card = f"scorecard filed {local(p['filed_at'])}: score {p['score']}, {p['recommendation'] or '-'}"
        elif p["scorecard"] == "due":
            card = f"scorecard due {local(p['scorecard_due_at'])}" if p["scorecard_due_at"] else "scorecard due"
        else:
            card = p["scorecard"]
        out.append(f"  {p['part']}: {when}; {card}")
    return out
