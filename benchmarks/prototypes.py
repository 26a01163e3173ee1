"""Prototypes of product changes, measured next to the product code they would replace.

Nothing here is used by the product. Each prototype writes exactly the rows the product function writes
(checked by the benchmark that runs it), so the comparison is like for like.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hiring.sla import _by_id, _Due, _message, _preferences, channels_for, next_level, recipient_for
from models.db import transaction
from models.tables import Candidate, Escalation, Outbox, Requisition, Timer
from states.ladder import audience, schedule
from states.policy import Policy, Role

_TIMER = Timer.__table__  # type: ignore[attr-defined]
_ADVANCE = (
    update(_TIMER)
    .where(_TIMER.c.id == bindparam("timer_id"))
    .values(next_level=bindparam("level"), next_fire_at=bindparam("fire_at"))
)


def batched_sweep(engine: Engine, now: datetime, policy: Policy, channels: frozenset[str],
                  batch_size: int = 500) -> int:  # fmt: skip
    """hiring.sweep.sweep with three statements per batch instead of three per escalation (SQLite only).

    Per batch of due timers, in one transaction as today:
      1. one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING id, timer_id, level into escalation
         (the unique key still decides who fired first; only the rows this sweeper inserted come back);
      2. one executemany INSERT of the outbox rows of the escalations that came back;
      3. one executemany UPDATE of the timers' next_level / next_fire_at.
    No ORM unit of work is involved in the writes, so there is no autoflush per escalation.
    Returns the number of escalations fired.
    """
    fired = 0
    seen: set[int] = set()
    while True:
        with transaction(engine) as session:
            query = (
                select(Timer)
                .where(Timer.status == "open", Timer.next_fire_at <= now)  # type: ignore[operator]
                .order_by(Timer.next_fire_at, Timer.id)
                .limit(batch_size)
            )
            timers = [t for t in session.execute(query).scalars() if t.id not in seen]
            if not timers:
                break
            reqs = _by_id(session, Requisition, {t.requisition_id for t in timers})
            cands = _by_id(session, Candidate, {t.candidate_id for t in timers})
            preferences = _preferences(session, reqs.values(), policy)
            escalations: list[dict[str, Any]] = []
            pending: dict[tuple[int, str], _Due] = {}
            advances: list[dict[str, Any]] = []
            for timer in timers:
                seen.add(timer.id or 0)
                ladder = policy.ladder_for(timer.role_profile, timer.requisition_id)
                plan = schedule(timer.window_start, timer.due_at, ladder, policy.cal())
                names = [level.value for level, _ in plan]
                start = names.index(timer.next_level) if timer.next_level in names else len(names)
                owner, req = Role(timer.owner_role), reqs[timer.requisition_id]
                last = None
                for level, at in plan[start:]:
                    if at > now:
                        break
                    last = level.value
                    role = audience(level, owner, ladder)
                    recipient = recipient_for(role, req, policy)
                    escalations.append({"timer_id": timer.id, "candidate_id": timer.candidate_id,
                                        "level": level.value, "audience_role": role.value, "recipient": recipient,
                                        "scheduled_at": at, "fired_at": now,
                                        "lateness_seconds": (now - at).total_seconds()})  # fmt: skip
                    pending[(timer.id or 0, level.value)] = _Due(timer, level, at, ladder, plan, role, recipient)
                if last is not None:
                    nxt, when = next_level(timer, policy, after=last)
                    advances.append({"timer_id": timer.id, "level": nxt, "fire_at": when})
            conn = session.connection()
            inserted = []
            if escalations:
                stmt = (
                    sqlite_insert(Escalation)
                    .on_conflict_do_nothing()
                    .returning(Escalation.id, Escalation.timer_id, Escalation.level)  # type: ignore[arg-type]
                )
                inserted = conn.execute(stmt, escalations).all()
            outbox: list[dict[str, Any]] = []
            for escalation_id, timer_id, level_name in inserted:
                due = pending[(timer_id, level_name)]
                timer, level, role, recipient = due.timer, due.level, due.role, due.recipient
                req, cand = reqs[timer.requisition_id], cands[timer.candidate_id]
                message = _message(due, req, cand, now, policy).as_payload()
                for channel in channels_for(level, role, policy, channels, preferences.get(recipient or "")):
                    outbox.append({"dedupe_key": f"esc:{escalation_id}:{channel}", "created_at": now,
                                   "candidate_id": timer.candidate_id, "escalation_id": escalation_id,
                                   "kind": "escalation", "recipient": recipient, "recipient_role": role.value,
                                   "channel": channel, "payload": message, "status": "pending", "attempts": 0,
                                   "next_attempt_at": now})  # fmt: skip
            if outbox:
                conn.execute(Outbox.__table__.insert(), outbox)  # type: ignore[attr-defined]
            if advances:
                conn.execute(_ADVANCE, advances)
            fired += len(inserted)
    return fired


# --- apply_event with Core statements ----------------------------------------------------------------


def lean_apply_event(engine: Engine, candidate_id: int, trigger: str, payload: dict[str, Any] | None, *,
                     actor: str, occurred_at: datetime, now: datetime, policy: Policy) -> int:  # fmt: skip
    """hiring.service.apply_event's write path with Core statements instead of the ORM unit of work.

    Same validation (states.candidate.apply: payload schema, the shared machine, guards), same version
    check, same rows: event, candidate snapshot, timers closed and opened by states.sla.plan. Differences:
    rows are read as Core rows (no identity map, no SQLModel instances), the event id comes from INSERT ..
    RETURNING, timers are closed with one UPDATE and opened with one INSERT, and nothing is flushed
    implicitly. Idempotency keys and hold/resume are left out of this prototype. Returns the event id.
    """
    from types import SimpleNamespace

    from sqlalchemy import insert

    from hiring.service import _request_hash, _snapshot_columns
    from models.tables import Event
    from states.candidate import Band, CandidateState, apply
    from states.sla import Scope, plan
    from states.stages import Stage
    from states.timers import TIMERS as DEFAULT_TIMERS

    cand_t, req_t, event_t = (m.__table__ for m in (Candidate, Requisition, Event))  # type: ignore[attr-defined]
    with engine.begin() as conn:
        c = conn.execute(select(cand_t).where(cand_t.c.id == candidate_id)).one()
        r = conn.execute(select(req_t).where(req_t.c.id == c.requisition_id)).one()
        state = CandidateState(
            stage=Stage(c.stage), on_hold=c.on_hold, take_home_submitted=c.take_home_submitted,
            interview_parts=frozenset(c.interview_parts or ()),
            returns_to=Stage(c.returns_to) if c.returns_to else None,
            start_date=c.start_date, last_event_at=c.last_event_at,
        )  # fmt: skip
        band = Band(r.salary_min, r.salary_max, r.currency) if r.salary_min and r.salary_max and r.currency else None
        applied = apply(state, trigger, payload, occurred_at, band)
        changed = conn.execute(
            update(cand_t).where(cand_t.c.id == candidate_id, cand_t.c.version == c.version)
            .values(**_snapshot_columns(applied.after), version=c.version + 1)
        ).rowcount  # fmt: skip
        if changed != 1:
            raise RuntimeError("conflict")
        event_id = conn.execute(
            insert(event_t).returning(event_t.c.id),
            {"candidate_id": candidate_id, "seq": c.version + 1, "trigger": trigger,
             "from_stage": applied.source.value, "to_stage": applied.dest.value,
             "payload": applied.payload.model_dump(mode="json", exclude_none=True), "actor": actor,
             "occurred_at": occurred_at, "recorded_at": now, "idempotency_key": None,
             "request_hash": _request_hash(candidate_id, trigger, payload)},
        ).scalar_one()  # fmt: skip
        timer_plan = plan(applied, Scope(r.role_profile, r.id, policy))
        if timer_plan.pause_all or timer_plan.resume_all:
            raise NotImplementedError("hold/resume are not in this prototype")
        open_rows = conn.execute(
            select(_TIMER.c.id, _TIMER.c.kind, _TIMER.c.due_at)
            .where(_TIMER.c.candidate_id == candidate_id, _TIMER.c.status == "open")
        ).all()  # fmt: skip
        by_kind = {row.kind: row for row in open_rows}
        closing: list[dict[str, Any]] = []
        if timer_plan.cancel_all:
            closing += [{"tid": row.id, "st": "cancelled"} for row in open_rows]
        for kind in timer_plan.close:
            row = by_kind.pop(kind.value, None)
            if row is not None:
                closing.append({"tid": row.id, "st": "met" if occurred_at <= row.due_at else "breached"})
        for kind in timer_plan.restart:
            row = by_kind.pop(kind.value, None)
            if row is not None:
                closing.append({"tid": row.id, "st": "superseded"})
        if closing:
            conn.execute(
                update(_TIMER).where(_TIMER.c.id == bindparam("tid"))
                .values(status=bindparam("st"), closed_at=occurred_at, closed_by_event_id=event_id, next_level=None,
                        next_fire_at=None),
                closing,
            )  # fmt: skip
        opening = []
        for o in timer_plan.open:
            if o.kind.value in by_kind:
                continue
            shape = SimpleNamespace(role_profile=r.role_profile, requisition_id=r.id, window_start=occurred_at,
                                    due_at=o.due_at)  # fmt: skip
            level, fire_at = next_level(shape, policy)  # type: ignore[arg-type]
            opening.append({"candidate_id": candidate_id, "requisition_id": r.id, "role_profile": r.role_profile,
                            "kind": o.kind.value, "owner_role": DEFAULT_TIMERS[o.kind].owner.value,
                            "opened_at": occurred_at, "window_start": occurred_at, "due_at": o.due_at,
                            "status": "open", "paused_at": None, "next_level": level, "next_fire_at": fire_at,
                            "closed_at": None, "closed_by_event_id": None, "opened_by_event_id": event_id})  # fmt: skip
        if opening:
            conn.execute(insert(_TIMER), opening)
    return int(event_id)


# --- CSV import: add_candidates without SQLModel instances ---------------------------------------------


def lean_add_candidates(engine: Engine, people: list[Any], actor: str, now: datetime, policy: Policy) -> list[int]:
    """hiring.service.add_candidates writing the same rows with Core statements on the tables.

    Differences: the first timer of each candidate is a plain dict computed once per requisition (every
    candidate of a requisition opens the same timer at the same instant) instead of a SQLModel Timer built
    and dumped per row, and the three INSERTs go to the Core tables (Candidate.__table__, ...) rather than
    through the ORM's bulk-insert path. The checks (_check_new) are the product's own.
    """
    from sqlalchemy import insert

    from hiring.service import CREATE_TRIGGER, _check_new
    from models.tables import Event
    from states.candidate import CandidateState
    from states.sla import Scope, opening_on_entry
    from states.stages import INITIAL
    from states.timers import TIMERS as DEFAULT_TIMERS

    cand_t, event_t = Candidate.__table__, Event.__table__  # type: ignore[attr-defined]
    with transaction(engine) as session:
        _check_new(session, people)
        if not people:
            return []
        conn = session.connection()
        ids = list(conn.execute(
            insert(cand_t).returning(cand_t.c.id, sort_by_parameter_order=True),
            [{"requisition_id": p.requisition_id, "name": p.name, "email": str(p.email), "source": p.source.value,
              "motivators": [m.value for m in p.motivators], "external_id": p.external_id, "stage": INITIAL.value,
              "on_hold": False, "take_home_submitted": False, "interview_parts": [], "last_event_at": now,
              "version": 1, "created_at": now} for p in people],
        ).scalars())  # fmt: skip
        conn.execute(insert(event_t), [
            {"candidate_id": cid, "seq": 1, "trigger": CREATE_TRIGGER, "from_stage": None, "to_stage": INITIAL.value,
             "payload": {"source": p.source.value}, "actor": actor, "occurred_at": now, "recorded_at": now}
            for cid, p in zip(ids, people, strict=True)
        ])  # fmt: skip
        reqs = {r.id: r for r in session.execute(
            select(Requisition).where(Requisition.id.in_({p.requisition_id for p in people}))  # type: ignore[union-attr]
        ).scalars()}  # fmt: skip
        shapes: dict[int, list[dict[str, Any]]] = {}
        for rid, req in reqs.items():
            shapes[rid] = []
            for opening in opening_on_entry(INITIAL, CandidateState(), now, Scope(req.role_profile, req.id, policy)):
                ladder = policy.ladder_for(req.role_profile, req.id)
                level, at = schedule(now, opening.due_at, ladder, policy.cal())[0]
                shapes[rid].append({"requisition_id": rid, "role_profile": req.role_profile, "kind": opening.kind.value,
                                    "owner_role": DEFAULT_TIMERS[opening.kind].owner.value, "opened_at": now,
                                    "window_start": now, "due_at": opening.due_at, "status": "open",
                                    "next_level": level.value, "next_fire_at": at})  # fmt: skip
        timers = [{**shape, "candidate_id": cid} for cid, p in zip(ids, people, strict=True)
                  for shape in shapes[p.requisition_id]]  # fmt: skip
        if timers:
            conn.execute(insert(_TIMER), timers)
        return ids


def lean_import_csv(engine: Engine, path: Any, actor: str, now: datetime, policy: Policy) -> int:
    """hiring.importer.import_csv (all rows valid) with lean_add_candidates; the row checks are the product's."""
    from hiring.importer import _check_against_db, read_rows

    good, bad, _count = read_rows(path)
    bad += _check_against_db(engine, good)
    if bad:
        raise ValueError(f"{len(bad)} bad rows")
    return len(lean_add_candidates(engine, [c for _line, c in good], actor, now, policy))
