"""Issue 12's "done when", end to end: the whole assessment loop a recruiter runs, once through the real CLI
(HIRING_NOW moves the clock) and once through the real API; and every refusal of the loop through the CLI.

The world: requisition 1 (applied AI engineer; recruiter rita, hiring manager hugo), four interviewers
(dana, omar, lena, kofi) and the head of talent tess. The four interviews are on Thursday 2026-03-05 from
10:00 UTC, an hour each; lena's system_design (12:00-13:00) is the one whose scorecard comes late.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli import Cli
from tests.support import payloads
from tests.support.instants import T0

PARTS = payloads.INTERVIEW_PARTS
TC, PDD, SD, BEH = PARTS
PEOPLE = {"rita": "recruiter", "hugo": "hiring_manager", "tess": "head_of_talent"} | {
    handle: "interviewer" for handle in payloads.INTERVIEWERS.values()
}
FIRST = datetime(2026, 3, 5, 10, 0, tzinfo=T0.tzinfo)  # the first interview starts; the others follow hourly
STARTS = {part: FIRST + timedelta(hours=i) for i, part in enumerate(PARTS)}
LAST_END = FIRST + timedelta(hours=4)  # behavioral ends 14:00
SD_END = STARTS[SD] + timedelta(hours=1)  # lena's interview ends 13:00
SCORECARD_DUE = SD_END + timedelta(hours=24)
DECISION_DUE = LAST_END + timedelta(hours=48)
FILED_ON_TIME = {
    TC: LAST_END + timedelta(hours=1),
    PDD: LAST_END + timedelta(hours=1),
    BEH: LAST_END + timedelta(hours=2),
}
# The late scorecard's ladder: (sweep instant, level, audience role, recipient) with the default 24h window.
LADDER = [
    (SCORECARD_DUE - timedelta(hours=6), "reminder", "interviewer", "lena"),  # 75% of the window
    (SCORECARD_DUE, "level_1", "interviewer", "lena"),
    (SCORECARD_DUE + timedelta(hours=24), "level_2", "hiring_manager", "hugo"),
    (SCORECARD_DUE + timedelta(hours=72), "level_3", "head_of_talent", "tess"),
]
# What the decision timer (hugo's, due 48h after the last end) fires up to each sweep instant of LADDER.
DECISION_FIRED = {
    LADDER[2][0]: [("reminder", "hiring_manager", "hugo")],  # 36h after the last end
    LADDER[3][0]: [("level_1", "hiring_manager", "hugo"), ("level_2", "head_of_talent", "tess")],
}


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("HIRING_HEAD_OF_TALENT", "tess")
    return Cli(db_url, tmp_path, T0, monkeypatch, capsys)


@dataclass
class Loop:
    """The CLI world, up to `final` with the four interviews scheduled."""

    cli: Cli
    rid: int
    cid: int

    def advance(self, trigger: str, data: dict[str, Any], at: datetime) -> Any:
        return self.cli.json("advance", str(self.cid), trigger, "--data", _json(data), now=at)


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)


def _directory(cli: Cli) -> None:
    for handle, role in PEOPLE.items():
        cli.ok("people", "add", "--handle", handle, "--name", handle.title(), "--role", role, now=T0)


def _to_final(cli: Cli, rid: int, cid: int) -> None:
    """Resume screen (above the bar), technical screen, the templated take-home, scored; debrief -> final."""
    steps = [
        ("screen", payloads.screen()),
        ("technical_screen", payloads.technical_screen("dana", depth=3, communication=4)),
        ("send_take_home", payloads.templated_take_home(T0, "rag_task", days=5)),
        ("submit_take_home", payloads.submit_take_home()),
        ("score_take_home", payloads.score_take_home()),
        ("advance_to_final", payloads.advance_to_final()),
    ]
    for hours, (trigger, data) in enumerate(steps, start=1):
        cli.json("advance", str(cid), trigger, "--data", _json(data), now=T0 + timedelta(days=1, hours=hours))


@pytest.fixture
def loop(cli: Cli) -> Loop:
    _directory(cli)
    rid = cli.role()
    cid = cli.candidate(rid)
    _to_final(cli, rid, cid)
    world = Loop(cli, rid, cid)
    booked_at = T0 + timedelta(days=2)
    for part in PARTS:
        world.advance("schedule_interview", payloads.schedule_interview(part, STARTS[part]), booked_at)
    return world


def _timers(cli: Cli, at: datetime, *args: str) -> list[dict[str, Any]]:
    timers: list[dict[str, Any]] = cli.json("sla", *args, now=at)["timers"]
    return timers


def _fired(cli: Cli, at: datetime) -> list[tuple[str, str, str, str]]:
    fired = cli.json("sweep", now=at)["fired"]
    return sorted((f["timer"], f["level"], f["audience_role"], f["recipient"]) for f in fired)


def test_the_whole_loop_through_the_cli(loop: Loop) -> None:
    cli, cid = loop.cli, loop.cid
    booked = T0 + timedelta(days=2)
    scorecards = {t["subject"]: t for t in _timers(cli, booked, "--timer", "scorecard")}
    assert {p: (t["owner"], t["due_at"]) for p, t in scorecards.items()} == {
        part: (payloads.INTERVIEWERS[part], (STARTS[part] + timedelta(hours=25)).isoformat()) for part in PARTS
    }
    [decision] = _timers(cli, booked, "--timer", "decision")
    assert (decision["owner"], decision["due_at"]) == ("hugo", DECISION_DUE.isoformat())

    for part, at in FILED_ON_TIME.items():
        loop.advance("record_interview", payloads.record_interview(part, interviewer=None), at)
    assert [t["subject"] for t in _timers(cli, LAST_END + timedelta(hours=3), "--timer", "scorecard")] == [SD]

    for at, level, role, who in LADDER:
        fired = _fired(cli, at)
        assert [f[1:] for f in fired if f[0] == "scorecard"] == [(level, role, who)], at
        assert [f[1:] for f in fired if f[0] == "decision"] == DECISION_FIRED.get(at, []), at
        assert {f[0] for f in fired} <= {"scorecard", "decision"}, fired
        assert _fired(cli, at) == [], "a second sweep at the same instant fires nothing new"
        console = cli.json("dispatch", now=at)["console"]
        to_them = [line for line in console if f"({who}): " in line and "scorecard for" in line]
        assert len(to_them) == 1 and "system_design" in to_them[0], console
        if at == LADDER[2][0]:
            _check_whats_waiting(cli, at)
    [open_decision] = _timers(cli, LADDER[3][0], "--timer", "decision")
    assert open_decision["due_at"] == DECISION_DUE.isoformat()

    late = SCORECARD_DUE + timedelta(hours=80)
    loop.advance("record_interview", payloads.record_interview(SD, 2, "no", interviewer=None), late)
    history = cli.json("sla", "stats", now=late)
    assert history["timers"]["scorecard"]["breached"] == 1 and history["timers"]["scorecard"]["met"] == 3
    [after] = _timers(cli, late, "--timer", "decision")
    assert (after["timer_id"], after["due_at"]) == (open_decision["timer_id"], DECISION_DUE.isoformat())
    shown = cli.json("candidate", "show", str(cid), now=late)
    assert {p["part"]: p["scorecard"] for p in shown["loop"]} == dict.fromkeys(PARTS, "filed")


def _check_whats_waiting(cli: Cli, at: datetime) -> None:
    """After level_2: the hiring manager's list has the escalated scorecard (most overdue) and the decision."""
    hugo = cli.json("todo", "--me", "hugo", now=at)["items"]
    assert [(i["timer"], i["subject"]) for i in hugo] == [("scorecard", SD), ("decision", None)]
    assert [i["due_at"] for i in hugo] == [SCORECARD_DUE.isoformat(), DECISION_DUE.isoformat()]
    lena = cli("sla", "--owner", "lena", now=at)
    assert lena.code == 0 and "scorecard (system_design)" in lena.out, lena
    assert [t["subject"] for t in _timers(cli, at, "--owner", "lena")] == [SD]


# --- every refusal of the loop, through the CLI: exit code, message, nothing written ---------------------

AT = T0 + timedelta(days=3)  # when each refused command runs: after everything the setup recorded
BELOW_BAR = {
    **payloads.screen(),
    "owned_delivery": 1,
    "operational_judgment": 3,
    "data_realism": 2,
    "note": "AI enthusiast",
}
CASES = {
    "screen below the bar without override_reason": ("sourced", "screen", BELOW_BAR, 3,
        "the screen is below the bar (every signal at least 2, mean at least 2.5): owned_delivery is 1 "
        "(needs at least 2); the mean is 2.25 (needs at least 2.5). Give override_reason"),
    "send_take_home before the technical screen": ("screened", "send_take_home",
        payloads.templated_take_home(AT), 3, "record technical_screen first, or turn the requirement off"),
    "take-home over 3h without a reason": ("technical_screen", "send_take_home",
        payloads.templated_take_home(AT, expected_hours=4), 3,
        "expected_hours 4 is above the playbook's 3-hour take-home guide; give hours_reason"),
    "take-home of the wrong profile": ("technical_screen", "send_take_home",
        payloads.send_take_home(AT, role_profile="ml_engineer"), 3,
        "role_profile ml_engineer does not match the requisition's; allowed: applied_ai_engineer"),
    "unknown interviewer": ("final", "schedule_interview",
        payloads.schedule_interview(TC, AT + timedelta(days=1), interviewer="nobody"), 2,
        "interviewer 'nobody' is not in the people directory; add them with `hiring people add --handle nobody"),
    "interview further back than the backfill": ("final", "schedule_interview",
        payloads.schedule_interview(TC, AT - timedelta(days=8)), 2,
        f"further in the past than the allowed backfill (7d, policy setting interview_backfill); the earliest "
        f"allowed is {(AT - timedelta(days=7)).isoformat()}"),
    "part scheduled twice": ("scheduled", "schedule_interview",
        payloads.schedule_interview(TC, AT + timedelta(days=2)), 3,
        "the technical_calibration interview is already scheduled (with dana at "),
    "scorecard for a cancelled interview": ("cancelled", "record_interview",
        payloads.record_interview(TC, interviewer=None), 3,
        "the technical_calibration interview was cancelled: no scorecard can be filed for it"),
}  # fmt: skip
SETUP: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "sourced": [],
    "screened": [("screen", payloads.screen())],
    "technical_screen": [("screen", payloads.screen()), ("technical_screen", payloads.technical_screen())],
    "scheduled": [("schedule_interview", payloads.schedule_interview(TC, AT + timedelta(days=1)))],
    "cancelled": [
        ("schedule_interview", payloads.schedule_interview(TC, AT + timedelta(days=1))),
        ("cancel_interview", payloads.cancel_interview(TC)),
    ],
}


@pytest.mark.parametrize("case", CASES)
def test_each_refusal_of_the_loop_through_the_cli(cli: Cli, case: str) -> None:
    where, trigger, data, code, message = CASES[case]
    _directory(cli)
    rid = cli.role()
    cid = cli.candidate(rid)
    if where in ("final", "scheduled", "cancelled"):
        _to_final(cli, rid, cid)
    for i, (step, body) in enumerate(SETUP.get(where, [])):
        cli.json("advance", str(cid), step, "--data", _json(body), now=T0 + timedelta(days=2, hours=i))
    before = cli.json("history", str(cid), now=AT)
    refused = cli("advance", str(cid), trigger, "--data", _json(data), now=AT)
    assert refused.code == code, refused
    assert message in refused.err, refused.err
    assert cli.json("history", str(cid), now=AT) == before, "a refusal writes nothing"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the same loop through the API ------------------------------------------------------------------------


@dataclass
class Api:
    """The API test client with its clock (HIRING_NOW) set before each request."""

    client: Any
    monkeypatch: pytest.MonkeyPatch

    def __call__(self, method: str, path: str, at: datetime, status: int = 200, **kw: Any) -> Any:
        self.monkeypatch.setenv("HIRING_NOW", at.isoformat())
        resp = self.client.request(method, path, **kw)
        assert resp.status_code == status, resp.text
        return resp.json()

    def event(self, cid: int, trigger: str, payload: dict[str, Any], at: datetime) -> Any:
        return self("POST", f"/candidates/{cid}/events", at, 201, json={"trigger": trigger, "payload": payload})


def test_the_whole_loop_through_the_api(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from hiring.people import add_person, parse_person
    from hiring.sla import sweep
    from states.policy import Policy
    from tests.support.api import AUTH, client

    policy = Policy(head_of_talent="tess")
    for handle, role in PEOPLE.items():
        add_person(engine, parse_person({"handle": handle, "name": handle.title(), "role": role}))
    with client(engine, policy) as c:
        c.headers.update(AUTH)
        api = Api(c, monkeypatch)
        rid = api("POST", "/requisitions", T0, 201, json=payloads.requisition())["id"]
        api("POST", f"/requisitions/{rid}/open", T0)
        cid = api("POST", "/candidates", T0, 201, json=payloads.new_candidate(rid))["id"]
        steps = [
            ("screen", payloads.screen()),
            ("technical_screen", payloads.technical_screen("dana")),
            ("send_take_home", payloads.templated_take_home(T0, "rag_task")),
            ("submit_take_home", payloads.submit_take_home()),
            ("score_take_home", payloads.score_take_home()),
            ("advance_to_final", payloads.advance_to_final()),
            *(("schedule_interview", payloads.schedule_interview(part, STARTS[part])) for part in PARTS),
        ]
        stages = [api.event(cid, t, body, T0 + timedelta(days=1, hours=h))["to_stage"] for h, (t, body) in
                  enumerate(steps, start=1)]  # fmt: skip
        assert stages == ["screened", "screened", "take_home", "take_home", "debrief", *["final"] * 5]
        timers = api("GET", "/timers", T0 + timedelta(days=2), params={"candidate_id": cid})["timers"]
        due = {(t["timer"], t["subject"]): (t["owner"], _at(t["due_at"])) for t in timers}
        assert due == {
            ("final_loop", None): ("rita", T0 + timedelta(days=11, hours=6)),
            ("decision", None): ("hugo", DECISION_DUE),
            **{("scorecard", p): (payloads.INTERVIEWERS[p], STARTS[p] + timedelta(hours=25)) for p in PARTS},
        }
        for part, at in FILED_ON_TIME.items():
            api.event(cid, "record_interview", payloads.record_interview(part, interviewer=None), at)
        for at, level, role, who in LADDER:
            fired = [
                (f.level, f.audience_role, f.recipient) for f in sweep(engine, at, policy) if f.timer == "scorecard"
            ]
            assert fired == [(level, role, who)], at
            assert sweep(engine, at, policy) == []
        todo = api("GET", "/todo", LADDER[3][0], params={"handle": "hugo"})["items"]
        assert [(i["timer"], i["subject"], _at(i["due_at"])) for i in todo] == [
            ("scorecard", SD, SCORECARD_DUE),
            ("decision", None, DECISION_DUE),
        ]
        late = LADDER[3][0] + timedelta(hours=1)
        api.event(cid, "record_interview", payloads.record_interview(SD, 2, "no", interviewer=None), late)
        shown = api("GET", f"/candidates/{cid}", late)
        assert {p["part"]: (p["scorecard"], p["interviewer"]) for p in shown["loop"]} == {
            p: ("filed", payloads.INTERVIEWERS[p]) for p in PARTS
        }
        [decision] = api("GET", "/timers", late, params={"candidate_id": cid})["timers"]
        assert (decision["timer"], _at(decision["due_at"])) == ("decision", DECISION_DUE)
