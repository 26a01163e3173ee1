"""The weekly digest: for each hiring manager, their open requisitions' funnel, what is overdue, and the
hire/no-hire decisions waiting on them, sent through the outbox.

All digests of a run are written in ONE transaction: one outbox row (kind "digest") per hiring manager per
channel, with the dedupe key `digest:<handle>:<ISO week>:<channel>`. The key is unique, so however often
this runs in a week (a retried flow, `hiring serve` and a Prefect deployment both scheduled, a manual
`hiring digest`), each manager gets one digest per channel per week. The ISO week is that of `now` in the
configured time zone (HIRING_TIMEZONE, UTC by default).

The payload holds ids and facts, never names: a `title` and a one-line `message` (counts only), and the
requisitions, overdue deadlines and pending decisions as structured data with candidate ids. The row has no
candidate id of its own, so erasure could not find a name in it: the dispatcher reads the names from the
candidate rows when it sends the digest (notifications/dispatcher.py) and renders its text then
(notifications/render.py `weekly_lines`); an erased candidate shows as "erased candidate".
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from hiring import clock
from hiring.reports.metrics import Filters, pipeline_report
from hiring.reports.tables import dur
from models.db import insert_ignoring_duplicates, transaction
from models.tables import Outbox, Person, Requisition
from states.ladder import pick_channels

KIND = "digest"
DEFAULT_CHANNELS = ("email", "slack")  # a weekly read: email first, when the person states no preference
SEND_WEEKDAY, SEND_HOUR = 0, 8  # `hiring serve` writes the week's digests once Monday 08:00 has passed


@dataclass(frozen=True)
class Written:
    hiring_manager: str
    channel: str
    dedupe_key: str
    outbox_id: int | None  # None: this week's digest for this person and channel existed already
    requisitions: int
    overdue: int | None  # None when this week's digest existed already (it is not built again)
    decisions_pending: int | None

    @property
    def written(self) -> bool:
        return self.outbox_id is not None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "written": self.written}


def _zone(timezone: str | None) -> ZoneInfo:
    if timezone is None:
        from hiring.settings import get_settings

        timezone = get_settings().timezone
    return ZoneInfo(timezone)


def iso_week(at: datetime, timezone: str | None = None) -> str:
    """The ISO week of `at` in the configured time zone (HIRING_TIMEZONE, UTC by default): 2026-W47."""
    year, week, _ = at.astimezone(_zone(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(at: datetime, timezone: str | None = None) -> bool:
    """Whether this week's send time (Monday 08:00 in the configured time zone) has passed at `at`."""
    local = at.astimezone(_zone(timezone))
    return (local.weekday(), local.hour) >= (SEND_WEEKDAY, SEND_HOUR)


def channels_for(preferred: list[str] | None, available: frozenset[str]) -> list[str]:
    """The person's preferred channels that are configured here; the console when none of them is."""
    return pick_channels(preferred or DEFAULT_CHANNELS, available)


def _overdue_by_requisition(engine: Engine, at: datetime) -> dict[int, list[dict[str, Any]]]:
    from hiring.queries.sla import open_timers

    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in open_timers(engine, at):
        if t["overdue"]:
            out[t["requisition_id"]].append(
                {
                    "candidate_id": t["candidate_id"],
                    "requisition_id": t["requisition_id"],
                    "stage": t["stage"],
                    "timer": t["timer"],
                    "owner_role": t["owner_role"],
                    "owner": t["owner"],
                    "due_at": t["due_at"].isoformat(),
                    "overdue_by": t["overdue_by"],
                }
            )
    return out


def _open_requisitions_by_manager(engine: Engine) -> dict[str, list[Any]]:
    with Session(engine) as session:
        reqs = session.execute(
            select(col(Requisition.id), col(Requisition.title), col(Requisition.hiring_manager))
            .where(col(Requisition.status) == "open", col(Requisition.hiring_manager).is_not(None))
            .order_by(col(Requisition.id))
        ).all()
    by_manager: dict[str, list[Any]] = defaultdict(list)
    for req in reqs:
        by_manager[req.hiring_manager].append(req)
    return dict(sorted(by_manager.items()))


def build_digests(engine: Engine, at: datetime, week: str, only: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """The digest payload of every hiring manager with an open requisition (or of those in `only`), by handle."""
    by_manager = {h: reqs for h, reqs in _open_requisitions_by_manager(engine).items() if only is None or h in only}
    if not by_manager:
        return {}
    overdue = _overdue_by_requisition(engine, at)
    digests = {}
    for handle, mine in by_manager.items():
        sections, late, pending, windows = [], [], [], set()
        for req in mine:
            report = pipeline_report(engine, Filters(requisition_id=req.id), at)
            sections.append(
                {
                    "requisition_id": req.id,
                    "title": req.title,
                    "funnel": {r["stage"]: r["reached"] for r in report["funnel"]},
                    "active": {r["stage"]: r["open"] for r in report["funnel"] if r.get("open")},
                    "hires": report["scope"]["hires"],
                }
            )
            late += overdue.get(req.id, [])
            pending += report["decisions"]["pending"]
            decisions = report["decisions"]
            windows.add(decisions["window_hours_by_requisition"].get(req.id, decisions["window_hours"]))
        pending = [{**p, "waiting": dur(p["waiting_hours"])} for p in pending]
        # One window for all of this manager's requisitions is worth saying; several would mislead.
        window = windows.pop() if len(windows) == 1 else None
        digests[handle] = _payload(handle, week, at, sections, late, pending, window)
    return digests


def _payload(
    handle: str,
    week: str,
    at: datetime,
    reqs: list[dict[str, Any]],
    overdue: list[dict[str, Any]],
    pending: list[dict[str, Any]],
    window_hours: float | None,
) -> dict[str, Any]:
    active = sum(n for r in reqs for n in r["active"].values())
    message = (
        f"{len(reqs)} open requisition(s), {active} active candidate(s), {len(overdue)} overdue deadline(s), "
        f"{len(pending)} decision(s) waiting on you"
    )
    return {
        "title": f"Weekly hiring digest, {week}: {len(overdue)} overdue, {len(pending)} decision(s) pending",
        "message": message,
        "week": week,
        "generated_at": at.isoformat(),
        "hiring_manager": handle,
        "decision_window_hours": window_hours,
        "requisitions": reqs,
        "overdue": overdue,
        "decisions_pending": pending,
    }


def write_weekly_digests(
    engine: Engine,
    now: datetime | None = None,
    channels: frozenset[str] = frozenset({"console"}),
    timezone: str | None = None,
) -> list[Written]:
    """Write this week's digests that are not written yet to the outbox, all in one transaction.

    Digests already written this week are reported (outbox_id None) and not built again, so running this
    often is cheap.
    """
    at = now or clock.now()
    week = iso_week(at, timezone)
    managers = _open_requisitions_by_manager(engine)
    with Session(engine) as session:
        preferred = dict(session.execute(select(col(Person.handle), col(Person.channels))).all())
        keys = {h: {c: f"digest:{h}:{week}:{c}" for c in channels_for(preferred.get(h), channels)} for h in managers}
        wanted = [k for by_channel in keys.values() for k in by_channel.values()]
        existing = set(
            session.execute(select(col(Outbox.dedupe_key)).where(col(Outbox.dedupe_key).in_(wanted))).scalars()
        )
    todo = {h for h, by_channel in keys.items() if set(by_channel.values()) - existing}
    digests = build_digests(engine, at, week, only=todo)
    written = []
    with transaction(engine) as session:
        for handle, by_channel in keys.items():
            payload = digests.get(handle)
            for channel, key in by_channel.items():
                outbox_id = None
                if payload is not None and key not in existing:
                    outbox_id = insert_ignoring_duplicates(
                        session, Outbox, _digest_row(key, at, handle, channel, payload)
                    )
                counts = (
                    (len(payload["requisitions"]), len(payload["overdue"]), len(payload["decisions_pending"]))
                    if payload
                    else (len(managers[handle]), None, None)  # written before: not built again
                )
                written.append(Written(handle, channel, key, outbox_id, *counts))
    return written


def _digest_row(key: str, at: datetime, handle: str, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The outbox row of one manager's digest on one channel."""
    return {
        "dedupe_key": key,
        "created_at": at,
        "candidate_id": None,
        "escalation_id": None,
        "kind": KIND,
        "recipient": handle,
        "recipient_role": "hiring_manager",
        "channel": channel,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
    }


def scheduled_digests(
    engine: Engine,
    now: datetime | None = None,
    channels: frozenset[str] = frozenset({"console"}),
    timezone: str | None = None,
) -> list[Written]:
    """For a clock that ticks often (`hiring serve`, hourly): this week's digests, once Monday 08:00 (configured
    time zone) has passed. A serve that was down on Monday morning catches up at its next tick."""
    at = now or clock.now()
    if not digest_due(at, timezone):
        return []
    return write_weekly_digests(engine, at, channels, timezone)
