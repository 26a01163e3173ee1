"""Offer acceptance per candidate motivator: which of the six motivators (cash, title, remote, research
freedom, product ownership, team quality) the candidates who got offers had, and how those offers ended.

A pure function of what the pipeline report already loads (hiring/reports/metrics.py `load` and `walk`):
the motivators come from the event log (the creation event `source` and `update_details`), taken as they
stood when the candidate answered the offer (the latest answer, after a reopen), else as they stand now.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from states.candidate import DETAILS_TRIGGER
from states.stages import Stage
from states.vocabulary import Motivator

NONE_RECORDED = "none recorded"
ALL_OFFERS = "all offers"
_ANSWERS = ("accept_offer", "decline_offer")


class _Event(Protocol):
    @property
    def trigger(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


class _Cand(Protocol):
    @property
    def id(self) -> int: ...


class _Journey(Protocol):
    @property
    def cand(self) -> _Cand: ...
    @property
    def made_offer(self) -> bool: ...
    @property
    def accepted_at(self) -> datetime | None: ...
    @property
    def stage(self) -> str: ...


def motivators_at_answer(events: Sequence[_Event]) -> frozenset[str]:
    """The motivators known when the offer was last answered (accepted or declined), else the latest known."""
    known: frozenset[str] = frozenset()
    answered: frozenset[str] | None = None
    for ev in events:
        if ev.trigger == "source" or (ev.trigger == DETAILS_TRIGGER and "motivators" in ev.payload):
            known = frozenset(ev.payload.get("motivators") or ())
        elif ev.trigger in _ANSWERS:
            answered = known
    return known if answered is None else answered


def _row(motivator: str, outcomes: list[tuple[bool, bool]]) -> dict[str, Any]:
    accepted = sum(a for a, _ in outcomes)
    declined = sum(d for _, d in outcomes)
    answered = accepted + declined
    return {
        "motivator": motivator,
        "offers": len(outcomes),
        "accepted": accepted,
        "declined": declined,
        "acceptance_rate": round(accepted / answered, 4) if answered else None,
    }


def acceptance_by_motivator(
    journeys: Sequence[_Journey], events: Mapping[int, Sequence[_Event]]
) -> list[dict[str, Any]]:
    """Per motivator (the six in vocabulary order, then candidates with none recorded, then every offer):
    offers made, accepted, declined, and accepted / (accepted + declined), with the offers section's
    definitions. A candidate with several motivators counts under each, so the rows do not add up."""
    groups: dict[str, list[tuple[bool, bool]]] = {m: [] for m in [*(m.value for m in Motivator), NONE_RECORDED]}
    every: list[tuple[bool, bool]] = []
    for j in journeys:
        if not j.made_offer:
            continue
        outcome = (j.accepted_at is not None, j.stage == Stage.DECLINED)
        every.append(outcome)
        for motivator in motivators_at_answer(events.get(j.cand.id, ())) or {NONE_RECORDED}:
            groups.setdefault(motivator, []).append(outcome)
    return [_row(m, outcomes) for m, outcomes in groups.items()] + [_row(ALL_OFFERS, every)]
