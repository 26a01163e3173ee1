"""Scheduled final interviews: the scorecard timer of each (its due time and ladder, through the real sweep),
the decision window from the last interview's end, and every refusal."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from hiring.errors import InvalidInput
from hiring.people import add_person, parse_person
from hiring.privacy import ERASED, erase
from hiring.sla import sweep
from models.tables import Candidate, Event
from notifications.render import Context, Notice, details, local_time
from states.errors import EventRefused
from states.policy import Policy
from tests.support import payloads
from tests.support.payloads import INTERVIEW_PARTS, INTERVIEWERS
from tests.support.sla import open_kinds, outbox, timer, timers

POLICY = Policy(head_of_talent="tess")
TC, PDD, SD, BEH = INTERVIEW_PARTS


@pytest.fixture
def in_final(candidate, drive, engine):
    """A candidate in `final` with nothing recorded, and the four interviewers in the directory."""
    for handle in INTERVIEWERS.values():
        if handle != payloads.INTERVIEWER:  # the `open_requisition` fixture has added dana already
            add_person(engine, parse_person({"handle": handle, "name": handle.title(), "role": "interviewer"}))
    cid = candidate()
    drive.to(cid, "debrief")
    drive(cid, "advance_to_final")
    return cid


def _schedule(drive, cid: int, part: str, starts_at: datetime, minutes: int = 60, **kw):
    return drive(cid, "schedule_interview", payloads.schedule_interview(part, starts_at, minutes, **kw))


def _scorecard_timer(engine, cid: int, part: str, status: str = "open"):
    found = [t for t in timers(engine, cid) if t.kind == "scorecard" and t.subject == part and t.status == status]
    assert found, f"no {status} scorecard timer for {part}"
    return found[-1]


def _schedule_all(drive, cid: int, first: datetime) -> datetime:
    """The four parts one after another, an hour each from `first`; returns the last end."""
    for i, part in enumerate(INTERVIEW_PARTS):
        _schedule(drive, cid, part, first + timedelta(hours=i))
    return first + timedelta(hours=4)


def test_a_scheduled_interview_opens_its_scorecard_timer_due_24h_after_it_ends(in_final, drive, engine, clock):
    start = clock.now + timedelta(days=2)
    _schedule(drive, in_final, TC, start, minutes=90)
    t = _scorecard_timer(engine, in_final, TC)
    end = start + timedelta(minutes=90)
    assert (t.owner_role, t.owner_handle, t.window_start, t.due_at) == (
        "interviewer",
        "dana",
        end,
        end + timedelta(hours=24),
    )
    with Session(engine) as session:
        stored = session.get(Candidate, in_final).interviews
    assert stored == {TC: {"interviewer": "dana", "starts_at": start.isoformat(), "minutes": 90}}
    assert open_kinds(engine, in_final) == {"final_loop", "scorecard"}


def test_the_decision_window_starts_at_the_last_end_and_a_late_scorecard_does_not_move_it(
    in_final, drive, engine, clock
):
    last_end = _schedule_all(drive, in_final, clock.now + timedelta(days=1))
    decision = timer(engine, in_final, "decision", "open")
    assert (decision.window_start, decision.due_at) == (last_end, last_end + timedelta(hours=48))
    clock.now = last_end + timedelta(hours=1)
    drive(in_final, "record_interview", payloads.record_interview(TC, interviewer=None))
    assert _scorecard_timer(engine, in_final, TC, "met").closed_at == clock.now
    clock.now = last_end + timedelta(days=3)  # three days late
    for part in INTERVIEW_PARTS[1:]:
        drive(in_final, "record_interview", payloads.record_interview(part, interviewer=None))
    assert _scorecard_timer(engine, in_final, BEH, "breached")
    after = timer(engine, in_final, "decision", "open")
    assert (after.id, after.window_start, after.due_at) == (decision.id, last_end, last_end + timedelta(hours=48))
    assert timer(engine, in_final, "final_loop").status == "met"
    drive(in_final, "make_offer")
    assert timer(engine, in_final, "decision").status == "breached"


def test_a_scorecard_takes_the_scheduled_interviewer(in_final, drive, engine, clock):
    _schedule(drive, in_final, PDD, clock.now + timedelta(hours=2), interviewer="lena")
    clock.now += timedelta(hours=4)
    drive(in_final, "record_interview", payloads.record_interview(PDD, interviewer=None, recommendation="strong_yes"))
    with Session(engine) as session:
        ev = session.execute(select(Event).where(Event.trigger == "record_interview")).scalar_one()
    assert (ev.payload["interviewer"], ev.payload["recommendation"]) == ("lena", "strong_yes")


def test_reschedule_restarts_the_scorecard_and_the_decision_when_the_last_end_moves(in_final, drive, engine, clock):
    first = clock.now + timedelta(days=1)
    last_end = _schedule_all(drive, in_final, first)
    old = _scorecard_timer(engine, in_final, TC)
    decision = timer(engine, in_final, "decision", "open")
    drive(in_final, "reschedule_interview", {"part": TC, "minutes": 30, "interviewer": "omar"})  # not the last
    new = _scorecard_timer(engine, in_final, TC)
    assert _scorecard_timer(engine, in_final, TC, "superseded").id == old.id
    assert (new.owner_handle, new.due_at) == ("omar", first + timedelta(minutes=30, hours=24))
    assert timer(engine, in_final, "decision", "open").id == decision.id
    later = first + timedelta(days=2)
    drive(in_final, "reschedule_interview", payloads.reschedule_interview(SD, later))
    moved = timer(engine, in_final, "decision", "open")
    assert moved.id != decision.id and moved.window_start == later + timedelta(hours=1)
    assert moved.due_at == later + timedelta(hours=49) != last_end + timedelta(hours=48)


def test_cancel_cancels_the_scorecard_and_the_decision_until_the_part_is_scheduled_again(
    in_final, drive, engine, clock
):
    first = clock.now + timedelta(days=1)
    _schedule_all(drive, in_final, first)
    drive(in_final, "cancel_interview", payloads.cancel_interview(SD))
    assert _scorecard_timer(engine, in_final, SD, "cancelled")
    assert timer(engine, in_final, "decision").status == "cancelled"
    assert "decision" not in open_kinds(engine, in_final)
    again = first + timedelta(days=3)
    _schedule(drive, in_final, SD, again)
    assert timer(engine, in_final, "decision", "open").due_at == again + timedelta(hours=49)


def test_without_scheduled_interviews_the_fourth_scorecard_opens_the_decision(in_final, drive, engine, clock):
    for part in INTERVIEW_PARTS:
        drive(in_final, "record_interview", payloads.record_interview(part))
    decision = timer(engine, in_final, "decision", "open")
    assert (decision.window_start, decision.due_at) == (clock.now, clock.now + timedelta(hours=48))


# --- the ladder, through the real sweep -------------------------------------------------------------


def test_the_scorecard_ladder_goes_to_the_interviewer_then_the_hiring_manager_then_head_of_talent(
    in_final, drive, engine, clock
):
    start = clock.now + timedelta(hours=1)
    _schedule(drive, in_final, SD, start, interviewer="lena")
    due = start + timedelta(hours=25)
    steps = [
        (due - timedelta(hours=6), "reminder", "interviewer", "lena"),  # 75% of the 24h window
        (due, "level_1", "interviewer", "lena"),
        (due + timedelta(hours=24), "level_2", "hiring_manager", "hugo"),
        (due + timedelta(hours=72), "level_3", "head_of_talent", "tess"),
    ]
    for at, level, role, who in steps:
        fired = [f for f in sweep(engine, at, POLICY) if f.timer == "scorecard"]
        assert [(f.level, f.audience_role, f.recipient) for f in fired] == [(level, role, who)], at
        assert [f.timer for f in sweep(engine, at, POLICY) if f.timer == "scorecard"] == []  # once, ever
    assert _scorecard_timer(engine, in_final, SD).next_level is None


def test_hold_pauses_the_scorecard_and_decision_timers(in_final, drive, engine, clock):
    last_end = _schedule_all(drive, in_final, clock.now + timedelta(hours=1))
    drive(in_final, "hold")
    paused = [t for t in timers(engine, in_final) if t.status == "open"]
    assert {t.kind for t in paused} == {"final_loop", "scorecard", "decision"}
    assert all(t.paused_at is not None and t.next_fire_at is None for t in paused)
    assert sweep(engine, last_end + timedelta(days=20), POLICY) == []
    clock.now += timedelta(days=2)
    drive(in_final, "resume")
    decision = timer(engine, in_final, "decision", "open")
    assert decision.due_at == last_end + timedelta(hours=48) + timedelta(days=2, minutes=1)


# --- refusals --------------------------------------------------------------------------------------------


def test_an_unknown_interviewer_is_refused_naming_the_handle_and_how_to_add_one(in_final, drive, clock):
    with pytest.raises(
        InvalidInput, match=r"'nobody' is not in the people directory.*hiring people add --handle nobody"
    ):
        _schedule(drive, in_final, TC, clock.now + timedelta(days=1), interviewer="nobody")


def test_a_part_scheduled_twice_is_refused_pointing_at_reschedule(in_final, drive, clock):
    _schedule(drive, in_final, TC, clock.now + timedelta(days=1))
    with pytest.raises(EventRefused, match=r"already scheduled.*use reschedule_interview"):
        _schedule(drive, in_final, TC, clock.now + timedelta(days=2))


@pytest.mark.parametrize("trigger", ["reschedule_interview", "cancel_interview"])
def test_rescheduling_or_cancelling_a_part_not_scheduled_is_refused(in_final, drive, clock, trigger):
    body = payloads.valid(trigger, "final", clock.now)
    with pytest.raises(EventRefused, match="no technical_calibration interview is scheduled"):
        drive(in_final, trigger, body)


def test_an_interview_further_back_than_the_backfill_is_refused_with_the_earliest_allowed(in_final, drive, clock):
    _schedule(drive, in_final, TC, clock.now - timedelta(days=6))  # within the 7 days
    clock.tick()
    earliest = clock.now - timedelta(days=7)
    with pytest.raises(InvalidInput, match=f"earliest allowed is {earliest.isoformat()}".replace("+", r"\+")):
        drive(
            in_final, "schedule_interview", payloads.schedule_interview(SD, clock.now - timedelta(days=8)), **clock.at()
        )


def test_a_scorecard_for_a_cancelled_interview_is_refused(in_final, drive, clock):
    _schedule(drive, in_final, BEH, clock.now + timedelta(hours=1))
    drive(in_final, "cancel_interview", payloads.cancel_interview(BEH))
    with pytest.raises(EventRefused, match="behavioral interview was cancelled: no scorecard"):
        drive(in_final, "record_interview", payloads.record_interview(BEH, interviewer="kofi"))


def test_a_scorecard_needs_a_recommendation_and_the_scheduled_interviewer(in_final, drive, clock):
    body = payloads.record_interview(TC)
    del body["recommendation"]
    with pytest.raises(EventRefused, match="recommendation"):
        drive(in_final, "record_interview", body)
    _schedule(drive, in_final, TC, clock.now + timedelta(hours=1))
    with pytest.raises(EventRefused, match="scheduled with dana, not omar"):
        drive(in_final, "record_interview", payloads.record_interview(TC, interviewer="omar"))


def test_an_interview_length_outside_15_to_480_minutes_is_refused(in_final, drive, clock):
    with pytest.raises(EventRefused, match="minutes"):
        _schedule(drive, in_final, TC, clock.now + timedelta(days=1), minutes=10)


# --- erasure ----------------------------------------------------------------------------------------------


def test_erasure_scrubs_the_cancel_reason_and_the_scorecard_notes(in_final, drive, engine, clock):
    _schedule(drive, in_final, TC, clock.now + timedelta(hours=1))
    drive(in_final, "cancel_interview", payloads.cancel_interview(TC, "Zoe asked to move it: her dentist"))
    drive(in_final, "record_interview", payloads.record_interview(PDD))
    erase(engine, in_final, "dpo", now=clock.tick())
    with Session(engine) as session:
        rows = {
            e.trigger: e.payload for e in session.execute(select(Event).where(Event.candidate_id == in_final)).scalars()
        }
    assert rows["cancel_interview"] == {"part": TC, "reason": ERASED}
    assert rows["record_interview"]["notes"] == ERASED
    assert rows["schedule_interview"]["interviewer"] == "dana"  # a directory handle, not the candidate's data


# --- what the messages say ----------------------------------------------------------------------------------


def _rendered(engine, timer_kind: str) -> dict[str, str]:
    rows = [r for r in outbox(engine) if (r.payload or {}).get("timer") == timer_kind]
    assert rows, f"no {timer_kind} notice"
    return dict(details(Notice(rows[-1].id or 0, rows[-1].kind, rows[-1].payload), Context()))


def test_the_scorecard_reminder_names_the_part_the_time_and_the_kit_command(
    in_final, drive, engine, clock, open_requisition
):
    start = clock.now + timedelta(hours=1)
    _schedule(drive, in_final, SD, start, interviewer="lena")
    sweep(engine, start + timedelta(hours=19), POLICY)  # the reminder: 75% of the 24h after the end
    shown = _rendered(engine, "scorecard")
    assert shown["Interview"] == f"system_design, {local_time(start.isoformat(), 'UTC')}, lena, interviewer"
    assert shown["Interview kit"] == f"hiring kit --req {open_requisition} --part system_design"


def test_the_decision_notice_lists_the_missing_scorecards_and_whose_they_are(in_final, drive, engine, clock):
    last_end = _schedule_all(drive, in_final, clock.now + timedelta(hours=1))
    clock.now = last_end + timedelta(hours=2)
    drive(in_final, "record_interview", payloads.record_interview(TC, interviewer=None))
    drive(in_final, "record_interview", payloads.record_interview(SD, interviewer=None))
    sweep(engine, last_end + timedelta(hours=48), POLICY)
    assert _rendered(engine, "decision")["Scorecards missing"] == "project_deep_dive (omar), behavioral (kofi)"


# --- the candidate view -------------------------------------------------------------------------------------


def test_the_candidate_view_shows_each_part_scheduled_filed_or_due(in_final, drive, engine, clock):
    from hiring.cli.candidates import loop_lines
    from hiring.queries import show_candidate

    start = clock.now + timedelta(hours=1)
    _schedule(drive, in_final, TC, start)
    _schedule(drive, in_final, SD, start + timedelta(hours=2), interviewer="lena")
    drive(in_final, "cancel_interview", payloads.cancel_interview(SD))
    clock.now = start + timedelta(hours=2)
    drive(in_final, "record_interview", payloads.record_interview(TC, 4, "strong_yes", interviewer=None))
    _schedule(drive, in_final, BEH, start + timedelta(days=1), interviewer="kofi")
    loop = {p["part"]: p for p in show_candidate(engine, str(in_final))["loop"]}
    assert (loop[TC]["scorecard"], loop[TC]["score"], loop[TC]["recommendation"]) == ("filed", 4, "strong_yes")
    assert (loop[TC]["starts_at"], loop[TC]["interviewer"]) == (start, "dana")
    assert (loop[SD]["scorecard"], loop[PDD]["scorecard"]) == ("cancelled", "not scheduled")
    assert loop[BEH]["scorecard_due_at"] == start + timedelta(days=1, hours=25)
    lines = loop_lines(list(loop.values()))
    assert lines[0] == "final loop:" and "score 4, strong_yes" in lines[1] and "with kofi; scorecard due" in lines[4]


# --- the report --------------------------------------------------------------------------------------------


def test_the_report_times_scorecards_per_interviewer_and_decisions_from_the_last_end(in_final, drive, engine, clock):
    from hiring.reports.metrics import pipeline_report
    from hiring.reports.tables import scorecards_section

    first = clock.now + timedelta(hours=1)
    last_end = _schedule_all(drive, in_final, first)  # ends at first + 1h, 2h, 3h, 4h
    filed = {TC: 2, PDD: 10, SD: 30, BEH: 50}  # hours after the first interview began
    for part, hours in filed.items():
        clock.now = first + timedelta(hours=hours, minutes=-1)  # drive ticks a minute before each event
        drive(in_final, "record_interview", payloads.record_interview(part, interviewer=None))
    clock.now = last_end + timedelta(hours=60, minutes=-1)
    drive(in_final, "make_offer")
    report = pipeline_report(engine, now=clock.now)
    rows = {r["interviewer"]: r for r in report["scorecards"]["interviewers"]}
    assert {who: r["median_hours"] for who, r in rows.items()} == {"dana": 1.0, "omar": 8.0, "lena": 27.0, "kofi": 46.0}
    assert [rows[w]["within_window"] for w in ("dana", "omar", "lena", "kofi")] == [1, 1, 0, 0]
    assert report["decisions"]["hours"] == [60.0]  # from the last end, not from the late fourth scorecard
    section = scorecards_section(report)
    assert ["lena", "1", "27h", "0 (0%)"] in [[str(c) for c in row] for row in section.rows]


# --- reopen into final ------------------------------------------------------------------------------------


def test_reopen_into_final_reopens_the_missing_scorecards_and_times_the_decision_from_the_last_end(
    in_final, drive, engine, clock
):
    last_end = _schedule_all(drive, in_final, clock.now + timedelta(days=1))
    clock.now = last_end + timedelta(hours=1)
    drive(in_final, "record_interview", payloads.record_interview(TC, interviewer=None))
    clock.now = last_end + timedelta(hours=2)
    drive(in_final, "reject")
    assert open_kinds(engine, in_final) == set()
    clock.now = last_end + timedelta(days=5)
    drive(in_final, "reopen")
    reopened = clock.now
    open_scorecards = {t.subject: t for t in timers(engine, in_final) if t.kind == "scorecard" and t.status == "open"}
    assert set(open_scorecards) == {PDD, SD, BEH}  # the filed one stays closed
    for part, t in open_scorecards.items():
        assert (t.owner_handle, t.window_start, t.due_at) == (
            INTERVIEWERS[part],
            reopened,
            reopened + timedelta(hours=24),
        )
    decision = timer(engine, in_final, "decision", "open")
    assert (decision.window_start, decision.due_at) == (reopened, reopened + timedelta(hours=48))
    assert open_kinds(engine, in_final) == {"final_loop", "scorecard", "decision"}


def test_reopen_before_the_interviews_keeps_their_times(in_final, drive, engine, clock):
    first = clock.now + timedelta(days=10)
    last_end = _schedule_all(drive, in_final, first)
    drive(in_final, "reject")
    clock.now += timedelta(days=1)
    drive(in_final, "reopen")
    sd = _scorecard_timer(engine, in_final, SD)
    assert (sd.window_start, sd.due_at) == (first + timedelta(hours=3), first + timedelta(hours=27))
    decision = timer(engine, in_final, "decision", "open")
    assert (decision.window_start, decision.due_at) == (last_end, last_end + timedelta(hours=48))


def test_reopen_without_scheduled_interviews_keeps_todays_rule(in_final, drive, engine, clock):
    for part in INTERVIEW_PARTS:
        drive(in_final, "record_interview", payloads.record_interview(part))
    drive(in_final, "reject")
    clock.now += timedelta(days=2)
    drive(in_final, "reopen")
    assert open_kinds(engine, in_final) == {"decision"}
    decision = timer(engine, in_final, "decision", "open")
    assert (decision.window_start, decision.due_at) == (clock.now, clock.now + timedelta(hours=48))


def test_the_reports_scorecard_window_is_the_policys(in_final, drive, engine, clock, open_requisition):
    from hiring.reports.metrics import pipeline_report

    first = clock.now + timedelta(hours=1)
    _schedule_all(drive, in_final, first)
    clock.now = first + timedelta(hours=14, minutes=-1)  # technical_calibration ended 13h before
    drive(in_final, "record_interview", payloads.record_interview(TC, interviewer=None))
    default = pipeline_report(engine, now=clock.now)["scorecards"]
    assert (default["window_hours"], default["interviewers"][0]["within_window"]) == (24.0, 1)
    tight = Policy.model_validate({"requisitions": {str(open_requisition): {"durations": {"scorecard": "12h"}}}})
    shown = pipeline_report(engine, now=clock.now, policy=tight)["scorecards"]
    assert (shown["window_hours"], shown["interviewers"][0]["within_window"]) == (24.0, 0)  # the global one stays
    globally = pipeline_report(engine, now=clock.now, policy=Policy.model_validate({"durations": {"scorecard": "12h"}}))
    assert (globally["scorecards"]["window_hours"], globally["scorecards"]["interviewers"][0]["within_window"]) == (
        12.0,
        0,
    )


def test_the_reports_decision_window_is_the_policys(in_final, drive, engine, clock, open_requisition):
    from hiring.reports.metrics import pipeline_report

    first = clock.now + timedelta(hours=1)
    last_end = _schedule_all(drive, in_final, first)
    clock.now = last_end + timedelta(hours=1)
    for part in INTERVIEW_PARTS:
        drive(in_final, "record_interview", payloads.record_interview(part, interviewer=None))
    clock.now = last_end + timedelta(hours=30)  # past a 24h window, inside the default 48h one
    waiting = pipeline_report(engine, now=clock.now)["decisions"]
    assert (waiting["window_hours"], waiting["pending"][0]["over_window"]) == (48.0, False)
    tight = Policy.model_validate({"requisitions": {str(open_requisition): {"durations": {"decision": "24h"}}}})
    shown = pipeline_report(engine, now=clock.now, policy=tight)["decisions"]
    assert (shown["window_hours"], shown["window_hours_by_requisition"]) == (48.0, {open_requisition: 24.0})
    assert shown["pending"][0]["over_window"] is True
    drive(in_final, "reject")
    decided = pipeline_report(engine, now=clock.now, policy=tight)["decisions"]
    assert ([round(h) for h in decided["hours"]], decided["within_window"]) == ([30], 0)
    assert pipeline_report(engine, now=clock.now)["decisions"]["within_window"] == 1
