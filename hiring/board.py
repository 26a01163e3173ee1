"""The board as Rich tables: one per requisition, a row per stage in graph order."""

from typing import Any

from rich.console import Console
from rich.table import Table

from hiring.cli.common import local


def render_board(console: Console, data: list[dict[str, Any]]) -> None:
    if not data:
        console.print("no open requisitions yet: `hiring role add --file FILE`, then `hiring role open ID`")
        return
    for req in data:
        title = (
            f"[bold]#{req['requisition_id']} {req['title']}[/]  recruiter {req['recruiter']}, "
            f"hiring manager {req['hiring_manager']}"
        )
        table = Table("stage", "n", "candidates (oldest activity first)", title=title, title_justify="left",
                      expand=True)  # fmt: skip
        for stage, people in req["stages"].items():
            if not people:
                continue
            names = ", ".join(_person(p) for p in people)
            table.add_row(stage, str(len(people)), names)
        closed = ", ".join(f"{s} {n}" for s, n in req["closed"].items() if n)
        if table.row_count:
            console.print(table)
        else:
            console.print(title + "\n  no active candidates")
        if closed:
            console.print(f"  closed: {closed}")
        console.print()


def _person(p: dict[str, Any]) -> str:
    text = f"#{p['id']} {p['name']}"
    if p.get("overdue"):
        text = f"[bold red]{text} (overdue: {p['overdue']})[/]"
    elif p.get("next_deadline") and p["next_deadline"]["due_in"]:
        text += f" [dim]({p['next_deadline']['timer']} in {p['next_deadline']['due_in']})[/]"
    if p["on_hold"]:
        text += " [yellow](hold)[/]"
    return text


__all__ = ["local", "render_board"]
