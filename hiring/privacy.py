"""Erasure of a candidate's personal data, and the retention rule that erases it on a schedule.

Erasing a candidate, in one transaction:
- the candidate row loses its name, email and external id;
- every event keeps its trigger, stages, times, scores, ratings, enums, dates and amounts, but its free-text
  payload fields (notes, reasons, submission links, offer wording...) become "[erased]": the log still replays,
  and the reports still count and score the candidate;
- outbox rows about the candidate that were not sent are deleted (nobody is notified about an erased
  candidate), the ones already sent keep only their anonymous facts;
- open SLA timers are cancelled, so no escalation about the candidate can fire again;
- an `erasure` row records when, by whom and why. Erasing twice changes nothing the second time.
"""

import logging
import types
import typing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from hiring import clock
from hiring.ats import GREENHOUSE, application_of
from hiring.errors import InvalidInput
from hiring.policy_file import current_policy
from hiring.queries.lookup import find_candidate
from hiring.service import lock_candidate
from models.db import rows_matched, transaction
from models.tables import Candidate, Event, Outbox, Timer
from models.tables_integrations import AtsApplication, Erasure
from states.durations import human
from states.payloads import CHECKPOINT_PAYLOADS, PAYLOADS, Payload
from states.policy import Policy
from states.stages import Stage

log = logging.getLogger("hiring.privacy")

ERASED = "[erased]"
# Keys that would say who a candidate is; outbox rows written before migration 0005 could hold them.
PERSONAL_KEYS = frozenset({"candidate_name", "candidate_email", "name", "email", "external_id", "note", "notes"})
UNSENT = ("pending", "dead")  # "sending" rows are in a dispatcher's hands: they are scrubbed, not deleted


@dataclass
class ErasureResult:
    candidate_id: int
    erased_at: datetime
    erased_by: str
    reason: str
    events_scrubbed: int = 0
    outbox_scrubbed: int = 0
    outbox_cancelled: int = 0
    timers_cancelled: int = 0
    already: bool = False  # the candidate had been erased before; nothing was done this time

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "erased_at": self.erased_at.isoformat()}


# --- which payload fields are free text -----------------------------------------------------------


def _is_text(annotation: Any) -> bool:
    """str, str | None, list[str], a model of text fields (the offer's terms): text a person typed. Enums
    (StrEnum subclasses) are not text."""
    if annotation is str:
        return True
    if isinstance(annotation, type) and issubclass(annotation, Payload):
        return bool(annotation.model_fields) and free_text_fields(annotation) == set(annotation.model_fields)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_text(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is list:
        return all(_is_text(a) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _is_text(typing.get_args(annotation)[0])
    return False


def _has_pattern(info: Any) -> bool:
    """A str field with a pattern (a currency code, a template id) is a code, not free text."""
    return any(getattr(m, "pattern", None) for m in info.metadata) or _pattern_in(info.annotation)


def _pattern_in(annotation: Any) -> bool:
    """An optional code (`TemplateId | None`): the pattern sits on the union's Annotated member."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Annotated:
        return any(getattr(m, "pattern", None) for m in args[1:])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list):  # a list of codes too
        return bool(args) and all(_pattern_in(a) for a in args)
    return False


def free_text_fields(model: type[Payload]) -> frozenset[str]:
    return frozenset(
        name for name, info in model.model_fields.items() if _is_text(info.annotation) and not _has_pattern(info)
    )


def nested_text_fields(model: type[Payload]) -> dict[str, frozenset[str]]:
    """Fields holding a model of mixed fields (a rating and its note): the text fields inside each. The
    rating stays, the note is scrubbed."""
    out = {}
    for name, info in model.model_fields.items():
        inner = info.annotation
        mixed = isinstance(inner, type) and issubclass(inner, Payload) and name not in free_text_fields(model)
        if mixed and (texts := free_text_fields(inner)):  # type: ignore[arg-type]  # `mixed` says it is a Payload
            out[name] = texts
    return out


FREE_TEXT: dict[str, frozenset[str]] = {trigger: free_text_fields(m) for trigger, m in PAYLOADS.items()}
CHECKPOINT_FREE_TEXT: dict[str, frozenset[str]] = {
    stage.value: free_text_fields(m) for stage, m in CHECKPOINT_PAYLOADS.items()
}
NESTED_TEXT: dict[str, dict[str, frozenset[str]]] = {t: nested_text_fields(m) for t, m in PAYLOADS.items()}
CHECKPOINT_NESTED_TEXT: dict[str, dict[str, frozenset[str]]] = {
    stage.value: nested_text_fields(m) for stage, m in CHECKPOINT_PAYLOADS.items()
}


def scrub_payload(trigger: str, from_stage: str | None, payload: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The event payload with its free-text fields replaced by "[erased]" (a list keeps one item)."""
    payload = dict(payload or {})
    if trigger == "complete_checkpoint":
        fields = CHECKPOINT_FREE_TEXT.get(from_stage or "", frozenset())
        nested = CHECKPOINT_NESTED_TEXT.get(from_stage or "", {})
    else:
        fields, nested = FREE_TEXT.get(trigger, frozenset()), NESTED_TEXT.get(trigger, {})
    changed = False
    for name in fields & payload.keys():
        value = payload[name]
        if value is None:
            continue
        new = _erased(value)
        if value != new:
            payload[name], changed = new, True
    for name, inner in nested.items():
        if isinstance(payload.get(name), dict):
            scrubbed, inner_changed = _scrub_fields(payload[name], inner)
            payload[name], changed = scrubbed, changed or inner_changed
    return payload, changed


def _scrub_fields(value: dict[str, Any], fields: frozenset[str]) -> tuple[dict[str, Any], bool]:
    """A nested model's text fields scrubbed, its other fields (a rating) kept."""
    out = {k: (ERASED if k in fields and v is not None else v) for k, v in value.items()}
    return out, out != value


def _erased(value: Any) -> Any:
    """A free-text value scrubbed: a list keeps one item, a model of text fields keeps its keys."""
    if isinstance(value, dict):
        return {k: _erased(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [ERASED] if value else []
    return ERASED


def _scrub_value(value: Any, needles: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (ERASED if k in PERSONAL_KEYS and v is not None else _scrub_value(v, needles)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_value(v, needles) for v in value]
    if isinstance(value, str) and any(n and n.lower() in value.lower() for n in needles):
        return ERASED
    return value


# --- erasure ------------------------------------------------------------------------------------


def erase(
    engine: Engine, ref: str | int, by: str, *, reason: str = "request", now: datetime | None = None
) -> ErasureResult:
    """Erase one candidate's personal data (see the module docstring). Idempotent."""
    by = (by or "").strip()
    if not by:
        raise InvalidInput("say who erases the candidate (--by): the erasure record keeps it")
    now = now or clock.now()
    with transaction(engine) as session:
        cand = find_candidate(session, ref)
        result = erase_in(session, cand, by, reason, now)
    if not result.already:
        log.info(
            "erased candidate %s (%s): %d event(s), %d outbox row(s) scrubbed, %d cancelled, %d timer(s)",
            result.candidate_id,
            result.reason,
            result.events_scrubbed,
            result.outbox_scrubbed,
            result.outbox_cancelled,
            result.timers_cancelled,
        )
    return result


def erase_in(session: Session, cand: Candidate, by: str, reason: str, now: datetime) -> ErasureResult:
    """The erasure inside the caller's transaction.

    Order matters on PostgreSQL. The candidate's row is locked first, as event application locks it: an
    event in flight finishes before the erasure reads anything, and a later one waits and then sees the
    erasure. Its open timers are cancelled next: that waits for a sweeper firing one of them, so the outbox
    rows it wrote are committed, and seen and deleted below; a later sweeper finds the timers closed.
    """
    cid = cand.id or 0
    cand = lock_candidate(session, cid) or cand
    done = session.execute(select(Erasure).where(col(Erasure.candidate_id) == cid)).scalar_one_or_none()
    if done is not None:
        return ErasureResult(
            cid,
            done.erased_at,
            done.erased_by,
            done.reason,
            done.events_scrubbed,
            done.outbox_scrubbed,
            done.outbox_cancelled,
            done.timers_cancelled,
            True,
        )
    result = ErasureResult(cid, now, by, reason)
    needles = [cand.name, cand.email] + ([cand.external_id] if cand.external_id else [])
    needles = [n for n in needles if n and len(n) >= 3]

    result.timers_cancelled = _cancel_open_timers(session, cid, now)

    result.events_scrubbed = _scrub_events(session, cid)
    result.outbox_cancelled, result.outbox_scrubbed = _scrub_outbox(session, cid, needles)
    _keep_ats_link(session, cand)
    cand.name, cand.email, cand.external_id = ERASED, "", None
    session.add(cand)
    counts = {
        k: getattr(result, k) for k in ("events_scrubbed", "outbox_scrubbed", "outbox_cancelled", "timers_cancelled")
    }
    session.add(Erasure(candidate_id=cid, erased_at=now, erased_by=by, reason=reason, **counts))
    session.flush()
    return result


def _scrub_events(session: Session, cid: int) -> int:
    """Personal fields taken out of the candidate's event payloads; how many events changed."""
    scrubbed = 0
    for ev in session.execute(select(Event).where(col(Event.candidate_id) == cid)).scalars():
        payload, changed = scrub_payload(ev.trigger, ev.from_stage, ev.payload)
        if changed:
            ev.payload = payload
            session.add(ev)
            scrubbed += 1
    return scrubbed


def _scrub_outbox(session: Session, cid: int, needles: list[str]) -> tuple[int, int]:
    """Unsent outbox rows deleted, sent ones scrubbed of the needles: (cancelled, scrubbed)."""
    cancelled = scrubbed = 0
    for row in list(session.execute(select(Outbox).where(col(Outbox.candidate_id) == cid)).scalars()):
        if row.status in UNSENT:
            session.delete(row)
            cancelled += 1
            continue
        payload = _scrub_value(dict(row.payload or {}), needles)
        error = _scrub_value(row.last_error, needles) if row.last_error else row.last_error
        if payload != (row.payload or {}) or error != row.last_error:
            row.payload, row.last_error = payload, error
            session.add(row)
            scrubbed += 1
    return cancelled, scrubbed


def _cancel_open_timers(session: Session, cid: int, now: datetime) -> int:
    """Cancel the candidate's open timers with one UPDATE (it waits for a sweeper holding one of them)."""
    cancel = (
        update(Timer)
        .where(Timer.candidate_id == cid, Timer.status == "open")  # type: ignore[arg-type]  # SQLModel types column comparisons as bool
        .values(status="cancelled", closed_at=now, next_level=None, next_fire_at=None)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(session.execute(cancel)) or 0


def _keep_ats_link(session: Session, cand: Candidate) -> None:
    """An ATS-created candidate loses its external id; its application link stays, so a later delivery for
    the same application finds the erased candidate instead of creating the person again."""
    application_id = application_of(cand.external_id)
    if application_id is None:
        return
    linked = session.execute(
        select(col(AtsApplication.id)).where(
            col(AtsApplication.source) == GREENHOUSE, col(AtsApplication.application_id) == application_id
        )
    ).first()
    if linked is None:
        session.add(AtsApplication(source=GREENHOUSE, application_id=application_id, candidate_id=cand.id or 0))


# --- retention ----------------------------------------------------------------------------------


@dataclass
class RetentionResult:
    at: datetime
    rules: dict[str, str]  # stage -> period, as written
    erased: dict[str, list[int]] = field(default_factory=dict)  # stage -> candidate ids
    dry_run: bool = False

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.erased.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "rules": self.rules,
            "erased": self.erased,
            "count": self.count,
            "dry_run": self.dry_run,
        }


def due_for_erasure(engine: Engine, now: datetime, policy: Policy | None = None) -> dict[str, list[int]]:
    """Per terminal stage with a retention period: the not-yet-erased candidates whose last event is older."""
    policy = policy or current_policy()
    out: dict[str, list[int]] = {}
    with Session(engine) as session:
        done = select(col(Erasure.candidate_id))
        for stage, period in policy.retention.erase_after.items():
            ids = session.execute(
                select(col(Candidate.id))
                .where(col(Candidate.stage) == Stage(stage).value, col(Candidate.last_event_at) <= now - period)
                .where(col(Candidate.id).not_in(done))
                .order_by(col(Candidate.id))
            ).scalars()
            out[Stage(stage).value] = list(ids)
    return out


def _still_due(cand: Candidate, stage: str, now: datetime, policy: Policy) -> bool:
    last = cand.last_event_at  # NULL never matches due_for_erasure's `<=` either
    return cand.stage == stage and last is not None and last <= now - policy.retention.erase_after[Stage(stage)]


def apply_retention(
    engine: Engine,
    now: datetime | None = None,
    policy: Policy | None = None,
    by: str = "retention-policy",
    dry_run: bool = False,
) -> RetentionResult:
    """Erase every candidate the policy's retention rule says is due. Meant for the daily flow.

    One transaction per candidate, so a large backlog makes steady progress and a crash loses nothing.
    Logs counts and ids only.
    """
    now = now or clock.now()
    policy = policy or current_policy()
    rules = {Stage(s).value: human(d) for s, d in policy.retention.erase_after.items()}
    result = RetentionResult(now, rules, dry_run=dry_run)
    for stage, ids in due_for_erasure(engine, now, policy).items():
        result.erased[stage] = []
        for cid in ids:
            if not dry_run:
                with transaction(engine) as session:
                    # Checked again on the locked row: a reopen (or a later event) since the query is not
                    # erased; one still in flight finishes first.
                    cand = lock_candidate(session, cid)
                    if cand is None or not _still_due(cand, stage, now, policy):
                        continue
                    erase_in(session, cand, by, f"retention: {stage} after {rules[stage]}", now)
            result.erased[stage].append(cid)
    if result.count and not dry_run:
        log.info(
            "retention: erased %d candidate(s): %s",
            result.count,
            ", ".join(f"{s} {len(ids)}" for s, ids in result.erased.items()),
        )
    return result
