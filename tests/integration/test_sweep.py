"""The escalation ladder: each level fires once, ever, at its time, to its audience, with outbox rows."""

import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from hiring.sla import sweep
from models.db import make_engine
from models.tables import Escalation, Outbox
from states.policy import Policy, parse_policy
from tests.support.sla import escalations, levels, outbox, timer

POLICY = Policy(head_of_talent="tess")


def test_reminder_at_75_percent_of_the_window_to_the_owner(candidate, engine, T0):
    candidate()  # screen_decision: due T0 + 5d, reminder at T0 + 3.75d
    assert sweep(engine, T0 + timedelta(days=3.7), POLICY) == []
    [fired] = sweep(engine, T0 + timedelta(days=3, hours=18), POLICY)
    assert (fired.timer, fired.level, fired.audience_role, fired.recipient) == (
        "screen_decision",
        "reminder",
        "recruiter",
        "rita",
    )
    assert fired.lateness == timedelta(0)


def test_each_level_at_its_time_to_its_audience(candidate, engine, T0):
    cid = candidate()
    due = T0 + timedelta(days=5)
    steps = [
        (due - timedelta(hours=1), "reminder", "recruiter", "rita"),
        (due, "level_1", "recruiter", "rita"),
        (due + timedelta(hours=24), "level_2", "hiring_manager", "hugo"),
        (due + timedelta(hours=72), "level_3", "head_of_talent", "tess"),
    ]
    for at, level, role, who in steps:
        fired = sweep(engine, at, POLICY)
        assert [(f.level, f.audience_role, f.recipient) for f in fired] == [(level, role, who)], at
    assert sweep(engine, due + timedelta(days=30), POLICY) == []
    t = timer(engine, cid, "screen_decision", "open")
    assert t.next_level is None and t.next_fire_at is None


def test_hiring_manager_timer_escalates_to_head_of_talent_at_level_2(candidate, drive, engine, clock):
    cid = candidate()
    drive.to(cid, "final")
    for part in ("technical_calibration", "project_deep_dive", "system_design", "behavioral"):
        drive(
            cid,
            "record_interview",
            {"part": part, "interviewer": "dana", "score": 3, "recommendation": "yes", "notes": "ok"},
        )
    decision = timer(engine, cid, "decision", "open")
    fired = sweep(engine, decision.due_at + timedelta(hours=24), POLICY)
    mine = [(f.timer, f.level, f.recipient) for f in fired if f.candidate_id == cid and f.timer == "decision"]
    assert mine == [("decision", "reminder", "hugo"), ("decision", "level_1", "hugo"), ("decision", "level_2", "tess")]


def test_levels_that_came_due_while_nothing_ran_each_fire_once_with_their_lateness(candidate, engine, T0):
    cid = candidate()
    due = T0 + timedelta(days=5)
    late_sweep = due + timedelta(days=10)
    fired = sweep(engine, late_sweep, POLICY)
    assert [f.level for f in fired] == ["reminder", "level_1", "level_2", "level_3"]
    assert [f.lateness for f in fired] == [
        late_sweep - (T0 + timedelta(days=3.75)),
        late_sweep - due,
        late_sweep - due - timedelta(hours=24),
        late_sweep - due - timedelta(hours=72),
    ]
    stored = {e.level: e.lateness_seconds for e in escalations(engine, cid)}
    assert stored == {f.level: f.lateness.total_seconds() for f in fired}


def test_a_second_sweep_fires_nothing_and_writes_nothing(candidate, engine, T0):
    for _ in range(3):
        candidate()
    at = T0 + timedelta(days=6, hours=12)  # reminder, level 1 and level 2 are due; level 3 is not
    first = sweep(engine, at, POLICY)
    assert len(first) == 3 * 3
    rows = len(outbox(engine))
    assert sweep(engine, at, POLICY) == []
    assert sweep(engine, at + timedelta(minutes=5), POLICY) == []
    assert len(outbox(engine)) == rows == len(first)


def test_outbox_rows_follow_routing_and_configured_channels(candidate, engine, T0):
    candidate()
    due = T0 + timedelta(days=5)
    sweep(engine, due, POLICY, channels=frozenset({"console", "slack", "email"}))
    sweep(engine, due + timedelta(hours=24), POLICY, channels=frozenset({"console", "slack", "email"}))
    sweep(engine, due + timedelta(hours=72), POLICY, channels=frozenset({"console"}))
    by_level = {}
    for row in outbox(engine):
        by_level.setdefault(row.payload["level"], []).append((row.channel, row.recipient))
    assert by_level == {
        "reminder": [("slack", "rita")],
        "level_1": [("slack", "rita")],
        "level_2": [("slack", "hugo"), ("email", "hugo")],
        "level_3": [("console", "tess")],  # nothing routed is configured: the console still gets it
    }


def test_outbox_message_says_who_what_how_late_and_who_is_next(candidate, drive, engine):
    cid = candidate()
    drive.to(cid, "final")
    for part in ("technical_calibration", "project_deep_dive", "system_design", "behavioral"):
        drive(
            cid,
            "record_interview",
            {"part": part, "interviewer": "dana", "score": 3, "recommendation": "yes", "notes": "ok"},
        )
    due = timer(engine, cid, "decision", "open").due_at
    sweep(engine, due + timedelta(hours=5), POLICY)
    [message] = [
        r.payload for r in outbox(engine) if r.payload["timer"] == "decision" and r.payload["level"] == "level_1"
    ]
    assert message["candidate_id"] == cid and message["stage"] == "final"
    assert message["overdue_human"] == "5h"
    assert "hire/no-hire" in message["action"]
    assert message["next_escalation"]["level"] == "level_2"
    assert message["next_escalation"]["recipient"] == "tess"


def test_cancelled_timer_never_fires_its_remaining_levels(candidate, drive, engine, T0):
    cid = candidate()
    sweep(engine, T0 + timedelta(days=5), POLICY)  # reminder and level 1
    drive(cid, "reject")
    assert sweep(engine, T0 + timedelta(days=30), POLICY) == []
    assert levels(engine, cid) == [("screen_decision", "reminder"), ("screen_decision", "level_1")]


def test_paused_timer_does_not_fire_until_resumed(candidate, drive, engine, clock, T0):
    cid = candidate()
    drive(cid, "hold")
    assert sweep(engine, T0 + timedelta(days=20), POLICY) == []
    clock.tick(days=10)
    drive(cid, "resume")
    # due moved from T0+5d by ~10 days; its reminder is 75% into the shifted window
    t = timer(engine, cid, "screen_decision", "open")
    assert sweep(engine, t.next_fire_at - timedelta(minutes=1), POLICY) == []
    assert [f.level for f in sweep(engine, t.due_at, POLICY)] == ["reminder", "level_1"]


def test_policy_overrides_per_role_profile_and_requisition(engine, candidate, T0, open_requisition):
    policy = parse_policy(
        {
            "head_of_talent": "tess",
            "durations": {"screen_decision": "2d"},
            "role_profiles": {"applied_ai_engineer": {"durations": {"screen_decision": "3d"}}},
            "requisitions": {str(open_requisition): {"ladder": {"level_2_after": "6h"}}},
        }
    )
    candidate()
    # the candidate was added with the default policy (5d); the override applies to timers it opens
    from hiring.service import add_candidates
    from states.intake import NewCandidate

    [cid] = add_candidates(
        engine,
        [NewCandidate(name="Pat", email="pat@example.com", requisition_id=open_requisition, source="inbound")],
        actor="t",
        now=T0,
        policy=policy,
    )
    t = timer(engine, cid, "screen_decision", "open")
    assert t.due_at == T0 + timedelta(days=3)
    fired = [f for f in sweep(engine, t.due_at + timedelta(hours=6), policy) if f.candidate_id == cid]
    assert [f.level for f in fired] == ["reminder", "level_1", "level_2"]


def _sweep_in_process(url: str, at_iso: str, barrier) -> int:  # type: ignore[no-untyped-def]
    from datetime import datetime

    engine = make_engine(url)
    barrier.wait()
    return len(sweep(engine, datetime.fromisoformat(at_iso), POLICY, batch_size=50))


def test_concurrent_sweepers_fire_each_level_exactly_once(engine, db_url, candidate, T0):
    from hiring.service import add_candidates
    from states.intake import NewCandidate
    from tests.support.payloads import new_candidate

    req = timer(engine, candidate(), "screen_decision").requisition_id
    add_candidates(
        engine, [NewCandidate.model_validate(new_candidate(req, n)) for n in range(2, 301)], actor="t", now=T0
    )
    at = (T0 + timedelta(days=30)).isoformat()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(3)
        with ctx.Pool(3) as pool:
            counts = pool.starmap(_sweep_in_process, [(db_url, at, barrier)] * 3)
    assert sum(counts) == 300 * 4
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Escalation)).scalar() == 300 * 4
        dupes = session.execute(
            select(Escalation.timer_id, Escalation.level)
            .group_by(Escalation.timer_id, Escalation.level)
            .having(func.count() > 1)
        ).all()
        assert dupes == []
        per_escalation = session.execute(
            select(Outbox.escalation_id, func.count()).group_by(Outbox.escalation_id)
        ).all()
    assert len(per_escalation) == 300 * 4
    assert {n for _, n in per_escalation} == {1}


@pytest.mark.parametrize("batch_size", [1, 7, 500])
def test_batches_do_not_change_what_fires(candidate, engine, T0, batch_size):
    for _ in range(10):
        candidate()
    fired = sweep(engine, T0 + timedelta(days=5), POLICY, batch_size=batch_size)
    assert len(fired) == 20
    assert len({(f.timer_id, f.level) for f in fired}) == 20


def test_routing_per_audience_role_and_preferred_channels(candidate, engine, T0):
    from hiring.people import add_person, parse_person
    from hiring.service import add_candidates
    from states.intake import NewCandidate

    policy = parse_policy(
        {
            "head_of_talent": "tess",
            "routing": {
                "level_2": {"hiring_manager": ["email"], "head_of_talent": ["slack"]},
                "level_3": ["slack", "email"],
            },
        }
    )
    add_person(
        engine,
        parse_person(
            {
                "handle": "tess",
                "name": "Tess T",
                "role": "head_of_talent",
                "email": "tess@example.com",
                "channels": ["email"],
            }
        ),
    )
    req = timer(engine, candidate(), "screen_decision").requisition_id
    [cid] = add_candidates(
        engine,
        [NewCandidate(name="Ira", email="ira@example.com", requisition_id=req, source="inbound")],
        actor="t",
        now=T0,
        policy=policy,
    )
    everything = frozenset({"console", "slack", "email"})
    sweep(engine, T0 + timedelta(days=5, hours=72), policy, channels=everything)
    mine = {(r.payload["level"], r.recipient, r.channel) for r in outbox(engine) if r.candidate_id == cid}
    assert ("level_2", "hugo", "email") in mine and ("level_2", "hugo", "slack") not in mine  # per audience
    assert ("level_3", "tess", "email") in mine and ("level_3", "tess", "slack") not in mine  # her preference
    assert ("level_1", "rita", "slack") in mine  # a level routed as a plain list


def test_routing_rejects_unknown_channels_per_audience():
    with pytest.raises(Exception, match=r"level_2.hiring_manager: unknown channel"):
        parse_policy({"routing": {"level_2": {"hiring_manager": ["pager"]}}})
