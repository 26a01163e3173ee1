"""Every timer opens, closes (met or breached) and is cancelled with the events the issue names."""

from datetime import UTC, date, datetime, timedelta

import pytest

from hiring.service import apply_event
from states.policy import Policy
from tests.support import payloads
from tests.support.sla import hours, open_kinds, timer, timers


def test_new_candidate_opens_screen_decision_due_in_5_days(candidate, engine, T0):
    cid = candidate()
    t = timer(engine, cid, "screen_decision", "open")
    assert (t.opened_at, t.due_at, t.owner_role) == (T0, T0 + timedelta(days=5), "recruiter")
    assert t.next_level == "reminder"
    assert t.next_fire_at == T0 + timedelta(days=5) * 0.75


def test_screen_closes_screen_decision_met_and_opens_the_technical_screen(candidate, drive, engine, clock):
    cid = candidate()
    drive(cid, "screen")
    assert timer(engine, cid, "screen_decision").status == "met"
    screen = timer(engine, cid, "technical_screen", "open")
    due = clock.now + timedelta(days=3)
    assert (screen.opened_at, screen.due_at, screen.owner_role) == (clock.now, due, "recruiter")
    assert open_kinds(engine, cid) == {"technical_screen"}  # the take-home clock waits for the screen


def test_the_technical_screen_closes_its_timer_and_starts_the_take_home_clock(candidate, drive, engine, clock):
    cid = candidate()
    drive(cid, "screen")
    clock.tick(days=1)
    drive(cid, "technical_screen")
    assert timer(engine, cid, "technical_screen").status == "met"
    sent = timer(engine, cid, "take_home_sent", "open")
    assert (sent.opened_at, sent.due_at) == (clock.now, clock.now + timedelta(hours=48))
    clock.tick(hours=5)
    drive(cid, "technical_screen")  # a second screen replaces the first; the take-home clock keeps running
    assert timer(engine, cid, "take_home_sent", "open").id == sent.id
    assert open_kinds(engine, cid) == {"take_home_sent"}


def test_a_late_technical_screen_is_breached(candidate, drive, engine, clock):
    cid = candidate()
    drive(cid, "screen")
    clock.tick(days=3, minutes=1)
    drive(cid, "technical_screen")
    assert timer(engine, cid, "technical_screen").status == "breached"


def test_leaving_screened_closes_the_technical_screen_timer(candidate, drive, engine):
    cid = candidate()
    drive(cid, "screen")
    drive(cid, "reject")
    assert timer(engine, cid, "technical_screen").status == "cancelled"
    drive(cid, "reopen")  # back in screened, still unscreened: its clock runs again
    assert open_kinds(engine, cid) == {"technical_screen"}


def test_with_the_screen_turned_off_screened_opens_the_take_home_clock(candidate, drive, engine, clock):
    cid = candidate()
    off = Policy(technical_screen_required=False)
    drive(cid, "screen", policy=off)
    sent = timer(engine, cid, "take_home_sent", "open")
    assert hours(sent.opened_at, sent.due_at) == 48
    assert open_kinds(engine, cid) == {"take_home_sent"}
    drive(cid, "send_take_home", policy=off)
    assert timer(engine, cid, "take_home_sent").status == "met"


def test_closing_after_due_is_breached(candidate, drive, engine, clock):
    cid = candidate()
    clock.tick(days=6)
    drive(cid, "screen")
    closed = timer(engine, cid, "screen_decision")
    assert closed.status == "breached"
    assert closed.next_fire_at is None and closed.next_level is None


def test_take_home_submission_uses_the_assignment_due_date_then_review_opens(candidate, drive, engine, clock):
    cid = candidate()
    drive.to(cid, "screened")
    due = clock.now + timedelta(days=4, hours=3)
    drive(
        cid,
        "send_take_home",
        {"title": "Eval harness", "role_profile": "applied_ai_engineer", "due_at": due.isoformat()},
    )
    assert timer(engine, cid, "take_home_sent").status == "met"
    assert timer(engine, cid, "take_home_submission", "open").due_at == due
    drive(cid, "submit_take_home")
    assert timer(engine, cid, "take_home_submission").status == "met"
    review = timer(engine, cid, "take_home_review", "open")
    assert (review.owner_role, hours(review.opened_at, review.due_at)) == ("hiring_manager", 72)
    drive(cid, "submit_take_home")  # a resubmission keeps the one review timer
    assert [t.kind for t in timers(engine, cid)].count("take_home_review") == 1
    drive(cid, "score_take_home")
    assert timer(engine, cid, "take_home_review").status == "met"
    assert open_kinds(engine, cid) == {"debrief"}


def test_final_loop_closes_on_fourth_part_and_opens_the_48h_decision(candidate, drive, engine):
    cid = candidate()
    drive.to(cid, "debrief")
    drive(cid, "advance_to_final")
    assert open_kinds(engine, cid) == {"final_loop"}
    assert hours(*(lambda t: (t.opened_at, t.due_at))(timer(engine, cid, "final_loop"))) == 240
    for part in payloads.INTERVIEW_PARTS[:3]:
        drive(cid, "record_interview", payloads.record_interview(part))
        assert open_kinds(engine, cid) == {"final_loop"}
    drive(cid, "record_interview", payloads.record_interview(payloads.INTERVIEW_PARTS[0], score=4))
    assert open_kinds(engine, cid) == {"final_loop"}, "re-recording a part is not the fourth part"
    drive(cid, "record_interview", payloads.record_interview(payloads.INTERVIEW_PARTS[3]))
    assert timer(engine, cid, "final_loop").status == "met"
    decision = timer(engine, cid, "decision", "open")
    assert (decision.owner_role, hours(decision.opened_at, decision.due_at)) == ("hiring_manager", 48)
    drive(cid, "make_offer")
    assert timer(engine, cid, "decision").status == "met"
    assert open_kinds(engine, cid) == {"offer_response"}


def test_revise_offer_restarts_offer_response(candidate, drive, engine, clock):
    cid = candidate()
    drive.to(cid, "offer")
    first = timer(engine, cid, "offer_response", "open")
    clock.tick(days=3)
    drive(cid, "revise_offer")
    assert timer(engine, cid, "offer_response", "superseded").id == first.id
    again = timer(engine, cid, "offer_response", "open")
    assert again.opened_at == clock.now and hours(again.opened_at, again.due_at) == 7 * 24


def test_checkpoints_count_from_the_start_date(candidate, drive, engine, clock):
    cid = candidate()
    drive.to(cid, "offer")
    drive(cid, "accept_offer", payloads.accept_offer(date(2026, 4, 1)))
    assert timer(engine, cid, "offer_response").status == "met"
    start = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    assert timer(engine, cid, "checkpoint_30", "open").due_at == start + timedelta(days=30)
    clock.now = start + timedelta(days=29)  # within the early window of each checkpoint
    drive(cid, "complete_checkpoint")
    assert timer(engine, cid, "checkpoint_30").status == "met"
    assert timer(engine, cid, "checkpoint_60", "open").due_at == start + timedelta(days=60)
    clock.now = start + timedelta(days=59)
    drive(cid, "complete_checkpoint")
    assert timer(engine, cid, "checkpoint_90", "open").due_at == start + timedelta(days=90)
    clock.now = start + timedelta(days=89)
    drive(cid, "complete_checkpoint")
    assert timer(engine, cid, "checkpoint_90").status == "met"
    assert open_kinds(engine, cid) == {"retention_checkin"}  # onboarded: the first check-in is on the calendar


def test_depart_cancels_the_open_checkpoint(candidate, drive, engine):
    cid = candidate()
    drive.to(cid, "onboarding_60")
    drive(cid, "depart")
    assert timer(engine, cid, "checkpoint_60").status == "cancelled"
    assert open_kinds(engine, cid) == set()


@pytest.mark.parametrize("trigger", ["reject", "withdraw"])
@pytest.mark.parametrize("stage", ["sourced", "take_home", "final", "offer"])
def test_leaving_by_reject_or_withdraw_cancels_every_open_timer(candidate, drive, engine, trigger, stage):
    cid = candidate()
    drive.to(cid, stage)
    if stage == "take_home":
        drive(cid, "submit_take_home")
    before = open_kinds(engine, cid)
    assert before
    drive(cid, trigger)
    assert open_kinds(engine, cid) == set()
    assert {t.kind for t in timers(engine, cid) if t.status == "cancelled"} == before
    assert all(t.next_fire_at is None for t in timers(engine, cid))


def test_decline_offer_closes_offer_response_as_answered(candidate, drive, engine):
    cid = candidate()
    drive.to(cid, "offer")
    drive(cid, "decline_offer")
    assert timer(engine, cid, "offer_response").status == "met"


def test_reopen_reopens_the_stage_timers(candidate, drive, engine):
    cid = candidate()
    drive.to(cid, "debrief")
    drive(cid, "reject")
    drive(cid, "reopen")
    assert open_kinds(engine, cid) == {"debrief"}
    assert [t.status for t in timers(engine, cid) if t.kind == "debrief"] == ["cancelled", "open"]


def test_reopen_into_final_with_all_parts_reopens_the_decision_window(candidate, drive, engine):
    cid = candidate()
    drive.to(cid, "offer")  # all four parts recorded on the way
    drive(cid, "withdraw")
    drive(cid, "reopen")
    assert open_kinds(engine, cid) == {"offer_response"}


def test_hold_pauses_and_resume_shifts_due_by_the_time_on_hold(candidate, drive, engine, clock):
    cid = candidate()
    drive.to(cid, "final")
    before = timer(engine, cid, "final_loop", "open")
    drive(cid, "hold")
    paused = timer(engine, cid, "final_loop", "open")
    assert paused.paused_at == clock.now and paused.next_fire_at is None
    held_from = clock.now
    clock.tick(days=4, hours=6)
    drive(cid, "resume")
    resumed = timer(engine, cid, "final_loop", "open")
    held = clock.now - held_from
    assert resumed.due_at == before.due_at + held
    assert resumed.window_start == before.window_start + held
    assert resumed.paused_at is None
    assert resumed.next_level == "reminder"
    assert resumed.next_fire_at == before.next_fire_at + held


def test_rejecting_while_on_hold_cancels_the_paused_timers(candidate, drive, engine):
    cid = candidate()
    drive(cid, "hold")
    drive(cid, "reject")
    assert timer(engine, cid, "screen_decision").status == "cancelled"


def test_refused_event_changes_no_timer(candidate, engine, T0):
    cid = candidate()
    before = [(t.id, t.status, t.due_at) for t in timers(engine, cid)]
    with pytest.raises(Exception, match="not allowed"):
        apply_event(engine, cid, "make_offer", payloads.offer(), actor="t", now=T0)
    assert [(t.id, t.status, t.due_at) for t in timers(engine, cid)] == before
