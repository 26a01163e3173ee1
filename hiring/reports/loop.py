"""The final loop in the report: scorecard timeliness per interviewer (hours from the interview's end to its
scorecard, and the share filed within the scorecard window the policy in effect gives that requisition) and the
end of the last interview, from which decision speed is measured when the loop was scheduled. Read from the
event log alone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from states.policy import Policy
from states.sla import Scope, due_after
from states.timers import TIMERS, TimerKind


def window_hours(policy: Policy) -> float:
    """The policy's global scorecard window in hours (requisitions and role profiles may override it)."""
    duration = policy.duration(TimerKind.SCORECARD, None, None) or TIMERS[TimerKind.SCORECARD].duration
    return duration.total_seconds() / 3600


@dataclass
class Booked:
    """One candidate's scheduled interviews as the log tells them, and the lag of each scorecard filed for one."""

    scope: Scope = field(default_factory=Scope)  # the requisition's policy: the scorecard window in effect
    live: dict[str, tuple[datetime, int, str]] = field(default_factory=dict)  # part -> (start, minutes, interviewer)
    lags: list[tuple[str, float, bool]] = field(default_factory=list)  # (interviewer, hours end->scorecard, in time)

    def end(self, part: str) -> datetime:
        start, minutes, _ = self.live[part]
        return start + timedelta(minutes=minutes)

    @property
    def last_end(self) -> datetime | None:
        return max((self.end(part) for part in self.live), default=None)

    def track(self, trigger: str, payload: dict[str, Any], occurred_at: datetime) -> None:
        part = str(payload.get("part"))
        old = self.live.get(part)
        if trigger == "advance_to_final":
            self.live.clear()
        elif trigger == "schedule_interview":
            starts = datetime.fromisoformat(payload["starts_at"])
            self.live[part] = (starts, int(payload.get("minutes") or 60), str(payload["interviewer"]))
        elif trigger == "reschedule_interview" and old:
            starts = datetime.fromisoformat(payload["starts_at"]) if payload.get("starts_at") else old[0]
            self.live[part] = (starts, int(payload.get("minutes") or old[1]), str(payload.get("interviewer") or old[2]))
        elif trigger == "cancel_interview":
            self.live.pop(part, None)
        elif trigger == "record_interview" and old:
            who, end = old[2], self.end(part)  # the scorecard is tied to it (and its handle survives an erasure)
            in_time = occurred_at <= due_after(TimerKind.SCORECARD, end, self.scope)
            self.lags.append((who, (occurred_at - end).total_seconds() / 3600, in_time))


def scorecard_timeliness(lags: list[tuple[str, float, bool]], policy: Policy) -> dict[str, Any]:
    """Per interviewer: scorecards filed for scheduled interviews, the median hours after the interview ended,
    and the share filed within the scorecard window in effect (the scorecard timer's own due time)."""
    by: dict[str, list[tuple[float, bool]]] = {}
    for who, hours, in_time in lags:
        by.setdefault(who, []).append((hours, in_time))
    rows = [
        {
            "interviewer": who,
            "scorecards": len(cards),
            "median_hours": round(median(h for h, _ in cards), 2),
            "within_window": sum(ok for _, ok in cards),
            "within_window_rate": round(sum(ok for _, ok in cards) / len(cards), 3),
        }
        for who, cards in sorted(by.items())
    ]
    return {"window_hours": window_hours(policy), "interviewers": rows}
