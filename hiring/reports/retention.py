"""Life after the offer: departures by role profile and tenure, and the retention traits by requisition.

Tenure is the days from the start date (the latest `accept_offer`) to the `depart` event, split at day 90,
the last checkpoint: a hire who leaves before it never completed onboarding. A hire is a candidate with an
accepted offer, as in the onboarding section. The traits are the four the playbook ties to keeping AI
engineers (states/payloads.RetentionCheckin), each rated 1-4 at every `retention_checkin`; a hire checked in
twice counts twice.

Pure functions of the event log the pipeline report loads (hiring/reports/metrics.py `load`). Ids, ratings
and counts only: no names, no notes.
"""

import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from states.payloads import RetentionCheckin
from states.vocabulary import RoleProfile

TRAITS: tuple[str, ...] = tuple(RetentionCheckin.model_fields)
DAY_90 = 90
NO_PROFILE = "no profile"


class _Event(Protocol):
    @property
    def trigger(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def occurred_at(self) -> datetime: ...


class _Req(Protocol):
    @property
    def title(self) -> str: ...


def tenure(events: Sequence[_Event]) -> tuple[bool, int | None]:
    """(hired, tenure in days at departure): None while the hire stays, or when no start date is known."""
    start: date | None = None
    hired, days = False, None
    for ev in events:
        if ev.trigger == "accept_offer":
            hired, start, days = True, date.fromisoformat(ev.payload["start_date"]), None
        elif ev.trigger == "depart" and hired and start is not None:
            days = (ev.occurred_at.date() - start).days
    return hired, days


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def departures_by_profile(
    events: Mapping[int, Sequence[_Event]], profiles: Mapping[int, str | None]
) -> list[dict[str, Any]]:
    """One row per role profile with hires (vocabulary order, then requisitions without one): hires, departures
    before and from day 90, the median tenure at departure and each departure's (candidate id, days)."""
    groups: dict[str, dict[str, Any]] = {}
    for cid, evs in events.items():
        hired, days = tenure(evs)
        if not hired:
            continue
        row = groups.setdefault(profiles.get(cid) or NO_PROFILE, {"hires": 0, "departed": []})
        row["hires"] += 1
        if days is not None:
            row["departed"].append({"candidate_id": cid, "tenure_days": days})
    order = [*(p.value for p in RoleProfile), NO_PROFILE]
    out = []
    for profile in (p for p in order if p in groups):
        hires, departed = groups[profile]["hires"], groups[profile]["departed"]
        out.append(
            {
                "role_profile": profile,
                "hires": hires,
                "departures": len(departed),
                "before_day_90": sum(d["tenure_days"] < DAY_90 for d in departed),
                "from_day_90": sum(d["tenure_days"] >= DAY_90 for d in departed),
                "median_tenure_days": _median([d["tenure_days"] for d in departed]),
                "departed": departed,
            }
        )
    return out


def traits_by_requisition(
    events: Mapping[int, Sequence[_Event]], requisitions: Mapping[int, int], reqs: Mapping[int, _Req]
) -> list[dict[str, Any]]:
    """Per requisition with any check-in (by id): check-ins, hires checked in, and each trait's mean rating.
    `requisitions`: each candidate's requisition id."""
    ratings: dict[int, dict[str, list[int]]] = {}
    hires: dict[int, set[int]] = {}
    for cid, evs in events.items():
        for ev in (e for e in evs if e.trigger == "retention_checkin"):
            req_id = requisitions[cid]
            mine = ratings.setdefault(req_id, {t: [] for t in TRAITS})
            for trait in TRAITS:
                rating = (ev.payload.get(trait) or {}).get("rating")
                if isinstance(rating, int):
                    mine[trait].append(rating)
            hires.setdefault(req_id, set()).add(cid)
    return [
        {
            "requisition_id": req_id,
            "title": reqs[req_id].title if req_id in reqs else None,
            "checkins": max(len(v) for v in ratings[req_id].values()),
            "hires": len(hires[req_id]),
            "means": {t: round(statistics.mean(v), 2) if v else None for t, v in ratings[req_id].items()},
        }
        for req_id in sorted(ratings)
    ]
