"""The `pipeline-report` flow (daily); it also applies the retention rule (flows/retention.py).

`pipeline-report` computes the report in one task (the database read is the I/O boundary and carries the
retries) and publishes it as artifacts with keys, so the Artifacts page keeps its history: a markdown
summary under `pipeline-report` and one table per section under `pipeline-<section>` (`pipeline-funnel`,
`pipeline-sla`, ...). Artifacts carry counts, durations, ids, stage and timer names and requisition titles:
never a candidate's name or email, and none of the free text people type (decline or departure reasons).

The `weekly-digest` flow is in flows/weekly_digest.py.
"""

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.plumbing import at_instant, database, retrying
from flows.retention import retention
from hiring.errors import InvalidInput, NotFound
from hiring.reports.html import headline
from hiring.reports.metrics import Filters, check_scope, parse_filters, pipeline_report
from hiring.reports.tables import Section, scope_line, sections

SUMMARY_KEY = "pipeline-report"
TABLE_PREFIX = "pipeline-"  # + the section key: pipeline-funnel, pipeline-sla, pipeline-sources, ...
# The sections the summary shows inline, besides the headline numbers.
SUMMARY_SECTIONS = ("funnel", "sla", "decisions")


def table_key(section: Section) -> str:
    return TABLE_PREFIX + section.key


# A bad filter or an unknown requisition will not fix itself.
@task(name="compute-pipeline-report", **retrying(InvalidInput, NotFound))
def compute_report(filters: Filters, at: datetime) -> dict[str, Any]:
    with database() as engine:
        check_scope(engine, filters)
        return pipeline_report(engine, filters, at)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(section: Section) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(c) or " " for c in section.columns) + " |", "|" + "---|" * len(section.columns)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section.rows]
    return lines


def summary_markdown(report: dict[str, Any], parts: list[Section]) -> str:
    lines = [
        f"# Pipeline report as of {report['generated_at'].isoformat()}",
        "",
        scope_line(report),
        "",
        "| number | |",
        "|---|---|",
    ]
    lines += [
        f"| **{_md_cell(value)}** | {_md_cell(text)}{' (needs attention)' if bad else ''} |"
        for value, text, bad in headline(report)
    ]
    for section in parts:
        if section.key in SUMMARY_SECTIONS:
            lines += ["", f"## {section.title}", "", *markdown_table(section)]
    lines += ["", "Every section is a table artifact: " + ", ".join(f"`{table_key(s)}`" for s in parts) + "."]
    return "\n".join(lines) + "\n"


def publish_report(report: dict[str, Any]) -> list[str]:
    """The summary and one table per section, each under its key; returns the keys."""
    parts = sections(report)
    when = report["generated_at"].isoformat()
    keys = []
    for section in parts:
        create_table_artifact(section.records(), key=table_key(section), description=f"{section.title} ({when})")
        keys.append(table_key(section))
    create_markdown_artifact(summary_markdown(report, parts), key=SUMMARY_KEY, description=f"Pipeline report {when}")
    return [SUMMARY_KEY, *keys]


@flow(name="pipeline-report")
def pipeline_report_flow(
    now: str | None = None,
    requisition_id: int | None = None,
    role_profile: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Compute the pipeline report as of `now` (ISO 8601; default: the clock, which honours HIRING_NOW) for
    the filters given, and publish it as artifacts."""
    at = at_instant(now)
    filters = parse_filters(requisition_id, role_profile, source, since, until)
    erased = retention(at)  # the daily run is also when the retention rule is applied
    report = compute_report(filters, at)
    keys = publish_report(report)
    funnel = {r["stage"]: r["reached"] for r in report["funnel"]}
    summary = {
        "at": at.isoformat(),
        "filters": filters.as_dict(),
        "candidates": report["scope"]["candidates"],
        "active": report["scope"]["active"],
        "hires": report["scope"]["hires"],
        "funnel": funnel,
        "open_overdue_timers": sum(t["open_overdue"] for t in report["sla"]["timers"].values()),
        "decisions_within_window": report["decisions"]["within_window"],
        "decisions": report["decisions"]["decided_n"],
        "decisions_pending": len(report["decisions"]["pending"]),
        "artifacts": keys,
        "erased": erased,
    }
    get_run_logger().info(
        "pipeline report at %s: %d candidate(s), %d active, %d hired; %d timer(s) overdue; %d of %d decision(s) "
        "within the window, %d pending; published %d artifact(s)",
        summary["at"],
        summary["candidates"],
        summary["active"],
        summary["hires"],
        summary["open_overdue_timers"],
        summary["decisions_within_window"],
        summary["decisions"],
        summary["decisions_pending"],
        len(keys),
    )
    return summary
