"""Which SLA timers an event opens, closes, restarts, cancels, pauses or resumes. Pure: the application
turns this plan into rows. What a trigger does is on its row of states.graph.TRANSITIONS; which timers a
stage has, and their defaults, are in the timer table (states/timers.py)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from states import graph
from states.facts import Applied, CandidateState
from states.policy import Policy
from states.stages import Stage
from states.timers import TIMERS, TimerKind, stage_timers
from states.timers import opening_on_entry as kinds_opening

CHECKPOINT_START = time(9, 0)  # onboarding checkpoints fall due at 09:00 on the day, policy time zone


@dataclass(frozen=True)
class Opening:
    kind: TimerKind
    due_at: datetime


@dataclass(frozen=True)
class TimerPlan:
    close: tuple[TimerKind, ...] = ()  # closed as met or breached
    restart: tuple[TimerKind, ...] = ()  # closed as superseded, and opened again below
    open: tuple[Opening, ...] = ()  # opened unless one of the kind is already open
    cancel_all: bool = False
    pause_all: bool = False
    resume_all: bool = False


@dataclass(frozen=True)
class Scope:
    """What policy overrides depend on."""

    role_profile: str | None = None
    requisition_id: int | None = None
    policy: Policy = field(default_factory=Policy)


def _due(kind: TimerKind, start: datetime, scope: Scope) -> datetime:
    duration = scope.policy.duration(kind, scope.role_profile, scope.requisition_id)
    return scope.policy.cal().add(start, duration or TIMERS[kind].duration)


def _entry_due(
    kind: TimerKind, state: CandidateState, at: datetime, scope: Scope, payload_due: datetime | None
) -> datetime:
    days = TIMERS[kind].checkpoint_days
    if days is not None and state.start_date is not None:
        zone = ZoneInfo(scope.policy.calendar.timezone)
        return datetime.combine(state.start_date, CHECKPOINT_START, zone) + timedelta(days=days)
    return payload_due or _due(kind, at, scope)


def opening_on_entry(
    stage: Stage, state: CandidateState, at: datetime, scope: Scope, payload_due: datetime | None = None
) -> tuple[Opening, ...]:
    """Timers that open when a candidate enters `stage` (by a forward move or a reopen)."""
    kinds = kinds_opening(stage, state, scope.policy.in_effect(scope.role_profile, scope.requisition_id))
    return tuple(Opening(kind, _entry_due(kind, state, at, scope, payload_due)) for kind in kinds)


def plan(applied: Applied, scope: Scope) -> TimerPlan:
    """What `applied` does to the candidate's timers, as its row of the transition table says."""
    effect = graph.timer_effect(applied.trigger, applied.source)
    at, after = applied.occurred_at, applied.after
    if effect.cancel_all or effect.pause_all or effect.resume_all:
        return TimerPlan(cancel_all=effect.cancel_all, pause_all=effect.pause_all, resume_all=effect.resume_all)
    if applied.moved:
        due = getattr(applied.payload, "due_at", None) if effect.due_from_payload else None
        return TimerPlan(close=stage_timers(applied.source), open=opening_on_entry(applied.dest, after, at, scope, due))
    if effect.only_if is not None and not effect.only_if(applied.before, after):
        return TimerPlan()
    opened = tuple(Opening(kind, _due(kind, at, scope)) for kind in (*effect.restart, *effect.open))
    return TimerPlan(close=effect.close, restart=effect.restart, open=opened)
