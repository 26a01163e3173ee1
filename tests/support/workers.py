"""Functions run in child processes by tests/proofs/test_concurrency.py (spawned: they must be importable)."""

from datetime import datetime
from typing import Any

from hiring.errors import Conflict
from hiring.queries import show_candidate
from hiring.service import apply_event
from models.db import make_engine
from states.errors import TriggerNotAllowed
from tests.support import payloads


def warm() -> None:
    """Pool initializer: everything is imported at module level above, before any test waits on it."""


def race_to_screen(url: str, name: str, cids: list[int], at: str, barrier: Any) -> list[tuple[int, str]]:
    """For each candidate: wait for the other racer, then both try `screen` at the same moment."""
    engine = make_engine(url)
    when = datetime.fromisoformat(at)
    outcomes = []
    try:
        for cid in cids:
            barrier.wait(timeout=60)
            try:
                apply_event(engine, cid, "screen", payloads.screen(), actor=name, occurred_at=when, now=when)
                outcomes.append((cid, "won"))
            except (Conflict, TriggerNotAllowed) as exc:
                outcomes.append((cid, type(exc).__name__))
    finally:
        engine.dispose()
    return outcomes


def append_interviews(
    url: str, name: str, cids: list[int], n: int, at: str, checked: bool, barrier: Any
) -> tuple[dict[int, int], int]:
    """Append n record_interview events to each candidate, retrying on conflict; (done, conflicts).

    checked=True reads the version first and applies with expected_version (read-modify-write, so
    concurrent writers really do collide); checked=False appends blindly.
    """
    engine = make_engine(url)
    when = datetime.fromisoformat(at)
    done = dict.fromkeys(cids, 0)
    conflicts = 0
    try:
        barrier.wait(timeout=60)
        for i in range(n):
            for cid in cids:
                payload = payloads.record_interview(payloads.INTERVIEW_PARTS[i % 4])
                payload["notes"] = f"{name} #{i}"
                while True:
                    expected = show_candidate(engine, str(cid))["version"] if checked else None
                    try:
                        apply_event(
                            engine,
                            cid,
                            "record_interview",
                            payload,
                            actor=name,
                            occurred_at=when,
                            now=when,
                            expected_version=expected,
                        )
                        done[cid] += 1
                        break
                    except Conflict:
                        conflicts += 1
    finally:
        engine.dispose()
    return done, conflicts
