"""Random event sequences (valid and invalid) against the rules and against the database.

Invariants: a refused event writes nothing; version == number of events; seqs are 1..n; replaying the
stored log reproduces the stored snapshot; a replayed idempotency key writes nothing and answers as the
first time; the same key for another event is a conflict.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count, pairwise
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from hiring import service
from hiring.errors import Conflict, InvalidInput
from models.tables import Candidate
from states import graph
from states.candidate import CandidateState, OutOfOrder, apply, replay
from states.errors import EventRefused
from states.intake import NewCandidate
from states.stages import Stage
from tests.support import payloads
from tests.support.db import candidate_row, events_of, fingerprint
from tests.support.instants import T0

REFUSED = (EventRefused, OutOfOrder, InvalidInput, Conflict)
ALL_TRIGGERS = [*graph.TRIGGERS, "promote"]
OFFERS = ("make_offer", "revise_offer")
# Most steps are meant to succeed; the rest probe one refusal each.
VARIANTS = ["valid"] * 8 + [
    "missing_field",
    "extra_field",
    "out_of_order",
    "outside_band",
    "approved",
    "due_now",
    "future",
    "replay_key",
    "reuse_key",
]


NEXT = "next"  # the trigger that moves the candidate along the main path (so sequences get deep)
MAIN_PATH = {
    Stage.SOURCED: "screen",
    Stage.DEBRIEF: "advance_to_final",
    Stage.OFFER: "accept_offer",
    Stage.REJECTED: "reopen",
    Stage.WITHDRAWN: "reopen",
    **dict.fromkeys((Stage.ONBOARDING_30, Stage.ONBOARDING_60, Stage.ONBOARDING_90), "complete_checkpoint"),
}


@dataclass(frozen=True)
class Step:
    pick: int | str  # NEXT; an int picks one of the triggers allowed now; another str is fired as is
    variant: str
    minutes: int
    part: str


steps = st.lists(
    st.builds(
        Step,
        pick=st.one_of(st.just(NEXT), st.just(NEXT), st.integers(0, 99), st.sampled_from(ALL_TRIGGERS)),
        variant=st.sampled_from(VARIANTS),
        minutes=st.integers(0, 3 * 24 * 60),
        part=st.sampled_from(payloads.INTERVIEW_PARTS),
    ),
    max_size=25,
)
starts = st.sampled_from(list(Stage))  # each example first walks the main path to a random stage


def walk_to(stage: Stage) -> list[tuple[str, dict[str, Any]]]:
    """The main-path events (trigger, payload) that bring a new candidate to `stage`, all at T0."""
    state, out = payloads.start(T0), []
    for trigger, given_payload in payloads.path_to(stage):
        body = given_payload or payloads.valid(trigger, state.stage, T0)
        state = apply(state, trigger, body, T0, payloads.BAND).after
        out.append((trigger, body))
    assert state.stage is stage
    return out


def missing_parts(state: CandidateState) -> list[str]:
    return [p for p in payloads.INTERVIEW_PARTS if p not in state.interview_parts]


def trigger_of(step: Step, state: CandidateState) -> str:
    if step.pick == NEXT:
        if state.on_hold:
            return "resume"
        if state.stage is Stage.SCREENED:
            return "send_take_home" if state.technical_screen_done else "technical_screen"
        if state.stage is Stage.TAKE_HOME:
            return "score_take_home" if state.take_home_submitted else "submit_take_home"
        if state.stage is Stage.FINAL:
            return "record_interview" if missing_parts(state) else "make_offer"
        return MAIN_PATH.get(state.stage, "hold")
    if isinstance(step.pick, str):
        return step.pick
    allowed = graph.triggers_from(state.stage, state.on_hold)
    return allowed[step.pick % len(allowed)] if allowed else "reopen"


def payload_of(step: Step, trigger: str, state: CandidateState, at: datetime) -> dict[str, Any]:
    part = step.part
    if step.pick == NEXT and trigger == "record_interview":
        part = missing_parts(state)[0]
    try:
        body = payloads.valid(trigger, state.stage, at, part)
    except (KeyError, ValueError):  # an unknown trigger, or a checkpoint outside onboarding
        body = {}
    if step.variant == "missing_field" and body:
        body.pop(next(iter(body)))
    elif step.variant == "extra_field":
        body["surprise"] = True
    elif step.variant in ("outside_band", "approved") and trigger in OFFERS:
        body = payloads.offer(200_000, approved_by="cfo" if step.variant == "approved" else None)
    elif step.variant == "due_now" and trigger == "send_take_home":
        body["due_at"] = at.isoformat()
    return body


@dataclass
class Model:
    """The pure side: the state the rules say we are in, and the accepted log."""

    state: CandidateState
    log: list[tuple[str, dict[str, Any] | None, datetime]] = field(default_factory=list)
    at: datetime = T0

    def when(self, step: Step) -> datetime:
        if step.variant == "out_of_order" and self.state.last_event_at is not None:
            return self.state.last_event_at - timedelta(minutes=1)
        return self.at + timedelta(minutes=step.minutes)


# --- pure: fast, many examples ------------------------------------------------------------------------


@settings(deadline=None, max_examples=300)
@given(starts, steps)
def test_apply_only_refuses_never_crashes_and_the_log_replays(start: Stage, sequence: list[Step]) -> None:
    creation = {"source": "inbound", "motivators": payloads.MOTIVATORS}
    model = Model(payloads.start(T0), log=[("source", creation, T0)])
    for trigger, body in walk_to(start):
        model.state = apply(model.state, trigger, body, T0, payloads.BAND).after
        model.log.append((trigger, body, T0))
    for step in sequence:
        trigger = trigger_of(step, model.state)
        when = model.when(step)
        body = payload_of(step, trigger, model.state, when)
        try:
            applied = apply(model.state, trigger, body, when, payloads.BAND)
        except (EventRefused, OutOfOrder):
            continue
        assert applied.before == model.state
        assert applied.source is model.state.stage
        assert trigger in graph.triggers_from(model.state.stage, model.state.on_hold)
        if step.variant == "out_of_order":
            raise AssertionError("an event earlier than the last one was accepted")
        model.state, model.at = applied.after, when
        model.log.append((trigger, applied.payload.model_dump(mode="json", exclude_none=True), when))
    assert replay(model.log, payloads.BAND) == model.state
    event(f"ended in {model.state.stage.value}")


# --- through the service, on SQLite ---------------------------------------------------------------------

_emails = count(1)


def _new_candidate(engine: Engine, requisition_id: int) -> int:
    n = next(_emails)
    [cid] = service.add_candidates(
        engine, [NewCandidate.model_validate(payloads.new_candidate(requisition_id, n))], actor="prop", now=T0
    )
    return cid


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=starts, sequence=steps)
def test_random_event_sequences_keep_the_database_invariants(engine, open_requisition, start, sequence) -> None:
    # One database for the whole test (examples share it); each example gets its own candidate.
    cid = _new_candidate(engine, open_requisition)
    for trigger, body in walk_to(start):
        service.apply_event(engine, cid, trigger, body, actor="prop", occurred_at=T0, now=T0)
    before = fingerprint(engine, cid)
    model = Model(service.snapshot(Candidate(**before[0])))
    keys: list[tuple[str, str, dict[str, Any], service.EventOutcome]] = []  # key, trigger, payload, outcome
    for i, step in enumerate(sequence):
        trigger = trigger_of(step, model.state)
        when = model.when(step)
        body = payload_of(step, trigger, model.state, when)
        key: str | None = f"{cid}-{i}" if i % 3 == 0 else None
        reused = step.variant in ("replay_key", "reuse_key") and bool(keys)
        if reused:
            key, trigger, body, first = keys[step.minutes % len(keys)]
            if step.variant == "reuse_key":
                body = {**body, "surprise": i}
        now = when - timedelta(seconds=1) if step.variant == "future" else when + timedelta(minutes=1)
        try:
            out = service.apply_event(engine, cid, trigger, body, actor="prop", occurred_at=when, key=key, now=now)
        except REFUSED:
            assert fingerprint(engine, cid) == before, f"refused {trigger} ({step.variant}) wrote something"
            assert not (reused and step.variant == "replay_key"), "a replayed key was refused"
            continue
        if out.replayed:
            assert reused and step.variant == "replay_key", f"{trigger} with a fresh key came back replayed"
            assert {**out.__dict__, "replayed": False} == first.__dict__
            assert fingerprint(engine, cid) == before
            continue
        assert step.variant not in ("out_of_order", "future"), f"{step.variant} was accepted"
        assert not reused, f"{step.variant} of a used key was accepted"
        after = fingerprint(engine, cid)
        assert after[0]["version"] == before[0]["version"] + 1 == out.version == out.seq
        assert after[1]["event"] == before[1]["event"] + 1
        model.state, model.at, before = service.snapshot(Candidate(**after[0])), when, after
        if key is not None:
            keys.append((key, trigger, body, out))

    events = events_of(engine, cid)
    row = Candidate(**candidate_row(engine, cid))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert row.version == len(events)
    assert events[0].trigger == "source"
    for prev, nxt in pairwise(events):
        assert nxt.from_stage == prev.to_stage and nxt.occurred_at >= prev.occurred_at
    stored = [(e.trigger, e.payload, e.occurred_at) for e in events]
    replayed = replay(stored, payloads.BAND)
    assert replayed == service.snapshot(row)
    assert replayed.stage.value == row.stage
    event(f"ended in {row.stage}")
    event(f"{len(events) - 1} events accepted" if len(events) < 6 else "6+ events accepted")
