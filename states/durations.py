"""Durations as people write them in a policy file ('5d', '48h', '1d12h', '90m') and back."""

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

# Every duration and ladder offset: at most ten years, so due times and escalations stay far inside what
# datetime and both databases hold (a due time of 2999 plus the longest ladder is still a valid instant).
MAX_DURATION = timedelta(days=3650)
_TOO_LONG = "a duration is at most 3650d (ten years); write e.g. 5d, 48h, 1d12h or 90m"

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*$")


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
