"""Read-side queries for the CLI (and later the API and reports). No writes here."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from hiring.service import find_candidate, requisition_spec
from models.tables import Candidate, Event, Requisition
from states.stages import ACTIVE, TERMINAL, Stage


def requisition_dict(req: Requisition, counts: dict[str, int] | None = None) -> dict[str, Any]:
    spec = requisition_spec(req)
    out: dict[str, Any] = {"id": req.id, "status": req.status, **spec.model_dump(mode="json")}
    out["missing"] = spec.missing()
    out["created_at"] = req.created_at
    out["opened_at"] = req.opened_at
    if counts is not None:
        out["candidates_by_stage"] = counts
    return out


def list_requisitions(engine: Engine) -> list[dict[str, Any]]:
    with Session(engine) as session:
        reqs = session.execute(select(Requisition).order_by(Requisition.id)).scalars().all()
        totals = dict(
            session.execute(
                select(Candidate.requisition_id, func.count()).group_by(Candidate.requisition_id)
            ).all()
        )
    return [{**requisition_dict(r), "candidates": totals.get(r.id, 0)} for r in reqs]


def show_requisition(engine: Engine, req_id: int) -> dict[str, Any]:
    from hiring.errors import NotFound
    from hiring.service import MAX_ID

    with Session(engine) as session:
        req = session.get(Requisition, req_id) if 0 < req_id <= MAX_ID else None
        if req is None:
            raise NotFound(f"no requisition with id {req_id}")
        counts = dict(
            session.execute(
                select(Candidate.stage, func.count())
                .where(Candidate.requisition_id == req_id)
                .group_by(Candidate.stage)
            ).all()
        )
    return requisition_dict(req, counts)


def candidate_dict(c: Candidate) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "requisition_id": c.requisition_id,
        "source": c.source,
        "motivators": c.motivators or [],
        "external_id": c.external_id,
        "stage": c.stage,
        "on_hold": c.on_hold,
        "take_home_submitted": c.take_home_submitted,
        "interview_parts": c.interview_parts or [],
        "returns_to": c.returns_to,
        "version": c.version,
        "last_event_at": c.last_event_at,
        "created_at": c.created_at,
    }


def list_candidates(
    engine: Engine, requisition_id: int | None = None, stage: str | None = None
) -> list[dict[str, Any]]:
    query = select(Candidate).order_by(Candidate.id)
    if requisition_id is not None:
        query = query.where(Candidate.requisition_id == requisition_id)
    if stage is not None:
        query = query.where(Candidate.stage == stage)
    with Session(engine) as session:
        return [candidate_dict(c) for c in session.execute(query).scalars()]


def event_dict(e: Event) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "trigger": e.trigger,
        "from_stage": e.from_stage,
        "to_stage": e.to_stage,
        "payload": e.payload or {},
        "actor": e.actor,
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "idempotency_key": e.idempotency_key,
    }


def candidate_history(engine: Engine, ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with Session(engine) as session:
        cand = find_candidate(session, ref)
        events = session.execute(
            select(Event).where(Event.candidate_id == cand.id).order_by(Event.seq)  # type: ignore[arg-type]
        ).scalars()
        return candidate_dict(cand), [event_dict(e) for e in events]


def show_candidate(engine: Engine, ref: str) -> dict[str, Any]:
    from hiring.clock import now
    from hiring.sla_queries import open_timers
    from states.graph import triggers_from

    with Session(engine) as session:
        cand = find_candidate(session, ref)
        out = candidate_dict(cand)
    out["allowed_triggers"] = triggers_from(Stage(cand.stage), cand.on_hold)
    out["timers"] = open_timers(engine, now(), candidate_id=cand.id)
    out["overdue"] = any(t["overdue"] for t in out["timers"])
    return out


def board(engine: Engine, requisition_id: int | None = None, at: datetime | None = None) -> list[dict[str, Any]]:
    """Per requisition: active candidates grouped by stage (graph order) with their next deadline or how
    overdue they are, and terminal counts."""
    from hiring.clock import now
    from hiring.sla_queries import overdue_by_candidate

    deadlines = overdue_by_candidate(engine, at or now())
    with Session(engine) as session:
        reqs = (
            session.execute(select(Requisition).where(Requisition.status != "draft").order_by(Requisition.id))
            .scalars()
            .all()
        )
        if requisition_id is not None:
            reqs = [r for r in reqs if r.id == requisition_id]
        query = select(Candidate).order_by(Candidate.last_event_at, Candidate.id)
        if requisition_id is not None:
            query = query.where(Candidate.requisition_id == requisition_id)
        cands = session.execute(query).scalars().all()
    out = []
    for req in reqs:
        mine = [c for c in cands if c.requisition_id == req.id]
        stages = {
            stage.value: [
                {"id": c.id, "name": c.name, "on_hold": c.on_hold, "since": c.last_event_at,
                 **_deadline(deadlines.get(c.id or 0))}
                for c in mine
                if c.stage == stage.value
            ]
            for stage in ACTIVE
        }
        closed = {s.value: sum(1 for c in mine if c.stage == s.value) for s in sorted(TERMINAL)}
        out.append(
            {"requisition_id": req.id, "title": req.title, "status": req.status,
             "recruiter": req.recruiter, "hiring_manager": req.hiring_manager,
             "stages": stages, "closed": closed}
        )  # fmt: skip
    return out


def _deadline(info: dict[str, Any] | None) -> dict[str, Any]:
    if info is None:
        return {"overdue": None, "next_deadline": None}
    return {"overdue": info["overdue"] and f"{info['timer']} by {info['overdue']}",
            "next_deadline": {"timer": info["timer"], "due_at": info["due_at"], "due_in": info["due_in"]}}
