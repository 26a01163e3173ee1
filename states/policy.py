"""SLA policy: timer durations, the escalation ladder, audiences and routing, with overrides.

Defaults live here (the README table is generated from DEFAULTS). A policy file overrides them
globally, per role profile and per requisition; `parse_policy` names every problem it finds.
"""

import re
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from states.calendar import WEEKDAYS, Calendar
from states.integrations_policy import AtsMapping, Retention
from states.vocabulary import RoleProfile
from states.zones import TimeZoneName


class TimerKind(StrEnum):
    SCREEN_DECISION = "screen_decision"
    TAKE_HOME_SENT = "take_home_sent"
    TAKE_HOME_SUBMISSION = "take_home_submission"
    TAKE_HOME_REVIEW = "take_home_review"
    DEBRIEF = "debrief"
    FINAL_LOOP = "final_loop"
    DECISION = "decision"
    OFFER_RESPONSE = "offer_response"
    CHECKPOINT_30 = "checkpoint_30"
    CHECKPOINT_60 = "checkpoint_60"
    CHECKPOINT_90 = "checkpoint_90"


class Role(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    HEAD_OF_TALENT = "head_of_talent"


class Level(StrEnum):
    REMINDER = "reminder"
    LEVEL_1 = "level_1"
    LEVEL_2 = "level_2"
    LEVEL_3 = "level_3"


NEXT_UP = {Role.RECRUITER: Role.HIRING_MANAGER, Role.HIRING_MANAGER: Role.HEAD_OF_TALENT,
           Role.HEAD_OF_TALENT: Role.HEAD_OF_TALENT}  # fmt: skip
# An audience is a role, or "owner" (the timer's owner) or "next_up" (the owner's next person up).
AUDIENCES = ("owner", "next_up", *(r.value for r in Role))
CHANNELS = ("slack", "email", "console")

# Every duration and ladder offset: at most ten years, so due times and escalations stay far inside what
# datetime and both databases hold (a due time of 2999 plus the longest ladder is still a valid instant).
MAX_DURATION = timedelta(days=3650)
_TOO_LONG = "a duration is at most 3650d (ten years); write e.g. 5d, 48h, 1d12h or 90m"

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*$"
)


def parse_duration(value: Any) -> timedelta:
    """'5d', '48h', '1d12h', '90m', or a number of hours."""
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        result = _delta(value, hours=value)
    else:
        match = _DURATION.match(str(value)) if isinstance(value, str) else None
        if not match or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration; write e.g. 5d, 48h, 1d12h or 90m")
        days, hours, minutes = (float(g) if g else 0.0 for g in match.groups())
        result = _delta(value, days=days, hours=hours, minutes=minutes)
    if result < timedelta(0):
        raise ValueError(f"{value!r} is negative; a duration is 0 or more")
    if result > MAX_DURATION:
        raise ValueError(f"{value!r} is too long; {_TOO_LONG}")
    return result


def _delta(value: Any, **parts: float) -> timedelta:
    try:
        return timedelta(**parts)
    except (OverflowError, ValueError):  # inf, nan, or more than 999,999,999 days
        raise ValueError(f"{value!r} is too long; {_TOO_LONG}") from None


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def human(delta: timedelta) -> str:
    """A duration as people write it: 48h, 5d, 1d12h, 90m -> 1h30m."""
    minutes = round(delta.total_seconds() / 60)
    sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days <= 2 and not mins and (days or hours):
        return f"{sign}{days * 24 + hours}h"
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "") + (f"{mins}m" if mins else "")
    return sign + (text or "0m")


class TimerRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    owner: Role
    duration: Duration | None  # None: the due time comes from the event (assignment due, start date)
    action: str  # what the owner is expected to do


DEFAULT_TIMERS: dict[TimerKind, TimerRule] = {
    TimerKind.SCREEN_DECISION: TimerRule(owner=Role.RECRUITER, duration=timedelta(days=5),
                                         action="screen the resume: advance (screen) or reject"),
    TimerKind.TAKE_HOME_SENT: TimerRule(owner=Role.RECRUITER, duration=timedelta(days=2),
                                        action="send the take-home assignment"),
    TimerKind.TAKE_HOME_SUBMISSION: TimerRule(owner=Role.RECRUITER, duration=timedelta(days=5),
                                              action="chase the candidate's take-home submission"),
    TimerKind.TAKE_HOME_REVIEW: TimerRule(owner=Role.HIRING_MANAGER, duration=timedelta(days=3),
                                          action="review and score the take-home"),
    TimerKind.DEBRIEF: TimerRule(owner=Role.RECRUITER, duration=timedelta(days=5),
                                 action="hold the debrief and advance to the final loop or reject"),
    TimerKind.FINAL_LOOP: TimerRule(owner=Role.RECRUITER, duration=timedelta(days=10),
                                    action="complete all four final-interview parts"),
    TimerKind.DECISION: TimerRule(owner=Role.HIRING_MANAGER, duration=timedelta(hours=48),
                                  action="make the hire/no-hire call: make_offer or reject"),
    TimerKind.OFFER_RESPONSE: TimerRule(owner=Role.RECRUITER, duration=timedelta(days=7),
                                        action="get the candidate's answer to the offer"),
    TimerKind.CHECKPOINT_30: TimerRule(owner=Role.HIRING_MANAGER, duration=timedelta(days=30),
                                       action="complete the 30-day onboarding checkpoint"),
    TimerKind.CHECKPOINT_60: TimerRule(owner=Role.HIRING_MANAGER, duration=timedelta(days=60),
                                       action="complete the 60-day onboarding checkpoint"),
    TimerKind.CHECKPOINT_90: TimerRule(owner=Role.HIRING_MANAGER, duration=timedelta(days=90),
                                       action="complete the 90-day onboarding checkpoint"),
}  # fmt: skip
# When each timer opens and closes, for the README (the behaviour itself is in states/sla.py).
TIMER_DOCS: dict[TimerKind, tuple[str, str, str]] = {
    TimerKind.SCREEN_DECISION: ("entering sourced", "leaving sourced", "5d"),
    TimerKind.TAKE_HOME_SENT: ("entering screened", "leaving screened", "2d"),
    TimerKind.TAKE_HOME_SUBMISSION: ("send_take_home", "submit_take_home or leaving take_home",
                                     "the assignment's due_at"),
    TimerKind.TAKE_HOME_REVIEW: ("submit_take_home", "leaving take_home", "3d"),
    TimerKind.DEBRIEF: ("entering debrief", "leaving debrief", "5d"),
    TimerKind.FINAL_LOOP: ("entering final", "fourth interview part recorded, or leaving final", "10d"),
    TimerKind.DECISION: ("fourth interview part recorded", "leaving final", "48h"),
    TimerKind.OFFER_RESPONSE: ("make_offer (restarted by revise_offer)", "leaving offer", "7d"),
    TimerKind.CHECKPOINT_30: ("accept_offer", "complete_checkpoint, depart", "start date + 30d"),
    TimerKind.CHECKPOINT_60: ("checkpoint 30 completed", "complete_checkpoint, depart", "start date + 60d"),
    TimerKind.CHECKPOINT_90: ("checkpoint 60 completed", "complete_checkpoint, depart", "start date + 90d"),
}  # fmt: skip


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
            raise ValueError(f"level_3_after ({human(self.level_3_after)}) is earlier than level_2_after "
                             f"({human(self.level_2_after)}); level 3 comes at or after level 2")  # fmt: skip
        return self


class Override(BaseModel):
    """What a role profile or a requisition may change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    durations: dict[TimerKind, Duration] = {}
    ladder: dict[str, Any] = {}


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
    calendar: CalendarSpec = CalendarSpec()
    head_of_talent: str | None = None
    # Channels per level: a list for every audience, or per audience role, e.g.
    # level_2: {hiring_manager: [slack], head_of_talent: [email]} (a role left out gets the level's first list).
    routing: dict[Level, list[str] | dict[Role, list[str]]] = dict(DEFAULT_ROUTING)
    role_profiles: dict[RoleProfile, Override] = {}
    requisitions: dict[int, Override] = {}
    ats: AtsMapping = AtsMapping()
    retention: Retention = Retention()

    @field_validator("routing")
    @classmethod
    def _channels(cls, value: dict[Level, list[str] | dict[Role, list[str]]]) -> dict:  # type: ignore[type-arg]
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

    def duration(self, kind: TimerKind, role_profile: str | None = None,
                 requisition_id: int | None = None) -> timedelta | None:  # fmt: skip
        value = self.durations.get(kind, DEFAULT_TIMERS[kind].duration)
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

    def cal(self) -> Calendar:
        return self.calendar.calendar()


class PolicyError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"invalid policy {source}:\n" + "\n".join(f"  - {p}" for p in problems))


def parse_policy(data: dict[str, Any], source: str = "file") -> Policy:
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = "is not a known setting" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{where}: {msg}")
        raise PolicyError(source, problems) from None
    problems = []
    for scope, overrides in (("role_profiles", policy.role_profiles), ("requisitions", policy.requisitions)):
        for key, override in overrides.items():
            if override.ladder:
                try:
                    Ladder.model_validate({**policy.ladder.model_dump(), **override.ladder})
                except ValidationError as exc:
                    problems += [f"{'.'.join(map(str, (scope, key, 'ladder', *e['loc'])))}: {e['msg']}"
                                 for e in exc.errors()]  # fmt: skip
    if problems:
        raise PolicyError(source, problems)
    return policy


DEFAULT_POLICY = Policy()
