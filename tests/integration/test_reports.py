"""The pipeline report and the weekly digest, checked against a small fixed event log with hand-computed numbers.

The log (`build_log`): seven candidates, all sourced at T0, every event at an explicit hour after T0, the
report taken at NOW = T0 + 300 h.

req 1 (applied_ai_engineer, band 120-150k EUR, hiring manager hugo), req 2 (ml_engineer, hiring manager mia):
  A  req 1, employee_referral  screen 24, technical screen 28, send 30, submit 100, score 120 (3,3,2,4,3,3),
                               final 130, parts 140/150/160/170 (3,4,3,4), offer 194 (in band), accept 200
                               (start 12 Feb), checkpoint 30 at 250 (on time), depart at 280 (day 30)
  B  req 1, inbound            screen 10, reject 20 (skills_gap), REOPEN 30, technical screen 38, send 40,
                               submit 90, score 100 (all 4), final 110, parts 120/130/140/150 (2,2,3,1),
                               reject 210 (interview_performance)
  C  req 1, employee_referral  screen 48 (below the bar, overridden), withdraw 72
  D  req 1, inbound            still sourced
  E  req 1, employee_referral  screen 12, technical screen 16, send 20, submit 60, score 140 (all 2; review
                               80 h > 72 h: breached), final 150, parts 160-163 (all 3), offer 203 (160k: above
                               band, approved), decline 210
  F  req 2, conference         reject 5 (experience_level)
  G  req 2, conference         screen 10, technical screen 10.5, send 11, submit 20, score 30 (all 3), final 40,
                               parts: technical calibration twice (50: 2, 51: 4), then 52, 55, 60 (all 4):
                               waiting for the decision, except while on hold from 100 to 124
"""

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from hiring.reports.metrics import Filters, parse_filters, percentile, pipeline_report
from models.db import make_engine, transaction
from models.tables import Escalation, Outbox, Timer
from tests.support import payloads
from tests.support.report_log import NOW


@pytest.fixture
def report(log: dict[str, int], engine: Engine) -> dict[str, Any]:
    return pipeline_report(engine, Filters(), NOW)


# --- the numbers --------------------------------------------------------------------------------


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([5, 10, 10, 12, 24, 48], 0.5) == 11
    assert percentile([48, 5, 10, 12, 24, 10], 0.9) == pytest.approx(36)  # rank 4.5: halfway from 24 to 48


def test_funnel_counts_each_candidate_once_per_stage_from_the_event_log(report) -> None:
    rows = {r["stage"]: r for r in report["funnel"]}
    assert [(r["stage"], r["reached"]) for r in report["funnel"]] == [
        ("sourced", 7),
        ("screened", 5),
        ("take_home", 4),
        ("debrief", 4),
        ("final", 4),
        ("offer", 2),
        ("onboarding_30", 1),
        ("onboarding_60", 1),
        ("onboarding_90", 0),
        ("onboarded", 0),
    ]  # B entered `screened` twice (before and after its reopen): counted once
    assert [rows[s]["conversion"] for s in ("sourced", "screened", "take_home", "final", "offer", "onboarding_60")] == [
        0.7143,
        0.8,
        1.0,
        0.5,
        0.5,
        0.0,
    ]
    assert rows["onboarding_90"]["conversion"] is None
    where = {
        s: {k: rows[s][k] for k in ("rejected_by_reason", "withdrawn", "declined", "departed", "open")}
        for s in ("sourced", "screened", "final", "offer", "onboarding_60")
    }
    assert where == {
        "sourced": {"rejected_by_reason": {"experience_level": 1}, "withdrawn": 0, "declined": 0, "departed": 0,
                    "open": 1},
        # B was rejected here too, but reopened and went on: it is not one of the screened stage's losses
        "screened": {"rejected_by_reason": {}, "withdrawn": 1, "declined": 0, "departed": 0, "open": 0},
        "final": {"rejected_by_reason": {"interview_performance": 1}, "withdrawn": 0, "declined": 0, "departed": 0,
                  "open": 1},
        "offer": {"rejected_by_reason": {}, "withdrawn": 0, "declined": 1, "departed": 0, "open": 0},
        "onboarding_60": {"rejected_by_reason": {}, "withdrawn": 0, "declined": 0, "departed": 1, "open": 0},
    }  # fmt: skip
    assert report["scope"] | {"requisitions": len(report["scope"]["requisitions"])} == {
        "candidates": 7,
        "active": 2,
        "hires": 1,
        "requisitions": 2,
    }


def test_time_in_stage_median_and_p90_with_re_entries_summed(report) -> None:
    rows = {r["stage"]: r for r in report["time_in_stage"]}
    got = {s: (rows[s]["n"], rows[s]["median_hours"], rows[s]["p90_hours"]) for s in rows}
    assert got == {
        "sourced": (6, 11.0, 36.0),  # 5, 10, 10, 12, 24, 48 (D is still there)
        "screened": (5, 8.0, 22.4),  # 1, 6, 8, 20 (B: 10 before its rejection + 10 after the reopen), 24
        "take_home": (4, 75.0, 111.0),  # 19, 60, 90, 120
        "debrief": (4, 10.0, 10.0),
        "final": (3, 64.0, 92.8),  # 53, 64, 100 (G is still there)
        "offer": (2, 6.5, 6.9),
        "onboarding_30": (1, 50.0, 50.0),
        "onboarding_60": (1, 30.0, 30.0),
        "onboarding_90": (0, None, None),
    }
    assert (rows["sourced"]["in_stage_now"], rows["sourced"]["max_age_hours"]) == (1, 300.0)  # D
    assert (rows["final"]["in_stage_now"], rows["final"]["median_age_hours"]) == (1, 260.0)  # G, since hour 40


def test_time_to_hire_and_time_to_fill(report) -> None:
    assert report["time_to_hire"] == {"n": 1, "median_hours": 200.0, "p90_hours": 200.0}
    fill = report["time_to_fill"]
    assert (fill["n"], fill["median_hours"]) == (1, 200.0)
    assert [(r["hours"], r["open_hours"]) for r in fill["requisitions"]] == [(200.0, None), (None, 300.0)]


def test_decision_speed_from_the_fourth_distinct_part_against_48_hours(report, log) -> None:
    d = report["decisions"]
    assert d["hours"] == [24.0, 40.0, 60.0]  # A 170 -> 194, E 163 -> 203, B 150 -> 210
    assert (d["decided_n"], d["decided_median_hours"], d["decided_p90_hours"]) == (3, 40.0, 56.0)
    assert (d["within_window"], d["within_window_rate"], d["window_hours"]) == (2, 0.6667, 48.0)
    assert d["outcomes"] == {"make_offer": 2, "reject": 1}
    # G recorded technical calibration twice: the fourth DISTINCT part came at hour 60; 24 h on hold do not count
    assert d["pending"] == [
        {"candidate_id": log["G"], "requisition_id": 2, "waiting_hours": 216.0, "on_hold": False, "over_window": True}
    ]


def test_sla_health_per_timer_and_escalations(report) -> None:
    timers = report["sla"]["timers"]
    pick = ("met", "breached", "open", "open_overdue", "cancelled")
    assert {k: tuple(timers[k][s] for s in pick) for k in timers} == {
        "screen_decision": (5, 0, 0, 1, 1),  # D overdue since hour 120; F rejected
        "technical_screen": (4, 0, 0, 0, 2),  # B's first (cancelled by its rejection) and C's
        "take_home_sent": (4, 0, 0, 0, 0),  # opened by each technical screen, met by each send
        "take_home_submission": (4, 0, 0, 0, 0),
        "take_home_review": (3, 1, 0, 0, 0),  # E: 80 h for a 72 h review
        "debrief": (4, 0, 0, 0, 0),
        "final_loop": (4, 0, 0, 0, 0),
        "decision": (2, 0, 0, 1, 1),  # A, E met; G overdue; B cancelled by the rejection
        "offer_approval": (2, 0, 0, 0, 0),  # E's two steps (hugo, ava.chen), each within its 48 h
        "offer_response": (2, 0, 0, 0, 0),
        "checkpoint_30": (1, 0, 0, 0, 0),
        "checkpoint_60": (0, 0, 0, 0, 1),  # A departed
    }
    assert timers["decision"]["cancelled_after_due"] == 1  # B was rejected 12 h after its decision was due
    assert timers["take_home_review"]["on_time_rate"] == 0.75
    assert report["sla"]["by_stage"]["take_home"] == {"met": 7, "breached": 1, "open_overdue": 0}
    esc = report["sla"]["escalations"]
    assert esc["by_level"] == {"reminder": 1, "level_1": 2, "level_2": 0, "level_3": 0}
    assert esc["by_timer"] == {"decision": 2, "screen_decision": 1}
    assert esc["lateness_seconds"]["level_1"] == {"n": 2, "median": 75.0, "p90": 111.0, "max": 120.0}
    assert esc["lateness_seconds"]["all"] == {"n": 3, "median": 60.0, "p90": 108.0, "max": 120.0}


def test_sources_per_channel_and_role_profile(report) -> None:
    assert report["sources"] == [
        {
            "role_profile": "applied_ai_engineer",
            "source": "employee_referral",
            "candidates": 3,
            "take_home": 2,
            "take_home_rate": 0.6667,
            "offers": 2,
            "hires": 1,
        },
        {
            "role_profile": "applied_ai_engineer",
            "source": "inbound",
            "candidates": 2,
            "take_home": 1,
            "take_home_rate": 0.5,
            "offers": 0,
            "hires": 0,
        },
        {
            "role_profile": "ml_engineer",
            "source": "conference",
            "candidates": 2,
            "take_home": 1,
            "take_home_rate": 0.5,
            "offers": 0,
            "hires": 0,
        },
    ]


def test_rubric_averages_per_requisition(report) -> None:
    first, second = report["rubrics"]
    assert first["take_home"] == {
        "n": 3,
        "overall": 3.0,
        "items": {
            "technical_choices": 3.0,
            "assumptions": 3.0,
            "edge_cases": 2.67,
            "trade_offs": 3.33,
            "maintainability": 3.0,
            "operational_risk": 3.0,
        },
    }
    assert first["interview"] == {
        "n": 3,
        "overall": 2.83,
        "parts": {"technical_calibration": 2.67, "project_deep_dive": 3.0, "system_design": 3.0, "behavioral": 2.67},
    }
    # G's technical calibration counts with its latest score (4), not the first (2)
    assert second["interview"] == {"n": 1, "overall": 4.0, "parts": dict.fromkeys(payloads.INTERVIEW_PARTS, 4.0)}
    assert second["take_home"]["overall"] == 3.0


def test_screen_bar_overrides_per_requisition(report, log) -> None:
    first, second = report["screen_bar"]
    # req 1: A, B, C, E screened; C was below the bar and moved on with a reason
    assert {k: first[k] for k in ("requisition_id", "screens", "overrides", "override_rate", "candidates")} == {
        "requisition_id": 1,
        "screens": 4,
        "overrides": 1,
        "override_rate": 0.25,
        "candidates": [log["C"]],
    }
    assert (second["screens"], second["overrides"], second["override_rate"], second["candidates"]) == (1, 0, 0.0, [])


def test_the_screen_bar_section_renders_the_counts(report, log) -> None:
    from hiring.reports.tables import sections

    [section] = [s for s in sections(report) if s.key == "screen-bar"]
    assert section.rows[0][2:] == ["4", "1", "25%"] and section.rows[1][2:] == ["1", "0", "0%"]
    assert section.notes == [f"#1: overridden for candidate(s) #{log['C']}."]


def test_offers_and_onboarding(report, log) -> None:
    o = report["offers"]
    assert {k: o[k] for k in ("made", "accepted", "declined", "pending", "acceptance_rate", "declines_by_reason")} == {
        "made": 2,
        "accepted": 1,
        "declined": 1,
        "pending": 0,
        "acceptance_rate": 0.5,
        "declines_by_reason": {"accepted a competing offer": 1},
    }
    assert o["outside_band"] == [
        {
            "candidate_id": log["E"],
            "requisition_id": 1,
            "base_salary": 160_000,
            "currency": "EUR",
            "band": [120_000, 150_000, "EUR"],
            "off_band_pct": 6.7,
            "approvers": ["hugo", "ava.chen"],
        }
    ]
    ob = report["onboarding"]
    assert ob["checkpoints"]["30"] == {
        "on_time": 1,
        "late": 0,
        "overdue": 0,
        "not_due": 0,
        "cancelled": 0,
        "on_time_rate": 1.0,
    }
    assert ob["checkpoints"]["60"]["cancelled"] == 1
    assert (ob["hires"], ob["departures"], ob["departures_before_day_90"]) == (1, 1, 1)
    assert ob["departed"] == [
        {"candidate_id": log["A"], "requisition_id": 1, "day": 30, "reason": "left for a startup"}
    ]


def test_filters_by_requisition_profile_source_and_sourcing_date(engine, log) -> None:
    def count(**kw: Any) -> tuple[int, int]:
        r = pipeline_report(engine, parse_filters(**kw), NOW)
        return r["scope"]["candidates"], len(r["scope"]["requisitions"])

    assert count(requisition_id=2) == (2, 1)
    assert count(role_profile="applied_ai_engineer") == (5, 1)
    assert count(source="inbound") == (2, 2)
    assert count(role_profile="ml_engineer", source="inbound") == (0, 1)
    assert count(since="2026-03-02", until="2026-03-02") == (7, 2)  # a date means the whole day
    assert count(since="2026-03-03") == (0, 2)
    assert count(until="2026-03-01") == (0, 2)
    assert count(since="2026-03-02T09:00:00Z", until="2026-03-02T09:00:01Z") == (7, 2)
    inbound = pipeline_report(engine, parse_filters(source="inbound"), NOW)
    assert [r["reached"] for r in inbound["funnel"][:3]] == [2, 1, 1]  # B and D


@pytest.mark.parametrize(
    "bad",
    [
        {"role_profile": "wizard"},
        {"source": "carrier_pigeon"},
        {"since": "yesterday"},
        {"since": "2026-03-05", "until": "2026-03-01"},
    ],
)
def test_bad_filters_are_refused_with_what_is_allowed(bad) -> None:
    from hiring.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse_filters(**bad)


def test_an_empty_database_gives_an_empty_report_and_charts(engine, tmp_path) -> None:
    from hiring.reports.charts import CHARTS
    from hiring.reports.html import write_html, write_pngs

    empty = pipeline_report(engine, Filters(), NOW)
    assert empty["scope"]["candidates"] == 0 and empty["funnel"][0]["reached"] == 0
    assert empty["decisions"]["decided_median_hours"] is None
    assert write_html(empty, tmp_path / "empty.html").stat().st_size > 0
    assert len(write_pngs(empty, tmp_path / "png")) == len(CHARTS)


def test_the_demo_database_gives_a_report_consistent_with_its_rows(tmp_path) -> None:
    """The demo's realistic log: the report's numbers agree with plain counts over the same rows."""
    from sqlalchemy import func

    from hiring.demo import run_demo
    from models.tables import Candidate, Event

    path = run_demo(str(tmp_path / "demo.db"))
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            now = session.execute(select(func.max(Event.occurred_at))).scalar_one()

            def having(trigger: str) -> int:
                query = select(func.count(func.distinct(Event.candidate_id))).where(Event.trigger == trigger)
                return session.execute(query).scalar_one()

            candidates = session.execute(select(func.count()).select_from(Candidate)).scalar_one()
            offered, accepted = having("make_offer"), having("accept_offer")
            timers = session.execute(select(func.count()).select_from(Timer)).scalar_one()
            fired = session.execute(select(func.count()).select_from(Escalation)).scalar_one()
            ninety = select(Event.payload).where(
                Event.trigger == "complete_checkpoint", Event.from_stage == "onboarding_90"
            )
            having_rating = sum("contribution_rating" in (p or {}) for p in session.execute(ninety).scalars())
        data = pipeline_report(engine, Filters(), now)
    finally:
        engine.dispose()
    reached = {r["stage"]: r["reached"] for r in data["funnel"]}
    assert (reached["sourced"], reached["offer"], reached["onboarding_30"]) == (candidates, offered, accepted)
    assert list(reached.values()) == sorted(reached.values(), reverse=True)
    for r in data["funnel"][:-1]:  # everyone who reached a stage went on, or is accounted for
        rest = r["rejected"] + r["withdrawn"] + r["declined"] + r["departed"] + r["open"]
        assert r["advanced"] + rest == r["reached"], r
    assert sum(r["open"] for r in data["funnel"][:-1]) == data["scope"]["active"]
    statuses = ("met", "breached", "open", "open_overdue", "paused", "cancelled", "superseded")
    assert sum(t[s] for t in data["sla"]["timers"].values() for s in statuses) == timers
    assert data["sla"]["escalations"]["count"] == fired
    assert sum(r["candidates"] for r in data["sources"]) == candidates
    d = data["decisions"]
    assert d["decided_n"] == sum(d["outcomes"].values()) and d["within_window"] <= d["decided_n"]
    o = data["outcome_predictors"]  # the demo's rated hires: figures only from the threshold up, else "too few"
    assert o["all"]["hires"] == sum(o["ratings"].values()) == having_rating
    assert o["all"]["enough"] is (o["all"]["hires"] >= o["min_hires"])
    if not o["all"]["enough"]:
        assert {f["reading"] for f in o["all"]["figures"]} == {"too few hires to say"}


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def hiring_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `hiring ...` in this process as the console script does; returns (exit code, stdout, stderr)."""
    from tests.support.procs import in_process

    monkeypatch.chdir(tmp_path)
    # Rich reads COLUMNS at every print. Setting `console.width` instead would leak: undoing it sets the width
    # it read then (80) rather than "not set", and later tests' COLUMNS would be ignored.
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, now: datetime = NOW) -> tuple[int, str, str]:
        result = in_process(args, {"HIRING_DATABASE_URL": db_url, "HIRING_NOW": now.isoformat()}, monkeypatch, capsys)
        return result.code, result.out, result.err

    return run


def test_report_json_is_the_report_as_of_hiring_now(hiring_cli, log) -> None:
    code, out, _ = hiring_cli("report", "--json", "--req", "1")
    assert code == 0
    data = json.loads(out)
    assert data["generated_at"] == NOW.isoformat()
    assert data["filters"]["requisition_id"] == 1
    assert [r["reached"] for r in data["funnel"][:6]] == [5, 4, 3, 3, 3, 2]
    assert data["decisions"]["hours"] == [24.0, 40.0, 60.0]
    assert "Candidate 1" not in out and "candidate1@example.com" not in out  # ids, never names or emails


def test_report_tables_in_the_terminal(hiring_cli, log) -> None:
    code, out, _ = hiring_cli("report")
    assert code == 0
    for title in (
        "Funnel",
        "Time in stage",
        "Time to fill",
        "SLA health",
        "Escalations",
        "Decision speed",
        "Scorecard timeliness per interviewer",
        "Sources by role profile",
        "Take-home rubric",
        "Final-interview averages",
        "Screen-bar overrides",
        "Offers",
        "Onboarding",
    ):
        assert title in out, title
    assert re.search(r"sourced\s+7\s+71%\s+1\s+0\s+0\s+0\s+1", out)
    assert "Rejected at final: interview_performance 1." in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--req", "99"), 4, "no requisition with id 99"),
    (("--profile", "wizard"), 2, "applied_ai_engineer"),
    (("--source", "pigeon"), 2, "employee_referral"),
    (("--since", "last week"), 2, "2026-10-01"),
    (("--html", "/proc/no/such/report.html"), 2, "cannot write"),
])  # fmt: skip
def test_report_refuses_bad_input_with_its_exit_codes(hiring_cli, log, args, code, message) -> None:
    got, _, err = hiring_cli("report", *args)
    assert got == code
    assert message in err


def test_html_is_one_self_contained_file_with_every_chart_and_the_tables(hiring_cli, log, tmp_path) -> None:
    from hiring.reports.charts import CHARTS
    from hiring.reports.tables import SECTIONS

    code, out, _ = hiring_cli("report", "--html", "out/report.html")
    assert code == 0 and "wrote out/report.html" in out
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)  # nothing to fetch: it opens offline
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", page)
    assert "<script" not in page and "@import" not in page and "url(" not in page
    images = re.findall(
        r'<figure id="chart-([a-z-]+)"(?: class="wide")?><img alt="[^"]*" src="data:image/svg\+xml;base64,([^"]+)"',
        page,
    )
    assert [name for name, _ in images] == list(CHARTS)
    for _, data in images:
        svg = base64.b64decode(data).decode("utf-8")
        assert "<svg" in svg and "<image" not in svg  # vector, with no embedded or linked bitmap
    for heading in (
        "Funnel",
        "SLA health per timer",
        "Decision speed",
        "Sources by role profile",
        "Offers",
        "Onboarding checkpoints",
        "Take-home rubric averages",
        "Take-home hours against the 3h guide",
    ):
        assert f">{heading}" in page, heading
    assert ">Screen-bar overrides per requisition" in page
    assert page.count("<table>") == len(SECTIONS)
    assert '<td class="alert">1</td>' in page  # the overdue decision timer stands out


def test_png_writes_one_picture_per_chart(hiring_cli, log, tmp_path) -> None:
    from hiring.reports.charts import CHARTS

    code, out, _ = hiring_cli("report", "--png", "charts", "--profile", "applied_ai_engineer")
    assert code == 0
    files = sorted((tmp_path / "charts").iterdir())
    assert [f.name for f in files] == sorted(f"{name}.png" for name in CHARTS)
    for f in files:
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"wrote charts/{f.name}" in out


# --- the weekly digest --------------------------------------------------------------------------


def digests(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.execute(select(Outbox).where(Outbox.kind == "digest").order_by(Outbox.id)).scalars())


def test_one_digest_per_hiring_manager_per_channel_per_week(engine, log) -> None:
    from hiring.reports.digest import write_weekly_digests

    first = write_weekly_digests(engine, NOW)
    assert [(w.hiring_manager, w.channel, w.dedupe_key, w.written) for w in first] == [
        ("hugo", "console", "digest:hugo:2026-W11:console", True),
        ("mia", "console", "digest:mia:2026-W11:console", True),
    ]
    again = write_weekly_digests(engine, NOW + timedelta(hours=1))  # Sunday of the same ISO week
    assert [w.written for w in again] == [False, False]
    assert len(digests(engine)) == 2
    next_week = write_weekly_digests(engine, NOW + timedelta(days=2))  # Monday 16 March: week 12
    assert [(w.dedupe_key, w.written) for w in next_week] == [
        ("digest:hugo:2026-W12:console", True),
        ("digest:mia:2026-W12:console", True),
    ]
    assert len(digests(engine)) == 4


def test_the_digest_week_and_send_time_follow_the_configured_time_zone(engine, log) -> None:
    from hiring.reports.digest import digest_due, iso_week, scheduled_digests

    sunday_night = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)  # already Monday 08:30 in Tokyo
    assert (iso_week(sunday_night, "UTC"), iso_week(sunday_night, "Asia/Tokyo")) == ("2026-W11", "2026-W12")
    assert not digest_due(sunday_night - timedelta(hours=1), "Asia/Tokyo")
    assert digest_due(sunday_night, "Asia/Tokyo") and digest_due(NOW, "UTC")  # NOW is a Saturday
    monday = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    assert scheduled_digests(engine, monday - timedelta(minutes=1), timezone="UTC") == []  # hiring serve, hourly
    first = scheduled_digests(engine, monday, timezone="UTC")
    assert [(w.dedupe_key, w.written) for w in first] == [
        ("digest:hugo:2026-W12:console", True),
        ("digest:mia:2026-W12:console", True),
    ]
    later = scheduled_digests(engine, monday + timedelta(hours=5), timezone="UTC")
    assert [(w.written, w.overdue) for w in later] == [(False, None), (False, None)]  # not built again


def test_a_digest_says_what_is_overdue_and_which_decisions_wait(engine, log) -> None:
    from hiring.reports.digest import write_weekly_digests

    write_weekly_digests(engine, NOW)
    hugo, mia = digests(engine)
    assert (hugo.recipient, hugo.recipient_role, hugo.status, hugo.next_attempt_at) == (
        "hugo",
        "hiring_manager",
        "pending",
        NOW,
    )
    p = mia.payload or {}
    assert p["title"] == "Weekly hiring digest, 2026-W11: 1 overdue, 1 decision(s) pending"
    assert [(o["candidate_id"], o["timer"]) for o in p["overdue"]] == [(log["G"], "decision")]
    assert [(d["candidate_id"], d["waiting_hours"]) for d in p["decisions_pending"]] == [(log["G"], 216.0)]
    assert p["requisitions"][0]["funnel"]["final"] == 1
    assert "candidate_name" not in json.dumps([hugo.payload, mia.payload]) and "text" not in p  # ids, no names
    assert "Candidate 7 (#7), req 2: waiting 9d (past the window)" in sent_text(engine, mia)
    h = hugo.payload or {}
    assert [o["timer"] for o in h["overdue"]] == ["screen_decision"]  # D, never screened
    assert h["requisitions"][0]["active"] == {"sourced": 1}
    assert "funnel (ever reached): sourced 5 > screened 4 > take_home 3" in sent_text(engine, hugo)


def sent_text(engine: Engine, row: Outbox) -> str:
    """The digest's text as the dispatcher renders it: names read from the candidate rows at send time."""
    from notifications.dispatcher import candidate_ids, candidate_names, with_names
    from notifications.render import Notice, weekly_text

    payload = row.payload or {}
    names = candidate_names(engine, candidate_ids(payload))
    return weekly_text(Notice(outbox_id=row.id or 0, kind="digest", payload=with_names(payload, names)))


def test_digest_channels_follow_the_directory_and_what_is_configured(engine, log) -> None:
    from hiring.reports.digest import channels_for, write_weekly_digests
    from models.tables import Person

    assert channels_for(None, frozenset({"console"})) == ["console"]
    assert channels_for(None, frozenset({"console", "slack", "email"})) == ["email", "slack"]
    assert channels_for(["slack"], frozenset({"console", "email"})) == ["console"]
    with transaction(engine) as session:
        session.add(
            Person(
                handle="mia", name="Mia", email="mia@example.com", role="hiring_manager", channels=["slack", "email"]
            )
        )
    rows = write_weekly_digests(engine, NOW, channels=frozenset({"console", "email", "slack"}))
    assert [(w.hiring_manager, w.channel) for w in rows] == [
        ("hugo", "email"),
        ("hugo", "slack"),
        ("mia", "slack"),
        ("mia", "email"),
    ]


def test_all_digests_of_a_run_are_one_transaction(engine, log, monkeypatch) -> None:
    from hiring.reports import digest

    real, calls = digest.insert_ignoring_duplicates, []

    def fail_second(*args: Any, **kwargs: Any) -> int | None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(digest, "insert_ignoring_duplicates", fail_second)
    with pytest.raises(RuntimeError):
        digest.write_weekly_digests(engine, NOW)
    assert digests(engine) == []  # the first manager's row went with the failed run


def test_hiring_digest_command(hiring_cli, log) -> None:
    code, out, _ = hiring_cli("digest", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["week"] == "2026-W11"
    assert [(d["hiring_manager"], d["written"]) for d in data["digests"]] == [("hugo", True), ("mia", True)]
    code, out, _ = hiring_cli("digest")
    assert code == 0 and out.count("already written this week") == 2
