"""Lateness of escalations under `hiring serve`, in real time, with 100k open timers.

`hiring serve` (the installed entry point, in-process sweep, no Prefect) runs against a database of 100k
candidates with one open timer each. Once it is up, one transaction moves a few hundred of those timers so
that their level_1 escalation comes due over the next ~30 seconds, as an import or a burst of events would.
Lateness is what the sweep records: Escalation.lateness_seconds = fired_at - scheduled_at.

Baseline, on a copy of the same database at the same time: a plain loop that sweeps every few seconds
(10 s at full size; production's cron schedule for the sla-sweep deployment is every 60 s).
"""

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    HIRING,
    PYTHON,
    ROOT,
    Size,
    Table,
    bench_env,
    due_indexes,
    engine_for,
    fresh_db,
    median,
    percentile,
    populate,
    url_of,
)

LEAD = 2.0  # seconds between the commit that makes timers due and the first of them coming due
GRACE = 4.0  # seconds to wait after the last due time before stopping
READY = "serve: sweep runs"


def child_poll(args: dict[str, Any]) -> dict[str, Any]:
    """The baseline: sweep, sleep `interval` seconds, repeat, until `due` escalations exist (or `until`)."""
    from hiring.sla import sweep
    from states.policy import DEFAULT_POLICY

    engine = engine_for(Path(args["path"]))
    sweeps = 0
    while True:
        sweep(engine, datetime.now(UTC), DEFAULT_POLICY, frozenset({"console"}), 500)
        sweeps += 1
        with engine.connect() as conn:
            fired = conn.exec_driver_sql("SELECT count(*) FROM escalation").scalar_one()
        if fired >= args["due"] or time.time() > args["until"]:
            break
        time.sleep(args["interval"])
    engine.dispose()
    return {"sweeps": sweeps}


def make_due(paths: list[Path], candidates: int, due: int, window: float) -> datetime:
    """Move `due` timers (in every database) so their level_1 comes due over `window` s from now + LEAD."""
    first = datetime.now(UTC) + timedelta(seconds=LEAD)
    step = window / max(1, due - 1)
    rows = []
    for k, index in enumerate(due_indexes(candidates, due)):
        at = first + timedelta(seconds=k * step)
        rows.append({"timer_id": index + 1, "due": at, "start": at - timedelta(days=5)})
    from sqlalchemy import bindparam, update

    from models.tables import Timer, table_of

    table = table_of(Timer)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("timer_id"))
        .values(
            due_at=bindparam("due"),
            window_start=bindparam("start"),
            opened_at=bindparam("start"),
            next_level="level_1",
            next_fire_at=bindparam("due"),
        )
    )
    for path in paths:
        engine = engine_for(path)
        with engine.begin() as conn:
            conn.execute(stmt, rows)
        engine.dispose()
    return first + timedelta(seconds=window)


def lateness(path: Path) -> list[float]:
    engine = engine_for(path)
    with engine.connect() as conn:
        values = [row[0] for row in conn.exec_driver_sql("SELECT lateness_seconds FROM escalation")]
    engine.dispose()
    return values


def wait_for(path: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"hiring serve exited {proc.returncode}:\n{path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    raise RuntimeError(f"hiring serve did not log {text!r} within {timeout:.0f} s")


def run(size: Size, workdir: Path) -> list[Table]:
    n, due, window, poll = size.lateness_timers, size.lateness_due, size.lateness_window, size.lateness_poll
    placeholder = datetime.now(UTC) + timedelta(days=30)  # the timers to be made due wait far away
    serve_db = fresh_db(workdir, "serve.db")
    populate(serve_db, n, [placeholder] * due, now=datetime.now(UTC))
    poll_db = workdir / "poll.db"
    poll_db.write_bytes(serve_db.read_bytes())
    log = workdir / "serve.log"
    with log.open("wb") as handle:
        env = bench_env(HIRING_DATABASE_URL=url_of(serve_db))
        serve = subprocess.Popen(
            [HIRING, "serve", "--interval", "60"], cwd=workdir, stdout=handle, stderr=subprocess.STDOUT, env=env
        )
    poller = None
    try:
        wait_for(log, READY, serve, timeout=120)
        time.sleep(1.0)  # let its first sweep (nothing due) and first watch tick pass
        until = time.time() + LEAD + window + GRACE
        poller = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "benchmarks.child",
                "poll",
                json.dumps({"path": str(poll_db), "interval": poll, "due": due, "until": until + 3 * poll}),
            ],
            cwd=ROOT,
            env=bench_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        make_due([serve_db, poll_db], n, due, window)
        time.sleep(max(0.0, until - time.time()))
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
        if poller is not None:
            poller.wait(timeout=120 + 3 * poll)
    project, baseline = lateness(serve_db), lateness(poll_db)
    if len(project) != due or len(baseline) != due:
        tail = log.read_text(errors="replace")[-1500:]
        raise AssertionError(
            f"expected {due} escalations each; serve fired {len(project)}, the poller "
            f"{len(baseline)}; the end of serve's log:\n{tail}"
        )
    p99, base99 = percentile(project, 99), percentile(baseline, 99)
    table = Table("lateness", f"`hiring serve` with {n:,} open timers, {due} coming due over {window:.0f} s")
    table.add(
        "p99 lateness (fired_at - due)",
        p99,
        "s",
        baseline=base99,
        baseline_name=f"sweep every {poll:.0f} s",
        ratio=p99 / base99 if base99 else None,
        target="<= 2 s",
        met=p99 <= 2.0,
    )
    table.add(
        "median lateness", median(project), "s", baseline=median(baseline), baseline_name=f"sweep every {poll:.0f} s"
    )
    table.add("max lateness", max(project), "s", baseline=max(baseline), baseline_name=f"sweep every {poll:.0f} s")
    table.notes.append(
        "real time: `hiring serve --interval 60` as a subprocess (in-process sweep, dispatcher to "
        "the console); the due times are committed by another process after serve is up, "
        f"the first {LEAD:.0f} s later; the baseline loop ran at the same time on a copy, "
        "until it had fired them all"
    )
    return [table]
