"""The SLA write side: the timers an event opens, closes, pauses and resumes (inside the event's transaction),
and the sweep that fires every escalation level that has come due, exactly once, with its outbox rows.

The sweep's cost grows with the number of due timers (an indexed query on status + next_fire_at), never with
the number of candidates. Work is done in batches, one transaction each. The rules (which timers, which
levels, when, to whom) are pure and live in states/ (sla.py, timers.py, ladder.py).
"""

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlmodel import Session, col

from hiring import clock
from hiring.policy_file import current_policy
from hiring.queries.closing import latest_offers, offer_facts
from models.db import insert_many_ignoring_duplicates, is_postgres, transaction
from models.messages import EscalationMessage, MissingScorecard, NextEscalation
from models.tables import Candidate, Escalation, Outbox, Person, Requisition, Timer
from states import ladder as ladders
from states.durations import human
from states.facts import Applied
from states.ladder import Steps
from states.policy import Ladder, Level, Policy
from states.sla import Opening, Scope, TimerPlan, plan
from states.timers import TIMERS, Role, TimerKind
from states.vocabulary import InterviewPart

log = logging.getLogger("hiring.sweep")  # the name operators filter on, kept from before the merge

# --- people and channels ---------------------------------------------------------------------------


def recipient_for(role: Role, req: Requisition, policy: Policy, owner_handle: str | None = None) -> str | None:
    """Who holds `role` for this requisition; the interviewer is the timer's own owner (timer.owner_handle)."""
    return ladders.recipient(role, req.recruiter, req.hiring_manager, policy.head_of_talent, owner_handle)


def channels_for(
    level: Level, role: Role, policy: Policy, available: frozenset[str], preferred: list[str] | None = None
) -> list[str]:
    """The channels routed for this level and audience that are configured here, narrowed to the person's
    preferred channels when that leaves any; the console when none of the routed channels is configured."""
    return ladders.pick_channels(policy.channels(level, role), available, preferred)


# --- one timer's ladder ----------------------------------------------------------------------------


def _ladder(timer: Timer, policy: Policy) -> tuple[Ladder, Steps]:
    ladder = policy.ladder_for(timer.role_profile, timer.requisition_id)
    return ladder, ladders.schedule(timer.window_start, timer.due_at, ladder, policy.cal())


def next_level(timer: Timer, policy: Policy, after: str | None = None) -> tuple[str | None, datetime | None]:
    """The first level of `timer` not yet fired (after `after`), and when it comes due."""
    return ladders.following(_ladder(timer, policy)[1], after)


# --- timers opened and closed by an event ----------------------------------------------------------


def new_timer(
    candidate_id: int, req: Requisition, opening: Opening, at: datetime, policy: Policy, event_id: int | None
) -> Timer:
    timer = Timer(
        candidate_id=candidate_id,
        requisition_id=req.id or 0,
        role_profile=req.role_profile,
        kind=opening.kind.value,
        owner_role=TIMERS[opening.kind].owner.value,
        subject=opening.subject,
        owner_handle=opening.owner_handle,
        opened_at=at,
        window_start=opening.window_start or at,
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


def _resume(timer: Timer, at: datetime, policy: Policy) -> None:
    """The time on hold does not count: the working time left (or overdue) at the hold is kept."""
    if timer.paused_at is None:
        return
    cal = policy.cal()
    timer.due_at = cal.shift(timer.due_at, timer.paused_at, at)
    timer.window_start = cal.shift(timer.window_start, timer.paused_at, at)
    timer.paused_at = None
    fired_up_to = ladders.previous(timer.next_level)
    timer.next_level, timer.next_fire_at = next_level(timer, policy, fired_up_to)


def apply_timer_plan(
    session: Session, cand: Candidate, req: Requisition, applied: Applied, event_id: int | None, policy: Policy
) -> None:
    at = applied.occurred_at
    timer_plan = plan(applied, Scope(req.role_profile, req.id, policy))
    open_timers = (
        session.execute(
            select(Timer).where(Timer.candidate_id == cand.id, Timer.status == "open")  # type: ignore[arg-type]  # SQLModel types column comparisons as bool
        )
        .scalars()
        .all()
    )
    for timer in open_timers:
        if timer_plan.cancel_all:
            _close(timer, "cancelled", at, event_id)
        if timer_plan.pause_all:
            timer.paused_at = at
            timer.next_fire_at = None  # the sweep skips it until `resume`
        if timer_plan.resume_all:
            _resume(timer, at, policy)
    still_open = _close_planned(open_timers, timer_plan, at, event_id)
    for opening in timer_plan.open:
        if (opening.kind.value, opening.subject) not in still_open:
            session.add(new_timer(cand.id or 0, req, opening, at, policy, event_id))
    session.add_all(open_timers)


def _targets(timer: Timer, kinds: tuple[TimerKind, ...], subject: str | None) -> bool:
    """Whether the plan's `kinds` name this timer: a per-interview kind only that subject's (every one if None)."""
    kind = TimerKind(timer.kind)
    if kind not in kinds:
        return False
    return not TIMERS[kind].per_interview or subject is None or timer.subject == subject


def _close_planned(
    open_timers: Sequence[Timer], timer_plan: TimerPlan, at: datetime, event_id: int | None
) -> set[tuple[str, str | None]]:
    """Close what the plan closes, restarts and cancels; the (kind, subject) of the timers still open."""
    still_open: set[tuple[str, str | None]] = set()
    for timer in open_timers:
        if timer.status != "open":  # cancel_all closed it above
            continue
        if _targets(timer, timer_plan.close, timer_plan.subject):
            _close(timer, "met" if at <= timer.due_at else "breached", at, event_id)
        elif _targets(timer, timer_plan.restart, timer_plan.subject):
            _close(timer, "superseded", at, event_id)
        elif _targets(timer, timer_plan.cancel, timer_plan.subject):
            _close(timer, "cancelled", at, event_id)
        else:
            still_open.add((timer.kind, timer.subject))
    return still_open


# --- the sweep -------------------------------------------------------------------------------------


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
        return conn.execute(select(func.min(col(Timer.next_fire_at))).where(col(Timer.status) == "open")).scalar()


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
                .where(col(Timer.status) == "open", col(Timer.next_fire_at) <= now)
                .order_by(col(Timer.next_fire_at), col(Timer.id))
                .limit(batch_size)
            )
            if is_postgres(engine):
                query = query.with_for_update(skip_locked=True)  # concurrent sweepers share the work
            timers = [t for t in session.execute(query).scalars() if t.id not in seen]
            if not timers:
                break
            reqs = _by_id(session, Requisition, {t.requisition_id for t in timers})
            cands = _by_id(session, Candidate, {t.candidate_id for t in timers})
            owners = {t.owner_handle for t in timers if t.owner_handle}
            offered = {t.candidate_id for t in timers if t.kind == TimerKind.OFFER_RESPONSE.value}
            batch = _Batch(
                reqs,
                cands,
                now,
                policy,
                channels,
                _preferences(session, reqs.values(), policy, owners),
                latest_offers(session, offered),
            )
            for timer in timers:
                seen.add(timer.id or 0)
            fired += _fire_batch(session, timers, batch)
    return fired


@dataclass(frozen=True)
class _Batch:
    """What every timer of one batch is fired with."""

    reqs: dict[int, Requisition]
    cands: dict[int, Candidate]
    now: datetime
    policy: Policy
    channels: frozenset[str]
    preferences: dict[str, list[str]]  # preferred channels by handle
    offers: dict[int, dict[str, Any]] = field(default_factory=dict)  # latest offer payload by candidate


@dataclass(frozen=True)
class _Due:
    """One level of one timer that has come due, with its audience."""

    timer: Timer
    level: Level
    at: datetime
    ladder: Ladder
    steps: Steps
    role: Role
    recipient: str | None


def _preferences(session: Session, reqs: Any, policy: Policy, owners: set[str]) -> dict[str, list[str]]:
    """Preferred channels of the people this batch can escalate to (one query per batch)."""
    handles = {h for r in reqs for h in (r.recruiter, r.hiring_manager) if h} | owners
    handles |= {policy.head_of_talent} - {None}
    rows = session.execute(
        select(col(Person.handle), col(Person.channels)).where(col(Person.handle).in_(handles))
    ).all()
    return {handle: list(chosen) for handle, chosen in rows if chosen}


def _by_id(session: Session, table: type, ids: set[int]) -> dict[int, Any]:
    rows = session.execute(select(table).where(table.id.in_(ids))).scalars()  # type: ignore[attr-defined]  # table is a model class given at run time
    return {row.id: row for row in rows}


_TIMER = Timer.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared
_ADVANCE = (
    update(_TIMER)
    .where(_TIMER.c.id == bindparam("timer_id"))
    .values(next_level=bindparam("new_level"), next_fire_at=bindparam("new_fire_at"))
)


def _fire_batch(session: Session, timers: list[Timer], batch: _Batch) -> list[Fired]:
    """Fire every due level of a batch of timers with three statements: one multi-row INSERT ... ON CONFLICT
    DO NOTHING RETURNING for the escalations (the unique key decides who fired first; only the rows this
    sweeper inserted come back), one INSERT of their outbox rows, one UPDATE moving the timers on."""
    due, advances = _due_levels(timers, batch)
    inserted = insert_many_ignoring_duplicates(
        session,
        Escalation,
        [_escalation_row(d, batch.now) for d in due],
        Escalation.id,
        Escalation.timer_id,
        Escalation.level,
    )
    ids = {(timer_id, level_name): escalation_id for escalation_id, timer_id, level_name in inserted}
    fired: list[Fired] = []
    outbox: list[dict[str, Any]] = []
    for d in due:  # the order they were computed in, as one at a time
        escalation_id = ids.get((d.timer.id, d.level.value))
        if escalation_id is None:
            continue  # someone else fired this level first: theirs are the outbox rows
        rows = _outbox_rows(escalation_id, d, batch)
        outbox += rows
        fired.append(
            Fired(
                escalation_id,
                d.timer.id or 0,
                d.timer.candidate_id,
                d.timer.requisition_id,
                d.timer.kind,
                d.level.value,
                d.role.value,
                d.recipient,
                d.timer.due_at,
                d.at,
                batch.now,
                len(rows),
            )
        )
    conn = session.connection()
    if outbox:
        conn.execute(insert(_OUTBOX), outbox)
    if advances:
        conn.execute(_ADVANCE, advances)
    return fired


def _due_levels(timers: list[Timer], batch: _Batch) -> tuple[list[_Due], list[dict[str, Any]]]:
    """Every level of the batch due now, and each timer's move to its next level (for the UPDATE)."""
    due: list[_Due] = []
    advances: list[dict[str, Any]] = []
    for timer in timers:
        try:
            ladder, steps = _ladder(timer, batch.policy)
        except (OverflowError, ValueError) as exc:  # one bad row never stops the sweep for everyone else
            _park(timer, exc)
            continue
        now_due = ladders.due_now(steps, timer.next_level, batch.now)
        owner, req = Role(timer.owner_role), batch.reqs[timer.requisition_id]
        for level, at in now_due:
            role = ladders.audience(level, owner, ladder)
            who = recipient_for(role, req, batch.policy, timer.owner_handle)
            due.append(_Due(timer, level, at, ladder, steps, role, who))
        if now_due:
            new_level, new_fire_at = ladders.following(steps, after=now_due[-1][0].value)
            advances.append({"timer_id": timer.id, "new_level": new_level, "new_fire_at": new_fire_at})
    return due, advances


def _escalation_row(d: _Due, now: datetime) -> dict[str, Any]:
    return {
        "timer_id": d.timer.id,
        "candidate_id": d.timer.candidate_id,
        "level": d.level.value,
        "audience_role": d.role.value,
        "recipient": d.recipient,
        "scheduled_at": d.at,
        "fired_at": now,
        "lateness_seconds": (now - d.at).total_seconds(),
    }


def _outbox_rows(escalation_id: int, d: _Due, batch: _Batch) -> list[dict[str, Any]]:
    """One pending outbox row per channel the escalation goes out on, all carrying the same message."""
    req, cand, now = batch.reqs[d.timer.requisition_id], batch.cands[d.timer.candidate_id], batch.now
    message = _message(d, req, cand, now, batch.policy, batch.offers).as_payload()
    channels = channels_for(d.level, d.role, batch.policy, batch.channels, batch.preferences.get(d.recipient or ""))
    return [
        {
            "dedupe_key": f"esc:{escalation_id}:{channel}",
            "created_at": now,
            "candidate_id": d.timer.candidate_id,
            "escalation_id": escalation_id,
            "kind": "escalation",
            "recipient": d.recipient,
            "recipient_role": d.role.value,
            "channel": channel,
            "payload": message,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for channel in channels
    ]


def _park(timer: Timer, exc: Exception) -> None:
    """Report a timer whose escalation times cannot be computed and take it off the schedule (it stays open),
    so that it neither stops this batch nor makes every later sweep (and `serve`'s wake-ups) trip on it."""
    timer.next_fire_at = None  # written with the batch's transaction
    log.warning(
        "sweep: timer %s (candidate %s, %s) skipped and taken off the schedule: its escalation times "
        "cannot be computed (%s: %s)",
        timer.id,
        timer.candidate_id,
        timer.kind,
        type(exc).__name__,
        exc,
    )


def _message(
    d: _Due, req: Requisition, cand: Candidate, now: datetime, policy: Policy, offers: dict[int, dict[str, Any]]
) -> EscalationMessage:
    """The facts a channel renders, frozen at the moment it fired. Ids, no names: the dispatcher reads the
    candidate's name when it sends (notifications/dispatcher.py), so an erasure reaches this row too."""
    timer = d.timer
    following = ladders.next_step(d.level, Role(timer.owner_role), d.ladder, d.steps)
    next_info = None
    if following is not None:
        who = recipient_for(following.role, req, policy, timer.owner_handle)
        next_info = NextEscalation(
            level=following.level.value, role=following.role.value, recipient=who, at=following.at.isoformat()
        )
    overdue = now - timer.due_at
    return EscalationMessage(
        candidate_id=cand.id,
        requisition_id=req.id,
        requisition_title=req.title,
        stage=cand.stage,
        timer=timer.kind,
        level=d.level.value,
        audience_role=d.role.value,
        recipient=d.recipient,
        owner_role=timer.owner_role,
        due_at=timer.due_at.isoformat(),
        scheduled_at=d.at.isoformat(),
        fired_at=now.isoformat(),
        overdue_seconds=overdue.total_seconds(),
        overdue_human=human(overdue) if overdue.total_seconds() > 0 else None,
        due_in_human=human(-overdue) if overdue.total_seconds() <= 0 else None,
        action=TIMERS[TimerKind(timer.kind)].action,
        next_escalation=next_info,
        **_interview_facts(timer, req, cand),
        **(
            offer_facts(cand, req, offers.get(cand.id or 0, {})) if timer.kind == TimerKind.OFFER_RESPONSE.value else {}
        ),
    )


def _interview_facts(timer: Timer, req: Requisition, cand: Candidate) -> dict[str, Any]:
    """A scorecard timer's interview and kit; a decision timer's scorecards still missing, with whose they are."""
    interviews = cand.interviews or {}
    if timer.kind == TimerKind.SCORECARD.value and timer.subject:
        row = interviews.get(timer.subject) or {}
        return {
            "interview_part": timer.subject,
            "interview_at": row.get("starts_at"),
            "interviewer": timer.owner_handle,
            "kit_command": f"hiring kit --req {req.id} --part {timer.subject}",
        }
    if timer.kind != TimerKind.DECISION.value:
        return {}
    filed = set(cand.interview_parts or ())
    missing = []
    for part in InterviewPart:
        if part.value in filed:
            continue
        row = interviews.get(part.value) or {}
        live = row and not row.get("cancelled")
        missing.append(
            MissingScorecard(
                part=part.value,
                interviewer=str(row["interviewer"]) if live else None,
                starts_at=str(row["starts_at"]) if live else None,
            )
        )
    return {"missing_scorecards": missing}
