"""Sweep cost and memory against the number of candidates, with a naive full scan as the baseline.

Every database holds the same 1,000 due timers (one level each: 1,000 escalations, one Slack outbox row
each) among 10k, 100k and 1M candidates; every other candidate has an open timer that is not due.
"""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from benchmarks.common import (
    NOW,
    Size,
    Table,
    child,
    engine_for,
    median,
    peak_rss_mb,
    reset_sweep_db,
    sweep_db,
    timed_cpu,
)
from models.tables import Timer, table_of
from states.policy import DEFAULT_POLICY, Policy

CHANNELS = frozenset({"slack", "console"})  # level_1 is routed to Slack: one outbox row per escalation
BATCH = 500


def naive_sweep(engine: Engine, now: datetime, policy: Policy, channels: frozenset[str]) -> int:
    """The baseline: read every open timer into Python and pick the due ones there (no index, no LIMIT).

    The due timers it finds are then fired through the product's public sweep(), so both sides write the
    same rows whatever the firing code becomes; the difference between the two is the full scan.
    """
    from hiring.sla import sweep

    table = table_of(Timer)
    with engine.connect() as conn:
        every = conn.execute(select(table).where(table.c.status == "open")).all()
    due = {row.id for row in every if row.next_fire_at is not None and row.next_fire_at <= now}
    fired = sweep(engine, now, policy, channels, BATCH)
    if {f.timer_id for f in fired} != due:
        raise AssertionError("the full scan and the sweep disagree on which timers are due")
    return len(fired)


def project_sweep(engine: Engine) -> int:
    from hiring.sla import sweep

    return len(sweep(engine, NOW, DEFAULT_POLICY, CHANNELS, BATCH))


IMPLEMENTATIONS: dict[str, Callable[[Engine], int]] = {
    "project": project_sweep,
    "naive": lambda engine: naive_sweep(engine, NOW, DEFAULT_POLICY, CHANNELS),
}


WRITTEN: dict[tuple[str, str], str] = {}  # (path, impl) -> digest of the rows its first run wrote


def written(engine: Engine) -> str:
    """A digest of what a sweep wrote (escalations, outbox rows, timers moved on), without generated ids."""
    import hashlib

    queries = (
        "SELECT timer_id, candidate_id, level, audience_role, recipient, scheduled_at, fired_at, lateness_seconds "
        "FROM escalation WHERE level != 'bench-marker' ORDER BY timer_id, level",
        "SELECT e.timer_id, e.level, o.channel, o.kind, o.recipient, o.recipient_role, o.payload, o.status, "
        "o.attempts, o.created_at, o.next_attempt_at, o.candidate_id FROM outbox o JOIN escalation e "
        "ON e.id = o.escalation_id ORDER BY e.timer_id, e.level, o.channel",
        "SELECT id, status, next_level, next_fire_at FROM timer WHERE id IN "
        "(SELECT timer_id FROM escalation WHERE level != 'bench-marker') ORDER BY id",
    )
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for query in queries:
            for row in conn.exec_driver_sql(query):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def run_once(path: Path, impl: str, due: int) -> tuple[float, float]:
    """One sweep on a reset database (wall and CPU seconds); the database is reset again afterwards.
    The rows the first run of each implementation writes are recorded in WRITTEN."""
    reset_sweep_db(path)
    engine = engine_for(path)
    try:
        seconds, cpu, fired = timed_cpu(lambda: IMPLEMENTATIONS[impl](engine))
        if (str(path), impl) not in WRITTEN:
            WRITTEN[(str(path), impl)] = written(engine)
    finally:
        engine.dispose()
        reset_sweep_db(path)
    if fired != due:
        raise AssertionError(f"{impl} sweep fired {fired} escalations, expected {due}")
    return seconds, cpu


def child_sweep(args: dict[str, Any]) -> dict[str, Any]:
    """In a fresh interpreter (benchmarks.child): one sweep, then the process's peak RSS."""
    engine = engine_for(Path(args["path"]))
    seconds, _, fired = timed_cpu(lambda: IMPLEMENTATIONS[args["impl"]](engine))
    engine.dispose()
    return {"seconds": seconds, "fired": fired, "rss_mb": peak_rss_mb()}


def rss(path: Path, impl: str, due: int) -> float:
    reset_sweep_db(path)
    try:
        out = child("sweep", {"path": str(path), "impl": impl})
    finally:
        reset_sweep_db(path)
    if out["fired"] != due:
        raise AssertionError(f"{impl} sweep in a subprocess fired {out['fired']}, expected {due}")
    return float(out["rss_mb"])


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def databases(size: Size, workdir: Path) -> dict[int, Path]:
    """The sweep databases of this size (full size: cached in the temp folder across runs)."""
    return {n: sweep_db(workdir, n, size.due, cache=size.name == "full") for n in size.sweep_sizes}


def run_sweep(size: Size, workdir: Path) -> list[Table]:
    paths = databases(size, workdir)
    small, large = size.sweep_sizes[0], size.sweep_sizes[-1]
    sweep = Table("sweep", f"sweep of {size.due:,} due timers among {label(small)}..{label(large)} candidates")
    project: dict[int, float] = {}
    naive: dict[int, float] = {}
    cpu: dict[str, dict[int, float]] = {"project": {}, "naive": {}}
    for n, path in paths.items():
        run_once(path, "project", size.due)  # warm-up: OS page cache, SQLAlchemy's statement cache
        runs: dict[str, list[tuple[float, float]]] = {"project": []}
        for _ in range(size.sweep_repeats):
            runs["project"].append(run_once(path, "project", size.due))
        for impl, values in runs.items():
            cpu[impl][n] = median([c for _, c in values])
        project[n] = median([w for w, _ in runs["project"]])
        if n in size.naive_sizes:
            naive[n], cpu["naive"][n] = run_once(path, "naive", size.due)
        sweep.add(
            f"sweep, {size.due:,} due among {label(n)} candidates",
            project[n],
            "s",
            baseline=naive.get(n),
            baseline_name="naive full scan",
            ratio=project[n] / naive[n] if n in naive else None,
        )
    growth = project[large] / project[small]
    naive_growth = naive[large] / naive[small] if small in naive and large in naive else None
    sweep.add(
        f"growth {label(small)} -> {label(large)} candidates",
        growth,
        "x",
        baseline=naive_growth,
        baseline_name="naive growth",
        ratio=growth,
        ratio_name=f"time({label(large)})/time({label(small)})",
        target="<= 1.5",
        met=growth <= 1.5,
    )
    sweep.add(
        f"{size.due:,} escalations + outbox rows at {label(large)}",
        project[large],
        "s",
        baseline=naive.get(large),
        baseline_name="naive full scan",
        ratio=project[large] / naive[large] if large in naive else None,
        target="<= 0.25 s" if size.due == 1_000 else "<= 0.25 s per 1,000",
        met=project[large] * 1_000 / size.due <= 0.25,
    )
    differ = sorted(
        {
            label(n)
            for (where, impl), digest in WRITTEN.items()
            if impl != "project"
            for n, path in paths.items()
            if str(path) == where and digest != WRITTEN.get((where, "project"))
        }
    )
    if differ:
        sweep.notes.append(
            f"WARNING: the naive baseline wrote rows different from the product's at {', '.join(differ)}"
        )
    else:
        sweep.notes.append("rows written: identical for the product and the naive baseline (checked)")
    sweep.notes.append(
        f"median of {size.sweep_repeats} runs after a warm-up; each run on the same database "
        "reset to its built state; naive: one run"
    )
    for impl, per_size in cpu.items():
        if per_size:
            sweep.notes.append(
                f"CPU time of the sweeping process, {impl}: "
                + ", ".join(f"{label(n)} {v * 1000:.0f} ms" for n, v in per_size.items())
            )
    return [sweep]


def run_memory(size: Size, workdir: Path) -> list[Table]:
    paths = databases(size, workdir)
    small, large = size.sweep_sizes[0], size.sweep_sizes[-1]
    memory = Table("memory", f"peak RSS of one sweep in a fresh process, {label(small)} vs {label(large)}")
    mem = {n: rss(paths[n], "project", size.due) for n in (small, large)}
    naive_mem = {n: rss(paths[n], "naive", size.due) for n in (small, large)}
    for n in (small, large):
        memory.add(
            f"peak RSS, sweep among {label(n)} candidates",
            mem[n],
            "MB",
            baseline=naive_mem[n],
            baseline_name="naive full scan",
            ratio=mem[n] / naive_mem[n],
        )
    growth_mem = mem[large] / mem[small]
    memory.add(
        f"RSS growth {label(small)} -> {label(large)}",
        growth_mem,
        "x",
        baseline=naive_mem[large] / naive_mem[small],
        baseline_name="naive growth",
        ratio=growth_mem,
        ratio_name=f"RSS({label(large)})/RSS({label(small)})",
        target="<= 1.2",
        met=growth_mem <= 1.2,
    )
    memory.notes.append(
        "peak RSS (VmHWM; see common.peak_rss_mb for why not ru_maxrss) of a fresh interpreter "
        "that imports the product, opens the database and runs one sweep"
    )
    return [memory]
