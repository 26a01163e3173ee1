"""Integration and privacy commands: api, webhooks, erase, retention."""

from typing import Any

import typer
from rich.table import Table

from hiring.cli.common import console, engine, err_console, print_json
from hiring.terminal import line, local, plain


def register(root: typer.Typer) -> None:
    root.command()(api)
    root.command()(webhooks)
    root.command()(erase)
    root.command()(retention)


def api(
    host: str = typer.Option(None, "--host", help="Listen address (default HIRING_API_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default HIRING_API_PORT, 8000)."),
) -> None:
    """Serve the HTTP API (and the Greenhouse webhook) with uvicorn; tokens from HIRING_API_TOKENS."""
    from hiring.api.serve import serve

    serve(engine(), host, port)


def webhooks(
    unmapped: bool = typer.Option(False, "--unmapped", help="Only the ATS stages and jobs no mapping covers."),
    status: str = typer.Option(None, "--status", help="Only deliveries with this status, e.g. refused."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many deliveries to list (newest first)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """ATS webhook deliveries and what each did; --unmapped lists what to add to the policy's `ats` mapping."""
    from hiring.queries.deliveries import list_deliveries, unmapped_summary

    eng = engine()
    rows = list_deliveries(eng, status, unmapped, limit)
    summary = unmapped_summary(eng) if unmapped else None
    if as_json:
        print_json({"unmapped": summary, "deliveries": rows} if unmapped else {"deliveries": rows})
        return
    if summary is not None:
        if not summary:
            console.print("every ATS stage and job received so far is mapped")
            return
        console.print(unmapped_table(summary))
    console.print(deliveries_table(rows))


def unmapped_table(summary: list[dict[str, Any]]) -> Table:
    table = Table(
        "kind",
        "ATS value",
        "deliveries",
        "jobs",
        "last received",
        title="unmapped: add these to the policy file's `ats.stages` / `ats.jobs`",
    )
    for e in summary:
        table.add_row(
            plain(e["kind"]),
            plain(e["value"]),
            str(e["deliveries"]),
            plain(", ".join(e["jobs"]) or "-"),
            local(e["last_received_at"]),
        )
    return table


def deliveries_table(rows: list[dict[str, Any]]) -> Table:
    """Every value here came from the ATS: shown as text."""
    table = Table(
        "received",
        "event",
        "action",
        "status",
        "application",
        "stage",
        "cand",
        "detail",
        title="webhook deliveries (newest first)",
    )
    for r in rows:
        cells = (
            r["event_id"],
            r["action"],
            r["status"],
            r["application_id"] or "-",
            r["ats_stage"] or "-",
            r["candidate_id"] or "-",
            (r["detail"] or "")[:100],
        )
        table.add_row(local(r["received_at"]), *(plain(c) for c in cells))
    return table


def erase(
    ref: str = typer.Argument(..., metavar="CANDIDATE", help="Candidate id or external id."),
    by: str = typer.Option(..., "--by", help="Who erases (kept in the erasure record)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Erase a candidate's name, email, notes and free-text fields; stages, times and scores stay for reports."""
    from hiring.privacy import erase as erase_candidate

    out = erase_candidate(engine(), ref, by)
    if as_json:
        print_json(out.as_dict())
        return
    if out.already:
        console.print(
            line(f"candidate {out.candidate_id} was already erased on {local(out.erased_at)} by {out.erased_by}")
        )
        return
    console.print(
        line(
            f"candidate {out.candidate_id} erased by {out.erased_by}: {out.events_scrubbed} event(s) and "
            f"{out.outbox_scrubbed} sent notification(s) scrubbed, {out.outbox_cancelled} unsent "
            f"notification(s) and {out.timers_cancelled} timer(s) cancelled"
        )
    )


def retention(
    dry_run: bool = typer.Option(False, "--dry-run", help="List who is due for erasure; erase nobody."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Apply the policy's retention rule now (the daily flow runs it too): erase who is due."""
    from hiring.clock import now
    from hiring.privacy import apply_retention

    result = apply_retention(engine(), now(), dry_run=dry_run)
    if as_json:
        print_json(result.as_dict())
        return
    if not result.rules:
        err_console.print("no retention rule: add `retention: {erase_after: {rejected: 180d}}` to the policy file")
        return
    verb = "due for erasure" if dry_run else "erased"
    for stage, period in result.rules.items():
        ids = result.erased.get(stage, [])
        shown = ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else "")
        console.print(line(f"{stage} (after {period}): {len(ids)} {verb}" + (f": {shown}" if ids else "")))
