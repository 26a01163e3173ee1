"""`hiring kit`: a requisition's interview kit, screen kit and take-home templates; `hiring role kit`: give a
requisition its own kit file (or remove it)."""

from pathlib import Path
from typing import Any

import typer
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from hiring.cli.common import console, engine, print_json, read_document
from hiring.errors import InvalidInput
from hiring.terminal import line, plain

MAX_ID = 2**31 - 1


def register(root: typer.Typer, roles: typer.Typer) -> None:
    root.command("kit")(kit)
    roles.command("kit")(role_kit)


def kit(
    req_id: int = typer.Option(..., "--req", help="The requisition whose kit to show.", min=1, max=MAX_ID),
    part: str | None = typer.Option(
        None, "--part", help="Only this loop part: technical_calibration, project_deep_dive, system_design, behavioral."
    ),
    screen: bool = typer.Option(False, "--screen", help="Only the screen kit (with any other section asked for)."),
    take_home: bool = typer.Option(False, "--take-home", help="Only the take-home templates (likewise)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What interviewers and reviewers of a requisition are given: per loop part its purpose, questions and
    what a strong answer shows; the screen kit; the take-home templates and their rubric."""
    from hiring.kits import kit_for, parse_part

    chosen = parse_part(part)
    view = kit_for(engine(), req_id).view(chosen, screen, take_home)
    if as_json:
        print_json(view)
        return
    for renderable in kit_lines(view):
        console.print(renderable)


def role_kit(
    req_id: int = typer.Argument(..., metavar="ID", min=1, max=MAX_ID),
    file: Path | None = typer.Option(None, "--file", "-f", help="YAML or JSON kit override (see README)."),
    clear: bool = typer.Option(False, "--clear", help="Remove the requisition's own kit: the shipped one applies."),
) -> None:
    """Give a requisition its own kit: what the file names (parts, screen kit, sample question, take-home
    templates) replaces the shipped kit of its profile; the rest stays."""
    from hiring.kits import parse_override, set_kit_override

    if (file is None) == (not clear):
        raise InvalidInput("give either --file KIT.yaml or --clear")
    override = parse_override(read_document(file), str(file)) if file is not None else None
    result = set_kit_override(engine(), req_id, override)
    what = "its own kit" if result.overridden else "the shipped kit"
    console.print(line(f"requisition {req_id} uses {what} for {result.kit.role_profile.value}"))


def kit_lines(view: dict[str, Any]) -> list[RenderableType]:
    own = " (the requisition's own kit)" if view["overridden"] else ""
    out: list[RenderableType] = [
        line(
            (f"Kit for requisition {view['requisition_id']}: ", "bold"),
            view["title"],
            f" ({view['role_profile']}){own}",
        ),
        line(("Sample question: ", "bold"), view["sample_question"]),
        Text(),
    ]
    for name, part in view.get("parts", {}).items():
        out += _part(name, part)
    if "screen" in view:
        out += _screen(view["screen"])
    for template in view.get("take_homes", []):
        out += _take_home(template)
    return out


def _part(name: str, part: dict[str, Any]) -> list[RenderableType]:
    return [
        line((name, "bold cyan"), ": ", part["purpose"]),
        *(line(f"  {i}. ", q) for i, q in enumerate(part["questions"], 1)),
        line(("  A strong answer: ", "green"), part["strong_answer"]),
        Text(),
    ]


def _screen(screen: dict[str, Any]) -> list[RenderableType]:
    table = Table("signal", "evidence to look for", title=plain("Screen kit", "bold"), title_justify="left")
    for signal, evidence in screen["evidence"].items():
        table.add_row(plain(signal), plain(evidence))
    return [
        table,
        line(("Often overrated:", "yellow")),
        *(line("  - ", s) for s in screen["overrated"]),
        Text(),
    ]


def _take_home(t: dict[str, Any]) -> list[RenderableType]:
    hours = f"{t['expected_hours']:g}h" + (f", {t['hours_reason']}" if t.get("hours_reason") else "")
    table = Table(
        "criterion",
        "what good looks like",
        title=line(("Take-home ", "bold"), t["id"], f": {t['title']} ({hours})"),
        title_justify="left",
    )
    for criterion, good in t["rubric"].items():
        table.add_row(plain(criterion), plain(good))
    return [
        table,
        line(("  Format: ", "bold"), t["format"]),
        line(("  Assesses: ", "bold"), t["assesses"]),
        line(
            f'  Send it: hiring advance CANDIDATE send_take_home --data \'{{"template": "{t["id"]}", "due_at": ...}}\''
        ),
        Text(),
    ]
