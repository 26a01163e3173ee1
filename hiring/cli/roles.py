"""`hiring role ...`: requisitions."""

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from hiring.cli.common import console, engine, print_json, read_document, validation_problems
from hiring.cli.role_view import answer_text, checks_and_advice, warning_lines
from hiring.errors import InvalidInput
from hiring.terminal import line, plain

app = typer.Typer(help="Requisitions (roles): define, open, list, show.", no_args_is_help=True)


def _spec(path: Path):  # type: ignore[no-untyped-def]  # a spec or a list of them
    from pydantic import ValidationError

    from states.requisition import RequisitionSpec

    data = read_document(path)
    try:
        return RequisitionSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"{path} is not a valid requisition:\n{validation_problems(exc)}") from None


@app.command("add")
def add(
    file: Path = typer.Option(..., "--file", "-f", help="YAML or JSON requisition file."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a requisition as a draft. It opens with `hiring role open ID` once complete."""
    from hiring.service import add_requisition

    spec = _spec(file)
    req = add_requisition(engine(), spec)
    missing = spec.missing()
    if as_json:
        print_json({"id": req.id, "status": req.status, "missing": missing})
        return
    console.print(line(f"requisition {req.id} added as draft: {req.title}"))
    if missing:
        console.print(line(("still empty (needed to open):", "yellow"), f" {', '.join(missing)}"))
    else:
        console.print(line(f"complete: open it with `hiring role open {req.id}`"))


@app.command("update")
def update(
    req_id: int = typer.Argument(..., metavar="ID", min=1, max=2**31 - 1),
    file: Path = typer.Option(..., "--file", "-f", help="YAML or JSON requisition file."),
) -> None:
    """Replace a requisition's definition from a file (to fill in a draft)."""
    from hiring.service import update_requisition

    req = update_requisition(engine(), req_id, _spec(file))
    console.print(line(f"requisition {req.id} updated ({req.status})"))


@app.command("open")
def open_(
    req_id: int = typer.Argument(..., metavar="ID", min=1, max=2**31 - 1), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Open a requisition; refused with the list of what is missing while it is incomplete. Contradictions
    between the answers and the profile, and a band below the market, are warned about (and recorded)."""
    from hiring.service import open_requisition

    req = open_requisition(engine(), req_id)
    warnings = req.open_warnings or []
    if as_json:
        print_json({"id": req.id, "status": req.status, "warnings": warnings})
        return
    console.print(line(f"requisition {req.id} is open: {req.title}"))
    for text in warning_lines("warning", warnings):
        console.print(text)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """All requisitions."""
    from hiring.queries import list_requisitions

    rows = list_requisitions(engine())
    if as_json:
        print_json(rows)
        return
    console.print(requisition_table(rows))


def requisition_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "title", "profile", "status", "recruiter", "hiring manager", "candidates")
    for r in rows:
        status = r["status"] if not r["missing"] else f"{r['status']} ({len(r['missing'])} missing)"
        cells = (r["title"], r["role_profile"], status, r["recruiter"], r["hiring_manager"])
        table.add_row(str(r["id"]), *(plain(v or "-") for v in cells), str(r["candidates"]))
    return table


@app.command("show")
def show(
    req_id: int = typer.Argument(..., metavar="ID", min=1, max=2**31 - 1), as_json: bool = typer.Option(False, "--json")
) -> None:
    """One requisition in full: what is missing, the warnings, the profile, where to source it, the band
    against the market and candidates per stage and per source channel."""
    from hiring.queries import show_requisition

    r = show_requisition(engine(), req_id)
    if as_json:
        print_json(r)
        return
    for renderable in requisition_lines(r):
        console.print(renderable)


def _unless_missing(field: str, r: dict[str, Any]) -> str | None:
    """'-' for an optional field left empty; None (shown as missing) when opening needs it."""
    return None if field in r["missing"] else "-"


def requisition_lines(r: dict[str, Any]) -> list[Table | Text]:
    table = Table(show_header=False, box=None, title=plain(f"requisition {r['id']}: {r['title']} ({r['status']})"))
    band = r["salary_band"]
    rows = [
        ("role profile", r["role_profile"]),
        ("engagement", r["engagement"]),
        ("engagement rationale", r.get("engagement_rationale") or _unless_missing("engagement_rationale", r)),
        ("salary band", f"{band['min']}-{band['max']} {band['currency']}" if band else None),
        ("recruiter", r["recruiter"]),
        ("hiring manager", r["hiring_manager"]),
        *((k.replace("_", " "), answer_text(v)) for k, v in r["role_definition"].items()),
        *((k.replace("_", " "), "; ".join(v) if isinstance(v, list) else v) for k, v in r["job_description"].items()),
        ("candidates", ", ".join(f"{s}: {n}" for s, n in r["candidates_by_stage"].items()) or "none"),
    ]
    for label, value in rows:
        shown = plain(value, keep_newlines=True) if value else plain("missing", "yellow")
        table.add_row(plain(label, "bold"), shown)
    out: list[Table | Text] = [table]
    if r["missing"]:
        out.append(line(("missing before it can open:", "yellow"), f" {', '.join(r['missing'])}"))
    return out + checks_and_advice(r)
