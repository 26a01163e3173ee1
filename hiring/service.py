"""The application service: the one place where the rules in states/ meet the database.

Every function that writes does so in one transaction: all of it is written, or none of it.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import UserDefinedType
from sqlmodel import Session, col

from hiring import clock
from hiring.errors import Conflict, InvalidInput, NotFound
from hiring.kits import take_home_defaults
from hiring.offers import offer_defaults
from hiring.people import check_backfill, ensure_people_known
from hiring.policy_file import current_policy
from hiring.queries.lookup import (
    ensure_not_erased,
    find_candidate,
    get_requisition,
    one_candidate,
    requisition_statuses,
    taken_external_ids,
)
from hiring.queries.requisitions import requisition_spec, role_checks
from hiring.sla import apply_timer_plan, new_timer
from models.db import rows_matched, transaction
from models.tables import Candidate, Event, Requisition, Timer
from states.approvals import chain_from_json, chain_to_json
from states.candidate import Applied, Band, CandidateState, PolicyInEffect, apply
from states.intake import NewCandidate
from states.interviews import interviews_from_json, interviews_to_json
from states.policy import Policy
from states.requisition import RequisitionSpec
from states.sla import Scope, opening_on_entry
from states.stages import INITIAL, Stage
from states.vocabulary import Motivator, RoleProfile

CREATE_TRIGGER = "source"  # the first event of every candidate: it enters the initial stage


# --- requisitions -------------------------------------------------------------------------------


def _requisition_columns(spec: RequisitionSpec) -> dict[str, Any]:
    band = spec.salary_band
    definition = spec.role_definition
    system, constraints = definition.system_to_build, definition.key_constraints
    return {
        "title": spec.title,
        "role_profile": spec.role_profile.value if spec.role_profile else None,
        "business_problem": definition.business_problem,
        "system_to_build": system.detail if system else None,
        "system_kinds": [k.value for k in system.kinds] if system else None,
        "key_constraints": constraints.detail if constraints else None,
        "constraint_kinds": [k.value for k in constraints.kinds] if constraints else None,
        "collaborators": definition.collaborators,
        **spec.job_description.model_dump(),
        "engagement": spec.engagement.value if spec.engagement else None,
        "engagement_rationale": spec.engagement_rationale,
        "salary_min": band.min if band else None,
        "salary_max": band.max if band else None,
        "currency": band.currency if band else None,
        "recruiter": spec.recruiter,
        "hiring_manager": spec.hiring_manager,
    }


def add_requisition(engine: Engine, spec: RequisitionSpec, now: datetime | None = None) -> Requisition:
    with transaction(engine) as session:
        req = Requisition(**_requisition_columns(spec), created_at=now or clock.now())
        session.add(req)
        session.flush()
        return req


def update_requisition(engine: Engine, req_id: int, spec: RequisitionSpec) -> Requisition:
    """Replace a requisition's definition; an open one must stay complete."""
    with transaction(engine) as session:
        req = get_requisition(session, req_id)
        if req.status == "open" and spec.missing():
            raise InvalidInput(
                f"requisition {req_id} is open and would become incomplete; missing: " + ", ".join(spec.missing())
            )
        for key, value in _requisition_columns(spec).items():
            setattr(req, key, value)
        session.add(req)
        return req


def open_requisition(engine: Engine, req_id: int, now: datetime | None = None) -> Requisition:
    """Open a complete requisition. Contradictions in its definition and a band below the market are warned
    about, not refused: they are recorded on the requisition (`open_warnings`) and the caller shows them."""
    with transaction(engine) as session:
        req = get_requisition(session, req_id)
        if req.status == "open":
            return req
        spec = requisition_spec(req)
        missing = spec.missing()
        if missing:
            raise InvalidInput(f"requisition {req_id} cannot open: these are still empty: {', '.join(missing)}")
        req.open_warnings = role_checks(spec)[0]
        req.status = "open"
        req.opened_at = now or clock.now()
        session.add(req)
        return req


def profile_of(req: Requisition | None) -> RoleProfile | None:
    return RoleProfile(req.role_profile) if req is not None and req.role_profile else None


def band_of(req: Requisition) -> Band | None:
    if req.salary_min is None or req.salary_max is None or not req.currency:
        return None
    return Band(req.salary_min, req.salary_max, req.currency)


# --- candidates ---------------------------------------------------------------------------------


def add_candidates(
    engine: Engine,
    people: list[NewCandidate],
    actor: str,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> list[int]:
    """Insert candidates, their creation events and first timers in one transaction; returns their ids.

    Three Core executemany INSERTs of plain dicts (no ORM object per row). Every candidate of a requisition
    opens the same first timers at the same instant, so those rows are built once per requisition (by
    new_timer, as apply_event builds them), and values shared by many rows are rendered once (_Rows).
    """
    when = now or clock.now()
    policy = policy or current_policy()
    with transaction(engine) as session:
        _check_new(session, people)
        if not people:
            return []
        conn = session.connection()
        out = _Rows(conn, when)
        ids = _insert_candidates(conn, out, people, when)
        _insert_creation_events(conn, out, people, ids, actor, when)
        _insert_first_timers(conn, out, people, ids, when, policy)
        return ids


def _insert_candidates(conn: Connection, out: "_Rows", people: list[NewCandidate], when: datetime) -> list[int]:
    """One INSERT of every candidate row, in the initial stage; their ids, in the order of `people`."""
    cand = out.shared(
        _CANDIDATE_T,
        {
            "stage": INITIAL.value,
            "on_hold": False,
            "take_home_submitted": False,
            "technical_screen_done": False,
            "interview_parts": [],
            "retention_checkins": 0,
            "last_event_at": when,
            "version": 1,
            "created_at": when,
        },
    )
    motivators: dict[tuple[str, ...], Any] = {}  # one rendered list per distinct set of motivators
    rows = []
    for p in people:
        key = _creation_key(p)[1]
        if key not in motivators:
            motivators[key] = out.value(_CANDIDATE_T.c.motivators, list(key))
        rows.append(
            {
                **cand,
                "p_requisition_id": p.requisition_id,
                "p_name": p.name,
                "p_email": str(p.email),
                "p_source": p.source.value,
                "p_motivators": motivators[key],
                "p_external_id": p.external_id,
            }
        )
    try:
        return list(conn.execute(out.insert(_CANDIDATE_T, rows[0], returning=True), rows).scalars())
    except IntegrityError:
        raise Conflict("an external id was taken by another writer at the same moment; retry") from None


def _insert_creation_events(
    conn: Connection, out: "_Rows", people: list[NewCandidate], ids: list[int], actor: str, when: datetime
) -> None:
    """Each candidate's first event (`source`, seq 1), in one INSERT."""
    event = out.shared(
        _EVENT_T,
        {
            "seq": 1,
            "trigger": CREATE_TRIGGER,
            "from_stage": None,
            "to_stage": INITIAL.value,
            "actor": actor,
            "occurred_at": when,
            "recorded_at": when,
        },
    )
    # The creation payload carries the motivators known at creation, so that the log replays to them.
    keys = {_creation_key(p) for p in people}
    payloads = {k: out.value(_EVENT_T.c.payload, _creation_payload(*k)) for k in keys}
    events = [
        {**event, "p_candidate_id": cid, "p_payload": payloads[_creation_key(p)]}
        for cid, p in zip(ids, people, strict=True)
    ]
    conn.execute(out.insert(_EVENT_T, events[0]), events)


def _creation_key(p: NewCandidate) -> tuple[str, tuple[str, ...]]:
    return p.source.value, tuple(m.value for m in Motivator if m in p.motivators)


def _creation_payload(source: str, motivators: tuple[str, ...]) -> dict[str, Any]:
    return {"source": source, "motivators": list(motivators)} if motivators else {"source": source}


def _insert_first_timers(
    conn: Connection, out: "_Rows", people: list[NewCandidate], ids: list[int], when: datetime, policy: Policy
) -> None:
    """The timers the initial stage opens, built once per requisition, in one INSERT."""
    first = _first_timers(conn, {p.requisition_id for p in people}, when, policy)
    shapes = {rid: [out.shared(_TIMER_T, t) for t in timers] for rid, timers in first.items()}
    timers = [
        {**shape, "p_candidate_id": cid}
        for cid, p in zip(ids, people, strict=True)
        for shape in shapes[p.requisition_id]
    ]
    if timers:
        conn.execute(out.insert(_TIMER_T, timers[0]), timers)


_CANDIDATE_T = Candidate.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared
_EVENT_T = Event.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared
_TIMER_T = Timer.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared


class _Rendered(UserDefinedType[Any]):
    """The type of a value already rendered for the database: bound as it is (NullType would take the column's)."""

    cache_ok = True


_UNTYPED = _Rendered()


class _Rows:
    """Bulk INSERT rows whose values are rendered for the database by the caller, once per distinct value.

    On SQLite a bound value carries no type, so a value rendered here by its column type's own bind processor
    (UTC conversion, datetime and JSON to text) can be bound untyped: a value shared by 20,000 rows is rendered
    once instead of 20,000 times. Other dialects bind typed values (psycopg renders casts), so there the values
    stay as they are and the column types render them per row as usual; so they do on SQLite when `when`
    cannot be rendered (a naive datetime), so that the error is the one the column type raises at execute.
    Rows are keyed p_<column>.
    """

    def __init__(self, conn: Connection, when: datetime) -> None:
        self.dialect = conn.dialect
        self.raw = False
        if conn.dialect.name == "sqlite":
            try:
                _CANDIDATE_T.c.created_at.type._cached_bind_processor(self.dialect)(when)
                self.raw = True
            except Exception:
                pass

    def value(self, column: Any, value: Any) -> Any:
        if not self.raw:
            return value
        process = column.type._cached_bind_processor(self.dialect)
        return process(value) if process else value

    def shared(self, table: Any, values: dict[str, Any]) -> dict[str, Any]:
        return {f"p_{k}": self.value(table.c[k], v) for k, v in values.items()}

    def insert(self, table: Any, row: dict[str, Any], returning: bool = False) -> Any:
        """INSERT INTO table binding every key of `row` (p_<column>) to its column."""
        binds = {k[2:]: bindparam(k, type_=_UNTYPED if self.raw else table.c[k[2:]].type) for k in row}
        stmt = insert(table).values(binds)
        return stmt.returning(table.c.id, sort_by_parameter_order=True) if returning else stmt


def _first_timers(
    conn: Connection, req_ids: set[int], when: datetime, policy: Policy
) -> dict[int, list[dict[str, Any]]]:
    """The timer rows (but candidate_id) a candidate added to each requisition at `when` opens."""
    req_t = Requisition.__table__  # type: ignore[attr-defined]  # __table__ is set by SQLModel's metaclass, undeclared
    first: dict[int, list[dict[str, Any]]] = {}
    for rid, role_profile in conn.execute(select(req_t.c.id, req_t.c.role_profile).where(req_t.c.id.in_(req_ids))):
        req = Requisition(id=rid, title="", role_profile=role_profile)  # new_timer reads only id and role_profile
        scope = Scope(role_profile, rid, policy)
        first[rid] = [
            new_timer(0, req, opening, when, policy, None).model_dump(exclude={"id", "candidate_id"})
            for opening in opening_on_entry(INITIAL, CandidateState(), when, scope)
        ]
    return first


def _check_new(session: Session, people: list[NewCandidate]) -> None:
    req_ids = {p.requisition_id for p in people}
    status = requisition_statuses(session, req_ids)
    for rid in sorted(req_ids):
        if rid not in status:
            raise NotFound(f"no requisition with id {rid}")
        if status[rid] != "open":
            raise InvalidInput(
                f"requisition {rid} is {status[rid]}: candidates can only be added to an open requisition "
                f"(run `hiring role open {rid}`)"
            )
    ext = [p.external_id for p in people if p.external_id]
    repeated = sorted(e for e, n in Counter(ext).items() if n > 1)
    if repeated:
        raise Conflict(f"external id repeated in this batch: {', '.join(repeated)}")
    taken = taken_external_ids(session, ext)
    if taken:
        raise Conflict(f"external id already used: {', '.join(taken)}")


def lock_candidate(session: Session, candidate_id: int) -> Candidate | None:
    """Hold a candidate's row until the transaction ends, and read it as it is now (after any writer that
    held it). Event application and erasure both take this lock first, so they run one after the other.

    FOR NO KEY UPDATE (not FOR UPDATE): a sweeper inserting an escalation row for the candidate takes the
    foreign key's KEY SHARE lock while it holds that candidate's timers; FOR UPDATE would wait on it while
    the sweeper waits on our timer update, a deadlock. SQLite has no row locks: its writers already run one
    at a time (models.db begins them with BEGIN IMMEDIATE).
    """
    return one_candidate(session, col(Candidate.id) == candidate_id, lock=True)


def snapshot(cand: Candidate) -> CandidateState:
    return CandidateState(
        stage=Stage(cand.stage),
        on_hold=cand.on_hold,
        take_home_submitted=cand.take_home_submitted,
        technical_screen_done=cand.technical_screen_done,
        interview_parts=frozenset(cand.interview_parts or ()),
        motivators=frozenset(cand.motivators or ()),
        interviews=interviews_from_json(cand.interviews),
        hire_decided=cand.hire_decided,
        offer=chain_from_json(cand.offer_approval),
        returns_to=Stage(cand.returns_to) if cand.returns_to else None,
        start_date=cand.start_date,
        access_missing=frozenset(cand.access_missing or ()),
        retention_checkins=cand.retention_checkins or 0,
        last_event_at=cand.last_event_at,
    )


def _snapshot_columns(state: CandidateState) -> dict[str, Any]:
    return {
        "stage": state.stage.value,
        "on_hold": state.on_hold,
        "take_home_submitted": state.take_home_submitted,
        "technical_screen_done": state.technical_screen_done,
        "interview_parts": sorted(state.interview_parts),
        "motivators": [m.value for m in Motivator if m.value in state.motivators],
        "interviews": interviews_to_json(state.interviews),
        "hire_decided": state.hire_decided,
        "offer_approval": chain_to_json(state.offer),
        "returns_to": state.returns_to.value if state.returns_to else None,
        "start_date": state.start_date,
        "access_missing": sorted(state.access_missing),
        "retention_checkins": state.retention_checkins,
        "last_event_at": state.last_event_at,
    }


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventOutcome:
    candidate_id: int
    event_id: int
    seq: int
    trigger: str
    from_stage: str | None
    to_stage: str
    occurred_at: datetime
    version: int
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "occurred_at": self.occurred_at.isoformat()}


def _request_hash(candidate_id: int, trigger: str, payload: dict[str, Any] | None) -> str:
    body = json.dumps([candidate_id, trigger, payload or {}], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _outcome(ev: Event, replayed: bool) -> EventOutcome:
    return EventOutcome(
        ev.candidate_id,
        ev.id or 0,
        ev.seq,
        ev.trigger,
        ev.from_stage,
        ev.to_stage,
        ev.occurred_at,
        ev.seq,
        replayed,
    )


def _replayed(session: Session, key: str, request_hash: str) -> EventOutcome | None:
    first = session.execute(select(Event).where(col(Event.idempotency_key) == key)).scalar_one_or_none()
    if first is None:
        return None
    if first.request_hash != request_hash:
        raise Conflict(
            f"idempotency key {key!r} was already used for a different event "
            f"(candidate {first.candidate_id}, trigger {first.trigger!r}); use a new key"
        )
    return _outcome(first, replayed=True)


def apply_event(
    engine: Engine,
    candidate: str | int,
    trigger: str,
    payload: dict[str, Any] | None = None,
    *,
    actor: str,
    occurred_at: datetime | None = None,
    key: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> EventOutcome:
    """Apply one event in one transaction: audit row, new stage and version (checked), or nothing."""
    now = now or clock.now()
    when = occurred_at or now
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(f"occurred_at {when.isoformat()} needs a time zone, e.g. 2026-11-30T09:00:00Z")
    if when > now:
        raise InvalidInput(f"occurred_at {when.isoformat()} is in the future (now is {now.isoformat()})")
    try:
        with transaction(engine) as session:
            return _apply_in(session, candidate, trigger, payload, actor, when, key, expected_version, now, policy)
    except (IntegrityError, _LostRace) as exc:
        # Another writer got there first: with the same idempotency key (a concurrent retry: answer as the
        # first did), or with another event (the caller may reload and retry).
        first = _replayed_after_race(engine, candidate, trigger, payload, key)
        if first is not None:
            return first
        if isinstance(exc, _LostRace):
            raise Conflict(str(exc)) from None
        raise Conflict(
            f"candidate {candidate} was changed by someone else at the same moment; reload and retry"
        ) from None


class _LostRace(Exception):
    """The version-checked UPDATE matched no row: someone else wrote since we read."""


def _replayed_after_race(
    engine: Engine, candidate: str | int, trigger: str, payload: dict[str, Any] | None, key: str | None
) -> EventOutcome | None:
    """After a lost race, in a new transaction (it sees the winner's commit): the winner's outcome if it
    wrote this very request with this key, None if the key is still unused (Conflict if used otherwise)."""
    if not key:
        return None
    with transaction(engine) as session:
        cand = find_candidate(session, candidate)
        return _replayed(session, key, _request_hash(cand.id or 0, trigger, payload))


def _apply_in(
    session: Session,
    ref: str | int,
    trigger: str,
    payload: dict[str, Any] | None,
    actor: str,
    when: datetime,
    key: str | None,
    expected_version: int | None,
    now: datetime,
    policy: Policy | None,
) -> EventOutcome:
    # Locked before the erasure check: an erasure waits for this event, or this event sees the erasure.
    # A retry with the same key waits here too, then finds the first write and replays it.
    cand = find_candidate(session, ref, lock=True)
    ensure_not_erased(session, cand.id or 0)
    request_hash = _request_hash(cand.id or 0, trigger, payload)
    if key:
        first = _replayed(session, key, request_hash)
        if first is not None:
            return first
    if expected_version is not None and cand.version != expected_version:
        raise Conflict(
            f"candidate {cand.id} is at version {cand.version}, not {expected_version}: "
            "it changed since you read it; reload and retry"
        )
    req = session.get(Requisition, cand.requisition_id)
    policy = policy or current_policy()
    in_effect = policy.in_effect(req.role_profile, req.id) if req else PolicyInEffect()
    if req is not None and trigger == "send_take_home":
        payload = take_home_defaults(req, payload)
    band = band_of(req) if req else None
    state = snapshot(cand)
    if req is not None:
        payload = offer_defaults(session, req, policy, state, trigger, payload, actor, band)
    applied = apply(state, trigger, payload, when, band, profile_of(req), in_effect=in_effect)
    check_backfill(applied, policy)
    ensure_people_known(session, trigger, applied.payload)
    ev = _record(session, cand, applied, trigger, actor, when, now, key, request_hash)
    if req is not None:
        _after_event(session, cand, req, applied, ev.id or 0, policy)
    return _outcome(ev, replayed=False)


def _record(
    session: Session,
    cand: Candidate,
    applied: Applied,
    trigger: str,
    actor: str,
    when: datetime,
    now: datetime,
    key: str | None,
    request_hash: str,
) -> Event:
    """The candidate's new state (version-checked) and the event row; _LostRace if someone wrote since we read."""
    read_version = cand.version
    # The version check: if another writer committed since we read, this matches no row.
    changed = rows_matched(
        session.execute(
            update(Candidate)
            .where(col(Candidate.id) == cand.id, col(Candidate.version) == read_version)
            .values(**_snapshot_columns(applied.after), version=read_version + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise _LostRace(f"candidate {cand.id} was changed by someone else; reload and retry")
    ev = Event(
        candidate_id=cand.id or 0,
        seq=read_version + 1,
        trigger=trigger,
        from_stage=applied.source.value,
        to_stage=applied.dest.value,
        payload=applied.payload.model_dump(mode="json", exclude_none=True),
        actor=actor,
        occurred_at=when,
        recorded_at=now,
        idempotency_key=key,
        request_hash=request_hash,
    )
    session.add(ev)
    session.flush()
    return ev


def _after_event(
    session: Session, cand: Candidate, req: Requisition, applied: Applied, event_id: int, policy: Policy
) -> None:
    """Side effects that belong to the same transaction as the event: its SLA timers."""
    apply_timer_plan(session, cand, req, applied, event_id, policy)
