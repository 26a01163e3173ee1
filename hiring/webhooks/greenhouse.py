"""Greenhouse webhook deliveries, as Greenhouse documents them (developers.greenhouse.io/webhooks.html).

- `Signature: sha256 <hex>`: HMAC-SHA256 of the raw body with the webhook's secret key. Verified on the raw
  bytes, exactly as received (Greenhouse escapes Unicode as \\uXXXX before signing), in constant time.
- `Greenhouse-Event-ID`: one id per delivery; Greenhouse retries a delivery that did not get a 200, so a
  delivery already recorded is acknowledged and not applied again. So is a body already recorded, whatever
  its Event-ID: the signature covers the body only, so a captured body re-sent with a fresh id is a replay.
  An Event-ID longer than MAX_EVENT_ID is refused (400), never cut: two long ids must not become one.
- `{"action": ..., "payload": {...}}`: the application's *current* stage only, and no event time. We keep the
  last stage we were told per application, and the delivery time is the event time. The application's
  `last_activity_at` (Greenhouse's clock) orders deliveries: one older than the latest already received for
  its application is recorded `stale` and not applied (a late retry, or an old body replayed).

What a delivery becomes is decided by the policy file's `ats` mapping (states/integrations_policy.py). Every
delivery that passes the signature check is recorded in `webhook_delivery` with what was done: applied,
unchanged, unmapped_stage / unmapped_job (see `hiring webhooks --unmapped`), refused (our rules said no:
the detail says why), stale, ignored, invalid, failed (a bug here; the log has the exception type). All of
them are answered 200 so Greenhouse stops retrying; only a bad signature (401), an over-long Event-ID (400),
a transient conflict with a concurrent writer (RetryLater: 409) or an unreachable database (503) is not, and
then nothing is recorded.

Nothing personal is logged or stored outside the candidate row: deliveries keep ids, stage, job and a hash
of the body only.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from hiring import clock
from hiring.ats import GREENHOUSE, external_id
from hiring.errors import Conflict, InvalidInput, NotFound
from hiring.policy_file import current_policy
from hiring.privacy import erase_in
from hiring.queries.candidates import candidate_erased
from hiring.service import add_candidates, apply_event
from models.db import insert_ignoring_duplicates, rows_matched, transaction
from models.tables import Candidate
from models.tables_integrations import AtsApplication, WebhookDelivery
from states.candidate import OutOfOrder
from states.errors import EventRefused
from states.field_problems import field_problems
from states.intake import NewCandidate
from states.integrations_policy import AtsMapping
from states.policy import Policy
from states.stages import ONBOARDING, REOPENABLE, Stage

log = logging.getLogger("hiring.webhooks")

SOURCE = GREENHOUSE
ACTOR = "greenhouse"
EVENT_ID_HEADER = "greenhouse-event-id"
SIGNATURE_HEADER = "signature"
MAX_ID = 200  # longest id we read from a payload
MAX_EVENT_ID = 200  # longest Greenhouse-Event-ID accepted (Greenhouse's are UUIDs); longer ones are refused
ANONYMIZED = f"{SOURCE}: candidate_anonymized"  # the reason recorded for an erasure Greenhouse asked for


class BadSignature(Exception):
    """401: the delivery is not signed with our secret (or webhooks are not configured)."""


class BadEventId(Exception):
    """400: the Greenhouse-Event-ID header is longer than we keep; nothing was recorded."""


class RetryLater(Exception):
    """The delivery collided with a concurrent change; nothing was recorded, so Greenhouse's retry is safe."""


@dataclass(frozen=True)
class Receipt:
    """What Greenhouse is answered (always 200 once the signature is good)."""

    event_id: str
    status: str
    action: str | None = None
    candidate_id: int | None = None
    detail: str | None = None
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome:
    """What one delivery did; becomes the webhook_delivery row (and updates the application's last stage)."""

    status: str
    action: str
    application_id: str | None = None
    ats_candidate_id: str | None = None
    job_id: str | None = None
    ats_stage: str | None = None
    previous_stage: str | None = None
    candidate_id: int | None = None
    trigger: str | None = None
    detail: str | None = None
    at: datetime | None = None  # the application's last_activity_at in the payload (Greenhouse's clock)


# --- signature ----------------------------------------------------------------------------------


def sign(secret: str | bytes, body: bytes) -> str:
    """The Signature header Greenhouse sends for `body`: 'sha256 <hex>'."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256 " + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """Constant-time check of `Signature: sha256 <hex>` against the raw body."""
    if not header or not secret:
        return False
    algorithm, _, given = header.strip().partition(" ")
    if algorithm.strip().lower() != "sha256":
        return False
    expected = sign(secret, body).partition(" ")[2].encode("ascii")
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))


# --- receiving ----------------------------------------------------------------------------------


def receive(
    engine: Engine,
    body: bytes,
    headers: Mapping[str, str],
    secret: str | None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> Receipt:
    """Verify, deduplicate, apply and record one delivery. Raises BadSignature or RetryLater; else a Receipt."""
    if not secret:
        raise BadSignature("Greenhouse webhooks are not configured here: set HIRING_GREENHOUSE_SECRET")
    lowered = {k.lower(): v for k, v in headers.items()}
    if not verify_signature(secret, body, lowered.get(SIGNATURE_HEADER)):
        raise BadSignature("missing or wrong Signature header (expected 'sha256 <hex HMAC of the body>')")
    given = (lowered.get(EVENT_ID_HEADER) or "").strip()
    if len(given) > MAX_EVENT_ID:
        raise BadEventId(
            f"the Greenhouse-Event-ID header is {len(given)} characters; at most {MAX_EVENT_ID} are "
            "accepted (an id is kept whole or not at all)"
        )
    digest = hashlib.sha256(body).hexdigest()
    event_id = given or "sha256:" + digest
    now = now or clock.now()
    first = _recorded(engine, event_id, digest)
    if first is not None:
        return first
    try:
        outcome = process(engine, body, event_id, now, policy or current_policy())
    except (RetryLater, OperationalError):
        raise  # transient: nothing recorded, the caller answers so that Greenhouse retries
    except Exception as exc:  # a bug: recorded and reported like any delivery, never a 500 (type only: no data)
        log.error("greenhouse delivery %s: unexpected %s", event_id, type(exc).__name__)
        outcome = Outcome(
            "failed", _action_of(body), detail=f"unexpected {type(exc).__name__} while applying it; see the server log"
        )
    if not _record(engine, event_id, digest, now, outcome):
        first = _recorded(engine, event_id, digest)  # a concurrent delivery of the same event recorded it first
        if first is not None:
            return first
    log.info(
        "greenhouse delivery %s: %s -> %s (candidate %s)",
        event_id,
        outcome.action,
        outcome.status,
        outcome.candidate_id,
    )
    return Receipt(event_id, outcome.status, outcome.action, outcome.candidate_id, outcome.detail)


def _action_of(body: bytes) -> str:
    try:
        action = json.loads(body).get("action")
    except Exception:
        return "unknown"
    return action[:100] if isinstance(action, str) else "unknown"


def _recorded(engine: Engine, event_id: str, digest: str) -> Receipt | None:
    """The delivery recorded with this event id or this very body, counted as repeated; None: a new one."""
    with transaction(engine) as session:
        row = session.execute(
            select(WebhookDelivery)
            .where(
                col(WebhookDelivery.source) == SOURCE,
                or_(col(WebhookDelivery.event_id) == event_id, col(WebhookDelivery.body_sha256) == digest),
            )
            .order_by(col(WebhookDelivery.id))
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            return None
        session.execute(
            update(WebhookDelivery).where(col(WebhookDelivery.id) == row.id).values(repeats=WebhookDelivery.repeats + 1)
        )
    detail = row.detail
    if row.event_id != event_id:
        detail = f"the same body as delivery {row.event_id} ({row.status}): not applied again"
    log.info("greenhouse delivery %s repeats %s: already %s", event_id, row.event_id, row.status)
    return Receipt(event_id, row.status, row.action, row.candidate_id, detail, duplicate=True)


def _record(engine: Engine, event_id: str, digest: str, now: datetime, o: Outcome) -> bool:
    """The delivery row and the application's last stage, in one transaction. False: already recorded."""
    try:
        with transaction(engine) as session:
            if o.application_id and o.candidate_id and o.status != "stale":
                _link(session, o, now)
            new_id = insert_ignoring_duplicates(
                session,
                WebhookDelivery,
                {
                    "source": SOURCE,
                    "event_id": event_id,
                    "body_sha256": digest,
                    "received_at": now,
                    "action": o.action[:100],
                    "status": o.status,
                    "application_id": o.application_id,
                    "job_id": o.job_id,
                    "ats_stage": o.ats_stage,
                    "previous_stage": o.previous_stage,
                    "candidate_id": o.candidate_id,
                    "trigger": o.trigger,
                    "detail": (o.detail or "")[:2000] or None,
                    "repeats": 0,
                },
            )
            if new_id is None:
                raise _AlreadyRecorded
    except _AlreadyRecorded:
        return False
    except IntegrityError:  # two first deliveries of one application raced to link it: the retry links it
        raise RetryLater("a concurrent delivery for the same application; retry") from None
    return True


class _AlreadyRecorded(Exception):
    pass


def _link(session: Session, o: Outcome, now: datetime) -> None:
    row = session.execute(
        select(AtsApplication).where(
            col(AtsApplication.source) == SOURCE, col(AtsApplication.application_id) == o.application_id
        )
    ).scalar_one_or_none()
    if row is None:
        row = AtsApplication(source=SOURCE, application_id=o.application_id or "", candidate_id=o.candidate_id or 0)
    row.candidate_id = o.candidate_id or row.candidate_id
    row.ats_candidate_id = o.ats_candidate_id or row.ats_candidate_id
    row.job_id = o.job_id or row.job_id
    older = o.at is not None and row.last_activity_at is not None and o.at < row.last_activity_at
    if o.ats_stage is not None and not older:  # a concurrent newer delivery's stage stays
        row.last_stage, row.last_stage_at = o.ats_stage, now
    session.add(row)


# --- what a delivery means ----------------------------------------------------------------------


def process(engine: Engine, body: bytes, event_id: str, now: datetime, policy: Policy) -> Outcome:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return Outcome("invalid", "unknown", detail=f"the body is not JSON ({type(exc).__name__})")
    if not isinstance(doc, dict) or not isinstance(doc.get("action"), str):
        return Outcome("invalid", "unknown", detail='expected {"action": "...", "payload": {...}}')
    action = doc["action"][:100]
    payload = doc.get("payload")
    if action == "ping":
        return Outcome("ping", action, detail="webhook reachable")
    if not isinstance(payload, dict):
        return Outcome("invalid", action, detail="the payload is not an object")
    handler = _HANDLERS.get(action)
    if handler is None:
        return Outcome("ignored", action, detail=f"action {action!r} is not handled here")
    ctx = _Context(engine, event_id, now, policy.ats, policy, action)
    try:
        return handler(ctx, payload)
    except _LongId as exc:
        return Outcome("invalid", action, detail=str(exc))


@dataclass
class _Context:
    engine: Engine
    event_id: str
    now: datetime
    ats: AtsMapping
    policy: Policy
    action: str
    version: int | None = None  # the candidate's version when the delivery claimed its application

    @property
    def key(self) -> str:
        return f"{SOURCE}:{self.event_id}"


def _get(value: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class _LongId(ValueError):
    """An id in the payload longer than MAX_ID: refused, since a cut id could name someone else."""


def _id(value: Any, what: str) -> str | None:
    """An id from the payload, kept whole or refused (never cut: two long ids would collide)."""
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    if len(text) > MAX_ID:
        raise _LongId(f"the payload's {what} is {len(text)} characters; at most {MAX_ID} are accepted")
    return text or None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text[:MAX_ID] or None


@dataclass
class _App:
    """The parts of a Greenhouse application we use."""

    id: str | None
    candidate_id: str | None
    job_id: str | None
    stage: str | None
    prospect: bool
    raw: dict[str, Any]
    activity: datetime | None = None  # last_activity_at: Greenhouse's time of the state this payload shows

    @classmethod
    def parse(cls, app: Any) -> "_App":
        app = app if isinstance(app, dict) else {}
        jobs = app.get("jobs") if isinstance(app.get("jobs"), list) else []
        job_id = _id(_get(jobs[0], "id"), "job id") if jobs else _id(_get(app, "job", "id"), "job id")
        return cls(
            _id(app.get("id"), "application id"),
            _id(_get(app, "candidate", "id"), "candidate id"),
            job_id,
            _text(_get(app, "current_stage", "name")),
            app.get("prospect") is True,
            app,
            _instant(app.get("last_activity_at")),
        )


def _instant(value: Any) -> datetime | None:
    """An ISO 8601 time from a payload (naive: UTC); None when absent or not a time."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None and when.utcoffset() is not None else when.replace(tzinfo=UTC)


def _outcome(ctx: _Context, status: str, app: _App | None = None, **fields: Any) -> Outcome:
    base: dict[str, Any] = {}
    if app is not None:
        base = {
            "application_id": app.id,
            "ats_candidate_id": app.candidate_id,
            "job_id": app.job_id,
            "ats_stage": app.stage,
            "at": app.activity,
        }
    return Outcome(status, ctx.action, **{**base, **fields})


def _linked(engine: Engine, application_id: str | None) -> tuple[int | None, str | None]:
    """Our candidate for an ATS application, and the last stage we were told for it."""
    if not application_id:
        return None, None
    with Session(engine) as session:
        row = session.execute(
            select(AtsApplication).where(
                col(AtsApplication.source) == SOURCE, col(AtsApplication.application_id) == application_id
            )
        ).scalar_one_or_none()
        if row is not None:
            return row.candidate_id, row.last_stage
        cid = session.execute(
            select(col(Candidate.id)).where(col(Candidate.external_id) == external_id(application_id))
        ).scalar_one_or_none()
    return cid, None


def _claim(ctx: _Context, app: _App, cid: int) -> Outcome | None:
    """Claim the application for this delivery: move its activity mark up to the payload's last_activity_at,
    or answer `stale` when a later one was received already; and note the candidate's version, so that the
    event applies only if nobody (a newer delivery included) changed the candidate since this check."""
    mark = min(app.activity, ctx.now) if app.activity else None  # a future time cannot block the next ones
    where = (col(AtsApplication.source) == SOURCE, col(AtsApplication.application_id) == app.id)
    with transaction(ctx.engine) as session:
        new = insert_ignoring_duplicates(
            session,
            AtsApplication,
            {"source": SOURCE, "application_id": app.id, "candidate_id": cid, "last_activity_at": mark},
        )
        if new is None and mark is not None:
            latest = col(AtsApplication.last_activity_at)
            moved = rows_matched(
                session.execute(
                    update(AtsApplication)
                    .where(*where, or_(latest.is_(None), latest <= mark))
                    .values(last_activity_at=mark)
                )
            )
            if moved != 1:
                known = session.execute(select(latest).where(*where)).scalar_one()
                return _stale(ctx, app, cid, known)
        ctx.version = session.execute(
            select(col(Candidate.version)).where(col(Candidate.id) == cid)
        ).scalar_one_or_none()
    return None


def _stale(ctx: _Context, app: _App, cid: int, known: datetime) -> Outcome:
    shown = app.activity.isoformat() if app.activity else "?"
    return _outcome(
        ctx,
        "stale",
        app,
        candidate_id=cid,
        detail=(
            f"last_activity_at {shown} is older than {known.isoformat()}, already received for application "
            f"{app.id}: not applied (a late or replayed delivery)"
        ),
    )


def _stage_of(engine: Engine, cid: int) -> str:
    with Session(engine) as session:
        cand = session.get(Candidate, cid)
        return cand.stage if cand else ""


def _refusal(exc: Exception) -> str:
    return " ".join(str(exc).split())[:2000]


def _apply(ctx: _Context, cid: int, trigger: str, payload: dict[str, Any], base: Outcome) -> Outcome:
    """Apply one of our triggers for the delivery; our rules' refusals are recorded, not raised."""
    base.candidate_id, base.trigger = cid, trigger
    if candidate_erased(ctx.engine, cid):
        base.status, base.detail = "ignored", f"candidate {cid} was erased: nothing more is recorded about them"
        return base
    try:
        out = apply_event(
            ctx.engine,
            cid,
            trigger,
            payload,
            actor=ACTOR,
            occurred_at=ctx.now,
            key=ctx.key,
            expected_version=ctx.version,
            now=ctx.now,
            policy=ctx.policy,
        )
    except (EventRefused, OutOfOrder, InvalidInput, NotFound) as exc:
        why = _refusal(exc)
        base.status, base.detail = "refused", why if f"'{trigger}'" in why else f"{trigger} refused: {why}"
        return base
    except Conflict as exc:
        raise RetryLater(str(exc)) from None
    moved = f"{out.from_stage} -> {out.to_stage}" if out.from_stage != out.to_stage else f"in {out.to_stage}"
    base.status, base.detail = "applied", f"{trigger} ({moved}), version {out.version}"
    return base


# --- applications and stages --------------------------------------------------------------------


def _application(ctx: _Context, payload: dict[str, Any]) -> Outcome:
    """new_candidate_application and candidate_stage_change: link (or create) the candidate, follow the stage."""
    app = _App.parse(payload.get("application"))
    if app.id is None:
        return _outcome(ctx, "invalid", app, detail="the payload has no application.id")
    if app.prospect:
        return _outcome(ctx, "ignored", app, detail="prospect applications are not tracked here")
    cid, previous = _linked(ctx.engine, app.id)
    created = False
    job = ctx.ats.job(app.job_id)
    if cid is None:
        if job is None:
            what = f"job {app.job_id}" if app.job_id else "an application without a job"
            detail = f"{what} is not in the policy's ats.jobs mapping; the candidate was not created"
            return _outcome(ctx, "unmapped_job", app, detail=detail)
        made = _create(ctx, app, job.requisition)
        if isinstance(made, Outcome):
            return made
        cid, created = made, True
    stale = _claim(ctx, app, cid)
    if stale is not None:
        return stale
    base = _outcome(ctx, "unchanged", app, candidate_id=cid, previous_stage=previous)
    note = f"candidate {cid} created in requisition {job.requisition}" if created and job else None
    if app.stage is None:
        base.status, base.detail = ("applied" if created else "ignored"), note or "the payload has no current stage"
        return base
    if app.stage == previous:
        base.detail = f"still in stage {app.stage!r}"
        return base
    known, rule = ctx.ats.stage_rule(app.stage, app.job_id)
    if not known:
        base.status = "unmapped_stage"
        base.detail = "; ".join(filter(None, [note, f"stage {app.stage!r} is not in the policy's ats.stages mapping"]))
        return base
    if rule is None:
        base.status = "applied" if created else "unchanged"
        base.detail = "; ".join(filter(None, [note, f"stage {app.stage!r} needs no event here"]))
        return base
    out = _apply(ctx, cid, rule.trigger, rule.build_payload(ctx.now), base)
    if note:
        out.detail = f"{note}; {out.detail}"
    return out


def _create(ctx: _Context, app: _App, requisition_id: int) -> int | Outcome:
    given = app.raw.get("candidate")
    cand: dict[str, Any] = given if isinstance(given, dict) else {}
    name = " ".join(filter(None, [_text(cand.get("first_name")), _text(cand.get("last_name"))]))
    source_name = _text(_get(app.raw, "source", "public_name")) or _text(_get(app.raw, "source", "name"))
    fields = {
        "name": name,
        "email": _email(cand.get("email_addresses")),
        "requisition_id": requisition_id,
        "source": ctx.ats.sources.get(source_name or "", ctx.ats.default_source),
        "external_id": external_id(app.id or ""),
    }
    try:
        spec = NewCandidate.model_validate({k: v for k, v in fields.items() if v not in (None, "")})
    except ValidationError as exc:
        # Field names only: a validator's message can quote the value (part of an email address).
        named = field_problems(exc, empty_field="", messages={"missing": "is missing"}, otherwise="is not valid")
        problems = "; ".join(f"{where} {text}" for where, text in named)
        return _outcome(ctx, "refused", app, detail=f"cannot create the candidate: {problems}")
    try:
        [cid] = add_candidates(ctx.engine, [spec], actor=ACTOR, now=ctx.now, policy=ctx.policy)
    except Conflict:  # created by an earlier attempt of this delivery (or a concurrent one)
        linked, _ = _linked(ctx.engine, app.id)
        if linked is None:
            raise RetryLater("the candidate is being created by a concurrent delivery") from None
        cid = linked
    except (InvalidInput, NotFound) as exc:
        return _outcome(ctx, "refused", app, detail=f"cannot create the candidate: {_refusal(exc)}")
    return cid


def _email(addresses: Any) -> str | None:
    if not isinstance(addresses, list):
        return None
    values = [(a.get("type"), _text(a.get("value"))) for a in addresses if isinstance(a, dict)]
    for kind, value in values:
        if value and kind == "personal":
            return value
    return next((v for _, v in values if v), None)


def _known_application(ctx: _Context, app: _App) -> tuple[int, str | None] | Outcome:
    if app.id is None:
        return _outcome(ctx, "invalid", app, detail="the payload has no application id")
    cid, previous = _linked(ctx.engine, app.id)
    if cid is None:
        return _outcome(
            ctx,
            "ignored",
            app,
            detail=f"application {app.id} is not linked to a candidate here "
            "(its new_candidate_application was not received or not mapped)",
        )
    return _claim(ctx, app, cid) or (cid, previous)


def _reject(ctx: _Context, payload: dict[str, Any]) -> Outcome:
    app = _App.parse(payload.get("application"))
    found = _known_application(ctx, app)
    if isinstance(found, Outcome):
        return found
    cid, previous = found
    base = _outcome(ctx, "unchanged", app, candidate_id=cid, previous_stage=previous)
    reason = _text(_get(app.raw, "rejection_reason", "name"))
    kind = _text(_get(app.raw, "rejection_reason", "type", "name"))
    if kind and kind in ctx.ats.withdraw_rejection_types:
        trigger, dest = "withdraw", Stage.WITHDRAWN
        body: dict[str, Any] = {"reason": f"withdrew in Greenhouse ({reason})" if reason else "withdrew in Greenhouse"}
    else:
        trigger, dest = "reject", Stage.REJECTED
        ours = ctx.ats.rejection_reasons.get(reason or "") or ctx.ats.rejection_reasons.get(kind or "")
        body = {
            "reason": (ours or "other"),
            "note": f"rejected in Greenhouse: {reason}" if reason else "rejected in Greenhouse",
        }
    if _stage_of(ctx.engine, cid) == dest.value:
        base.candidate_id, base.trigger, base.detail = cid, trigger, f"already {dest.value} here"
        return base
    return _apply(ctx, cid, trigger, body, base)


def _unreject(ctx: _Context, payload: dict[str, Any]) -> Outcome:
    app = _App.parse(payload.get("application"))
    found = _known_application(ctx, app)
    if isinstance(found, Outcome):
        return found
    cid, previous = found
    base = _outcome(ctx, "unchanged", app, candidate_id=cid, previous_stage=previous, trigger="reopen")
    stage = _stage_of(ctx.engine, cid)
    if stage not in {s.value for s in REOPENABLE}:
        base.detail = f"the candidate is in {stage} here, not rejected or withdrawn"
        return base
    return _apply(ctx, cid, "reopen", {"reason": "unrejected in Greenhouse"}, base)


def _hire(ctx: _Context, payload: dict[str, Any]) -> Outcome:
    app = _App.parse(payload.get("application"))
    found = _known_application(ctx, app)
    if isinstance(found, Outcome):
        return found
    cid, previous = found
    base = _outcome(ctx, "unchanged", app, candidate_id=cid, previous_stage=previous)
    stage = _stage_of(ctx.engine, cid)
    if stage in {s.value for s in ONBOARDING} | {Stage.ONBOARDED.value, Stage.DEPARTED.value}:
        base.trigger, base.detail = "accept_offer", f"already hired here ({stage})"
        return base
    start = _date(_get(app.raw, "offer", "starts_at"))
    return _apply(ctx, cid, "accept_offer", {"start_date": start} if start else {}, base)


def _offer(ctx: _Context, payload: dict[str, Any]) -> Outcome:
    """offer_created: make_offer (revise_offer when an offer is already out) from the offer's fields."""
    app_id = _id(payload.get("application_id"), "application_id")
    app = _App(app_id, None, _id(payload.get("job_id"), "job_id"), None, False, {})
    found = _known_application(ctx, app)
    if isinstance(found, Outcome):
        return found
    cid, previous = found
    base = _outcome(ctx, "unchanged", app, candidate_id=cid, previous_stage=previous)
    rule = ctx.ats.offer
    body: dict[str, Any] = dict(rule.payload)
    salary = _get(payload, "custom_fields", rule.salary_field, "value")
    amount = _get(salary, "amount")
    try:
        if amount is not None and not isinstance(amount, bool):
            body["base_salary"] = int(float(amount))
    except (TypeError, ValueError, OverflowError):
        pass
    if _text(_get(salary, "unit")):
        body["currency"] = _text(_get(salary, "unit"))
    start = _date(payload.get("start_date"))
    if start:
        body["start_date"] = start
    trigger = "revise_offer" if _stage_of(ctx.engine, cid) == Stage.OFFER.value else "make_offer"
    return _apply(ctx, cid, trigger, body, base)


def _date(value: Any) -> str | None:
    """Greenhouse writes offer dates as YYYY-MM-DD or MM/DD/YYYY."""
    text = _text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _anonymized(ctx: _Context, payload: dict[str, Any]) -> Outcome:
    """candidate_anonymized: erase every candidate here that came from this Greenhouse person, found by their
    applications, or (no delivery received yet) by the external id `greenhouse:<person id>` of a CSV import."""
    person = _id(payload.get("candidate_id"), "candidate_id")
    if person is None:
        return Outcome("invalid", ctx.action, detail="the payload has no candidate_id")
    with transaction(ctx.engine) as session:
        cids = sorted(_people(session, person))
        erased = []
        for cid in cids:
            cand = session.get(Candidate, cid)
            if cand is not None and not erase_in(session, cand, ACTOR, ANONYMIZED, ctx.now).already:
                erased.append(cid)
        # The link the erasure keeps for an external id names this person: a repeat finds them by it.
        session.execute(
            update(AtsApplication)
            .where(
                col(AtsApplication.source) == SOURCE,
                col(AtsApplication.application_id) == person,
                col(AtsApplication.candidate_id).in_(cids),
                col(AtsApplication.ats_candidate_id).is_(None),
            )
            .values(ats_candidate_id=person)
        )
    if not cids:
        return Outcome(
            "ignored",
            ctx.action,
            ats_candidate_id=person,
            detail=f"no candidate here comes from Greenhouse candidate {person}",
        )
    detail = f"erased candidate(s) {', '.join(map(str, erased))}" if erased else "already erased"
    return Outcome(
        "applied" if erased else "unchanged", ctx.action, ats_candidate_id=person, candidate_id=cids[0], detail=detail
    )


def _people(session: Session, person: str) -> set[int]:
    """Our candidates from this Greenhouse person: linked by an application of theirs, or carrying the external
    id greenhouse:<person> unless that id is known as an application of someone else."""
    linked = set(
        session.execute(
            select(col(AtsApplication.candidate_id)).where(
                col(AtsApplication.source) == SOURCE, col(AtsApplication.ats_candidate_id) == person
            )
        ).scalars()
    )
    someone_elses = session.execute(
        select(col(AtsApplication.id)).where(
            col(AtsApplication.source) == SOURCE,
            col(AtsApplication.application_id) == person,
            col(AtsApplication.ats_candidate_id).is_not(None),
            col(AtsApplication.ats_candidate_id) != person,
        )
    ).first()
    if someone_elses:
        return linked
    csv = session.execute(select(col(Candidate.id)).where(col(Candidate.external_id) == external_id(person))).scalars()
    return linked | set(csv)


_HANDLERS = {
    "new_candidate_application": _application,
    "candidate_stage_change": _application,
    "reject_candidate": _reject,
    "unreject_candidate": _unreject,
    "hire_candidate": _hire,
    "offer_created": _offer,
    "candidate_anonymized": _anonymized,
}
