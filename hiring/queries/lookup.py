"""Finding one row: a candidate by reference, a requisition by id, and whether a candidate was erased.

Writes use these too (a service loads, and may lock, the candidate it changes), so this module imports
nothing from the services.
"""

from sqlalchemy import ColumnElement, select
from sqlmodel import Session, col

from hiring.errors import Conflict, NotFound
from models.tables import Candidate, Requisition
from models.tables_integrations import Erasure

MAX_ID = 2_147_483_647  # ids are 32-bit integers on PostgreSQL: a larger one cannot exist


def is_numeric_id(text: str) -> bool:
    """Digits that can be an id ("²".isdigit() is true too, so ASCII only)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def find_candidate(session: Session, ref: str | int, lock: bool = False) -> Candidate:
    """A candidate by numeric id or by external id; with `lock`, its row is held until the transaction ends."""
    text = str(ref).strip()
    cand = one_candidate(session, col(Candidate.id) == int(text), lock) if is_numeric_id(text) else None
    if cand is None:
        cand = one_candidate(session, col(Candidate.external_id) == text, lock)
    if cand is None:
        raise NotFound(f"no candidate with id or external id {text!r}")
    return cand


def one_candidate(session: Session, where: ColumnElement[bool], lock: bool) -> Candidate | None:
    """The candidate matching `where`; with `lock`, FOR NO KEY UPDATE (see service.lock_candidate)."""
    query = select(Candidate).where(where)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.execute(query).scalar_one_or_none()


def get_requisition(session: Session, req_id: int) -> Requisition:
    req = session.get(Requisition, req_id) if 0 < req_id <= MAX_ID else None
    if req is None:
        raise NotFound(f"no requisition with id {req_id}")
    return req


def requisition_statuses(session: Session, req_ids: set[int]) -> dict[int, str]:
    """Status by id of the requisitions among `req_ids` that exist."""
    query = select(col(Requisition.id), col(Requisition.status)).where(col(Requisition.id).in_(req_ids))
    return dict(session.execute(query).all())


def taken_external_ids(session: Session, ext: list[str]) -> list[str]:
    """The external ids among `ext` that a candidate already carries, sorted."""
    if not ext:
        return []
    query = select(col(Candidate.external_id)).where(col(Candidate.external_id).in_(ext))
    return sorted(str(e) for e in session.execute(query).scalars())


# --- erasure: the one place that answers "was this candidate erased?" ------------------------------


def erased_ids(session: Session, ids: set[int] | None = None) -> set[int]:
    """The erased candidates among `ids` (all of them with None)."""
    query = select(col(Erasure.candidate_id))
    if ids is not None:
        query = query.where(col(Erasure.candidate_id).in_(ids))
    return set(session.execute(query).scalars())


def is_erased(session: Session, candidate_id: int) -> bool:
    return bool(erased_ids(session, {candidate_id}))


def ensure_not_erased(session: Session, candidate_id: int) -> None:
    """Refuse to record anything new about an erased candidate (it could reopen timers and notify)."""
    if is_erased(session, candidate_id):
        raise Conflict(f"candidate {candidate_id} was erased: nothing more can be recorded about them")
