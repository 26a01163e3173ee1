"""The stage graph and its guards, through states.candidate.apply only: no database."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from states import graph
from states.candidate import Band, CandidateState, OutOfOrder, apply, replay
from states.errors import GuardRefused, InvalidPayload, TriggerNotAllowed, UnknownTrigger
from states.facts import ApprovalStep, Interview, OfferChain
from states.stages import Stage
from tests.support import payloads
from tests.support.instants import T0
from tests.support.payloads import BAND, INTERVIEW_PARTS, state_at, valid

T = T0
LATER = T + timedelta(hours=1)
S = Stage
BEFORE_ACCEPTANCE = [S.SOURCED, S.SCREENED, S.TAKE_HOME, S.DEBRIEF, S.FINAL, S.OFFER]
ONBOARDING = [S.ONBOARDING_30, S.ONBOARDING_60, S.ONBOARDING_90]
ACTIVE = [*BEFORE_ACCEPTANCE, *ONBOARDING]
NON_TERMINAL_DEAD_ENDS = [S.DECLINED, S.DEPARTED]  # terminal, and not reopenable

# The issue's table, written out independently of states/graph.py: (trigger, from, to).
EXPECTED: list[tuple[str, Stage, Stage]] = [
    ("screen", S.SOURCED, S.SCREENED),
    ("technical_screen", S.SCREENED, S.SCREENED),
    ("send_take_home", S.SCREENED, S.TAKE_HOME),
    ("submit_take_home", S.TAKE_HOME, S.TAKE_HOME),
    ("score_take_home", S.TAKE_HOME, S.DEBRIEF),
    ("advance_to_final", S.DEBRIEF, S.FINAL),
    ("schedule_interview", S.FINAL, S.FINAL),
    ("reschedule_interview", S.FINAL, S.FINAL),
    ("cancel_interview", S.FINAL, S.FINAL),
    ("record_interview", S.FINAL, S.FINAL),
    ("decide", S.FINAL, S.FINAL),  # hire; no_hire goes to rejected (tests/unit/test_approvals.py)
    ("make_offer", S.FINAL, S.OFFER),
    ("revise_offer", S.OFFER, S.OFFER),
    ("approve_offer", S.OFFER, S.OFFER),  # inside offer: the approval chain (tests/unit/test_approvals.py)
    ("reject_offer_approval", S.OFFER, S.OFFER),
    ("accept_offer", S.OFFER, S.ONBOARDING_30),
    ("decline_offer", S.OFFER, S.DECLINED),
    ("complete_checkpoint", S.ONBOARDING_30, S.ONBOARDING_60),
    ("complete_checkpoint", S.ONBOARDING_60, S.ONBOARDING_90),
    ("complete_checkpoint", S.ONBOARDING_90, S.ONBOARDED),
    *(("reject", s, S.REJECTED) for s in BEFORE_ACCEPTANCE),
    *(("withdraw", s, S.WITHDRAWN) for s in BEFORE_ACCEPTANCE),
    *(("depart", s, S.DEPARTED) for s in (*ONBOARDING, S.ONBOARDED)),
    *(("access_granted", s, s) for s in (S.ONBOARDING_60, S.ONBOARDING_90, S.ONBOARDED)),
    ("retention_checkin", S.ONBOARDED, S.ONBOARDED),
    *(("hold", s, s) for s in ACTIVE),
    *(("resume", s, s) for s in ACTIVE),
]


def at_stage(stage: Stage, **facts: object) -> CandidateState:
    """A state in `stage` with the facts the trigger under test needs (guards are tested separately)."""
    defaults: dict[str, object] = {"last_event_at": T, "motivators": frozenset(payloads.MOTIVATORS)}
    if stage is S.FINAL:
        defaults["interview_parts"] = frozenset(INTERVIEW_PARTS)
    if facts.pop("scheduled", False):  # technical_calibration scheduled, not yet recorded
        defaults["interview_parts"] = frozenset(INTERVIEW_PARTS[1:])
        defaults["interviews"] = {INTERVIEW_PARTS[0]: Interview("dana", LATER + timedelta(days=1), 60)}
    if stage is S.TAKE_HOME:
        defaults["take_home_submitted"] = True
    if stage is S.SCREENED:
        defaults["technical_screen_done"] = True
    return CandidateState(stage=stage, **{**defaults, **facts})  # type: ignore[arg-type]


def fire(
    state: CandidateState, trigger: str, payload: dict | None = None, when: datetime = LATER, band: Band | None = BAND
):
    """Apply `trigger` with `payload`, or with a valid one for the state's stage when None."""
    body = valid(trigger, state.stage, when) if payload is None else payload
    return apply(state, trigger, body, when, band)


@pytest.mark.parametrize(("trigger", "source", "dest"), EXPECTED, ids=[f"{t}-{s}" for t, s, _ in EXPECTED])
def test_every_trigger_moves_from_its_source_to_its_dest(trigger: str, source: Stage, dest: Stage) -> None:
    scheduled = trigger in ("schedule_interview", "reschedule_interview", "cancel_interview")
    state = at_stage(source, on_hold=trigger == "resume", scheduled=scheduled)
    if trigger == "schedule_interview":
        state = replace(state, interviews={})
    if trigger == "access_granted":
        state = replace(state, access_missing=frozenset(payloads.GAP))
    if trigger in ("approve_offer", "reject_offer_approval"):  # an offer waiting for hugo's approval
        state = replace(state, offer=OfferChain(1, (160_000, "EUR", None), (ApprovalStep("hugo", "hiring_manager"),)))
    applied = fire(state, trigger)
    assert (applied.source, applied.dest, applied.after.stage) == (source, dest, dest)
    assert applied.moved is (source != dest)
    assert applied.after.last_event_at == LATER


@pytest.mark.parametrize("left", BEFORE_ACCEPTANCE)
@pytest.mark.parametrize("out", ["reject", "withdraw"])
def test_reopen_returns_to_the_stage_left(left: Stage, out: str) -> None:
    state = state_at(left, T)
    gone = fire(state, out).after
    assert gone.stage is (S.REJECTED if out == "reject" else S.WITHDRAWN)
    back = fire(gone, "reopen", when=LATER + timedelta(days=3)).after
    assert back.stage is left
    assert back.returns_to is None
    # What the candidate had done in that stage is still there.
    assert back.take_home_submitted == state.take_home_submitted
    assert back.interview_parts == state.interview_parts


def test_reopen_twice_in_a_row_is_refused_and_a_second_rejection_remembers_the_new_stage() -> None:
    back = fire(fire(state_at(S.DEBRIEF, T), "reject").after, "reopen").after
    with pytest.raises(TriggerNotAllowed):
        fire(back, "reopen")
    moved = fire(back, "advance_to_final").after
    again = fire(fire(moved, "withdraw").after, "reopen").after
    assert again.stage is S.FINAL


def test_the_graph_has_exactly_the_issues_edges() -> None:
    """No edge missing and no extra one: compared stage by stage against the table above."""
    for stage in Stage:
        expected = {t for t, s, _ in EXPECTED if s is stage and t != "resume"}
        if stage in (S.REJECTED, S.WITHDRAWN):
            expected.add("reopen")
        assert set(graph.triggers_from(stage)) == expected, stage
        on_hold = {t for t in expected if t in {"reject", "withdraw", "depart"}}
        if stage in ACTIVE:
            on_hold.add("resume")
        assert set(graph.triggers_from(stage, on_hold=True)) == on_hold, stage


# --- guards -------------------------------------------------------------------------------------


def test_score_before_submission_is_refused() -> None:
    state = state_at(S.TAKE_HOME, T)
    assert not state.take_home_submitted
    with pytest.raises(GuardRefused) as err:
        fire(state, "score_take_home")
    assert "submit_take_home" in str(err.value)
    submitted = fire(state, "submit_take_home").after
    assert fire(submitted, "score_take_home").dest is S.DEBRIEF


@pytest.mark.parametrize("recorded", range(4))
def test_make_offer_needs_all_four_interview_parts(recorded: int) -> None:
    state = at_stage(S.FINAL, interview_parts=frozenset(INTERVIEW_PARTS[:recorded]))
    with pytest.raises(GuardRefused) as err:
        fire(state, "make_offer")
    for part in INTERVIEW_PARTS[recorded:]:
        assert part in str(err.value)
    for part in INTERVIEW_PARTS[:recorded]:
        assert part not in str(err.value)


def test_recording_the_same_part_twice_does_not_count_as_two_parts() -> None:
    state = at_stage(S.FINAL, interview_parts=frozenset())
    for part in ("technical_calibration", "technical_calibration", "system_design", "behavioral"):
        state = fire(state, "record_interview", payloads.record_interview(part)).after
    assert state.interview_parts == {"technical_calibration", "system_design", "behavioral"}
    with pytest.raises(GuardRefused, match="project_deep_dive"):
        fire(state, "make_offer")
    state = fire(state, "record_interview", payloads.record_interview("project_deep_dive")).after
    assert fire(state, "make_offer").dest is S.OFFER


@pytest.mark.parametrize("trigger", ["make_offer", "revise_offer"])
def test_band_exception_approved_by_is_refused_for_the_approval_chain(trigger: str) -> None:
    state = at_stage(S.FINAL if trigger == "make_offer" else S.OFFER)
    with pytest.raises(InvalidPayload) as err:
        fire(state, trigger, payloads.offer(160_000, approved_by="head of talent"))
    assert "band_exception_approved_by" in str(err.value) and "approval chain" in str(err.value)


@pytest.mark.parametrize("base", [120_000, 150_000])
def test_the_band_is_inclusive(base: int) -> None:
    assert fire(at_stage(S.FINAL), "make_offer", payloads.offer(base)).after.offer.extended


def test_an_offer_with_a_recorded_chain_waits_for_its_first_step() -> None:
    after = fire(at_stage(S.FINAL), "make_offer", payloads.offer_with_chain()).after
    assert (after.stage, after.offer.revision, after.offer.pending, after.offer.extended) == (S.OFFER, 1, 1, False)


@pytest.mark.parametrize("due", [timedelta(0), timedelta(hours=-1)])
def test_take_home_due_at_must_be_after_the_event(due: timedelta) -> None:
    payload = {**payloads.send_take_home(LATER), "due_at": (LATER + due).isoformat()}
    with pytest.raises(GuardRefused, match="due_at must be after"):
        fire(at_stage(S.SCREENED), "send_take_home", payload)


def test_take_home_due_at_needs_a_time_zone() -> None:
    payload = {**payloads.send_take_home(LATER), "due_at": "2026-04-01T17:00:00"}
    with pytest.raises(InvalidPayload) as err:
        fire(at_stage(S.SCREENED), "send_take_home", payload)
    assert [f for f, _ in err.value.problems] == ["due_at"]


def test_send_take_home_defaults_to_three_hours() -> None:
    applied = fire(at_stage(S.SCREENED), "send_take_home")
    assert applied.payload.expected_hours == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize("stage", ACTIVE)
def test_resume_when_not_on_hold_is_refused(stage: Stage) -> None:
    with pytest.raises(TriggerNotAllowed) as err:
        fire(at_stage(stage), "resume")
    assert "resume" not in err.value.allowed
    assert "hold" in err.value.allowed


@pytest.mark.parametrize("stage", ACTIVE)
def test_hold_while_on_hold_is_refused(stage: Stage) -> None:
    held = fire(at_stage(stage), "hold").after
    assert held.on_hold and held.stage is stage
    with pytest.raises(TriggerNotAllowed) as err:
        fire(held, "hold")
    assert "while on hold" in str(err.value)
    assert "resume" in err.value.allowed


@pytest.mark.parametrize("stage", ACTIVE)
def test_on_hold_only_resume_reject_withdraw_depart_apply(stage: Stage) -> None:
    held = fire(at_stage(stage), "hold").after
    blocked = [t for t in graph.triggers_from(stage) if t not in {"resume", "reject", "withdraw", "depart"}]
    assert "hold" in blocked
    for trigger in blocked:
        with pytest.raises(TriggerNotAllowed):
            fire(held, trigger)
    resumed = fire(held, "resume").after
    assert not resumed.on_hold and resumed.stage is stage
    for trigger in ("reject", "withdraw", "depart"):
        if trigger in graph.triggers_from(stage):
            out = fire(held, trigger).after
            assert out.stage in (S.REJECTED, S.WITHDRAWN, S.DEPARTED) and not out.on_hold


def test_a_rejected_candidate_who_was_on_hold_comes_back_active() -> None:
    held = fire(at_stage(S.DEBRIEF), "hold").after
    back = fire(fire(held, "reject").after, "reopen").after
    assert (back.stage, back.on_hold) == (S.DEBRIEF, False)


# --- refusals that name what is wrong ------------------------------------------------------------


def test_a_disallowed_trigger_lists_the_allowed_ones() -> None:
    with pytest.raises(TriggerNotAllowed) as err:
        fire(at_stage(S.SOURCED), "make_offer", payloads.offer())
    assert err.value.allowed == ["screen", "reject", "withdraw", "hold"]
    assert str(err.value) == (
        "trigger 'make_offer' is not allowed from stage 'sourced'; allowed: screen, reject, withdraw, hold"
    )


def test_an_unknown_trigger_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownTrigger) as err:
        apply(at_stage(S.SOURCED), "promote", {}, LATER)
    assert "promote" in str(err.value)
    assert set(err.value.known) == {t for t, _, _ in EXPECTED} | {"reopen"}
    assert "screen" in str(err.value)


def test_an_invalid_payload_names_every_bad_field() -> None:
    payload = {**payloads.screen(), "owned_delivery": 5, "colour": "blue"}
    del payload["data_realism"]
    with pytest.raises(InvalidPayload) as err:
        fire(at_stage(S.SOURCED), "screen", payload)
    problems = dict(err.value.problems)
    assert set(problems) == {"owned_delivery", "data_realism", "colour"}
    assert "4" in problems["owned_delivery"]  # says what is allowed
    assert problems["data_realism"] == "is required"
    assert problems["colour"] == "is not a field of this trigger"
    for field in problems:
        assert field in str(err.value)


def test_an_empty_or_missing_payload_lists_every_required_field() -> None:
    for raw in (None, {}):
        with pytest.raises(InvalidPayload) as err:
            apply(at_stage(S.SOURCED), "screen", raw, LATER)
        assert {f for f, _ in err.value.problems} == {
            "owned_delivery",
            "operational_judgment",
            "data_realism",
            "cross_functional_range",
            "note",
        }


def test_a_rejection_reason_outside_the_list_names_the_allowed_reasons() -> None:
    with pytest.raises(InvalidPayload) as err:
        fire(at_stage(S.SCREENED), "reject", payloads.reject("bad vibes"))
    [(field, problem)] = err.value.problems
    assert field == "reason"
    assert "skills_gap" in problem and "role_filled" in problem


def test_an_interview_part_outside_the_four_is_refused() -> None:
    with pytest.raises(InvalidPayload) as err:
        fire(at_stage(S.FINAL), "record_interview", payloads.record_interview("karaoke", score=0))
    assert {f for f, _ in err.value.problems} == {"part", "score"}


def test_an_offer_payload_names_each_bad_field() -> None:
    bad = {**payloads.offer(), "currency": "euro", "base_salary": -1, "first_year_outcomes": []}
    with pytest.raises(InvalidPayload) as err:
        fire(at_stage(S.FINAL), "make_offer", bad)
    assert {f for f, _ in err.value.problems} == {"currency", "base_salary", "first_year_outcomes"}


def test_events_out_of_order_are_refused_and_equal_times_are_not() -> None:
    state = at_stage(S.SOURCED)
    with pytest.raises(OutOfOrder, match="earlier than the candidate's last event"):
        fire(state, "screen", when=T - timedelta(seconds=1))
    assert fire(state, "screen", when=T).dest is S.SCREENED


# --- onboarding checkpoints ---------------------------------------------------------------------


CHECKPOINTS = [(S.ONBOARDING_30, S.ONBOARDING_60), (S.ONBOARDING_60, S.ONBOARDING_90), (S.ONBOARDING_90, S.ONBOARDED)]


@pytest.mark.parametrize(("stage", "dest"), CHECKPOINTS)
def test_each_checkpoint_takes_its_own_payload(stage: Stage, dest: Stage) -> None:
    state = at_stage(stage)
    assert fire(state, "complete_checkpoint", payloads.checkpoint(stage)).dest is dest
    for other in ONBOARDING:
        if other is not stage:
            with pytest.raises(InvalidPayload) as err:
                fire(state, "complete_checkpoint", payloads.checkpoint(other))
            required = set(payloads.checkpoint(stage))
            named = {f for f, _ in err.value.problems}
            assert required <= named  # every field this checkpoint needs is named as missing
            assert named - required == set(payloads.checkpoint(other))  # and the others as unknown


def test_day_30_checklist_names_missing_and_unknown_items() -> None:
    payload = payloads.checkpoint(S.ONBOARDING_30)
    access = {k: v for k, v in payload["access"].items() if k != "stakeholder_intros"} | {"coffee": True}
    with pytest.raises(InvalidPayload) as err:
        fire(at_stage(S.ONBOARDING_30), "complete_checkpoint", {**payload, "access": access})
    [(field, problem)] = err.value.problems
    assert field == "access"
    assert "missing: stakeholder_intros" in problem
    assert "unknown: coffee" in problem


def test_day_30_checklist_may_record_items_not_done_yet() -> None:
    payload = payloads.checkpoint(S.ONBOARDING_30)
    payload["access"]["credentials"] = False
    assert fire(at_stage(S.ONBOARDING_30), "complete_checkpoint", payload).dest is S.ONBOARDING_60


# --- terminal stages ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", NON_TERMINAL_DEAD_ENDS)
def test_declined_onboarded_departed_allow_nothing(stage: Stage) -> None:
    state = at_stage(stage)
    assert graph.triggers_from(stage) == []
    for trigger in graph.TRIGGERS:
        with pytest.raises(TriggerNotAllowed) as err:
            fire(state, trigger, {})
        assert err.value.allowed == []
    assert "none (the stage is terminal)" in str(err.value)


@pytest.mark.parametrize("stage", [S.REJECTED, S.WITHDRAWN])
def test_rejected_and_withdrawn_allow_only_reopen(stage: Stage) -> None:
    state = at_stage(stage, returns_to=S.SCREENED)
    for trigger in graph.TRIGGERS:
        if trigger != "reopen":
            with pytest.raises(TriggerNotAllowed) as err:
                fire(state, trigger, {})
            assert err.value.allowed == ["reopen"]


def test_reopen_without_a_stage_to_return_to_is_refused() -> None:
    with pytest.raises(GuardRefused, match="no recorded stage"):
        fire(at_stage(S.REJECTED, returns_to=None), "reopen")


# --- the one shared machine, and replay -----------------------------------------------------------


def test_one_shared_machine_never_keeps_models() -> None:
    state = state_at(S.ONBOARDED, T)
    for _ in range(50):
        state_at(S.OFFER, T)
        fire(fire(state_at(S.SCREENED, T), "hold").after, "resume")
    assert state.stage is S.ONBOARDED
    assert graph.MACHINE.models == []


def test_the_machine_is_shared_not_rebuilt() -> None:
    machine = graph.MACHINE
    state_at(S.FINAL, T)
    assert graph.MACHINE is machine


def test_replay_folds_an_event_log_into_the_state() -> None:
    log = [("source", {"source": "inbound", "motivators": payloads.MOTIVATORS}, T)]
    when = T
    state = payloads.start(T)
    for trigger, payload in payloads.path_to(S.ONBOARDING_60):
        when += timedelta(hours=1)
        body = payload or valid(trigger, state.stage, when)
        state = apply(state, trigger, body, when, BAND).after
        log.append((trigger, body, when))
    assert replay(log, BAND) == state
    assert state.stage is S.ONBOARDING_60
    assert replay(log[:1]) == payloads.start(T)
    assert replay([("source", {"source": "inbound"}, T)]) == CandidateState(last_event_at=T)


def test_apply_does_not_mutate_the_state_it_was_given() -> None:
    state = at_stage(S.FINAL, interview_parts=frozenset())
    before = replace(state)
    fire(state, "record_interview")
    assert state == before
