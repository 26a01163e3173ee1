"""Take-home hours against the playbook's 3-hour guide: every take-home sent, per requisition and overall.
A pure function of the event log the pipeline report loads (hiring/reports/metrics.py `load`)."""

from collections.abc import Mapping, Sequence
from statistics import median
from typing import Any, Protocol

from states.kits import GUIDE_HOURS


class _Event(Protocol):
    @property
    def trigger(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


class _Req(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def role_profile(self) -> str | None: ...


def _summary(hours: list[float], with_reason: int) -> dict[str, Any]:
    above = sum(h > GUIDE_HOURS for h in hours)
    return {
        "sent": len(hours),
        "above_guide": above,
        "above_guide_share": round(above / len(hours), 4) if hours else None,
        "above_guide_with_reason": with_reason,
        "median_hours": round(median(hours), 2) if hours else None,
        "max_hours": max(hours) if hours else None,
    }


def take_home_hours(events_by_req: Mapping[int, Sequence[_Event]], reqs: Mapping[int, _Req]) -> dict[str, Any]:
    """`events_by_req`: each requisition's events (any order). A take-home sent twice counts twice: the
    candidate was asked for the hours both times."""
    rows, every, reasons = [], [], 0
    for req_id, req in reqs.items():
        sent = [e.payload for e in events_by_req.get(req_id, ()) if e.trigger == "send_take_home"]
        hours = [float(p.get("expected_hours", GUIDE_HOURS)) for p in sent]
        with_reason = sum(
            float(p.get("expected_hours", GUIDE_HOURS)) > GUIDE_HOURS and "hours_reason" in p for p in sent
        )
        every += hours
        reasons += with_reason
        if hours:
            rows.append(
                {"requisition_id": req_id, "title": req.title, "role_profile": req.role_profile}
                | _summary(hours, with_reason)
            )
    return {"guide_hours": GUIDE_HOURS, **_summary(every, reasons), "requisitions": rows}
