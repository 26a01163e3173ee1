"""The plain data the rules pass around: a candidate's state, the event as the guards see it, and the
result of applying one. No rules here, so every rules module can import it without a cycle."""

from dataclasses import dataclass, field
from datetime import date, datetime

from states.payloads import Payload
from states.screen_bar import DEFAULT_BAR, ScreenBar
from states.stages import INITIAL, Stage
from states.vocabulary import InterviewPart


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    currency: str


@dataclass(frozen=True)
class CandidateState:
    """Everything the rules need to know about a candidate; stored on the candidate row."""

    stage: Stage = INITIAL
    on_hold: bool = False
    take_home_submitted: bool = False
    technical_screen_done: bool = False  # a technical_screen is recorded (the latest one counts)
    interview_parts: frozenset[str] = field(default_factory=frozenset)
    returns_to: Stage | None = None  # where `reopen` goes back to
    start_date: date | None = None  # agreed on accept_offer; onboarding checkpoints count from it
    last_event_at: datetime | None = None

    @property
    def parts_complete(self) -> bool:
        """Every final-interview part is recorded."""
        return all(part.value in self.interview_parts for part in InterviewPart)


@dataclass(frozen=True)
class PolicyInEffect:
    """The policy settings the guards and the stage timers read, as they apply to one candidate's requisition
    (states.policy.Policy.in_effect resolves them: requisition > role profile > global > default)."""

    technical_screen_required: bool = True  # send_take_home waits for a technical_screen
    screen_bar: ScreenBar = DEFAULT_BAR  # `screen` below it needs an override_reason


@dataclass(frozen=True)
class Proposed:
    """The event as the guards see it."""

    trigger: str
    payload: Payload
    occurred_at: datetime
    band: Band | None
    in_effect: PolicyInEffect = PolicyInEffect()


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
