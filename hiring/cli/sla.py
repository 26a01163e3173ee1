"""SLA commands: sweep, sla (open timers, forecast), sla stats, serve."""

from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from hiring.cli.common import console, engine, parse_at, print_json, timer_status
from hiring.terminal import line, local, plain

app = typer.Typer(help="SLA timers: what is due, overdue, and how deadlines were kept.", invoke_without_command=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="sla")
    root.command()(sweep)
    root.command()(serve)


@app.callback()
def sla(
    ctx: typer.Context,
    at: str = typer.Option(None, "--at", help="Forecast: what will be overdue at this time (ISO 8601)."),
    owner: str = typer.Option(None, "--owner", help="Only the timers this handle owns."),
    req: int = typer.Option(None, "--req", min=1, max=2**31 - 1, help="Only the timers of this requisition."),
    kind: str = typer.Option(None, "--timer", help="Only timers of this kind, e.g. decision."),
    overdue: bool = typer.Option(False, "--overdue", help="Only the overdue ones (as of --at or now)."),
    limit: int = typer.Option(None, "--limit", min=1, max=10_000, help="At most this many, most overdue first."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open timers, the most overdue first, then by due time, with who is escalated next."""
    if ctx.invoked_subcommand is not None:
        return
    from hiring.clock import now
    from hiring.queries.sla import TimerFilter, open_timers

    when = parse_at(at) or now()
    filters = TimerFilter(owner=owner, requisition_id=req, kind=kind, overdue=overdue, limit=limit)
    rows = open_timers(engine(), when, filters=filters)
    if as_json:
        print_json({"at": when, "timers": rows})
        return
    console.print(timers_table(rows, when))


def timers_table(rows: list[dict[str, Any]], when: datetime) -> Table:
    table = Table(
        "cand",
        "name",
        "req",
        "timer",
        "owner",
        "due",
        "status",
        "next escalation",
        title=f"open SLA timers as of {local(when)}",
    )
    for r in rows:
        nxt = r["next_escalation"]
        nxt_text = f"{nxt['level']} -> {nxt['recipient'] or nxt['role']} at {local(nxt['at'])}" if nxt else "-"
        table.add_row(
            str(r["candidate_id"]),
            plain(r["candidate_name"]),
            str(r["requisition_id"]),
            plain(r["timer"] + (f" ({r['subject']})" if r["subject"] else "")),
            plain(r["owner"] or r["owner_role"]),
            local(r["due_at"]),
            timer_status(r),
            plain(nxt_text),
        )
    return table


@app.command("stats")
def sla_stats(as_json: bool = typer.Option(False, "--json")) -> None:
    """Met / breached / overdue per timer, escalations per level, and how late escalations fired."""
    from hiring.clock import now
    from hiring.queries.sla import stats

    data = stats(engine(), now())
    if as_json:
        print_json(data)
        return
    table = Table("timer", "met", "breached", "open", "open overdue", "cancelled", title="SLA health")
    for kind, c in sorted(data["timers"].items()):
        breached = f"[red]{c['breached']}[/]" if c["breached"] else "0"
        overdue = f"[bold red]{c['open_overdue']}[/]" if c["open_overdue"] else "0"
        table.add_row(plain(kind), str(c["met"]), breached, str(c["open"]), overdue, str(c["cancelled"]))
    console.print(table)
    esc = data["escalations"]
    lat = esc["lateness_seconds"]
    console.print("escalations fired: " + ", ".join(f"{k} {v}" for k, v in esc["by_level"].items()))
    if esc["count"]:
        console.print("lateness of fired escalations (s): " + ", ".join(f"{k} {v:.1f}" for k, v in lat.items()))


def sweep(as_json: bool = typer.Option(False, "--json")) -> None:
    """Run one SLA sweep now (respects HIRING_NOW): fire every escalation that has come due."""
    from hiring.clock import now
    from hiring.settings import available_channels
    from hiring.sla import sweep as run_sweep
    from states.durations import human

    when = now()
    fired = run_sweep(engine(), when, channels=available_channels())
    if as_json:
        print_json({"at": when, "fired": [f.as_dict() for f in fired]})
        return
    console.print(f"sweep at {local(when)}: {len(fired)} escalation(s) fired")
    for f in fired:
        console.print(
            line(
                f"  candidate {f.candidate_id} req {f.requisition_id}: {f.timer} {f.level} -> "
                f"{f.recipient or f.audience_role} (fired {human(f.lateness)} after its time)"
            )
        )


def serve(
    interval: float = typer.Option(60.0, "--interval", help="Longest sleep between sweeps, in seconds."),
) -> None:
    """Run the sweep and the notification dispatcher on a schedule in this process (APScheduler)."""
    from hiring.serve import run_serve

    run_serve(interval=interval)
