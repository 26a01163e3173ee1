"""The technical screen and the screen bar, through states.candidate.apply and the policy: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from states import screen_bar
from states.candidate import CandidateState, PolicyInEffect, apply
from states.errors import GuardRefused
from states.policy import PolicyError, parse_policy
from states.screen_bar import OVERRATED_SIGNALS, ScreenBar, check
from states.sla import Scope, plan
from states.stages import Stage
from states.timers import TimerKind
from tests.support import payloads

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = T + timedelta(hours=1)
SCREENED = CandidateState(stage=Stage.SCREENED, last_event_at=T)
SOURCED = CandidateState(last_event_at=T)
TAKE_HOME = payloads.send_take_home(LATER)


def _send(state: CandidateState, in_effect: PolicyInEffect = PolicyInEffect()) -> Stage:
    return apply(state, "send_take_home", TAKE_HOME, LATER, payloads.BAND, in_effect=in_effect).after.stage


# --- the technical screen ------------------------------------------------------------------------


def test_the_technical_screen_is_recorded_in_screened_and_then_the_take_home_may_go() -> None:
    applied = apply(SCREENED, "technical_screen", payloads.technical_screen(), LATER)
    assert (applied.dest, applied.after.technical_screen_done) == (Stage.SCREENED, True)
    assert _send(applied.after) is Stage.TAKE_HOME
    again = apply(applied.after, "technical_screen", payloads.technical_screen(depth=2), LATER)
    assert again.after == applied.after  # a re-screen replaces the first: still done


def test_send_take_home_is_refused_before_the_technical_screen_saying_how_to_turn_it_off() -> None:
    with pytest.raises(GuardRefused) as err:
        _send(SCREENED)
    assert "record technical_screen first, or turn the requirement off in the policy" in str(err.value)
    assert "technical_screen_required: false" in str(err.value)


POLICY = parse_policy(
    {
        "role_profiles": {"ml_engineer": {"technical_screen_required": False}},
        "requisitions": {7: {"technical_screen_required": False}, 8: {"technical_screen_required": True}},
    }
)


@pytest.mark.parametrize(
    ("policy", "profile", "req", "required"),
    [
        (POLICY, "applied_ai_engineer", 1, True),  # the default
        (parse_policy({"technical_screen_required": False}), "applied_ai_engineer", 1, False),  # globally
        (POLICY, "ml_engineer", 1, False),  # per role profile
        (POLICY, "applied_ai_engineer", 7, False),  # per requisition
        (POLICY, "ml_engineer", 8, True),  # the requisition wins over its profile
    ],
)
def test_the_requirement_follows_the_policy(policy, profile: str, req: int, required: bool) -> None:
    in_effect = policy.in_effect(profile, req)
    assert in_effect.technical_screen_required is required
    if required:
        with pytest.raises(GuardRefused):
            _send(SCREENED, in_effect)
    else:
        assert _send(SCREENED, in_effect) is Stage.TAKE_HOME


def test_the_interviewer_is_a_handle_and_the_ratings_are_1_to_4() -> None:
    from states.errors import InvalidPayload

    bad = {**payloads.technical_screen(), "interviewer": "Dana Kim", "depth": 5, "matches_profile": "maybe"}
    with pytest.raises(InvalidPayload) as err:
        apply(SCREENED, "technical_screen", bad, LATER)
    text = str(err.value)
    assert "interviewer" in text and "depth" in text and "matches_profile" in text


# --- its timers ------------------------------------------------------------------------------------


def _plan(state: CandidateState, trigger: str, payload: dict, policy=POLICY, req: int = 1):
    applied = apply(
        state, trigger, payload, LATER, payloads.BAND, in_effect=policy.in_effect("applied_ai_engineer", req)
    )
    return plan(applied, Scope("applied_ai_engineer", req, policy))


def test_screened_opens_the_technical_screen_due_in_3_days_or_the_take_home_clock_when_it_is_off() -> None:
    [opening] = _plan(SOURCED, "screen", payloads.screen()).open
    assert (opening.kind, opening.due_at) == (TimerKind.TECHNICAL_SCREEN, LATER + timedelta(days=3))
    [opening] = _plan(SOURCED, "screen", payloads.screen(), req=7).open
    assert (opening.kind, opening.due_at) == (TimerKind.TAKE_HOME_SENT, LATER + timedelta(days=2))


def test_the_technical_screen_closes_its_timer_and_opens_the_take_home_clock() -> None:
    p = _plan(SCREENED, "technical_screen", payloads.technical_screen())
    assert p.close == (TimerKind.TECHNICAL_SCREEN,)
    assert [(o.kind, o.due_at) for o in p.open] == [(TimerKind.TAKE_HOME_SENT, LATER + timedelta(days=2))]


def test_the_technical_screen_duration_is_overridable_like_every_timer() -> None:
    policy = parse_policy({"requisitions": {3: {"durations": {"technical_screen": "1d"}}}})
    [opening] = _plan(SOURCED, "screen", payloads.screen(), policy, req=3).open
    assert opening.due_at == LATER + timedelta(days=1)


# --- the screen bar --------------------------------------------------------------------------------


def _screen(**signals: int) -> dict:
    return {**payloads.screen(), **signals}


def test_the_bar_rule_names_each_failing_signal_and_the_mean() -> None:
    bar = ScreenBar()
    assert check(_screen(), bar) == []  # 3, 4, 2, 3
    assert check(_screen(owned_delivery=1), bar) == ["owned_delivery is 1 (needs at least 2)"]
    assert check(_screen(operational_judgment=2, cross_functional_range=2), bar) == [
        "the mean is 2.25 (needs at least 2.5)"
    ]
    assert check(_screen(owned_delivery=1, operational_judgment=1, data_realism=1, cross_functional_range=1), bar) == [
        *(f"{name} is 1 (needs at least 2)" for name in screen_bar.SIGNALS),
        "the mean is 1.00 (needs at least 2.5)",
    ]


@pytest.mark.parametrize(
    ("signals", "failing"),
    [
        ({"owned_delivery": 1}, "owned_delivery is 1"),
        ({"operational_judgment": 2, "cross_functional_range": 2}, "the mean is 2.25"),
    ],
)
def test_a_screen_below_the_bar_is_refused_naming_the_bar_unless_overridden(signals: dict, failing: str) -> None:
    with pytest.raises(GuardRefused) as err:
        apply(SOURCED, "screen", _screen(**signals), LATER)
    assert "below the bar (every signal at least 2, mean at least 2.5)" in str(err.value)
    assert failing in str(err.value) and "override_reason" in str(err.value)
    moved = apply(SOURCED, "screen", {**_screen(**signals), "override_reason": "the team lead vouches"}, LATER)
    assert moved.dest is Stage.SCREENED


def test_an_override_reason_on_a_screen_that_clears_the_bar_is_refused() -> None:
    with pytest.raises(GuardRefused) as err:
        apply(SOURCED, "screen", {**_screen(), "override_reason": "just in case"}, LATER)
    assert "meets the bar" in str(err.value) and "only for a screen below it" in str(err.value)


def test_the_bar_is_configurable_globally_per_profile_and_per_requisition() -> None:
    policy = parse_policy(
        {
            "screen_bar": {"min_mean": 3},
            "role_profiles": {"ai_researcher": {"screen_bar": {"min_signal": 1}}},
            "requisitions": {5: {"screen_bar": {"min_mean": 2}}},
        }
    )
    assert policy.in_effect("applied_ai_engineer", 1).screen_bar == ScreenBar(min_signal=2, min_mean=3)
    assert policy.in_effect("ai_researcher", 1).screen_bar == ScreenBar(min_signal=1, min_mean=3)
    assert policy.in_effect("ai_researcher", 5).screen_bar == ScreenBar(min_signal=1, min_mean=2)
    strict = policy.in_effect("applied_ai_engineer", 1)
    with pytest.raises(GuardRefused) as err:  # 2, 4, 2, 3: every signal clears 2, the mean 2.75 is under 3
        apply(SOURCED, "screen", _screen(owned_delivery=2), LATER, in_effect=strict)
    assert "mean at least 3" in str(err.value)
    lenient = policy.in_effect("ai_researcher", 5)
    assert apply(SOURCED, "screen", _screen(owned_delivery=1), LATER, in_effect=lenient).dest is Stage.SCREENED


def test_a_bad_bar_in_the_policy_is_named() -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy({"screen_bar": {"min_mean": 5}, "requisitions": {2: {"screen_bar": {"min_signal": 0}}}})
    assert any(p.startswith("screen_bar.min_mean") for p in err.value.problems)
    with pytest.raises(PolicyError) as err:
        parse_policy({"requisitions": {2: {"screen_bar": {"min_signal": 0, "colour": "red"}}}})
    assert any(p.startswith("requisitions.2.screen_bar.min_signal") for p in err.value.problems)
    assert any("colour" in p for p in err.value.problems)


def test_the_overrated_signals_are_data_for_the_screen_kit() -> None:
    assert [s.key for s in OVERRATED_SIGNALS] == [
        "library_lists",
        "generic_enthusiasm",
        "puzzle_coding",
        "unmapped_academic_depth",
    ]
    assert all(s.signal and s.ask_instead for s in OVERRATED_SIGNALS)
