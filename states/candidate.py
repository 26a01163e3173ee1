"""A candidate's state as plain data, and `apply`: one event in, the next state out (or a refusal)."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from states.errors import GuardRefused, InvalidPayload, TriggerNotAllowed, UnknownTrigger
from states.payloads import Payload, payload_model
from states.stages import INITIAL, TERMINAL, Stage


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    currency: str


@dataclass(frozen=True)
class CandidateState:
    """Everything the rules need to know about a candidate; stored on the candidate row."""

    stage: Stage = INITIAL
    on_hold: bool = False
    take_home_submitted: bool = False
    interview_parts: frozenset[str] = field(default_factory=frozenset)
    returns_to: Stage | None = None  # where `reopen` goes back to
    start_date: date | None = None  # agreed on accept_offer; onboarding checkpoints count from it
    last_event_at: datetime | None = None


@dataclass(frozen=True)
class Proposed:
    """The event as the guards see it."""

    trigger: str
    payload: Payload
    occurred_at: datetime
    band: Band | None


@dataclass(frozen=True)
class Applied:
    trigger: str
    source: Stage
    dest: Stage
    before: CandidateState
    after: CandidateState
    payload: Payload
    occurred_at: datetime

    @property
    def moved(self) -> bool:
        return self.source != self.dest


class OutOfOrder(Exception):
    def __init__(self, occurred_at: datetime, last_event_at: datetime) -> None:
        super().__init__(
            f"occurred_at {occurred_at.isoformat()} is earlier than the candidate's last event "
            f"({last_event_at.isoformat()}); events must be recorded in order"
        )


class _Subject:
    """The throw-away model the shared machine fires on: `state` for transitions, `facts` for guards."""

    __slots__ = ("facts", "state")

    def __init__(self, facts: CandidateState) -> None:
        self.facts = facts
        self.state: str = facts.stage.value


def validate_payload(trigger: str, stage: Stage, raw: dict[str, Any] | None) -> Payload:
    model = payload_model(trigger, stage)
    try:
        return model.model_validate(raw or {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(part) for part in err["loc"]) or "payload"
            problems.append((where, _describe(err)))
        raise InvalidPayload(trigger, problems) from None


def _describe(err: Any) -> str:
    if err["type"] == "missing":
        return "is required"
    if err["type"] == "extra_forbidden":
        return "is not a field of this trigger"
    return str(err["msg"])


def apply(
    state: CandidateState,
    trigger: str,
    raw_payload: dict[str, Any] | None,
    occurred_at: datetime,
    band: Band | None = None,
) -> Applied:
    """Validate one event against the graph, its payload schema and its guards; return the new state."""
    from states import graph  # local: graph imports guards, which import this module

    if trigger not in graph.TRIGGERS:
        raise UnknownTrigger(trigger, list(graph.TRIGGERS))
    allowed = graph.triggers_from(state.stage, state.on_hold)
    if trigger not in allowed:
        raise TriggerNotAllowed(trigger, state.stage.value, allowed, state.on_hold)
    if state.last_event_at is not None and occurred_at < state.last_event_at:
        raise OutOfOrder(occurred_at, state.last_event_at)
    payload = validate_payload(trigger, state.stage, raw_payload)
    proposed = Proposed(trigger, payload, occurred_at, band)
    subject = _Subject(state)
    if not graph.MACHINE.events[trigger].trigger(subject, proposed=proposed):
        raise GuardRefused(trigger, graph.refusals(state, proposed))
    dest = Stage(subject.state)
    after = _evolve(state, trigger, dest, payload, occurred_at)
    return Applied(trigger, state.stage, dest, state, after, payload, occurred_at)


def _evolve(
    state: CandidateState, trigger: str, dest: Stage, payload: Payload, occurred_at: datetime
) -> CandidateState:
    changes: dict[str, Any] = {"stage": dest, "last_event_at": occurred_at}
    if trigger == "send_take_home":
        changes["take_home_submitted"] = False
    elif trigger == "submit_take_home":
        changes["take_home_submitted"] = True
    elif trigger == "advance_to_final":
        changes["interview_parts"] = frozenset()
    elif trigger == "record_interview":
        changes["interview_parts"] = state.interview_parts | {payload.part.value}  # type: ignore[attr-defined]
    elif trigger == "hold":
        changes["on_hold"] = True
    elif trigger == "resume":
        changes["on_hold"] = False
    elif trigger == "reopen":
        changes["returns_to"] = None
    elif trigger == "accept_offer":
        changes["start_date"] = payload.start_date  # type: ignore[attr-defined]
    if dest in TERMINAL:
        changes["on_hold"] = False
        if trigger in ("reject", "withdraw"):
            changes["returns_to"] = state.stage
    return replace(state, **changes)


def replay(
    events: Iterable[tuple[str, dict[str, Any] | None, datetime]], band: Band | None = None
) -> CandidateState:
    """Fold an event log (trigger, payload, occurred_at) into the state it leads to."""
    state = CandidateState()
    for trigger, payload, occurred_at in events:
        if trigger == "source":  # the creation event: the candidate enters the initial stage
            state = replace(state, last_event_at=occurred_at)
            continue
        state = apply(state, trigger, payload, occurred_at, band).after
    return state
