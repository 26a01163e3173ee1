"""What the API reads and returns, as pydantic models: the OpenAPI document is generated from them."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from hiring.queries.lookup import MAX_ID  # ids are 32-bit integers in PostgreSQL
from states.intake import CandidateUpdate, NewCandidate

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Actor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Handle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$")]


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: Any) -> Any:
    """Text must be a full RFC 3339 time with its offset (what the document's date-time format says)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not RFC3339.match(value):
        raise ValueError("must be an RFC 3339 time with an offset, e.g. 2026-11-30T17:00:00Z")
    return value


def _instant(value: datetime) -> datetime:
    """An aware time between 1970 and 2999, returned in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone, e.g. 2026-11-30T17:00:00Z")
    if not 1970 <= value.year <= 2999:
        raise ValueError("must be between 1970 and 2999")
    return value.astimezone(UTC)


Instant = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_instant)]


# --- errors -------------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the bad field, e.g. payload.note or occurred_at.")
    problem: str


class Problem(BaseModel):
    """Every error response: what went wrong, each bad field, and what is allowed instead."""

    error: str = Field(description="unauthorized | invalid | conflict | not_found | too_large | unavailable | internal")
    detail: str
    errors: list[FieldProblem] = []
    allowed_triggers: list[str] | None = Field(
        default=None, description="On 409: the triggers the candidate accepts now."
    )
    stage: str | None = None
    version: int | None = None


# --- requisitions -------------------------------------------------------------------------------


class RoleWarning(BaseModel):
    code: str = Field(description="The rule (states/role_rules.py) or `band_below_market_median`.")
    message: str


class SourcingChannelOut(BaseModel):
    channel: str
    look_for: str = Field(description="What evidence to look for in this channel, for this profile.")
    best_for: str
    trade_off: str


class ChannelFitOut(BaseModel):
    channel: str
    recommended: bool
    candidates: int
    hires: int


class MarketPositionOut(BaseModel):
    source: str
    as_of: str
    region: str
    currency: str
    average_salary: int | None = None
    median_bucket: str
    comparable: bool = Field(description="False when the band's currency is not the market data's.")
    band_min_in: str | None = None
    band_max_in: str | None = None
    warning: str | None = None
    note: str | None = None


class RequisitionOut(BaseModel):
    id: int
    status: str = Field(description="draft | open | closed")
    title: str
    role_profile: str | None = None
    role_definition: dict[str, Any] = Field(
        description="business_problem and collaborators as text; system_to_build and key_constraints as "
        "{kinds: [options], detail: text}."
    )
    job_description: dict[str, Any]
    engagement: str | None = None
    engagement_rationale: str | None = None
    salary_band: dict[str, Any] | None = None
    recruiter: str | None = None
    hiring_manager: str | None = None
    missing: list[str] = Field(description="Fields still empty; a requisition opens only when there are none.")
    created_at: datetime
    opened_at: datetime | None = None
    warnings_at_open: list[RoleWarning] | None = Field(default=None, description="What opening warned about.")
    candidates: int | None = None
    candidates_by_stage: dict[str, int] | None = None
    # One requisition only (GET /requisitions/{id} and the add and open responses):
    warnings: list[RoleWarning] | None = Field(default=None, description="What opening would warn about now.")
    profile: dict[str, Any] | None = Field(default=None, description="The profile's focus, key skills, question.")
    sourcing: list[SourcingChannelOut] | None = None
    market: MarketPositionOut | None = Field(default=None, description="The band against the market data.")
    channel_fit: list[ChannelFitOut] | None = None


# --- candidates ---------------------------------------------------------------------------------


class CandidateIn(NewCandidate):
    """A new candidate; `actor` is who adds them (for the audit log)."""

    actor: Actor = "api"

    # The CSV conveniences of NewCandidate ("a;b" motivators, blank external id) are off here: the API takes
    # exactly what its document says.
    @field_validator("motivators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value

    @field_validator("external_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return value


class CandidateUpdateIn(CandidateUpdate):
    """The details to change (at least one); a field left out stays as it is. `motivators` is the new set."""

    actor: Actor = "api"

    @field_validator("motivators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value  # a JSON list, not the CLI's "a,b"


class CandidateOut(BaseModel):
    id: int
    name: str
    email: str
    requisition_id: int
    source: str
    motivators: list[str]
    external_id: str | None = None
    stage: str
    on_hold: bool
    take_home_submitted: bool
    interview_parts: list[str]
    returns_to: str | None = None
    version: int
    last_event_at: datetime | None = None
    created_at: datetime


class CandidateDetail(CandidateOut):
    allowed_triggers: list[str]
    timers: list[dict[str, Any]]
    overdue: bool
    erased: bool = False
    loop: list[dict[str, Any]] = Field(
        default=[], description="per final-interview part: schedule, scorecard filed/due/cancelled, score, call"
    )
    closing: dict[str, Any] | None = Field(
        default=None,
        description="in final and offer: motivators, the profile's priorities beyond salary, what candidates "
        "evaluate, the offer's first-year outcomes, ownership and terms",
    )
    hire_decided: bool = Field(default=False, description="`decide hire` is recorded (final)")
    offer_approval: dict[str, Any] | None = Field(
        default=None,
        description="the offer's revision, its approval steps (approver, role, status), the pending step, "
        "whether it is extended or stopped, and its market position",
    )


class EventRow(BaseModel):
    seq: int
    trigger: str
    from_stage: str | None = None
    to_stage: str
    payload: dict[str, Any]
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    idempotency_key: str | None = None


class History(BaseModel):
    candidate: CandidateOut
    events: list[EventRow]


class EventIn(BaseModel):
    """One event for a candidate. Send an `Idempotency-Key` header to make retries safe."""

    model_config = ConfigDict(extra="forbid")
    trigger: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="e.g. screen, send_take_home, record_interview, reject (see GET /candidates/{ref})."
    )
    payload: dict[str, Any] = Field(default={}, description="The trigger's fields; every bad one is named on 422.")
    occurred_at: Instant | None = Field(default=None, description="When it happened (default: now).")
    actor: Actor = "api"
    expected_version: Id | None = Field(
        default=None, description="Refuse with 409 if the candidate is no longer at this version."
    )


class EventOut(BaseModel):
    candidate_id: int
    event_id: int
    seq: int
    trigger: str
    from_stage: str | None = None
    to_stage: str
    occurred_at: datetime
    version: int
    replayed: bool = Field(description="True: the Idempotency-Key was seen before; nothing was written.")


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Actor = Field(description="Who erases (kept in the erasure record).")


class ErasureOut(BaseModel):
    candidate_id: int
    erased_at: datetime
    erased_by: str
    reason: str
    events_scrubbed: int
    outbox_scrubbed: int
    outbox_cancelled: int
    timers_cancelled: int
    already: bool


# --- SLA, outbox, webhooks, health ----------------------------------------------------------------


class TimerRow(BaseModel):
    timer_id: int
    candidate_id: int
    candidate_name: str
    stage: str
    requisition_id: int
    timer: str
    owner_role: str
    owner: str | None = None
    subject: str | None = Field(default=None, description="a scorecard timer's interview part")
    due_at: datetime
    paused: bool
    overdue: bool
    overdue_by: str | None = None
    due_in: str | None = None
    next_escalation: dict[str, Any] | None = None


class Timers(BaseModel):
    at: datetime
    timers: list[TimerRow]


class FiredLevel(BaseModel):
    level: str
    role: str
    recipient: str | None = None
    fired_at: datetime


class NextLevel(BaseModel):
    level: str
    role: str
    recipient: str | None = None
    at: datetime


class Why(BaseModel):
    as_: str = Field(alias="as", description="The role the person holds for this item.")
    because: str = Field(description="owner | escalated")
    level: str | None = Field(default=None, description="When escalated: the highest level that reached them.")


class TodoItem(BaseModel):
    """One open timer waiting on the person: ids and facts, no candidate name."""

    timer_id: int
    candidate_id: int
    requisition_id: int
    stage: str
    timer: str
    subject: str | None = None
    action: str | None = Field(default=None, description="What the owner is expected to do.")
    owner_role: str
    owner: str | None = None
    due_at: datetime
    paused: bool
    overdue: bool
    overdue_by: str | None = None
    due_in: str | None = None
    last_escalation: FiredLevel | None = Field(default=None, description="The last level fired, to whom.")
    next_escalation: NextLevel | None = Field(default=None, description="Who is next, and when.")
    why: list[Why]
    reason: str = Field(description="`why` in words, e.g. escalated to you as head of talent (level_3).")


class Todo(BaseModel):
    handle: str
    role: str | None = None
    overdue_only: bool
    at: datetime
    items: list[TodoItem] = Field(description="Most overdue first, then by due time.")


class OutboxRow(BaseModel):
    id: int
    status: str
    channel: str
    recipient: str | None = None
    recipient_role: str | None = None
    kind: str
    candidate_id: int | None = None
    escalation_id: int | None = None
    summary: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None
    payload: dict[str, Any]


class WebhookReceipt(BaseModel):
    event_id: str
    status: str = Field(
        description="applied | unchanged | unmapped_stage | unmapped_job | refused | stale | "
        "ignored | invalid | failed | ping"
    )
    action: str | None = None
    candidate_id: int | None = None
    detail: str | None = None
    duplicate: bool = Field(
        description="True: this Greenhouse-Event-ID, or this very body, was received before; nothing was applied."
    )


class Delivery(BaseModel):
    id: int
    source: str
    event_id: str
    received_at: datetime
    action: str
    status: str
    application_id: str | None = None
    job_id: str | None = None
    ats_stage: str | None = None
    previous_stage: str | None = None
    candidate_id: int | None = None
    trigger: str | None = None
    detail: str | None = None
    repeats: int


class UnmappedEntry(BaseModel):
    source: str
    kind: str = Field(description="stage | job")
    value: str | None = None
    deliveries: int
    jobs: list[str]
    first_received_at: datetime
    last_received_at: datetime


class Health(BaseModel):
    status: str
    schema_revision: str | None = None
    detail: str | None = None


class CandidateUpdateOut(BaseModel):
    candidate: CandidateDetail
    changed: list[str] = Field(description="the details that changed")
    warnings: list[str] = Field(description="e.g. the email is already used by another candidate of the requisition")
    event_id: int
    version: int
