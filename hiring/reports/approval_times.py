"""Offer approval-chain time: how long each step of an offer's approval chain waited for its approver, per
step number and per approver, so the report can say who is slow.

A pure function of the event log (hiring/reports/metrics.py `load`). A step becomes pending when the offer
that started its chain was recorded (`make_offer`, or a `revise_offer` that changed the approved terms) or
when the step before it was approved; it ends with `approve_offer` or `reject_offer_approval`. A step the
0011 migration marked approved before chains existed never waited. Time on hold is not taken out: an offer's
approvers are not paused by a candidate's hold.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hiring.reports.stats import percentile
from states.approvals import APPROVAL_TRIGGERS, APPROVED_TERMS

_OFFERS = ("make_offer", "revise_offer")
_HOUR = 3600.0


class _Event(Protocol):
    @property
    def trigger(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def occurred_at(self) -> datetime: ...


@dataclass(frozen=True)
class StepWait:
    candidate_id: int
    step: int
    approver: str
    hours: float
    outcome: str  # approved | rejected | pending (still waiting now)


@dataclass
class _Chain:
    approvers: list[str] = field(default_factory=list)
    step: int | None = None  # the pending step (1-based), None when complete or stopped
    since: datetime | None = None
    terms: tuple[Any, ...] | None = None


def _start(chain: _Chain, p: dict[str, Any], at: datetime) -> None:
    """A new chain: its first step not approved before chains existed is pending from now."""
    steps = p.get("approval_chain") or []
    chain.approvers = [str(s["approver"]) for s in steps]
    waiting = [n for n, s in enumerate(steps, 1) if not s.get("approved_before_chain")]
    chain.step, chain.since = (waiting[0], at) if waiting else (None, None)
    chain.terms = _terms(p)


def _terms(p: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(p.get(k) for k in APPROVED_TERMS)


def step_waits(cid: int, events: Sequence[_Event], now: datetime, at_offer: bool) -> list[StepWait]:
    """Every decided step of this candidate's chains, and the step still pending now if the candidate is at
    the offer (`at_offer`)."""
    chain, out = _Chain(), []
    for ev in events:
        p = ev.payload
        if ev.trigger in _OFFERS and (ev.trigger == "make_offer" or _terms(p) != chain.terms):
            _start(chain, p, ev.occurred_at)
        elif ev.trigger in APPROVAL_TRIGGERS and chain.step is not None and chain.since is not None:
            n, approved = chain.step, ev.trigger == "approve_offer"
            hours = (ev.occurred_at - chain.since).total_seconds() / _HOUR
            out.append(StepWait(cid, n, chain.approvers[n - 1], hours, "approved" if approved else "rejected"))
            more = approved and n < len(chain.approvers)
            chain.step, chain.since = (n + 1, ev.occurred_at) if more else (None, None)
    if at_offer and chain.step is not None and chain.since is not None:
        hours = (now - chain.since).total_seconds() / _HOUR
        out.append(StepWait(cid, chain.step, chain.approvers[chain.step - 1], hours, "pending"))
    return out


def _q(xs: list[float], q: float) -> float | None:
    value = percentile(xs, q)
    return None if value is None else round(value, 2)


def _row(waits: list[StepWait]) -> dict[str, Any]:
    done = [w.hours for w in waits if w.outcome != "pending"]
    waiting = [w.hours for w in waits if w.outcome == "pending"]
    return {
        "decided": len(done),
        "approved": sum(w.outcome == "approved" for w in waits),
        "rejected": sum(w.outcome == "rejected" for w in waits),
        "median_hours": _q(done, 0.5),
        "p90_hours": _q(done, 0.9),
        "max_hours": round(max(done), 2) if done else None,
        "pending": len(waiting),
        "pending_max_hours": round(max(waiting), 2) if waiting else None,
    }


def approval_times(
    events: Mapping[int, Sequence[_Event]], at_offer: Mapping[int, bool], now: datetime
) -> dict[str, Any]:
    """Per step number and per approver (slowest median first): steps decided, approved, rejected, the
    median / p90 / max hours from pending to decided, and the steps pending now with the longest wait."""
    waits = [w for cid, evs in events.items() for w in step_waits(cid, evs, now, at_offer.get(cid, False))]
    by_step: dict[int, list[StepWait]] = defaultdict(list)
    by_approver: dict[str, list[StepWait]] = defaultdict(list)
    for w in waits:
        by_step[w.step].append(w)
        by_approver[w.approver].append(w)
    approvers = [{"approver": a, **_row(ws)} for a, ws in by_approver.items()]
    approvers.sort(key=lambda r: (-(r["median_hours"] or 0.0), -(r["pending_max_hours"] or 0.0), r["approver"]))
    pending = [
        {"candidate_id": w.candidate_id, "step": w.step, "approver": w.approver, "waiting_hours": round(w.hours, 2)}
        for w in waits
        if w.outcome == "pending"
    ]
    return {
        "by_step": [{"step": n, **_row(by_step[n])} for n in sorted(by_step)],
        "by_approver": approvers,
        "pending": sorted(pending, key=lambda p: -p["waiting_hours"]),
    }
