"""Requisitions as the CLI and the API show them."""

from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hiring.queries.lookup import get_requisition
from models.tables import Candidate, Requisition
from states.requisition import RequisitionSpec


def requisition_spec(req: Requisition) -> RequisitionSpec:
    """The stored requisition as the spec it was written from (for `missing()` and display)."""
    band = None
    if req.salary_min is not None and req.salary_max is not None and req.currency:
        band = {"min": req.salary_min, "max": req.salary_max, "currency": req.currency}
    return RequisitionSpec.model_validate(
        {
            "title": req.title,
            "role_profile": req.role_profile,
            "role_definition": {
                k: getattr(req, k) for k in ("business_problem", "system_to_build", "key_constraints", "collaborators")
            },
            "job_description": {
                k: getattr(req, k)
                for k in ("business_context", "core_responsibilities", "stack", "success_criteria", "decision_rights")
            },
            "engagement": req.engagement,
            "salary_band": band,
            "recruiter": req.recruiter,
            "hiring_manager": req.hiring_manager,
        }
    )


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
        reqs = session.execute(select(Requisition).order_by(col(Requisition.id))).scalars().all()
        totals = dict(
            session.execute(
                select(col(Candidate.requisition_id), func.count()).group_by(col(Candidate.requisition_id))
            ).all()
        )
    return [{**requisition_dict(r), "candidates": totals.get(r.id, 0)} for r in reqs]


def show_requisition(engine: Engine, req_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        req = get_requisition(session, req_id)
        counts = dict(
            session.execute(
                select(col(Candidate.stage), func.count())
                .where(col(Candidate.requisition_id) == req_id)
                .group_by(col(Candidate.stage))
            ).all()
        )
    return requisition_dict(req, counts)
