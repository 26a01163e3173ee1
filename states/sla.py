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
    subject: str | None = None  # a per-interview timer's part
    owner_handle: str | None = None  # the interviewer who owns it
    window_start: datetime | None = None  # the ladder's window starts here (the event's time when None)


@dataclass(frozen=True)
class TimerPlan:
    """Kinds name open timers; for a per-interview kind (scorecard) `subject` narrows them to one part's
    (None: every one, as when the candidate leaves the stage)."""

    close: tuple[TimerKind, ...] = ()  # closed as met or breached
    restart: tuple[TimerKind, ...] = ()  # closed as superseded, and opened again below
    open: tuple[Opening, ...] = ()  # opened unless one of the kind (and subject) is already open
    cancel: tuple[TimerKind, ...] = ()  # closed as cancelled
    subject: str | None = None
    cancel_all: bool = False
    pause_all: bool = False
    resume_all: bool = False


@dataclass(frozen=True)
class Scope:
    """What policy overrides depend on."""

    role_profile: str | None = None
    requisition_id: int | None = None
    policy: Policy = field(default_factory=Policy)


def due_after(kind: TimerKind, start: datetime, scope: Scope) -> datetime:
    """When a timer of `kind` whose window starts at `start` is due: the policy's duration on its calendar."""
    duration = scope.policy.duration(kind, scope.role_profile, scope.requisition_id)
    return scope.policy.cal().add(start, duration or TIMERS[kind].duration)


def _entry_due(
    kind: TimerKind, state: CandidateState, at: datetime, scope: Scope, payload_due: datetime | None
) -> datetime:
    days = TIMERS[kind].checkpoint_days
    if TIMERS[kind].retention:
        checkins = scope.policy.retention_checkin_days
        days = checkins[min(state.retention_checkins, len(checkins) - 1)] if checkins else None
    if days is not None and state.start_date is not None:
        zone = ZoneInfo(scope.policy.calendar.timezone)
        return datetime.combine(state.start_date, CHECKPOINT_START, zone) + timedelta(days=days)
    return payload_due or due_after(kind, at, scope)


def opening_on_entry(
    stage: Stage, state: CandidateState, at: datetime, scope: Scope, payload_due: datetime | None = None
) -> tuple[Opening, ...]:
    """Timers that open when a candidate enters `stage` (by a forward move or a reopen)."""
    kinds = kinds_opening(stage, state, scope.policy.in_effect(scope.role_profile, scope.requisition_id))
    return tuple(opening for kind in kinds for opening in _entry_openings(kind, state, at, scope, payload_due))


def _entry_openings(
    kind: TimerKind, state: CandidateState, at: datetime, scope: Scope, payload_due: datetime | None
) -> tuple[Opening, ...]:
    """A reopen into `final` follows the interview rules: a scorecard timer per scheduled interview still
    without one, and the decision from the last end; the time since the rejection never counts against them."""
    if TIMERS[kind].per_interview:
        return tuple(_scorecard(state, part, scope, not_before=at) for part in state.scorecards_missing)
    if kind is TimerKind.DECISION:
        return (_decision(state, at, scope),)
    if kind is TimerKind.OFFER_APPROVAL:
        return _approval(state, at, scope)
    return (Opening(kind, _entry_due(kind, state, at, scope, payload_due)),)


def plan(applied: Applied, scope: Scope) -> TimerPlan:
    """What `applied` does to the candidate's timers, as its row of the transition table says."""
    effect = graph.timer_effect(applied.trigger, applied.source)
    at, after = applied.occurred_at, applied.after
    if effect.cancel_all or effect.pause_all or effect.resume_all:
        return TimerPlan(cancel_all=effect.cancel_all, pause_all=effect.pause_all, resume_all=effect.resume_all)
    if effect.per_interview:
        return interview_plan(applied, scope)
    close = effect.close if effect.close_when is None or effect.close_when(after) else ()
    if applied.moved:
        due = getattr(applied.payload, "due_at", None) if effect.due_from_payload else None
        entered = opening_on_entry(applied.dest, after, at, scope, due)
        opened = (*entered, *_opened(effect, after, scope, at))
        return TimerPlan(close=(*stage_timers(applied.source), *close), open=opened)
    if effect.chain:
        return approval_plan(applied, scope)
    restarted = tuple(Opening(kind, due_after(kind, at, scope)) for kind in effect.restart)
    return TimerPlan(close=close, restart=effect.restart, open=(*restarted, *_opened(effect, after, scope, at)))


def _opened(effect: graph.TimerEffect, after: CandidateState, scope: Scope, at: datetime) -> tuple[Opening, ...]:
    """The timers a trigger's row opens, those whose condition holds for the state after the event."""
    in_effect = scope.policy.in_effect(scope.role_profile, scope.requisition_id)
    kinds = [kind for kind in effect.open if TIMERS[kind].opens_on_entry(after, in_effect)]
    return tuple(Opening(kind, _entry_due(kind, after, at, scope, None)) for kind in kinds)


# --- scheduled interviews -------------------------------------------------------------------------------
# The decision window starts when the last interview ends: when the loop becomes arranged (every part
# scheduled or recorded) the decision timer opens with window_start = the last scheduled end (or the event's
# time, if later, when a scorecard of an unscheduled part completes it); a reschedule that moves the last end
# restarts it; a cancellation cancels it (the next schedule_interview opens it again). A scorecard never moves it.


def _decision(state: CandidateState, at: datetime | None, scope: Scope) -> Opening:
    ends = [e for e in (state.last_interview_end, at) if e is not None]
    start = max(ends)
    return Opening(TimerKind.DECISION, due_after(TimerKind.DECISION, start, scope), window_start=start)


def _scorecard(state: CandidateState, part: str, scope: Scope, not_before: datetime | None = None) -> Opening:
    interview = state.interviews[part]
    end = max(interview.ends_at, not_before or interview.ends_at)
    return Opening(TimerKind.SCORECARD, due_after(TimerKind.SCORECARD, end, scope), part, interview.interviewer, end)


def interview_plan(applied: Applied, scope: Scope) -> TimerPlan:
    """What schedule/reschedule/cancel_interview and record_interview do to the scorecard and decision timers."""
    before, after, trigger = applied.before, applied.after, applied.trigger
    part = str(getattr(applied.payload, "part", ""))
    K = TimerKind
    arranged_now = after.loop_arranged and not before.loop_arranged
    if trigger == "schedule_interview":
        opened = (_scorecard(after, part, scope), *((_decision(after, None, scope),) if arranged_now else ()))
        return TimerPlan(open=opened, subject=part)
    if trigger == "reschedule_interview":
        moved = after.loop_arranged and after.last_interview_end != before.last_interview_end
        opened = (_scorecard(after, part, scope), *((_decision(after, None, scope),) if moved else ()))
        return TimerPlan(restart=(K.SCORECARD, *((K.DECISION,) if moved else ())), open=opened, subject=part)
    if trigger == "cancel_interview":
        return TimerPlan(cancel=(K.SCORECARD, *((K.DECISION,) if before.loop_arranged else ())), subject=part)
    # record_interview: the part's scorecard timer closes; today's rule when the fourth part comes in
    close: tuple[TimerKind, ...] = (K.SCORECARD,) if before.live_interview(part) else ()
    if after.parts_complete and not before.parts_complete:
        close += (K.FINAL_LOOP,)
    opened = (_decision(after, applied.occurred_at, scope),) if arranged_now else ()
    return TimerPlan(close=close, open=opened, subject=part)


# --- the offer's approval chain ---------------------------------------------------------------------------
# One offer_approval timer for the pending step (owned by its approver); the offer_response timer only once
# the chain is complete. A revision that changes the approved terms supersedes the pending step's timer.


def _approval(state: CandidateState, at: datetime, scope: Scope) -> tuple[Opening, ...]:
    step = state.offer.pending
    if step is None:
        return ()
    kind = TimerKind.OFFER_APPROVAL
    return (Opening(kind, due_after(kind, at, scope), str(step), state.offer.steps[step - 1].approver),)


def approval_plan(applied: Applied, scope: Scope) -> TimerPlan:
    """What revise_offer, approve_offer and reject_offer_approval do to the approval and response timers."""
    before, after, at = applied.before.offer, applied.after.offer, applied.occurred_at
    K = TimerKind
    new_revision = after.revision != before.revision
    close: list[TimerKind] = []
    restart: list[TimerKind] = []
    cancel: list[TimerKind] = []
    if before.pending is not None and (new_revision or after.pending != before.pending):
        (restart if new_revision else close).append(K.OFFER_APPROVAL)
    opened = list(_approval(applied.after, at, scope)) if after.pending != before.pending or new_revision else []
    if after.extended and (not before.extended or applied.trigger == "revise_offer"):
        restart.append(K.OFFER_RESPONSE)
        opened.append(Opening(K.OFFER_RESPONSE, due_after(K.OFFER_RESPONSE, at, scope)))
    elif before.extended and not after.extended:
        cancel.append(K.OFFER_RESPONSE)
    return TimerPlan(close=tuple(close), restart=tuple(restart), open=tuple(opened), cancel=tuple(cancel))
