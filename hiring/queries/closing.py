"""What `hiring candidate show` puts in front of whoever prepares or sends the offer (in `final` and `offer`):
the candidate's motivators, what the profile weighs besides salary, what candidates evaluate, and the
current offer's first-year outcomes, ownership and terms."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from models.tables import Candidate, Event, Requisition
from states.closing import CANDIDATES_EVALUATE, priorities
from states.stages import Stage

SHOWN_IN = (Stage.FINAL.value, Stage.OFFER.value)
OFFER_TRIGGERS = ("make_offer", "revise_offer")


def closing_brief(session: Session, cand: Candidate) -> dict[str, Any] | None:
    """The closing brief for a candidate in final or offer; None elsewhere."""
    if cand.stage not in SHOWN_IN:
        return None
    req = session.get(Requisition, cand.requisition_id)
    profile = req.role_profile if req else None
    known, inferred = priorities(profile)
    offer = _latest_offer(session, cand.id or 0)
    return {
        "motivators": cand.motivators or [],
        "role_profile": profile,
        "priorities": known,
        "priorities_inferred": inferred,
        "candidates_evaluate": [{"point": p, "meaning": m} for p, m in CANDIDATES_EVALUATE],
        "first_year_outcomes": offer.get("first_year_outcomes", []),
        "ownership": offer.get("ownership"),
        "terms": offer.get("terms"),
    }


def latest_offers(session: Session, cids: set[int]) -> dict[int, dict[str, Any]]:
    """The payload of each candidate's latest make_offer / revise_offer, by candidate id."""
    if not cids:
        return {}
    query = (
        select(Event)
        .where(col(Event.candidate_id).in_(cids), col(Event.trigger).in_(OFFER_TRIGGERS))
        .order_by(col(Event.seq))
    )
    return {ev.candidate_id: dict(ev.payload or {}) for ev in session.execute(query).scalars()}


def offer_facts(cand: Candidate, req: Requisition | None, offer: dict[str, Any]) -> dict[str, Any]:
    """The closing facts an offer_response reminder or escalation carries (codes and offer terms, no name)."""
    known, inferred = priorities(req.role_profile if req else None)
    return {
        "motivators": list(cand.motivators or []),
        "priorities": known,
        "priorities_inferred": inferred,
        "candidates_evaluate": [p for p, _ in CANDIDATES_EVALUATE],
        "first_year_outcomes": list(offer.get("first_year_outcomes") or []),
    }


def _latest_offer(session: Session, cid: int) -> dict[str, Any]:
    query = (
        select(Event)
        .where(col(Event.candidate_id) == cid, col(Event.trigger).in_(OFFER_TRIGGERS))
        .order_by(col(Event.seq).desc())
        .limit(1)
    )
    ev = session.execute(query).scalar_one_or_none()
    return dict(ev.payload or {}) if ev is not None else {}
