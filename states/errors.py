"""Why an event was refused. Each error carries what the caller needs to fix its request."""

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
