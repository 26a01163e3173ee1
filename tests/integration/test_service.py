"""hiring.service against a real database: what one event writes, and what a refused one does not."""

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hiring import service
from hiring.errors import Conflict, InvalidInput, NotFound
from hiring.queries import candidate_history, show_candidate
from states.candidate import OutOfOrder
from states.errors import GuardRefused, InvalidPayload, TriggerNotAllowed, UnknownTrigger
from states.intake import NewCandidate
from states.requisition import RequisitionSpec
from tests.support import payloads, procs
from tests.support.db import candidate_row, events_of, fingerprint, table_counts


def row(engine: Engine, cid: int) -> dict[str, Any]:
    return candidate_row(engine, cid)


# --- one event ----------------------------------------------------------------------------------


def test_a_new_candidate_starts_sourced_at_version_1_with_its_creation_event(engine, candidate, T0) -> None:
    cid = candidate(motivators="remote;team_quality")
    cand = row(engine, cid)
    assert (cand["stage"], cand["version"], cand["on_hold"]) == ("sourced", 1, False)
    assert cand["motivators"] == ["remote", "team_quality"]
    [ev] = events_of(engine, cid)
    assert (ev.seq, ev.trigger, ev.from_stage, ev.to_stage) == (1, "source", None, "sourced")
    assert ev.actor == "test"
    assert ev.occurred_at == T0 and ev.occurred_at.tzinfo is not None


def test_apply_event_writes_one_event_row_and_bumps_the_version(engine, candidate, clock) -> None:
    cid = candidate()
    occurred = clock.now + timedelta(minutes=5)
    now = clock.now + timedelta(hours=2)
    out = service.apply_event(
        engine, cid, "screen", payloads.screen(), actor="rita", occurred_at=occurred, key="screen-1", now=now
    )
    assert (out.candidate_id, out.seq, out.version, out.replayed) == (cid, 2, 2, False)
    assert (out.trigger, out.from_stage, out.to_stage) == ("screen", "sourced", "screened")
    assert out.occurred_at == occurred
    evs = events_of(engine, cid)
    assert len(evs) == 2
    ev = evs[-1]
    assert ev.id == out.event_id
    assert (ev.seq, ev.trigger, ev.from_stage, ev.to_stage) == (2, "screen", "sourced", "screened")
    assert ev.actor == "rita"
    assert ev.payload == payloads.screen()
    assert (ev.occurred_at, ev.recorded_at, ev.idempotency_key) == (occurred, now, "screen-1")
    cand = row(engine, cid)
    assert (cand["stage"], cand["version"], cand["last_event_at"]) == ("screened", 2, occurred)


def test_occurred_at_defaults_to_now(engine, candidate, clock) -> None:
    cid = candidate()
    now = clock.tick(hours=3)
    out = service.apply_event(engine, cid, "hold", payloads.reason(), actor="rita", now=now)
    assert out.occurred_at == now
    assert events_of(engine, cid)[-1].recorded_at == now


def test_hiring_now_pins_the_clock(engine, candidate, T0, monkeypatch) -> None:
    cid = candidate()
    pinned = T0 + timedelta(days=2)
    monkeypatch.setenv("HIRING_NOW", pinned.isoformat())
    out = service.apply_event(engine, cid, "hold", payloads.reason(), actor="rita")
    assert out.occurred_at == pinned
    assert events_of(engine, cid)[-1].recorded_at == pinned


def test_in_stage_events_keep_the_stage_and_still_count(engine, candidate, drive) -> None:
    cid = candidate()
    drive.to(cid, "final")
    before = row(engine, cid)
    out = drive(cid, "record_interview", payloads.record_interview("system_design"))
    assert (out.from_stage, out.to_stage) == ("final", "final")
    after = row(engine, cid)
    assert after["version"] == before["version"] + 1
    assert set(after["interview_parts"]) == {*before["interview_parts"], "system_design"}


def test_the_stored_payload_is_the_validated_one(engine, candidate, drive) -> None:
    cid = candidate()
    drive.to(cid, "screened")
    raw = payloads.send_take_home(drive.clock.now + timedelta(minutes=1))
    drive(cid, "send_take_home", {**raw, "title": "  RAG triage  "})
    stored = events_of(engine, cid)[-1].payload
    assert stored["title"] == "RAG triage"  # stripped
    assert stored["expected_hours"] == 3  # the default is recorded


def test_walks_the_whole_main_path(engine, candidate, drive) -> None:
    cid = candidate()
    drive.to(cid, "onboarded")
    cand = row(engine, cid)
    evs = events_of(engine, cid)
    assert cand["stage"] == "onboarded"
    assert cand["version"] == len(evs) == 1 + len(payloads.path_to("onboarded"))
    assert [e.seq for e in evs] == list(range(1, len(evs) + 1))


# --- refusals write nothing ---------------------------------------------------------------------


REFUSALS = {
    "disallowed": ("make_offer", payloads.offer(), TriggerNotAllowed),
    "unknown": ("promote", {}, UnknownTrigger),
    "invalid_payload": ("screen", {"note": ""}, InvalidPayload),
    "guard": ("score_take_home", payloads.score_take_home(), GuardRefused),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_event_writes_nothing(engine, candidate, drive, case) -> None:
    cid = candidate()
    if case == "guard":
        drive.to(cid, "take_home")
    trigger, payload, error = REFUSALS[case]
    before = fingerprint(engine, cid)
    with pytest.raises(error):
        drive(cid, trigger, payload, key="k-refused")
    assert fingerprint(engine, cid) == before
    # The key of a refused event is not burnt: it can be used for a valid event.
    drive(cid, "hold", payloads.reason(), key="k-refused")


def test_an_event_earlier_than_the_last_one_is_refused(engine, candidate, drive, T0) -> None:
    cid = candidate()
    drive(cid, "screen")
    before = fingerprint(engine, cid)
    with pytest.raises(OutOfOrder):
        service.apply_event(engine, cid, "hold", payloads.reason(), actor="x", occurred_at=T0, now=drive.clock.now)
    assert fingerprint(engine, cid) == before


def test_an_event_in_the_future_is_refused(engine, candidate, clock) -> None:
    cid = candidate()
    before = fingerprint(engine, cid)
    with pytest.raises(InvalidInput, match="in the future"):
        service.apply_event(
            engine,
            cid,
            "screen",
            payloads.screen(),
            actor="x",
            occurred_at=clock.now + timedelta(seconds=1),
            now=clock.now,
        )
    assert fingerprint(engine, cid) == before


def test_a_naive_occurred_at_is_invalid_input(engine, candidate, clock) -> None:
    cid = candidate()
    before = fingerprint(engine, cid)
    with pytest.raises(InvalidInput, match=r"time ?zone"):
        service.apply_event(
            engine,
            cid,
            "screen",
            payloads.screen(),
            actor="x",
            occurred_at=clock.now.replace(tzinfo=None),
            now=clock.now,
        )
    assert fingerprint(engine, cid) == before


def test_an_unknown_candidate_is_not_found(engine, open_requisition, clock) -> None:
    with pytest.raises(NotFound, match="nope"):
        service.apply_event(engine, "nope", "screen", payloads.screen(), actor="x", **clock.at())
    with pytest.raises(NotFound):
        service.apply_event(engine, 999, "screen", payloads.screen(), actor="x", **clock.at())


# --- optimistic version -------------------------------------------------------------------------


def test_expected_version_mismatch_is_a_conflict_and_writes_nothing(engine, candidate, drive) -> None:
    cid = candidate()
    drive(cid, "screen")  # version 2 now
    before = fingerprint(engine, cid)
    with pytest.raises(Conflict, match="version 2, not 1"):
        drive(cid, "hold", payloads.reason(), expected_version=1)
    assert fingerprint(engine, cid) == before
    assert drive(cid, "hold", payloads.reason(), expected_version=2).version == 3


# --- idempotency --------------------------------------------------------------------------------


def test_the_same_key_returns_the_original_outcome_and_writes_nothing(engine, candidate, drive) -> None:
    cid = candidate()
    first = drive(cid, "screen", payloads.screen(), key="K1")
    drive(cid, "technical_screen")
    drive(cid, "send_take_home")  # the candidate moved on: a replayed screen must not be re-judged
    before = fingerprint(engine, cid)
    again = drive(cid, "screen", payloads.screen(), key="K1")
    assert again.replayed is True
    assert {**again.__dict__, "replayed": False} == first.__dict__
    assert fingerprint(engine, cid) == before


def test_a_replay_is_answered_even_with_a_stale_expected_version(engine, candidate, drive) -> None:
    cid = candidate()
    first = drive(cid, "screen", payloads.screen(), key="K1", expected_version=1)
    again = drive(cid, "screen", payloads.screen(), key="K1", expected_version=1)
    assert again.replayed and again.event_id == first.event_id


@pytest.mark.parametrize("change", ["payload", "trigger", "candidate"])
def test_the_same_key_for_a_different_event_is_a_conflict(engine, candidate, drive, change) -> None:
    cid, other = candidate(), candidate()
    drive(cid, "hold", payloads.reason("first"), key="K1")
    before = fingerprint(engine, cid)
    attempt = {
        "payload": (cid, "hold", payloads.reason("second")),
        "trigger": (cid, "withdraw", payloads.reason("first")),
        "candidate": (other, "hold", payloads.reason("first")),
    }[change]
    with pytest.raises(Conflict, match="K1"):
        drive(*attempt, key="K1")
    assert fingerprint(engine, cid) == before


def test_a_key_is_replayed_across_processes(engine, db_url, candidate, drive, tmp_path) -> None:
    cid = candidate()
    first = drive(cid, "screen", payloads.screen(), key="ats-42")
    counts = table_counts(engine)
    data = tmp_path / "screen.json"
    data.write_text(json.dumps(payloads.screen()))
    later = drive.clock.tick()
    same_args = ["advance", str(cid), "screen", "--data", f"@{data}", "--key", "ats-42", "--json"]
    different_args = ["advance", str(cid), "screen", "--data", '{"note": "x"}', "--key", "ats-42"]
    running = [procs.start(args, db_url, tmp_path, now=later) for args in (same_args, different_args)]
    same, different = (procs.finish(args, p) for args, p in zip((same_args, different_args), running, strict=True))
    assert same.code == 0, same
    out = same.json()
    assert out["replayed"] is True and out["event_id"] == first.event_id and out["seq"] == first.seq
    assert different.code == 3, different
    assert "ats-42" in different.err
    assert table_counts(engine) == counts


# --- candidates and requisitions ----------------------------------------------------------------


def new(requisition_id: int, n: int = 1, **kw: Any) -> NewCandidate:
    return NewCandidate.model_validate(payloads.new_candidate(requisition_id, n, **kw))


def test_candidates_only_join_open_requisitions(engine, T0) -> None:
    draft = service.add_requisition(engine, RequisitionSpec(title="Researcher"), now=T0)
    assert draft.status == "draft"
    with pytest.raises(InvalidInput, match=f"hiring role open {draft.id}"):
        service.add_candidates(engine, [new(draft.id or 0)], actor="x", now=T0)
    with pytest.raises(NotFound, match="999"):
        service.add_candidates(engine, [new(999)], actor="x", now=T0)
    counts = table_counts(engine)
    assert all(n == 0 for name, n in counts.items() if name != "requisition"), counts


def test_an_incomplete_draft_cannot_open_and_says_what_is_missing(engine, T0) -> None:
    doc = payloads.requisition()
    del doc["salary_band"]
    doc["role_definition"] = {**doc["role_definition"], "business_problem": None}
    doc["job_description"] = {**doc["job_description"], "stack": []}
    req = service.add_requisition(engine, RequisitionSpec.model_validate(doc), now=T0)
    with pytest.raises(InvalidInput) as err:
        service.open_requisition(engine, req.id or 0, now=T0)
    for gap in ("salary_band", "role_definition.business_problem", "job_description.stack"):
        assert gap in str(err.value)
    assert "recruiter" not in str(err.value)
    complete = service.add_requisition(engine, RequisitionSpec.model_validate(payloads.requisition()), now=T0)
    opened = service.open_requisition(engine, complete.id or 0, now=T0)
    assert (opened.status, opened.opened_at) == ("open", T0)


def test_a_title_only_draft_lists_every_missing_field() -> None:
    missing = RequisitionSpec(title="x").missing()
    assert set(missing) == {
        "role_profile",
        "engagement",
        "salary_band",
        "recruiter",
        "hiring_manager",
        "role_definition.business_problem",
        "role_definition.system_to_build",
        "role_definition.key_constraints",
        "role_definition.collaborators",
        "job_description.business_context",
        "job_description.core_responsibilities",
        "job_description.stack",
        "job_description.success_criteria",
        "job_description.decision_rights",
    }


def test_an_open_requisition_cannot_be_updated_into_a_draft(engine, open_requisition) -> None:
    with pytest.raises(InvalidInput, match="recruiter"):
        service.update_requisition(
            engine, open_requisition, RequisitionSpec.model_validate({**payloads.requisition(), "recruiter": None})
        )


def test_external_ids_are_unique(engine, open_requisition, candidate, T0) -> None:
    candidate(external_id="ATS-1")
    counts = table_counts(engine)
    with pytest.raises(Conflict, match="ATS-1"):
        service.add_candidates(engine, [new(open_requisition, 7, external_id="ATS-1")], actor="x", now=T0)
    assert table_counts(engine) == counts


def test_external_ids_repeated_within_one_batch_are_a_conflict(engine, open_requisition, T0) -> None:
    batch = [new(open_requisition, 1, external_id="ATS-9"), new(open_requisition, 2, external_id="ATS-9")]
    with pytest.raises(Conflict, match="ATS-9"):
        service.add_candidates(engine, batch, actor="x", now=T0)


def test_a_batch_is_all_or_nothing(engine, open_requisition, candidate, T0) -> None:
    candidate(external_id="ATS-1")
    counts = table_counts(engine)
    batch = [new(open_requisition, 2), new(open_requisition, 3, external_id="ATS-1")]
    with pytest.raises(Conflict):
        service.add_candidates(engine, batch, actor="x", now=T0)
    assert table_counts(engine) == counts


def test_candidates_are_found_by_id_or_external_id(engine, candidate, drive) -> None:
    cid = candidate(external_id="ATS-77")
    with Session(engine) as session:
        assert service.find_candidate(session, "ATS-77").id == cid
        assert service.find_candidate(session, str(cid)).id == cid
        assert service.find_candidate(session, cid).id == cid
        with pytest.raises(NotFound):
            service.find_candidate(session, "ATS-78")
    out = drive("ATS-77", "screen")
    assert out.candidate_id == cid
    assert show_candidate(engine, "ATS-77")["stage"] == "screened"
    _, history = candidate_history(engine, "ATS-77")
    assert [e["trigger"] for e in history] == ["source", "screen"]


def test_show_candidate_lists_what_can_happen_next(engine, candidate, drive) -> None:
    cid = candidate()
    assert show_candidate(engine, str(cid))["allowed_triggers"] == ["screen", "reject", "withdraw", "hold"]
    drive(cid, "hold")
    assert show_candidate(engine, str(cid))["allowed_triggers"] == ["reject", "withdraw", "resume"]
