"""Prototypes of product changes, measured next to the product code they would replace.

Nothing here is used by the product. Each prototype writes exactly the rows the product function writes
(checked by the benchmark that runs it), so the comparison is like for like.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select, update

from hiring.sla import next_level
from models.tables import Candidate, Requisition, Timer, table_of
from states.policy import Policy

_TIMER = table_of(Timer)

# --- apply_event with Core statements ----------------------------------------------------------------


def lean_apply_event(
    engine: Engine,
    candidate_id: int,
    trigger: str,
    payload: dict[str, Any] | None,
    *,
    actor: str,
    occurred_at: datetime,
    now: datetime,
    policy: Policy,
) -> int:
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

    cand_t, req_t, event_t = table_of(Candidate), table_of(Requisition), table_of(Event)
    with engine.begin() as conn:
        c = conn.execute(select(cand_t).where(cand_t.c.id == candidate_id)).one()
        r = conn.execute(select(req_t).where(req_t.c.id == c.requisition_id)).one()
        state = CandidateState(
            stage=Stage(c.stage),
            on_hold=c.on_hold,
            take_home_submitted=c.take_home_submitted,
            technical_screen_done=c.technical_screen_done,
            interview_parts=frozenset(c.interview_parts or ()),
            returns_to=Stage(c.returns_to) if c.returns_to else None,
            start_date=c.start_date,
            last_event_at=c.last_event_at,
        )
        band = Band(r.salary_min, r.salary_max, r.currency) if r.salary_min and r.salary_max and r.currency else None
        applied = apply(state, trigger, payload, occurred_at, band, in_effect=policy.in_effect(r.role_profile, r.id))
        changed = conn.execute(
            update(cand_t)
            .where(cand_t.c.id == candidate_id, cand_t.c.version == c.version)
            .values(**_snapshot_columns(applied.after), version=c.version + 1)
        ).rowcount
        if changed != 1:
            raise RuntimeError("conflict")
        event_id = conn.execute(
            insert(event_t).returning(event_t.c.id),
            {
                "candidate_id": candidate_id,
                "seq": c.version + 1,
                "trigger": trigger,
                "from_stage": applied.source.value,
                "to_stage": applied.dest.value,
                "payload": applied.payload.model_dump(mode="json", exclude_none=True),
                "actor": actor,
                "occurred_at": occurred_at,
                "recorded_at": now,
                "idempotency_key": None,
                "request_hash": _request_hash(candidate_id, trigger, payload),
            },
        ).scalar_one()
        timer_plan = plan(applied, Scope(r.role_profile, r.id, policy))
        if timer_plan.pause_all or timer_plan.resume_all:
            raise NotImplementedError("hold/resume are not in this prototype")
        open_rows = conn.execute(
            select(_TIMER.c.id, _TIMER.c.kind, _TIMER.c.due_at).where(
                _TIMER.c.candidate_id == candidate_id, _TIMER.c.status == "open"
            )
        ).all()
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
                update(_TIMER)
                .where(_TIMER.c.id == bindparam("tid"))
                .values(
                    status=bindparam("st"),
                    closed_at=occurred_at,
                    closed_by_event_id=event_id,
                    next_level=None,
                    next_fire_at=None,
                ),
                closing,
            )
        opening = []
        for o in timer_plan.open:
            if o.kind.value in by_kind:
                continue
            shape = SimpleNamespace(
                role_profile=r.role_profile, requisition_id=r.id, window_start=occurred_at, due_at=o.due_at
            )
            level, fire_at = next_level(shape, policy)  # type: ignore[arg-type]  # a stand-in Timer: 4 fields read
            opening.append(
                {
                    "candidate_id": candidate_id,
                    "requisition_id": r.id,
                    "role_profile": r.role_profile,
                    "kind": o.kind.value,
                    "owner_role": DEFAULT_TIMERS[o.kind].owner.value,
                    "opened_at": occurred_at,
                    "window_start": occurred_at,
                    "due_at": o.due_at,
                    "status": "open",
                    "paused_at": None,
                    "next_level": level,
                    "next_fire_at": fire_at,
                    "closed_at": None,
                    "closed_by_event_id": None,
                    "opened_by_event_id": event_id,
                }
            )
        if opening:
            conn.execute(insert(_TIMER), opening)
    return int(event_id)
