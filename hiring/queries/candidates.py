"""Candidates as the CLI and the API show them: one, a list, the audit log, and where one stands now."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from hiring.queries.closing import closing_brief, latest_offers
from hiring.queries.lookup import ensure_not_erased, find_candidate, is_erased
from models.tables import Candidate, Event
from states.approvals import chain_from_json
from states.graph import triggers_from
from states.stages import Stage
from states.vocabulary import InterviewPart


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


def candidate_id(engine: Engine, ref: str | int) -> int:
    """The numeric id of the candidate a reference names (an id, else an external id); NotFound if none."""
    with Session(engine) as session:
        return find_candidate(session, ref).id or 0


def list_candidates(
    engine: Engine, requisition_id: int | None = None, stage: str | None = None
) -> list[dict[str, Any]]:
    query = select(Candidate).order_by(col(Candidate.id))
    if requisition_id is not None:
        query = query.where(col(Candidate.requisition_id) == requisition_id)
    if stage is not None:
        query = query.where(col(Candidate.stage) == stage)
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
            select(Event).where(Event.candidate_id == cand.id).order_by(Event.seq)  # type: ignore[arg-type]  # SQLModel types column comparisons as bool
        ).scalars()
        return candidate_dict(cand), [event_dict(e) for e in events]


def show_candidate(engine: Engine, ref: str) -> dict[str, Any]:
    from hiring.clock import now
    from hiring.queries.sla import open_timers

    with Session(engine) as session:
        cand = find_candidate(session, ref)
        out = candidate_dict(cand)
        scorecards = _scorecards(session, cand.id or 0)
        out["closing"] = closing_brief(session, cand)
        market = latest_offers(session, {cand.id or 0}).get(cand.id or 0, {}).get("market")
    out["allowed_triggers"] = triggers_from(Stage(cand.stage), cand.on_hold)
    out["timers"] = open_timers(engine, now(), candidate_id=cand.id)
    out["overdue"] = any(t["overdue"] for t in out["timers"])
    out["loop"] = final_loop(cand, scorecards, out["timers"])
    out["hire_decided"] = cand.hire_decided
    out["offer_approval"] = offer_approval(cand, market, out["timers"])
    return out


def offer_approval(cand: Candidate, market: Any, timers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The offer's approval chain as `candidate show` and the API show it (None before any offer)."""
    chain = chain_from_json(cand.offer_approval)
    if chain.revision == 0:
        return None
    due = {t["subject"]: t["due_at"] for t in timers if t["timer"] == "offer_approval"}
    steps = [
        {"step": n, "approver": s.approver, "role": s.role, "status": s.status, "due_at": due.get(str(n))}
        for n, s in enumerate(chain.steps, 1)
    ]
    return {
        "revision": chain.revision,
        "steps": steps,
        "pending_step": chain.pending,
        "extended": chain.extended,
        "stopped": chain.stopped,
        "market": market,
    }


def _scorecards(session: Session, cid: int) -> dict[str, dict[str, Any]]:
    """The latest scorecard of each part (a part recorded twice shows its last)."""
    query = select(Event).where(col(Event.candidate_id) == cid, col(Event.trigger) == "record_interview")
    out: dict[str, dict[str, Any]] = {}
    for ev in session.execute(query.order_by(col(Event.seq))).scalars():
        p = ev.payload or {}
        out[str(p.get("part"))] = {**p, "filed_at": ev.occurred_at}
    return out


def final_loop(
    cand: Candidate, scorecards: dict[str, dict[str, Any]], timers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per final-interview part: scheduled when and with whom, the scorecard filed or due, score and call."""
    if cand.stage != Stage.FINAL.value and not cand.interviews and not scorecards:
        return []
    due = {t["subject"]: t["due_at"] for t in timers if t["timer"] == "scorecard"}
    rows = []
    for part in InterviewPart:
        booked = (cand.interviews or {}).get(part.value) or {}
        card = scorecards.get(part.value)
        status = "filed" if card else "cancelled" if booked.get("cancelled") else "due" if booked else "not scheduled"
        rows.append(
            {
                "part": part.value,
                "starts_at": datetime.fromisoformat(str(booked["starts_at"])) if booked else None,
                "minutes": booked.get("minutes"),
                "interviewer": (card or {}).get("interviewer") or booked.get("interviewer"),
                "scorecard": status,
                "scorecard_due_at": due.get(part.value),
                "filed_at": (card or {}).get("filed_at"),
                "score": (card or {}).get("score"),
                "recommendation": (card or {}).get("recommendation"),
            }
        )
    return rows


def candidate_erased(engine: Engine, candidate_id: int) -> bool:
    with Session(engine) as session:
        return is_erased(session, candidate_id)


def refuse_if_erased(engine: Engine, candidate_id: int) -> None:
    """Conflict if the candidate was erased (before anything is attempted for them)."""
    with Session(engine) as session:
        ensure_not_erased(session, candidate_id)


def where_candidate_stands(engine: Engine, candidate_id: int) -> dict[str, Any] | None:
    """Stage, version and the triggers accepted now (none once erased); None for an unknown id."""
    with Session(engine) as session:
        cand = session.get(Candidate, candidate_id)
        if cand is None:
            return None
        erased = is_erased(session, candidate_id)
    allowed = [] if erased else triggers_from(Stage(cand.stage), cand.on_hold)
    return {"allowed_triggers": allowed, "stage": cand.stage, "version": cand.version}
