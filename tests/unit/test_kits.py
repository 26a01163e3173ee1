"""Interview kits and take-home templates: the shipped data, a requisition's override, the view, and the
send_take_home guards that use the 3-hour guide and the requisition's profile."""

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from hiring.kits import shipped_kits
from states.candidate import CandidateState, apply
from states.errors import GuardRefused
from states.kits import (
    SCREEN_SIGNALS,
    KitOverride,
    ProfileKit,
    kit_pointer,
    kit_view,
    library,
    with_override,
)
from states.stages import Stage
from states.vocabulary import TAKE_HOME_RUBRIC, InterviewPart, RoleProfile
from tests.support import payloads
from tests.support.instants import T0

LATER = T0 + timedelta(hours=1)
APPLIED = RoleProfile.APPLIED_AI_ENGINEER
# The playbook's take-home format per profile, as a word each shipped template's format must mention.
FORMATS = {
    RoleProfile.APPLIED_AI_ENGINEER: "retrieval",
    RoleProfile.ML_ENGINEER: "inference",
    RoleProfile.AI_RESEARCHER: "experiment",
    RoleProfile.DATA_ENGINEER_AI: "pipeline",
}


def _part(n_questions: int = 3, purpose: str = "our own purpose") -> dict[str, Any]:
    return {"purpose": purpose, "questions": [f"q{i}?" for i in range(n_questions)], "strong_answer": "clear"}


def _template(tid: str = "own_task", **fields: Any) -> dict[str, Any]:
    rubric = {item: f"good {item}" for item in TAKE_HOME_RUBRIC}
    return {"id": tid, "title": "Our task", "format": "f", "assesses": "a", "rubric": rubric, **fields}


# --- the shipped data ----------------------------------------------------------------------------


@pytest.mark.parametrize("profile", list(RoleProfile))
def test_every_profile_has_a_kit_for_every_part_with_three_to_five_questions(profile: RoleProfile) -> None:
    kit = shipped_kits()[profile]
    assert kit.role_profile is profile and kit.sample_question.endswith("?")
    assert set(kit.parts) == set(InterviewPart)
    for part in kit.parts.values():
        assert 3 <= len(part.questions) <= 5 and part.purpose and part.strong_answer


@pytest.mark.parametrize("profile", list(RoleProfile))
def test_every_profile_has_a_take_home_in_its_format_scored_on_the_six_criteria(profile: RoleProfile) -> None:
    templates = shipped_kits()[profile].take_homes
    assert templates
    assert any(FORMATS[profile] in t.format.lower() for t in templates)
    for t in templates:
        assert tuple(t.rubric) == TAKE_HOME_RUBRIC and all(t.rubric.values())
        assert t.expected_hours == 3 and t.assesses


@pytest.mark.parametrize("profile", list(RoleProfile))
def test_every_screen_kit_names_the_four_signals_and_the_overrated_ones(profile: RoleProfile) -> None:
    screen = shipped_kits()[profile].screen
    assert tuple(screen.evidence) == SCREEN_SIGNALS
    assert len(screen.overrated) >= 4
    assert any("enthusiasm" in s.lower() for s in screen.overrated)


def test_a_library_without_every_profile_is_refused() -> None:
    kits = [k for p, k in shipped_kits().items() if p is not RoleProfile.AI_RESEARCHER]
    with pytest.raises(ValueError, match="ai_researcher"):
        library(kits)


# --- what a kit file may hold --------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 6])
def test_a_part_needs_three_to_five_questions(n: int) -> None:
    with pytest.raises(ValidationError, match="questions"):
        KitOverride.model_validate({"parts": {"behavioral": _part(n)}})


def test_a_template_needs_exactly_the_six_rubric_criteria() -> None:
    bad = _template()
    del bad["rubric"]["edge_cases"]
    bad["rubric"]["charm"] = "x"
    with pytest.raises(ValidationError, match="missing: edge_cases; unknown: charm"):
        KitOverride.model_validate({"take_homes": [bad]})


def test_a_template_above_the_guide_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="3-hour take-home guide"):
        KitOverride.model_validate({"take_homes": [_template(expected_hours=5)]})
    ok = KitOverride.model_validate({"take_homes": [_template(expected_hours=5, hours_reason="includes a dataset")]})
    assert ok.take_homes[0].expected_hours == 5


def test_a_shipped_kit_missing_a_part_is_refused() -> None:
    doc = shipped_kits()[APPLIED].model_dump(mode="json")
    del doc["parts"]["behavioral"]
    with pytest.raises(ValidationError, match="missing: behavioral"):
        ProfileKit.model_validate(doc)


# --- the override wins -----------------------------------------------------------------------------


def test_an_override_replaces_what_it_names_and_keeps_the_rest() -> None:
    shipped = shipped_kits()[APPLIED]
    override = KitOverride.model_validate(
        {
            "sample_question": "Our own sample?",
            "parts": {"system_design": _part(3, "design our claims assistant")},
            "take_homes": [_template("rag_task", title="Our RAG task"), _template("extra")],
        }
    )
    kit = with_override(shipped, override)
    assert kit.sample_question == "Our own sample?"
    assert kit.parts[InterviewPart.SYSTEM_DESIGN].purpose == "design our claims assistant"
    assert kit.parts[InterviewPart.BEHAVIORAL] == shipped.parts[InterviewPart.BEHAVIORAL]
    assert [(t.id, t.title) for t in kit.take_homes] == [("rag_task", "Our RAG task"), ("extra", "Our task")]
    assert kit.screen == shipped.screen and kit.role_profile is APPLIED
    assert with_override(shipped, None) is shipped


# --- the view and the pointer --------------------------------------------------------------------


def test_the_view_shows_everything_or_only_what_was_asked_for() -> None:
    kit = shipped_kits()[RoleProfile.ML_ENGINEER]
    everything = kit_view(kit)
    assert set(everything) == {"role_profile", "sample_question", "parts", "screen", "take_homes"}
    assert list(everything["parts"]) == [p.value for p in InterviewPart]
    one = kit_view(kit, InterviewPart.SYSTEM_DESIGN)
    assert set(one) == {"role_profile", "sample_question", "parts"} and list(one["parts"]) == ["system_design"]
    assert set(kit_view(kit, screen=True, take_home=True)) == {
        "role_profile",
        "sample_question",
        "screen",
        "take_homes",
    }


def test_the_pointer_names_the_command() -> None:
    assert kit_pointer(3, "system_design") == "Kit: `hiring kit --req 3 --part system_design`"
    assert kit_pointer(3) == "Kit: `hiring kit --req 3`"


# --- send_take_home: the guide and the profile ------------------------------------------------------


def _send(payload: dict[str, Any], profile: RoleProfile | None = APPLIED):  # type: ignore[no-untyped-def]
    state = CandidateState(stage=Stage.SCREENED, technical_screen_done=True, last_event_at=T0)
    return apply(state, "send_take_home", payload, LATER, None, profile)


def test_more_than_three_hours_without_a_reason_is_refused_naming_the_guide() -> None:
    with pytest.raises(GuardRefused, match="above the playbook's 3-hour take-home guide; give hours_reason"):
        _send(payloads.send_take_home(LATER, expected_hours=4))


def test_more_than_three_hours_with_a_reason_is_taken() -> None:
    applied = _send(payloads.send_take_home(LATER, expected_hours=4, hours_reason="includes a data-prep step"))
    assert applied.dest is Stage.TAKE_HOME and applied.payload.hours_reason == "includes a data-prep step"  # type: ignore[attr-defined]


def test_a_take_home_for_another_profile_is_refused_naming_the_allowed_one() -> None:
    with pytest.raises(GuardRefused, match=r"role_profile ml_engineer does not match.*allowed: applied_ai_engineer"):
        _send(payloads.send_take_home(LATER, role_profile="ml_engineer"))


def test_without_a_requisition_profile_any_profile_is_taken() -> None:
    assert _send(payloads.send_take_home(LATER, role_profile="ml_engineer"), None).dest is Stage.TAKE_HOME


def test_the_example_override_in_the_readme_fits_the_applied_ai_kit() -> None:
    from pathlib import Path

    from hiring.documents import load_document

    path = Path(__file__).parents[2] / "hiring" / "examples" / "kit-overrides" / "support_automation.yaml"
    override = KitOverride.model_validate(load_document(path))
    kit = with_override(shipped_kits()[APPLIED], override)
    assert [t.id for t in kit.take_homes] == ["rag_task", "ticket_rag"]
    assert ProfileKit.model_validate(kit.model_dump()) == kit
