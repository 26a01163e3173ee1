"""Scheduled final interviews: what schedule_interview, reschedule_interview and cancel_interview change on
the candidate, the interviewer a scorecard defaults to, and the backfill limit. Pure."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from states.durations import human
from states.facts import CandidateState, Interview
from states.payloads import CancelInterview, Payload, RescheduleInterview, ScheduleInterview


def schedule(state: CandidateState, payload: Payload) -> dict[str, Any]:
    p = payload
    assert isinstance(p, ScheduleInterview)
    interview = Interview(p.interviewer, p.starts_at, p.minutes)
    return {"interviews": {**state.interviews, p.part.value: interview}}


def reschedule(state: CandidateState, payload: Payload) -> dict[str, Any]:
    p = payload
    assert isinstance(p, RescheduleInterview)
    old = state.interviews[p.part.value]
    new = Interview(p.interviewer or old.interviewer, p.starts_at or old.starts_at, p.minutes or old.minutes)
    return {"interviews": {**state.interviews, p.part.value: new}}


def cancel(state: CandidateState, payload: Payload) -> dict[str, Any]:
    p = payload
    assert isinstance(p, CancelInterview)
    old = state.interviews[p.part.value]
    return {"interviews": {**state.interviews, p.part.value: replace(old, cancelled=True)}}


def with_scheduled_interviewer(
    state: CandidateState, trigger: str, raw: dict[str, Any] | None
) -> dict[str, Any] | None:
    """record_interview without an interviewer takes the one the part is scheduled with (if any)."""
    if trigger != "record_interview" or not isinstance(raw, dict) or raw.get("interviewer"):
        return raw
    interview = state.live_interview(str(raw.get("part")))
    return raw if interview is None else {**raw, "interviewer": interview.interviewer}


def starts_at_of(payload: Payload) -> datetime | None:
    return payload.starts_at if isinstance(payload, ScheduleInterview | RescheduleInterview) else None


def backfill_problem(payload: Payload, occurred_at: datetime, backfill: timedelta) -> str | None:
    """Why an interview's start is refused: further in the past than the policy's backfill allows."""
    starts_at = starts_at_of(payload)
    earliest = occurred_at - backfill
    if starts_at is None or starts_at >= earliest:
        return None
    return (
        f"starts_at {starts_at.isoformat()} is further in the past than the allowed backfill "
        f"({human(backfill)}, policy setting interview_backfill); the earliest allowed is {earliest.isoformat()}"
    )


def interviews_from_json(raw: dict[str, dict[str, Any]] | None) -> dict[str, Interview]:
    """candidate.interviews as stored ({part: {interviewer, starts_at, minutes[, cancelled]}})."""
    out = {}
    for part, row in (raw or {}).items():
        starts = row["starts_at"]
        when = starts if isinstance(starts, datetime) else datetime.fromisoformat(str(starts))
        out[part] = Interview(str(row["interviewer"]), when, int(row["minutes"]), bool(row.get("cancelled", False)))
    return out


def interviews_to_json(interviews: dict[str, Interview] | Any) -> dict[str, dict[str, str | int]]:
    out: dict[str, dict[str, str | int]] = {}
    for part, i in sorted(interviews.items()):
        row: dict[str, str | int] = {
            "interviewer": i.interviewer,
            "starts_at": i.starts_at.isoformat(),
            "minutes": i.minutes,
        }
        if i.cancelled:
            row["cancelled"] = True
        out[part] = row
    return out
