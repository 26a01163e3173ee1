"""The screen bar: the pass bar a resume screen's four signals must clear before `screen` moves a candidate on,
and the signals that look strong on a resume but predict little (shown with the screen kit).

Pure data and one rule; the policy (states/policy.py) holds the bar in effect, globally, per role profile and
per requisition.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Score = Annotated[int, Field(ge=1, le=4)]

# The four signals of the Screen payload (states/payloads.py), in the order they are shown.
SIGNALS: tuple[str, ...] = ("owned_delivery", "operational_judgment", "data_realism", "cross_functional_range")


class ScreenBar(BaseModel):
    """Every signal at least `min_signal` and their mean at least `min_mean` (both on the 1-4 scale)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_signal: Score = 2  # the default lets no signal sit at 1
    min_mean: Annotated[float, Field(ge=1, le=4)] = 2.5

    def describe(self) -> str:
        return f"every signal at least {self.min_signal}, mean at least {self.min_mean:g}"


DEFAULT_BAR = ScreenBar()


def check(signals: Mapping[str, int], bar: ScreenBar) -> list[str]:
    """What keeps these signals under the bar; an empty list when they clear it."""
    problems = [
        f"{name} is {signals[name]} (needs at least {bar.min_signal})"
        for name in SIGNALS
        if name in signals and signals[name] < bar.min_signal
    ]
    values = [signals[name] for name in SIGNALS if name in signals]
    mean = sum(values) / len(values) if values else 0.0
    if mean < bar.min_mean:
        problems.append(f"the mean is {mean:.2f} (needs at least {bar.min_mean:g})")
    return problems


@dataclass(frozen=True)
class Overrated:
    """A resume signal that is easy to over-weight, and the evidence worth asking for in its place."""

    key: str
    signal: str
    ask_instead: str


OVERRATED_SIGNALS: tuple[Overrated, ...] = (
    Overrated(
        "library_lists",
        "a long list of frameworks and libraries with no sign of having owned anything built with them",
        "one system the candidate was responsible for, and what broke or changed under their watch",
    ),
    Overrated(
        "generic_enthusiasm",
        'broad "passionate about AI" wording that names no problem, user or result',
        "a concrete problem they took on, for whom, and how they knew it worked",
    ),
    Overrated(
        "puzzle_coding",
        "strength at algorithm puzzles or contest rankings taken as proof of production skill",
        "code that ran for real users: testing, monitoring, rollbacks and the incidents they handled",
    ),
    Overrated(
        "unmapped_academic_depth",
        "research credentials or theory that do not connect to the work this role does",
        "how their depth would change a decision on this team's system or model",
    ),
)
