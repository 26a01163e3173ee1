"""`hiring candidate update`: a candidate's own details (name, email, motivators, source) changed in one
transaction with an `update_details` event in their log.

The event names which details changed and carries the new motivators and source (codes), never the name or
email: those live only on the candidate row, which erasure clears.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from hiring import clock
from hiring.errors import Conflict, InvalidInput
from hiring.queries.lookup import ensure_not_erased, find_candidate
from models.db import rows_matched, transaction
from models.tables import Candidate, Event
from states.candidate import DETAILS_TRIGGER
from states.intake import CandidateUpdate
from states.payloads import UpdateDetails
from states.stages import ACTIVE, Stage
from states.vocabulary import CandidateDetail, Motivator


@dataclass(frozen=True)
class DetailsUpdated:
    candidate_id: int
    event_id: int
    version: int
    changed: list[str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def update_candidate(
    engine: Engine, ref: str | int, update: CandidateUpdate, *, actor: str, now: datetime | None = None
) -> DetailsUpdated:
    """The new details and their event together, or nothing. A duplicate email on the requisition is a warning.

    Allowed in every active stage, on hold too; not once the process has ended, nor after erasure."""
    given = update.given()
    if not given:
        raise InvalidInput("nothing to update: give at least one of --name, --email, --motivators, --source")
    when = now or clock.now()
    with transaction(engine) as session:
        cand = find_candidate(session, ref, lock=True)
        cid = cand.id or 0
        ensure_not_erased(session, cid)
        if Stage(cand.stage) not in ACTIVE:
            raise InvalidInput(f"candidate {cid} is {cand.stage}: details change only while the process is active")
        changed = _changes(cand, update, given)
        warnings = _email_warnings(session, cand, update.email) if CandidateDetail.EMAIL in changed else []
        columns = _columns(update, changed)
        version = _write(session, cand, columns)
        ev = Event(
            candidate_id=cid,
            seq=version,
            trigger=DETAILS_TRIGGER,
            from_stage=cand.stage,
            to_stage=cand.stage,
            payload=_payload(columns, changed),
            actor=actor,
            occurred_at=when,
            recorded_at=when,
        )
        session.add(ev)
        session.flush()
        return DetailsUpdated(cid, ev.id or 0, version, [d.value for d in changed], warnings)


def _columns(update: CandidateUpdate, changed: list[CandidateDetail]) -> dict[str, Any]:
    new: dict[str, Any] = {
        CandidateDetail.NAME: update.name,
        CandidateDetail.EMAIL: str(update.email) if update.email else None,
        CandidateDetail.MOTIVATORS: _ordered([m.value for m in update.motivators or []]),
        CandidateDetail.SOURCE: update.source.value if update.source else None,
    }
    return {d.value: new[d] for d in changed}


def _payload(columns: dict[str, Any], changed: list[CandidateDetail]) -> dict[str, Any]:
    """The event's payload: what changed, and the new codes (never the name or email)."""
    raw = {k: columns[k] for k in ("motivators", "source") if k in columns}
    details = UpdateDetails.model_validate({**raw, "changed": [d.value for d in changed]})
    return details.model_dump(mode="json", exclude_none=True)


def _write(session: Session, cand: Candidate, columns: dict[str, Any]) -> int:
    """The changed columns and the next version, checked against the version read; the new version."""
    read = cand.version
    matched = rows_matched(
        session.execute(
            update(Candidate)
            .where(col(Candidate.id) == cand.id, col(Candidate.version) == read)
            .values(**columns, version=read + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if matched != 1:
        raise Conflict(f"candidate {cand.id} was changed by someone else; reload and retry")
    return read + 1


def _changes(cand: Candidate, update: CandidateUpdate, given: list[CandidateDetail]) -> list[CandidateDetail]:
    """The given details that differ from what is stored; refused if none does (nothing would change)."""
    current = {
        "name": cand.name,
        "email": cand.email,
        "motivators": _ordered(cand.motivators or []),
        "source": cand.source,
    }
    new = _columns(update, given)
    changed = [d for d in given if new[d.value] != current[d.value]]
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
