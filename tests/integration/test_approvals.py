"""Issue 13's hire decision and offer approval chain, through the service on a real database: the decision
window, the offer preparation, the chain's steps as timers and refusals that write nothing."""

import pytest

from hiring.errors import Conflict, InvalidInput
from hiring.service import apply_event
from states.errors import EventRefused
from tests.support import payloads
from tests.support.sla import hours, open_kinds, timer, timers


def _to_final_complete(drive, cid: int) -> None:
    drive.to(cid, "final")
    for part in payloads.INTERVIEW_PARTS:
        drive(cid, "record_interview", payloads.record_interview(part))


# --- decide ------------------------------------------------------------------------------------------


def test_decide_hire_closes_the_decision_window_and_opens_the_offer_preparation(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    out = drive(cid, "decide", payloads.decide("hire"))
    assert out.to_stage == "final"
    assert timer(engine, cid, "decision").status == "met"
    prep = timer(engine, cid, "offer_preparation", "open")
    assert (prep.owner_role, hours(prep.opened_at, prep.due_at)) == ("recruiter", 48)
    drive(cid, "make_offer")
    assert timer(engine, cid, "offer_preparation").status == "met"
    assert open_kinds(engine, cid) == {"offer_response"}


def test_decide_no_hire_rejects_and_reopen_starts_the_decision_again(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "decide", payloads.decide("hire"))
    assert drive(cid, "decide", payloads.decide("no_hire", "weaker than the other finalist")).to_stage == "rejected"
    assert open_kinds(engine, cid) == set()
    assert timer(engine, cid, "offer_preparation").status == "met"
    drive(cid, "reopen")
    assert open_kinds(engine, cid) == {"decision"}  # the hire decision was reset: decide again
    drive(cid, "decide", payloads.decide("hire"))
    assert open_kinds(engine, cid) == {"offer_preparation"}


def test_a_second_hire_decision_is_refused_and_writes_nothing(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "decide", payloads.decide("hire"))
    before = [(t.id, t.status) for t in timers(engine, cid)]
    with pytest.raises(EventRefused, match="already recorded"):
        drive(cid, "decide", payloads.decide("hire"))
    assert [(t.id, t.status) for t in timers(engine, cid)] == before


def test_decide_waits_for_every_interview_part(candidate, drive):
    cid = candidate()
    drive.to(cid, "final")
    with pytest.raises(EventRefused, match="interview parts not recorded yet"):
        drive(cid, "decide", payloads.decide("hire"))


def test_decide_needs_a_known_decision_and_a_reason(candidate, drive):
    cid = candidate()
    _to_final_complete(drive, cid)
    with pytest.raises(EventRefused, match="decision"):
        drive(cid, "decide", {"decision": "maybe", "reason": "x"})
    with pytest.raises(EventRefused, match="reason"):
        drive(cid, "decide", {"decision": "hire"})


def test_make_offer_without_decide_closes_the_decision_window_as_before(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "make_offer")
    assert timer(engine, cid, "decision").status == "met"
    assert "offer_preparation" not in {t.kind for t in timers(engine, cid)}
