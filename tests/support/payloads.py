"""Valid minimal payloads for every trigger, and the paths that bring a candidate to each stage.

A plain module (not fixtures) so any test, hypothesis strategy or subprocess script can import it.
Times are passed in: nothing here reads the clock.
"""

from datetime import date, datetime, timedelta
from typing import Any

from states.candidate import Band, CandidateState, apply
from states.stages import Stage

BAND = Band(120_000, 150_000, "EUR")  # the band of the `open_requisition` fixture
INTERVIEW_PARTS = ("technical_calibration", "project_deep_dive", "system_design", "behavioral")
ACCESS_ITEMS = (
    "tooling",
    "credentials",
    "data_permissions",
    "documentation",
    "architecture_diagrams",
    "stakeholder_intros",
)


def screen() -> dict[str, Any]:
    return {
        "owned_delivery": 3,
        "operational_judgment": 4,
        "data_realism": 2,
        "cross_functional_range": 3,
        "note": "shipped an eval harness; owns on-call",
    }


INTERVIEWER = "dana"  # the `open_requisition` fixture puts dana in the people directory


def technical_screen(interviewer: str = INTERVIEWER, depth: int = 3, communication: int = 3) -> dict[str, Any]:
    return {
        "interviewer": interviewer,
        "depth": depth,
        "communication": communication,
        "matches_profile": True,
        "notes": "walked through the retrieval fallback they shipped",
    }


def send_take_home(at: datetime, days: int = 5, **fields: Any) -> dict[str, Any]:
    """An applied-AI take-home (the `open_requisition` fixture's profile); `fields` add or replace fields,
    e.g. expected_hours=4, hours_reason=..., role_profile=... ."""
    return {
        "title": "RAG triage service",
        "role_profile": "applied_ai_engineer",
        "due_at": (at + timedelta(days=days)).isoformat(),
        **fields,
    }


def templated_take_home(at: datetime, template: str = "rag_task", days: int = 5, **fields: Any) -> dict[str, Any]:
    """send_take_home naming a template of the requisition's kit: title, profile and hours come from it."""
    return {"template": template, "due_at": (at + timedelta(days=days)).isoformat(), **fields}


def submit_take_home() -> dict[str, Any]:
    return {"submission": "https://git.example.com/cand/take-home"}


def score_take_home() -> dict[str, Any]:
    return {
        "technical_choices": 3,
        "assumptions": 3,
        "edge_cases": 2,
        "trade_offs": 4,
        "maintainability": 3,
        "operational_risk": 3,
    }


def advance_to_final() -> dict[str, Any]:
    return {"debrief_notes": "defended the cache invalidation trade-off"}


def record_interview(
    part: str = "technical_calibration", score: int = 3, recommendation: str = "yes", interviewer: str | None = "dana"
) -> dict[str, Any]:
    out: dict[str, Any] = {"part": part, "score": score, "recommendation": recommendation, "notes": "solid"}
    if interviewer is not None:
        out["interviewer"] = interviewer
    return out


INTERVIEWERS = {  # one interviewer per part, as the people directory of tests/support has them
    "technical_calibration": "dana",
    "project_deep_dive": "omar",
    "system_design": "lena",
    "behavioral": "kofi",
}


def schedule_interview(
    part: str, starts_at: datetime, minutes: int = 60, interviewer: str | None = None
) -> dict[str, Any]:
    return {
        "part": part,
        "interviewer": interviewer or INTERVIEWERS[part],
        "starts_at": starts_at.isoformat(),
        "minutes": minutes,
    }


def reschedule_interview(part: str, starts_at: datetime, **changes: Any) -> dict[str, Any]:
    return {"part": part, "starts_at": starts_at.isoformat(), **changes}


def cancel_interview(part: str, reason_text: str = "interviewer off sick") -> dict[str, Any]:
    return {"part": part, "reason": reason_text}


def offer(base: int = 135_000, currency: str = "EUR", approved_by: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "base_salary": base,
        "currency": currency,
        "reporting_line": "head of ML platform",
        "first_year_outcomes": ["ship the eval pipeline"],
        "start_date": "2026-06-01",
        "ownership": "the evaluation pipeline end to end, and its on-call",
        "terms": {"flexible": ["start date", "remote days"], "fixed": ["base within the band"]},
    }
    if approved_by is not None:
        out["band_exception_approved_by"] = approved_by
    return out


def decide(decision: str = "hire", reason: str = "strong on every part of the loop") -> dict[str, Any]:
    return {"decision": decision, "reason": reason}


APPROVERS = ("hugo", "ava")  # the chain of an out-of-band offer by default: hiring manager, head of talent


def offer_with_chain(base: int = 160_000, approvers: tuple[str, ...] = APPROVERS) -> dict[str, Any]:
    """An offer as the application records it, with its approval chain (for the rules alone, no database)."""
    roles = ("hiring_manager", "head_of_talent", "finance")
    chain = [{"approver": a, "role": roles[i % 3]} for i, a in enumerate(approvers)]
    return {**offer(base), "approval_chain": chain}


def approve(
    step: int = 1, revision: int = 1, approver: str | None = "hugo", note: str = "fine by me"
) -> dict[str, Any]:
    out: dict[str, Any] = {"step": step, "revision": revision, "note": note}
    if approver is not None:
        out["approver"] = approver
    return out


def reject_approval(step: int = 1, revision: int = 1, approver: str | None = "hugo") -> dict[str, Any]:
    out: dict[str, Any] = {"step": step, "revision": revision, "reason": "above what we can justify"}
    if approver is not None:
        out["approver"] = approver
    return out


def accept_offer(start: date = date(2026, 6, 1)) -> dict[str, Any]:
    return {"start_date": start.isoformat()}


def reason(text: str = "candidate asked for a pause") -> dict[str, Any]:
    return {"reason": text}


def reject(why: str = "skills_gap") -> dict[str, Any]:
    return {"reason": why, "note": "no production experience with retrieval"}


def observed(rating: int = 3, note: str = "asked about the eval set before building") -> dict[str, Any]:
    return {"rating": rating, "note": note}


def checkpoint(stage: Stage | str, missing: tuple[str, ...] = (), contribution: int = 3) -> dict[str, Any]:
    """complete_checkpoint's payload depends on the checkpoint being completed (the current stage); `missing`
    names day-30 access items still not granted."""
    stage = Stage(stage)
    if stage is Stage.ONBOARDING_30:
        return {
            "access": {item: item not in missing for item in ACCESS_ITEMS},
            "business_problem": "support tickets take too long to route",
            "stack_and_data": "ticket labels are noisy before 2025",
            "first_deliverable": "eval dashboard",
        }
    if stage is Stage.ONBOARDING_60:
        return {
            "project": "retrieval quality",
            "status": "on track",
            "clarifying_questions": observed(),
            "escalates_blockers": observed(4, "flagged the GPU quota in week one"),
            "trade_offs": observed(3, "weighed latency against recall with the platform team"),
        }
    if stage is Stage.ONBOARDING_90:
        return {
            "shipped": "reranker in prod",
            "bottlenecks": "labeling",
            "support_needed": "a data engineer",
            "contribution_rating": contribution,
        }
    raise ValueError(f"no checkpoint to complete in {stage}")


def access_granted(*items: str) -> dict[str, Any]:
    return {"items": list(items or GAP), "note": "the platform team added the read role"}


def retention_checkin(rating: int = 3) -> dict[str, Any]:
    return {
        "career_path": observed(rating, "a staff IC track is written down"),
        "learning_time": observed(rating, "Friday afternoons kept free"),
        "experimentation": observed(rating, "failed trials are written up, not blamed"),
        "cross_functional_credibility": observed(rating, "product asks before promising dates"),
    }


GAP = ("architecture_diagrams",)  # the access item a test leaves missing at day 30
# A start date long before any instant the tests use: every checkpoint and check-in is already due.
LONG_AGO = timedelta(days=400)


def valid(trigger: str, stage: Stage | str, at: datetime, part: str = "technical_calibration") -> dict[str, Any]:
    """A valid payload for `trigger` fired from `stage` at time `at`."""
    builders = {
        "screen": screen,
        "technical_screen": technical_screen,
        "send_take_home": lambda: send_take_home(at),
        "submit_take_home": submit_take_home,
        "score_take_home": score_take_home,
        "advance_to_final": advance_to_final,
        "record_interview": lambda: record_interview(part, interviewer=INTERVIEWERS[part]),
        "schedule_interview": lambda: schedule_interview(part, at + timedelta(days=1)),
        "reschedule_interview": lambda: reschedule_interview(part, at + timedelta(days=2)),
        "cancel_interview": lambda: cancel_interview(part),
        "decide": decide,
        "approve_offer": approve,
        "reject_offer_approval": reject_approval,
        "make_offer": offer,
        "revise_offer": lambda: offer(140_000),
        "accept_offer": lambda: accept_offer((at - LONG_AGO).date()),
        "decline_offer": lambda: reason("accepted a competing offer"),
        "complete_checkpoint": lambda: checkpoint(stage),
        "reject": reject,
        "withdraw": lambda: reason("relocating"),
        "depart": lambda: reason("left for a startup"),
        "hold": reason,
        "resume": lambda: reason("back from holiday"),
        "reopen": lambda: reason("the rejection was a mistake"),
        "access_granted": access_granted,
        "retention_checkin": retention_checkin,
    }
    return builders[trigger]()


# The triggers (in order) that bring a new candidate from `sourced` to each stage.
_MAIN = [
    "screen",
    "technical_screen",
    "send_take_home",
    "submit_take_home",
    "score_take_home",
    "advance_to_final",
    *(["record_interview"] * 4),
    "make_offer",
    "accept_offer",
    "complete_checkpoint",
    "complete_checkpoint",
    "complete_checkpoint",
]
_STOPS = {
    Stage.SOURCED: 0,
    Stage.SCREENED: 2,  # screened with the technical screen recorded: ready for the take-home
    Stage.TAKE_HOME: 3,
    Stage.DEBRIEF: 5,
    Stage.FINAL: 6,
    Stage.OFFER: 11,
    Stage.ONBOARDING_30: 12,
    Stage.ONBOARDING_60: 13,
    Stage.ONBOARDING_90: 14,
    Stage.ONBOARDED: 15,
}


def path_to(stage: Stage | str) -> list[tuple[str, dict[str, Any] | None]]:
    """(trigger, payload-or-None) steps to reach `stage`; None means "build with valid() at apply time".

    record_interview steps carry their part so all four parts get recorded.
    """
    stage = Stage(stage)
    terminal = {
        Stage.REJECTED: "reject",
        Stage.WITHDRAWN: "withdraw",
        Stage.DECLINED: "decline_offer",
        Stage.DEPARTED: "depart",
    }
    if stage in terminal:
        base = path_to(
            Stage.ONBOARDING_30
            if stage is Stage.DEPARTED
            else Stage.OFFER
            if stage is Stage.DECLINED
            else Stage.SCREENED
        )
        return [*base, (terminal[stage], None)]
    steps: list[tuple[str, dict[str, Any] | None]] = []
    parts = iter(INTERVIEW_PARTS)
    for trigger in _MAIN[: _STOPS[stage]]:
        steps.append((trigger, record_interview(next(parts)) if trigger == "record_interview" else None))
    return steps


# The motivators test candidates have (the fourth interview part needs some, by default).
MOTIVATORS = ["remote", "team_quality"]


def start(at: datetime) -> CandidateState:
    """A new candidate's state, as its creation event leaves it: sourced, with MOTIVATORS known."""
    return CandidateState(last_event_at=at, motivators=frozenset(MOTIVATORS))


def state_at(stage: Stage | str, at: datetime, band: Band | None = BAND) -> CandidateState:
    """A pure CandidateState reached by applying path_to(stage) at time `at` (all events at `at`)."""
    state = start(at)
    for trigger, payload in path_to(stage):
        state = apply(state, trigger, payload or valid(trigger, state.stage, at), at, band).after
    return state


def requisition(**overrides: Any) -> dict[str, Any]:
    """A complete requisition document (what `hiring role add --file` reads); band 120000-150000 EUR."""
    doc: dict[str, Any] = {
        "title": "Applied AI Engineer, support automation",
        "role_profile": "applied_ai_engineer",
        "role_definition": {
            "business_problem": "support tickets take two days to triage",
            "system_to_build": "an LLM triage service with evals",
            "key_constraints": "EU data residency; p95 under 2 s",
            "collaborators": "support ops, data platform",
        },
        "job_description": {
            "business_context": "B2B SaaS, 40k tickets a month",
            "core_responsibilities": ["build the triage service", "own its evals"],
            "stack": ["python", "postgres", "vllm"],
            "success_criteria": "triage time under 2 hours by month 3",
            "decision_rights": "chooses models and retrieval design",
        },
        "engagement": "full_time",
        "salary_band": {"min": 120_000, "max": 150_000, "currency": "EUR"},
        "recruiter": "rita",
        "hiring_manager": "hugo",
    }
    doc.update(overrides)
    return doc


def new_candidate(requisition_id: int, n: int = 1, **overrides: Any) -> dict[str, Any]:
    """Fields of states.intake.NewCandidate for candidate number `n`."""
    return {
        "name": f"Candidate {n}",
        "email": f"candidate{n}@example.com",
        "requisition_id": requisition_id,
        "source": "employee_referral",
        "motivators": MOTIVATORS,
        **overrides,
    }
