"""The board: per requisition, the active candidates by stage with their next deadline."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from models.tables import Candidate, Requisition
from states.stages import ACTIVE, TERMINAL


def board(engine: Engine, requisition_id: int | None = None, at: datetime | None = None) -> list[dict[str, Any]]:
    """Per requisition: active candidates grouped by stage (graph order) with their next deadline or how
    overdue they are, and terminal counts."""
    from hiring.clock import now
    from hiring.queries.sla import overdue_by_candidate

    deadlines = overdue_by_candidate(engine, at or now())
    with Session(engine) as session:
        reqs = (
            session.execute(select(Requisition).where(col(Requisition.status) != "draft").order_by(col(Requisition.id)))
            .scalars()
            .all()
        )
        if requisition_id is not None:
            reqs = [r for r in reqs if r.id == requisition_id]
        query = select(Candidate).order_by(col(Candidate.last_event_at), col(Candidate.id))
        if requisition_id is not None:
            query = query.where(col(Candidate.requisition_id) == requisition_id)
        cands = session.execute(query).scalars().all()
    out = []
    for req in reqs:
        mine = [c for c in cands if c.requisition_id == req.id]
        stages = {
            stage.value: [
                {
                    "id": c.id,
                    "name": c.name,
                    "on_hold": c.on_hold,
                    "since": c.last_event_at,
                    **_deadline(deadlines.get(c.id or 0)),
                }
                for c in mine
                if c.stage == stage.value
            ]
            for stage in ACTIVE
        }
        closed = {s.value: sum(1 for c in mine if c.stage == s.value) for s in sorted(TERMINAL)}
        out.append(
            {
                "requisition_id": req.id,
                "title": req.title,
                "status": req.status,
                "recruiter": req.recruiter,
                "hiring_manager": req.hiring_manager,
                "stages": stages,
                "closed": closed,
            }
        )
    return out


def _deadline(info: dict[str, Any] | None) -> dict[str, Any]:
    if info is None:
        return {"overdue": None, "next_deadline": None}
    return {
        "overdue": info["overdue"] and f"{info['timer']} by {info['overdue']}",
        "next_deadline": {"timer": info["timer"], "due_at": info["due_at"], "due_in": info["due_in"]},
    }
