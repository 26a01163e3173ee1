"""The injectable clock. HIRING_NOW pins "now" for a whole process (demos, simulations, tests)."""

import os
from datetime import UTC, datetime


class InvalidTime(ValueError):
    pass


def parse_instant(text: str, what: str = "time") -> datetime:
    """Parse ISO 8601; a value without a zone is taken as UTC. Always returns an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidTime(f"{what} {text!r} is not an ISO 8601 time; use e.g. 2026-11-30T09:00:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now() -> datetime:
    pinned = os.environ.get("HIRING_NOW")
    if pinned:
        return parse_instant(pinned, "HIRING_NOW")
    return datetime.now(UTC)
