"""Answers that contradict each other: checked at `role open`, which warns and opens anyway.

Each rule is a row of data: when it applies (profiles, engagements, kinds of system) and what it tells the
hiring manager. The README's table of rules is generated from RULES.
"""

from dataclasses import dataclass

from states.requisition import RequisitionSpec
from states.vocabulary import Engagement, RoleProfile, SystemKind

ANY_PROFILE = frozenset(RoleProfile)
ANY_ENGAGEMENT = frozenset(Engagement)
OWNED_SYSTEMS = frozenset({SystemKind.PRODUCTION_API, SystemKind.TRAINING_PIPELINE, SystemKind.DATA_PLATFORM})
TIME_BOXED_SYSTEMS = frozenset({SystemKind.PROTOTYPE, SystemKind.EVALUATION_HARNESS})


@dataclass(frozen=True)
class Rule:
    code: str
    message: str
    profiles: frozenset[RoleProfile] = ANY_PROFILE
    engagements: frozenset[Engagement] = ANY_ENGAGEMENT
    systems_any: frozenset[SystemKind] | None = None  # applies if any chosen kind is one of these
    systems_only: frozenset[SystemKind] | None = None  # applies if every chosen kind is one of these (and some are)
    no_system_kinds: bool = False  # applies when a system is described but no kind is chosen

    def applies(self, profile: RoleProfile, engagement: Engagement, kinds: frozenset[SystemKind]) -> bool:
        if profile not in self.profiles or engagement not in self.engagements:
            return False
        if self.no_system_kinds:
            return not kinds
        if self.systems_any is not None and not kinds & self.systems_any:
            return False
        return self.systems_only is None or (bool(kinds) and kinds <= self.systems_only)

    def when(self) -> str:
        """The condition in words, for the README table."""
        parts = []
        if self.profiles != ANY_PROFILE:
            parts.append("profile " + " or ".join(f"`{p.value}`" for p in sorted(self.profiles)))
        if self.engagements != ANY_ENGAGEMENT:
            parts.append("engagement " + " or ".join(f"`{e.value}`" for e in sorted(self.engagements)))
        if self.systems_any is not None:
            parts.append("system includes " + " or ".join(f"`{k.value}`" for k in sorted(self.systems_any)))
        if self.systems_only is not None:
            parts.append("system only " + " and/or ".join(f"`{k.value}`" for k in sorted(self.systems_only)))
        if self.no_system_kinds:
            parts.append("no kind of system chosen")
        return ", ".join(parts)


RULES: tuple[Rule, ...] = (
    Rule(
        code="production_feature_needs_applied_depth",
        message=(
            "a production API is a feature in production: hire applied engineering depth (applied_ai_engineer "
            "or ml_engineer) before research prestige, or narrow the system to what research delivers"
        ),
        profiles=frozenset({RoleProfile.AI_RESEARCHER}),
        systems_any=frozenset({SystemKind.PRODUCTION_API}),
    ),
    Rule(
        code="data_platform_needs_a_data_engineer",
        message=(
            "a data platform alone is the data engineer's work (data_engineer_ai); this profile will spend "
            "its time on storage, orchestration and data quality instead of its own focus"
        ),
        profiles=frozenset({RoleProfile.AI_RESEARCHER, RoleProfile.APPLIED_AI_ENGINEER}),
        systems_only=frozenset({SystemKind.DATA_PLATFORM}),
    ),
    Rule(
        code="time_boxed_scope_full_time",
        message=(
            "a prototype or an evaluation harness alone is bounded, time-boxed work, which suits a contract; "
            "full time fits when the hire will own a system, its quality bar and the team's knowledge of it"
        ),
        engagements=frozenset({Engagement.FULL_TIME}),
        systems_only=TIME_BOXED_SYSTEMS,
    ),
    Rule(
        code="owned_system_on_contract",
        message=(
            "a production API, training pipeline or data platform is owned for years: on a contract the "
            "knowledge leaves with the contractor; choose full time, or hybrid with an internal lead"
        ),
        engagements=frozenset({Engagement.CONTRACT}),
        systems_any=OWNED_SYSTEMS,
    ),
    Rule(
        code="system_kind_not_chosen",
        message=(
            "system_to_build names no kind of system (" + ", ".join(k.value for k in SystemKind) + "), so the "
            "checks of the definition against the profile and the engagement could not run"
        ),
        no_system_kinds=True,
    ),
)


def definition_warnings(spec: RequisitionSpec) -> list[dict[str, str]]:
    """The rules a complete definition breaks, as {code, message}; none while the profile or engagement is open."""
    if spec.role_profile is None or spec.engagement is None:
        return []
    answer = spec.role_definition.system_to_build
    kinds = frozenset(answer.kinds) if answer else frozenset()
    return [
        {"code": r.code, "message": r.message} for r in RULES if r.applies(spec.role_profile, spec.engagement, kinds)
    ]
