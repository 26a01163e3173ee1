"""Functions tests/proofs/test_adversarial_races.py runs in spawned processes (importable, so they live here).

Each takes the barrier of tests.support.proof_support.together last and does its setup (imports, engine, client)
before waiting on it, so that the racing calls really start at the same moment.
"""

import json
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from hiring.errors import Conflict
from hiring.privacy import apply_retention, erase
from hiring.service import apply_event
from hiring.sla import sweep
from models.db import make_engine
from models.tables import Candidate
from models.tables_integrations import Erasure
from states.errors import GuardRefused, TriggerNotAllowed
from states.integrations_policy import Retention
from states.policy import Policy
from states.stages import Stage
from tests.support import payloads
from tests.support.proof_workers import ALL_CHANNELS

SECRET = "call me on +44 7700 900123"  # the free text every racing event carries: erasure must scrub it
RETENTION = Policy(head_of_talent="tess", retention=Retention(erase_after={Stage.REJECTED: timedelta(days=180)}))
LATER = timedelta(days=200)  # erasers and sweepers run this long after the events: every timer and rule is due
MAX_TRIES = 200  # events a writer tries on one candidate before it gives up waiting for the eraser


def warm() -> None:
    """Pool initializer: every entry point the races use is imported once per process, before any race."""
    import hiring.cli  # noqa: F401
    import tests.support.api
    import tests.support.proof_cli  # noqa: F401


def ready(barrier: Any) -> None:
    """Nothing: run in every process at once, it makes the pool start (and warm) all of its processes."""
    barrier.wait(timeout=300)


def _stage(engine: Engine, cid: int) -> str:
    with Session(engine) as session:
        return session.execute(select(Candidate.stage).where(Candidate.id == cid)).scalar_one()  # type: ignore[arg-type]


def _version(engine: Engine, cid: int) -> int:
    with Session(engine) as session:
        return session.execute(select(Candidate.version).where(Candidate.id == cid)).scalar_one()  # type: ignore[arg-type]


def _erasures(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Erasure)).scalar_one()


def reject_reopen(url: str, name: str, cids: list[int], at: str, barrier: Any) -> dict[str, Any]:
    """Walk the candidates in order (as the eraser does); reject or reopen each until it is refused as erased.

    Every event carries SECRET in a free-text field. Refusals that are not the erasure (someone else wrote
    first) are counted and retried.
    """
    engine = make_engine(url)
    when = datetime.fromisoformat(at)
    written, refused = 0, Counter[str]()
    try:
        barrier.wait(timeout=120)
        for cid in cids:
            rejected = _stage(engine, cid) == Stage.REJECTED.value
            for i in range(MAX_TRIES):
                text = f"{SECRET} ({name} #{i})"
                trigger, payload = (
                    ("reopen", payloads.reason(text)) if rejected else ("reject", {**payloads.reject(), "note": text})
                )
                try:
                    apply_event(engine, cid, trigger, payload, actor=name, occurred_at=when, now=when)
                    written += 1
                except Conflict as exc:
                    if "erased" in str(exc):
                        refused["erased"] += 1
                        break
                    refused["Conflict"] += 1
                    continue
                except (TriggerNotAllowed, GuardRefused) as exc:  # another writer moved it first
                    refused[type(exc).__name__] += 1
                rejected = not rejected
                time.sleep(0.001)  # SQLite's busy handler favours whoever retries first: let the eraser in
    finally:
        engine.dispose()
    return {"name": name, "written": written, "refused": dict(refused)}


def erase_each(url: str, cids: list[int], at: str, barrier: Any) -> dict[str, Any]:
    """Erase the candidates in order, each once the writers have moved it on (or after a bounded wait)."""
    engine = make_engine(url)
    when = datetime.fromisoformat(at) + LATER
    waited = erasing = 0.0
    try:
        barrier.wait(timeout=120)
        for cid in cids:
            t0 = time.perf_counter()
            start = _version(engine, cid)
            for _ in range(1000):
                if _version(engine, cid) > start:
                    break
                time.sleep(0.001)
            t1 = time.perf_counter()
            erase(engine, cid, "race-eraser", reason="request", now=when)
            waited, erasing = waited + t1 - t0, erasing + time.perf_counter() - t1
    finally:
        engine.dispose()
    return {"erased": len(cids), "waited": round(waited, 1), "erasing": round(erasing, 1)}


def retention_until_done(url: str, cids: list[int], at: str, barrier: Any) -> dict[str, Any]:
    """Run the retention rule (rejected: erase after 180 days) until every candidate is erased (bounded)."""
    engine = make_engine(url)
    when = datetime.fromisoformat(at) + LATER
    passes = 0
    try:
        barrier.wait(timeout=120)
        while _erasures(engine) < len(cids) and passes < 20_000:
            apply_retention(engine, now=when, policy=RETENTION)
            passes += 1
    finally:
        engine.dispose()
    return {"passes": passes}


def sweep_until_erased(url: str, cids: list[int], at: str, barrier: Any) -> dict[str, Any]:
    """Sweep (every level of every open timer is due) until every candidate is erased (bounded)."""
    engine = make_engine(url)
    when = datetime.fromisoformat(at) + LATER
    fired = passes = 0
    try:
        barrier.wait(timeout=120)
        while _erasures(engine) < len(cids) and passes < 20_000:
            fired += len(sweep(engine, when, RETENTION, ALL_CHANNELS, batch_size=50))
            passes += 1
            time.sleep(0.002)  # leave the cores to the writers and the eraser
    finally:
        engine.dispose()
    return {"fired": fired, "passes": passes}


def race(url: str, role: str, args: tuple[Any, ...], barrier: Any) -> dict[str, Any]:
    """One process of a mixed race: `role` names which of the functions above it runs."""
    roles = {
        "writer": reject_reopen,
        "eraser": erase_each,
        "retention": retention_until_done,
        "sweeper": sweep_until_erased,
    }
    return {"role": role, **roles[role](url, *args, barrier)}


# --- one idempotency key, sent by several processes at once -------------------------------------------


def send_once(url: str, via: str, cid: int, key: str, expected: int | None, barrier: Any) -> dict[str, Any]:
    """Send `screen` for `cid` with idempotency key `key` once, through the service, the CLI or the API.

    Returns what the caller saw: written, replayed, or refused (with the exit code / status and message).
    """
    payload = payloads.screen()
    if via == "service":
        return _by_service(url, cid, key, payload, expected, barrier)
    if via == "cli":
        return _by_cli(url, cid, key, payload, expected, barrier)
    return _by_api(url, cid, key, payload, expected, barrier)


def _by_service(
    url: str, cid: int, key: str, payload: dict[str, Any], expected: int | None, barrier: Any
) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        barrier.wait(timeout=120)
        try:
            out = apply_event(engine, cid, "screen", payload, actor="retry", key=key, expected_version=expected)
        except (Conflict, TriggerNotAllowed) as exc:
            return {"seen": "refused", "detail": f"{type(exc).__name__}: {exc}"}
    finally:
        engine.dispose()
    return {"seen": "replayed" if out.replayed else "written", "event_id": out.event_id, "version": out.version}


def _by_cli(
    url: str, cid: int, key: str, payload: dict[str, Any], expected: int | None, barrier: Any
) -> dict[str, Any]:
    from tests.support.proof_cli import run_cli

    args = ["advance", str(cid), "screen", "--data", json.dumps(payload), "--key", key, "--by", "retry", "--json"]
    if expected is not None:
        args += ["--if-version", str(expected)]
    barrier.wait(timeout=120)
    result = run_cli(args, {"HIRING_DATABASE_URL": url})
    if result.code != 0:
        return {"seen": "refused", "detail": f"exit {result.code}: {result.err.strip()}"}
    out = json.loads(result.out)
    return {
        "seen": "replayed" if out["replayed"] else "written",
        "event_id": out["event_id"],
        "version": out["version"],
    }


def _by_api(
    url: str, cid: int, key: str, payload: dict[str, Any], expected: int | None, barrier: Any
) -> dict[str, Any]:
    from tests.support.api import AUTH, client

    engine = make_engine(url)
    body: dict[str, Any] = {"trigger": "screen", "payload": payload, "actor": "retry"}
    if expected is not None:
        body["expected_version"] = expected
    try:
        with client(engine) as api:
            api.get("/health")  # the app is started before the race
            barrier.wait(timeout=120)
            response = api.post(f"/candidates/{cid}/events", json=body, headers={**AUTH, "Idempotency-Key": key})
    finally:
        engine.dispose()
    out = response.json()
    if response.status_code == 201 and not out["replayed"]:
        return {"seen": "written", "event_id": out["event_id"], "version": out["version"]}
    if response.status_code == 200 and out["replayed"]:
        return {"seen": "replayed", "event_id": out["event_id"], "version": out["version"]}
    return {"seen": "refused", "detail": f"HTTP {response.status_code}: {out}"}
