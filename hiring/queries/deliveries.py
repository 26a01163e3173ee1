"""Read side of the webhook deliveries: recent ones, and what could not be mapped (grouped, to fix the policy)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hiring.errors import InvalidInput
from models.tables_integrations import WebhookDelivery

STATUSES = (
    "applied",
    "unchanged",
    "unmapped_stage",
    "unmapped_job",
    "refused",
    "stale",
    "ignored",
    "invalid",
    "failed",
    "ping",
)
UNMAPPED = ("unmapped_stage", "unmapped_job")


def delivery_dict(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "event_id": row.event_id,
        "received_at": row.received_at,
        "action": row.action,
        "status": row.status,
        "application_id": row.application_id,
        "job_id": row.job_id,
        "ats_stage": row.ats_stage,
        "previous_stage": row.previous_stage,
        "candidate_id": row.candidate_id,
        "trigger": row.trigger,
        "detail": row.detail,
        "repeats": row.repeats,
    }


def list_deliveries(
    engine: Engine, status: str | None = None, unmapped: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    query = select(WebhookDelivery).order_by(col(WebhookDelivery.received_at).desc(), col(WebhookDelivery.id).desc())
    if unmapped:
        query = query.where(col(WebhookDelivery.status).in_(UNMAPPED))
    if status is not None:
        query = query.where(col(WebhookDelivery.status) == status)
    with Session(engine) as session:
        return [delivery_dict(r) for r in session.execute(query.limit(max(1, limit))).scalars()]


def unmapped_summary(engine: Engine) -> list[dict[str, Any]]:
    """Each unmapped stage name / job id once: how many deliveries, when first and last, which jobs."""
    with Session(engine) as session:
        rows = session.execute(
            select(
                col(WebhookDelivery.source),
                col(WebhookDelivery.status),
                col(WebhookDelivery.ats_stage),
                col(WebhookDelivery.job_id),
                func.count(),
                func.min(col(WebhookDelivery.received_at)),
                func.max(col(WebhookDelivery.received_at)),
            )
            .where(col(WebhookDelivery.status).in_(UNMAPPED))
            .group_by(
                col(WebhookDelivery.source),
                col(WebhookDelivery.status),
                col(WebhookDelivery.ats_stage),
                col(WebhookDelivery.job_id),
            )
        ).all()
    groups: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for source, status, stage, job, count, first, last in rows:
        kind = "stage" if status == "unmapped_stage" else "job"
        first, last = _aware(first), _aware(last)
        entry = groups.setdefault(
            (source, kind, stage if kind == "stage" else job),
            {
                "source": source,
                "kind": kind,
                "value": stage if kind == "stage" else job,
                "deliveries": 0,
                "jobs": [],
                "first_received_at": first,
                "last_received_at": last,
            },
        )
        entry["deliveries"] += count
        if job is not None and job not in entry["jobs"]:
            entry["jobs"] = sorted([*entry["jobs"], job])
        entry["first_received_at"] = min(entry["first_received_at"], first)
        entry["last_received_at"] = max(entry["last_received_at"], last)
    return sorted(groups.values(), key=lambda e: (e["kind"], -e["deliveries"], str(e["value"])))


def _aware(value: datetime | str) -> datetime:
    """Aggregates bypass the column type: SQLite hands back naive UTC (or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
