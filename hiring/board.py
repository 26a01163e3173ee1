"""The board as Rich tables: one per requisition, a row per stage in graph order. Names, titles and handles
are user text: shown as text (hiring/terminal.py), never as markup."""

from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from hiring.terminal import line, local, plain

EMPTY = "no open requisitions yet: `hiring role add --file FILE`, then `hiring role open ID`"


def render_board(console: Console, data: list[dict[str, Any]]) -> None:
    for renderable in board_view(data):
        console.print(renderable)


def board_view(data: list[dict[str, Any]]) -> list[RenderableType]:
    if not data:
        return [plain(EMPTY)]
    out: list[RenderableType] = []
    for req in data:
        title = line(
            (f"#{req['requisition_id']} {req['title']}", "bold"),
            f"  recruiter {req['recruiter']}, hiring manager {req['hiring_manager']}",
        )
        table = Table(
            "stage", "n", "candidates (oldest activity first)", title=title, title_justify="left", expand=True
        )
        for stage, people in req["stages"].items():
            if people:
                table.add_row(plain(stage), str(len(people)), Text(", ").join(_person(p) for p in people))
        out += [table] if table.row_count else [title, plain("  no active candidates")]
        closed = ", ".join(f"{s} {n}" for s, n in req["closed"].items() if n)
        if closed:
            out.append(line(f"  closed: {closed}"))
        out.append(Text())
    return out


def _person(p: dict[str, Any]) -> Text:
    if p.get("overdue"):
        return plain(f"#{p['id']} {p['name']} (overdue: {p['overdue']})", "bold red")
    text = line(f"#{p['id']} {p['name']}")
    if p.get("next_deadline") and p["next_deadline"]["due_in"]:
        text.append_text(plain(f" ({p['next_deadline']['timer']} in {p['next_deadline']['due_in']})", "dim"))
    if p["on_hold"]:
        text.append_text(plain(" (hold)", "yellow"))
    return text


__all__ = ["board_view", "local", "render_board"]
