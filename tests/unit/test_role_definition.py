"""The role definition's options, the warning rules, the profiles and the sourcing channels (pure)."""

from typing import Any

import pytest
from pydantic import ValidationError

from states.profiles import PROFILES
from states.requisition import RequisitionSpec
from states.role_rules import RULES, definition_warnings
from states.sourcing import CHANNELS, RECOMMENDED, channel_fit, sourcing_plan
from states.vocabulary import RoleProfile, SourceChannel, SystemKind
from tests.support import payloads


def spec(profile: str = "applied_ai_engineer", engagement: str = "full_time", kinds: Any = None, **more: Any):
    doc = payloads.requisition(role_profile=profile, engagement=engagement, **more)
    if kinds is not None:
        doc["role_definition"] = {**doc["role_definition"], "system_to_build": {"kinds": kinds, "detail": "a system"}}
    return RequisitionSpec.model_validate(doc)


def codes(s: RequisitionSpec) -> list[str]:
    return [w["code"] for w in definition_warnings(s)]


# --- the options ------------------------------------------------------------------------------


def test_a_plain_string_answer_is_the_words_with_no_option_chosen() -> None:
    s = spec()  # the fixture writes system_to_build and key_constraints as plain strings
    assert s.role_definition.system_to_build is not None
    assert s.role_definition.system_to_build.kinds == []
    assert s.role_definition.system_to_build.detail == "an LLM triage service with evals"
    assert s.missing() == []


def test_options_are_kept_in_order_once_each_with_their_words() -> None:
    doc = payloads.requisition()
    doc["role_definition"]["key_constraints"] = {"kinds": ["cost", "latency", "cost"], "detail": "p95 under 2 s"}
    s = RequisitionSpec.model_validate(doc)
    assert s.role_definition.key_constraints is not None
    assert [k.value for k in s.role_definition.key_constraints.kinds] == ["cost", "latency"]


@pytest.mark.parametrize(
    ("field", "allowed"),
    [
        (
            "system_to_build",
            ["prototype", "production_api", "training_pipeline", "evaluation_harness", "data_platform"],
        ),
        ("key_constraints", ["latency", "cost", "observability", "compliance", "maintainability", "model_quality"]),
    ],
)
def test_an_unknown_option_is_refused_naming_the_allowed_ones(field: str, allowed: list[str]) -> None:
    doc = payloads.requisition()
    doc["role_definition"][field] = {"kinds": ["rocket"], "detail": "x"}
    with pytest.raises(ValidationError) as err:
        RequisitionSpec.model_validate(doc)
    text = str(err.value)
    assert f"role_definition.{field}.kinds.0" in text
    assert all(f"'{option}'" in text for option in allowed)


def test_options_without_words_are_still_missing() -> None:
    doc = payloads.requisition()
    doc["role_definition"]["system_to_build"] = {"kinds": ["prototype"]}
    assert RequisitionSpec.model_validate(doc).missing() == ["role_definition.system_to_build"]


@pytest.mark.parametrize(("engagement", "needs"), [("full_time", False), ("contract", True), ("hybrid", True)])
def test_a_contract_or_hybrid_requisition_needs_its_rationale_to_open(engagement: str, needs: bool) -> None:
    assert ("engagement_rationale" in spec(engagement=engagement).missing()) is needs
    assert "engagement_rationale" not in spec(engagement=engagement, engagement_rationale="six-week pilot").missing()


# --- the warning rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "engagement", "kinds", "expected"),
    [
        ("ai_researcher", "full_time", ["production_api"], ["production_feature_needs_applied_depth"]),
        (
            "ai_researcher",
            "full_time",
            ["training_pipeline", "production_api"],
            ["production_feature_needs_applied_depth"],
        ),
        ("applied_ai_engineer", "full_time", ["production_api"], []),
        ("ai_researcher", "full_time", ["training_pipeline", "evaluation_harness"], []),
        ("ai_researcher", "full_time", ["data_platform"], ["data_platform_needs_a_data_engineer"]),
        ("data_engineer_ai", "full_time", ["data_platform"], []),
        ("applied_ai_engineer", "full_time", ["prototype"], ["time_boxed_scope_full_time"]),
        ("applied_ai_engineer", "full_time", ["prototype", "evaluation_harness"], ["time_boxed_scope_full_time"]),
        ("applied_ai_engineer", "contract", ["prototype"], []),
        ("applied_ai_engineer", "full_time", ["prototype", "production_api"], []),
        ("ml_engineer", "contract", ["training_pipeline"], ["owned_system_on_contract"]),
        ("ml_engineer", "hybrid", ["training_pipeline"], []),
        ("ml_engineer", "full_time", [], ["system_kind_not_chosen"]),
    ],
)
def test_each_rule_fires_exactly_when_its_condition_holds(profile, engagement, kinds, expected) -> None:
    assert codes(spec(profile, engagement, kinds)) == expected


def test_a_pre_option_requisition_is_told_its_checks_could_not_run() -> None:
    [warning] = definition_warnings(spec())
    assert warning["code"] == "system_kind_not_chosen" and "production_api" in warning["message"]


def test_every_rule_is_reachable_and_has_its_own_code() -> None:
    fired = {
        c
        for p in RoleProfile
        for e in ("full_time", "contract", "hybrid")
        for k in SystemKind
        for c in codes(spec(p.value, e, [k.value]))
    }
    fired |= set(codes(spec(kinds=[])))
    assert fired == {r.code for r in RULES}
    assert len({r.code for r in RULES}) == len(RULES)


def test_a_draft_without_profile_or_engagement_is_not_checked() -> None:
    assert definition_warnings(RequisitionSpec.model_validate({"title": "Researcher"})) == []


# --- profiles and sourcing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "skills"),
    [
        (RoleProfile.AI_RESEARCHER, {"deep learning", "model architecture", "evaluation methodology"}),
        (RoleProfile.ML_ENGINEER, {"distributed systems", "model deployment", "monitoring"}),
        (RoleProfile.APPLIED_AI_ENGINEER, {"backend systems", "observability", "LLM integration", "RAG design"}),
        (RoleProfile.DATA_ENGINEER_AI, {"storage", "orchestration", "data quality"}),
    ],
)
def test_each_profile_carries_the_playbook_skills_and_a_question(profile, skills) -> None:
    description = PROFILES[profile]
    assert skills <= set(description.key_skills)
    assert description.sample_question.endswith("?")


def test_every_profile_has_recommended_channels_and_every_channel_a_trade_off() -> None:
    assert set(RECOMMENDED) == set(RoleProfile) and set(CHANNELS) == set(SourceChannel)
    plan = sourcing_plan(RoleProfile.AI_RESEARCHER)
    assert plan[0]["channel"] == "conference" and plan[0]["trade_off"]
    assert all(r.look_for for recs in RECOMMENDED.values() for r in recs)


def test_channel_fit_puts_recommended_channels_first_even_at_zero() -> None:
    fit = channel_fit(RoleProfile.ML_ENGINEER, {"inbound": (5, 0), "open_source": (2, 1)})
    assert [(f["channel"], f["recommended"], f["candidates"], f["hires"]) for f in fit] == [
        ("open_source", True, 2, 1),
        ("direct_sourcing", True, 0, 0),
        ("specialist_recruiter", True, 0, 0),
        ("inbound", False, 5, 0),
    ]
