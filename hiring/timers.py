"""Turning a states.sla.TimerPlan into timer rows, inside the event's transaction."""

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from models.tables import Candidate, Requisition, Timer
from states.candidate import Applied
from states.policy import DEFAULT_TIMERS, Level, Policy
from states.sla import Opening, Scope, plan, schedule


def next_level(timer: Timer, policy: Policy, after: str | None = None) -> tuple[str | None, datetime | None]:
    """The first level of `timer` not yet fired (after `after`), and when it comes due."""
    ladder = policy.ladder_for(timer.role_profile, timer.requisition_id)
    levels = schedule(timer.window_start, timer.due_at, ladder, policy.cal())
    names = [level.value for level, _ in levels]
    start = names.index(after) + 1 if after else 0
    for level, at in levels[start:]:
        return level.value, at
    return None, None


def new_timer(candidate_id: int, req: Requisition, opening: Opening, at: datetime, policy: Policy,
              event_id: int | None) -> Timer:  # fmt: skip
    timer = Timer(
        candidate_id=candidate_id,
        requisition_id=req.id or 0,
        role_profile=req.role_profile,
        kind=opening.kind.value,
        owner_role=DEFAULT_TIMERS[opening.kind].owner.value,
        opened_at=at,
        window_start=at,
        due_at=opening.due_at,
        opened_by_event_id=event_id,
    )
    timer.next_level, timer.next_fire_at = next_level(timer, policy)
    return timer


def _close(timer: Timer, status: str, at: datetime, event_id: int | None) -> None:
    timer.status = status
    timer.closed_at = at
    timer.closed_by_event_id = event_id
    timer.next_level = timer.next_fire_at = None


def apply_timer_plan(session: Session, cand: Candidate, req: Requisition, applied: Applied,
                     event_id: int | None, policy: Policy) -> None:  # fmt: skip
    at = applied.occurred_at
    timer_plan = plan(applied, Scope(req.role_profile, req.id, policy))
    open_timers = session.execute(
        select(Timer).where(Timer.candidate_id == cand.id, Timer.status == "open")  # type: ignore[arg-type]
    ).scalars().all()
    by_kind = {t.kind: t for t in open_timers}
    if timer_plan.cancel_all:
        for timer in open_timers:
            _close(timer, "cancelled", at, event_id)
    if timer_plan.pause_all:
        for timer in open_timers:
            timer.paused_at = at
            timer.next_fire_at = None  # the sweep skips it until `resume`
    if timer_plan.resume_all:
        for timer in open_timers:
            if timer.paused_at is None:
                continue
            # The time on hold does not count: the working time left (or overdue) at the hold is kept.
            cal = policy.cal()
            timer.due_at = cal.shift(timer.due_at, timer.paused_at, at)
            timer.window_start = cal.shift(timer.window_start, timer.paused_at, at)
            timer.paused_at = None
            fired_up_to = _previous(timer.next_level)
            timer.next_level, timer.next_fire_at = next_level(timer, policy, fired_up_to)
    for kind in timer_plan.close:
        timer = by_kind.pop(kind.value, None)
        if timer is not None:
            _close(timer, "met" if at <= timer.due_at else "breached", at, event_id)
    for kind in timer_plan.restart:
        timer = by_kind.pop(kind.value, None)
        if timer is not None:
            _close(timer, "superseded", at, event_id)
    for opening in timer_plan.open:
        if opening.kind.value not in by_kind:
            session.add(new_timer(cand.id or 0, req, opening, at, policy, event_id))
    session.add_all(open_timers)


def _previous(level: str | None) -> str | None:
    """The level before `level` in ladder order (None if `level` is the first, or all fired)."""
    order = [lv.value for lv in Level]
    if level is None:
        return order[-1]
    index = order.index(level)
    return order[index - 1] if index else None
