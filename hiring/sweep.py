"""The SLA sweep: fire every escalation level that has come due, exactly once, with its outbox rows.

Cost grows with the number of due timers (an indexed query on status + next_fire_at), never with the
number of candidates. Work is done in batches, one transaction each.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlmodel import Session

from hiring import clock
from hiring.policy_file import current_policy
from hiring.timers import next_level
from models.db import insert_many_ignoring_duplicates, is_postgres, transaction
from models.tables import Candidate, Escalation, Outbox, Person, Requisition, Timer
from states.policy import DEFAULT_TIMERS, Level, Policy, Role, TimerKind, human
from states.sla import audience, next_up_after, schedule

log = logging.getLogger("hiring.sweep")


@dataclass(frozen=True)
class Fired:
    escalation_id: int
    timer_id: int
    candidate_id: int
    requisition_id: int
    timer: str
    level: str
    audience_role: str
    recipient: str | None
    due_at: datetime
    scheduled_at: datetime
    fired_at: datetime
    outbox_rows: int

    @property
    def lateness(self) -> timedelta:
        """How late the escalation fired against its own scheduled time."""
        return self.fired_at - self.scheduled_at

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lateness_seconds"] = self.lateness.total_seconds()
        return out


def recipient_for(role: Role, req: Requisition, policy: Policy) -> str | None:
    if role == Role.RECRUITER:
        return req.recruiter
    if role == Role.HIRING_MANAGER:
        return req.hiring_manager
    return policy.head_of_talent


def channels_for(level: Level, role: Role, policy: Policy, available: frozenset[str],
                 preferred: list[str] | None = None) -> list[str]:  # fmt: skip
    """The channels routed for this level and audience that are configured here, narrowed to the person's
    preferred channels when that leaves any; the console when none of the routed channels is configured."""
    routed = [c for c in policy.channels(level, role) if c in available]
    narrowed = [c for c in routed if c in (preferred or [])]
    return narrowed or routed or ["console"]


def earliest_due(engine: Engine) -> datetime | None:
    """When the next escalation of any open timer comes due (None: nothing scheduled).

    One step down the (status, next_fire_at) index. On SQLite it reads outside SQLAlchemy's transaction
    (models.db begins those with BEGIN IMMEDIATE, the write lock); the autocommit read sees a WAL snapshot.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            value = raw.cursor().execute("SELECT min(next_fire_at) FROM timer WHERE status = 'open'").fetchone()[0]
        finally:
            raw.close()
        if value is None:
            return None
        when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    with engine.connect() as conn:
        return conn.execute(select(func.min(Timer.next_fire_at)).where(Timer.status == "open")).scalar()


def sweep(
    engine: Engine,
    now: datetime | None = None,
    policy: Policy | None = None,
    channels: frozenset[str] = frozenset({"console"}),
    batch_size: int = 500,
) -> list[Fired]:
    """Fire all escalation levels due at `now`. Safe to run twice, after a crash, or concurrently."""
    now = now or clock.now()
    policy = policy or current_policy()
    fired: list[Fired] = []
    seen: set[int] = set()
    while True:
        with transaction(engine) as session:
            query = (
                select(Timer)
                .where(Timer.status == "open", Timer.next_fire_at <= now)  # type: ignore[operator]
                .order_by(Timer.next_fire_at, Timer.id)
                .limit(batch_size)
            )
            if is_postgres(engine):
                query = query.with_for_update(skip_locked=True)  # concurrent sweepers share the work
            timers = [t for t in session.execute(query).scalars() if t.id not in seen]
            if not timers:
                break
            reqs = _by_id(session, Requisition, {t.requisition_id for t in timers})
            cands = _by_id(session, Candidate, {t.candidate_id for t in timers})
            preferences = _preferences(session, reqs.values(), policy)
            for timer in timers:
                seen.add(timer.id or 0)
            fired += _fire_batch(session, timers, reqs, cands, now, policy, channels, preferences)
    return fired


def _preferences(session: Session, reqs: Any, policy: Policy) -> dict[str, list[str]]:
    """Preferred channels of the people this batch can escalate to (one query per batch)."""
    handles = {h for r in reqs for h in (r.recruiter, r.hiring_manager) if h} | {policy.head_of_talent} - {None}
    rows = session.execute(select(Person.handle, Person.channels).where(Person.handle.in_(handles))).all()  # type: ignore[attr-defined]
    return {handle: list(chosen) for handle, chosen in rows if chosen}


def _by_id(session: Session, table: type, ids: set[int]) -> dict[int, Any]:
    rows = session.execute(select(table).where(table.id.in_(ids))).scalars()  # type: ignore[attr-defined]
    return {row.id: row for row in rows}


_TIMER = Timer.__table__  # type: ignore[attr-defined]
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
_ADVANCE = (
    update(_TIMER)
    .where(_TIMER.c.id == bindparam("timer_id"))
    .values(next_level=bindparam("new_level"), next_fire_at=bindparam("new_fire_at"))
)


def _fire_batch(
    session: Session,
    timers: list[Timer],
    reqs: dict[int, Requisition],
    cands: dict[int, Candidate],
    now: datetime,
    policy: Policy,
    channels: frozenset[str],
    preferences: dict[str, list[str]],
) -> list[Fired]:
    """Fire every due level of a batch of timers with three statements: one multi-row INSERT ... ON CONFLICT
    DO NOTHING RETURNING for the escalations (the unique key decides who fired first; only the rows this
    sweeper inserted come back), one INSERT of their outbox rows, one UPDATE moving the timers on."""
    due: list[tuple[Timer, Level, datetime, Any, Role, str | None]] = []
    escalations: list[dict[str, Any]] = []
    advances: list[dict[str, Any]] = []
    for timer in timers:
        try:
            ladder = policy.ladder_for(timer.role_profile, timer.requisition_id)
            plan = schedule(timer.window_start, timer.due_at, ladder, policy.cal())
        except (OverflowError, ValueError) as exc:  # one bad row never stops the sweep for everyone else
            _park(timer, exc)
            continue
        names = [level.value for level, _ in plan]
        start = names.index(timer.next_level) if timer.next_level in names else len(names)
        owner = Role(timer.owner_role)
        req = reqs[timer.requisition_id]
        last = None
        for level, at in plan[start:]:
            if at > now:
                break
            last = level.value
            role = audience(level, owner, ladder)
            recipient = recipient_for(role, req, policy)
            due.append((timer, level, at, ladder, role, recipient))
            escalations.append({
                "timer_id": timer.id,
                "candidate_id": timer.candidate_id,
                "level": level.value,
                "audience_role": role.value,
                "recipient": recipient,
                "scheduled_at": at,
                "fired_at": now,
                "lateness_seconds": (now - at).total_seconds(),
            })  # fmt: skip
        if last is not None:
            new_level, new_fire_at = next_level(timer, policy, after=last)
            advances.append({"timer_id": timer.id, "new_level": new_level, "new_fire_at": new_fire_at})
    inserted = insert_many_ignoring_duplicates(
        session, Escalation, escalations, Escalation.id, Escalation.timer_id, Escalation.level
    )
    ids = {(timer_id, level_name): escalation_id for escalation_id, timer_id, level_name in inserted}
    fired: list[Fired] = []
    outbox: list[dict[str, Any]] = []
    for timer, level, at, ladder, role, recipient in due:  # the order they were computed in, as one at a time
        escalation_id = ids.get((timer.id, level.value))
        if escalation_id is None:
            continue  # someone else fired this level first: theirs are the outbox rows
        req, cand = reqs[timer.requisition_id], cands[timer.candidate_id]
        message = _message(timer, req, cand, level, at, now, role, recipient, policy, ladder)
        rows = 0
        for channel in channels_for(level, role, policy, channels, preferences.get(recipient or "")):
            rows += 1
            outbox.append({
                "dedupe_key": f"esc:{escalation_id}:{channel}",
                "created_at": now,
                "candidate_id": timer.candidate_id,
                "escalation_id": escalation_id,
                "kind": "escalation",
                "recipient": recipient,
                "recipient_role": role.value,
                "channel": channel,
                "payload": message,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            })  # fmt: skip
        fired.append(
            Fired(escalation_id, timer.id or 0, timer.candidate_id, timer.requisition_id, timer.kind,
                  level.value, role.value, recipient, timer.due_at, at, now, rows)
        )  # fmt: skip
    conn = session.connection()
    if outbox:
        conn.execute(insert(_OUTBOX), outbox)
    if advances:
        conn.execute(_ADVANCE, advances)
    return fired


def _park(timer: Timer, exc: Exception) -> None:
    """Report a timer whose escalation times cannot be computed and take it off the schedule (it stays open),
    so that it neither stops this batch nor makes every later sweep (and `serve`'s wake-ups) trip on it."""
    timer.next_fire_at = None  # written with the batch's transaction
    log.warning("sweep: timer %s (candidate %s, %s) skipped and taken off the schedule: its escalation times "
                "cannot be computed (%s: %s)", timer.id, timer.candidate_id, timer.kind, type(exc).__name__, exc)


def _message(timer: Timer, req: Requisition, cand: Candidate, level: Level, at: datetime, now: datetime,
             role: Role, recipient: str | None, policy: Policy, ladder: Any) -> dict[str, Any]:  # fmt: skip
    """The facts a channel renders, frozen at the moment it fired. Ids, no names: the dispatcher reads the
    candidate's name when it sends (notifications/subjects.py), so an erasure reaches this row too."""
    following = next_up_after(level, Role(timer.owner_role), ladder)
    next_info = None
    if following is not None:
        next_level_name, next_role = following
        when = dict(schedule(timer.window_start, timer.due_at, ladder, policy.cal()))[Level(next_level_name)]
        next_info = {"level": next_level_name.value, "role": next_role.value,
                     "recipient": recipient_for(next_role, req, policy), "at": when.isoformat()}  # fmt: skip
    overdue = now - timer.due_at
    return {
        "candidate_id": cand.id,
        "requisition_id": req.id,
        "requisition_title": req.title,
        "stage": cand.stage,
        "timer": timer.kind,
        "level": level.value,
        "audience_role": role.value,
        "recipient": recipient,
        "owner_role": timer.owner_role,
        "due_at": timer.due_at.isoformat(),
        "scheduled_at": at.isoformat(),
        "fired_at": now.isoformat(),
        "overdue_seconds": overdue.total_seconds(),
        "overdue_human": human(overdue) if overdue.total_seconds() > 0 else None,
        "due_in_human": human(-overdue) if overdue.total_seconds() <= 0 else None,
        "action": DEFAULT_TIMERS[TimerKind(timer.kind)].action,
        "next_escalation": next_info,
    }
