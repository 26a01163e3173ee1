"""Candidates: list, add, show, history, events (the state machine), erasure."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from hiring.api.deps import CandidateRef, EngineDep, PolicyDep, documented_auth, now, responses
from hiring.api.errors import ApiError, problem, to_problem
from hiring.api.schemas import (
    CandidateDetail,
    CandidateIn,
    CandidateOut,
    CandidateUpdateIn,
    CandidateUpdateOut,
    ErasureIn,
    ErasureOut,
    EventIn,
    EventOut,
    FieldProblem,
    History,
    Problem,
)
from hiring.candidate_details import update_candidate
from hiring.errors import Conflict
from hiring.privacy import erase
from hiring.queries import (
    MAX_ID,
    candidate_erased,
    candidate_history,
    candidate_id,
    list_candidates,
    refuse_if_erased,
    show_candidate,
    where_candidate_stands,
)
from hiring.service import add_candidates, apply_event
from states.errors import GuardRefused, TriggerNotAllowed
from states.intake import CandidateUpdate, NewCandidate
from states.stages import Stage

IDEMPOTENCY = "Makes retries safe: the same key and event return the first result."
REPLAYED = "Replayed: the Idempotency-Key was used before for the same event; nothing was written."
router = APIRouter(prefix="/candidates", tags=["candidates"], dependencies=[Depends(documented_auth)])


@router.get("", response_model=list[CandidateOut], responses=responses(422))
def candidates(
    engine: EngineDep,
    requisition_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    stage: Stage | None = None,
) -> list[dict[str, Any]]:
    """Candidates, oldest first; filter by requisition and stage."""
    return list_candidates(engine, requisition_id, stage.value if stage else None)


@router.post("", status_code=201, response_model=CandidateOut, responses=responses(404, 409, 413, 422))
def add(body: CandidateIn, engine: EngineDep, policy: PolicyDep) -> dict[str, Any]:
    """Add one candidate to an open requisition; they start in `sourced`."""
    spec = NewCandidate.model_validate(body.model_dump(exclude={"actor"}))
    [cid] = add_candidates(engine, [spec], actor=body.actor, policy=policy)
    return show_candidate(engine, str(cid))


@router.get("/{ref}", response_model=CandidateDetail, responses=responses(404, 422))
def show(ref: CandidateRef, engine: EngineDep) -> dict[str, Any]:
    """One candidate: stage, version, the triggers allowed now, and open SLA timers."""
    cid = candidate_id(engine, ref)
    out = show_candidate(engine, str(cid))
    out["erased"] = candidate_erased(engine, cid)
    return out


@router.patch("/{ref}", response_model=CandidateUpdateOut, responses=responses(404, 409, 413, 422))
def update(ref: CandidateRef, body: CandidateUpdateIn, engine: EngineDep) -> dict[str, Any]:
    """Change the candidate's name, email, motivators or source, with an `update_details` event in their log
    (naming what changed; never the name or email). An email another candidate of the requisition already
    uses is a warning, not a refusal."""
    cid = candidate_id(engine, ref)
    spec = CandidateUpdate.model_validate(body.model_dump(exclude={"actor"}, exclude_none=True))
    try:
        done = update_candidate(engine, cid, spec, actor=body.actor, now=now())
    except Conflict as exc:
        raise ApiError(409, _with_state(engine, cid, to_problem(exc))) from None
    shown = show_candidate(engine, str(cid))
    shown["erased"] = candidate_erased(engine, cid)
    return {
        "candidate": shown,
        "changed": done.changed,
        "warnings": done.warnings,
        "event_id": done.event_id,
        "version": done.version,
    }


@router.get("/{ref}/events", response_model=History, responses=responses(404, 422))
def history(ref: CandidateRef, engine: EngineDep) -> dict[str, Any]:
    """The candidate's audit log, oldest first."""
    cand, events = candidate_history(engine, str(candidate_id(engine, ref)))
    return {"candidate": cand, "events": events}


@router.post(
    "/{ref}/events",
    status_code=201,
    response_model=EventOut,
    responses={200: {"model": EventOut, "description": REPLAYED}, **responses(404, 409, 413, 422)},
)
def post_event(
    ref: CandidateRef,
    body: EventIn,
    response: Response,
    engine: EngineDep,
    policy: PolicyDep,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=200, description=IDEMPOTENCY),
    ] = None,
) -> dict[str, Any]:
    """Apply one event: validated against the stage graph, the trigger's payload schema and its guards, and
    recorded with the candidate's new stage and version in one transaction, or refused with nothing written."""
    cid = candidate_id(engine, ref)
    at = now()
    if body.occurred_at is not None and body.occurred_at > at:
        raise ApiError(
            422,
            problem(
                422,
                "occurred_at is in the future",
                errors=[FieldProblem(field="occurred_at", problem=f"is after now ({at.isoformat()})")],
            ),
        )
    try:
        refuse_if_erased(engine, cid)
        out = apply_event(
            engine,
            cid,
            body.trigger,
            body.payload,
            actor=body.actor,
            occurred_at=body.occurred_at,
            key=idempotency_key,
            expected_version=body.expected_version,
            now=at,
            policy=policy,
        )
    except (TriggerNotAllowed, GuardRefused, Conflict) as exc:
        raise ApiError(409, _with_state(engine, cid, to_problem(exc))) from None
    if out.replayed:
        response.status_code = 200
    return out.as_dict()


def _with_state(engine: Any, cid: int, body: Problem) -> Problem:
    """A 409 says where the candidate is now and what it accepts."""
    now_at = where_candidate_stands(engine, cid)
    return body if now_at is None else body.model_copy(update=now_at)


@router.post("/{ref}/erasure", response_model=ErasureOut, responses=responses(404, 413, 422))
def erasure(ref: CandidateRef, body: ErasureIn, engine: EngineDep) -> dict[str, Any]:
    """Erase the candidate's personal data (name, email, notes, free text), keeping the anonymous facts."""
    return erase(engine, candidate_id(engine, ref), body.by).as_dict()
