"""Top-level commands about events: advance, history, board, diagram."""

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hiring.cli.candidates import actor_option, who
from hiring.cli.common import console, engine, load_data, parse_at, print_json
from hiring.terminal import line, local, plain


def register(app: typer.Typer) -> None:
    app.command()(advance)
    app.command()(history)
    app.command()(board)
    app.command()(diagram)
    app.command(hidden=True)(docs)


def advance(
    ref: str = typer.Argument(..., metavar="CANDIDATE", help="Candidate id or external id."),
    trigger: str = typer.Argument(..., help="e.g. screen, send_take_home, record_interview, reject."),
    data: str = typer.Option(None, "--data", help="Payload as JSON, or @file.json / @file.yaml."),
    at: str = typer.Option(None, "--at", help="When it happened (ISO 8601; default now)."),
    by: str = actor_option(),
    key: str = typer.Option(None, "--key", help="Idempotency key: a retry with it writes nothing twice."),
    if_version: int = typer.Option(
        None, "--if-version", min=1, max=2**31 - 1, help="Refuse (exit 3) if the candidate changed."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Apply one event to a candidate: validated, recorded in the audit log, in one transaction."""
    from hiring.service import apply_event

    out = apply_event(
        engine(),
        ref,
        trigger,
        load_data(data),
        actor=who(by),
        occurred_at=parse_at(at),
        key=key,
        expected_version=if_version,
    )
    if as_json:
        print_json(out.as_dict())
        return
    moved = f"{out.from_stage} -> {out.to_stage}" if out.from_stage != out.to_stage else f"in {out.to_stage}"
    note = " (already applied with this key; nothing written)" if out.replayed else ""
    console.print(line(f"candidate {out.candidate_id}: {trigger} ({moved}), version {out.version}{note}"))


def history(ref: str = typer.Argument(..., metavar="CANDIDATE"), as_json: bool = typer.Option(False, "--json")) -> None:
    """A candidate's audit log, oldest first."""
    from hiring.queries import candidate_history

    cand, events = candidate_history(engine(), ref)
    if as_json:
        print_json({"candidate": cand, "events": events})
        return
    console.print(history_table(cand, events))


def history_table(cand: dict[str, Any], events: list[dict[str, Any]]) -> Table:
    table = Table("#", "when", "trigger", "from", "to", "by", "details", title=plain(f"#{cand['id']} {cand['name']}"))
    for e in events:
        details = ", ".join(f"{k}={v}" for k, v in e["payload"].items())
        table.add_row(
            str(e["seq"]),
            local(e["occurred_at"]),
            plain(e["trigger"]),
            plain(e["from_stage"] or "-"),
            plain(e["to_stage"]),
            plain(e["actor"]),
            plain(details[:120]),
        )
    return table


def board(
    requisition: int = typer.Option(None, "--req", "--requisition", min=1, max=2**31 - 1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every candidate by stage, per requisition."""
    from hiring.board import render_board
    from hiring.queries import board as board_query

    data = board_query(engine(), requisition)
    if as_json:
        print_json(data)
        return
    render_board(console, data)


def diagram() -> None:
    """Print the stage graph as a Mermaid diagram (generated from states/graph.py)."""
    from states.diagram import mermaid

    print(mermaid())


def docs(
    write: Path | None = typer.Option(None, "--write", help="Update the generated blocks of this file in place."),
) -> None:
    """Print the README's generated blocks (diagram, triggers, policy defaults, role profiles)."""
    from states.docs import blocks, fill

    if write is None:
        for name, text in blocks().items():
            print(f"<!-- {name}:start -->\n{text}<!-- {name}:end -->\n")
        return
    write.write_text(fill(write.read_text(encoding="utf-8")), encoding="utf-8")
    console.print(line(f"updated the generated blocks of {write}"))
