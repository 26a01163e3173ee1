"""Requisitions as the CLI and the API show them."""

from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hiring.market_file import current_market
from hiring.queries.lookup import get_requisition
from models.tables import Candidate, Requisition
from states.market import band_position, market_warnings
from states.profiles import PROFILES
from states.requisition import RequisitionSpec
from states.role_rules import definition_warnings
from states.sourcing import channel_fit, sourcing_plan
from states.stages import ONBOARDING, Stage

HIRED = frozenset({*ONBOARDING, Stage.ONBOARDED, Stage.DEPARTED})  # every stage after an accepted offer


def _answer(detail: str | None, kinds: list[str] | None) -> dict[str, Any] | None:
    return None if detail is None and not kinds else {"detail": detail, "kinds": kinds or []}


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
                "business_problem": req.business_problem,
                "system_to_build": _answer(req.system_to_build, req.system_kinds),
                "key_constraints": _answer(req.key_constraints, req.constraint_kinds),
                "collaborators": req.collaborators,
            },
            "job_description": {
                k: getattr(req, k)
                for k in ("business_context", "core_responsibilities", "stack", "success_criteria", "decision_rights")
            },
            "engagement": req.engagement,
            "engagement_rationale": req.engagement_rationale,
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
    out["warnings_at_open"] = req.open_warnings
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


def role_checks(spec: RequisitionSpec) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """What `role open` warns about today, and the band against the market data (None without a band)."""
    position = band_position(current_market(), spec.role_profile, spec.salary_band) if spec.salary_band else None
    return definition_warnings(spec) + market_warnings(position), position


def show_requisition(engine: Engine, req_id: int) -> dict[str, Any]:
    """One requisition in full: its definition, the checks, the profile, where to source it and how that went."""
    with Session(engine) as session:
        req = get_requisition(session, req_id)
        rows = session.execute(
            select(col(Candidate.stage), col(Candidate.source), func.count())
            .where(col(Candidate.requisition_id) == req_id)
            .group_by(col(Candidate.stage), col(Candidate.source))
        ).all()
    counts: dict[str, int] = {}
    by_source: dict[str, tuple[int, int]] = {}
    for stage, source, n in rows:
        counts[stage] = counts.get(stage, 0) + n
        seen, hired = by_source.get(source, (0, 0))
        by_source[source] = (seen + n, hired + (n if stage in HIRED else 0))
    out = requisition_dict(req, counts)
    spec = requisition_spec(req)
    out["warnings"], out["market"] = role_checks(spec)
    profile = spec.role_profile
    out["profile"] = PROFILES[profile].as_dict() if profile else None
    out["sourcing"] = sourcing_plan(profile) if profile else None
    out["channel_fit"] = channel_fit(profile, by_source) if profile else None
    return out
