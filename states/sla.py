"""Which SLA timers an event opens, closes, restarts, cancels, pauses or resumes, and when each
escalation level of a timer comes due. Pure: the service turns this plan into rows."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from states.calendar import Calendar
from states.candidate import Applied, CandidateState
from states.policy import DEFAULT_TIMERS, NEXT_UP, Ladder, Level, Policy, Role, TimerKind
from states.stages import Stage
from states.vocabulary import InterviewPart

K = TimerKind
# Timers that belong to a stage: leaving the stage closes whichever of them is open.
STAGE_TIMERS: dict[Stage, tuple[TimerKind, ...]] = {
    Stage.SOURCED: (K.SCREEN_DECISION,),
    Stage.SCREENED: (K.TAKE_HOME_SENT,),
    Stage.TAKE_HOME: (K.TAKE_HOME_SUBMISSION, K.TAKE_HOME_REVIEW),
    Stage.DEBRIEF: (K.DEBRIEF,),
    Stage.FINAL: (K.FINAL_LOOP, K.DECISION),
    Stage.OFFER: (K.OFFER_RESPONSE,),
    Stage.ONBOARDING_30: (K.CHECKPOINT_30,),
    Stage.ONBOARDING_60: (K.CHECKPOINT_60,),
    Stage.ONBOARDING_90: (K.CHECKPOINT_90,),
}
CHECKPOINT_DAYS = {K.CHECKPOINT_30: 30, K.CHECKPOINT_60: 60, K.CHECKPOINT_90: 90}
# Leaving by these ends the process for the candidate: open timers and unfired escalations are cancelled.
CANCELLING = frozenset({"reject", "withdraw", "depart"})
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
    return scope.policy.cal().add(start, duration or DEFAULT_TIMERS[kind].duration)  # type: ignore[arg-type]


def _checkpoint_due(kind: TimerKind, state: CandidateState, at: datetime, scope: Scope) -> datetime:
    if state.start_date is None:
        return _due(kind, at, scope)
    zone = ZoneInfo(scope.policy.calendar.timezone)
    start = datetime.combine(state.start_date, CHECKPOINT_START, zone)
    return start + timedelta(days=CHECKPOINT_DAYS[kind])


def _parts_complete(state: CandidateState) -> bool:
    return all(part.value in state.interview_parts for part in InterviewPart)


def opening_on_entry(stage: Stage, state: CandidateState, at: datetime, scope: Scope,
                     take_home_due: datetime | None = None) -> tuple[Opening, ...]:  # fmt: skip
    """Timers that open when a candidate enters `stage` (by a forward move or a reopen)."""
    if stage == Stage.TAKE_HOME:
        if state.take_home_submitted:
            return (Opening(K.TAKE_HOME_REVIEW, _due(K.TAKE_HOME_REVIEW, at, scope)),)
        return (Opening(K.TAKE_HOME_SUBMISSION, take_home_due or _due(K.TAKE_HOME_SUBMISSION, at, scope)),)
    if stage == Stage.FINAL:
        kind = K.DECISION if _parts_complete(state) else K.FINAL_LOOP
        return (Opening(kind, _due(kind, at, scope)),)
    kinds = STAGE_TIMERS.get(stage, ())
    if not kinds:
        return ()
    kind = kinds[0]
    if kind in CHECKPOINT_DAYS:
        return (Opening(kind, _checkpoint_due(kind, state, at, scope)),)
    return (Opening(kind, _due(kind, at, scope)),)


def plan(applied: Applied, scope: Scope) -> TimerPlan:
    """What `applied` does to the candidate's timers."""
    trigger, at, after = applied.trigger, applied.occurred_at, applied.after
    if trigger in CANCELLING:
        return TimerPlan(cancel_all=True)
    if trigger == "hold":
        return TimerPlan(pause_all=True)
    if trigger == "resume":
        return TimerPlan(resume_all=True)
    if applied.moved:
        close = STAGE_TIMERS.get(applied.source, ())
        due = getattr(applied.payload, "due_at", None) if trigger == "send_take_home" else None
        return TimerPlan(close=close, open=opening_on_entry(applied.dest, after, at, scope, due))
    if trigger == "submit_take_home":
        review = Opening(K.TAKE_HOME_REVIEW, _due(K.TAKE_HOME_REVIEW, at, scope))
        return TimerPlan(close=(K.TAKE_HOME_SUBMISSION,), open=(review,))
    if trigger == "record_interview" and _parts_complete(after) and not _parts_complete(applied.before):
        decision = Opening(K.DECISION, _due(K.DECISION, at, scope))
        return TimerPlan(close=(K.FINAL_LOOP,), open=(decision,))
    if trigger == "revise_offer":
        return TimerPlan(restart=(K.OFFER_RESPONSE,),
                         open=(Opening(K.OFFER_RESPONSE, _due(K.OFFER_RESPONSE, at, scope)),))  # fmt: skip
    return TimerPlan()


# --- the escalation ladder ---------------------------------------------------------------------


def schedule(
    window_start: datetime, due_at: datetime, ladder: Ladder, cal: Calendar
) -> list[tuple[Level, datetime]]:
    """When each level of one timer comes due, in ladder order."""
    window = cal.between(window_start, due_at)
    return [
        (Level.REMINDER, cal.add(window_start, window * ladder.reminder_at)),
        (Level.LEVEL_1, due_at),
        (Level.LEVEL_2, cal.add(due_at, ladder.level_2_after)),
        (Level.LEVEL_3, cal.add(due_at, ladder.level_3_after)),
    ]


def audience(level: Level, owner: Role, ladder: Ladder) -> Role:
    who = ladder.audiences.get(level, "owner")
    if who == "owner":
        return owner
    if who == "next_up":
        return NEXT_UP[owner]
    return Role(who)


def next_up_after(level: Level, owner: Role, ladder: Ladder) -> tuple[Level, Role] | None:
    """Who is escalated to next if nothing happens (for messages and `hiring sla`)."""
    order = list(Level)
    index = order.index(level)
    if index + 1 >= len(order):
        return None
    following = order[index + 1]
    return following, audience(following, owner, ladder)
