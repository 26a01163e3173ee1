"""What predicted the hires who shipped: Spearman's rho of each recorded signal with the day-90 rating.

The log (`build_hires`), every event through the real service: ten hires past day 90, eight for an applied AI
engineer requisition (ratings R = 1,1,2,2,3,3,4,4) and two for an ML engineer one (ratings 2, 3); besides
them a hire still at day 60 and a rejected candidate, neither of whom has a rating. For every rated hire:
  screen: owned_delivery = R, operational_judgment = 5 - R, data_realism = 3 (no variation),
          cross_functional_range = MIXED (rho checked against an independent rank computation)
  technical screen: depth = R, communication = 3
  take-home: technical_choices = R, edge_cases = MIXED, the other four fixed
  interviews: technical_calibration first 4, then re-recorded as R (the latest counts); system_design = 5 - R
"""

import base64
import json
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from flows.pipeline_report import pipeline_report_flow
from hiring import service
from hiring.reports.metrics import pipeline_report
from hiring.reports.predictors import outcome_predictors
from hiring.reports.tables import predictors_section
from states.intake import NewCandidate
from states.requisition import RequisitionSpec
from states.screen_bar import DEFAULT_BAR, check
from states.stages import Stage
from tests.integration.test_report_flow import artifacts, rows
from tests.support import payloads
from tests.support.db import add_interviewer, built_file
from tests.support.instants import T0

APPLIED = [1, 1, 2, 2, 3, 3, 4, 4]
ML = [2, 3]
MIXED = [2, 4, 1, 3, 4, 2, 3, 1, 3, 2]  # one value per rated hire, applied first
START = date(2026, 6, 1)  # every hire's start date (payloads.accept_offer)
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=T0.tzinfo)


# --- the log ------------------------------------------------------------------------------------


class _Hiring:
    def __init__(self, engine: Engine) -> None:
        self.engine, self.now, self.n = engine, T0, 0

    def requisition(self, profile: str) -> int:
        doc = payloads.requisition(role_profile=profile, title=f"{profile} hire")
        req = service.add_requisition(self.engine, RequisitionSpec.model_validate(doc), now=T0)
        assert req.id is not None
        service.open_requisition(self.engine, req.id, now=T0)
        return req.id

    def candidate(self, req: int) -> int:
        self.n += 1
        fields = payloads.new_candidate(req, self.n)
        [cid] = service.add_candidates(self.engine, [NewCandidate.model_validate(fields)], actor="test", now=T0)
        return cid

    def event(self, cid: int, trigger: str, payload: dict[str, Any], not_before: datetime | None = None) -> None:
        self.now = max(self.now + timedelta(minutes=1), not_before or self.now)
        service.apply_event(self.engine, cid, trigger, payload, actor="test", occurred_at=self.now, now=self.now)


def _screen(signals: dict[str, int]) -> dict[str, Any]:
    below = {"override_reason": "strong referral"} if check(signals, DEFAULT_BAR) else {}
    return {**signals, "note": "owned an eval harness", **below}


def _take_home(r: int, mixed: int) -> dict[str, Any]:
    return {**payloads.score_take_home(), "technical_choices": r, "edge_cases": mixed}


def _hire(h: _Hiring, req: int, profile: str, sig: int, mixed: int, stop: Stage = Stage.ONBOARDED) -> int:
    """A candidate taken along the main path to `stop` with signals built from `sig`, the day-90 rating."""
    cid = h.candidate(req)
    signals = {"owned_delivery": sig, "operational_judgment": 5 - sig, "data_realism": 3}
    h.event(cid, "screen", _screen({**signals, "cross_functional_range": mixed}))
    h.event(cid, "technical_screen", payloads.technical_screen(depth=sig, communication=3))
    h.event(cid, "send_take_home", payloads.send_take_home(h.now, role_profile=profile))
    h.event(cid, "submit_take_home", payloads.submit_take_home())
    h.event(cid, "score_take_home", _take_home(sig, mixed))
    h.event(cid, "advance_to_final", payloads.advance_to_final())
    h.event(cid, "record_interview", payloads.record_interview("technical_calibration", 4))
    h.event(cid, "record_interview", payloads.record_interview("technical_calibration", sig))
    h.event(cid, "record_interview", payloads.record_interview("project_deep_dive", 3))
    h.event(cid, "record_interview", payloads.record_interview("system_design", 5 - sig))
    h.event(cid, "record_interview", payloads.record_interview("behavioral", 3))
    h.event(cid, "make_offer", payloads.offer())
    h.event(cid, "accept_offer", payloads.accept_offer(START))
    for day, stage in ((30, Stage.ONBOARDING_30), (60, Stage.ONBOARDING_60), (90, Stage.ONBOARDING_90)):
        if stage is stop:
            return cid
        payload = payloads.checkpoint(stage) | ({"contribution_rating": sig} if day == 90 else {})
        # on or after the checkpoint's day: the calendar rule (issue 14) lets no checkpoint come early
        start = datetime(START.year, START.month, START.day, 10, tzinfo=T0.tzinfo)
        h.event(cid, "complete_checkpoint", payload, not_before=start + timedelta(days=day))
    return cid


def build_hires(engine: Engine) -> dict[str, Any]:
    add_interviewer(engine)
    h = _Hiring(engine)
    applied, ml = h.requisition("applied_ai_engineer"), h.requisition("ml_engineer")
    rated = [_hire(h, applied, "applied_ai_engineer", r, m) for r, m in zip(APPLIED, MIXED, strict=False)]
    rated += [_hire(h, ml, "ml_engineer", r, m) for r, m in zip(ML, MIXED[len(APPLIED) :], strict=True)]
    at_day_60 = _hire(h, applied, "applied_ai_engineer", 4, 4, stop=Stage.ONBOARDING_90)
    rejected = h.candidate(applied)
    h.event(rejected, "screen", _screen(dict.fromkeys(("owned_delivery", "operational_judgment"), 4) | {
        "data_realism": 4, "cross_functional_range": 4}))  # fmt: skip
    h.event(rejected, "reject", payloads.reject())
    return {"rated": rated, "at_day_60": at_day_60, "rejected": rejected, "applied": applied, "ml": ml}


@pytest.fixture(scope="module")
def hires_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The log built once for the module into a SQLite file that each test copies."""
    return built_file(sqlite_template, tmp_path_factory.mktemp("predictors"), build_hires)


@pytest.fixture
def hires(request: pytest.FixtureRequest, db_url: str, engine: Engine) -> dict[str, Any]:
    if db_url.startswith("sqlite:///"):
        path, ids = request.getfixturevalue("hires_file")
        engine.dispose()
        shutil.copyfile(path, db_url.removeprefix("sqlite:///"))
        return ids
    return build_hires(engine)


# --- an independent Spearman: Pearson's r over average ranks ------------------------------------


def _ranks(xs: list[int]) -> list[float]:
    order = sorted(xs)
    return [order.index(x) + (order.count(x) + 1) / 2 for x in xs]


def _spearman(xs: list[int], ys: list[int]) -> float:
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    return cov / (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5


def figures(group: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{f['step']}.{f['signal']}": f for f in group["figures"]}


# --- the numbers --------------------------------------------------------------------------------


def test_monotone_signals_give_plus_and_minus_one_and_constant_ones_no_variation(engine, hires) -> None:
    o = pipeline_report(engine, now=NOW)["outcome_predictors"]
    assert (o["min_hires"], o["ratings"]) == (8, {"1": 2, "2": 3, "3": 3, "4": 2})
    assert (o["all"]["hires"], o["all"]["enough"]) == (10, True)  # not the day-60 hire, not the rejected one
    every = figures(o["all"])
    for plus in ("screen.owned_delivery", "technical_screen.depth", "take_home.technical_choices"):
        assert (every[plus]["rho"], every[plus]["n"], every[plus]["status"]) == (1.0, 10, "computed"), plus
        assert every[plus]["reading"] == "strong positive" and every[plus]["p_value"] == 0.0
    for minus in ("screen.operational_judgment", "interview.system_design"):
        assert (every[minus]["rho"], every[minus]["reading"]) == (-1.0, "strong negative"), minus
    assert every["interview.technical_calibration"]["rho"] == 1.0  # the re-recorded score, not the first 4
    for flat in ("screen.data_realism", "technical_screen.communication", "take_home.assumptions"):
        f = every[flat]
        assert (f["n"], f["status"], f["rho"], f["p_value"], f["reading"]) == (
            10,
            "no_variation",
            None,
            None,
            "no variation",
        )
    ratings = APPLIED + ML
    for mixed in ("screen.cross_functional_range", "take_home.edge_cases"):
        assert every[mixed]["rho"] == pytest.approx(_spearman(MIXED, ratings), abs=5e-4), mixed
        assert 0 < every[mixed]["p_value"] < 1
    assert len(every) == 4 + 2 + 6 + 4


def test_by_role_profile_only_where_there_are_enough_hires(engine, hires) -> None:
    o = pipeline_report(engine, now=NOW)["outcome_predictors"]
    applied, ml = o["by_profile"]
    assert (applied["role_profile"], applied["hires"], applied["enough"]) == ("applied_ai_engineer", 8, True)
    assert figures(applied)["screen.owned_delivery"]["rho"] == 1.0
    mixed = figures(applied)["screen.cross_functional_range"]
    assert (mixed["n"], mixed["rho"]) == (8, pytest.approx(_spearman(MIXED[:8], APPLIED), abs=5e-4))
    assert (ml["role_profile"], ml["hires"], ml["enough"]) == ("ml_engineer", 2, False)
    assert {(f["status"], f["n"], f["rho"], f["reading"]) for f in ml["figures"]} == {
        ("too_few", 2, None, "too few hires to say")
    }


def test_the_threshold_is_a_setting_and_below_it_every_figure_says_too_few(engine, hires) -> None:
    o = pipeline_report(engine, now=NOW, min_hires=11)["outcome_predictors"]
    assert (o["min_hires"], o["all"]["enough"]) == (11, False)
    assert {(f["status"], f["n"]) for f in o["all"]["figures"]} == {("too_few", 10)}
    section = predictors_section({"outcome_predictors": o})
    assert "Too few hires to say: fewer than 11 hires have a day-90 rating." in section.notes
    assert "By role profile, too few hires to say: applied_ai_engineer 8, ml_engineer 2 rated hire(s)." in section.notes
    assert {row[0] for row in section.rows} == {"all hires"}  # no profile rows below the threshold


def test_the_section_rows_show_rho_n_and_a_plain_reading(engine, hires) -> None:
    section = predictors_section(pipeline_report(engine, now=NOW))
    assert section.key == "predictors" and section.columns == ("hires", "signal", "rho", "n", "p", "reading")
    rows = {(r[0], r[1]): r[2:] for r in section.rows}
    assert rows[("all hires", "screen: owned_delivery")] == ["+1.00", "10", "<0.001", "strong positive"]
    assert rows[("all hires", "screen: data_realism")] == ["-", "10", "-", "no variation"]
    assert rows[("applied_ai_engineer", "interview: system_design")][:2] == ["-1.00", "8"]
    assert not any(who == "ml_engineer" for who, _ in rows)
    assert (
        section.notes[0] == "10 hire(s) with a day-90 contribution rating (1: 2, 2: 3, 3: 3, 4: 2); a figure needs 8."
    )
    assert any("not a cause" in n for n in section.notes)


# --- the pure function on hand-made events -------------------------------------------------------


class _Ev:
    def __init__(self, trigger: str, payload: dict[str, Any], from_stage: str | None = None) -> None:
        self.trigger, self.payload, self.from_stage = trigger, payload, from_stage


def _day_90(rating: int | None) -> _Ev:
    payload = payloads.checkpoint(Stage.ONBOARDING_90)
    payload.pop("contribution_rating")
    return _Ev("complete_checkpoint", payload | ({"contribution_rating": rating} if rating else {}), "onboarding_90")


def test_the_latest_screen_counts_a_missing_signal_lowers_n_and_unrated_hires_are_left_out() -> None:
    def screen(value: int) -> _Ev:
        return _Ev("screen", dict.fromkeys(("owned_delivery", "operational_judgment", "data_realism"), value)
                   | {"cross_functional_range": 3})  # fmt: skip

    events: dict[int, list[_Ev]] = {}
    for cid, r in enumerate([1, 2, 3, 4, 1, 2, 3, 4, 2], start=1):
        events[cid] = [screen(5 - r), screen(r), _day_90(r)]  # screened twice: the second one counts
        if cid <= 3:
            events[cid].insert(1, _Ev("technical_screen", {"depth": r, "communication": r}))
    events[20] = [screen(4), _day_90(None)]  # a day-90 checkpoint from before the rating existed
    events[21] = [screen(4), _Ev("complete_checkpoint", {"project": "p", "status": "s"}, "onboarding_60")]
    o = outcome_predictors(events, dict.fromkeys(events, "ml_engineer"), min_hires=3)
    every = figures(o["all"])
    assert o["all"]["hires"] == 9 and every["screen.owned_delivery"]["rho"] == 1.0
    assert (every["technical_screen.depth"]["n"], every["technical_screen.depth"]["rho"]) == (3, 1.0)
    assert (every["take_home.trade_offs"]["n"], every["take_home.trade_offs"]["status"]) == (0, "too_few")
    assert every["screen.cross_functional_range"]["status"] == "no_variation"
    [ml] = o["by_profile"]
    assert (ml["role_profile"], ml["hires"]) == ("ml_engineer", 9)


def test_no_rated_hire_gives_an_empty_section_that_says_too_few() -> None:
    o = outcome_predictors({1: [_Ev("screen", {"owned_delivery": 3})]}, {1: "ml_engineer"})
    assert (o["all"]["hires"], o["all"]["enough"], o["by_profile"]) == (0, False, [])
    section = predictors_section({"outcome_predictors": o})
    assert section.rows == []
    assert "Too few hires to say: fewer than 8 hires have a day-90 rating." in section.notes


# --- the command line, the HTML page and the Prefect artifacts ------------------------------------


@pytest.fixture
def hiring_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    from tests.support.procs import in_process

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        env = {"HIRING_DATABASE_URL": db_url, "HIRING_NOW": NOW.isoformat(), **env}
        result = in_process(args, env, monkeypatch, capsys)
        return result.code, result.out, result.err

    return run


def _names() -> list[str]:
    return [v for n in range(1, 13) for v in (f"Candidate {n}", f"candidate{n}@example.com")]


def test_report_json_and_terminal(hiring_cli, hires) -> None:
    code, out, _ = hiring_cli("report", "--json")
    assert code == 0
    o = json.loads(out)["outcome_predictors"]
    assert set(o) == {"min_hires", "ratings", "all", "by_profile"}
    assert set(o["all"]) == {"hires", "enough", "figures"}
    assert set(o["all"]["figures"][0]) == {"step", "signal", "n", "status", "rho", "p_value", "reading"}
    assert figures(o["all"])["screen.owned_delivery"]["rho"] == 1.0
    code, out, _ = hiring_cli("report", "--profile", "ml_engineer")
    assert code == 0 and "What predicted the hires who shipped" in out
    assert re.search(r"all hires\s+screen: owned_delivery\s+-\s+2\s+-\s+too few hires to say", out)
    code, out, _ = hiring_cli("report", "--json", HIRING_OUTCOME_MIN_HIRES="11")
    assert json.loads(out)["outcome_predictors"]["min_hires"] == 11
    code, _, err = hiring_cli("report", HIRING_OUTCOME_MIN_HIRES="2")
    assert code == 2 and "HIRING_OUTCOME_MIN_HIRES" in err


def test_the_html_page_has_the_chart_and_the_table(hiring_cli, hires, tmp_path) -> None:
    code, _, _ = hiring_cli("report", "--html", "report.html")
    assert code == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    [chart] = re.findall(
        r'<figure id="chart-predictors"><img alt="[^"]*" src="data:image/svg\+xml;base64,([^"]+)"', page
    )
    svg = base64.b64decode(chart).decode("utf-8")
    assert "<svg" in svg and svg.count("<path") > 50  # bars, axes and the labels drawn as paths
    assert '<h2 id="predictors">What predicted the hires who shipped' in page
    assert "<td>all hires</td><td>screen: owned_delivery</td><td>+1.00</td><td>10</td>" in page


def test_the_artifact_has_the_figures_and_no_names(prefect_api: str, app_db: str, hires) -> None:
    state = pipeline_report_flow(now=NOW.isoformat(), return_state=True)
    assert "pipeline-predictors" in state.result()["artifacts"]
    [table] = artifacts(state, "pipeline-predictors")
    records = rows(table)
    assert {"hires": "all hires", "signal": "screen: owned_delivery", "rho": "+1.00", "n": "10", "p": "<0.001",
            "reading": "strong positive"} in records  # fmt: skip
    text = json.dumps(records) + (table.description or "")
    for secret in (*_names(), "owned an eval harness", "strong referral"):
        assert secret not in text, secret
