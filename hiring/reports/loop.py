"""The final loop in the report: scorecard timeliness per interviewer (hours from the interview's end to its
scorecard, and the share filed within the scorecard window) and the end of the last interview, from which
decision speed is measured when the loop was scheduled. Read from the event log alone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from states.timers import TIMERS, TimerKind

SCORECARD_WINDOW_HOURS = TIMERS[TimerKind.SCORECARD].duration.total_seconds() / 3600


@dataclass
class Booked:
    """One candidate's scheduled interviews as the log tells them, and the lag of each scorecard filed for one."""

    live: dict[str, tuple[datetime, int, str]] = field(default_factory=dict)  # part -> (start, minutes, interviewer)
    lags: list[tuple[str, float]] = field(default_factory=list)  # (interviewer, hours from end to scorecard)

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
            who = old[2]  # the scorecard is tied to it (and its handle survives an erasure)
            self.lags.append((who, (occurred_at - self.end(part)).total_seconds() / 3600))


def scorecard_timeliness(lags: list[tuple[str, float]]) -> dict[str, Any]:
    """Per interviewer: scorecards filed for scheduled interviews, the median hours after the interview ended,
    and the share filed within the scorecard window."""
    by: dict[str, list[float]] = {}
    for who, hours in lags:
        by.setdefault(who, []).append(hours)
    rows = [
        {
            "interviewer": who,
            "scorecards": len(hours),
            "median_hours": round(median(hours), 2),
            "within_window": sum(h <= SCORECARD_WINDOW_HOURS for h in hours),
            "within_window_rate": round(sum(h <= SCORECARD_WINDOW_HOURS for h in hours) / len(hours), 3),
        }
        for who, hours in sorted(by.items())
    ]
    return {"window_hours": SCORECARD_WINDOW_HOURS, "interviewers": rows}
