"""`hiring candidate update` / PATCH /candidates/{id}: each detail, the update_details event (no name or email
in it), unknown motivators, the duplicate-email warning, nothing half written, erasure; and the motivators
required before the fourth interview part, with its policy switch."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from hiring.candidate_details import update_candidate
from hiring.errors import Conflict, InvalidInput
from hiring.people import add_person, parse_person
from hiring.privacy import erase
from models.tables import Candidate
from states.candidate import replay
from states.errors import GuardRefused
from states.intake import CandidateUpdate
from states.policy import parse_policy
from tests.integration.test_cli import Cli
from tests.support import payloads
from tests.support.api import AUTH, client
from tests.support.db import candidate_row, events_of, table_counts
from tests.support.payloads import INTERVIEW_PARTS, INTERVIEWERS


@pytest.fixture
def cli(db_url, tmp_path, T0, monkeypatch, capsys) -> Cli:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return Cli(db_url, tmp_path, T0 + timedelta(days=1), monkeypatch, capsys)


@pytest.fixture
def api(engine, T0, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("HIRING_NOW", (T0 + timedelta(days=1)).isoformat())
    with client(engine) as c:
        c.headers.update(AUTH)
        yield c


SIX = "cash, title, remote, research_freedom, product_ownership, team_quality"


def _update(engine, cid, **fields):
    return update_candidate(engine, cid, CandidateUpdate.model_validate(fields), actor="rita")


def test_each_detail_changes_with_one_event_naming_it(engine, candidate) -> None:
    cid = candidate(motivators=[])
    done = _update(engine, cid, name="Ada Lovelace", email="ada@example.org", motivators="cash,title", source="inbound")
    row = candidate_row(engine, cid)
    assert (row["name"], row["email"], row["motivators"], row["source"]) == (
        "Ada Lovelace",
        "ada@example.org",
        ["cash", "title"],
        "inbound",
    )
    assert (done.changed, done.version, row["version"]) == (["name", "email", "motivators", "source"], 2, 2)
    last = events_of(engine, cid)[-1]
    assert (last.trigger, last.actor, last.from_stage, last.to_stage) == (
        "update_details",
        "rita",
        "sourced",
        "sourced",
    )
    assert last.payload == {"motivators": ["cash", "title"], "source": "inbound", "changed": done.changed}
    assert "Ada" not in json.dumps(last.payload) and "ada@" not in json.dumps(last.payload)


def test_only_what_differs_is_recorded_and_an_update_that_changes_nothing_is_refused(engine, candidate) -> None:
    cid = candidate()
    assert _update(engine, cid, motivators="remote;team_quality", source="inbound").changed == ["source"]
    with pytest.raises(InvalidInput, match="nothing changed"):
        _update(engine, cid, source="inbound")
    with pytest.raises(InvalidInput, match="nothing to update"):
        _update(engine, cid)


def test_motivators_can_be_cleared_and_the_log_replays_to_them(engine, candidate, drive) -> None:
    cid = candidate()
    drive(cid, "screen")
    _update(engine, cid, motivators="")
    _update(engine, cid, motivators="research_freedom")
    state = replay([(e.trigger, e.payload, e.occurred_at) for e in events_of(engine, cid)], payloads.BAND)
    assert state.motivators == {"research_freedom"}
    assert candidate_row(engine, cid)["motivators"] == ["research_freedom"]


def test_an_unknown_motivator_lists_the_six_and_writes_nothing(engine, candidate) -> None:
    cid = candidate()
    before = table_counts(engine), candidate_row(engine, cid)
    with pytest.raises(ValueError) as err:
        CandidateUpdate.model_validate({"name": "New Name", "motivators": "cash,fame"})
    assert "'fame'" in str(err.value) and SIX in str(err.value)
    assert (table_counts(engine), candidate_row(engine, cid)) == before


def test_a_bad_value_among_good_ones_writes_nothing(cli: Cli) -> None:
    rid = cli.role()
    cid = cli.candidate(rid, 1)
    before = cli.json("candidate", "show", str(cid))
    result = cli("candidate", "update", str(cid), "--name", "New Name", "--email", "not-an-email")
    assert result.code != 0 and "email" in result.err + result.out
    result = cli("candidate", "update", str(cid), "--name", "New Name", "--source", "carrier_pigeon")
    assert result.code != 0 and "source" in result.err + result.out
    after = cli.json("candidate", "show", str(cid))
    assert (after["name"], after["version"]) == (before["name"], before["version"])


def test_cli_update_unknown_motivator_and_duplicate_email_warning(cli: Cli) -> None:
    rid = cli.role()
    first, second = cli.candidate(rid, 1), cli.candidate(rid, 2)
    bad = cli("candidate", "update", str(second), "--motivators", "cash,glory")
    assert bad.code != 0 and "'glory'" in bad.err + bad.out and SIX in bad.err + bad.out
    done = cli.json("candidate", "update", str(second), "--email", "C1@example.com", "--motivators", "cash,title")
    assert done["changed"] == ["email", "motivators"]
    assert done["warnings"] == [f"this email is already used by candidate #{first} on requisition {rid} (a duplicate?)"]
    shown = cli.json("candidate", "show", str(second))
    assert (shown["email"], shown["motivators"]) == ("C1@example.com", ["cash", "title"])
    text = cli.ok("candidate", "update", str(first), "--name", "Renamed").out
    assert f"candidate {first} updated: name" in text


def test_details_change_on_hold_but_not_after_the_process_ended(engine, candidate, drive) -> None:
    cid = candidate()
    drive(cid, "hold")
    assert _update(engine, cid, source="conference").changed == ["source"]
    drive(cid, "reject")
    with pytest.raises(InvalidInput, match="rejected"):
        _update(engine, cid, source="inbound")


def test_the_generic_event_path_cannot_forge_an_update(engine, candidate, drive) -> None:
    cid = candidate()
    with pytest.raises(Exception, match="update_details"):
        drive(cid, "update_details", {"changed": ["name"]})


def test_erasure_clears_the_updated_name_and_email_and_the_events_never_held_them(engine, candidate) -> None:
    cid = candidate()
    _update(engine, cid, name="Quirinus Vellacott", email="quirinus.v@example.net")
    erase(engine, cid, "dpo")
    with Session(engine) as session:
        dump = json.dumps([e.payload for e in events_of(engine, cid)]) + str(session.get(Candidate, cid))
    assert "Quirinus" not in dump and "quirinus.v" not in dump
    with pytest.raises(Conflict):
        _update(engine, cid, source="inbound")


def test_api_patch_updates_and_warns(api, engine, candidate) -> None:
    first, second = candidate(), candidate()
    email = candidate_row(engine, first)["email"]
    response = api.patch(f"/candidates/{second}", json={"email": email, "motivators": ["cash"], "actor": "rita"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] == ["email", "motivators"] and body["candidate"]["motivators"] == ["cash"]
    assert len(body["warnings"]) == 1 and f"#{first}" in body["warnings"][0]
    bad = api.patch(f"/candidates/{second}", json={"motivators": ["fame"]})
    assert bad.status_code == 422 and "motivators.0" in bad.text and "team_quality" in bad.text


# --- motivators before the fourth interview part --------------------------------------------------------


@pytest.fixture
def final_without_motivators(candidate, drive, engine):
    for handle in set(INTERVIEWERS.values()) - {payloads.INTERVIEWER}:  # open_requisition adds INTERVIEWER
        add_person(engine, parse_person({"handle": handle, "name": handle.title(), "role": "interviewer"}))
    cid = candidate(motivators=[])
    drive.to(cid, "debrief")
    drive(cid, "advance_to_final")
    return cid


def _record(drive, cid, part, **kw):
    return drive(cid, "record_interview", payloads.record_interview(part, interviewer=INTERVIEWERS[part]), **kw)


def test_the_fourth_recorded_part_waits_for_the_motivators(final_without_motivators, drive, engine) -> None:
    cid = final_without_motivators
    for part in INTERVIEW_PARTS[:3]:
        _record(drive, cid, part)  # the first three need none
    with pytest.raises(GuardRefused) as err:
        _record(drive, cid, INTERVIEW_PARTS[3])
    assert f"hiring candidate update {cid}" not in str(err.value)  # the message is generic: ID, not a guess
    assert "hiring candidate update ID --motivators" in str(err.value) and SIX in str(err.value)
    assert "motivators_required: false" in str(err.value)
    _update(engine, cid, motivators="team_quality")
    _record(drive, cid, INTERVIEW_PARTS[3])
    assert set(candidate_row(engine, cid)["interview_parts"]) == set(INTERVIEW_PARTS)


def test_the_fourth_scheduled_part_waits_for_the_motivators(final_without_motivators, drive, clock) -> None:
    cid = final_without_motivators
    start = clock.now + timedelta(days=1)
    for i, part in enumerate(INTERVIEW_PARTS[:3]):
        drive(cid, "schedule_interview", payloads.schedule_interview(part, start + timedelta(hours=i)))
    with pytest.raises(GuardRefused, match="fourth interview part"):
        drive(cid, "schedule_interview", payloads.schedule_interview(INTERVIEW_PARTS[3], start + timedelta(hours=3)))


@pytest.mark.parametrize(
    "policy",
    [
        {"motivators_required": False},
        {"role_profiles": {"applied_ai_engineer": {"motivators_required": False}}},
        {"requisitions": {1: {"motivators_required": False}}},
    ],
    ids=["global", "per-profile", "per-requisition"],
)
def test_the_policy_switch_turns_the_requirement_off(final_without_motivators, drive, engine, policy) -> None:
    cid = final_without_motivators
    off = parse_policy(policy)
    assert candidate_row(engine, cid)["requisition_id"] == 1
    for part in INTERVIEW_PARTS:
        _record(drive, cid, part, policy=off)
    assert set(candidate_row(engine, cid)["interview_parts"]) == set(INTERVIEW_PARTS)


def test_a_requisition_override_can_turn_it_back_on(final_without_motivators, drive) -> None:
    cid = final_without_motivators
    policy = parse_policy({"motivators_required": False, "requisitions": {1: {"motivators_required": True}}})
    for part in INTERVIEW_PARTS[:3]:
        _record(drive, cid, part, policy=policy)
    with pytest.raises(GuardRefused):
        _record(drive, cid, INTERVIEW_PARTS[3], policy=policy)


# --- the closing brief where the offer is prepared and sent ----------------------------------------------


def test_show_in_final_and_offer_carries_the_closing_brief(engine, candidate, drive) -> None:
    from hiring.queries import show_candidate

    cid = candidate()
    assert show_candidate(engine, str(cid))["closing"] is None  # not before final
    drive.to(cid, "offer")
    brief = show_candidate(engine, str(cid))["closing"]
    assert brief["motivators"] == payloads.MOTIVATORS
    assert brief["role_profile"] == "applied_ai_engineer" and not brief["priorities_inferred"]
    assert "how fast work reaches production" in brief["priorities"]
    points = [e["point"] for e in brief["candidates_evaluate"]]
    assert points == ["problem quality", "execution environment", "decision speed", "career path"]
    offer = payloads.offer()
    assert (brief["first_year_outcomes"], brief["ownership"], brief["terms"]) == (
        offer["first_year_outcomes"],
        offer["ownership"],
        offer["terms"],
    )


def test_the_cli_shows_no_brief_before_final(cli: Cli) -> None:
    rid = cli.role()
    cid = cli.candidate(rid, 1)
    out = cli.ok("candidate", "show", str(cid)).out
    assert "closing:" not in out


def test_the_offer_response_reminder_carries_the_closing_facts(engine, candidate, drive, clock) -> None:
    from hiring.sla import sweep
    from notifications.render import Context, Notice, details
    from tests.support.sla import outbox

    cid = candidate()
    drive.to(cid, "offer")
    sweep(engine, clock.now + timedelta(days=30))
    rows = [r for r in outbox(engine) if r.payload.get("timer") == "offer_response"]
    assert rows, "no offer_response notice"
    payload = rows[0].payload
    assert "Candidate 1" not in json.dumps(payload)  # names are looked up at send time
    shown = dict(details(Notice(rows[0].id or 0, rows[0].kind, payload), Context()))
    assert shown["Motivators"] == "remote, team_quality"
    assert "how fast work reaches production" in shown["Beyond salary"]
    assert shown["Candidates evaluate"] == "problem quality, execution environment, decision speed, career path"
    assert shown["First-year outcomes"] == "ship the eval pipeline"


def test_the_cli_brief_lines_say_what_to_weigh_and_mark_an_inference() -> None:
    from hiring.cli.candidates import closing_lines
    from states.closing import CANDIDATES_EVALUATE, priorities

    known, inferred = priorities("data_engineer_ai")
    brief = {
        "motivators": [],
        "role_profile": "data_engineer_ai",
        "priorities": known,
        "priorities_inferred": inferred,
        "candidates_evaluate": [{"point": p, "meaning": m} for p, m in CANDIDATES_EVALUATE],
        "first_year_outcomes": ["a feature store"],
        "ownership": "the ingestion layer",
        "terms": {"flexible": ["start date"], "fixed": ["base"]},
    }
    text = "\n".join(closing_lines(brief))
    assert "motivators: - (record them: hiring candidate update)" in text
    assert "(inferred: the playbook lists none for this profile)" in text
    for expected in ("decision speed:", "first-year outcomes: a feature store", "ownership: the ingestion layer"):
        assert expected in text
    assert "flexible: start date" in text and "fixed: base" in text
    assert closing_lines(None) == []
