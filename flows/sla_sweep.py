"""The `sla-sweep` flow: one SLA sweep per tick, published as artifacts and Prefect events.

One flow run per tick; the whole sweep (every due timer, in batches) runs inside ONE task, which is the
I/O boundary and carries the retries. Retrying is safe: each (timer, level) fires at most once because the
database, not this code, decides who fired first. Logs, artifacts and events carry ids and numbers only,
never a candidate's name or email.
"""

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from flows.plumbing import at_instant, database, retrying
from hiring.errors import InvalidInput
from hiring.settings import available_channels
from hiring.sla import Fired, sweep

TABLE_KEY = "sla-sweep"
SUMMARY_KEY = "sla-sweep-summary"
EVENT = "hiring.sla.escalated"
ARTIFACT_ROW_LIMIT = 1000  # after a long outage the table lists the first rows; the summary counts them all
LOGGED_ROW_LIMIT = 50
EVENT_PAYLOAD_FIELDS = (
    "escalation_id",
    "requisition_id",
    "timer",
    "level",
    "audience_role",
    "scheduled_at",
    "fired_at",
    "lateness_seconds",
)
_EVENT_NAMESPACE = uuid.UUID("5c1f4f7e-5a43-4b0b-9d0e-8e7f3c2a9b61")


def fired_row(f: Fired) -> dict[str, Any]:
    """What one escalation looks like outside the database: ids, timer, level, lateness. No personal data."""
    return {
        "escalation_id": f.escalation_id,
        "candidate_id": f.candidate_id,
        "requisition_id": f.requisition_id,
        "timer_id": f.timer_id,
        "timer": f.timer,
        "level": f.level,
        "audience_role": f.audience_role,
        "scheduled_at": f.scheduled_at.isoformat(),
        "fired_at": f.fired_at.isoformat(),
        "lateness_seconds": round(f.lateness.total_seconds(), 1),
    }


def sweep_once(at: datetime, batch_size: int) -> list[dict[str, Any]]:
    """Run one sweep against the database named by HIRING_DATABASE_URL; the escalations fired, as rows."""
    with database() as engine:
        fired = sweep(engine, at, channels=available_channels(), batch_size=batch_size)
    return [fired_row(f) for f in fired]


@task(name="sweep-due-timers", **retrying(InvalidInput))  # an invalid policy file will not fix itself
def sweep_due_timers(at: datetime, batch_size: int) -> list[dict[str, Any]]:
    rows = sweep_once(at, batch_size)
    get_run_logger().info("sweep at %s: %d escalation(s) fired", at.isoformat(), len(rows))
    return rows


def emit_escalation_events(rows: list[dict[str, Any]]) -> int:
    """Emit `hiring.sla.escalated` for each escalation; returns how many were sent (0 with no Prefect API).

    The event id is derived from the escalation, so a re-emitted escalation is the same event to Prefect.
    """
    sent = 0
    for row in rows:
        resource = {
            "prefect.resource.id": f"hiring.candidate.{row['candidate_id']}",
            "prefect.resource.name": f"candidate {row['candidate_id']}",
            "hiring.timer": row["timer"],
            "hiring.level": row["level"],
        }
        related = [
            {"prefect.resource.id": f"hiring.{kind}.{row[f'{kind}_id']}", "prefect.resource.role": kind}
            for kind in ("requisition", "timer")
        ]
        payload = {field: row[field] for field in EVENT_PAYLOAD_FIELDS}
        event_id = uuid.uuid5(_EVENT_NAMESPACE, f"{row['escalation_id']}@{row['fired_at']}")
        sent += emit_event(event=EVENT, resource=resource, related=related, payload=payload, id=event_id) is not None
    return sent


def summarize(at: datetime, rows: list[dict[str, Any]], events: int) -> dict[str, Any]:
    return {
        "at": at.isoformat(),
        "fired": len(rows),
        "candidates": len({r["candidate_id"] for r in rows}),
        "timers": len({r["timer_id"] for r in rows}),
        "by_level": dict(Counter(r["level"] for r in rows)),
        "by_timer": dict(Counter(r["timer"] for r in rows)),
        "max_lateness_seconds": max((r["lateness_seconds"] for r in rows), default=0.0),
        "events_emitted": events,
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# SLA sweep at {summary['at']}",
        "",
        f"**{summary['fired']}** escalation(s) fired on **{summary['timers']}** timer(s) of "
        f"**{summary['candidates']}** candidate(s); longest lateness {summary['max_lateness_seconds']:.0f} s; "
        f"{summary['events_emitted']} `{EVENT}` event(s) emitted.",
    ]
    for title, counts in (("level", summary["by_level"]), ("timer", summary["by_timer"])):
        if counts:
            lines += ["", f"| {title} | fired |", "|---|---|"]
            lines += [f"| {name} | {n} |" for name, n in sorted(counts.items())]
    if summary["fired"]:
        lines += ["", f"Each escalation is listed in the `{TABLE_KEY}` artifact."]
    return "\n".join(lines) + "\n"


def publish_artifacts(summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """The summary every run; the table of what fired only when something did, so its history is a log."""
    if rows:
        shown = rows[:ARTIFACT_ROW_LIMIT]
        more = f" (first {len(shown)} of {len(rows)})" if len(rows) > len(shown) else ""
        create_table_artifact(
            shown, key=TABLE_KEY, description=f"SLA escalations fired by the sweep at {summary['at']}{more}"
        )
    create_markdown_artifact(summary_markdown(summary), key=SUMMARY_KEY, description=f"SLA sweep at {summary['at']}")


@flow(name="sla-sweep")
def sla_sweep_flow(now: str | None = None, batch_size: int = 500) -> dict[str, Any]:
    """Fire every SLA escalation due at `now` (ISO 8601; default: the clock, which honours HIRING_NOW)."""
    at = at_instant(now)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    logger = get_run_logger()
    rows = sweep_due_timers(at, batch_size)
    for row in rows[:LOGGED_ROW_LIMIT]:
        logger.info(
            "escalation %s: candidate %s req %s %s %s -> %s, %.0f s late",
            row["escalation_id"],
            row["candidate_id"],
            row["requisition_id"],
            row["timer"],
            row["level"],
            row["audience_role"],
            row["lateness_seconds"],
        )
    if len(rows) > LOGGED_ROW_LIMIT:
        logger.info("... and %d more escalation(s), listed in the %r artifact", len(rows) - LOGGED_ROW_LIMIT, TABLE_KEY)
    summary = summarize(at, rows, emit_escalation_events(rows))
    publish_artifacts(summary, rows)
    logger.info(
        "sla sweep at %s: %d escalation(s) fired on %d timer(s) of %d candidate(s), by level %s; %d event(s) emitted",
        summary["at"],
        summary["fired"],
        summary["timers"],
        summary["candidates"],
        summary["by_level"] or "{}",
        summary["events_emitted"],
    )
    return summary
