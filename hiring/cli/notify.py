"""Notification commands: the people directory (`hiring people`), the outbox (`hiring outbox`) and one
dispatch pass (`hiring dispatch`). None of them imports Prefect."""

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hiring.cli.common import console, engine, print_json
from hiring.terminal import line, local, plain

people_app = typer.Typer(help="The people directory: who gets notified, and how to reach them.", no_args_is_help=True)
outbox_app = typer.Typer(help="Notifications waiting, sent and dead; retry dead ones.", invoke_without_command=True)


def register(root: typer.Typer) -> None:
    root.add_typer(people_app, name="people")
    root.add_typer(outbox_app, name="outbox")
    root.command()(dispatch)


# --- people -------------------------------------------------------------------------------------


@people_app.command("add")
def people_add(
    handle: str = typer.Option(..., "--handle", help="How requisitions and the policy name them, e.g. maria.lopez."),
    name: str = typer.Option(..., "--name"),
    role: str = typer.Option(..., "--role", help="recruiter | hiring_manager | head_of_talent | interviewer"),
    email: str = typer.Option(None, "--email"),
    slack_id: str = typer.Option(None, "--slack-id", help="Slack member id, e.g. U024BE7LH."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA time zone, e.g. Europe/Berlin."),
    channels: str = typer.Option(None, "--channels", help="Preferred channels, comma-separated: slack,email"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a person to the directory."""
    from hiring.people import add_person, parse_person

    spec = parse_person(
        {
            "handle": handle,
            "name": name,
            "role": role,
            "email": email,
            "slack_user_id": slack_id,
            "timezone": timezone,
            "channels": [c.strip() for c in channels.split(",") if c.strip()] if channels else None,
        },
        "--handle/--name/...",
    )
    person = add_person(engine(), spec)
    if as_json:
        print_json(person)
        return
    console.print(line(f"added {person['handle']} ({person['role']})"))


@people_app.command("list")
def people_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Everyone in the directory."""
    from hiring.people import list_people

    people = list_people(engine())
    if as_json:
        print_json(people)
        return
    console.print(people_table(people))


def people_table(people: list[dict[str, Any]]) -> Table:
    table = Table("handle", "name", "role", "email", "slack id", "time zone", "channels", title="people")
    for p in people:
        table.add_row(
            *(
                plain(v)
                for v in (
                    p["handle"],
                    p["name"],
                    p["role"],
                    p["email"] or "-",
                    p["slack_user_id"] or "-",
                    p["timezone"],
                    ",".join(p["channels"] or []) or "-",
                )
            )
        )
    return table


@people_app.command("import")
def people_import(
    file: Path = typer.Argument(
        ..., help="YAML or JSON: a list of people (handle, name, role, email, slack_user_id, timezone, channels)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add or update (by handle) everyone listed in a file, all or nothing."""
    from hiring.people import load_people_file, upsert_people

    outcome = upsert_people(engine(), load_people_file(file))
    if as_json:
        print_json(outcome)
        return
    console.print(line(f"{len(outcome['added'])} added, {len(outcome['updated'])} updated"))


# --- outbox -------------------------------------------------------------------------------------


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    status: str = typer.Option(None, "--status", help="pending | sending | sent | dead"),
    limit: int = typer.Option(200, "--limit", min=1, max=1000, help="Newest rows first, at most this many."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Notifications in the outbox, newest first, with their status and last error."""
    if ctx.invoked_subcommand is not None:
        return
    from notifications.outbox import list_outbox

    rows = list_outbox(engine(), status, limit)
    if as_json:
        print_json(rows)
        return
    console.print(outbox_table(rows, status))


def outbox_table(rows: list[dict[str, Any]], status: str | None) -> Table:
    table = Table(
        "id",
        "status",
        "channel",
        "to",
        "what",
        "tries",
        "when",
        "last error",
        title=plain(f"outbox ({status or 'all'})"),
    )
    colours = {"dead": "bold red", "pending": "yellow", "sending": "cyan", "sent": "green"}
    for r in rows:
        when = local(r["sent_at"]) if r["status"] == "sent" else local(r["next_attempt_at"])
        table.add_row(
            str(r["id"]),
            plain(r["status"], colours.get(r["status"], "")),
            plain(r["channel"]),
            plain(r["recipient"] or f"({r['recipient_role'] or '?'}: nobody)"),
            plain(r["summary"]),
            str(r["attempts"]),
            when,
            plain(r["last_error"] or ""),
        )
    return table


@outbox_app.command("retry")
def outbox_retry(
    row_id: int = typer.Argument(None, metavar="[ID]", min=1, max=2**31 - 1, help="The outbox row to send again."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every dead row."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Queue a dead notification (or all of them) to be sent by the next dispatch, with fresh attempts."""
    from hiring.clock import now
    from hiring.errors import InvalidInput
    from notifications.outbox import retry, retry_all_dead

    if (row_id is None) == (not all_dead):
        raise InvalidInput("name one outbox row ID, or pass --all-dead")
    ids = retry_all_dead(engine(), now()) if all_dead else [retry(engine(), row_id, now())["id"]]
    if as_json:
        print_json({"queued": ids})
        return
    console.print(
        line(
            f"{len(ids)} notification(s) queued for the next dispatch"
            + (f": {', '.join(map(str, ids))}" if ids else "")
        )
    )


# --- dispatch -----------------------------------------------------------------------------------


def dispatch(as_json: bool = typer.Option(False, "--json")) -> None:
    """Send every notification that is due now (respects HIRING_NOW), once; retries are scheduled."""
    from hiring.bootstrap import dispatch as run_dispatch
    from hiring.clock import now

    lines: list[str] = []
    write = lines.append if as_json else (lambda text: console.print(plain(text), soft_wrap=True))
    when = now()
    result = run_dispatch(engine(), now=when, console_write=write)
    if as_json:
        print_json({"at": when, **result.as_dict(), "console": lines})
        return
    console.print(
        line(
            f"dispatch at {local(when)}: {result.sent} sent in {result.messages} message(s), "
            f"{result.retried} to retry, {result.dead} dead"
            + (f", {result.reclaimed} reclaimed" if result.reclaimed else "")
            + (f", {result.deferred} deferred" if result.deferred else "")
        )
    )
    for f in result.failures:
        console.print(
            line(
                f"  outbox {', '.join(map(str, f['ids']))} via {f['channel']} to {f['recipient'] or '-'}: "
                f"{f['outcome']}: {f['error']}"
            ),
            soft_wrap=True,
        )
    if result.dead:
        console.print(line("  see `hiring outbox --status dead`; fix the cause, then `hiring outbox retry --all-dead`"))
