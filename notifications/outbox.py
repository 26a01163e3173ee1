"""What people do with the outbox: look at it, and put dead (or waiting) notifications back in the queue."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import col

from models.db import transaction
from models.tables import Outbox
from notifications.dispatcher import candidate_names
from notifications.errors import NoSuchOutboxRow, NotRetryable, UnknownOutboxStatus

STATUSES = ("pending", "sending", "sent", "dead")


def outbox_dict(row: Outbox, names: dict[int, str] | None = None) -> dict[str, Any]:
    """One row for listings; `names` (candidate id -> name, read now) name the candidate in the summary."""
    payload = row.payload or {}
    return {
        "id": row.id,
        "status": row.status,
        "channel": row.channel,
        "recipient": row.recipient,
        "recipient_role": row.recipient_role,
        "kind": row.kind,
        "candidate_id": row.candidate_id,
        "escalation_id": row.escalation_id,
        "summary": _summary(payload, names or {}),
        "attempts": row.attempts,
        "created_at": row.created_at,
        "next_attempt_at": row.next_attempt_at,
        "claimed_by": row.claimed_by,
        "claimed_at": row.claimed_at,
        "claim_expires_at": row.claim_expires_at,
        "sent_at": row.sent_at,
        "last_error": row.last_error,
        "dedupe_key": row.dedupe_key,
        "payload": payload,
    }


def _summary(payload: dict[str, Any], names: dict[int, str]) -> str:
    if payload.get("title"):
        return str(payload["title"])
    cid = payload.get("candidate_id")
    who = None if cid is None else f"{names[cid]} (#{cid})" if cid in names else f"candidate #{cid}"
    parts = [payload.get("timer"), payload.get("level"), who]
    return " ".join(str(p) for p in parts if p) or "-"


def list_outbox(engine: Engine, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise UnknownOutboxStatus(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    query = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
    if status:
        query = query.where(col(Outbox.status) == status)
    with transaction(engine) as session:
        rows = list(session.execute(query).scalars())
    # Rows hold candidate ids, not names: the names shown are read now (an erased candidate shows as erased).
    names = candidate_names(
        engine, {r.payload["candidate_id"] for r in rows if isinstance((r.payload or {}).get("candidate_id"), int)}
    )
    return [outbox_dict(r, names) for r in rows]


def retry(engine: Engine, row_id: int, now: datetime) -> dict[str, Any]:
    """Queue one dead (or waiting) row for sending `now`, with a fresh set of attempts."""
    with transaction(engine) as session:
        row = session.get(Outbox, row_id)
        if row is None:
            raise NoSuchOutboxRow(f"no outbox row {row_id}; see `hiring outbox`")
        if row.status == "sent":
            raise NotRetryable(f"outbox row {row_id} was sent at {row.sent_at:%Y-%m-%d %H:%M} UTC; nothing to retry")
        if row.status == "sending":
            raise NotRetryable(
                f"outbox row {row_id} is being sent by {row.claimed_by} right now; if that "
                "dispatcher died, it is reclaimed automatically after the claim timeout"
            )
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        session.add(row)
        session.flush()
        return outbox_dict(row)


def retry_all_dead(engine: Engine, now: datetime) -> list[int]:
    """Queue every dead row for sending `now`. Returns their ids."""
    with transaction(engine) as session:
        ids = list(
            session.execute(
                select(col(Outbox.id)).where(col(Outbox.status) == "dead").order_by(col(Outbox.id))
            ).scalars()
        )
        if ids:
            session.execute(
                update(Outbox)
                .where(col(Outbox.id).in_(ids), col(Outbox.status) == "dead")
                .values(status="pending", attempts=0, next_attempt_at=now)
            )
    return ids
