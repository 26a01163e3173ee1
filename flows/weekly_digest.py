"""The `weekly-digest` flow: this week's digest of every hiring manager, written to the outbox.

Once per manager, channel and ISO week: a retried or repeated run writes nothing new. What it wrote is
published under `weekly-digest`. The dispatcher sends the rows.
"""

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.plumbing import at_instant, database, retrying
from hiring.errors import InvalidInput, NotFound
from hiring.reports.digest import iso_week, write_weekly_digests
from hiring.settings import available_channels

DIGEST_KEY = "weekly-digest"


@task(name="write-weekly-digests", **retrying(InvalidInput, NotFound))
def write_digests(at: datetime) -> list[dict[str, Any]]:
    with database() as engine:
        return [w.as_dict() for w in write_weekly_digests(engine, at, channels=available_channels())]


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def digest_markdown(at: datetime, rows: list[dict[str, Any]]) -> str:
    written = sum(r["written"] for r in rows)
    lines = [
        f"# Weekly digests, {iso_week(at)} (run at {at.isoformat()})",
        "",
        f"**{written}** digest(s) written to the outbox; {len(rows) - written} already there this week.",
    ]
    if rows:
        lines += [
            "",
            "| hiring manager | channel | this run | requisitions | overdue | decisions pending |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            this_run = "written" if r["written"] else "already there"
            lines.append(
                f"| {r['hiring_manager']} | {r['channel']} | {this_run} | {r['requisitions']} | "
                f"{_or_dash(r['overdue'])} | {_or_dash(r['decisions_pending'])} |"
            )
    return "\n".join(lines) + "\n"


@flow(name="weekly-digest")
def weekly_digest_flow(now: str | None = None) -> dict[str, Any]:
    """Write this week's digest for every hiring manager to the outbox (once per manager, channel and week)."""
    at = at_instant(now)
    rows = write_digests(at)
    create_markdown_artifact(digest_markdown(at, rows), key=DIGEST_KEY, description=f"Weekly digests {iso_week(at)}")
    summary = {
        "at": at.isoformat(),
        "week": iso_week(at),
        "written": sum(r["written"] for r in rows),
        "already_written": sum(not r["written"] for r in rows),
        "digests": rows,
    }
    get_run_logger().info(
        "weekly digests for %s: %d written, %d already written this week",
        summary["week"],
        summary["written"],
        summary["already_written"],
    )
    return summary
