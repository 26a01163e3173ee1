"""Tables of the integrations: ATS webhook deliveries, ATS applications, and erasures.

None of them holds personal data: deliveries keep ids, the action, the ATS stage and job, what was done,
and a SHA-256 of the delivered body (to know a replayed body); never the body itself.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


class WebhookDelivery(SQLModel, table=True):
    """One delivery from an ATS, recorded once per event id and once per body: a repeat only counts a repeat."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_webhook_delivery_event"),
        UniqueConstraint("source", "body_sha256", name="uq_webhook_delivery_body"),
        Index("ix_webhook_delivery_status", "status", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str  # greenhouse
    event_id: str  # the ATS's delivery id (Greenhouse-Event-ID), or sha256:<body hash> when it sent none
    received_at: datetime = _when(nullable=False)
    action: str  # e.g. candidate_stage_change
    # applied | unchanged | unmapped_stage | unmapped_job | refused | ignored | invalid | ping
    status: str
    application_id: str | None = None
    job_id: str | None = None
    ats_stage: str | None = None  # the application's stage as the ATS reported it
    previous_stage: str | None = None  # the last stage we knew for the application before this delivery
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    trigger: str | None = None  # our trigger, when one applied or was refused
    detail: str | None = None  # what was done, or why not; ids and vocabulary only, never names
    repeats: int = 0  # repeated deliveries of this event id or body, acknowledged without doing anything
    body_sha256: str | None = None  # hex SHA-256 of the raw body (null for deliveries before revision 0006)


class AtsApplication(SQLModel, table=True):
    """An ATS application linked to our candidate, with the last stage the ATS reported for it and the ATS's
    latest activity time among the deliveries applied for it (an older delivery is stale)."""

    __tablename__ = "ats_application"
    __table_args__ = (UniqueConstraint("source", "application_id", name="uq_ats_application"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str
    application_id: str
    ats_candidate_id: str | None = Field(default=None, index=True)  # the ATS's person id (anonymize events)
    candidate_id: int = Field(foreign_key="candidate.id", nullable=False, index=True)
    job_id: str | None = None
    last_stage: str | None = None
    last_stage_at: datetime | None = _when(nullable=True)
    last_activity_at: datetime | None = _when(nullable=True)  # the ATS's clock, from the payloads


class Erasure(SQLModel, table=True):
    """A candidate's personal data was erased: when, by whom, why, and how much was touched."""

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", nullable=False, unique=True)
    erased_at: datetime = _when(nullable=False)
    erased_by: str
    reason: str  # request | retention: rejected after 180d | greenhouse: candidate_anonymized
    events_scrubbed: int = 0
    outbox_scrubbed: int = 0
    outbox_cancelled: int = 0
    timers_cancelled: int = 0
