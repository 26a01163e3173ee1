"""The app database's tables. The event table is append-only; the candidate row is its snapshot."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a `table=True` model, for bulk statements that skip the ORM."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]  # set by SQLModel's metaclass, undeclared


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
    system_to_build: str | None = None  # the answer's words; its chosen options are in system_kinds
    system_kinds: list[str] | None = _json()  # states.vocabulary.SystemKind values
    key_constraints: str | None = None
    constraint_kinds: list[str] | None = _json()  # states.vocabulary.ConstraintKind values
    collaborators: str | None = None
    business_context: str | None = None
    core_responsibilities: list[str] | None = _json()
    stack: list[str] | None = _json()
    success_criteria: str | None = None
    decision_rights: str | None = None
    engagement: str | None = None
    engagement_rationale: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    currency: str | None = None
    recruiter: str | None = None
    hiring_manager: str | None = None
    created_at: datetime = _when(nullable=False)
    opened_at: datetime | None = _when(nullable=True)
    kit_override: dict[str, Any] | None = _json()  # states.kits.KitOverride: the requisition's own kit
    # What `role open` warned about ([{code, message}]), kept so `role show` can say what was accepted.
    open_warnings: list[dict[str, str]] | None = _json()


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
    technical_screen_done: bool = False
    # Scheduled final interviews by part: {part: {interviewer, starts_at, minutes}} (states.facts.Interview).
    interviews: dict[str, dict[str, str | int]] | None = _json()
    hire_decided: bool = False
    # The offer's approval chain: {revision, terms, steps: [{approver, role, status}]} (states.facts.OfferChain).
    offer_approval: dict[str, Any] | None = _json()
    returns_to: str | None = None
    start_date: date | None = None
    access_missing: list[str] | None = _json()  # day-30 access items not yet granted
    retention_checkins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
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


class Timer(SQLModel, table=True):
    """An SLA deadline of one candidate. The sweep reads only open timers whose next level is due."""

    __table_args__ = (
        # The sweep's query: WHERE status = 'open' AND paused_at IS NULL AND next_fire_at <= now.
        Index("ix_timer_due", "status", "next_fire_at"),
        Index("ix_timer_candidate_status", "candidate_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", nullable=False)
    requisition_id: int = Field(foreign_key="requisition.id", nullable=False)
    role_profile: str | None = None
    kind: str
    owner_role: str
    # For a timer of one interview (scorecard due): the part it belongs to and the interviewer who owns it.
    subject: str | None = None
    owner_handle: str | None = None
    opened_at: datetime = _when(nullable=False)
    # The window the ladder is measured on: starts at opened_at; `resume` shifts it by the time on hold.
    window_start: datetime = _when(nullable=False)
    due_at: datetime = _when(nullable=False)
    status: str = "open"  # open | met | breached | cancelled | superseded
    paused_at: datetime | None = _when(nullable=True)
    next_level: str | None = None  # the next escalation level to fire; NULL when all fired
    next_fire_at: datetime | None = _when(nullable=True)
    closed_at: datetime | None = _when(nullable=True)
    closed_by_event_id: int | None = None
    opened_by_event_id: int | None = None


class Escalation(SQLModel, table=True):
    """One level of one timer, fired once ever: the unique key, not Python, guarantees it."""

    __table_args__ = (UniqueConstraint("timer_id", "level", name="uq_escalation_timer_level"),)

    id: int | None = Field(default=None, primary_key=True)
    timer_id: int = Field(foreign_key="timer.id", nullable=False)
    candidate_id: int = Field(foreign_key="candidate.id", nullable=False, index=True)
    level: str
    audience_role: str
    recipient: str | None = None
    scheduled_at: datetime = _when(nullable=False)
    fired_at: datetime = _when(nullable=False, index=True)
    lateness_seconds: float


class Outbox(SQLModel, table=True):
    """A notification to send, written in the transaction that caused it; one row per channel."""

    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)  # e.g. esc:<escalation id>:<channel>
    created_at: datetime = _when(nullable=False)
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    kind: str  # escalation | event | digest
    recipient: str | None = None  # a person handle from the people directory
    recipient_role: str | None = None
    channel: str  # slack | email | console
    payload: dict[str, Any] | None = _json()
    status: str = "pending"  # pending | sending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = _when(nullable=False)
    claimed_at: datetime | None = _when(nullable=True)  # the claimer's "now" (HIRING_NOW if pinned)
    claimed_by: str | None = None
    # When the claim lapses, on the database's clock: no process judges another's claim by its own clock.
    claim_expires_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = None


class Person(SQLModel, table=True):
    """The people directory: who recruiters, hiring managers and the head of talent are, and how to reach them."""

    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(unique=True)  # what requisitions and the policy refer to, e.g. maria.lopez
    name: str
    email: str | None = None
    slack_user_id: str | None = None
    role: str  # recruiter | hiring_manager | head_of_talent
    timezone: str = "UTC"
    channels: list[str] | None = _json()  # preferred channels, e.g. ["slack", "email"]
