"""`hiring candidate update`: a candidate's own details (name, email, motivators, source) changed in one
transaction with an `update_details` event in their log.

The event names which details changed and carries the new motivators and source (codes), never the name or
email: those live only on the candidate row, which erasure clears.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hiring import clock
from hiring.errors import InvalidInput
from hiring.queries.lookup import find_candidate
from hiring.service import DETAILS_TRIGGER, EventOutcome, apply_in_session
from models.db import transaction
from models.tables import Candidate
from states.intake import CandidateUpdate
from states.vocabulary import CandidateDetail, Motivator


@dataclass(frozen=True)
class DetailsUpdated:
    outcome: EventOutcome
    changed: list[str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**self.outcome.as_dict(), "changed": self.changed, "warnings": self.warnings}


def update_candidate(
    engine: Engine, ref: str | int, update: CandidateUpdate, *, actor: str, now: datetime | None = None
) -> DetailsUpdated:
    """Apply the update and its event together, or nothing. A duplicate email on the requisition is a warning."""
    given = update.given()
    if not given:
        raise InvalidInput("nothing to update: give at least one of --name, --email, --motivators, --source")
    now = now or clock.now()
    with transaction(engine) as session:
        cand = find_candidate(session, ref, lock=True)
        changed = _changes(cand, update, given)
        payload: dict[str, Any] = {"changed": [d.value for d in changed]}
        if CandidateDetail.MOTIVATORS in changed:
            payload["motivators"] = [m.value for m in update.motivators or []]
        if CandidateDetail.SOURCE in changed and update.source is not None:
            payload["source"] = update.source.value
        warnings = _email_warnings(session, cand, update.email) if CandidateDetail.EMAIL in changed else []
        outcome = apply_in_session(session, cand.id or 0, DETAILS_TRIGGER, payload, actor=actor, when=now, now=now)
        _write_columns(session, cand.id or 0, update, changed)
        return DetailsUpdated(outcome, [d.value for d in changed], warnings)


def _changes(cand: Candidate, update: CandidateUpdate, given: list[CandidateDetail]) -> list[CandidateDetail]:
    """The given details that differ from what is stored; refused if none does (nothing would change)."""
    current = {
        CandidateDetail.NAME: cand.name,
        CandidateDetail.EMAIL: cand.email,
        CandidateDetail.MOTIVATORS: _ordered(cand.motivators or []),
        CandidateDetail.SOURCE: cand.source,
    }
    new = {
        CandidateDetail.NAME: update.name,
        CandidateDetail.EMAIL: str(update.email) if update.email else None,
        CandidateDetail.MOTIVATORS: _ordered([m.value for m in update.motivators or []]),
        CandidateDetail.SOURCE: update.source.value if update.source else None,
    }
    changed = [d for d in given if new[d] != current[d]]
    if not changed:
        raise InvalidInput(f"candidate {cand.id} already has these details; nothing changed")
    return changed


def _ordered(values: list[str]) -> list[str]:
    return [m.value for m in Motivator if m.value in values]


def _email_warnings(session: Session, cand: Candidate, email: object) -> list[str]:
    query = select(col(Candidate.id)).where(
        col(Candidate.requisition_id) == cand.requisition_id,
        func.lower(col(Candidate.email)) == str(email).lower(),
        col(Candidate.id) != cand.id,
    )
    others = sorted(session.execute(query).scalars())
    if not others:
        return []
    ids = ", ".join(f"#{i}" for i in others)
    return [f"this email is already used by candidate {ids} on requisition {cand.requisition_id} (a duplicate?)"]


def _write_columns(session: Session, cid: int, update: CandidateUpdate, changed: list[CandidateDetail]) -> None:
    """The name, email and source columns (the motivators were written with the event's new state)."""
    cand = session.get(Candidate, cid, populate_existing=True)
    if cand is None:  # locked above: it cannot have gone
        raise InvalidInput(f"candidate {cid} disappeared")
    if CandidateDetail.NAME in changed:
        cand.name = update.name or cand.name
    if CandidateDetail.EMAIL in changed and update.email:
        cand.email = str(update.email)
    if CandidateDetail.SOURCE in changed and update.source:
        cand.source = update.source.value
    session.add(cand)
    session.flush()
