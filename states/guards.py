"""Guards: conditions a trigger must meet beyond being allowed from the stage.

Each guard is callable by `transitions` with the EventData (send_event=True) and can explain a refusal.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, cast
from zoneinfo import ZoneInfo

from transitions import EventData

from states import screen_bar
from states.facts import CandidateState, Proposed
from states.kits import GUIDE_HOURS
from states.stages import CHECKPOINT_DAYS, Stage
from states.vocabulary import InterviewPart, Motivator


class _HasFacts(Protocol):
    """The machine's model (states.candidate's, which imports this module) as a guard reads it."""

    facts: CandidateState


@dataclass(frozen=True)
class Guard:
    name: str
    test: Callable[[CandidateState, Proposed], bool]
    explain: Callable[[CandidateState, Proposed], str]

    def __call__(self, event: EventData) -> bool:
        model = cast(_HasFacts, event.model)  # transitions types the model as object
        return self.test(model.facts, event.kwargs["proposed"])

    def __repr__(self) -> str:
        return self.name


def _outside_band(p: Proposed) -> bool:
    band = p.band
    if band is None:
        return False
    pay = p.payload
    return pay.currency != band.currency or not band.min <= pay.base_salary <= band.max  # type: ignore[attr-defined]  # the trigger's payload model has the field


take_home_submitted = Guard(
    "take_home_submitted",
    lambda s, p: s.take_home_submitted,
    lambda s, p: "the take-home has not been submitted yet (record submit_take_home first)",
)

due_after_event = Guard(
    "due_after_event",
    lambda s, p: p.payload.due_at > p.occurred_at,  # type: ignore[attr-defined]  # the trigger's payload model has the field
    lambda s, p: f"due_at must be after the event time {p.occurred_at.isoformat()}",
)


technical_screen_recorded = Guard(
    "technical_screen_recorded",
    lambda s, p: s.technical_screen_done or not p.in_effect.technical_screen_required,
    lambda s, p: (
        "record technical_screen first, or turn the requirement off in the policy: "
        "technical_screen_required: false (globally, under role_profiles.<profile> or requisitions.<id>)"
    ),
)


def _below_bar(p: Proposed) -> list[str]:
    return screen_bar.check(p.payload.model_dump(), p.in_effect.screen_bar)


def _bar_refusal(p: Proposed) -> str:
    bar, problems = p.in_effect.screen_bar, _below_bar(p)
    if not problems:
        return f"the screen meets the bar ({bar.describe()}): override_reason is only for a screen below it"
    return (
        f"the screen is below the bar ({bar.describe()}): {'; '.join(problems)}. "
        "Give override_reason to move the candidate on anyway, or reject"
    )


# Below the bar only with a reason; a reason on a screen that clears it is refused, so the report's count of
# overrides counts only real ones.
meets_screen_bar = Guard(
    "meets_screen_bar",
    lambda s, p: bool(_below_bar(p)) == bool(p.payload.override_reason),  # type: ignore[attr-defined]  # the trigger's payload model has the field
    lambda s, p: _bar_refusal(p),
)


def _missing_parts(s: CandidateState) -> list[str]:
    return [part.value for part in InterviewPart if part.value not in s.interview_parts]


all_interview_parts_recorded = Guard(
    "all_interview_parts_recorded",
    lambda s, p: not _missing_parts(s),
    lambda s, p: f"interview parts not recorded yet: {', '.join(_missing_parts(s))}",
)


def decides(decision: str) -> Guard:
    """Picks the row of `decide` for the payload's decision; it explains nothing (the other row applies)."""
    return Guard(f"decides_{decision}", lambda s, p: p.payload.decision == decision, lambda s, p: "")  # type: ignore[attr-defined]  # the trigger's payload model has the field


not_decided = Guard(
    "not_decided",
    lambda s, p: not s.hire_decided,
    lambda s, p: "the hire decision is already recorded: make the offer (make_offer), or reject",
)

within_band_or_approved = Guard(
    "within_band_or_approved",
    lambda s, p: not _outside_band(p) or bool(p.payload.band_exception_approved_by),  # type: ignore[attr-defined]  # the trigger's payload model has the field
    lambda s, p: (
        f"base {p.payload.base_salary} {p.payload.currency} is outside the band "  # type: ignore[attr-defined]  # the trigger's payload model has the field
        f"{p.band.min}-{p.band.max} {p.band.currency}; "  # type: ignore[union-attr]  # only refused when a band is set
        "set band_exception_approved_by to the approver"
    ),
)


def _hours_ok(p: Proposed) -> bool:
    pay = p.payload
    return pay.expected_hours <= GUIDE_HOURS or bool(pay.hours_reason)  # type: ignore[attr-defined]  # the trigger's payload model has the fields


take_home_within_guide = Guard(
    "take_home_within_guide",
    lambda s, p: _hours_ok(p),
    lambda s, p: (
        f"expected_hours {p.payload.expected_hours:g} is above the playbook's {GUIDE_HOURS:g}-hour take-home "  # type: ignore[attr-defined]  # the trigger's payload model has the field
        "guide; give hours_reason to say why it needs longer"
    ),
)

take_home_for_the_profile = Guard(
    "take_home_for_the_profile",
    lambda s, p: p.role_profile is None or p.payload.role_profile == p.role_profile,  # type: ignore[attr-defined]  # the trigger's payload model has the field
    lambda s, p: (
        f"role_profile {p.payload.role_profile} does not match the requisition's; allowed: {p.role_profile}"  # type: ignore[attr-defined]  # the trigger's payload model has the field
    ),
)

not_on_hold = Guard("not_on_hold", lambda s, p: not s.on_hold, lambda s, p: "the candidate is already on hold")
on_hold = Guard("on_hold", lambda s, p: s.on_hold, lambda s, p: "the candidate is not on hold")


def returns_to(stage: Stage) -> Guard:
    return Guard(
        f"returns_to_{stage.value}",
        lambda s, p: s.returns_to == stage,
        lambda s, p: "the candidate has no recorded stage to return to",
    )


# --- scheduled interviews ------------------------------------------------------------------------------


def _part_of(p: Proposed) -> str:
    return str(p.payload.part)  # type: ignore[attr-defined]  # the trigger's payload model has the field


def _when_with(s: CandidateState, part: str) -> str:
    i = s.interviews[part]
    return f"with {i.interviewer} at {i.starts_at.isoformat()}"


part_not_scheduled = Guard(
    "part_not_scheduled",
    lambda s, p: s.live_interview(_part_of(p)) is None,
    lambda s, p: (
        f"the {_part_of(p)} interview is already scheduled ({_when_with(s, _part_of(p))}); "
        "use reschedule_interview to change it"
    ),
)

part_scheduled = Guard(
    "part_scheduled",
    lambda s, p: s.live_interview(_part_of(p)) is not None,
    lambda s, p: (
        f"the {_part_of(p)} interview was cancelled; schedule it again with schedule_interview"
        if _part_of(p) in s.interviews
        else f"no {_part_of(p)} interview is scheduled (schedule it with schedule_interview)"
    ),
)

scorecard_not_filed = Guard(
    "scorecard_not_filed",
    lambda s, p: _part_of(p) not in s.interview_parts,
    lambda s, p: f"the {_part_of(p)} scorecard is already filed: that interview has taken place",
)


def _scheduled_with(s: CandidateState, p: Proposed) -> str | None:
    i = s.live_interview(_part_of(p))
    return None if i is None else i.interviewer


def _interviewer_fits(s: CandidateState, p: Proposed) -> bool:
    given, scheduled = p.payload.interviewer, _scheduled_with(s, p)  # type: ignore[attr-defined]  # the trigger's payload model has the field
    cancelled = _part_of(p) in s.interviews and scheduled is None
    return not cancelled and bool(given) and (scheduled is None or given == scheduled)


def _interviewer_problem(s: CandidateState, p: Proposed) -> str:
    part, scheduled = _part_of(p), _scheduled_with(s, p)
    if part in s.interviews and scheduled is None:
        return (
            f"the {part} interview was cancelled: no scorecard can be filed for it "
            "(schedule it again with schedule_interview first)"
        )
    if scheduled is None:
        return f"interviewer is required: no {part} interview is scheduled to take it from"
    return (
        f"the {part} interview is scheduled with {scheduled}, not {p.payload.interviewer}; "  # type: ignore[attr-defined]  # the trigger's payload model has the field
        "leave interviewer out, or reschedule_interview with the new interviewer first"
    )


scorecard_fits_schedule = Guard("scorecard_fits_schedule", _interviewer_fits, _interviewer_problem)


# --- motivators before the loop completes ---------------------------------------------------------------


def _completes_loop(s: CandidateState, p: Proposed) -> bool:
    """Scheduling or recording this part makes the fourth of the four: every other part is already covered
    (recorded, or for a scheduling also live-scheduled)."""
    others = [part.value for part in InterviewPart if part.value != _part_of(p)]
    if p.trigger == "schedule_interview":
        return all(o in s.interview_parts or s.live_interview(o) for o in others)
    return all(o in s.interview_parts for o in others)


motivators_known = Guard(
    "motivators_known",
    lambda s, p: bool(s.motivators) or not p.in_effect.motivators_required or not _completes_loop(s, p),
    lambda s, p: (
        f"{_part_of(p)} would be the fourth interview part and the candidate's motivators are not recorded; "
        "record them first with `hiring candidate update ID --motivators ...` (any of: "
        + ", ".join(m.value for m in Motivator)
        + "), or turn the requirement off in the policy: motivators_required: false "
        "(globally, under role_profiles.<profile> or requisitions.<id>)"
    ),
)


# --- onboarding on the calendar ---------------------------------------------------------------------


def earliest_checkpoint(s: CandidateState, p: Proposed) -> date | None:
    """The first day the current stage's checkpoint may be completed: its day (start date + 30/60/90) less
    the policy's early window, in whole days. None when there is no start date to count from."""
    days = CHECKPOINT_DAYS.get(s.stage)
    if days is None or s.start_date is None:
        return None
    return s.start_date + timedelta(days=days) - timedelta(days=p.in_effect.checkpoint_early_window.days)


def _event_day(p: Proposed) -> date:
    return p.occurred_at.astimezone(ZoneInfo(p.in_effect.timezone)).date()


def _too_early(s: CandidateState, p: Proposed) -> str:
    earliest, days = earliest_checkpoint(s, p), CHECKPOINT_DAYS.get(s.stage)
    return (
        f"the day-{days} checkpoint of a hire who started on {s.start_date} can be completed from "
        f"{earliest} (day {days} is {s.start_date + timedelta(days=days or 0) if s.start_date else '?'}, "
        f"less the policy's checkpoint_early_window of {p.in_effect.checkpoint_early_window.days} day(s)); "
        f"this event falls on {_event_day(p)}"
    )


checkpoint_due = Guard(
    "checkpoint_due",
    lambda s, p: (earliest := earliest_checkpoint(s, p)) is None or _event_day(p) >= earliest,
    _too_early,
)


def _not_missing(s: CandidateState, p: Proposed) -> list[str]:
    return [item for item in p.payload.items if item not in s.access_missing]  # type: ignore[attr-defined]  # the trigger's payload model has the field


access_was_missing = Guard(
    "access_was_missing",
    lambda s, p: not _not_missing(s, p),
    lambda s, p: (
        f"not missing at day 30 (or already granted): {', '.join(_not_missing(s, p))}; "
        + (f"still missing: {', '.join(sorted(s.access_missing))}" if s.access_missing else "nothing is missing")
    ),
)


checkin_scheduled = Guard(
    "checkin_scheduled",
    lambda s, p: s.retention_checkins < len(p.in_effect.retention_checkin_days),
    lambda s, p: (
        f"all {len(p.in_effect.retention_checkin_days)} retention check-ins of the policy "
        f"(retention_checkin_days: {list(p.in_effect.retention_checkin_days)}) are recorded"
    ),
)
