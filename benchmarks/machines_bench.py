"""One shared `transitions` machine firing on throw-away subjects (the product) against the naive design:
one Machine per candidate, kept alive with its candidate.

Both sides hold N candidates in memory and move each one with `screen`; each side runs in a fresh
interpreter, so its peak RSS is its own. The same transition table (states/graph.py) drives both.
"""

import time
from pathlib import Path
from typing import Any

from benchmarks.common import NOW, Size, Table, child, rss_mb


class NaiveCandidate:
    """A candidate that owns its state machine (transitions adds the trigger methods to it)."""

    def __init__(self, facts: Any) -> None:
        self.facts = facts


def child_machines(args: dict[str, Any]) -> dict[str, Any]:
    from transitions import Machine

    from states.candidate import CandidateState, Proposed, _Subject
    from states.graph import MACHINE, MACHINE_ROWS
    from states.payloads import Screen
    from states.stages import Stage

    n, impl = int(args["n"]), args["impl"]
    payload = Screen(
        owned_delivery=3,
        operational_judgment=4,
        data_realism=2,
        cross_functional_range=3,
        note="shipped an eval harness",
    )
    proposed = Proposed("screen", payload, NOW, None)
    rows = MACHINE_ROWS
    states = [stage.value for stage in Stage]
    base = rss_mb()
    started = time.perf_counter()
    kept: list[Any] = []
    if impl == "shared":
        screen = MACHINE.events["screen"]
        for _ in range(n):
            subject = _Subject(CandidateState())
            assert screen.trigger(subject, proposed=proposed)
            kept.append(CandidateState(stage=Stage(subject.state)))  # what the product keeps: plain state
    else:
        budget = float(args.get("budget") or "inf")
        for i in range(n):
            if i % 1000 == 0 and time.perf_counter() - started > budget:
                break
            cand = NaiveCandidate(CandidateState())
            Machine(
                model=cand, states=states, initial="sourced", transitions=rows, auto_transitions=False, send_event=True
            )
            assert cand.screen(proposed=proposed)  # type: ignore[attr-defined]  # transitions adds triggers at run time
            kept.append(cand)  # the naive design keeps every candidate's machine alive
    seconds = time.perf_counter() - started
    assert all((k.stage if impl == "shared" else k.state) in ("screened", Stage.SCREENED) for k in kept)
    return {"seconds": seconds, "rss_mb": rss_mb(), "base_mb": base, "done": len(kept)}


def run(size: Size, workdir: Path) -> list[Table]:
    table = Table("machines", "one shared machine vs one transitions Machine per candidate")
    for n in size.machine_sizes:
        shared = child("machines", {"n": n, "impl": "shared"})
        naive = child("machines", {"n": n, "impl": "naive", "budget": size.machine_budget})
        label = f"{n:,} candidates"
        scale = n / naive["done"]  # > 1 when the naive side ran out of its time budget
        if scale > 1:
            naive["seconds"] *= scale
            naive["rss_mb"] = naive["base_mb"] + (naive["rss_mb"] - naive["base_mb"]) * scale
            table.notes.append(
                f"the naive side at {label} stopped at its {size.machine_budget:.0f} s budget after "
                f"{naive['done']:,} candidates; its time and memory at {n:,} are scaled linearly "
                "from there (an underestimate: collector passes grow with live objects)"
            )
        table.add(
            f"time to move {label} (screen)",
            shared["seconds"],
            "s",
            baseline=naive["seconds"],
            baseline_name="Machine per candidate",
            ratio=shared["seconds"] / naive["seconds"],
        )
        grown, naive_grown = shared["rss_mb"] - shared["base_mb"], naive["rss_mb"] - naive["base_mb"]
        table.add(
            f"memory held for {label}",
            grown,
            "MB",
            baseline=naive_grown,
            baseline_name="Machine per candidate",
            ratio=grown / naive_grown if naive_grown > 0 else None,
        )
    table.notes.append(
        "memory: RSS with all N candidates held minus RSS before the loop (VmRSS), each side in a "
        "fresh interpreter; "
        "no target: this is the contrast for STACK-NOTES' advice "
        "(never keep a machine per candidate)"
    )
    return [table]
