"""The escalation ladder of one timer: when each level comes due, which are due at a time, the next level
and when, who it goes to, and the channels it is sent on. Pure; the one home of this arithmetic."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from states.calendar import Calendar
from states.policy import NEXT_UP, Ladder, Level
from states.timers import Role

LEVELS: tuple[Level, ...] = tuple(Level)
Steps = list[tuple[Level, datetime]]  # every level of one timer with when it comes due, in ladder order


def schedule(window_start: datetime, due_at: datetime, ladder: Ladder, cal: Calendar) -> Steps:
    """When each level of one timer comes due, in ladder order."""
    window = cal.between(window_start, due_at)
    return [
        (Level.REMINDER, cal.add(window_start, window * ladder.reminder_at)),
        (Level.LEVEL_1, due_at),
        (Level.LEVEL_2, cal.add(due_at, ladder.level_2_after)),
        (Level.LEVEL_3, cal.add(due_at, ladder.level_3_after)),
    ]


def due_now(steps: Steps, next_level: str | None, now: datetime) -> Steps:
    """The levels from `next_level` on (none when it is None: all fired) that are due at `now`."""
    names = [level.value for level, _ in steps]
    start = names.index(next_level) if next_level in names else len(names)
    due: Steps = []
    for level, at in steps[start:]:
        if at > now:
            break
        due.append((level, at))
    return due


def following(steps: Steps, after: str | None = None) -> tuple[str | None, datetime | None]:
    """The first level after `after` (the first level when None) and when it comes due; (None, None) if none."""
    names = [level.value for level, _ in steps]
    start = names.index(after) + 1 if after else 0
    for level, at in steps[start:]:
        return level.value, at
    return None, None


def previous(level: str | None) -> str | None:
    """The level before `level` in ladder order (the last when `level` is None: all fired; None for the first)."""
    order = [lv.value for lv in LEVELS]
    if level is None:
        return order[-1]
    index = order.index(level)
    return order[index - 1] if index else None


def audience(level: Level, owner: Role, ladder: Ladder) -> Role:
    who = ladder.audiences.get(level, "owner")
    if who == "owner":
        return owner
    if who == "next_up":
        return NEXT_UP[owner]
    return Role(who)


@dataclass(frozen=True)
class Step:
    """One level of one timer: who it goes to and when."""

    level: Level
    role: Role
    at: datetime


def step(level: Level, owner: Role, ladder: Ladder, steps: Steps) -> Step:
    return Step(level, audience(level, owner, ladder), dict(steps)[level])


def next_up_after(level: Level, owner: Role, ladder: Ladder) -> tuple[Level, Role] | None:
    """Who is escalated to next if nothing happens (for messages and `hiring sla`)."""
    index = LEVELS.index(level)
    if index + 1 >= len(LEVELS):
        return None
    nxt = LEVELS[index + 1]
    return nxt, audience(nxt, owner, ladder)


def next_step(level: Level, owner: Role, ladder: Ladder, steps: Steps) -> Step | None:
    """The level after `level`, with who it goes to and when (None after the last)."""
    following_level = next_up_after(level, owner, ladder)
    return None if following_level is None else step(following_level[0], owner, ladder, steps)


def recipient(
    role: Role,
    recruiter: str | None,
    hiring_manager: str | None,
    head_of_talent: str | None,
    interviewer: str | None = None,
) -> str | None:
    """The person who holds `role` for a requisition (the interviewer, an approver: the one who owns the timer)."""
    if role in (Role.INTERVIEWER, Role.APPROVER):
        return interviewer
    if role == Role.RECRUITER:
        return recruiter
    if role == Role.HIRING_MANAGER:
        return hiring_manager
    return head_of_talent


def pick_channels(routed: Sequence[str], available: frozenset[str], preferred: list[str] | None = None) -> list[str]:
    """The routed channels that are configured here, narrowed to the person's preferred channels when that
    leaves any; the console when none of the routed channels is configured."""
    configured = [c for c in routed if c in available]
    narrowed = [c for c in configured if c in (preferred or [])]
    return narrowed or configured or ["console"]
