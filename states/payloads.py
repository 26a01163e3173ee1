"""What each trigger requires, as pydantic models: unknown fields are refused, every bad field is named."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from states.field_problems import exact_keys
from states.kits import GUIDE_HOURS, TemplateId
from states.requisition import Money
from states.stages import Stage
from states.vocabulary import (
    ACCESS_CHECKLIST,
    CandidateDetail,
    InterviewPart,
    Motivator,
    Recommendation,
    RejectionReason,
    RoleProfile,
    SourceChannel,
)

Rating = Annotated[int, Field(ge=1, le=4, description="1 (weak) to 4 (strong)")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# A person's handle in the people directory (e.g. dana.kim): a code, so erasure leaves it (staff, not the candidate).
Handle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$")]


YEARS = (1970, 2999)  # dates and times: far from datetime's limits, so timers and ladders built on them fit


def _in_years(value: date) -> None:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"must be between {YEARS[0]} and {YEARS[1]}")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone, e.g. 2026-11-30T17:00:00Z")
    _in_years(value)
    return value


def _day(value: date) -> date:
    _in_years(value)
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Day = Annotated[date, AfterValidator(_day)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Empty(Payload):
    pass


class Screen(Payload):
    owned_delivery: Rating
    operational_judgment: Rating
    data_realism: Rating
    cross_functional_range: Rating
    note: Text
    override_reason: Text | None = None  # why the candidate moves on below the screen bar (states/screen_bar.py)


class TechnicalScreen(Payload):
    interviewer: Handle
    depth: Rating
    communication: Rating
    matches_profile: bool  # the candidate matches the requisition's target role profile
    notes: Text


class SendTakeHome(Payload):
    title: Text
    role_profile: RoleProfile
    expected_hours: Annotated[float, Field(gt=0, le=40)] = GUIDE_HOURS
    due_at: AwareDatetime
    template: TemplateId | None = None  # a take-home template of the requisition's kit (hiring/kits.py)
    hours_reason: Text | None = None  # why it takes longer than the guide (a guard requires it above)


class SubmitTakeHome(Payload):
    submission: Text


class ScoreTakeHome(Payload):
    technical_choices: Rating
    assumptions: Rating
    edge_cases: Rating
    trade_offs: Rating
    maintainability: Rating
    operational_risk: Rating
    note: Text | None = None


class AdvanceToFinal(Payload):
    debrief_notes: Text


Minutes = Annotated[int, Field(ge=15, le=480, description="the interview's length in minutes")]


class RecordInterview(Payload):
    """A scorecard. The interviewer defaults to the scheduled one when the part was scheduled."""

    part: InterviewPart
    interviewer: Text | None = None
    score: Rating
    recommendation: Recommendation
    notes: Text


class ScheduleInterview(Payload):
    part: InterviewPart
    interviewer: Handle
    starts_at: AwareDatetime
    minutes: Minutes = 60


class RescheduleInterview(Payload):
    part: InterviewPart
    starts_at: AwareDatetime | None = None
    minutes: Minutes | None = None
    interviewer: Handle | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> "RescheduleInterview":
        if self.starts_at is None and self.minutes is None and self.interviewer is None:
            raise ValueError("name what changes: starts_at, minutes and/or interviewer")
        return self


class CancelInterview(Payload):
    part: InterviewPart
    reason: Text


class OfferTerms(Payload):
    """What the candidate can negotiate and what is settled (the playbook: say which is which up front)."""

    flexible: list[Text] = []  # e.g. start date, remote days, equity split
    fixed: list[Text] = []  # e.g. the band's top, the reporting line


class ChainStepRecord(Payload):
    # A directory handle; a step migrated from band_exception_approved_by keeps the name that was typed.
    approver: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Annotated[str, StringConstraints(pattern=r"^(hiring_manager|head_of_talent|finance|handle)$")]
    approved_before_chain: bool = False  # migration 0010: approved by name before approval chains existed


Label = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class MarketCheck(Payload):
    """Where the offer's base sits in the market data for the requisition's profile (states/market.py)."""

    bucket: Label
    median_bucket: Label
    below_median: bool
    as_of: Label


class OfferPackage(Payload):
    base_salary: Money
    currency: Currency
    equity: Text | None = None
    reporting_line: Text
    first_year_outcomes: Annotated[list[Text], Field(min_length=1)]
    # Optional: offers recorded before these existed have neither. Offer terms, but free text that may name
    # the candidate's work, so erasure scrubs them like the rest of the offer's wording.
    ownership: Text | None = None  # the boundaries of what the hire owns
    terms: OfferTerms | None = None
    start_date: Day
    # Set by the application, not by users: the approval steps the policy requires for this offer (resolved
    # to handles) and where its base sits in the market data.
    approval_chain: list[ChainStepRecord] = []
    market: MarketCheck | None = None
    band_exception_approved_by: Text | None = None  # replaced by the approval chain: refused

    @field_validator("band_exception_approved_by")
    @classmethod
    def _replaced(cls, value: str | None) -> None:
        raise ValueError(
            "is replaced by the offer approval chain: leave it out; an out-of-band offer waits for the approvers "
            "the policy's approval_chain names (approve_offer / reject_offer_approval)"
        )


class ApproveOffer(Payload):
    """An approver's decision on one step of the current offer's chain. `approver` defaults to the actor."""

    step: Annotated[int, Field(ge=1, le=20)]
    revision: Annotated[int, Field(ge=1)]  # the offer revision approved: a revised offer needs a new approval
    approver: Handle | None = None
    note: Text | None = None


class RejectOfferApproval(Payload):
    step: Annotated[int, Field(ge=1, le=20)]
    revision: Annotated[int, Field(ge=1)]
    approver: Handle | None = None
    reason: Text


class UpdateDetails(Payload):
    """The payload of an `update_details` event: a change to the candidate's own details, recorded outside
    the stage graph (like the creation event; hiring/candidate_details.py). Name and email are not stored
    here (erasure would have to find them): `changed` only names which details changed."""

    motivators: list[Motivator] | None = None  # the new set, when it changed ([] clears it)
    source: SourceChannel | None = None
    changed: list[CandidateDetail] = []


class HireDecision(StrEnum):
    HIRE = "hire"
    NO_HIRE = "no_hire"


class Decide(Payload):
    """The hiring manager's call after the final loop: `no_hire` rejects, `hire` starts the offer's preparation."""

    decision: HireDecision
    reason: Text


class AcceptOffer(Payload):
    start_date: Day


class Reason(Payload):
    reason: Text


class Reject(Payload):
    reason: RejectionReason
    note: Text


class Checkpoint30(Payload):
    """Day 30: the six access items, and the three outcomes the playbook expects of the first month."""

    access: dict[str, bool]  # an item still false opens an access_gap timer
    business_problem: Text  # the business problem, as the hire now understands it
    stack_and_data: Text  # what they have seen of the stack and of the data-quality realities
    first_deliverable: Text  # the first meaningful deliverable agreed with them

    @field_validator("access")
    @classmethod
    def _every_item(cls, value: dict[str, bool]) -> dict[str, bool]:
        return exact_keys(value, ACCESS_CHECKLIST, "the checklist has exactly these items")


class Observed(Payload):
    """One behaviour or trait as a manager saw it: a 1-4 rating and what it rests on."""

    rating: Rating
    note: Text


class Checkpoint60(Payload):
    """Day 60: the bounded project, and what the playbook says a manager should watch for."""

    project: Text
    status: Text
    clarifying_questions: Observed  # how the person asks clarifying questions
    escalates_blockers: Observed  # whether they escalate blockers early
    trade_offs: Observed  # how they reason about trade-offs with product and infrastructure peers


class Checkpoint90(Payload):
    shipped: Text
    bottlenecks: Text
    support_needed: Text
    contribution_rating: Rating  # the overall contribution so far; the outcome the hiring signals are set against


# An item of the day-30 checklist: a code (erasure leaves it), checked against ACCESS_CHECKLIST below.
AccessItem = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]


class AccessGranted(Payload):
    """Access items missing at day 30, now granted (an `access_gap` closes when none is missing)."""

    items: Annotated[list[AccessItem], Field(min_length=1)]
    note: Text | None = None

    @field_validator("items")
    @classmethod
    def _known_items(cls, value: list[str]) -> list[str]:
        unknown = [item for item in value if item not in ACCESS_CHECKLIST]
        if unknown:
            raise ValueError(f"unknown item(s) {', '.join(unknown)}; allowed: {', '.join(ACCESS_CHECKLIST)}")
        return list(dict.fromkeys(value))


class RetentionCheckin(Payload):
    """A retention check-in on the playbook's four traits of teams that keep AI engineers."""

    career_path: Observed  # a clear path for a senior IC without moving into management
    learning_time: Observed  # protected time to keep up with the field
    experimentation: Observed  # room to try ideas without a failed trial counting as waste
    cross_functional_credibility: Observed  # product and leadership understand the limits of the work


# The payload each trigger takes; complete_checkpoint's depends on which checkpoint is being completed.
PAYLOADS: dict[str, type[Payload]] = {
    "screen": Screen,
    "technical_screen": TechnicalScreen,
    "send_take_home": SendTakeHome,
    "submit_take_home": SubmitTakeHome,
    "score_take_home": ScoreTakeHome,
    "advance_to_final": AdvanceToFinal,
    "schedule_interview": ScheduleInterview,
    "reschedule_interview": RescheduleInterview,
    "cancel_interview": CancelInterview,
    "record_interview": RecordInterview,
    "decide": Decide,
    "make_offer": OfferPackage,
    "revise_offer": OfferPackage,
    "approve_offer": ApproveOffer,
    "reject_offer_approval": RejectOfferApproval,
    "accept_offer": AcceptOffer,
    "decline_offer": Reason,
    "reject": Reject,
    "withdraw": Reason,
    "depart": Reason,
    "hold": Reason,
    "resume": Reason,
    "reopen": Reason,
    "access_granted": AccessGranted,
    "retention_checkin": RetentionCheckin,
}
# Payload fields that name a person: the application refuses a handle missing from the people directory.
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "technical_screen": ("interviewer",),
    "schedule_interview": ("interviewer",),
    "reschedule_interview": ("interviewer",),
    "approve_offer": ("approver",),
    "reject_offer_approval": ("approver",),
}
CHECKPOINT_PAYLOADS: dict[Stage, type[Payload]] = {
    Stage.ONBOARDING_30: Checkpoint30,
    Stage.ONBOARDING_60: Checkpoint60,
    Stage.ONBOARDING_90: Checkpoint90,
}


def payload_model(trigger: str, stage: Stage) -> type[Payload]:
    if trigger == "complete_checkpoint":
        return CHECKPOINT_PAYLOADS.get(stage, Empty)
    return PAYLOADS.get(trigger, Empty)
