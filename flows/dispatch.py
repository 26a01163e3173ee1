"""The `dispatch-notifications` flow: one pass of the outbox dispatcher per tick.

The whole pass (every due row, in batches) runs inside ONE task, which is the I/O boundary and carries
the retries. Retrying is safe: rows are claimed in the database, and rows left in `sending` by a run that
died are reclaimed after the claim timeout. The artifact counts rows by outcome and channel: no names,
no email addresses, no error texts (they can name people), and never a secret.
"""

from collections import Counter
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.plumbing import at_instant, database, retrying
from hiring.bootstrap import DispatchResult, dispatch
from hiring.settings import get_settings

ARTIFACT_KEY = "dispatch-notifications"


def dispatch_once(at: datetime) -> DispatchResult:
    """One dispatch pass against the database named by HIRING_DATABASE_URL."""
    with database() as engine:
        return dispatch(engine, now=at, settings=get_settings())


def summarize(at: datetime, result: DispatchResult) -> dict[str, Any]:
    """Numbers only: what the artifact, the logs and the flow's return value carry."""
    failed: Counter[str] = Counter()
    for failure in result.failures:
        failed[f"{failure['channel']}:{failure['outcome']}"] += len(failure["ids"])
    return {"at": at.isoformat(), **result.counts(), "failed_by_channel": dict(sorted(failed.items()))}


def summary_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# Notifications dispatched at {summary['at']}",
        "",
        "| outcome | rows |",
        "|---|---|",
        f"| sent | {summary['sent']} |",
        f"| retried | {summary['retried']} |",
        f"| dead | {summary['dead']} |",
        f"| reclaimed from a stopped dispatcher | {summary['reclaimed']} |",
        f"| deferred (rate limit or time budget) | {summary['deferred']} |",
        "",
        f"{summary['messages']} message(s) delivered (a digest carries several rows).",
    ]
    if summary["failed_by_channel"]:
        lines += ["", "| channel:outcome | rows |", "|---|---|"]
        lines += [f"| {key} | {n} |" for key, n in summary["failed_by_channel"].items()]
    if summary["dead"]:
        lines += [
            "",
            "Dead rows and their reasons: `hiring outbox --status dead`; retry with "
            "`hiring outbox retry --all-dead` once the cause is fixed.",
        ]
    return "\n".join(lines) + "\n"


@task(name="dispatch-outbox", **retrying())
def dispatch_outbox(at: datetime) -> dict[str, Any]:
    summary = summarize(at, dispatch_once(at))
    get_run_logger().info(
        "dispatched the outbox at %s: %d sent in %d message(s), %d retried, %d dead, %d reclaimed",
        summary["at"],
        summary["sent"],
        summary["messages"],
        summary["retried"],
        summary["dead"],
        summary["reclaimed"],
    )
    return summary


@flow(name="dispatch-notifications")
def dispatch_notifications_flow(now: str | None = None) -> dict[str, Any]:
    """Send every notification due at `now` (ISO 8601; default: the clock, which honours HIRING_NOW)."""
    at = at_instant(now)
    summary = dispatch_outbox(at)
    create_markdown_artifact(
        summary_markdown(summary), key=ARTIFACT_KEY, description=f"Outbox dispatch at {summary['at']}"
    )
    return summary
