"""Read side of the SLA: open timers with their next escalation, and met/breached statistics (the write
side, timers opened by events and the sweep, is hiring/sla.py).

Every list is one indexed query over open timers (`ix_timer_due` starts with the status), filtered, ordered
overdue first and limited in SQL: its cost grows with what is open, never with the number of candidates."""

from dataclasses import dataclass, replace
from datetime import datetime
from statistics import quantiles
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, false, func, or_, select
from sqlmodel import Session, col

from hiring.errors import InvalidInput, NotFound
from hiring.policy_file import current_policy
from hiring.queries.handles import ensure_known_handle
from hiring.queries.lookup import MAX_ID
from hiring.sla import recipient_for
from models.tables import Candidate, Escalation, Requisition, Timer
from states import ladder as ladders
from states.durations import human
from states.policy import Level, Policy
from states.timers import Role, TimerKind


@dataclass(frozen=True)
class TimerFilter:
    """What `hiring sla` and GET /timers narrow the open timers to; None/False: no narrowing."""

    owner: str | None = None  # a handle: the timers that person owns
    requisition_id: int | None = None
    kind: str | None = None
    overdue: bool = False
    limit: int | None = None
    candidate_id: int | None = None


def holder(role: Role, timer: Timer, req: Requisition, policy: Policy) -> str | None:
    """The person who holds `role` for this timer: the interviewer is the timer's own, the others the
    requisition's (recruiter, hiring manager) or the policy's (head of talent)."""
    return recipient_for(role, req, policy, timer.owner_handle)


def owned_by(handle: str, policy: Policy, roles: tuple[Role, ...] = tuple(Role)) -> ColumnElement[bool]:
    """Open timers whose owner is `handle`, in one of `roles` (SQL, for a query joined to the requisition)."""
    clauses: list[ColumnElement[bool]] = []
    for role in roles:
        if role == Role.RECRUITER:
            clauses.append(and_(col(Timer.owner_role) == role.value, col(Requisition.recruiter) == handle))
        elif role == Role.HIRING_MANAGER:
            clauses.append(and_(col(Timer.owner_role) == role.value, col(Requisition.hiring_manager) == handle))
        elif role in (Role.INTERVIEWER, Role.APPROVER):
            clauses.append(and_(col(Timer.owner_role) == role.value, col(Timer.owner_handle) == handle))
        elif policy.head_of_talent == handle:
            clauses.append(col(Timer.owner_role) == role.value)
    return or_(false(), *clauses)


def is_overdue(at: datetime) -> ColumnElement[bool]:
    return and_(col(Timer.due_at) < at, col(Timer.paused_at).is_(None))


def open_timer_query(at: datetime) -> Any:
    """Open timers with their candidate's stage and requisition, overdue (as of `at`) first, the most overdue
    (then the soonest due) first."""
    return (
        select(Timer, col(Candidate.stage), Requisition)
        .join(Candidate, col(Candidate.id) == col(Timer.candidate_id))
        .join(Requisition, col(Requisition.id) == col(Timer.requisition_id))
        .where(col(Timer.status) == "open")
        .order_by(case((is_overdue(at), 0), else_=1), col(Timer.due_at), col(Timer.id))
    )


def check_filter(session: Session, filters: TimerFilter, policy: Policy) -> None:
    """Refuse a filter naming what does not exist, saying what is allowed."""
    if filters.kind is not None and filters.kind not in {k.value for k in TimerKind}:
        allowed = ", ".join(k.value for k in TimerKind)
        raise InvalidInput(f"unknown timer kind {filters.kind!r}; allowed: {allowed}")
    if filters.requisition_id is not None:
        rid = filters.requisition_id
        if not 0 < rid <= MAX_ID or session.get(Requisition, rid) is None:
            raise NotFound(f"no requisition with id {rid} (list them with `hiring role list`)")
    if filters.owner is not None:
        ensure_known_handle(session, filters.owner, policy)


def _filtered(query: Any, filters: TimerFilter, at: datetime, policy: Policy) -> Any:
    if filters.candidate_id is not None:
        query = query.where(col(Timer.candidate_id) == filters.candidate_id)
    if filters.requisition_id is not None:
        query = query.where(col(Timer.requisition_id) == filters.requisition_id)
    if filters.kind is not None:
        query = query.where(col(Timer.kind) == filters.kind)
    if filters.owner is not None:
        query = query.where(owned_by(filters.owner, policy))
    if filters.overdue:
        query = query.where(is_overdue(at))
    if filters.limit is not None:
        query = query.limit(filters.limit)
    return query


def open_timers(
    engine: Engine,
    at: datetime,
    policy: Policy | None = None,
    candidate_id: int | None = None,
    filters: TimerFilter | None = None,
) -> list[dict[str, Any]]:
    """Open timers, overdue (as of `at`) first, each with who is escalated next and when."""
    policy = policy or current_policy()
    filters = filters or TimerFilter()
    if candidate_id is not None:
        filters = replace(filters, candidate_id=candidate_id)
    query = open_timer_query(at).add_columns(col(Candidate.name))
    with Session(engine) as session:
        check_filter(session, filters, policy)
        rows = session.execute(_filtered(query, filters, at, policy)).all()
    return [{**timer_row(timer, stage, req, at, policy), "candidate_name": name} for timer, stage, req, name in rows]


def next_escalation(timer: Timer, req: Requisition, policy: Policy) -> dict[str, Any] | None:
    """The level the sweep fires next for this timer: which, to whom, when (None: all fired, or its times
    cannot be computed, as the sweep reports)."""
    if timer.next_level is None:
        return None
    owner = Role(timer.owner_role)
    ladder = policy.ladder_for(timer.role_profile, timer.requisition_id)
    try:
        steps = ladders.schedule(timer.window_start, timer.due_at, ladder, policy.cal())
    except (OverflowError, ValueError):
        return None
    step = ladders.step(Level(timer.next_level), owner, ladder, steps)
    return {
        "level": step.level.value,
        "role": step.role.value,
        "recipient": holder(step.role, timer, req, policy),
        "at": step.at,
    }


def timer_row(timer: Timer, stage: str, req: Requisition, at: datetime, policy: Policy) -> dict[str, Any]:
    """One open timer as lists show it (no candidate name: callers that may show it add it)."""
    late = at - timer.due_at
    return {
        "timer_id": timer.id,
        "candidate_id": timer.candidate_id,
        "stage": stage,
        "requisition_id": timer.requisition_id,
        "timer": timer.kind,
        "subject": timer.subject,
        "owner_role": timer.owner_role,
        "owner": holder(Role(timer.owner_role), timer, req, policy),
        "due_at": timer.due_at,
        "paused": timer.paused_at is not None,
        "overdue": late.total_seconds() > 0 and timer.paused_at is None,
        "overdue_by": human(late) if late.total_seconds() > 0 else None,
        "due_in": human(-late) if late.total_seconds() <= 0 else None,
        "next_escalation": next_escalation(timer, req, policy),
    }


def overdue_by_candidate(engine: Engine, at: datetime) -> dict[int, dict[str, Any]]:
    """For the board: each candidate's most overdue timer, or else its next deadline."""
    out: dict[int, dict[str, Any]] = {}
    with Session(engine) as session:
        rows = session.execute(
            select(col(Timer.candidate_id), col(Timer.kind), col(Timer.due_at), col(Timer.paused_at))
            .where(col(Timer.status) == "open")
            .order_by(col(Timer.due_at))
        ).all()
    for cid, kind, due_at, paused_at in rows:
        if cid in out:
            continue
        late = at - due_at
        overdue = late.total_seconds() > 0 and paused_at is None
        out[cid] = {
            "timer": kind,
            "due_at": due_at,
            "overdue": human(late) if overdue else None,
            "due_in": None if overdue else human(-late) if late.total_seconds() <= 0 else None,
        }
    return out


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    if len(values) == 1:
        return {"p50": values[0], "p90": values[0], "p99": values[0], "max": values[0]}
    cuts = quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": max(values)}


def stats(engine: Engine, at: datetime) -> dict[str, Any]:
    with Session(engine) as session:
        by_status = session.execute(
            select(col(Timer.kind), col(Timer.status), func.count()).group_by(col(Timer.kind), col(Timer.status))
        ).all()
        overdue = dict(
            session.execute(
                select(col(Timer.kind), func.count())
                .where(col(Timer.status) == "open", col(Timer.due_at) <= at, col(Timer.paused_at).is_(None))
                .group_by(col(Timer.kind))
            ).all()
        )
        escalations = session.execute(select(col(Escalation.level), col(Escalation.lateness_seconds))).all()
    timers: dict[str, dict[str, int]] = {}
    for kind, status, count in by_status:
        timers.setdefault(
            kind, {"met": 0, "breached": 0, "open": 0, "open_overdue": 0, "cancelled": 0, "superseded": 0}
        )[status] = count
    for kind, count in overdue.items():
        timers[kind]["open_overdue"] = count
    levels: dict[str, list[float]] = {}
    for level, lateness in escalations:
        levels.setdefault(level, []).append(lateness)
    return {
        "timers": timers,
        "escalations": {
            "count": len(escalations),
            "by_level": {lv.value: len(levels.get(lv.value, [])) for lv in Level},
            "lateness_seconds": _percentiles(sorted(x for xs in levels.values() for x in xs)),
        },
    }
