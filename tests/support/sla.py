"""Reading timers and escalations back from the database in tests."""

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session

from models.tables import Escalation, Outbox, Timer


def timers(engine: Engine, cid: int) -> list[Timer]:
    with Session(engine) as session:
        return list(session.execute(select(Timer).where(Timer.candidate_id == cid).order_by(Timer.id)).scalars())


def open_kinds(engine: Engine, cid: int) -> set[str]:
    return {t.kind for t in timers(engine, cid) if t.status == "open"}


def timer(engine: Engine, cid: int, kind: str, status: str | None = None) -> Timer:
    found = [t for t in timers(engine, cid) if t.kind == kind and (status is None or t.status == status)]
    assert found, f"no {kind} timer ({status or 'any status'}) for candidate {cid}"
    return found[-1]


def escalations(engine: Engine, cid: int | None = None) -> list[Escalation]:
    query = select(Escalation).order_by(Escalation.id)
    if cid is not None:
        query = query.where(Escalation.candidate_id == cid)
    with Session(engine) as session:
        return list(session.execute(query).scalars())


def outbox(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.execute(select(Outbox).order_by(Outbox.id)).scalars())


def levels(engine: Engine, cid: int, kind: str | None = None) -> list[tuple[str, str]]:
    by_timer = {t.id: t.kind for t in timers(engine, cid)}
    return [
        (by_timer[e.timer_id], e.level)
        for e in escalations(engine, cid)
        if kind is None or by_timer[e.timer_id] == kind
    ]


def hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600
