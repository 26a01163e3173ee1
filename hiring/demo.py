"""`hiring demo`: a fresh demo database, a few simulated weeks of hiring, then the board.

What it does, in order:
1. builds a new SQLite database (in the temp folder unless `--db` says where; never the user's database);
2. adds and opens one requisition per role profile from `hiring/examples/requisitions/*.yaml`;
3. imports the candidates of `hiring/examples/candidates.csv`, some on day one, the rest over the weeks;
4. replays six and a half weeks of events, from START to END, in global chronological order through
   `hiring.service.apply_event`, each with `occurred_at` and `now` set to the simulated instant;
5. prints the board as it stands at END, and how to explore the database.

The simulation is deterministic: a seeded `random.Random` plans every candidate's path (who is screened,
who is rejected and why, interview scores, offers, start dates) from the CAST below. The clock advances
one simulated hour per tick; after each tick's events `on_tick` runs, which is where the SLA sweep and the
outbox dispatch plug in.
"""

import random
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hiring.errors import Conflict, InvalidInput
from hiring.terminal import line
from models.tables import Candidate, Event
from states.intake import NewCandidate
from states.kits import GUIDE_HOURS
from states.policy import DEFAULT_POLICY
from states.requisition import RequisitionSpec
from states.screen_bar import SIGNALS, check
from states.stages import TERMINAL, Stage
from states.vocabulary import ACCESS_CHECKLIST, InterviewPart, RejectionReason, RoleProfile

EXAMPLES = Path(__file__).parent / "examples"
REQUISITIONS = EXAMPLES / "requisitions"
CANDIDATES_CSV = EXAMPLES / "candidates.csv"
DEFAULT_NAME = "hiring-demo.db"

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday morning: the first candidates arrive
END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # a Friday evening, six and a half weeks later: "now"
TICK = timedelta(hours=1)
SEED = 20261005

DEMO_ACTOR = "hiring-demo"  # imports the candidates; also how a demo database is recognised
HEAD_OF_TALENT = "ava.chen"
# The demo's SLA policy: the defaults, with the head of talent at the top of the ladder.
DEMO_POLICY = DEFAULT_POLICY.model_copy(update={"head_of_talent": HEAD_OF_TALENT})
TAKE_HOME_PORTAL = "take-home-portal"

Tick = Callable[[Engine, datetime, Console], None]


def on_tick(engine: Engine, now: datetime, console: Console) -> None:
    """Called once per simulated hour, after that hour's events have been applied: the clock's work.

    Sweeps the SLA timers due at `now` (only when something is due: one indexed MIN query per tick), then
    dispatches the outbox through the console channel, which prints each notification.
    """
    from hiring.bootstrap import dispatch
    from hiring.sla import earliest_due, sweep

    due = earliest_due(engine)
    if due is None or due > now:
        return
    if sweep(engine, now, DEMO_POLICY):  # console rows only: the demo never messages real people
        stamp = f"{now:%a %d %b %H:%M}"
        dispatch(
            engine,
            now,
            console_write=lambda line: console.print(
                f"  {stamp} {line}", markup=False, highlight=False, soft_wrap=True
            ),
        )


# --- the cast -----------------------------------------------------------------------------------

# A candidate's path: the steps of the happy path, in order. A fate says how many of them happen.
PIPELINE = (
    "screen",
    "technical_screen",
    "send_take_home",
    "submit_take_home",
    "score_take_home",
    "advance_to_final",
    "record_interview",
    "record_interview",
    "record_interview",
    "record_interview",
    "make_offer",
    "accept_offer",
    "complete_checkpoint",
)
SCREENED, TECH_SCREENED, TAKE_HOME_SENT, SCORED, IN_FINAL, ALL_INTERVIEWS, OFFERED = 1, 2, 3, 5, 6, 10, 11


@dataclass(frozen=True)
class Fate:
    steps: int  # how many PIPELINE steps happen
    ending: str | None = None  # then: reject | withdraw | decline
    pace: str = "normal"  # fast | normal | slow: how long each step waits
    above_band: bool = False  # the offer needs a band exception
    revised: bool = False  # the offer is revised after a counter
    reopened: bool = False  # rejected by mistake after the screen, reopened the next morning
    overridden: bool = False  # below the screen bar on the resume; moved on with a reason
    hold_after: int | None = None  # put on hold after this many steps...
    resumes: bool = True  # ...and resumed about a week later (or left on hold)


FATES: dict[str, Fate] = {
    "waiting_for_screen": Fate(0),
    "rejected_on_cv": Fate(0, "reject"),
    "screened": Fate(SCREENED),
    "rejected_at_screen": Fate(TECH_SCREENED, "reject"),  # the technical screen shows the gap
    "paused_after_screen": Fate(SCREENED, hold_after=SCREENED, resumes=False),
    "take_home_out": Fate(TAKE_HOME_SENT),
    "withdrew_during_take_home": Fate(TAKE_HOME_SENT, "withdraw"),
    "take_home_submitted": Fate(TAKE_HOME_SENT + 1),
    "in_debrief": Fate(SCORED),
    "rejected_on_take_home": Fate(SCORED, "reject", overridden=True),
    "reopened_after_mistake": Fate(IN_FINAL + 1, reopened=True),
    "final_underway": Fate(IN_FINAL + 2),
    "paused_and_resumed": Fate(IN_FINAL + 3, hold_after=SCORED),
    "withdrew_during_final": Fate(IN_FINAL + 2, "withdraw"),
    "final_no_decision": Fate(ALL_INTERVIEWS, pace="slow"),  # the missed 48-hour decision window
    "rejected_after_final": Fate(ALL_INTERVIEWS, "reject"),
    "offer_out": Fate(OFFERED, pace="slow"),
    "offer_revised": Fate(OFFERED, revised=True),
    "declined": Fate(OFFERED, "decline"),
    "hired": Fate(OFFERED + 1),
    "hired_above_band": Fate(OFFERED + 1, above_band=True),
    "hired_first_month_done": Fate(OFFERED + 2, pace="fast"),
}

# Per role profile: the fates of its first six candidates (sourced on day one, handed out by the seed),
# then of the four who arrive later, in the order they arrive.
CAST: dict[RoleProfile, tuple[list[str], list[str]]] = {
    RoleProfile.APPLIED_AI_ENGINEER: (
        ["hired_first_month_done", "offer_revised", "rejected_after_final", "rejected_on_cv",
         "reopened_after_mistake", "withdrew_during_take_home"],
        ["take_home_out", "screened", "rejected_at_screen", "waiting_for_screen"],
    ),
    RoleProfile.ML_ENGINEER: (
        ["hired_first_month_done", "hired_above_band", "declined", "rejected_on_take_home",
         "rejected_on_cv", "final_no_decision"],
        ["withdrew_during_final", "take_home_submitted", "screened", "waiting_for_screen"],
    ),
    RoleProfile.AI_RESEARCHER: (
        ["hired", "declined", "final_underway", "paused_and_resumed", "rejected_on_take_home",
         "rejected_at_screen"],
        ["in_debrief", "paused_after_screen", "rejected_on_cv", "waiting_for_screen"],
    ),
    RoleProfile.DATA_ENGINEER_AI: (
        ["hired", "offer_out", "rejected_after_final", "final_underway", "rejected_on_cv",
         "rejected_at_screen"],
        ["in_debrief", "take_home_submitted", "take_home_out", "screened"],
    ),
}  # fmt: skip
LATE_ARRIVALS = (timedelta(weeks=1), timedelta(weeks=2), timedelta(weeks=3), timedelta(weeks=5))

# The final-round panel of each requisition (its hiring manager first) and who scores take-homes.
PANELS: dict[RoleProfile, list[str]] = {
    RoleProfile.APPLIED_AI_ENGINEER: ["dev.patel", "sofia.rossi", "kenji.watanabe", "amara.okafor"],
    RoleProfile.ML_ENGINEER: ["li.wei", "tomas.novak", "priya.raman", "ben.carter"],
    RoleProfile.AI_RESEARCHER: ["elena.petrova", "yusuf.demir", "hannah.schmidt", "tariq.aziz"],
    RoleProfile.DATA_ENGINEER_AI: ["carlos.mendes", "nadia.haddad", "oliver.grant", "mei.tanaka"],
}

# --- words ------------------------------------------------------------------------------------------

SCREEN_NOTES: dict[RoleProfile, tuple[list[str], list[str]]] = {
    RoleProfile.APPLIED_AI_ENGINEER: (
        [
            "Shipped a RAG assistant to 2,000 internal users and ran its evals; clear on latency budgets.",
            "Owned an LLM summarisation feature end to end, including the rollback when quality dipped.",
            "Built a prompt-regression suite in CI at a fintech; good instincts on cost per request.",
        ],
        [
            "Mostly prototypes and hackathon demos; no feature has carried production traffic yet.",
            "Strong on prompting, vague on how quality was measured or who used the result.",
        ],
    ),
    RoleProfile.ML_ENGINEER: (
        [
            "Ran the ranking retrain pipeline at a marketplace; caught a train/serve skew with a monitor.",
            "Moved fraud models from batch to real-time serving at p99 20 ms; on call for them two years.",
            "Built a feature store on Feast and owned its SLOs; talks about drift in concrete numbers.",
        ],
        [
            "Model work stops at the notebook; serving and monitoring were someone else's job.",
            "Good modelling background, little experience with data that arrives late or wrong.",
        ],
    ),
    RoleProfile.AI_RESEARCHER: (
        [
            "Two first-author papers on preference optimisation; ran ablations on a 7B model on a budget.",
            "Led an instruction-tuning effort that shipped; careful about evaluation contamination.",
            "Strong statistics; has reproduced three post-training papers and found one did not hold.",
        ],
        [
            "Research is strong but far from language models; would need a long ramp.",
            "Could not say how an experiment's result would change a production decision.",
        ],
    ),
    RoleProfile.DATA_ENGINEER_AI: (
        [
            "Built lineage from source tables to trained models at a health-tech; knows GDPR deletion well.",
            "Runs Airflow and dbt at scale; set up labeling QA with inter-annotator agreement tracking.",
            "Designed ingestion contracts for 30 sources; thoughtful about backfills and late data.",
        ],
        [
            "Warehouse reporting background; no exposure to ML training data or labeling.",
            "Prefers rebuilding pipelines from scratch to working within the existing stack.",
        ],
    ),
}
TAKE_HOMES: dict[RoleProfile, str] = {  # a shipped take-home template per profile (hiring/examples/kits)
    RoleProfile.APPLIED_AI_ENGINEER: "rag_task",
    RoleProfile.ML_ENGINEER: "inference_optimisation",
    RoleProfile.AI_RESEARCHER: "experiment_design",
    RoleProfile.DATA_ENGINEER_AI: "consistent_pipeline",
}
LONGER_TAKE_HOME = "the exercise includes preparing a small dataset of our own"
FIRST_YEAR: dict[RoleProfile, list[str]] = {
    RoleProfile.APPLIED_AI_ENGINEER: [
        "Support copilot in production for two ticket categories",
        "Evaluation gate in CI for every prompt and retrieval change",
        "Model spend under $0.04 per ticket",
    ],
    RoleProfile.ML_ENGINEER: [
        "Weekly ranking retrain without manual steps",
        "Shadow and canary releases with automatic rollback",
        "Train/serve skew alerts within one hour",
    ],
    RoleProfile.AI_RESEARCHER: [
        "A reproducible post-training recipe adopted by the applied team",
        "+5 points on the contract-reasoning evaluation",
    ],
    RoleProfile.DATA_ENGINEER_AI: [
        "Lineage from source to model for every training dataset",
        "Deletion requests propagated in under a week",
        "Labeling turnaround down to five days",
    ],
}
FIRST_DELIVERABLES: dict[RoleProfile, str] = {
    RoleProfile.APPLIED_AI_ENGINEER: "Golden set of 300 real tickets and a baseline evaluation of the copilot",
    RoleProfile.ML_ENGINEER: "Ranking training pipeline running end to end in staging",
    RoleProfile.AI_RESEARCHER: "Reproduction of the current production fine-tune from config",
    RoleProfile.DATA_ENGINEER_AI: "Ingestion contract and quality checks for the two largest sources",
}
REJECTIONS: dict[int, list[tuple[RejectionReason, str]]] = {
    0: [(RejectionReason.SKILLS_GAP, "CV shows no production ML or LLM work."),
        (RejectionReason.EXPERIENCE_LEVEL, "Two years of experience; the role needs someone to own a system."),
        (RejectionReason.LOCATION_OR_AUTHORIZATION, "Needs visa sponsorship we cannot offer for this role.")],
    TECH_SCREENED: [(RejectionReason.EXPERIENCE_LEVEL, "Screen confirmed no ownership of a production system."),
                    (RejectionReason.COMPENSATION_MISMATCH, "Expects a base well above the top of the band."),
                    (RejectionReason.COMMUNICATION, "Could not explain past work to a non-specialist.")],
    SCORED: [(RejectionReason.TAKE_HOME_QUALITY, "Take-home skipped evaluation and ignored the stated "
                                                 "constraints; debrief agreed not to proceed.")],
    ALL_INTERVIEWS: [(RejectionReason.INTERVIEW_PERFORMANCE, "System design stalled on failure modes; "
                                                             "panel split, hiring manager says no."),
                     (RejectionReason.COMMUNICATION, "Strong technically, but the panel could not follow "
                                                    "trade-offs through the deep dive.")],
}  # fmt: skip
SCREEN_OVERRIDE = "Referred by the platform lead, who worked with them on call; worth a technical screen."
TECH_SCREEN_NOTES = (
    "Walked through a system they run in production, including the incident that changed its design.",
    "Answers stayed at the level of tools; could not say what they would measure or why.",
)
DEBRIEF_NOTES = [
    "Panel agreed: strongest take-home this month; focus the final on system design.",
    "Solid take-home with one weak spot on operational risk; probe it in the deep dive.",
    "Good evaluation design; the hiring manager wants to see how they handle ambiguity.",
]
WITHDRAWALS = [
    "Accepted an offer elsewhere before our process finished.",
    "Staying with the current employer after a counter-offer.",
    "Relocation plans changed; no longer looking this quarter.",
]
DECLINES = [
    "Accepted a competing offer with a higher base and a signing bonus.",
    "Wants a fully remote role; our hybrid expectation was the deciding factor.",
]
INTERVIEW_NOTES: dict[InterviewPart, tuple[str, str]] = {
    InterviewPart.TECHNICAL_CALIBRATION: ("Fluent and precise on the fundamentals of the stack.",
                                          "Gaps on fundamentals that the role leans on daily."),
    InterviewPart.PROJECT_DEEP_DIVE: ("Owned the hard parts of the project and named what went wrong.",
                                      "Hard to separate the candidate's part from the team's."),
    InterviewPart.SYSTEM_DESIGN: ("Designed for failure first; sensible cost and latency trade-offs.",
                                  "Happy path only; did not get to monitoring or rollback."),
    InterviewPart.BEHAVIORAL: ("Examples of disagreeing and committing; gives credit to others.",
                               "Examples were generic; little evidence of cross-team work."),
}  # fmt: skip


# --- planning -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One planned event: applied through the service when the simulated clock reaches `at`."""

    at: datetime
    ref: str  # the candidate's external id
    trigger: str
    payload: dict[str, Any]
    actor: str


@dataclass
class Req:
    id: int
    spec: RequisitionSpec

    @property
    def profile(self) -> RoleProfile:
        assert self.spec.role_profile is not None
        return self.spec.role_profile


@dataclass
class Plan:
    arrivals: dict[datetime, list[NewCandidate]] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    fates: dict[str, str] = field(default_factory=dict)  # external id -> fate name


def _workday(d: datetime) -> datetime:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _later(rng: random.Random, t: datetime, days: tuple[int, int], pace: str) -> datetime:
    """A working-hours instant (09:00-17:55 UTC, Monday to Friday) some working days after `t`."""
    lo, hi = days
    n = lo if pace == "fast" else rng.randint(hi, hi + 1) if pace == "slow" else rng.randint(lo, hi)
    if n == 0:
        soon = t + timedelta(minutes=rng.randrange(30, 185, 5))
        if soon.hour < 18 and soon.date() == t.date():
            return soon
        n = 1
    d = t
    for _ in range(n):
        d = _workday(d + timedelta(days=1))
    return d.replace(hour=rng.randint(9, 17), minute=rng.randrange(0, 60, 5))


def _next_monday(d: datetime, weeks: int = 0) -> date:
    return (d + timedelta(days=7 - d.weekday() + 7 * weeks)).date()


def _ratings(rng: random.Random, names: tuple[str, ...] | list[str], strong: bool) -> dict[str, int]:
    return {name: rng.choice((3, 4, 4) if strong else (1, 2, 2, 3)) for name in names}


def plan(rng: random.Random, reqs: list[Req], people: list[NewCandidate]) -> Plan:
    """Every candidate's arrival and path, from the CAST; timings, scores and words from `rng`."""
    out = Plan()
    for req in reqs:
        mine = [p for p in people if p.requisition_id == req.id]
        early, late = CAST[req.profile]
        fates = rng.sample(early, len(early)) + list(late)
        if len(mine) > len(fates):
            fates += ["waiting_for_screen"] * (len(mine) - len(fates))
        for k, (person, fate_name) in enumerate(zip(mine, fates, strict=False)):
            arrive = START
            if k >= len(early):
                wait = LATE_ARRIVALS[min(k - len(early), len(LATE_ARRIVALS) - 1)]
                arrive = _workday(START + wait + timedelta(days=rng.randint(0, 2)))
                arrive = arrive.replace(hour=rng.randint(9, 16), minute=rng.randrange(0, 60, 5))
            out.arrivals.setdefault(arrive, []).append(person)
            ref = person.external_id or ""
            out.fates[ref] = fate_name
            out.steps += _path(rng, req, ref, arrive, FATES[fate_name])
    position = {id(p): i for i, p in enumerate(people)}
    for batch in out.arrivals.values():
        batch.sort(key=lambda p: position[id(p)])  # ids follow the file within one arrival
    out.steps = [s for s in out.steps if s.at <= END]
    return out


def _path(rng: random.Random, req: Req, ref: str, t: datetime, fate: Fate) -> list[Step]:
    """One candidate's events, in order, following `fate`, in working hours."""
    walk = _Walk(rng, req, ref, t, fate)
    for n, trigger in enumerate(PIPELINE[: fate.steps], start=1):
        _STEP_EVENTS[trigger](walk, n)
        walk.hold_after(n)
    walk.end()
    return walk.steps


class _Walk:
    """One candidate's walk down PIPELINE: the events written so far and what later steps need to know."""

    def __init__(self, rng: random.Random, req: Req, ref: str, t: datetime, fate: Fate) -> None:
        self.rng, self.req, self.ref, self.t, self.fate = rng, req, ref, t, fate
        self.profile, self.pace = req.profile, fate.pace
        self.recruiter = req.spec.recruiter or DEMO_ACTOR
        self.manager = req.spec.hiring_manager or DEMO_ACTOR
        self.panel = rng.sample(PANELS[self.profile], 4)
        # Where the candidate falls short, if they do: the stage they are rejected from.
        self.weak_at = fate.steps if fate.ending == "reject" else None
        self.steps: list[Step] = []
        self.offer: dict[str, Any] = {}
        self.interviews: list[datetime] = []  # the start of each part's interview, in InterviewPart order

    def add(
        self,
        trigger: str,
        payload: dict[str, Any],
        actor: str,
        days: tuple[int, int] = (0, 0),
        at: datetime | None = None,
    ) -> None:
        """The next event: `at`, or some working days (a range, scaled by the pace) after the last one."""
        self.t = at or _later(self.rng, self.t, days, self.pace)
        self.steps.append(Step(self.t, self.ref, trigger, payload, actor))

    def hold_after(self, n: int) -> None:
        if self.fate.hold_after != n:
            return
        if self.fate.resumes:
            self.add("hold", {"reason": "Candidate asked to pause for a week: moving house."}, self.recruiter, (1, 2))
            self.add("resume", {"reason": "Candidate is back and ready to schedule the final."}, self.recruiter, (5, 6))
        else:
            self.add(
                "hold",
                {"reason": "Candidate on parental leave until January; asked us to keep the process open."},
                self.recruiter,
                (1, 2),
            )

    def _cancel_open_interviews(self) -> None:
        """A candidate withdrawing from the final loop: the interviews still ahead are called off first."""
        recorded = sum(1 for s in self.steps if s.trigger == "record_interview")
        for part in list(InterviewPart)[recorded : len(self.interviews)]:
            reason = {"part": part.value, "reason": "The candidate is withdrawing; interview called off."}
            self.add("cancel_interview", reason, self.recruiter, (0, 0))

    def end(self) -> None:
        rng, ending = self.rng, self.fate.ending
        if ending == "reject":
            reason, note = rng.choice(REJECTIONS[self.fate.steps])
            self.add("reject", {"reason": reason.value, "note": note}, self.manager, (1, 2))
        elif ending == "withdraw":
            self._cancel_open_interviews()
            self.add("withdraw", {"reason": rng.choice(WITHDRAWALS)}, self.recruiter, (1, 3))
        elif ending == "decline":
            self.add("decline_offer", {"reason": rng.choice(DECLINES)}, self.recruiter, (2, 4))


def _screen(w: _Walk, _n: int) -> None:
    strong = w.weak_at != SCREENED and not w.fate.overridden
    strong_notes, weak_notes = SCREEN_NOTES[w.profile]
    note = w.rng.choice(strong_notes if strong else weak_notes)
    ratings = _ratings(w.rng, SIGNALS, strong)
    screen: dict[str, Any] = {**ratings, "note": note}
    if check(ratings, DEMO_POLICY.screen_bar):  # below the bar: the recruiter says why they go on anyway
        screen["override_reason"] = SCREEN_OVERRIDE
    w.add("screen", screen, w.recruiter, (1, 3))
    if w.fate.reopened:
        mistake = {"reason": RejectionReason.EXPERIENCE_LEVEL.value, "note": "Screen notes show no production work."}
        w.add("reject", mistake, w.manager, (0, 0))
        w.add(
            "reopen",
            {"reason": "Rejected in error: those screen notes were another candidate's; this screen was strong."},
            w.recruiter,
            (1, 1),
        )


def _technical_screen(w: _Walk, _n: int) -> None:
    """Held by one of the panel (in the people directory, see `_add_panels`)."""
    strong = w.weak_at != TECH_SCREENED
    good, bad = TECH_SCREEN_NOTES
    w.add(
        "technical_screen",
        {
            "interviewer": w.panel[0],
            "depth": w.rng.choice((3, 4)) if strong else w.rng.choice((1, 2)),
            "communication": w.rng.choice((3, 4)) if strong else 2,
            "matches_profile": strong,
            "notes": good if strong else bad,
        },
        w.panel[0],
        (1, 2),
    )


def _send_take_home(w: _Walk, _n: int) -> None:
    sent = _later(w.rng, w.t, (0, 1), w.pace)
    due = _workday(sent + timedelta(days=3 if w.pace == "fast" else 6)).replace(hour=17, minute=0)
    hours = w.rng.choice((3, 4))
    payload: dict[str, Any] = {"template": TAKE_HOMES[w.profile], "due_at": due.isoformat()}
    if hours > GUIDE_HOURS:
        payload |= {"expected_hours": hours, "hours_reason": LONGER_TAKE_HOME}
    w.add("send_take_home", payload, w.recruiter, at=sent)


def _submit_take_home(w: _Walk, _n: int) -> None:
    slug = w.ref.replace("gh-", "candidate-")
    w.add("submit_take_home", {"submission": f"https://git.example.com/{slug}/take-home"}, TAKE_HOME_PORTAL, (2, 4))


def _score_take_home(w: _Walk, _n: int) -> None:
    strong = w.weak_at != SCORED
    rubric = ("technical_choices", "assumptions", "edge_cases", "trade_offs", "maintainability", "operational_risk")
    note = (
        "Clear trade-offs, tested edge cases, honest about what it would not do."
        if strong
        else "Happy path only; no tests for the stated edge cases; assumptions unstated."
    )
    w.add("score_take_home", {**_ratings(w.rng, rubric, strong), "note": note}, w.panel[1], (1, 3))


def _advance_to_final(w: _Walk, _n: int) -> None:
    w.add("advance_to_final", {"debrief_notes": w.rng.choice(DEBRIEF_NOTES)}, w.manager, (1, 2))
    _schedule_loop(w)


INTERVIEW_MINUTES = 60


def _schedule_loop(w: _Walk) -> None:
    """The recruiter books the four interviews on one working day, 90 minutes apart; a slow candidate's
    behavioural interview moves to the next working day."""
    day = _later(w.rng, w.t, (2, 3), w.pace).replace(hour=10, minute=0)
    w.interviews = [day + timedelta(minutes=90 * i) for i in range(4)]
    for i, part in enumerate(InterviewPart):
        payload = {"part": part.value, "interviewer": w.panel[i], "starts_at": w.interviews[i].isoformat()}
        w.add("schedule_interview", {**payload, "minutes": INTERVIEW_MINUTES}, w.recruiter, (0, 0))
    if w.pace == "slow":
        w.interviews[3] = _workday(day + timedelta(days=1)).replace(hour=11)
        moved = {"part": InterviewPart.BEHAVIORAL.value, "starts_at": w.interviews[3].isoformat()}
        w.add("reschedule_interview", moved, w.recruiter, (0, 0))


def _filed_at(w: _Walk, i: int) -> datetime:
    """When part i's scorecard is filed: a few hours after the interview, or (a slow loop's system design)
    two days late, so that its scorecard timer escalates past the interviewer."""
    end = w.interviews[i] + timedelta(minutes=INTERVIEW_MINUTES)
    late = w.pace == "slow" and i == 2
    delay = timedelta(days=2, hours=3) if late else timedelta(minutes=w.rng.randrange(30, 300, 5))
    return max(end + delay, w.t + timedelta(minutes=5))


RECOMMENDATION_BY_SCORE = {1: "strong_no", 2: "no", 3: "yes", 4: "strong_yes"}


def _record_interview(w: _Walk, n: int) -> None:
    i = n - IN_FINAL - 1
    part = list(InterviewPart)[i]
    strong = w.weak_at != ALL_INTERVIEWS or part in (InterviewPart.TECHNICAL_CALIBRATION, InterviewPart.BEHAVIORAL)
    good, bad = INTERVIEW_NOTES[part]
    score = w.rng.choice((3, 4)) if strong else w.rng.choice((1, 2))
    w.add(
        "record_interview",
        {
            "part": part.value,
            "interviewer": w.panel[i],
            "score": score,
            "recommendation": RECOMMENDATION_BY_SCORE[score],
            "notes": good if strong else bad,
        },
        w.panel[i],
        at=_filed_at(w, i) if w.interviews else None,
        days=(2, 4) if i == 0 else (0, 1),
    )


def _make_offer(w: _Walk, _n: int) -> None:
    w.add("decide", {"decision": "hire", "reason": "Strong on all four parts; the panel agrees."}, w.manager, (0, 1))
    w.offer = _offer(w.rng, w.req, w.t, w.fate, w.manager)
    w.add("make_offer", w.offer, w.recruiter, (1, 2))
    if w.fate.above_band:  # the default chain: the hiring manager (late: escalated), then the head of talent
        step = {"step": 1, "revision": 1, "note": "Above the band, but the market for this profile pays it."}
        w.add("approve_offer", step, w.manager, (3, 4))
        w.add("approve_offer", {**step, "step": 2, "note": "Approved: keep it the exception."}, HEAD_OF_TALENT, (0, 1))
    if w.fate.revised:
        band = w.req.spec.salary_band
        top = band.max if band else w.offer["base_salary"]
        w.offer = {
            **w.offer,
            "base_salary": min(w.offer["base_salary"] + 10_000, top),
            "equity": "0.08% over four years, one-year cliff",
        }
        w.add("revise_offer", w.offer, w.recruiter, (2, 3))


def _accept_offer(w: _Walk, _n: int) -> None:
    w.add("accept_offer", {"start_date": w.offer["start_date"]}, w.recruiter, (1, 3))


def _complete_checkpoint(w: _Walk, _n: int) -> None:
    start = datetime.fromisoformat(w.offer["start_date"]).replace(tzinfo=UTC)
    day_30 = _workday(max(start + timedelta(days=30), w.t + timedelta(days=1))).replace(hour=10, minute=0)
    access = dict.fromkeys(ACCESS_CHECKLIST, True)
    access["architecture_diagrams"] = False  # the demo shows an access gap and its grant
    w.add(
        "complete_checkpoint",
        {
            "access": access,
            "business_problem": "the team's first-year outcomes, restated in the hire's own words",
            "stack_and_data": "walked the current stack; the data-quality gaps are written down",
            "first_deliverable": FIRST_DELIVERABLES[w.profile],
        },
        w.manager,
        at=day_30,
    )
    if not access["architecture_diagrams"]:  # the gap's timer runs until the platform team grants it
        w.add("access_granted", {"items": ["architecture_diagrams"], "note": "diagrams shared"}, w.manager, (1, 2))


# What each step of PIPELINE writes, in the order of PIPELINE.
_STEP_EVENTS: dict[str, Callable[[_Walk, int], None]] = {
    "screen": _screen,
    "technical_screen": _technical_screen,
    "send_take_home": _send_take_home,
    "submit_take_home": _submit_take_home,
    "score_take_home": _score_take_home,
    "advance_to_final": _advance_to_final,
    "record_interview": _record_interview,
    "make_offer": _make_offer,
    "accept_offer": _accept_offer,
    "complete_checkpoint": _complete_checkpoint,
}


def _offer(rng: random.Random, req: Req, t: datetime, fate: Fate, manager: str) -> dict[str, Any]:
    band = req.spec.salary_band
    assert band is not None
    base = round((band.min + (band.max - band.min) * rng.uniform(0.35, 0.85)) / 1000) * 1000
    offer: dict[str, Any] = {
        "base_salary": base,
        "currency": band.currency,
        "equity": "0.05% over four years, one-year cliff",
        "reporting_line": manager,
        "first_year_outcomes": FIRST_YEAR[req.profile],
        "ownership": f"what the first-year outcomes need, end to end, reporting to {manager}",
        "terms": {"flexible": ["start date", "remote days", "equity split"], "fixed": ["base within the band"]},
        "start_date": _next_monday(t, 0 if fate.pace == "fast" else rng.randint(1, 3)).isoformat(),
    }
    if fate.above_band:
        offer["base_salary"] = round(band.max * 1.08 / 5000) * 5000  # starts the approval chain
    return offer


# --- running ------------------------------------------------------------------------------------


def default_path() -> Path:
    return Path(tempfile.gettempdir()) / DEFAULT_NAME


def database_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def fresh_database(path: Path) -> None:
    """Delete a previous demo database at `path`; refuse to delete anything else."""
    if path.exists() and path.stat().st_size > 0 and not _is_demo_database(path):
        raise InvalidInput(
            f"{path} exists and is not a demo database; `hiring demo` rebuilds its database from scratch, "
            "so give it a new path with --db (or delete that file yourself)"
        )
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def _is_demo_database(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("SELECT 1 FROM event WHERE actor = ? LIMIT 1", (DEMO_ACTOR,)).fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _add_panels(engine: Engine) -> None:
    """The interviewers of every panel, in the people directory (schedule_interview and technical_screen refuse
    unknown handles)."""
    from hiring.people import add_person, parse_person

    for handle in sorted({h for panel in PANELS.values() for h in panel}):
        name = " ".join(part.title() for part in handle.split("."))
        try:
            add_person(engine, parse_person({"handle": handle, "name": name, "role": "interviewer"}))
        except Conflict:  # a screener of `_directory`
            continue


def _add_approvers(engine: Engine, specs: list[RequisitionSpec]) -> None:
    """The hiring managers and the head of talent: the default approval chain's two steps."""
    from hiring.people import add_person, parse_person

    holders = {(s.hiring_manager, "hiring_manager") for s in specs if s.hiring_manager}
    for handle, role in sorted(holders | {(HEAD_OF_TALENT, "head_of_talent")}):
        name = " ".join(part.title() for part in handle.split("."))
        try:
            add_person(engine, parse_person({"handle": handle, "name": name, "role": role}))
        except Conflict:
            continue


def load_requisitions(folder: Path = REQUISITIONS) -> list[RequisitionSpec]:
    from hiring.documents import load_yaml

    return [
        RequisitionSpec.model_validate(load_yaml(p.read_text(encoding="utf-8"), str(p)))
        for p in sorted(folder.glob("*.yaml"))
    ]


def read_candidates(path: Path = CANDIDATES_CSV) -> list[NewCandidate]:
    """The shipped CSV, checked row by row by the importer's own reader."""
    from hiring.importer import read_rows

    good, bad, _ = read_rows(path)
    bad += [(n, "the demo needs an external_id") for n, c in good if not c.external_id]
    if bad:
        raise InvalidInput(f"{path} has invalid rows: " + "; ".join(f"line {n}: {r}" for n, r in bad))
    return [c for _, c in good]


def run_demo(path: str | None, *, console: Console | None = None, tick: Tick | None = None) -> Path:
    """Build the demo database at `path` (default: hiring-demo.db in the temp folder); returns its path."""
    from hiring.board import render_board
    from hiring.queries import board
    from hiring.service import add_requisition, open_requisition
    from models.db import make_engine, upgrade

    if console is None:
        console = Console(highlight=False)  # as the CLI's own console (`hiring demo` passes that one)
    tick = tick or on_tick
    began = time.perf_counter()
    db = Path(path).expanduser().resolve() if path else default_path()
    fresh_database(db)
    url = database_url(db)
    engine = make_engine(url)
    try:
        upgrade(engine)
        specs = load_requisitions()
        reqs = []
        for spec in specs:
            req = add_requisition(engine, spec, now=START - timedelta(days=7))
            open_requisition(engine, req.id or 0, now=START - timedelta(days=4))
            reqs.append(Req(req.id or 0, spec))
        _add_panels(engine)
        _add_approvers(engine, specs)
        people = read_candidates()
        the_plan = plan(random.Random(SEED), reqs, people)
        console.print(
            f"[bold]hiring demo[/]: {len(reqs)} requisitions opened, {len(people)} candidates "
            f"from {CANDIDATES_CSV.name}"
        )
        console.print(f"simulating {START:%a %Y-%m-%d %H:%M} to {END:%a %Y-%m-%d %H:%M} UTC, one tick an hour")
        weeks = _simulate(engine, the_plan, console, tick)
        console.print()
        console.print(_weekly_table(weeks))
        console.print()
        render_board(console, board(engine, at=END))  # the board as of the simulated now
        _explain(console, engine, db, url, the_plan, time.perf_counter() - began)
    finally:
        engine.dispose()
    return db


def _simulate(engine: Engine, the_plan: Plan, console: Console, tick: Tick) -> list[tuple[datetime, Counter[str]]]:
    """Every simulated hour from START to END: the arrivals and events due, then the tick; the stage counts
    at the end of each week (and at the end)."""
    from hiring.service import add_candidates, apply_event

    steps = sorted(the_plan.steps, key=lambda s: s.at)  # stable: a candidate's own order is kept
    arrivals = sorted(the_plan.arrivals.items())
    weeks: list[tuple[datetime, Counter[str]]] = []
    events = 0
    now = START
    while now <= END:
        while arrivals and arrivals[0][0] <= now:
            at, batch = arrivals.pop(0)
            add_candidates(engine, batch, actor=DEMO_ACTOR, now=at, policy=DEMO_POLICY)
            events += len(batch)
        while steps and steps[0].at <= now:
            s = steps.pop(0)
            apply_event(
                engine, s.ref, s.trigger, s.payload, actor=s.actor, occurred_at=s.at, now=s.at, policy=DEMO_POLICY
            )
            events += 1
        tick(engine, now, console)
        if now == START + timedelta(weeks=len(weeks) + 1) or now == END:
            weeks.append((now, _stage_counts(engine)))
            console.print(_progress(len(weeks), now, events, weeks[-1][1]))
        now += TICK
    return weeks


def _stage_counts(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        rows = session.execute(select(col(Candidate.stage), func.count()).group_by(col(Candidate.stage))).all()
    return Counter({stage: n for stage, n in rows})


def _progress(week: int, now: datetime, events: int, counts: Counter[str]) -> str:
    label = f"week {week}" if now != END else "end   "
    active = sum(n for stage, n in counts.items() if Stage(stage) not in TERMINAL)
    closed = sum(counts.values()) - active
    return f"  {label}  {now:%a %d %b %H:%M}  {events:4d} events  {active:2d} active  {closed:2d} closed"


def _weekly_table(weeks: list[tuple[datetime, Counter[str]]]) -> Table:
    table = Table(
        "stage", *(f"{at:%d %b}" for at, _ in weeks), title="Candidates by stage, week by week", title_justify="left"
    )
    for stage in Stage:
        if any(counts[stage.value] for _, counts in weeks):
            table.add_row(stage.value, *(str(counts[stage.value] or "") for _, counts in weeks))
    for column in table.columns[1:]:
        column.justify = "right"
    return table


def _explain(console: Console, engine: Engine, db: Path, url: str, the_plan: Plan, seconds: float) -> None:
    with Session(engine) as session:
        ids = dict(session.execute(select(col(Candidate.external_id), col(Candidate.id))).all())
        events = session.execute(select(func.count()).select_from(Event)).scalar_one()
    by_fate = {fate: ids.get(ref) for ref, fate in the_plan.fates.items()}
    examples = [
        ("reopened_after_mistake", "rejected by mistake, reopened the next morning"),
        ("final_no_decision", "final round done, no decision for days (the rule: 48 h)"),
        ("hired_above_band", "offer above the band, approved by the head of talent"),
        ("paused_and_resumed", "put on hold for a week, then resumed"),
        ("hired_first_month_done", "hired; 30-day checkpoint done"),
    ]
    end = END.isoformat().replace("+00:00", "Z")
    console.print(line(("Demo database", "bold"), f" {db}"))
    console.print(f"  {events} events, built in {seconds:.1f} s; the simulated 'now' is {end}")
    console.print("Explore it (the demo never touches your own database):")
    console.print(line(f"  export HIRING_DATABASE_URL={url}"))
    console.print(f"  export HIRING_NOW={end}")
    console.print("  uv run hiring board")
    for fate, what in examples:
        if by_fate.get(fate):
            console.print(f"  uv run hiring history {by_fate[fate]:<3}  # {what}")
    console.print("  uv run hiring sla                 # open deadlines, overdue first, who is escalated next")
    console.print("  uv run hiring outbox              # every notification the sweeps wrote, and its status")
    console.print("  uv run hiring report --html report.html   # funnel, stalls, decision speed, sources")
