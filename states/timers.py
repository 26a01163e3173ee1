"""The timer table: every SLA timer kind with the stage it belongs to, when it opens and closes, its owner,
default duration and the action expected of the owner. The runtime (states/sla.py, policy defaults) and the
README's generated table (states/docs.py) both read it; tests/unit/test_rule_tables.py checks its "opens on" and
"closes on" prose against what `states.sla.plan` does for every trigger."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from states.durations import human
from states.facts import CandidateState, PolicyInEffect
from states.stages import Stage


class TimerKind(StrEnum):
    SCREEN_DECISION = "screen_decision"
    TECHNICAL_SCREEN = "technical_screen"
    TAKE_HOME_SENT = "take_home_sent"
    TAKE_HOME_SUBMISSION = "take_home_submission"
    TAKE_HOME_REVIEW = "take_home_review"
    DEBRIEF = "debrief"
    FINAL_LOOP = "final_loop"
    SCORECARD = "scorecard"  # one per scheduled interview: timer.subject is the part
    DECISION = "decision"
    OFFER_PREPARATION = "offer_preparation"
    OFFER_APPROVAL = "offer_approval"  # the pending step of the offer's chain: timer.subject is its number
    OFFER_RESPONSE = "offer_response"
    CHECKPOINT_30 = "checkpoint_30"
    CHECKPOINT_60 = "checkpoint_60"
    CHECKPOINT_90 = "checkpoint_90"
    ACCESS_GAP = "access_gap"
    RETENTION_CHECKIN = "retention_checkin"


class Role(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    HEAD_OF_TALENT = "head_of_talent"
    INTERVIEWER = "interviewer"  # the one person a timer of one interview waits on (timer.owner_handle)
    APPROVER = "approver"  # the approver of an offer's pending step (timer.owner_handle)


def _always(state: CandidateState, in_effect: PolicyInEffect) -> bool:
    return True


def _screen_first(state: CandidateState, in_effect: PolicyInEffect) -> bool:
    """In screened, the technical screen is the clock until it is recorded (unless the policy turns it off)."""
    return in_effect.technical_screen_required and not state.technical_screen_done


@dataclass(frozen=True)
class TimerSpec:
    """One timer kind. Entering `stage` opens it when `opens_on_entry(state, in_effect)` holds for the state
    entered with and the policy in effect (a stage has one such timer per state); leaving `stage` closes it.
    Triggers that open or close it inside the stage say so on their row of states.graph.TRANSITIONS."""

    stage: Stage
    owner: Role
    duration: timedelta  # the default; a policy file overrides it
    action: str  # what the owner is expected to do
    opens_on: str  # for the README
    closes_on: str
    due: str | None = None  # the README's "due" when it is not the duration
    opens_on_entry: Callable[[CandidateState, PolicyInEffect], bool] = _always
    checkpoint_days: int | None = None  # due at 09:00 this many days after the start date, when there is one
    per_interview: bool = False  # one timer per scheduled interview (timer.subject = the part)
    outlives_stage: bool = False  # leaving `stage` does not close it (only its own triggers and depart do)
    retention: bool = False  # due at 09:00 on the next retention check-in day after the start date

    @property
    def due_text(self) -> str:
        return self.due or human(self.duration)


K, S, R = TimerKind, Stage, Role
TIMERS: dict[TimerKind, TimerSpec] = {
    K.SCREEN_DECISION: TimerSpec(S.SOURCED, R.RECRUITER, timedelta(days=5),
                                 "screen the resume: advance (screen) or reject",
                                 "entering sourced", "leaving sourced"),
    K.TECHNICAL_SCREEN: TimerSpec(S.SCREENED, R.RECRUITER, timedelta(days=3),
                                  "hold the short technical screen and record it (technical_screen)",
                                  "entering screened, unless the policy turns the requirement off",
                                  "technical_screen or leaving screened", opens_on_entry=_screen_first),
    K.TAKE_HOME_SENT: TimerSpec(S.SCREENED, R.RECRUITER, timedelta(days=2), "send the take-home assignment",
                                "technical_screen, or entering screened after it or with the requirement off",
                                "leaving screened", opens_on_entry=lambda s, e: not _screen_first(s, e)),
    K.TAKE_HOME_SUBMISSION: TimerSpec(S.TAKE_HOME, R.RECRUITER, timedelta(days=5),
                                      "chase the candidate's take-home submission",
                                      "send_take_home, or reopen before submission",
                                      "submit_take_home or leaving take_home",
                                      due="the assignment's due_at",
                                      opens_on_entry=lambda s, e: not s.take_home_submitted),
    K.TAKE_HOME_REVIEW: TimerSpec(S.TAKE_HOME, R.HIRING_MANAGER, timedelta(days=3), "review and score the take-home",
                                  "submit_take_home, or reopen after it", "leaving take_home",
                                  opens_on_entry=lambda s, e: s.take_home_submitted),
    K.DEBRIEF: TimerSpec(S.DEBRIEF, R.RECRUITER, timedelta(days=5),
                         "hold the debrief and advance to the final loop or reject",
                         "entering debrief", "leaving debrief"),
    K.FINAL_LOOP: TimerSpec(S.FINAL, R.RECRUITER, timedelta(days=10), "complete all four final-interview parts",
                            "entering final", "fourth interview part recorded, or leaving final",
                            opens_on_entry=lambda s, e: not s.parts_complete),
    K.SCORECARD: TimerSpec(S.FINAL, R.INTERVIEWER, timedelta(hours=24),
                           "file the scorecard of your interview (record_interview with a recommendation)",
                           "schedule_interview (restarted by reschedule_interview), or reopen while the "
                           "part's scorecard is missing",
                           "the part's record_interview, cancel_interview, or leaving final",
                           due="interview end + 24h (from the reopen, if later)",
                           opens_on_entry=lambda s, e: bool(s.scorecards_missing), per_interview=True),
    K.DECISION: TimerSpec(S.FINAL, R.HIRING_MANAGER, timedelta(hours=48),
                          "make the hire/no-hire call: decide (or make_offer / reject)",
                          "fourth interview part recorded, or every part scheduled (schedule_interview; "
                          "restarted by reschedule_interview when the last end moves), or reopen after it",
                          "decide, cancel_interview, or leaving final",
                          due="48h from the last interview's end (from the fourth scorecard when none was "
                          "scheduled; from the reopen, if later)",
                          opens_on_entry=lambda s, e: s.loop_arranged),
    K.OFFER_PREPARATION: TimerSpec(S.FINAL, R.RECRUITER, timedelta(hours=48),
                                   "prepare the decided offer and make it (make_offer)",
                                   "decide (hire)", "leaving final", opens_on_entry=lambda s, e: s.hire_decided),
    K.OFFER_APPROVAL: TimerSpec(S.OFFER, R.APPROVER, timedelta(hours=48),
                                "approve or reject your step of the offer's approval chain "
                                "(approve_offer / reject_offer_approval)",
                                "entering offer with a step pending (make_offer, reopen), approve_offer for the "
                                "next step, or revise_offer changing the approved terms",
                                "approve_offer, reject_offer_approval, or leaving offer "
                                "(superseded by a revision of the approved terms)",
                                opens_on_entry=lambda s, e: s.offer.pending is not None),
    K.OFFER_RESPONSE: TimerSpec(S.OFFER, R.RECRUITER, timedelta(days=7), "get the candidate's answer to the offer",
                                "entering offer with its approval chain complete (make_offer, reopen), the last "
                                "approve_offer, or revise_offer (restarted)",
                                "revise_offer sending it back for approval, or leaving offer",
                                opens_on_entry=lambda s, e: s.offer.extended),
    K.CHECKPOINT_30: TimerSpec(S.ONBOARDING_30, R.HIRING_MANAGER, timedelta(days=30),
                               "complete the 30-day onboarding checkpoint",
                               "accept_offer", "complete_checkpoint, depart", due="start date + 30d",
                               checkpoint_days=30),
    K.CHECKPOINT_60: TimerSpec(S.ONBOARDING_60, R.HIRING_MANAGER, timedelta(days=60),
                               "complete the 60-day onboarding checkpoint",
                               "checkpoint 30 completed", "complete_checkpoint, depart", due="start date + 60d",
                               checkpoint_days=60),
    K.CHECKPOINT_90: TimerSpec(S.ONBOARDING_90, R.HIRING_MANAGER, timedelta(days=90),
                               "complete the 90-day onboarding checkpoint",
                               "checkpoint 60 completed", "complete_checkpoint, depart", due="start date + 90d",
                               checkpoint_days=90),
    K.ACCESS_GAP: TimerSpec(S.ONBOARDING_30, R.HIRING_MANAGER, timedelta(days=5),
                            "grant the day-30 access items still missing (access_granted)",
                            "complete_checkpoint with an access item still false",
                            "access_granted of the last missing item; cancelled when the hire departs",
                            opens_on_entry=lambda s, e: bool(s.access_missing), outlives_stage=True),
    K.RETENTION_CHECKIN: TimerSpec(S.ONBOARDED, R.HIRING_MANAGER, timedelta(days=180),
                                   "hold the retention check-in on the four traits (retention_checkin)",
                                   "entering onboarded; the next one on retention_checkin",
                                   "retention_checkin, depart", due="start date + 180d, then 365d (policy)",
                                   opens_on_entry=lambda s, e: s.retention_checkins < len(e.retention_checkin_days),
                                   retention=True),
}  # fmt: skip


def stage_timers(stage: Stage) -> tuple[TimerKind, ...]:
    """The timers that belong to `stage`: leaving it closes whichever of them is open (entering it may open
    them). A timer that outlives its stage is opened and closed by triggers only."""
    return tuple(kind for kind, spec in TIMERS.items() if spec.stage == stage and not spec.outlives_stage)


def opening_on_entry(stage: Stage, state: CandidateState, in_effect: PolicyInEffect) -> tuple[TimerKind, ...]:
    """The timers entering `stage` with `state` opens, under the policy in effect."""
    return tuple(kind for kind in stage_timers(stage) if TIMERS[kind].opens_on_entry(state, in_effect))
