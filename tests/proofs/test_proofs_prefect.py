"""Proof (issue 6): two Prefect workers on one Prefect server, the app database on PostgreSQL; the `sla-sweep`
and `dispatch-notifications` deployments run concurrently, several times each, and exactly-once holds.

A real `prefect server`, the `hiring` process work pool, the two deployments from (a copy of) prefect.yaml,
and two `prefect worker start` processes, each running up to four flow runs at once. Flow runs are created
together: every sweep twice (three sweep times, each firing the levels due by then) and six dispatches, then
a catch-up sweep and a last dispatch once they are all done. The Prefect server keeps its own state in
PostgreSQL too, as in the README's scale-out set-up. Slack goes to a loopback receiver, one request per outbox row.
At the end: every (timer, level) has exactly one escalation and one outbox row, every row is `sent` after one
attempt, and the receiver got every row exactly once.
"""

import re
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from hiring import service
from models.tables import Escalation, Outbox, Timer
from states.intake import NewCandidate
from states.policy import DEFAULT_POLICY, Level
from tests.support import payloads
from tests.support.prefect_processes import (
    POOL,
    PREFECT,
    REPO,
    Processes,
    api_call,
    prefect_file,
    start_server,
    wait_for_runs,
)
from tests.support.proof_support import add_people, duplicates, slack_receiver

pytestmark = pytest.mark.slow

CANDIDATES = 300
WORKERS = 2
PER_WORKER = 4  # concurrent flow runs per worker (--limit)


@pytest.fixture
def processes(tmp_path):  # type: ignore[no-untyped-def]
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


@pytest.fixture
def prefect_database(db_url: str):  # type: ignore[no-untyped-def]
    """A database of its own for the Prefect server, on the same PostgreSQL cluster (postgresql+asyncpg)."""
    if not db_url.startswith("postgresql"):
        yield None
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"prefect_{uuid.uuid4().hex[:12]}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(db_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def test_two_workers_run_sweeps_and_dispatches_concurrently_and_each_escalation_is_sent_once(
    engine, db_url, open_requisition, prefect_database, processes, tmp_path, T0
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip(
            "the Prefect proof is the team set-up: the app database on PostgreSQL, shared by workers on "
            "several machines (a SQLite file cannot be)"
        )
    started = time.monotonic()
    add_people(engine)
    people = [NewCandidate.model_validate(payloads.new_candidate(open_requisition, n)) for n in range(CANDIDATES)]
    service.add_candidates(engine, people, actor="test", now=T0, policy=DEFAULT_POLICY)
    due = T0 + timedelta(days=5)
    sweep_times = [due, due + timedelta(days=1, hours=1), due + timedelta(days=4)]  # L1 (+reminder), L2, L3
    dispatch_at = (due + timedelta(days=5)).isoformat()

    home = tmp_path / "prefect-home"
    home.mkdir()
    api, env = start_server(processes, home, prefect_database)
    processes.run("work-pool", [PREFECT, "work-pool", "create", POOL, "--type", "process"], env, tmp_path)
    deploy_file = prefect_file(tmp_path, ("sla-sweep", "dispatch-notifications"))
    processes.run(
        "deploy",
        [PREFECT, "--no-prompt", "deploy", "--all", "--prefect-file", str(deploy_file)],
        env,
        REPO,
        timeout=120,
    )
    sweep_id = api_call("GET", f"{api}/deployments/name/sla-sweep/sla-sweep")["id"]
    dispatch_id = api_call("GET", f"{api}/deployments/name/dispatch-notifications/dispatch-notifications")["id"]

    def create(deployment: str, parameters: dict) -> str:  # type: ignore[type-arg]
        return api_call("POST", f"{api}/deployments/{deployment}/create_flow_run", json={"parameters": parameters})[
            "id"
        ]

    with slack_receiver() as slack:
        runs = []
        for at in sweep_times:  # each sweep twice, with dispatches between: all of them queued at once
            runs += [create(sweep_id, {"now": at.isoformat()}) for _ in range(2)]
            runs += [create(dispatch_id, {"now": dispatch_at}) for _ in range(2)]
        worker_env = {
            **env,
            **slack.env(),
            "HIRING_HOME": str(REPO),
            "HIRING_DATABASE_URL": db_url,
            "HIRING_HEAD_OF_TALENT": "tess",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
        }
        workers = [
            processes.start(
                f"worker-{i}",
                [PREFECT, "worker", "start", "--pool", POOL, "--name", f"proof-worker-{i}", "--limit", str(PER_WORKER)],
                worker_env,
                tmp_path,
            )
            for i in range(WORKERS)
        ]
        finished = wait_for_runs(api, runs, timeout=90)
        # A sweep skips the timers a concurrent sweep has locked (SKIP LOCKED): if that one swept at an earlier
        # time, the later levels wait for the next tick. This is that tick, then the dispatch after it.
        catch_up = [create(sweep_id, {"now": sweep_times[-1].isoformat()})]
        finished |= wait_for_runs(api, catch_up, timeout=30)
        catch_up.append(create(dispatch_id, {"now": dispatch_at}))
        finished |= wait_for_runs(api, catch_up[1:], timeout=30)
        logs = {i: processes.output(w) for i, w in enumerate(workers)}
        counts = slack.per_row()
        unreadable = list(slack.unreadable)

    states = {rid: (r["state"] or {}).get("type") for rid, r in finished.items()}
    ran_by = {
        i: {rid for rid in runs if f"Flow run '{finished[rid]['name']}' submitted to infrastructure" in log}
        for i, log in logs.items()
    }
    overlap = _max_overlap(finished.values())
    # Each sweep run logs what it fired itself (the database decides who fires a level): the sum is every level once.
    pattern = r"'sweep-due-timers-\w+' - sweep at (\S+): (\d+) escalation"
    swept = [(at, int(n)) for log in logs.values() for at, n in re.findall(pattern, log)]
    print(
        f"\n[{engine.dialect.name}] {len(states)} flow runs on {WORKERS} workers (runs per worker "
        f"{[len(v) for v in ran_by.values()]}, at most {overlap} at once) in {time.monotonic() - started:.0f}s; "
        f"fired per sweep run {sorted(swept)}; {sum(counts.values())} deliveries of {len(counts)} rows, "
        f"{duplicates(counts)} duplicate(s)"
    )
    assert Counter(states.values()) == {"COMPLETED": len(runs) + len(catch_up)}, _failures(finished, logs)
    assert all(ran_by.values()), f"a worker ran no flow run: {ran_by}"
    assert overlap >= 2, "no two flow runs overlapped: nothing ran concurrently"

    levels = [level.value for level in Level]
    with Session(engine) as session:
        timer_ids = list(session.execute(select(Timer.id)).scalars())
        fired = list(session.execute(select(Escalation)).scalars())
        rows = list(session.execute(select(Outbox)).scalars())
    keys = Counter((e.timer_id, e.level) for e in fired)
    assert set(keys) == {(t, level) for t in timer_ids for level in levels} and max(keys.values()) == 1
    assert Counter(r.escalation_id for r in rows) == Counter({e.id: 1 for e in fired})  # Slack only: one row each
    assert len(swept) == 2 * len(sweep_times) + 1 and sum(n for _, n in swept) == len(fired)
    assert Counter((r.status, r.attempts) for r in rows) == {("sent", 1): len(rows)}
    assert unreadable == []
    assert set(counts) == {r.id for r in rows} and duplicates(counts) == 0


def _max_overlap(runs) -> int:  # type: ignore[no-untyped-def]
    """The largest number of flow runs that were running at the same moment (from their start and end times)."""
    edges = []
    for r in runs:
        if r.get("start_time") and r.get("end_time"):
            edges += [(r["start_time"], 1), (r["end_time"], -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        running += step
        peak = max(peak, running)
    return peak


def _failures(runs, logs) -> str:  # type: ignore[no-untyped-def]
    bad = {rid: (r["state"] or {}) for rid, r in runs.items() if (r["state"] or {}).get("type") != "COMPLETED"}
    lines = [f"{rid}: {s.get('type')} {s.get('message')}" for rid, s in bad.items()]
    tail = {i: "\n".join(re.findall(r".*(?:Error|error|Traceback).*", log)[-20:]) for i, log in logs.items()}
    return "\n".join(lines) + f"\nworker log errors: {tail}"
