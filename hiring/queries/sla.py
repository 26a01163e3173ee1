"""Read side of the SLA: open timers with their next escalation, and met/breached statistics (the write
side, timers opened by events and the sweep, is hiring/sla.py)."""

from datetime import datetime
from statistics import quantiles
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hiring.policy_file import current_policy
from hiring.sla import recipient_for
from models.tables import Candidate, Escalation, Requisition, Timer
from states import ladder as ladders
from states.durations import human
from states.policy import Level, Policy
from states.timers import Role


def open_timers(
    engine: Engine, at: datetime, policy: Policy | None = None, candidate_id: int | None = None
) -> list[dict[str, Any]]:
    """Open timers by due time, overdue (as of `at`) first, each with who is escalated next and when."""
    policy = policy or current_policy()
    query = (
        select(Timer, col(Candidate.name), col(Candidate.stage), Requisition)
        .join(Candidate, Candidate.id == Timer.candidate_id)  # type: ignore[arg-type]  # SQLModel types column comparisons as bool
        .join(Requisition, Requisition.id == Timer.requisition_id)  # type: ignore[arg-type]  # SQLModel types column comparisons as bool
        .where(col(Timer.status) == "open")
        .order_by(col(Timer.due_at), col(Timer.id))
    )
    if candidate_id is not None:
        query = query.where(col(Timer.candidate_id) == candidate_id)
    rows = []
    with Session(engine) as session:
        for timer, name, stage, req in session.execute(query).all():
            rows.append(_row(timer, name, stage, req, at, policy))
    rows.sort(key=lambda r: (not r["overdue"], r["due_at"]))
    return rows


def _row(timer: Timer, name: str, stage: str, req: Requisition, at: datetime, policy: Policy) -> dict[str, Any]:
    owner = Role(timer.owner_role)
    nxt = None
    if timer.next_level is not None:
        ladder = policy.ladder_for(timer.role_profile, timer.requisition_id)
        steps = ladders.schedule(timer.window_start, timer.due_at, ladder, policy.cal())
        step = ladders.step(Level(timer.next_level), owner, ladder, steps)
        nxt = {
            "level": step.level.value,
            "role": step.role.value,
            "recipient": recipient_for(step.role, req, policy, timer.owner_handle),
            "at": step.at,
        }
    late = at - timer.due_at
    return {
        "timer_id": timer.id,
        "candidate_id": timer.candidate_id,
        "candidate_name": name,
        "stage": stage,
        "requisition_id": timer.requisition_id,
        "timer": timer.kind,
        "owner_role": timer.owner_role,
        "owner": recipient_for(owner, req, policy, timer.owner_handle),
        "subject": timer.subject,
        "due_at": timer.due_at,
        "paused": timer.paused_at is not None,
        "overdue": late.total_seconds() > 0 and timer.paused_at is None,
        "overdue_by": human(late) if late.total_seconds() > 0 else None,
        "due_in": human(-late) if late.total_seconds() <= 0 else None,
        "next_escalation": nxt,
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
