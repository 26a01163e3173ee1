"""What predicted the hires who shipped: for every hire with a day-90 contribution rating, the rank correlation
(Spearman's rho, scipy.stats.spearmanr) of each signal recorded on the way in with that rating.

The signals: the resume screen's four (states/screen_bar.SIGNALS), the technical screen's two ratings, the six
take-home rubric criteria and each final-interview part's score. Each is taken as it stood last (a screen
recorded twice: the later one; interviews: the latest scorecard per part). The rating is the one on the
`complete_checkpoint` event that left onboarding_90; hires whose day-90 checkpoint predates the rating are
left out.

A pure function of the event log the pipeline report loads (hiring/reports/metrics.py `load`). A figure on
fewer than `min_hires` hires is not computed ("too few hires to say"), and one where the signal or the
rating did not vary (spearmanr gives nan) is "no variation", never a number. Ids and counts only: no names.
"""

import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from states.screen_bar import SIGNALS
from states.stages import Stage
from states.vocabulary import TAKE_HOME_RUBRIC, InterviewPart, RoleProfile

# Below this many rated hires a rank correlation says little: at n = 8 a rho must be about 0.74 or more to
# tell it from chance (two-sided 5%), and one hire more or less can move it by 0.2 or more.
DEFAULT_MIN_HIRES = 8
RATING = "contribution_rating"
TECHNICAL_SCREEN = ("depth", "communication")
# (step, signal): every figure the section shows, in pipeline order.
PREDICTORS: tuple[tuple[str, str], ...] = (
    *(("screen", s) for s in SIGNALS),
    *(("technical_screen", s) for s in TECHNICAL_SCREEN),
    *(("take_home", c) for c in TAKE_HOME_RUBRIC),
    *(("interview", p.value) for p in InterviewPart),
)
STEPS = {"screen": "screen", "technical_screen": "technical screen", "take_home": "take-home", "interview": "interview"}
TOO_FEW, NO_VARIATION, COMPUTED = "too_few", "no_variation", "computed"


class _Event(Protocol):
    @property
    def trigger(self) -> str: ...
    @property
    def from_stage(self) -> str | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def label(figure: Mapping[str, Any]) -> str:
    """How a figure is named in tables and charts, e.g. "take-home: edge_cases"."""
    return f"{STEPS[figure['step']]}: {figure['signal']}"


def latest_signals(events: Sequence[_Event]) -> dict[tuple[str, str], int]:
    """Each (step, signal) as last recorded, from one candidate's events in order."""
    out: dict[tuple[str, str], int] = {}

    def take(step: str, names: Sequence[str], payload: dict[str, Any]) -> None:
        out.update({(step, n): int(payload[n]) for n in names if isinstance(payload.get(n), int)})

    for ev in events:
        if ev.trigger == "screen":
            take("screen", SIGNALS, ev.payload)
        elif ev.trigger == "technical_screen":
            take("technical_screen", TECHNICAL_SCREEN, ev.payload)
        elif ev.trigger == "score_take_home":
            take("take_home", TAKE_HOME_RUBRIC, ev.payload)
        elif ev.trigger == "record_interview" and isinstance(ev.payload.get("score"), int):
            out[("interview", str(ev.payload["part"]))] = int(ev.payload["score"])
    return out


def day_90_rating(events: Sequence[_Event]) -> int | None:
    """The contribution rating of the last day-90 checkpoint; None before it, or when it has no rating."""
    rating = None
    for ev in events:
        if ev.trigger == "complete_checkpoint" and ev.from_stage == Stage.ONBOARDING_90:
            value = ev.payload.get(RATING)
            rating = value if isinstance(value, int) else None
    return rating


def strength(rho: float) -> str:
    """A plain-language reading of |rho| (the usual rule of thumb), with its direction."""
    size = abs(rho)
    if size < 0.1:
        return "none to speak of"
    word = "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"
    return f"{word} {'positive' if rho > 0 else 'negative'}"


def correlation(pairs: Sequence[tuple[int, int]], min_hires: int) -> dict[str, Any]:
    """rho and its p-value over (signal, rating) pairs, or why there is none."""
    n = len(pairs)
    if n < min_hires:
        return {"n": n, "status": TOO_FEW, "rho": None, "p_value": None, "reading": "too few hires to say"}
    from scipy.stats import spearmanr  # here: importing scipy.stats takes a second or two, paid only when needed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a constant input warns, and gives nan: handled below
        result = spearmanr([s for s, _ in pairs], [r for _, r in pairs])
    rho, p = float(result.statistic), float(result.pvalue)
    if math.isnan(rho):
        return {"n": n, "status": NO_VARIATION, "rho": None, "p_value": None, "reading": "no variation"}
    return {"n": n, "status": COMPUTED, "rho": round(rho, 3), "p_value": round(p, 4), "reading": strength(rho)}


def _group(hires: Sequence[tuple[dict[tuple[str, str], int], int]], min_hires: int) -> dict[str, Any]:
    figures = []
    for step, signal in PREDICTORS:
        pairs = [(signals[(step, signal)], rating) for signals, rating in hires if (step, signal) in signals]
        figures.append({"step": step, "signal": signal, **correlation(pairs, min_hires)})
    return {"hires": len(hires), "enough": len(hires) >= min_hires, "figures": figures}


def outcome_predictors(
    events: Mapping[int, Sequence[_Event]], profiles: Mapping[int, str | None], min_hires: int = DEFAULT_MIN_HIRES
) -> dict[str, Any]:
    """`events`: each candidate's events in order; `profiles`: each candidate's requisition role profile.
    Every hire with a day-90 rating overall, then per role profile (vocabulary order) that has any."""
    hires: list[tuple[int, dict[tuple[str, str], int], int]] = []
    for cid, evs in events.items():
        rating = day_90_rating(evs)
        if rating is not None:
            hires.append((cid, latest_signals(evs), rating))
    by_profile = []
    for profile in RoleProfile:
        mine = [(s, r) for cid, s, r in hires if profiles.get(cid) == profile.value]
        if mine:
            by_profile.append({"role_profile": profile.value, **_group(mine, min_hires)})
    ratings = Counter(r for _, _, r in hires)
    return {
        "min_hires": min_hires,
        "ratings": {str(r): ratings.get(r, 0) for r in range(1, 5)},
        "all": _group([(s, r) for _, s, r in hires], min_hires),
        "by_profile": by_profile,
    }
