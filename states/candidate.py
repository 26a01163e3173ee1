"""`apply`: one event in, the next state out (or a refusal), and `replay`. The state it works on is in
states/facts.py (re-exported here); what each trigger changes is on its row of states/graph.py."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from states import graph
from states.errors import GuardRefused, InvalidPayload, TriggerNotAllowed, UnknownTrigger
from states.facts import Applied, Band, CandidateState, PolicyInEffect, Proposed
from states.field_problems import field_problems
from states.interviews import with_scheduled_interviewer
from states.payloads import Payload, UpdateDetails, payload_model
from states.stages import TERMINAL, Stage
from states.vocabulary import RoleProfile

__all__ = [
    "Applied",
    "Band",
    "CandidateState",
    "OutOfOrder",
    "PolicyInEffect",
    "Proposed",
    "apply",
    "replay",
    "validate_payload",
]


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
        problems = field_problems(exc, empty_field="payload", messages=_PAYLOAD_WORDS)
        raise InvalidPayload(trigger, problems) from None


_PAYLOAD_WORDS = {"missing": "is required", "extra_forbidden": "is not a field of this trigger"}


def apply(
    state: CandidateState,
    trigger: str,
    raw_payload: dict[str, Any] | None,
    occurred_at: datetime,
    band: Band | None = None,
    role_profile: RoleProfile | None = None,
    in_effect: PolicyInEffect = PolicyInEffect(),
) -> Applied:
    """Validate one event against the graph, its payload schema and its guards (with the policy settings in
    effect for the candidate's requisition); return the new state."""
    if trigger not in graph.TRIGGERS:
        raise UnknownTrigger(trigger, list(graph.TRIGGERS))
    allowed = graph.triggers_from(state.stage, state.on_hold)
    if trigger not in allowed:
        raise TriggerNotAllowed(trigger, state.stage.value, allowed, state.on_hold)
    if state.last_event_at is not None and occurred_at < state.last_event_at:
        raise OutOfOrder(occurred_at, state.last_event_at)
    payload = validate_payload(trigger, state.stage, with_scheduled_interviewer(state, trigger, raw_payload))
    proposed = Proposed(trigger, payload, occurred_at, band, role_profile, in_effect)
    subject = _Subject(state)
    if not graph.MACHINE.events[trigger].trigger(subject, proposed=proposed):
        raise GuardRefused(trigger, graph.refusals(state, proposed))
    dest = Stage(subject.state)
    after = _evolve(state, trigger, dest, payload, occurred_at)
    return Applied(trigger, state.stage, dest, state, after, payload, occurred_at)


def _evolve(
    state: CandidateState, trigger: str, dest: Stage, payload: Payload, occurred_at: datetime
) -> CandidateState:
    """The state after the event: the stage, and the facts the trigger's row sets."""
    changes: dict[str, Any] = {"stage": dest, "last_event_at": occurred_at}
    changes |= graph.sets(trigger, state.stage)(state, payload)
    if dest in TERMINAL:  # a process that ended is not on hold
        changes["on_hold"] = False
    return replace(state, **changes)


DETAILS_TRIGGER = "update_details"  # a change to the candidate's own details (states.payloads.UpdateDetails)


def with_details(state: CandidateState, raw: dict[str, Any] | None) -> CandidateState:
    """The state after an update_details event: only the motivators are facts the rules read."""
    details = UpdateDetails.model_validate(raw or {})
    if details.motivators is None:
        return state
    return replace(state, motivators=frozenset(m.value for m in details.motivators))


def replay(
    events: Iterable[tuple[str, dict[str, Any] | None, datetime]],
    band: Band | None = None,
    in_effect: PolicyInEffect = PolicyInEffect(),
) -> CandidateState:
    """Fold an event log (trigger, payload, occurred_at) into the state it leads to."""
    state = CandidateState()
    for trigger, payload, occurred_at in events:
        if trigger == "source":  # the creation event: the candidate enters the initial stage
            known = (payload or {}).get("motivators") or ()
            state = replace(state, last_event_at=occurred_at, motivators=frozenset(known))
            continue
        if trigger == DETAILS_TRIGGER:  # outside the graph: it changes the details, not the stage
            state = with_details(state, payload)
            continue
        state = apply(state, trigger, payload, occurred_at, band, in_effect=in_effect).after
    return state
