"""The rule tables of states/: the transition rows' effects, the timer table against what `plan` does for
every trigger from every reachable state (so the README's "opens on / closes on" cannot drift from the
behaviour), the ladder arithmetic and the typed escalation message. No database."""

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest

from models.messages import EscalationMessage, NextEscalation
from states import graph, ladder
from states.calendar import Calendar
from states.candidate import apply
from states.errors import EventRefused
from states.facts import CandidateState, PolicyInEffect
from states.policy import DEFAULT_POLICY, Level, Role
from states.sla import Scope, plan
from states.stages import Stage
from states.timers import TIMERS, TimerKind, stage_timers
from tests.support import payloads
from tests.support.instants import T0

AT = T0
SCOPE = Scope(policy=DEFAULT_POLICY)


def test_hold_rules_and_cancelling_come_from_the_rows():
    assert graph.allowed_on_hold() == {"resume", "reject", "withdraw", "depart"}
    assert graph.cancelling() == {"reject", "withdraw", "depart"}
    for row in graph.TRANSITIONS:  # every row of a trigger agrees on how a hold treats it
        assert row.get("hold", graph.Hold.WAITS) == graph.hold_rule(row["trigger"])


def test_rows_of_one_trigger_agree_on_their_timer_effect():
    by_trigger = defaultdict(set)
    for row in graph.TRANSITIONS:
        by_trigger[row["trigger"]].add(row.get("timers", graph.NO_TIMER_EFFECT))
    assert all(len(effects) == 1 for effects in by_trigger.values())


def test_the_machine_gets_its_own_keys_only():
    assert all(set(row) == {"trigger", "source", "dest", "conditions"} for row in graph.MACHINE_ROWS)


def _approvals(state: CandidateState) -> list[tuple[str, dict]]:
    """Approving or rejecting the pending step of the offer's chain, as its approver."""
    step, chain = state.offer.pending, state.offer
    if step is None:
        return []
    who = chain.steps[step - 1].approver
    return [
        ("approve_offer", payloads.approve(step, chain.revision, who)),
        ("reject_offer_approval", payloads.reject_approval(step, chain.revision, who)),
    ]


def _events(state: CandidateState) -> list[tuple[str, dict]]:
    out = _approvals(state)
    if state.stage is Stage.FINAL:  # an out-of-band offer, with the chain the application records
        out.append(("make_offer", payloads.offer_with_chain()))
    if state.stage is Stage.OFFER and not state.on_hold and state.offer.revision < 3:  # out of the band again
        out.append(("revise_offer", payloads.offer_with_chain(170_000)))
    for trigger in graph.triggers_from(state.stage, state.on_hold):
        if trigger in ("approve_offer", "reject_offer_approval"):
            continue
        every_part = trigger in ("record_interview", "schedule_interview")
        parts = payloads.INTERVIEW_PARTS if every_part else ("technical_calibration",)
        out += [(trigger, payloads.valid(trigger, state.stage, AT, part)) for part in parts]
        if trigger == "complete_checkpoint" and state.stage is Stage.ONBOARDING_30:  # day 30 with an access gap
            out.append((trigger, payloads.checkpoint(state.stage, missing=payloads.GAP)))
    return out


def _reachable_applications():
    """Every event that applies from every state reachable from a new candidate (all at one instant)."""
    start = payloads.start(AT)
    seen, todo, applied = {start}, [start], []
    while todo:
        state = todo.pop()
        for trigger, payload in _events(state):
            try:
                result = apply(state, trigger, payload, AT, payloads.BAND)
            except EventRefused:
                continue
            applied.append(result)
            if result.after not in seen:
                seen.add(result.after)
                todo.append(result.after)
    return applied


APPLIED = _reachable_applications()
ALIASES = {
    "record_interview": lambda src: "fourth interview part recorded",
    "complete_checkpoint": lambda src: f"checkpoint {src.value[-2:]} completed",
}


def _observed() -> tuple[dict, dict]:
    """kind -> the (trigger, source, dest, moved) that open it / that close or cancel it, per plan()."""
    opened, closed = defaultdict(set), defaultdict(set)
    for a in APPLIED:
        p = plan(a, SCOPE)
        for kind in (*p.restart, *(o.kind for o in p.open)):
            opened[kind].add((a.trigger, a.source, a.dest, a.moved))
        for kind in (*p.close, *p.cancel, *(stage_timers(a.source) if p.cancel_all else ())):
            closed[kind].add((a.trigger, a.source, a.dest, a.moved))
    return opened, closed


def _names(prose: str, trigger: str, src: Stage, dst: Stage, moved: bool) -> bool:
    """Whether `prose` describes this event: it names the trigger (or what it means, e.g. "fourth interview part
    recorded"), or says "entering <dest>" / "leaving <source>" and the event moves."""
    alias = ALIASES.get(trigger)
    return bool(
        (moved and (f"entering {dst.value}" in prose or f"leaving {src.value}" in prose))
        or re.search(rf"\b{trigger}\b", prose)
        or (alias and alias(src) in prose)
    )


@pytest.mark.parametrize("kind", list(TimerKind))
def test_the_timer_table_says_what_plan_does(kind: TimerKind):
    spec, (opened, closed) = TIMERS[kind], _observed()
    assert opened[kind] and closed[kind], f"{kind}: never opened or never closed"
    for trigger, src, dst, moved in opened[kind]:
        assert _names(spec.opens_on, trigger, src, dst, moved), f"{kind} opens on {trigger} from {src}"
    for trigger, src, dst, moved in closed[kind]:
        assert _names(spec.closes_on, trigger, src, dst, moved), f"{kind} closes on {trigger} from {src}"
    # ...and everything the prose names does open or close it
    for column, seen, word, at in (
        (spec.opens_on, opened[kind], "entering", 2),
        (spec.closes_on, closed[kind], "leaving", 1),
    ):
        for trigger in graph.TRIGGERS:
            if re.search(rf"\b{trigger}\b", column):
                assert any(t == trigger for t, *_ in seen), f"{kind}: {trigger} is named but does nothing"
        for stage in re.findall(rf"{word} (\w+)", column):
            assert any(o[at] == Stage(stage) and o[3] for o in seen), f"{kind}: {word} {stage} does nothing"


def test_each_stage_opens_one_timer_on_entry_whatever_the_state():
    parts = ((), payloads.INTERVIEW_PARTS)
    states = [
        CandidateState(take_home_submitted=s, technical_screen_done=t, interview_parts=frozenset(p), start_date=d)
        for s in (False, True)
        for t in (False, True)
        for p in parts
        for d in (None, date(2026, 6, 1))
    ]
    policies = [PolicyInEffect(technical_screen_required=r) for r in (True, False)]
    for stage in Stage:
        opened = {
            tuple(k for k in stage_timers(stage) if TIMERS[k].opens_on_entry(s, e)) for s in states for e in policies
        }
        assert all(len(kinds) == (1 if stage_timers(stage) else 0) for kinds in opened), stage


# --- the ladder ---------------------------------------------------------------------------------------

CAL = Calendar()
LADDER = DEFAULT_POLICY.ladder
STEPS = ladder.schedule(AT, AT + timedelta(days=4), LADDER, CAL)


def test_schedule_and_the_levels_due():
    assert [lv for lv, _ in STEPS] == list(Level)
    assert STEPS[0][1] == AT + timedelta(days=3)  # 75% of the window
    assert ladder.due_now(STEPS, "reminder", AT) == []
    assert ladder.due_now(STEPS, "reminder", AT + timedelta(days=4)) == STEPS[:2]
    assert ladder.due_now(STEPS, "level_2", AT + timedelta(days=30)) == STEPS[2:]
    assert ladder.due_now(STEPS, None, AT + timedelta(days=30)) == []  # all fired


def test_following_and_previous_levels():
    assert ladder.following(STEPS) == ("reminder", STEPS[0][1])
    assert ladder.following(STEPS, "level_1") == ("level_2", STEPS[2][1])
    assert ladder.following(STEPS, "level_3") == (None, None)
    assert [ladder.previous(x) for x in ("reminder", "level_2", None)] == [None, "level_1", "level_3"]


def test_audiences_and_the_next_step():
    owner = Role.RECRUITER
    assert [ladder.audience(lv, owner, LADDER) for lv in Level] == [
        Role.RECRUITER,
        Role.RECRUITER,
        Role.HIRING_MANAGER,
        Role.HEAD_OF_TALENT,
    ]
    nxt = ladder.next_step(Level.LEVEL_1, owner, LADDER, STEPS)
    assert nxt == ladder.Step(Level.LEVEL_2, Role.HIRING_MANAGER, STEPS[2][1])
    assert ladder.next_step(Level.LEVEL_3, owner, LADDER, STEPS) is None


def test_recipients_and_channels():
    assert ladder.recipient(Role.HIRING_MANAGER, "rita", "hugo", "ava") == "hugo"
    assert ladder.recipient(Role.HEAD_OF_TALENT, "rita", "hugo", None) is None
    assert ladder.pick_channels(["slack", "email"], frozenset({"slack", "email"}), ["email"]) == ["email"]
    assert ladder.pick_channels(["slack", "email"], frozenset({"slack"}), ["email"]) == ["slack"]
    assert ladder.pick_channels(["email"], frozenset({"console"})) == ["console"]


# --- the typed message --------------------------------------------------------------------------------

KEYS = [
    "candidate_id",
    "requisition_id",
    "requisition_title",
    "stage",
    "timer",
    "level",
    "audience_role",
    "recipient",
    "owner_role",
    "due_at",
    "scheduled_at",
    "fired_at",
    "overdue_seconds",
    "overdue_human",
    "due_in_human",
    "action",
    "next_escalation",
    "interview_part",
    "interview_at",
    "interviewer",
    "kit_command",
    "missing_scorecards",
    "motivators",
    "priorities",
    "priorities_inferred",
    "candidates_evaluate",
    "first_year_outcomes",
]  # the outbox payload's keys, as stored rows have them (interview_part..missing_scorecards since scheduled
# interviews, motivators..first_year_outcomes since the closing brief)


def test_the_message_serialises_to_the_stored_keys_and_back():
    nxt = NextEscalation(level="level_2", role="hiring_manager", recipient="hugo", at=AT.isoformat())
    msg = EscalationMessage(
        candidate_id=1, requisition_id=2, timer="decision", level="level_1", overdue_seconds=0.0, next_escalation=nxt
    )
    payload = msg.as_payload()
    assert list(payload) == KEYS
    assert list(payload["next_escalation"]) == ["level", "role", "recipient", "at"]
    assert EscalationMessage.from_payload(payload) == msg


def test_a_stored_row_that_does_not_fit_is_read_as_it_is():
    odd = EscalationMessage.from_payload(
        {"candidate_id": "not a number", "candidate_name": "Jane", "next_escalation": {"level": "level_3"}}
    )
    assert odd.candidate_id == "not a number" and odd.candidate_name == "Jane"  # type: ignore[attr-defined]
    assert odd.next_escalation is not None and odd.next_escalation.level == "level_3"
