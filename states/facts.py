"""The plain data the rules pass around: a candidate's state, the event as the guards see it, and the
result of applying one. No rules here, so every rules module can import it without a cycle."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from states.payloads import Payload
from states.screen_bar import DEFAULT_BAR, ScreenBar
from states.stages import INITIAL, Stage
from states.vocabulary import InterviewPart, RoleProfile


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    currency: str


@dataclass(frozen=True)
class Interview:
    """One scheduled final interview (stored in candidate.interviews under its part)."""

    interviewer: str  # a handle of the people directory
    starts_at: datetime
    minutes: int
    cancelled: bool = False

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class ApprovalStep:
    """One step of an offer's approval chain, as resolved when the offer was made (states/approvals.py)."""

    approver: str  # a handle of the people directory
    role: str  # hiring_manager | head_of_talent | finance | handle (the policy's step)
    status: str = "pending"  # pending | approved | rejected


@dataclass(frozen=True)
class OfferChain:
    """The current offer's revision, the terms its approvals cover and its approval chain. No offer, or one
    made with no step applying, has no steps: it is extended."""

    revision: int = 0  # make_offer is revision 1; a revise_offer that changes the approved terms adds one
    terms: tuple[int, str, str | None] | None = None  # (base_salary, currency, equity) the chain approves
    steps: tuple[ApprovalStep, ...] = ()

    @property
    def stopped(self) -> bool:
        return any(step.status == "rejected" for step in self.steps)

    @property
    def pending(self) -> int | None:
        """The number (from 1) of the step whose approval the offer waits for; None if stopped or complete."""
        if self.stopped:
            return None
        return next((n for n, step in enumerate(self.steps, 1) if step.status == "pending"), None)

    @property
    def extended(self) -> bool:
        """Every step approved: the offer is with the candidate."""
        return all(step.status == "approved" for step in self.steps)


@dataclass(frozen=True)
class CandidateState:
    """Everything the rules need to know about a candidate; stored on the candidate row."""

    stage: Stage = INITIAL
    on_hold: bool = False
    take_home_submitted: bool = False
    technical_screen_done: bool = False  # a technical_screen is recorded (the latest one counts)
    interview_parts: frozenset[str] = field(default_factory=frozenset)
    motivators: frozenset[str] = field(default_factory=frozenset)  # what would make them accept (vocabulary)
    # Scheduled interviews by part, cancelled ones kept (a scorecard for them is refused). Compared, not
    # hashed (a dict is not hashable); equal states still hash alike.
    interviews: Mapping[str, Interview] = field(default_factory=dict, hash=False)
    hire_decided: bool = False  # `decide hire` is recorded in final (make_offer follows)
    offer: OfferChain = OfferChain()
    returns_to: Stage | None = None  # where `reopen` goes back to
    start_date: date | None = None  # agreed on accept_offer; onboarding checkpoints count from it
    access_missing: frozenset[str] = field(default_factory=frozenset)  # day-30 access items not yet granted
    retention_checkins: int = 0  # retention check-ins recorded after onboarding
    last_event_at: datetime | None = None

    @property
    def parts_complete(self) -> bool:
        """Every final-interview part is recorded."""
        return all(part.value in self.interview_parts for part in InterviewPart)

    def live_interview(self, part: str) -> Interview | None:
        """The part's scheduled interview unless it was cancelled."""
        found = self.interviews.get(part)
        return None if found is None or found.cancelled else found

    @property
    def scorecards_missing(self) -> tuple[str, ...]:
        """The parts with a live scheduled interview and no scorecard yet: each has a scorecard timer."""
        return tuple(
            p.value for p in InterviewPart if self.live_interview(p.value) and p.value not in self.interview_parts
        )

    @property
    def loop_arranged(self) -> bool:
        """Every part is recorded or has a live scheduled interview: the decision can be timed."""
        return all(p.value in self.interview_parts or self.live_interview(p.value) for p in InterviewPart)

    @property
    def last_interview_end(self) -> datetime | None:
        """When the last live scheduled interview ends (None when none is scheduled)."""
        ends = [i.ends_at for i in self.interviews.values() if not i.cancelled]
        return max(ends) if ends else None


@dataclass(frozen=True)
class PolicyInEffect:
    """The policy settings the guards and the stage timers read, as they apply to one candidate's requisition
    (states.policy.Policy.in_effect resolves them: requisition > role profile > global > default)."""

    technical_screen_required: bool = True  # send_take_home waits for a technical_screen
    screen_bar: ScreenBar = DEFAULT_BAR  # `screen` below it needs an override_reason
    motivators_required: bool = True  # the fourth interview part waits for the candidate's motivators
    checkpoint_early_window: timedelta = timedelta(days=7)  # a checkpoint may be completed this early
    retention_checkin_days: tuple[int, ...] = (180, 365)  # retention check-ins, days after the start date
    timezone: str = "UTC"  # the policy calendar's: the day an event falls on


@dataclass(frozen=True)
class Proposed:
    """The event as the guards see it."""

    trigger: str
    payload: Payload
    occurred_at: datetime
    band: Band | None
    role_profile: RoleProfile | None = None  # the requisition's
    in_effect: PolicyInEffect = PolicyInEffect()  # the policy settings for the requisition


@dataclass(frozen=True)
class Applied:
    trigger: str
    source: Stage
    dest: Stage
    before: CandidateState
    after: CandidateState
    payload: Payload
    occurred_at: datetime

    @property
    def moved(self) -> bool:
        return self.source != self.dest
