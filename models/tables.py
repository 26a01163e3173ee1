"""The app database's tables. The event table is append-only; the candidate row is its snapshot."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON(), **kwargs))


class Requisition(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    status: str = Field(default="draft", index=True)  # draft | open | closed
    role_profile: str | None = None
    business_problem: str | None = None
    system_to_build: str | None = None
    key_constraints: str | None = None
    collaborators: str | None = None
    business_context: str | None = None
    core_responsibilities: list[str] | None = _json()
    stack: list[str] | None = _json()
    success_criteria: str | None = None
    decision_rights: str | None = None
    engagement: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    currency: str | None = None
    recruiter: str | None = None
    hiring_manager: str | None = None
    created_at: datetime = _when(nullable=False)
    opened_at: datetime | None = _when(nullable=True)


class Candidate(SQLModel, table=True):
    __table_args__ = (Index("ix_candidate_requisition_stage", "requisition_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    requisition_id: int = Field(foreign_key="requisition.id", nullable=False)
    name: str
    email: str = Field(index=True)
    source: str
    motivators: list[str] | None = _json()
    external_id: str | None = Field(default=None, unique=True)
    # Snapshot of states.candidate.CandidateState, rewritten by every event.
    stage: str = Field(index=True)
    on_hold: bool = False
    take_home_submitted: bool = False
    interview_parts: list[str] | None = _json()
    returns_to: str | None = None
    last_event_at: datetime | None = _when(nullable=True)
    # Optimistic concurrency: every event is an UPDATE ... WHERE version = <the version it read>.
    version: int = Field(default=0, nullable=False)
    created_at: datetime = _when(nullable=False)


class Event(SQLModel, table=True):
    """Append-only audit log. `seq` numbers a candidate's events 1, 2, 3... (== its version after)."""

    __table_args__ = (UniqueConstraint("candidate_id", "seq", name="uq_event_candidate_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", nullable=False, index=True)
    seq: int
    trigger: str
    from_stage: str | None = None
    to_stage: str
    payload: dict[str, Any] | None = _json()
    actor: str
    occurred_at: datetime = _when(nullable=False)
    recorded_at: datetime = _when(nullable=False)
    idempotency_key: str | None = Field(default=None, unique=True)
    request_hash: str | None = None
