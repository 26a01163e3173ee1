"""The stages a candidate moves through, and the groups of them the rules talk about."""

from enum import StrEnum


class Stage(StrEnum):
    SOURCED = "sourced"
    SCREENED = "screened"
    TAKE_HOME = "take_home"
    DEBRIEF = "debrief"
    FINAL = "final"
    OFFER = "offer"
    ONBOARDING_30 = "onboarding_30"
    ONBOARDING_60 = "onboarding_60"
    ONBOARDING_90 = "onboarding_90"
    ONBOARDED = "onboarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    DEPARTED = "departed"


# Stages a candidate can be rejected or withdraw from: everything before the offer is accepted.
BEFORE_ACCEPTANCE: tuple[Stage, ...] = (
    Stage.SOURCED,
    Stage.SCREENED,
    Stage.TAKE_HOME,
    Stage.DEBRIEF,
    Stage.FINAL,
    Stage.OFFER,
)
ONBOARDING: tuple[Stage, ...] = (Stage.ONBOARDING_30, Stage.ONBOARDING_60, Stage.ONBOARDING_90)
# The day (after the start date) of the checkpoint each onboarding stage waits for.
CHECKPOINT_DAYS: dict[Stage, int] = {Stage.ONBOARDING_30: 30, Stage.ONBOARDING_60: 60, Stage.ONBOARDING_90: 90}
# After the day-30 checkpoint: where a hire can be while an access gap is still open.
AFTER_DAY_30: tuple[Stage, ...] = (Stage.ONBOARDING_60, Stage.ONBOARDING_90, Stage.ONBOARDED)
TERMINAL: frozenset[Stage] = frozenset(
    {Stage.REJECTED, Stage.WITHDRAWN, Stage.DECLINED, Stage.ONBOARDED, Stage.DEPARTED}
)
# Terminal stages that `reopen` can bring a candidate back from.
REOPENABLE: tuple[Stage, ...] = (Stage.REJECTED, Stage.WITHDRAWN)
ACTIVE: tuple[Stage, ...] = tuple(s for s in Stage if s not in TERMINAL)

INITIAL = Stage.SOURCED
