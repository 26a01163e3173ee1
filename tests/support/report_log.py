"""The fixed event log of the report tests (its candidates, events and hand-computed numbers are described in
tests/integration/test_reports.py), built by `build_log`; the fixtures that load it are in
tests/integration/conftest.py."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from hiring import service
from models.db import transaction
from models.tables import Escalation, Timer
from states.intake import NewCandidate
from states.policy import DEFAULT_POLICY
from states.requisition import RequisitionSpec
from tests.support import payloads
from tests.support.db import add_interviewer
from tests.support.instants import T0

NOW = T0 + timedelta(hours=300)
TC, PDD, SD, BEH = payloads.INTERVIEW_PARTS


def _scores(*values: int) -> dict[str, Any]:
    items = ("technical_choices", "assumptions", "edge_cases", "trade_offs", "maintainability", "operational_risk")
    return dict(zip(items, values, strict=True))


def _parts(*steps: tuple[float, str, int]) -> list[tuple[float, str, dict[str, Any]]]:
    return [(h, "record_interview", payloads.record_interview(part, score)) for h, part, score in steps]


OVERRIDE = "the platform lead vouches for their on-call work"  # C's screen is below the bar


def _below_bar() -> dict[str, Any]:
    return {**payloads.screen(), "owned_delivery": 1, "data_realism": 2, "override_reason": OVERRIDE}


def _to_final(
    screen: float, tech: float, send: float, submit: float, score: float, scores: dict[str, Any], final: float
) -> list[tuple[float, str, dict[str, Any] | None]]:
    return [
        (screen, "screen", None),
        (tech, "technical_screen", None),
        (send, "send_take_home", None),
        (submit, "submit_take_home", None),
        (score, "score_take_home", scores),
        (final, "advance_to_final", None),
    ]


LOG: dict[str, tuple[int, str, list[tuple[float, str, dict[str, Any] | None]]]] = {
    "A": (1, "employee_referral", [
        *_to_final(24, 28, 30, 100, 120, _scores(3, 3, 2, 4, 3, 3), 130),
        *_parts((140, TC, 3), (150, PDD, 4), (160, SD, 3), (170, BEH, 4)),
        (194, "make_offer", payloads.offer(135_000)),
        (200, "accept_offer", payloads.accept_offer(date(2026, 2, 12))),
        (250, "complete_checkpoint", payloads.checkpoint("onboarding_30")),
        (280, "depart", payloads.reason("left for a startup")),
    ]),
    "B": (1, "inbound", [
        (10, "screen", None), (20, "reject", payloads.reject("skills_gap")),
        (30, "reopen", payloads.reason("the rejection was a mistake")),
        (38, "technical_screen", None), (40, "send_take_home", None), (90, "submit_take_home", None),
        (100, "score_take_home", _scores(*[4] * 6)),
        (110, "advance_to_final", None),
        *_parts((120, TC, 2), (130, PDD, 2), (140, SD, 3), (150, BEH, 1)),
        (210, "reject", payloads.reject("interview_performance")),
    ]),
    "C": (1, "employee_referral", [(48, "screen", _below_bar()), (72, "withdraw", payloads.reason("relocating"))]),
    "D": (1, "inbound", []),
    "E": (1, "employee_referral", [
        *_to_final(12, 16, 20, 60, 140, _scores(*[2] * 6), 150),
        *_parts((160, TC, 3), (161, PDD, 3), (162, SD, 3), (163, BEH, 3)),
        (203, "make_offer", payloads.offer(160_000)),  # outside the band: hugo, then ava.chen approve
        (204, "approve_offer", payloads.approve(1, 1, "hugo")),
        (206, "approve_offer", payloads.approve(2, 1, "ava.chen")),
        (210, "decline_offer", payloads.reason("accepted a competing offer")),
    ]),
    "F": (2, "conference", [(5, "reject", payloads.reject("experience_level"))]),
    "G": (2, "conference", [
        *_to_final(10, 10.5, 11, 20, 30, _scores(*[3] * 6), 40),
        *_parts((50, TC, 2), (51, TC, 4), (52, PDD, 4), (55, SD, 4), (60, BEH, 4)),
        (100, "hold", payloads.reason()), (124, "resume", payloads.reason("back from holiday")),
    ]),
}  # fmt: skip
# Free text typed into the log: it must never reach a Prefect artifact.
FREE_TEXT = (
    "left for a startup",
    "relocating",
    "accepted a competing offer",
    "no production experience",
    "candidate asked for a pause",
    "back from holiday",
    OVERRIDE,
    "walked through the retrieval fallback",
)


POLICY = DEFAULT_POLICY.model_copy(update={"head_of_talent": "ava.chen"})  # the default chain's second step
PROFILES = {1: "applied_ai_engineer", 2: "ml_engineer"}  # of the two requisitions build_log adds


def build_log(engine: Engine) -> dict[str, int]:
    """Two requisitions, the seven candidates above and their events, and three escalations; returns ids by letter."""
    add_interviewer(engine)
    for handle in ("hugo", "ava.chen"):
        add_interviewer(engine, handle)
    reqs = {}
    for n, doc in (
        (1, payloads.requisition()),
        (2, payloads.requisition(title="ML Engineer, ranking", role_profile="ml_engineer", hiring_manager="mia")),
    ):
        req = service.add_requisition(engine, RequisitionSpec.model_validate(doc), now=T0)
        service.open_requisition(engine, req.id or 0, now=T0)
        reqs[n] = req.id
    ids = {}
    for i, (letter, (req, source, _)) in enumerate(LOG.items(), 1):
        person = NewCandidate.model_validate(payloads.new_candidate(reqs[req], i, source=source))
        [ids[letter]] = service.add_candidates(engine, [person], actor="test", now=T0)
    steps = sorted(
        (h, letter, trigger, payload) for letter, (_, _, events) in LOG.items() for h, trigger, payload in events
    )
    for hours, letter, trigger, payload in steps:
        at = T0 + timedelta(hours=hours)
        if payload is None:
            payload = payloads.valid(trigger, "sourced", at)
            if trigger == "send_take_home":  # a take-home for the requisition's own profile
                payload["role_profile"] = PROFILES[LOG[letter][0]]
        service.apply_event(engine, ids[letter], trigger, payload, actor="test", occurred_at=at, now=at, policy=POLICY)
    _escalations(engine, ids)
    return ids


def _escalations(engine: Engine, ids: dict[str, int]) -> None:
    """Escalation rows as the sweep writes them (lateness = fired - scheduled), with chosen latenesses."""
    with transaction(engine) as session:

        def timer_id(letter: str, kind: str) -> int:
            return session.execute(
                select(Timer.id).where(Timer.candidate_id == ids[letter], Timer.kind == kind)
            ).scalar_one()

        for letter, kind, level, late in (
            ("G", "decision", "reminder", 60),
            ("G", "decision", "level_1", 120),
            ("D", "screen_decision", "level_1", 30),
        ):
            at = NOW - timedelta(hours=1)
            session.add(
                Escalation(
                    timer_id=timer_id(letter, kind),
                    candidate_id=ids[letter],
                    level=level,
                    audience_role="recruiter",
                    recipient="rita",
                    scheduled_at=at - timedelta(seconds=late),
                    fired_at=at,
                    lateness_seconds=late,
                )
            )
