"""The stage graph as one table, and the one shared `transitions` machine that enforces it.

Read TRANSITIONS like pytransitions' README: each row is {trigger, source, dest, conditions}.
`dest: None` means the trigger records something inside the stage. Each row also carries what the
trigger does besides moving:
  sets    the facts it changes: (state before, payload) -> {field: value}
  timers  what it does to the candidate's timers (states.sla.plan reads it); a move also closes the
          timers of the stage left and opens those of the stage entered (states/timers.py)
  hold    how a hold treats it: WAITS (refused on hold, the default), ALLOWED (on hold too), ONLY (resume)
The README's diagram and trigger table are generated from this table (`hiring docs`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from transitions import Machine

from states import approvals, guards, interviews
from states.facts import CandidateState, Proposed
from states.payloads import Payload
from states.stages import ACTIVE, AFTER_DAY_30, BEFORE_ACCEPTANCE, ONBOARDING, REOPENABLE, Stage
from states.timers import TimerKind


class Hold(StrEnum):
    WAITS = "waits"  # refused while the candidate is on hold; applies after `resume`
    ALLOWED = "allowed"  # applies on hold too
    ONLY = "only"  # applies only while on hold


@dataclass(frozen=True)
class TimerEffect:
    """What a trigger does to the candidate's open timers, besides the stage timers a move closes and opens."""

    close: tuple[TimerKind, ...] = ()  # closed as met or breached
    open: tuple[TimerKind, ...] = ()  # opened with their policy duration, when their opens_on_entry holds
    close_when: Callable[[CandidateState], bool] | None = None  # `close` only when this holds after the event
    restart: tuple[TimerKind, ...] = ()  # closed as superseded and opened again
    due_from_payload: bool = False  # the timer the move opens is due at the payload's due_at
    per_interview: bool = False  # the event changes one scheduled interview: states.sla.interview_plan
    chain: bool = False  # the event changes the offer or its approval chain: states.sla.approval_plan
    cancel_all: bool = False  # the process ends: every open timer and unfired escalation is cancelled
    pause_all: bool = False
    resume_all: bool = False


def _part(state: CandidateState, payload: Any) -> dict[str, Any]:
    return {"interview_parts": state.interview_parts | {payload.part.value}}


def _access_gap(state: CandidateState, payload: Any) -> dict[str, Any]:
    """Day 30 records which access items are still missing; later checkpoints leave them as they are."""
    if state.stage is not Stage.ONBOARDING_30:
        return {}
    return {"access_missing": frozenset(item for item, granted in payload.access.items() if not granted)}


def _no_gap_left(state: CandidateState) -> bool:
    return not state.access_missing


def _decide(state: CandidateState, payload: Any) -> dict[str, Any]:
    if payload.decision == "hire":
        return {"hire_decided": True}
    return {"returns_to": state.stage, "hire_decided": False}  # a no_hire after a hire: nothing to prepare


S, K = Stage, TimerKind
CANCEL = TimerEffect(cancel_all=True)
DECIDE = TimerEffect(close=(K.DECISION,), open=(K.OFFER_PREPARATION,))  # a no_hire leaves final: it closes all
INTERVIEW = TimerEffect(per_interview=True)
CHECKPOINT = TimerEffect(open=(K.ACCESS_GAP,))  # opened only when day 30 leaves an access item missing
CHAIN = TimerEffect(chain=True)

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "screen", "source": S.SOURCED, "dest": S.SCREENED, "conditions": [guards.meets_screen_bar]},
    # Recorded again, the latest screen counts; the take-home clock it opened keeps running.
    {"trigger": "technical_screen", "source": S.SCREENED, "dest": None,
     "sets": lambda s, p: {"technical_screen_done": True},
     "timers": TimerEffect(close=(K.TECHNICAL_SCREEN,), open=(K.TAKE_HOME_SENT,))},
    {"trigger": "send_take_home", "source": S.SCREENED, "dest": S.TAKE_HOME,
     "conditions": [guards.technical_screen_recorded, guards.due_after_event, guards.take_home_within_guide,
                    guards.take_home_for_the_profile],
     "sets": lambda s, p: {"take_home_submitted": False}, "timers": TimerEffect(due_from_payload=True)},
    {"trigger": "submit_take_home", "source": S.TAKE_HOME, "dest": None,
     "sets": lambda s, p: {"take_home_submitted": True},
     "timers": TimerEffect(close=(K.TAKE_HOME_SUBMISSION,), open=(K.TAKE_HOME_REVIEW,))},
    {"trigger": "score_take_home", "source": S.TAKE_HOME, "dest": S.DEBRIEF,
     "conditions": [guards.take_home_submitted]},
    {"trigger": "advance_to_final", "source": S.DEBRIEF, "dest": S.FINAL,
     "sets": lambda s, p: {"interview_parts": frozenset(), "interviews": {}}},
    {"trigger": "schedule_interview", "source": S.FINAL, "dest": None, "sets": interviews.schedule,
     "conditions": [guards.part_not_scheduled, guards.scorecard_not_filed, guards.motivators_known],
     "timers": INTERVIEW},
    {"trigger": "reschedule_interview", "source": S.FINAL, "dest": None, "sets": interviews.reschedule,
     "conditions": [guards.part_scheduled, guards.scorecard_not_filed], "timers": INTERVIEW},
    {"trigger": "cancel_interview", "source": S.FINAL, "dest": None, "sets": interviews.cancel,
     "conditions": [guards.part_scheduled, guards.scorecard_not_filed], "timers": INTERVIEW},
    {"trigger": "record_interview", "source": S.FINAL, "dest": None, "sets": _part,
     "conditions": [guards.scorecard_fits_schedule, guards.motivators_known], "timers": INTERVIEW},
    # The hire decision: no_hire rejects (reopen returns to final), hire stays while the offer is prepared.
    {"trigger": "decide", "source": S.FINAL, "dest": S.REJECTED, "sets": _decide, "timers": DECIDE,
     "conditions": [guards.all_interview_parts_recorded, guards.decides("no_hire")]},
    {"trigger": "decide", "source": S.FINAL, "dest": None, "sets": _decide, "timers": DECIDE,
     "conditions": [guards.all_interview_parts_recorded, guards.decides("hire"), guards.not_decided]},
    # The offer waits for its approval chain (states/approvals.py) inside `offer`; it is extended when complete.
    {"trigger": "make_offer", "source": S.FINAL, "dest": S.OFFER, "sets": approvals.start,
     "conditions": [guards.all_interview_parts_recorded]},
    {"trigger": "revise_offer", "source": S.OFFER, "dest": None, "sets": approvals.revise,
     "conditions": [approvals.revision_restarts_a_stopped_chain], "timers": CHAIN},
    {"trigger": "approve_offer", "source": S.OFFER, "dest": None, "sets": approvals.approve,
     "conditions": [approvals.approval_fits], "timers": CHAIN},
    {"trigger": "reject_offer_approval", "source": S.OFFER, "dest": None, "sets": approvals.reject,
     "conditions": [approvals.approval_fits], "timers": CHAIN},
    {"trigger": "accept_offer", "source": S.OFFER, "dest": S.ONBOARDING_30,
     "sets": lambda s, p: {"start_date": p.start_date}},
    {"trigger": "decline_offer", "source": S.OFFER, "dest": S.DECLINED},
    # Not before its day less the early window; day 30 with an access item still false opens access_gap.
    *(
        {"trigger": "complete_checkpoint", "source": source, "dest": dest, "conditions": [guards.checkpoint_due],
         "sets": _access_gap, "timers": CHECKPOINT}
        for source, dest in ((S.ONBOARDING_30, S.ONBOARDING_60), (S.ONBOARDING_60, S.ONBOARDING_90),
                             (S.ONBOARDING_90, S.ONBOARDED))
    ),
    {"trigger": "access_granted", "source": list(AFTER_DAY_30), "dest": None,
     "conditions": [guards.access_was_missing],
     "sets": lambda s, p: {"access_missing": s.access_missing - set(p.items)},
     "timers": TimerEffect(close=(K.ACCESS_GAP,), close_when=_no_gap_left)},
    # Each check-in closes its timer and opens the next one (if the policy lists another day).
    {"trigger": "retention_checkin", "source": S.ONBOARDED, "dest": None, "conditions": [guards.checkin_scheduled],
     "sets": lambda s, p: {"retention_checkins": s.retention_checkins + 1},
     "timers": TimerEffect(close=(K.RETENTION_CHECKIN,), open=(K.RETENTION_CHECKIN,))},
    {"trigger": "reject", "source": list(BEFORE_ACCEPTANCE), "dest": S.REJECTED,
     "sets": lambda s, p: {"returns_to": s.stage}, "timers": CANCEL, "hold": Hold.ALLOWED},
    {"trigger": "withdraw", "source": list(BEFORE_ACCEPTANCE), "dest": S.WITHDRAWN,
     "sets": lambda s, p: {"returns_to": s.stage}, "timers": CANCEL, "hold": Hold.ALLOWED},
    {"trigger": "depart", "source": [*ONBOARDING, S.ONBOARDED], "dest": S.DEPARTED, "timers": CANCEL,
     "hold": Hold.ALLOWED},
    {"trigger": "hold", "source": list(ACTIVE), "dest": None, "conditions": [guards.not_on_hold],
     "sets": lambda s, p: {"on_hold": True}, "timers": TimerEffect(pause_all=True)},
    {"trigger": "resume", "source": list(ACTIVE), "dest": None, "conditions": [guards.on_hold],
     "sets": lambda s, p: {"on_hold": False}, "timers": TimerEffect(resume_all=True), "hold": Hold.ONLY},
    # reopen returns to the stage the candidate left: one row per possible stage, the guard picks it.
    *(
        {"trigger": "reopen", "source": list(REOPENABLE), "dest": stage,
         "conditions": [guards.returns_to(stage)], "sets": lambda s, p: {"returns_to": None, "hire_decided": False}}
        for stage in BEFORE_ACCEPTANCE
    ),
]  # fmt: skip

TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(row["trigger"] for row in TRANSITIONS))
NO_TIMER_EFFECT = TimerEffect()


def _sources(row: dict[str, Any]) -> list[Stage]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


# (trigger, source) -> its first row: reopen's rows differ only in their guard and destination.
_ROWS: dict[tuple[str, Stage], dict[str, Any]] = {}
for _row in TRANSITIONS:
    for _source in _sources(_row):
        _ROWS.setdefault((_row["trigger"], _source), _row)


def row_for(trigger: str, source: Stage) -> dict[str, Any]:
    """The row of `trigger` leaving `source`."""
    return _ROWS[(trigger, source)]


def sets(trigger: str, source: Stage) -> Callable[[CandidateState, Payload], dict[str, Any]]:
    change: Callable[[CandidateState, Payload], dict[str, Any]] = row_for(trigger, source).get("sets", lambda s, p: {})
    return change


def timer_effect(trigger: str, source: Stage) -> TimerEffect:
    effect: TimerEffect = row_for(trigger, source).get("timers", NO_TIMER_EFFECT)
    return effect


# A trigger's rows agree on how a hold treats it (tests/unit/test_rule_tables.py checks it).
_HOLD: dict[str, Hold] = {row["trigger"]: row.get("hold", Hold.WAITS) for row in TRANSITIONS}


def hold_rule(trigger: str) -> Hold:
    return _HOLD[trigger]


def allowed_on_hold() -> frozenset[str]:
    """The triggers that apply while a candidate is on hold."""
    return frozenset(t for t in TRIGGERS if hold_rule(t) != Hold.WAITS)


def cancelling() -> frozenset[str]:
    """The triggers that end the process: they cancel every open timer."""
    return frozenset(row["trigger"] for row in TRANSITIONS if row.get("timers", NO_TIMER_EFFECT).cancel_all)


# The one machine for every candidate. Models are never attached to it (add_model is quadratic);
# triggers are fired on a throw-away subject with `machine.events[trigger].trigger(subject)`.
def _plain(value: object) -> object:
    """transitions keys Enum states by member name; we key them by value, the names users type."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return None if value is None else str(value)


# The rows as pytransitions takes them: its own keys only, states by value.
MACHINE_ROWS: list[dict[str, Any]] = [
    {
        "trigger": row["trigger"],
        "source": _plain(row["source"]),
        "dest": _plain(row["dest"]),
        "conditions": row.get("conditions", []),
    }
    for row in TRANSITIONS
]

MACHINE = Machine(
    model=None,
    states=[stage.value for stage in Stage],
    initial=None,
    transitions=MACHINE_ROWS,
    auto_transitions=False,
    send_event=True,
)


def triggers_from(stage: Stage, on_hold: bool = False) -> list[str]:
    """Triggers with a row leaving `stage`, in table order (the hold rules applied, the guards not)."""
    names = [t for t in TRIGGERS if stage.value in MACHINE.events[t].transitions]
    if on_hold:
        return [t for t in names if hold_rule(t) != Hold.WAITS]
    return [t for t in names if hold_rule(t) != Hold.ONLY]


def refusals(state: CandidateState, proposed: Proposed) -> list[str]:
    """The reasons the guards of a refused trigger gave, for the error message."""
    reasons: list[str] = []
    for transition in MACHINE.events[proposed.trigger].transitions[state.stage.value]:
        for condition in transition.conditions:
            guard = condition.func
            if isinstance(guard, guards.Guard) and not guard.test(state, proposed):
                reason = guard.explain(state, proposed)
                if reason and reason not in reasons:  # a guard that only picks a row explains nothing
                    reasons.append(reason)
    return reasons
