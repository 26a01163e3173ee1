"""What waits on whom: `hiring todo`, the filters of `hiring sla`, and GET /todo, over one small world.

Requisition A: recruiter rita, hiring manager hugo. Requisition B: recruiter hugo, hiring manager hana.
a1 (A) and b1 (B) have all four interviews recorded (a decision timer each); a2 (A) and b2 (B) wait for
the resume screen. The head of talent is tess.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from hiring import service
from hiring.people import add_person, parse_person
from hiring.sla import sweep
from models.db import transaction
from models.tables import Timer
from states.intake import NewCandidate
from states.policy import Policy
from states.requisition import RequisitionSpec
from states.timers import TIMERS, TimerKind
from tests.support import api, payloads
from tests.support.procs import Result, clear_cached_settings, in_process
from tests.support.sla import timer

POLICY = Policy(head_of_talent="tess")
PARTS = payloads.INTERVIEW_PARTS


@dataclass
class World:
    engine: Engine
    ids: dict[str, int]  # candidates a1, a2, b1, b2 and requisitions A, B
    decision_due: datetime  # a1's decision
    screen_due: datetime  # a2's and b2's screen_decision


@pytest.fixture
def world(engine: Engine, candidate: Any, drive: Any, open_requisition: int, T0: datetime) -> World:
    spec = RequisitionSpec.model_validate(payloads.requisition(recruiter="hugo", hiring_manager="hana"))
    req_b = service.add_requisition(engine, spec, now=T0).id
    assert req_b is not None
    service.open_requisition(engine, req_b, now=T0)
    ids = {"A": open_requisition, "B": req_b}
    for name, req in (("a1", open_requisition), ("a2", open_requisition), ("b1", req_b), ("b2", req_b)):
        ids[name] = candidate(requisition_id=req)
    for name in ("a1", "b1"):
        drive.to(ids[name], "final")
        for part in PARTS:
            drive(
                ids[name],
                "record_interview",
                {"part": part, "interviewer": "dana", "score": 3, "recommendation": "yes", "notes": "ok"},
            )
    return World(engine, ids, timer(engine, ids["a1"], "decision", "open").due_at, T0 + timedelta(days=5))


@dataclass
class Cli:
    db_url: str
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str, now: datetime, me: str | None = None) -> Result:
        env = {"HIRING_DATABASE_URL": self.db_url, "HIRING_NOW": now.isoformat(), "HIRING_HEAD_OF_TALENT": "tess"}
        if me is not None:
            env["HIRING_ME"] = me
        return in_process(args, env, self.monkeypatch, self.capsys)

    def json(self, *args: str, now: datetime, me: str | None = None) -> Any:
        result = self(*args, "--json", now=now, me=me)
        assert result.code == 0, result
        return result.json()


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> Cli:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    return Cli(db_url, monkeypatch, capsys)


def listed(data: dict[str, Any]) -> list[tuple[int, str]]:
    return [(item["candidate_id"], item["timer"]) for item in data["items"]]


# --- whose list ----------------------------------------------------------------------------------


def test_a_hiring_managers_list_has_the_decision_of_their_candidate_and_not_another_managers(world, cli) -> None:
    at = world.decision_due - timedelta(hours=1)
    hugo = cli.json("todo", "--me", "hugo", "--role", "hiring_manager", now=at)
    assert listed(hugo) == [(world.ids["a1"], "decision")]
    [item] = hugo["items"]
    assert item["action"] == TIMERS[TimerKind.DECISION].action
    assert item["why"] == [{"as": "hiring_manager", "because": "owner", "level": None}]
    assert item["reason"] == "owner (hiring manager)"
    assert (item["due_in"], item["overdue"]) == ("1h", False)
    assert item["requisition_id"] == world.ids["A"] and item["stage"] == "final"
    hana = cli.json("todo", "--me", "hana", now=at)
    assert listed(hana) == [(world.ids["b1"], "decision")]


def test_a_recruiters_list_has_the_screen_timers(world, cli) -> None:
    rita = cli.json("todo", "--me", "rita", now=world.screen_due - timedelta(hours=2))
    assert listed(rita) == [(world.ids["a2"], "screen_decision")]
    assert rita["items"][0]["reason"] == "owner (recruiter)"
    assert rita["items"][0]["next_escalation"]["recipient"] == "rita"  # the reminder: no sweep has run
    assert rita["items"][0]["last_escalation"] is None


def test_an_item_escalated_to_the_head_of_talent_is_on_their_list_with_the_reason(world, cli) -> None:
    at = world.decision_due + timedelta(hours=73)
    sweep(world.engine, at - timedelta(hours=2), POLICY)  # up to level 2: to hugo's next up, tess
    before = cli.json("todo", "--me", "tess", now=at)
    assert [i["why"][0]["level"] for i in before["items"]] == ["level_2", "level_2"]
    sweep(world.engine, at, POLICY)
    tess = cli.json("todo", "--me", "tess", now=at)
    assert listed(tess) == [(world.ids["a1"], "decision"), (world.ids["b1"], "decision")]
    item = tess["items"][0]
    assert item["why"] == [{"as": "head_of_talent", "because": "escalated", "level": "level_3"}]
    assert item["reason"] == "escalated to you as head of talent (level_3)"
    assert item["owner"] == "hugo"
    assert item["last_escalation"]["level"] == "level_3" and item["last_escalation"]["recipient"] == "tess"
    assert item["next_escalation"] is None
    assert item["overdue_by"] == "3d1h"


def test_escalated_items_count_for_the_role_they_reached_the_person_in(world, cli) -> None:
    at = world.screen_due + timedelta(days=1, hours=1)  # a2's screen reached hugo at level 2 (next up)
    sweep(world.engine, at, POLICY)
    everything = cli.json("todo", "--me", "hugo", now=at)
    a1, a2, b2 = world.ids["a1"], world.ids["a2"], world.ids["b2"]
    assert listed(everything) == [(a1, "decision"), (a2, "screen_decision"), (b2, "screen_decision")]
    reasons = [item["reason"] for item in everything["items"]]
    assert reasons == ["owner (hiring manager)", "escalated to you as hiring manager (level_2)", "owner (recruiter)"]
    as_manager = cli.json("todo", "--me", "hugo", "--role", "hiring_manager", now=at)
    assert listed(as_manager) == [(a1, "decision"), (a2, "screen_decision")]
    assert listed(cli.json("todo", "--me", "hugo", "--role", "recruiter", now=at)) == [(b2, "screen_decision")]
    assert cli.json("todo", "--me", "hugo", "--role", "head_of_talent", now=at)["items"] == []


def test_the_most_overdue_comes_first_then_the_soonest_due_and_overdue_filters(world, cli, drive, T0) -> None:
    a3 = world.ids["a3"] = drive_to_screened(world, drive)
    [late] = service.add_candidates(
        world.engine,
        [NewCandidate.model_validate(payloads.new_candidate(world.ids["A"], 9))],
        actor="test",
        now=T0 + timedelta(days=4),
    )
    at = T0 + timedelta(days=6)
    rita = cli.json("todo", "--me", "rita", now=at)
    assert listed(rita) == [(a3, "technical_screen"), (world.ids["a2"], "screen_decision"), (late, "screen_decision")]
    assert [i["overdue"] for i in rita["items"]] == [True, True, False]
    overdue = cli.json("todo", "--me", "rita", "--overdue", now=at)
    assert listed(overdue) == listed(rita)[:2]
    assert cli.json("todo", "--me", "rita", "--limit", "1", now=at)["items"] == rita["items"][:1]


def drive_to_screened(world: World, drive: Any) -> int:
    [cid] = service.add_candidates(
        world.engine,
        [NewCandidate.model_validate(payloads.new_candidate(world.ids["A"], 8))],
        actor="test",
        now=drive.clock.now,
    )
    drive(cid, "screen", payloads.screen())
    return cid


def test_an_interviewer_owned_timer_is_on_that_interviewers_list(world, cli, T0) -> None:
    add_person(world.engine, parse_person({"handle": "ivan", "name": "Ivan", "role": "interviewer"}))
    with transaction(world.engine) as session:
        session.add(
            Timer(
                candidate_id=world.ids["a1"],
                requisition_id=world.ids["A"],
                kind="scorecard",
                owner_role="interviewer",
                owner_handle="ivan",
                subject="system_design",
                opened_at=T0,
                window_start=T0,
                due_at=T0 + timedelta(days=1),
                next_level="level_2",
            )
        )
    at = T0 + timedelta(days=1, hours=3)
    ivan = cli.json("todo", "--me", "ivan", now=at)
    [item] = ivan["items"]
    assert (item["candidate_id"], item["timer"], item["subject"]) == (world.ids["a1"], "scorecard", "system_design")
    assert (item["owner"], item["reason"], item["overdue_by"]) == ("ivan", "owner (interviewer)", "3h")
    assert item["next_escalation"]["role"] == "hiring_manager" and item["next_escalation"]["recipient"] == "hugo"
    assert listed(cli.json("todo", "--me", "ivan", "--role", "recruiter", now=at)) == []
    assert (world.ids["a1"], "scorecard") not in listed(cli.json("todo", "--me", "hugo", now=at))
    shown = cli("todo", "--me", "ivan", now=at)
    assert "scorecard (system_design)" in shown.out and "owner (interviewer)" in shown.out


# --- the command itself --------------------------------------------------------------------------


def test_the_json_carries_ids_and_facts_and_the_terminal_the_names(world, cli) -> None:
    at = world.decision_due + timedelta(hours=2)
    sweep(world.engine, at, POLICY)
    data = cli.json("todo", "--me", "hugo", "--role", "hiring_manager", now=at)
    assert set(data) == {"handle", "role", "overdue_only", "at", "items"}
    assert (data["handle"], data["role"], data["overdue_only"]) == ("hugo", "hiring_manager", False)
    [item] = data["items"]
    assert set(item) == {
        "timer_id", "candidate_id", "requisition_id", "stage", "timer", "subject", "action", "owner_role", "owner",
        "due_at", "paused", "overdue", "overdue_by", "due_in", "last_escalation", "next_escalation", "why", "reason",
    }  # fmt: skip
    assert item["last_escalation"]["level"] == "level_1"
    assert item["next_escalation"]["level"] == "level_2" and item["next_escalation"]["recipient"] == "tess"
    shown = cli("todo", "--me", "hugo", now=at)
    assert shown.code == 0 and "Candidate 1" in shown.out and "overdue 2h" in shown.out
    assert "level_1 fired; next level_2 -> tess" in shown.out
    assert "Candidate" not in cli("todo", "--me", "hugo", "--json", now=at).out


def test_without_me_it_reads_hiring_me_or_says_to_pass_me(world, cli) -> None:
    at = world.decision_due
    missing = cli("todo", now=at)
    assert missing.code == 2 and "--me HANDLE" in missing.err and "HIRING_ME" in missing.err
    assert listed(cli.json("todo", now=at, me="hana")) == [(world.ids["b1"], "decision")]


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["--me", "nobody"], 4, ["'nobody'", "hiring people list"]),
        (["--me", "hugo", "--role", "boss"], 2, ["'boss'", "recruiter, hiring_manager, head_of_talent, interviewer"]),
        (["--me", "hugo", "--limit", "0"], 2, ["--limit"]),
    ],
)
def test_bad_input_is_named(world, cli, args, code, needles) -> None:
    result = cli("todo", *args, now=world.decision_due)
    assert result.code == code, result
    assert all(n in result.err for n in needles), result


# --- hiring sla filters ---------------------------------------------------------------------------


def sla_rows(cli: Cli, *args: str, now: datetime) -> list[tuple[int, str]]:
    return [(t["candidate_id"], t["timer"]) for t in cli.json("sla", *args, now=now)["timers"]]


def test_sla_filters_by_owner_requisition_kind_overdue_and_limit(world, cli) -> None:
    at = world.screen_due - timedelta(hours=1)  # decisions overdue, screens not yet
    a1, a2, b1, b2 = (world.ids[k] for k in ("a1", "a2", "b1", "b2"))
    every = sla_rows(cli, now=at)
    assert every[:2] == [(a1, "decision"), (b1, "decision")] and set(every[2:]) == {
        (a2, "screen_decision"),
        (b2, "screen_decision"),
    }
    assert sla_rows(cli, "--owner", "hugo", now=at) == [(a1, "decision"), (b2, "screen_decision")]
    assert sla_rows(cli, "--req", str(world.ids["B"]), now=at) == [(b1, "decision"), (b2, "screen_decision")]
    assert sla_rows(cli, "--timer", "screen_decision", now=at) == [(a2, "screen_decision"), (b2, "screen_decision")]
    assert sla_rows(cli, "--overdue", now=at) == [(a1, "decision"), (b1, "decision")]
    assert sla_rows(cli, "--limit", "1", now=at) == [(a1, "decision")]
    both = ("--req", str(world.ids["A"]), "--timer", "decision", "--owner", "hugo", "--overdue")
    assert sla_rows(cli, *both, now=at) == [(a1, "decision")]
    assert "decision" in cli("sla", "--owner", "hana", now=at).out


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["--timer", "scorecards"], 2, ["'scorecards'", "allowed: screen_decision", "decision"]),
        (["--req", "999"], 4, ["no requisition with id 999", "hiring role list"]),
        (["--owner", "nobody"], 4, ["'nobody'", "hiring people list"]),
        (["--limit", "0"], 2, ["--limit"]),
    ],
)
def test_sla_refuses_bad_filters_naming_what_is_allowed(world, cli, args, code, needles) -> None:
    result = cli("sla", *args, now=world.decision_due)
    assert result.code == code, result
    assert all(n in result.err for n in needles), result


# --- GET /todo ----------------------------------------------------------------------------------


def test_get_todo_is_the_same_list_as_the_cli(world, cli) -> None:
    at = world.screen_due + timedelta(days=1, hours=1)
    sweep(world.engine, at, POLICY)
    cli_list = cli.json("todo", "--me", "hugo", "--role", "hiring_manager", "--overdue", now=at)
    client = api.client(world.engine, POLICY)
    params = {"handle": "hugo", "role": "hiring_manager", "overdue": "true"}
    cli.monkeypatch.setenv("HIRING_NOW", at.isoformat())
    clear_cached_settings()
    answer = client.get("/todo", params=params, headers=api.AUTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert listed(body) == listed(cli_list) == [(world.ids["a1"], "decision"), (world.ids["a2"], "screen_decision")]
    assert [i["why"] for i in body["items"]] == [i["why"] for i in cli_list["items"]]
    assert [i["reason"] for i in body["items"]] == [i["reason"] for i in cli_list["items"]]
    assert "candidate_name" not in body["items"][0]
    limited = client.get("/todo", params={**params, "limit": 1}, headers=api.AUTH).json()
    assert listed(limited) == listed(body)[:1]


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"handle": "nobody"}, 404, "hiring people list"),
        ({}, 422, "handle"),
        ({"handle": "hugo", "role": "boss"}, 422, "role"),
        ({"handle": "hugo", "limit": 0}, 422, "limit"),
        ({"handle": "hugo", "owner": "x"}, 422, "owner"),
    ],
)
def test_get_todo_refuses_bad_params_clearly(world, params, status, needle) -> None:
    answer = api.client(world.engine, POLICY).get("/todo", params=params, headers=api.AUTH)
    assert answer.status_code == status, answer.text
    assert needle in answer.text


def test_get_todo_needs_the_token(world) -> None:
    assert api.client(world.engine, POLICY).get("/todo", params={"handle": "hugo"}).status_code == 401


def test_get_timers_takes_the_sla_filters(world) -> None:
    client = api.client(world.engine, POLICY)
    answer = client.get("/timers", params={"owner": "hugo", "timer": "decision"}, headers=api.AUTH)
    assert [(t["candidate_id"], t["timer"]) for t in answer.json()["timers"]] == [(world.ids["a1"], "decision")]
    bad = client.get("/timers", params={"timer": "nope"}, headers=api.AUTH)
    assert bad.status_code == 422 and "screen_decision" in bad.text
