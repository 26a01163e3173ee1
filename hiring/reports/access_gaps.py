"""Access gaps at day 30: which day-30 checkpoints left an access item missing, which items, and how long each
gap stayed open. A gap opens at the day-30 `complete_checkpoint` and closes at the `access_granted` that grants
the last missing item; one still open is measured to now, and one the hire left with is measured to the
departure (the `access_gap` timer is cancelled then, the access never granted).

A pure function of the event log the pipeline report loads (hiring/reports/metrics.py `load`). Ids, item codes
and counts only: no names, no notes.
"""

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from states.stages import Stage
from states.vocabulary import ACCESS_CHECKLIST

GRANTED, OPEN, DEPARTED = "granted", "open", "departed"


class _Event(Protocol):
    @property
    def trigger(self) -> str: ...
    @property
    def from_stage(self) -> str | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def occurred_at(self) -> datetime: ...


def _days(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def candidate_gaps(cid: int, events: Sequence[_Event], now: datetime) -> tuple[int, list[dict[str, Any]]]:
    """How many day-30 checkpoints one candidate's events hold, and the gaps they opened, in order."""
    checkpoints, gaps = 0, []
    gap: dict[str, Any] | None = None
    missing: set[str] = set()
    for ev in events:
        if ev.trigger == "complete_checkpoint" and ev.from_stage == Stage.ONBOARDING_30:
            checkpoints += 1
            access = ev.payload.get("access") or {}
            missing = {item for item in ACCESS_CHECKLIST if access.get(item) is False}
            gap = {"candidate_id": cid, "opened_at": ev.occurred_at, "items": sorted(missing)} if missing else None
            if gap is not None:
                gaps.append(gap)
        elif gap is not None and ev.trigger == "access_granted":
            missing -= set(ev.payload.get("items") or ())
            if not missing:
                gap.update(status=GRANTED, closed_at=ev.occurred_at)
                gap = None
        elif gap is not None and ev.trigger == "depart":
            gap.update(status=DEPARTED, closed_at=ev.occurred_at)
            gap = None
    if gap is not None:
        gap.update(status=OPEN, closed_at=None)
    for g in gaps:
        g["days_open"] = _days(g["opened_at"], g["closed_at"] or now)
    return checkpoints, gaps


def access_gaps(events: Mapping[int, Sequence[_Event]], now: datetime) -> dict[str, Any]:
    """Day-30 checkpoints, the gaps they left (by candidate id), the items missing (checklist order, each gap
    counts each of its items once) and the days each gap stayed open: median and max over every gap."""
    checkpoints, gaps = 0, []
    for cid, evs in events.items():
        n, mine = candidate_gaps(cid, evs, now)
        checkpoints += n
        gaps += mine
    items = Counter(item for g in gaps for item in g["items"])
    days = [g["days_open"] for g in gaps]
    return {
        "checkpoints": checkpoints,
        "with_gap": len(gaps),
        "granted": sum(g["status"] == GRANTED for g in gaps),
        "open": sum(g["status"] == OPEN for g in gaps),
        "departed": sum(g["status"] == DEPARTED for g in gaps),
        "items": {item: items[item] for item in ACCESS_CHECKLIST if items[item]},
        "median_days_open": round(statistics.median(days), 1) if days else None,
        "max_days_open": max(days) if days else None,
        "gaps": gaps,
    }
