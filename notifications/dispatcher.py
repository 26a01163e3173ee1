"""The outbox dispatcher: claim due rows, send them, record the outcome. Nothing is lost, little is repeated.

One pass (`dispatch`):
1. Claim a batch in one short transaction: due `pending` rows, plus rows stuck in `sending` whose claim
   has lapsed (their dispatcher died between send and mark-sent). Claimed rows become `sending` with
   `claimed_by`/`claimed_at` and `claim_expires_at` (the database's clock + the claim timeout: a dispatcher
   whose own clock is pinned or skewed cannot misjudge it); the claim COMMITS before anything is sent.
   PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several dispatchers share the work. SQLite: `transaction()`
   takes the write lock (BEGIN IMMEDIATE), so claims are serialised: one claimer at a time.
2. Group rows for the same recipient and channel into one message (the digest; `HIRING_DIGEST`).
3. Send each message outside any transaction.
4. Record each outcome in its own transaction, fenced on `claimed_by` (a row reclaimed by someone else
   meanwhile is not overwritten): `sent`; or `pending` again with exponential back-off and jitter (or the
   channel's Retry-After); or `dead` with the reason (permanent failure, no reachable recipient, or the
   last attempt).

Delivery is at least once: a crash after the send and before step 4 leaves the row in `sending`; it is
reclaimed after the claim timeout and sent once more (email keeps its Message-ID, so it deduplicates).
"""

import logging
import os
import random
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlmodel import Session, col

from models.db import database_now, is_postgres, rows_matched, transaction
from models.tables import Candidate, Outbox, Person
from models.tables_integrations import Erasure
from notifications.config import DispatchConfig, Scrubber, config_scrubber, slack_config, smtp_config
from notifications.delivery import Delivery, Recipient
from notifications.errors import DeliveryError, Unreachable
from notifications.render import Context, Notice

log = logging.getLogger("notifications.dispatcher")

BACKOFF_BASE_SECONDS = 30.0  # first retry after 15-30 s, then 30-60 s, 60-120 s, ... (equal jitter)
BACKOFF_CAP_SECONDS = 3600.0
DIGEST_MAX_ITEMS = 20  # a digest longer than this is split (Block Kit allows 50 blocks per message)
MAX_BATCHES = 1000
# Test-only hook: seconds to sleep after a successful send, before it is recorded (to kill the process there).
PAUSE_AFTER_SEND_ENV = "HIRING_TEST_PAUSE_AFTER_SEND"


@dataclass
class DispatchResult:
    sent: int = 0  # rows delivered
    retried: int = 0  # rows that failed and are scheduled for another attempt
    dead: int = 0  # rows given up on (see `hiring outbox --status dead`)
    messages: int = 0  # messages delivered: a digest is one message for several rows
    reclaimed: int = 0  # rows taken back from a dispatcher that stopped mid-send
    deferred: int = 0  # rows put back without an attempt (Slack rate limit in force, or time budget spent)
    failures: list[dict[str, Any]] = field(default_factory=list)  # ids, channel, recipient, outcome, error

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "failures"}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from the session that claimed it."""

    id: int
    channel: str
    recipient: str | None
    recipient_role: str | None
    kind: str
    payload: dict[str, Any]
    attempts: int
    group: str | None  # the claim it was last attempted in: rows attempted together are sent together again


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempts + 1`: exponential, capped, with equal jitter."""
    ceiling: float = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def dispatch(
    engine: Engine,
    now: datetime,
    config: DispatchConfig,
    worker_id: str | None = None,
    console_write: Callable[[str], None] | None = None,
) -> DispatchResult:
    """One pass over the outbox: everything due at `now` is sent, rescheduled or given up on."""
    worker = worker_id or default_worker_id()
    scrub = config_scrubber(config)
    result = DispatchResult()
    channels = _Channels(config, scrub, console_write)
    # Stop taking new work well before the claim timeout, so nobody reclaims rows we are still sending.
    deadline = time.monotonic() + config.claim_timeout_seconds / 2
    try:
        for _ in range(MAX_BATCHES):
            rows = _claim(engine, now, config, worker, result)
            if not rows:
                break
            if not _deliver(engine, rows, now, config, worker, channels, scrub, result, deadline):
                break
    finally:
        channels.close()
    if result.sent or result.retried or result.dead or result.reclaimed:
        log.info(
            "dispatch: %d sent in %d message(s), %d retried, %d dead, %d reclaimed, %d deferred",
            result.sent,
            result.messages,
            result.retried,
            result.dead,
            result.reclaimed,
            result.deferred,
        )
    return result


# --- 1. claim -----------------------------------------------------------------------------------


def _lapsed(db_now: datetime, timeout: timedelta) -> Any:
    """Claims whose deadline has passed on the database's clock. A row claimed without a deadline (before
    migration 0005) lapses by its claim time, on the same clock."""
    legacy = and_(col(Outbox.claim_expires_at).is_(None), col(Outbox.claimed_at) <= db_now - timeout)
    return or_(col(Outbox.claim_expires_at) <= db_now, legacy)


def _claim(engine: Engine, now: datetime, config: DispatchConfig, worker: str, result: DispatchResult) -> list[Claimed]:
    batch = max(1, config.batch_size)
    timeout = timedelta(seconds=config.claim_timeout_seconds)
    stale_q = select(Outbox).order_by(col(Outbox.claim_expires_at), col(Outbox.claimed_at), col(Outbox.id)).limit(batch)
    due_q = (
        select(Outbox)
        .where(col(Outbox.status) == "pending", col(Outbox.next_attempt_at) <= now)
        .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
    )
    if is_postgres(engine):  # concurrent dispatchers skip each other's rows instead of waiting on them
        stale_q = stale_q.with_for_update(skip_locked=True)
        due_q = due_q.with_for_update(skip_locked=True)
    with transaction(engine) as session:
        # Expiry is judged on the database's clock, never on `now`: a dispatcher pinned in the past (HIRING_NOW)
        # or on a skewed machine would otherwise take claims that are still live, or hand out short ones.
        db_now = database_now(session)
        stale = list(
            session.execute(stale_q.where(col(Outbox.status) == "sending", _lapsed(db_now, timeout))).scalars()
        )
        due = list(session.execute(due_q.limit(batch - len(stale))).scalars()) if len(stale) < batch else []
        retaken = [row for row in stale if _reclaimable(session, row, config.max_attempts, result)]
        return [_take(session, row, worker, now, db_now + timeout) for row in retaken + due]


def _reclaimable(session: Any, row: Outbox, max_attempts: int, result: DispatchResult) -> bool:
    """A lapsed claim is sent again, unless its dispatcher has died on every attempt: then it goes dead."""
    result.reclaimed += 1
    if row.attempts < max_attempts:
        log.warning(
            "outbox %s: reclaimed from %s, which stopped before recording the outcome; sending it again",
            row.id,
            row.claimed_by,
        )
        return True
    row.status = "dead"
    row.last_error = (
        f"gave up after {row.attempts} attempts: the dispatcher sending it "
        f"({row.claimed_by}) stopped each time before recording the outcome"
    )
    session.add(row)
    result.dead += 1
    result.failures.append(
        {
            "ids": [row.id],
            "channel": row.channel,
            "recipient": row.recipient,
            "outcome": "dead",
            "error": row.last_error,
        }
    )
    return False


def _take(session: Any, row: Outbox, worker: str, now: datetime, expires_at: datetime) -> Claimed:
    # A row tried before keeps the company it was tried in: the rows of that attempt go out together again
    # (same digest, same email Message-ID); rows new since then go in a message of their own.
    group = f"{row.claimed_by}@{row.claimed_at.isoformat()}" if row.attempts and row.claimed_at else None
    row.status, row.claimed_by, row.claimed_at, row.claim_expires_at = "sending", worker, now, expires_at
    session.add(row)
    # The attempt is counted when this row's message is about to be sent (_start_attempt), not here: a dispatcher
    # that dies in the middle of a batch has not tried the rows it did not reach.
    return Claimed(
        id=row.id or 0,
        channel=row.channel,
        recipient=row.recipient,
        recipient_role=row.recipient_role,
        kind=row.kind,
        payload=dict(row.payload or {}),
        attempts=row.attempts + 1,
        group=group,
    )


# --- 2. group -----------------------------------------------------------------------------------


def _groups(rows: list[Claimed], digest: bool) -> list[list[Claimed]]:
    if not digest:
        return [[r] for r in sorted(rows, key=lambda r: r.id)]
    by_key: dict[tuple[str, str, str | None], list[Claimed]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        # a weekly digest is already one message: it is never folded into "N deadlines need you"
        recipient = row.recipient or f"#{row.id}"
        key = (row.channel, f"digest#{row.id}" if row.kind == "digest" else recipient, row.group)
        by_key.setdefault(key, []).append(row)
    groups = [g[i : i + DIGEST_MAX_ITEMS] for g in by_key.values() for i in range(0, len(g), DIGEST_MAX_ITEMS)]
    return sorted(groups, key=lambda g: g[0].id)


# --- 3. send, 4. record -------------------------------------------------------------------------


def _deliver(
    engine: Engine,
    rows: list[Claimed],
    now: datetime,
    config: DispatchConfig,
    worker: str,
    channels: "_Channels",
    scrub: Scrubber,
    result: DispatchResult,
    deadline: float,
) -> bool:
    """Send a claimed batch. False when the pass should stop (time budget spent)."""
    handles = {r.recipient for r in rows if r.recipient}
    escalated = ((r.payload.get("next_escalation") or {}).get("recipient") for r in rows)
    handles |= {h for h in escalated if h is not None}
    people = recipients(engine, handles)
    names = {h: p.name for h, p in people.items()}
    subjects = candidate_names(engine, {cid for r in rows for cid in candidate_ids(r.payload)})
    blocked: dict[str, datetime] = {}  # channel -> when its rate limit lifts
    keep_going = True
    for group in _groups(rows, config.digest):
        channel = group[0].channel
        if time.monotonic() > deadline:
            keep_going = False
            _defer(engine, group, worker, now, result)
            continue
        if channel in blocked:
            _defer(engine, group, worker, blocked[channel], result)
            continue
        group = _start_attempt(engine, group, worker)
        if not group:
            continue  # reclaimed by another dispatcher meanwhile: theirs to send
        try:
            _send(group, people, names, subjects, channels, now, config)
        except DeliveryError as exc:
            reason = scrub(exc.reason)
            if exc.retry_after is not None:
                blocked[channel] = now + timedelta(seconds=exc.retry_after)
            _failed(engine, group, worker, now, config.max_attempts, result, reason, exc.permanent, exc.retry_after)
        except Exception as exc:  # a bug or an unforeseen library error: retry later, never lose the row
            reason = scrub(f"unexpected error: {type(exc).__name__}: {exc}")
            log.error("outbox %s: %s", [r.id for r in group], reason)
            _failed(engine, group, worker, now, config.max_attempts, result, reason, False, None)
        else:
            _pause_after_send()
            _sent(engine, group, worker, now, result)
    return keep_going


def _send(
    group: list[Claimed],
    people: dict[str, Any],
    names: dict[str, str],
    subjects: dict[int, str],
    channels: "_Channels",
    now: datetime,
    config: DispatchConfig,
) -> None:
    first = group[0]
    handle = first.recipient
    if not handle:
        raise Unreachable(
            f"nobody holds the role {first.recipient_role or '?'} for this notification: set the "
            "requisition's recruiter / hiring_manager, or HIRING_HEAD_OF_TALENT"
        )
    channel = channels.get(first.channel)
    recipient = people.get(handle)
    address = channel.address(handle, recipient)
    context = Context(
        timezone=recipient.timezone if recipient else config.timezone,
        ats_link_template=config.ats_link_template,
        names=names,
    )
    # The candidates' names as they are now: rows hold ids only, so an erasure reaches unsent messages too.
    notices = [Notice(outbox_id=r.id, kind=r.kind, payload=with_names(r.payload, subjects)) for r in group]
    channel.send(
        Delivery(notices=notices, handle=handle, recipient=recipient, address=address, context=context, now=now)
    )


def _fenced(row_id: int, worker: str) -> Any:
    return update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending", Outbox.claimed_by == worker)  # type: ignore[arg-type]  # SQLModel types column comparisons as bool


_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared


def _fenced_rows(ids: list[int], worker: str) -> Any:
    """Core UPDATE of the rows among `ids` still claimed by `worker` (the fence of _fenced, for a whole group)."""
    o = _OUTBOX.c
    return update(_OUTBOX).where(o.id.in_(ids), o.status == "sending", o.claimed_by == worker)


def _start_attempt(engine: Engine, group: list[Claimed], worker: str) -> list[Claimed]:
    """Count the attempt, committed before the send: the rows of the group that are still this worker's."""
    with transaction(engine) as session:
        stmt = _fenced_rows([r.id for r in group], worker).values(attempts=_OUTBOX.c.attempts + 1)
        counted = set(session.connection().execute(stmt.returning(_OUTBOX.c.id)).scalars())
    return [r for r in group if r.id in counted]


def _sent(engine: Engine, group: list[Claimed], worker: str, now: datetime, result: DispatchResult) -> None:
    with transaction(engine) as session:
        stmt = _fenced_rows([r.id for r in group], worker).values(status="sent", sent_at=now, last_error=None)
        done = session.connection().execute(stmt).rowcount
    result.sent += done
    result.messages += 1
    if done < len(group):
        log.warning(
            "outbox %s: sent, but another dispatcher had reclaimed %d of the rows meanwhile",
            [r.id for r in group],
            len(group) - done,
        )


def _failed(
    engine: Engine,
    group: list[Claimed],
    worker: str,
    now: datetime,
    max_attempts: int,
    result: DispatchResult,
    reason: str,
    permanent: bool,
    retry_after: float | None,
) -> None:
    dead: list[int] = []
    retried: list[int] = []
    with transaction(engine) as session:
        for row in group:
            if permanent or row.attempts >= max_attempts:
                error = reason if permanent else f"gave up after {row.attempts} attempts: {reason}"
                values: dict[str, Any] = {"status": "dead", "last_error": error}
                bucket = dead
            else:
                wait = retry_after if retry_after is not None else backoff(row.attempts)
                values = {"status": "pending", "last_error": reason, "next_attempt_at": now + timedelta(seconds=wait)}
                bucket = retried
            if rows_matched(session.execute(_fenced(row.id, worker).values(**values))):
                bucket.append(row.id)
    result.dead += len(dead)
    result.retried += len(retried)
    first = group[0]
    for outcome, ids in (("dead", dead), ("retry", retried)):
        if ids:
            result.failures.append(
                {
                    "ids": ids,
                    "channel": first.channel,
                    "recipient": first.recipient,
                    "outcome": outcome,
                    "error": reason,
                }
            )
            log.warning(
                "outbox %s via %s to %s: %s (%s)",
                ids,
                first.channel,
                first.recipient or "-",
                reason,
                "dead" if outcome == "dead" else "will retry",
            )


def _defer(engine: Engine, group: list[Claimed], worker: str, at: datetime, result: DispatchResult) -> None:
    """Put rows back unattempted: this claim does not count as an attempt."""
    with transaction(engine) as session:
        for row in group:
            session.execute(_fenced(row.id, worker).values(status="pending", next_attempt_at=at))
    result.deferred += len(group)


def _pause_after_send() -> None:
    pause = os.environ.get(PAUSE_AFTER_SEND_ENV)
    if pause:
        sys.stderr.write("dispatch: message sent; pausing before recording it\n")
        sys.stderr.flush()
        time.sleep(float(pause))


# --- the channels, made on first use -------------------------------------------------------------


# Who a row goes to and who it is about, looked up at send time. Requisitions and the policy name people by
# handle (e.g. maria.lopez); the people directory (administered by hiring/people.py) gives the address, Slack
# user id and time zone. Outbox rows hold candidate ids and facts, never names: the names are read from the
# candidate rows when a message is rendered (or a row is listed), so an erasure reaches every message that has
# not gone out yet. An erased candidate renders as "erased candidate (#id)"; an unknown id as "candidate #id".


def recipients(engine: Engine, handles: set[str]) -> dict[str, Recipient]:
    """The directory entries of these handles, as plain snapshots."""
    if not handles:
        return {}
    with transaction(engine) as session:
        rows = session.execute(select(Person).where(col(Person.handle).in_(handles))).scalars()
        return {
            p.handle: Recipient(
                handle=p.handle,
                name=p.name,
                email=p.email,
                slack_user_id=p.slack_user_id,
                role=p.role,
                timezone=p.timezone or "UTC",
            )
            for p in rows
        }


ERASED_NAME = "erased candidate"
NAME_KEYS = ("candidate_name", "candidate_email")  # what older rows carried (migration 0005 removes them)
LISTS = ("overdue", "decisions_pending")  # the weekly digest's lists of candidates


def candidate_ids(payload: dict[str, Any]) -> set[int]:
    """Every candidate a payload is about: an escalation's own, and those in a weekly digest's lists."""
    ids = [payload.get("candidate_id")]
    ids += [item.get("candidate_id") for key in LISTS for item in _items(payload, key)]
    return {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}


def candidate_names(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """Names by candidate id, as they are now; erased candidates by ERASED_NAME. Two queries for any count."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with Session(engine) as session:
        names = dict(
            session.execute(select(col(Candidate.id), col(Candidate.name)).where(col(Candidate.id).in_(wanted))).all()
        )
        erased = set(
            session.execute(select(col(Erasure.candidate_id)).where(col(Erasure.candidate_id).in_(wanted))).scalars()
        )
    return {cid: ERASED_NAME if cid in erased else name for cid, name in names.items()}


def with_names(payload: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """A copy of the payload carrying the current names (in memory only, for the renderers); any name stored
    in the row itself is ignored."""
    out = _anonymous(payload)
    if out.get("candidate_id") in names:
        out["candidate_name"] = names[out["candidate_id"]]
    for key in LISTS:
        if key in out:
            out[key] = [_named(item, names) for item in _items(out, key)]
    return out


def _anonymous(payload: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k not in NAME_KEYS}
    for key in LISTS:
        if key in out:
            out[key] = [{k: v for k, v in item.items() if k not in NAME_KEYS} for item in _items(out, key)]
    return out


def _named(item: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    cid = item.get("candidate_id")
    return {**item, "candidate_name": names[cid]} if cid in names else item


def _items(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = payload.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class _Channels:
    """Builds each channel the first time a row needs it: Slack/SMTP configuration (and Prefect blocks)
    is loaded only if a row for that channel is due. A configuration error fails every row of the channel."""

    def __init__(self, config: DispatchConfig, scrub: Scrubber, console_write: Callable[[str], None] | None) -> None:
        self.config, self.scrub, self.console_write = config, scrub, console_write
        self._made: dict[str, Any] = {}
        self._errors: dict[str, DeliveryError] = {}

    def get(self, name: str) -> Any:
        if name in self._errors:
            raise self._errors[name]
        if name not in self._made:
            try:
                self._made[name] = self._make(name)
            except DeliveryError as exc:
                self._errors[name] = exc
                raise
        return self._made[name]

    def _make(self, name: str) -> Any:
        if name == "console":
            from notifications.console import ConsoleChannel

            return ConsoleChannel(self.console_write)
        if name == "slack":
            from notifications.slack import SlackChannel

            return SlackChannel(slack_config(self.config.slack, self.scrub), self.scrub)
        if name == "email":
            from notifications.email import EmailChannel

            return EmailChannel(smtp_config(self.config.email, self.scrub), self.scrub)
        raise DeliveryError(f"unknown channel {name!r}; known: slack, email, console", permanent=True)

    def close(self) -> None:
        for channel in self._made.values():
            channel.close()
