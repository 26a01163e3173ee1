"""SLA policy: timer durations, the escalation ladder, audiences and routing, with overrides; and the two
assessment switches the guards read (whether send_take_home needs a technical screen, the screen bar).

The timers' default durations are in the timer table (states/timers.py); the ladder's and the routing's
defaults are here. A policy file overrides them globally, per role profile and per requisition;
`parse_policy` names every problem it finds.
"""

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from states.approvals import DEFAULT_CHAIN, ChainRule, Handle
from states.calendar import WEEKDAYS, Calendar
from states.durations import Duration, human
from states.facts import PolicyInEffect
from states.field_problems import field_problems
from states.integrations_policy import AtsMapping, Retention
from states.screen_bar import ScreenBar
from states.timers import TIMERS, Role, TimerKind
from states.vocabulary import RoleProfile
from states.zones import TimeZoneName


class Level(StrEnum):
    REMINDER = "reminder"
    LEVEL_1 = "level_1"
    LEVEL_2 = "level_2"
    LEVEL_3 = "level_3"


NEXT_UP = {
    Role.RECRUITER: Role.HIRING_MANAGER,
    Role.HIRING_MANAGER: Role.HEAD_OF_TALENT,
    Role.HEAD_OF_TALENT: Role.HEAD_OF_TALENT,
    Role.INTERVIEWER: Role.HIRING_MANAGER,
    Role.APPROVER: Role.HEAD_OF_TALENT,
}
# An audience is a role, or "owner" (the timer's owner) or "next_up" (the owner's next person up).
AUDIENCES = ("owner", "next_up", *(r.value for r in Role))
CHANNELS = ("slack", "email", "console")


class Ladder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    reminder_at: Annotated[float, Field(gt=0, lt=1)] = 0.75  # share of the window passed
    level_2_after: Duration = timedelta(hours=24)  # after due
    level_3_after: Duration = timedelta(hours=72)
    audiences: dict[Level, str] = {
        Level.REMINDER: "owner",
        Level.LEVEL_1: "owner",
        Level.LEVEL_2: "next_up",
        Level.LEVEL_3: "head_of_talent",
    }

    @field_validator("audiences")
    @classmethod
    def _known(cls, value: dict[Level, str]) -> dict[Level, str]:
        for level, audience in value.items():
            if audience not in AUDIENCES:
                raise ValueError(f"{level}: unknown audience {audience!r}; allowed: {', '.join(AUDIENCES)}")
        return value

    @model_validator(mode="after")
    def _in_order(self) -> "Ladder":
        if self.level_3_after < self.level_2_after:
            raise ValueError(
                f"level_3_after ({human(self.level_3_after)}) is earlier than level_2_after "
                f"({human(self.level_2_after)}); level 3 comes at or after level 2"
            )
        return self


class Override(BaseModel):
    """What a role profile or a requisition may change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    durations: dict[TimerKind, Duration] = {}
    ladder: dict[str, Any] = {}
    technical_screen_required: bool | None = None  # None: as the level below says
    motivators_required: bool | None = None
    screen_bar: dict[str, Any] = {}  # merged over the global bar, e.g. {min_mean: 3}
    approval_chain: list[ChainRule] | None = None  # replaces the chain of the level below
    finance_approver: Handle | None = None


class CalendarSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    business_time: bool = False
    timezone: TimeZoneName = "UTC"
    working_days: list[str] = ["mon", "tue", "wed", "thu", "fri"]
    holidays: list[date] = []

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        bad = [d for d in value if d.lower()[:3] not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day(s) {', '.join(bad)}; use {', '.join(WEEKDAYS)}")
        if not value:
            raise ValueError("at least one working day is needed")
        return value

    def calendar(self) -> Calendar:
        return Calendar(
            business=self.business_time,
            timezone=self.timezone,
            working_days=frozenset(WEEKDAYS.index(d.lower()[:3]) for d in self.working_days),
            holidays=frozenset(self.holidays),
        )


DEFAULT_ROUTING: dict[Level, list[str]] = {
    Level.REMINDER: ["slack"],
    Level.LEVEL_1: ["slack"],
    Level.LEVEL_2: ["slack", "email"],
    Level.LEVEL_3: ["slack", "email"],
}


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    durations: dict[TimerKind, Duration] = {}
    ladder: Ladder = Ladder()
    technical_screen_required: bool = True  # send_take_home waits for a recorded technical_screen
    # The fourth interview part is scheduled or recorded only once the candidate's motivators are known.
    motivators_required: bool = True
    screen_bar: ScreenBar = ScreenBar()
    calendar: CalendarSpec = CalendarSpec()
    head_of_talent: str | None = None
    # The offer's approval steps in order (states/approvals.py); the default asks the hiring manager, then the
    # head of talent, and only for an offer outside the band.
    approval_chain: list[ChainRule] = list(DEFAULT_CHAIN)
    finance_approver: Handle | None = None  # who holds the `finance` role of a chain step
    # How far in the past an interview may be scheduled (to record one that already took place).
    interview_backfill: Duration = timedelta(days=7)
    # How long before its day (start date + 30/60/90) an onboarding checkpoint may be completed.
    checkpoint_early_window: Duration = timedelta(days=7)
    # Retention check-ins after onboarding, in days after the start date (each one a timer).
    retention_checkin_days: list[Annotated[int, Field(gt=90, le=3650)]] = [180, 365]
    # Channels per level: a list for every audience, or per audience role, e.g.
    # level_2: {hiring_manager: [slack], head_of_talent: [email]} (a role left out gets the level's first list).
    routing: dict[Level, list[str] | dict[Role, list[str]]] = dict(DEFAULT_ROUTING)
    role_profiles: dict[RoleProfile, Override] = {}
    requisitions: dict[int, Override] = {}
    ats: AtsMapping = AtsMapping()
    retention: Retention = Retention()

    @field_validator("retention_checkin_days")
    @classmethod
    def _ascending(cls, value: list[int]) -> list[int]:
        if value != sorted(set(value)):
            raise ValueError("list the days in ascending order, each once, e.g. [180, 365]")
        return value

    @field_validator("checkpoint_early_window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta:
        if not timedelta(0) <= value <= timedelta(days=29):
            raise ValueError("must be between 0 and 29 days (a checkpoint 30 days apart from the next)")
        return value

    @field_validator("routing")
    @classmethod
    def _channels(cls, value: dict[Level, list[str] | dict[Role, list[str]]]) -> dict:  # type: ignore[type-arg]  # pydantic checks the mapping's shape
        for level, routes in value.items():
            for role, channels in routes.items() if isinstance(routes, dict) else [(None, routes)]:
                where = f"{level}.{role}" if role else str(level)
                bad = [c for c in channels if c not in CHANNELS]
                if bad:
                    raise ValueError(f"{where}: unknown channel(s) {', '.join(bad)}; allowed: {', '.join(CHANNELS)}")
                if not channels:
                    raise ValueError(f"{where}: name at least one channel")
        return value

    def channels(self, level: Level, role: Role) -> list[str]:
        """The channels routed for this level and audience role."""
        routes = self.routing.get(level, DEFAULT_ROUTING[level])
        if isinstance(routes, dict):
            return routes.get(role) or DEFAULT_ROUTING[level]
        return routes

    # --- resolution: requisition override > role profile override > global > default -----------

    def _overrides(self, role_profile: str | None, requisition_id: int | None) -> list[Override]:
        out = []
        if role_profile and role_profile in self.role_profiles:
            out.append(self.role_profiles[RoleProfile(role_profile)])
        if requisition_id is not None and requisition_id in self.requisitions:
            out.append(self.requisitions[requisition_id])
        return out

    def duration(
        self, kind: TimerKind, role_profile: str | None = None, requisition_id: int | None = None
    ) -> timedelta | None:
        value: timedelta | None = self.durations.get(kind, TIMERS[kind].duration)
        for override in self._overrides(role_profile, requisition_id):
            value = override.durations.get(kind, value)
        return value

    def ladder_for(self, role_profile: str | None = None, requisition_id: int | None = None) -> Ladder:
        ladder = self.ladder
        for override in self._overrides(role_profile, requisition_id):
            if override.ladder:
                merged = {**ladder.model_dump(), **override.ladder}
                ladder = Ladder.model_validate(merged)
        return ladder

    def in_effect(self, role_profile: str | None = None, requisition_id: int | None = None) -> PolicyInEffect:
        """The settings the guards and stage timers read, for one requisition."""
        required, bar = self.technical_screen_required, self.screen_bar
        motivators = self.motivators_required
        for override in self._overrides(role_profile, requisition_id):
            if override.technical_screen_required is not None:
                required = override.technical_screen_required
            if override.motivators_required is not None:
                motivators = override.motivators_required
            if override.screen_bar:
                bar = ScreenBar.model_validate({**bar.model_dump(), **override.screen_bar})
        return PolicyInEffect(
            technical_screen_required=required,
            screen_bar=bar,
            motivators_required=motivators,
            checkpoint_early_window=self.checkpoint_early_window,
            retention_checkin_days=tuple(self.retention_checkin_days),
            timezone=self.calendar.timezone,
        )

    def approvals(
        self, role_profile: str | None = None, requisition_id: int | None = None
    ) -> tuple[list[ChainRule], str | None]:
        """The approval chain and finance approver in effect for one requisition."""
        chain, finance = self.approval_chain, self.finance_approver
        for override in self._overrides(role_profile, requisition_id):
            chain = override.approval_chain if override.approval_chain is not None else chain
            finance = override.finance_approver or finance
        return chain, finance

    def cal(self) -> Calendar:
        return self.calendar.calendar()


class PolicyError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"invalid policy {source}:\n" + "\n".join(f"  - {p}" for p in problems))


_SETTING_WORDS = {"extra_forbidden": "is not a known setting"}  # otherwise pydantic's own wording


def _merged_problems(at: str, model: type[BaseModel], base: BaseModel, override: dict[str, Any]) -> list[str]:
    """What is wrong with an override's partial ladder or screen bar, merged over the global one."""
    if not override:
        return []
    try:
        model.model_validate({**base.model_dump(), **override})
    except ValidationError as exc:
        found = field_problems(exc, empty_field="", messages={})
        return [f"{at}.{where}: {msg}" if where else f"{at}: {msg}" for where, msg in found]
    return []


def parse_policy(data: dict[str, Any], source: str = "file") -> Policy:
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        found = field_problems(exc, empty_field="", messages=_SETTING_WORDS)
        raise PolicyError(source, [f"{where}: {msg}" for where, msg in found]) from None
    problems = []
    for scope, overrides in (("role_profiles", policy.role_profiles), ("requisitions", policy.requisitions)):
        for key, override in overrides.items():
            for name, model, base in (("ladder", Ladder, policy.ladder), ("screen_bar", ScreenBar, policy.screen_bar)):
                problems += _merged_problems(f"{scope}.{key}.{name}", model, base, getattr(override, name))
    if problems:
        raise PolicyError(source, problems)
    return policy


DEFAULT_POLICY = Policy()
