"""What waits on one person (`hiring todo`, GET /todo): every open timer they own, or whose escalation
reached them (a level fired to them, per the escalation table), most overdue first.

One query over open timers (the `ix_timer_due` index starts with the status) narrowed in SQL to the person,
the role and overdue, ordered and limited there; then one query for the escalations of the timers kept
(the unique key on timer and level serves it). Its cost follows what is open, not the number of candidates.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, exists, or_, select
from sqlmodel import Session, col

from hiring.queries.handles import ensure_known_handle
from hiring.queries.sla import is_overdue, open_timer_query, owned_by, timer_row
from models.tables import Candidate, Escalation, Requisition, Timer
from states.ladder import LEVELS
from states.policy import Policy
from states.timers import TIMERS, Role, TimerKind

ORDER = {level.value: i for i, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class TodoQuery:
    handle: str
    role: Role | None = None  # only what waits on them in this role
    overdue: bool = False
    limit: int | None = None


def waiting_on(engine: Engine, query: TodoQuery, at: datetime, policy: Policy) -> dict[str, Any]:
    """The person's list as of `at`: ids and facts, no candidate names (see `candidate_names`)."""
    roles = (query.role,) if query.role else tuple(Role)
    sql = open_timer_query(at).where(_waits_on(query.handle, roles, policy))
    if query.overdue:
        sql = sql.where(is_overdue(at))
    if query.limit is not None:
        sql = sql.limit(query.limit)
    with Session(engine) as session:
        ensure_known_handle(session, query.handle, policy)
        rows = session.execute(sql).all()
        fired = _escalations(session, [timer.id for timer, _, _ in rows if timer.id is not None])
    items = [_item(timer, stage, req, fired.get(timer.id or 0, []), query, at, policy) for timer, stage, req in rows]
    return {
        "handle": query.handle,
        "role": query.role.value if query.role else None,
        "overdue_only": query.overdue,
        "at": at,
        "items": items,
    }


def _waits_on(handle: str, roles: tuple[Role, ...], policy: Policy) -> ColumnElement[bool]:
    """Owned by `handle` in one of `roles`, or a level of it fired to `handle` as one of `roles`."""
    reached = exists().where(
        col(Escalation.timer_id) == col(Timer.id),
        col(Escalation.recipient) == handle,
        col(Escalation.audience_role).in_([r.value for r in roles]),
    )
    return or_(owned_by(handle, policy, roles), reached)


def _escalations(session: Session, timer_ids: list[int]) -> dict[int, list[Escalation]]:
    """The fired levels of these timers, in ladder order."""
    out: dict[int, list[Escalation]] = {}
    if not timer_ids:
        return out
    rows = session.execute(select(Escalation).where(col(Escalation.timer_id).in_(timer_ids))).scalars()
    for esc in sorted(rows, key=lambda e: ORDER.get(e.level, len(ORDER))):
        out.setdefault(esc.timer_id, []).append(esc)
    return out


def _item(
    timer: Timer, stage: str, req: Requisition, fired: list[Escalation], query: TodoQuery, at: datetime, policy: Policy
) -> dict[str, Any]:
    row = timer_row(timer, stage, req, at, policy)
    last = fired[-1] if fired else None
    why = reasons(timer, row["owner"], fired, query)
    return {
        **row,
        "action": expected_action(timer.kind),
        "last_escalation": None
        if last is None
        else {"level": last.level, "role": last.audience_role, "recipient": last.recipient, "fired_at": last.fired_at},
        "why": why,
        "reason": "; ".join(reason_text(w) for w in why),
    }


def expected_action(kind: str) -> str | None:
    try:
        return TIMERS[TimerKind(kind)].action
    except (KeyError, ValueError):  # a kind this version does not know (a row written by a newer one)
        return None


def reasons(timer: Timer, owner: str | None, fired: list[Escalation], query: TodoQuery) -> list[dict[str, Any]]:
    """Why the timer is on this person's list: they own it, and/or a level fired to them (the highest level
    per role they were reached as; a level to the owner as the owner is no news)."""
    out: list[dict[str, Any]] = []
    if owner == query.handle and query.role in (None, Role(timer.owner_role)):
        out.append({"as": timer.owner_role, "because": "owner", "level": None})
    highest: dict[str, str] = {}
    for esc in fired:
        if esc.recipient != query.handle or (query.role and esc.audience_role != query.role.value):
            continue
        if out and esc.audience_role == timer.owner_role:
            continue
        highest[esc.audience_role] = esc.level
    out += [{"as": role, "because": "escalated", "level": level} for role, level in highest.items()]
    return out


def reason_text(why: dict[str, Any]) -> str:
    role = why["as"].replace("_", " ")
    if why["because"] == "owner":
        return f"owner ({role})"
    return f"escalated to you as {role} ({why['level']})"


def candidate_names(engine: Engine, ids: set[int]) -> dict[int, str]:
    """Names for the terminal only: JSON answers and the API carry ids."""
    if not ids:
        return {}
    with Session(engine) as session:
        query = select(col(Candidate.id), col(Candidate.name)).where(col(Candidate.id).in_(ids))
        return {int(cid): name for cid, name in session.execute(query).all()}
