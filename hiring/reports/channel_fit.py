"""Channel fit per role profile: candidates and hires per source channel against the channels the playbook
recommends for the profile. The comparison itself is `states.sourcing.channel_fit`, the one `hiring role
show` uses for a single requisition; this module only counts, from the journeys the pipeline report walks
(a hire is a candidate who reached onboarding_30, so one who departed later still counts)."""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from states.sourcing import channel_fit
from states.stages import Stage
from states.vocabulary import RoleProfile


class _Cand(Protocol):
    @property
    def requisition_id(self) -> int: ...
    @property
    def source(self) -> str: ...


class _Journey(Protocol):
    @property
    def cand(self) -> _Cand: ...
    @property
    def reached(self) -> set[str]: ...


class _Req(Protocol):
    @property
    def role_profile(self) -> str | None: ...


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def channel_fit_by_profile(journeys: Sequence[_Journey], reqs: Mapping[int, _Req]) -> list[dict[str, Any]]:
    """One entry per role profile of the requisitions in scope (vocabulary order): its channels (the
    recommended ones first, even at zero) and how many candidates and hires came from recommended ones."""
    counts: dict[str, dict[str, list[int]]] = {r.role_profile: {} for r in reqs.values() if r.role_profile}
    for j in journeys:
        req = reqs.get(j.cand.requisition_id)
        if req is None or not req.role_profile:
            continue
        seen = counts[req.role_profile].setdefault(j.cand.source, [0, 0])
        seen[0] += 1
        seen[1] += Stage.ONBOARDING_30.value in j.reached
    out = []
    for profile in (p for p in RoleProfile if p.value in counts):
        mine = counts[profile.value]
        channels = channel_fit(profile, {c: (n, h) for c, (n, h) in mine.items()})
        recommended = [mine.get(str(c["channel"]), [0, 0]) for c in channels if c["recommended"] is True]
        candidates, hires = sum(n for n, _ in mine.values()), sum(h for _, h in mine.values())
        rec_candidates, rec_hires = sum(n for n, _ in recommended), sum(h for _, h in recommended)
        out.append(
            {
                "role_profile": profile.value,
                "channels": channels,
                "candidates": candidates,
                "hires": hires,
                "recommended_candidates": rec_candidates,
                "recommended_hires": rec_hires,
                "recommended_candidate_share": _share(rec_candidates, candidates),
                "recommended_hire_share": _share(rec_hires, hires),
            }
        )
    return out
