"""`hiring report` (the pipeline report: terminal tables, JSON, HTML, PNG charts) and `hiring digest`."""

from pathlib import Path

import typer

from hiring.cli.common import console, engine, err_console, print_json
from hiring.errors import InvalidInput
from hiring.terminal import line, local


def register(root: typer.Typer) -> None:
    root.command()(report)
    root.command()(digest)


def report(
    as_json: bool = typer.Option(False, "--json", help="Print every metric as JSON."),
    html: Path | None = typer.Option(
        None, "--html", metavar="FILE", help="Write one self-contained HTML file (charts and tables; opens offline)."
    ),
    png: Path | None = typer.Option(None, "--png", metavar="DIR", help="Write each chart as a PNG into DIR."),
    req: int = typer.Option(None, "--req", metavar="ID", min=1, max=2**31 - 1, help="Only this requisition."),
    profile: str = typer.Option(None, "--profile", metavar="P", help="Only requisitions of this role profile."),
    source: str = typer.Option(None, "--source", metavar="S", help="Only candidates from this source channel."),
    since: str = typer.Option(None, "--since", metavar="DATE", help="Only candidates sourced on or after DATE."),
    until: str = typer.Option(None, "--until", metavar="DATE", help="Only candidates sourced on or before DATE."),
) -> None:
    """Funnel, time in stage, SLA health, decision speed, sources, rubrics, offers and onboarding.

    Computed from the event log, the SLA timers and the escalations, as of now (HIRING_NOW pins it).
    With --html or --png the files are written and the terminal shows where; --json prints the numbers.
    """
    from hiring.clock import now
    from hiring.reports.metrics import check_scope, parse_filters, pipeline_report

    filters = parse_filters(req, profile, source, since, until)
    eng = engine()
    check_scope(eng, filters)
    data = pipeline_report(eng, filters, now())
    written: list[Path] = []
    if html is not None or png is not None:
        from hiring.reports.html import write_html, write_pngs

        try:
            if html is not None:
                written.append(write_html(data, html))
            if png is not None:
                written += write_pngs(data, png)
        except OSError as exc:
            raise InvalidInput(f"cannot write {exc.filename or html or png}: {exc.strerror}") from None
    if as_json:
        print_json(data)
    elif not written:
        from hiring.reports.tables import render_report

        render_report(console, data)
    out = err_console if as_json else console
    for path in written:
        out.print(line(f"wrote {path}"))


def digest(as_json: bool = typer.Option(False, "--json")) -> None:
    """Write this week's digest for every hiring manager to the outbox now (once per manager, channel and week).

    The dispatcher (`hiring serve`, or the Prefect dispatch deployment) sends it.
    """
    from hiring.clock import now
    from hiring.reports.digest import iso_week, write_weekly_digests
    from hiring.settings import available_channels

    at = now()
    rows = write_weekly_digests(engine(), at, channels=available_channels())
    if as_json:
        print_json({"at": at, "week": iso_week(at), "digests": [r.as_dict() for r in rows]})
        return
    if not rows:
        console.print("no open requisition has a hiring manager: no digest to write")
        return
    console.print(f"weekly digests for {iso_week(at)} (as of {local(at)}):")
    for r in rows:
        if not r.written:
            console.print(line(f"  {r.hiring_manager} via {r.channel}: already written this week"))
            continue
        console.print(
            line(
                f"  {r.hiring_manager} via {r.channel}: written (outbox #{r.outbox_id}); "
                f"{r.requisitions} requisition(s), {r.overdue} overdue, "
                f"{r.decisions_pending} decision(s) pending"
            )
        )
