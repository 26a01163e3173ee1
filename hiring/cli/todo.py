"""`hiring todo`: what waits on one person, most overdue first."""

from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from hiring.cli.common import console, engine, print_json, timer_status
from hiring.errors import InvalidInput
from hiring.terminal import local, plain
from states.timers import Role

ROLES = ", ".join(r.value for r in Role)


def register(root: typer.Typer) -> None:
    root.command()(todo)


def parse_role(text: str | None) -> Role | None:
    if text is None:
        return None
    try:
        return Role(text)
    except ValueError:
        raise InvalidInput(f"unknown role {text!r}; allowed: {ROLES}") from None


def whose(me: str | None) -> str:
    """--me, else HIRING_ME; neither is a clear error."""
    from hiring.settings import get_settings

    handle = (me or "").strip() or get_settings().me
    if not handle:
        raise InvalidInput("whose list? pass --me HANDLE or set HIRING_ME (the handles are in `hiring people list`)")
    return handle


def todo(
    me: str = typer.Option(None, "--me", help="Your handle (default: HIRING_ME)."),
    role: str = typer.Option(None, "--role", help=f"Only what waits on you as: {ROLES}."),
    overdue: bool = typer.Option(False, "--overdue", help="Only what is overdue now."),
    limit: int = typer.Option(None, "--limit", min=1, max=1000, help="At most this many items."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every open timer that waits on you: owned by you, or escalated to you. Most overdue first."""
    from hiring.clock import now
    from hiring.policy_file import current_policy
    from hiring.queries.todo import TodoQuery, candidate_names, waiting_on

    query = TodoQuery(whose(me), parse_role(role), overdue, limit)
    when = now()
    eng = engine()
    data = waiting_on(eng, query, when, current_policy())
    if as_json:
        print_json(data)
        return
    names = candidate_names(eng, {item["candidate_id"] for item in data["items"]})
    console.print(todo_table(data, names, when))


def todo_table(data: dict[str, Any], names: dict[int, str], when: datetime) -> Table:
    title = f"waiting on {data['handle']}" + (f" as {data['role']}" if data["role"] else "")
    table = Table(
        "cand", "name", "req", "stage", "timer", "action", "due", "status", "last / next", "why",
        title=f"{title} as of {local(when)}: {len(data['items'])} item(s)",
    )  # fmt: skip
    for item in data["items"]:
        timer = item["timer"] + (f" ({item['subject']})" if item["subject"] else "")
        table.add_row(
            str(item["candidate_id"]),
            plain(names.get(item["candidate_id"], "-")),
            str(item["requisition_id"]),
            plain(item["stage"]),
            plain(timer),
            plain(item["action"] or "-"),
            local(item["due_at"]),
            timer_status(item),
            plain(ladder_text(item)),
            plain(item["reason"]),
        )
    return table


def ladder_text(item: dict[str, Any]) -> str:
    last, nxt = item["last_escalation"], item["next_escalation"]
    fired = f"{last['level']} fired" if last else "none fired"
    coming = f"{nxt['level']} -> {nxt['recipient'] or nxt['role']} at {local(nxt['at'])}" if nxt else "no more levels"
    return f"{fired}; next {coming}" if nxt else f"{fired}; {coming}"
