"""The report's onboarding-and-after sections (issue 14 item 7), from hires driven through the real service
with the clock: day-30 access gaps and how long they stayed open, departures by role profile and tenure, and
the retention traits by requisition.

The log: four hires starting on START (test_onboarding's calendar), as of day 400:
  applied AI #1: credentials and architecture_diagrams missing at day 30, granted on days 32 and 35;
                 onboarded, a check-in rated 3 at day 180, departs at day 200
  applied AI #2: tooling missing at day 31, never granted; departs at day 45
  ML #3:         full access; onboarded, check-ins rated 2 (day 180) and 4 (day 365)
  ML #4:         documentation missing at day 30, still missing at day 400
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from hiring import service
from hiring.reports.html import render_html
from hiring.reports.metrics import pipeline_report
from hiring.reports.tables import access_gaps_section, departures_section, onboarding_section, retention_traits_section
from states.requisition import RequisitionSpec
from tests.integration.test_onboarding import POLICY, START, _apply, _day
from tests.support import payloads
from tests.support.instants import T0

NOW = _day(400)


def _day_30(engine: Engine, cid: int, missing: tuple[str, ...] = (), day: int = 30) -> None:
    _apply(engine, cid, "complete_checkpoint", payloads.checkpoint("onboarding_30", missing), _day(day))


def _days_60_and_90(engine: Engine, cid: int) -> None:
    _apply(engine, cid, "complete_checkpoint", payloads.checkpoint("onboarding_60"), _day(60))
    _apply(engine, cid, "complete_checkpoint", payloads.checkpoint("onboarding_90"), _day(90))


@pytest.fixture
def log(engine: Engine, candidate, drive) -> dict[str, Any]:
    spec = RequisitionSpec.model_validate(payloads.requisition(role_profile="ml_engineer", title="ML engineer"))
    ml = service.add_requisition(engine, spec, now=T0).id
    assert ml is not None
    service.open_requisition(engine, ml, now=T0)
    ids = [candidate(), candidate(), candidate(requisition_id=ml), candidate(requisition_id=ml)]
    for cid, profile in zip(ids, ["applied_ai_engineer"] * 2 + ["ml_engineer"] * 2, strict=True):
        for trigger, payload in payloads.path_to("offer"):
            if trigger == "send_take_home":  # the take-home matches its requisition's profile
                payload = payloads.send_take_home(drive.clock.now + timedelta(minutes=1), role_profile=profile)
            drive(cid, trigger, payload)
        drive(cid, "accept_offer", payloads.accept_offer(START))
    one, two, three, four = ids
    _day_30(engine, one, ("credentials", "architecture_diagrams"))
    _apply(engine, one, "access_granted", payloads.access_granted("credentials"), _day(32))
    _apply(engine, one, "access_granted", payloads.access_granted("architecture_diagrams"), _day(35))
    _days_60_and_90(engine, one)
    _apply(engine, one, "retention_checkin", payloads.retention_checkin(3), _day(180))
    _apply(engine, one, "depart", payloads.reason("left for a lab"), _day(200))
    _day_30(engine, two, ("tooling",), day=31)
    _apply(engine, two, "depart", payloads.reason("relocating"), _day(45))
    _day_30(engine, three)
    _days_60_and_90(engine, three)
    _apply(engine, three, "retention_checkin", payloads.retention_checkin(2), _day(180))
    _apply(engine, three, "retention_checkin", payloads.retention_checkin(4), _day(365))
    _day_30(engine, four, ("documentation",))
    return {"ids": ids, "ml": ml, "report": pipeline_report(engine, now=NOW, policy=POLICY)}


def test_access_gaps_say_which_items_and_how_long_each_stayed_open(log) -> None:
    one, two, _, four = log["ids"]
    gaps = log["report"]["access_gaps"]
    assert (gaps["checkpoints"], gaps["with_gap"]) == (4, 3)
    assert (gaps["granted"], gaps["open"], gaps["departed"]) == (1, 1, 1)
    assert gaps["items"] == {"tooling": 1, "credentials": 1, "documentation": 1, "architecture_diagrams": 1}
    by = {g["candidate_id"]: g for g in gaps["gaps"]}
    assert set(by) == {one, two, four}
    assert (by[one]["items"], by[one]["status"], by[one]["days_open"]) == (
        ["architecture_diagrams", "credentials"],
        "granted",
        5.0,
    )  # closed by the grant of the last item (day 35), not the first (day 32)
    assert (by[two]["status"], by[two]["closed_at"], by[two]["days_open"]) == ("departed", _day(45), 14.0)
    assert (by[four]["status"], by[four]["closed_at"], by[four]["days_open"]) == ("open", None, 370.0)
    assert (gaps["median_days_open"], gaps["max_days_open"]) == (14.0, 370.0)
    section = access_gaps_section(log["report"])
    assert [r[0] for r in section.rows] == [str(one), str(two), str(four)]
    assert section.rows[0][2:] == ["architecture_diagrams, credentials", "granted", section.rows[0][4], "5.0d"]
    assert "3 of 4 day-30 checkpoint(s) left an access gap: 1 granted, 1 still open, 1 left open" in section.notes[0]
    assert "median 14.0d, max 370.0d" in section.notes[1]


def test_departures_split_by_role_profile_and_tenure_at_day_90(log) -> None:
    one, two, _, _ = log["ids"]
    rows = {r["role_profile"]: r for r in log["report"]["departures_by_profile"]}
    assert list(rows) == ["applied_ai_engineer", "ml_engineer"]
    applied, ml = rows["applied_ai_engineer"], rows["ml_engineer"]
    assert (applied["hires"], applied["departures"], applied["before_day_90"], applied["from_day_90"]) == (2, 2, 1, 1)
    assert applied["departed"] == [{"candidate_id": one, "tenure_days": 200}, {"candidate_id": two, "tenure_days": 45}]
    assert applied["median_tenure_days"] == 122.5
    assert (ml["hires"], ml["departures"], ml["median_tenure_days"]) == (2, 0, None)
    section = departures_section(log["report"])
    assert section.rows[0][:6] == ["applied_ai_engineer", "2", "2", "1", "1", "122.5d"]
    assert section.rows[1][-1] == "-"


def test_retention_traits_are_averaged_per_requisition_over_every_checkin(log) -> None:
    traits = {r["requisition_id"]: r for r in log["report"]["retention_traits"]}
    applied, ml = traits[next(k for k in traits if k != log["ml"])], traits[log["ml"]]
    assert (applied["checkins"], applied["hires"]) == (1, 1)
    assert applied["means"] == dict.fromkeys(applied["means"], 3)
    assert (ml["title"], ml["checkins"], ml["hires"]) == ("ML engineer", 2, 1)
    assert list(ml["means"]) == ["career_path", "learning_time", "experimentation", "cross_functional_credibility"]
    assert set(ml["means"].values()) == {3.0}  # (2 + 4) / 2
    assert retention_traits_section(log["report"]).rows[-1][1:] == ["2", "1", "3.00", "3.00", "3.00", "3.00"]


def test_the_onboarding_section_says_early_checkpoints_are_refused_not_counted(log) -> None:
    notes = " ".join(onboarding_section(log["report"]).notes)
    assert "refused and writes nothing, so early attempts are not counted" in notes


def test_the_html_page_carries_the_new_sections(log) -> None:
    page = render_html(log["report"], charts={})
    for key in ("access-gaps", "departures", "retention-traits"):
        assert f'<h2 id="{key}">' in page
    assert '<td class="alert">open</td>' in page  # the gap still open at day 400


@pytest.fixture
def hiring_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """`hiring ...` in this process as the console script runs it, as of HIRING_NOW = day 400."""
    from tests.support.procs import in_process

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str]:
        result = in_process(args, {"HIRING_DATABASE_URL": db_url, "HIRING_NOW": NOW.isoformat()}, monkeypatch, capsys)
        return result.code, result.out

    return run


def test_report_json_and_terminal_carry_the_sections(hiring_cli, log) -> None:
    code, out = hiring_cli("report", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["access_gaps"]["max_days_open"] == 370.0  # open since day 30, as of HIRING_NOW
    assert [r["before_day_90"] for r in data["departures_by_profile"]] == [1, 0]
    assert [r["checkins"] for r in data["retention_traits"]] == [1, 2]
    code, out = hiring_cli("report")
    assert code == 0
    for title in ("Day-30 access gaps", "Departures by role profile and tenure", "Retention traits by requisition"):
        assert title in out
