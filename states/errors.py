"""Why a request or an event was refused. Each error carries what the caller needs to fix its request.

The request errors (`HiringError` and its kinds) live here, in the lowest layer, so that every layer can raise
them and the entry points map them in one place: the CLI to its exit code, the API to an HTTP status.
"""

from dataclasses import dataclass


class EventRefused(Exception):
    """Base class: the event was refused and nothing may be written."""


@dataclass
class TriggerNotAllowed(EventRefused):
    trigger: str
    stage: str
    allowed: list[str]
    on_hold: bool = False

    def __str__(self) -> str:
        where = f"stage '{self.stage}'" + (" while on hold" if self.on_hold else "")
        allowed = ", ".join(self.allowed) if self.allowed else "none (the stage is terminal)"
        return f"trigger '{self.trigger}' is not allowed from {where}; allowed: {allowed}"


@dataclass
class UnknownTrigger(EventRefused):
    trigger: str
    known: list[str]

    def __str__(self) -> str:
        return f"unknown trigger '{self.trigger}'; known triggers: {', '.join(self.known)}"


@dataclass
class InvalidPayload(EventRefused):
    trigger: str
    problems: list[tuple[str, str]]  # (field, what is wrong / allowed)

    def __str__(self) -> str:
        lines = [f"invalid payload for '{self.trigger}':"]
        lines += [f"  - {field}: {problem}" for field, problem in self.problems]
        return "\n".join(lines)


@dataclass
class GuardRefused(EventRefused):
    trigger: str
    reasons: list[str]

    def __str__(self) -> str:
        return f"'{self.trigger}' refused: " + "; ".join(self.reasons)


class HiringError(Exception):
    """A request refused, with the exit code the CLI ends with (1 unexpected, 2 invalid input, 3 conflict,
    4 not found); the API answers 422, 409 and 404. Re-exported by hiring.errors."""

    exit_code = 1


class InvalidInput(HiringError):
    """Exit 2: the request itself is wrong; it names what was wrong and what is allowed."""

    exit_code = 2


class Conflict(HiringError):
    """Exit 3: a concurrent change, a replayed key with a different event, or a disallowed change."""

    exit_code = 3


class NotFound(HiringError):
    """Exit 4."""

    exit_code = 4
