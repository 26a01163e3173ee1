"""The `pipeline-report` flow (daily) and the `weekly-digest` flow.

`pipeline-report` computes the report in one task (the database read is the I/O boundary and carries the
retries) and publishes it as artifacts with keys, so the Artifacts page keeps its history: a markdown
summary under `pipeline-report` and one table per section under `pipeline-<section>` (`pipeline-funnel`,
`pipeline-sla`, ...). Artifacts carry counts, durations, ids, stage and timer names and requisition titles:
never a candidate's name or email, and none of the free text people type (decline or departure reasons).

`weekly-digest` writes this week's digest of every hiring manager to the outbox (once per manager, channel
and ISO week: a retried or repeated run writes nothing new) and publishes what it wrote under
`weekly-digest`. The dispatcher sends the rows.
"""

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from hiring import clock
from hiring.errors import InvalidInput, NotFound
from hiring.reports.digest import iso_week, write_weekly_digests
from hiring.reports.html import headline
from hiring.reports.metrics import Filters, check_scope, parse_filters, pipeline_report
from hiring.reports.tables import Section, scope_line, sections
from hiring.settings import available_channels, get_settings
from models.db import DatabaseNotReady, make_engine, require_schema

SUMMARY_KEY = "pipeline-report"
TABLE_PREFIX = "pipeline-"  # + the section key: pipeline-funnel, pipeline-sla, pipeline-sources, ...
DIGEST_KEY = "weekly-digest"
# The sections the summary shows inline, besides the headline numbers.
SUMMARY_SECTIONS = ("funnel", "sla", "decisions")


def table_key(section: Section) -> str:
    return TABLE_PREFIX + section.key


def _worth_retrying(_task: Any, _run: TaskRun, state: State) -> bool:
    """Retry database hiccups; a missing schema, a bad filter or an unknown requisition will not fix itself."""
    error = state.result(raise_on_failure=False)
    return not isinstance(error, DatabaseNotReady | InvalidInput | NotFound)


def _engine():  # type: ignore[no-untyped-def]
    settings = get_settings()
    url = settings.database_url
    engine = make_engine(url, settings.sqlite_busy_timeout_seconds)
    require_schema(engine, url)
    return engine


@task(name="compute-pipeline-report", retries=3, retry_delay_seconds=[2, 10, 30],
      retry_condition_fn=_worth_retrying, cache_policy=NO_CACHE)  # fmt: skip
def compute_report(filters: Filters, at: datetime) -> dict[str, Any]:
    engine = _engine()
    try:
        check_scope(engine, filters)
        return pipeline_report(engine, filters, at)
    finally:
        engine.dispose()


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(section: Section) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(c) or " " for c in section.columns) + " |",
             "|" + "---|" * len(section.columns)]  # fmt: skip
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section.rows]
    return lines


def summary_markdown(report: dict[str, Any], parts: list[Section]) -> str:
    lines = [f"# Pipeline report as of {report['generated_at'].isoformat()}", "", scope_line(report), "",
             "| number | |", "|---|---|"]  # fmt: skip
    lines += [f"| **{_md_cell(value)}** | {_md_cell(text)}{' (needs attention)' if bad else ''} |"
              for value, text, bad in headline(report)]  # fmt: skip
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


@task(name="apply-retention", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=_worth_retrying,
      cache_policy=NO_CACHE)  # fmt: skip
def retention(at: datetime) -> dict[str, Any]:
    """The policy file's retention rule (e.g. erase rejected candidates 180 days after their last event)."""
    from hiring.privacy import apply_retention

    engine = _engine()
    try:
        result = apply_retention(engine, at)
    finally:
        engine.dispose()
    get_run_logger().info("retention: erased %d candidate(s): %s", result.count,
                          {stage: ids for stage, ids in result.erased.items() if ids})  # fmt: skip
    return result.as_dict()


@flow(name="pipeline-report")
def pipeline_report_flow(now: str | None = None, requisition_id: int | None = None, role_profile: str | None = None,
                         source: str | None = None, since: str | None = None,
                         until: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Compute the pipeline report as of `now` (ISO 8601; default: the clock, which honours HIRING_NOW) for
    the filters given, and publish it as artifacts."""
    at = clock.parse_instant(now, "now") if now else clock.now()
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
        "within the window, %d pending; published %d artifact(s)", summary["at"], summary["candidates"],
        summary["active"], summary["hires"], summary["open_overdue_timers"], summary["decisions_within_window"],
        summary["decisions"], summary["decisions_pending"], len(keys),
    )  # fmt: skip
    return summary


@task(name="write-weekly-digests", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=_worth_retrying,
      cache_policy=NO_CACHE)  # fmt: skip
def write_digests(at: datetime) -> list[dict[str, Any]]:
    engine = _engine()
    try:
        return [w.as_dict() for w in write_weekly_digests(engine, at, channels=available_channels())]
    finally:
        engine.dispose()


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
        lines += ["", "| hiring manager | channel | this run | requisitions | overdue | decisions pending |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for r in rows:
            this_run = "written" if r["written"] else "already there"
            lines.append(f"| {r['hiring_manager']} | {r['channel']} | {this_run} | {r['requisitions']} | "
                         f"{_or_dash(r['overdue'])} | {_or_dash(r['decisions_pending'])} |")  # fmt: skip
    return "\n".join(lines) + "\n"


@flow(name="weekly-digest")
def weekly_digest_flow(now: str | None = None) -> dict[str, Any]:
    """Write this week's digest for every hiring manager to the outbox (once per manager, channel and week)."""
    at = clock.parse_instant(now, "now") if now else clock.now()
    rows = write_digests(at)
    create_markdown_artifact(digest_markdown(at, rows), key=DIGEST_KEY, description=f"Weekly digests {iso_week(at)}")
    summary = {"at": at.isoformat(), "week": iso_week(at), "written": sum(r["written"] for r in rows),
               "already_written": sum(not r["written"] for r in rows), "digests": rows}  # fmt: skip
    get_run_logger().info("weekly digests for %s: %d written, %d already written this week", summary["week"],
                          summary["written"], summary["already_written"])  # fmt: skip
    return summary
