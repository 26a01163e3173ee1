"""Races: real processes that erase, write events, sweep and retry at the same moment on the same candidates."""

import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from hiring.service import add_candidates
from hiring.sla import sweep
from models.tables import Candidate, Event, Outbox, Timer
from models.tables_integrations import Erasure
from states.intake import NewCandidate
from tests.support import payloads, race_workers
from tests.support.proof_workers import ALL_CHANNELS

pytestmark = pytest.mark.slow
PROCESSES = 8  # the most any race below runs at once
Racers = Callable[[Callable[..., Any], list[tuple]], list[Any]]


@pytest.fixture(scope="module")
def together() -> Iterator[Racers]:
    """tests.support.proof_support.together with one pool of spawned processes for the whole module: each process
    imports the app once (seconds on a busy 2-core machine), not once per race."""
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(PROCESSES, mp_context=ctx, initializer=race_workers.warm)
    with ctx.Manager() as manager, pool:

        def run(fn: Callable[..., Any], args_per_process: list[tuple]) -> list[Any]:
            assert len(args_per_process) <= PROCESSES  # more would wait for a free process: no race
            barrier = manager.Barrier(len(args_per_process))
            futures = [pool.submit(fn, *args, barrier) for args in args_per_process]
            return [f.result(timeout=300) for f in futures]

        run(race_workers.ready, [()] * PROCESSES)  # the pool starts its processes lazily: start them all now
        yield run


def _add(engine: Engine, req_id: int, n: int, at: datetime) -> list[int]:
    people = [NewCandidate.model_validate(payloads.new_candidate(req_id, i)) for i in range(n)]
    return add_candidates(engine, people, actor="test", now=at, policy=race_workers.RETENTION)


# --- erasure against concurrent events, sweeps and the retention rule ---------------------------------


@dataclass(frozen=True)
class ErasureRace:
    name: str
    candidates: int
    writers: int
    eraser: str  # "eraser" (erase one by one, as the CLI and the API do) or "retention" (the daily rule)
    sweeper: bool  # a process sweeping (every level due) the whole time, so reopened timers escalate
    ends_rejected: bool  # the retention rule erases only rejected candidates: they must end there

    def roles(self, url: str, cids: list[int], at: str) -> list[tuple]:
        out: list[tuple] = [(url, "writer", (f"w{i}", cids, at)) for i in range(self.writers)]
        out.append((url, self.eraser, (cids, at)))
        if self.sweeper:
            out.append((url, "sweeper", (cids, at)))
        return out


ERASURE_RACES = [
    ErasureRace(
        "erase 30 while 6 processes reject/reopen them and a sweeper escalates",
        30,
        6,
        "eraser",
        sweeper=True,
        ends_rejected=False,
    ),
    ErasureRace(
        "the retention rule erases 10 rejected while 4 processes reject/reopen them",
        10,
        4,
        "retention",
        sweeper=False,
        ends_rejected=True,
    ),
]


@pytest.mark.parametrize("case", ERASURE_RACES, ids=lambda c: c.name)
def test_once_an_erasure_commits_nothing_more_is_written_about_the_person(
    case: ErasureRace, together: Racers, engine: Engine, db_url: str, open_requisition: int, T0: datetime
) -> None:
    """After the race, for every erased candidate: no event holds unscrubbed free text (none was recorded
    after the erasure), no timer is open, no outbox row exists (none was ever sent), and one more sweep fires
    nothing. The writers must really have met the erasure (refused as erased) for the proof to count."""
    # SQLite runs one writer at a time (BEGIN IMMEDIATE): the race cannot happen there, a fifth of it checks so.
    n = case.candidates if engine.dialect.name == "postgresql" else max(4, case.candidates // 5)
    cids = _add(engine, open_requisition, n, T0)
    at = T0.isoformat()

    reports = together(race_workers.race, case.roles(db_url, cids, at))

    writers = [r for r in reports if r["role"] == "writer"]
    refused = Counter[str]()
    for r in writers:
        refused.update(r["refused"])
    print(
        f"\n[{engine.dialect.name}] {case.name}: {sum(r['written'] for r in writers)} events written, "
        f"refused {dict(refused)}; {[r for r in reports if r['role'] != 'writer']}"
    )
    assert refused["erased"] > 0, "no writer met an erasure: nothing raced"
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Erasure)).scalar_one() == len(cids)
        events = list(session.execute(select(Event).where(Event.candidate_id.in_(cids))).scalars())  # type: ignore[attr-defined]
        timers = (
            session.execute(
                select(Timer.candidate_id).where(
                    Timer.candidate_id.in_(cids),  # type: ignore[attr-defined]
                    Timer.status == "open",
                )
            )
            .scalars()
            .all()
        )
        outbox = session.execute(select(Outbox.candidate_id, Outbox.status).where(Outbox.candidate_id.in_(cids))).all()  # type: ignore[union-attr]
        stages = dict(session.execute(select(Candidate.id, Candidate.stage).where(Candidate.id.in_(cids))).all())  # type: ignore[union-attr]
        versions = dict(session.execute(select(Candidate.id, Candidate.version).where(Candidate.id.in_(cids))).all())  # type: ignore[union-attr]
    after = sorted((e.candidate_id, e.seq, e.trigger) for e in events if race_workers.SECRET in json.dumps(e.payload))
    assert after == [], f"{len(after)} event(s) recorded after the erasure, free text unscrubbed"
    assert sorted(timers) == [], "erased candidates have open timers"
    assert sorted(outbox) == [], "outbox rows about erased candidates (they would be notified about)"
    assert Counter(e.candidate_id for e in events) == Counter(versions)  # version == events: nothing lost
    if case.ends_rejected:
        assert {s for s in stages.values()} == {"rejected"}, "retention erased a candidate that had moved on"
    again = sweep(engine, T0 + race_workers.LATER, race_workers.RETENTION, ALL_CHANNELS)
    assert [f.candidate_id for f in again if f.candidate_id in set(cids)] == []


# --- one idempotency key sent by 8 processes at once --------------------------------------------------


@dataclass(frozen=True)
class SameKey:
    name: str
    via: str  # service, cli or api
    expected_version: int | None  # the retries all carry the version they read before the first write


SAME_KEY = [
    SameKey("8 service calls", "service", None),
    SameKey("8 `hiring advance --key` runs with --if-version", "cli", 1),
    SameKey("8 API POSTs with one Idempotency-Key", "api", None),
]


@pytest.mark.parametrize("case", SAME_KEY, ids=lambda c: c.name)
def test_concurrent_retries_with_one_key_write_once_and_replay_the_first_outcome(
    case: SameKey, together: Racers, engine: Engine, db_url: str, candidate: Callable[..., int]
) -> None:
    """Exactly one process writes; the 7 others get the first outcome back as a replay (CLI exit 0, API 200),
    never a "changed by someone else" conflict; the log holds the key once."""
    cid = candidate()
    key = f"retry-{case.via}"

    seen = together(race_workers.send_once, [(db_url, case.via, cid, key, case.expected_version)] * PROCESSES)

    print(f"\n[{engine.dialect.name}] {case.name}: {Counter(s['seen'] for s in seen)}")
    assert [s for s in seen if s["seen"] == "refused"] == []
    assert Counter(s["seen"] for s in seen) == {"written": 1, "replayed": 7}
    assert len({(s["event_id"], s["version"]) for s in seen}) == 1  # everyone was told the first outcome
    with Session(engine) as session:
        keyed = session.execute(select(func.count()).select_from(Event).where(Event.idempotency_key == key)).scalar()
        version = session.get(Candidate, cid).version  # type: ignore[union-attr]
    assert (keyed, version) == (1, 2)
