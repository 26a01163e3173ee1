"""Functions the proofs run in spawned child processes (they must be importable, so they live here)."""

import random
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hiring.bootstrap import dispatch
from hiring.errors import Conflict
from hiring.service import apply_event
from hiring.settings import Settings
from hiring.sla import sweep
from models.db import make_engine
from models.tables import Candidate
from states.errors import GuardRefused, TriggerNotAllowed
from states.policy import Policy
from tests.support import payloads

SWEEP_POLICY = Policy(head_of_talent="tess")
ALL_CHANNELS = frozenset({"console", "slack", "email"})


def write_events(url: str, name: str, cids: list[int], n: int, at: str, seed: int, barrier: Any) -> dict[str, Any]:
    """Apply n events to randomly chosen candidates (all in `final`), retrying each until it is written.

    Each event is chosen from the state just read: `resume` if the candidate is on hold, else `hold` or
    `record_interview`. Even-numbered events are read-modify-write (expected_version = the version read),
    odd ones blind appends. Someone else's write in between makes the attempt fail with Conflict (the version
    moved) or TriggerNotAllowed (the hold flag moved); the event is then chosen again and retried. Every event
    carries its own idempotency key, so the log shows exactly which attempts were written.
    """
    engine = make_engine(url)
    when = datetime.fromisoformat(at)
    rng = random.Random(seed)
    written: list[tuple[int, str, str]] = []  # (candidate, trigger, key)
    failures = {"Conflict": 0, "TriggerNotAllowed": 0, "GuardRefused": 0}
    try:
        barrier.wait(timeout=120)
        started = time.perf_counter()
        for i in range(n):
            cid = rng.choice(cids)
            key = f"{name}:{i}"
            while True:
                with Session(engine) as session:
                    version, on_hold = session.execute(
                        select(Candidate.version, Candidate.on_hold).where(Candidate.id == cid)  # type: ignore[arg-type]
                    ).one()
                if on_hold:
                    trigger, payload = "resume", payloads.reason(f"resume {key}")
                elif rng.random() < 0.3:
                    trigger, payload = "hold", payloads.reason(f"hold {key}")
                else:
                    trigger = "record_interview"
                    payload = payloads.record_interview(rng.choice(payloads.INTERVIEW_PARTS), rng.randint(1, 4))
                    payload["notes"] = key
                try:
                    apply_event(
                        engine,
                        cid,
                        trigger,
                        payload,
                        actor=name,
                        occurred_at=when,
                        now=when,
                        key=key,
                        expected_version=version if i % 2 == 0 else None,
                    )
                except (Conflict, TriggerNotAllowed, GuardRefused) as exc:
                    failures[type(exc).__name__] += 1
                    continue
                written.append((cid, trigger, key))
                break
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return {"name": name, "written": written, "failures": failures, "seconds": seconds}


def sweep_all(url: str, at: str, batch_size: int, barrier: Any) -> dict[str, Any]:
    """One sweep at `at`, started at the same moment as the other sweepers; what this process fired."""
    engine = make_engine(url)
    try:
        barrier.wait(timeout=120)
        started = time.perf_counter()
        fired = sweep(engine, datetime.fromisoformat(at), SWEEP_POLICY, ALL_CHANNELS, batch_size)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return {"fired": [(f.timer_id, f.level, f.escalation_id, f.outbox_rows) for f in fired], "seconds": seconds}


def dispatch_all(url: str, settings: dict[str, Any], at: str, barrier: Any) -> dict[str, Any]:
    """Dispatcher passes until one finds nothing to do; the rows this process recorded as sent."""
    engine = make_engine(url)
    config = Settings(_env_file=None, database_url=url, **settings)  # type: ignore[call-arg]
    totals = {"sent": 0, "messages": 0, "retried": 0, "dead": 0, "reclaimed": 0, "deferred": 0, "passes": 0}
    try:
        barrier.wait(timeout=120)
        started = time.perf_counter()
        while True:
            result = dispatch(engine, now=datetime.fromisoformat(at), settings=config)
            totals["passes"] += 1
            for name, value in result.counts().items():
                totals[name] += value
            if not (result.sent or result.retried or result.dead or result.reclaimed or result.deferred):
                break
        totals["seconds"] = time.perf_counter() - started
    finally:
        engine.dispose()
    return totals
