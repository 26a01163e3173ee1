"""What every benchmark shares: sizes, result rows and their table, timing, the synthetic database.

The synthetic database is built with SQLAlchemy Core bulk inserts straight into the tables (candidate,
event and timer rows), not through the service: a million candidates through `add_candidates` would take
minutes. Large databases are cached in the temp folder, keyed by the schema revision and the builder's own
version, so a later run reuses them; a cached database is put back to its built state before each use.
"""

import fcntl
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HIRING = str(Path(sys.executable).with_name("hiring"))
# A fixed "now" for everything that does not run against the real clock (a Monday, 09:00 UTC).
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUILDER_VERSION = "3"  # bump when the synthetic data changes: cached databases are rebuilt
RECRUITER, HIRING_MANAGER, HEAD_OF_TALENT = "rita", "hugo", "ava"


# --- sizes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    sweep_sizes: tuple[int, ...]  # candidates in the sweep-scaling databases
    due: int  # due timers (= escalations) in each sweep database
    sweep_repeats: int
    naive_sizes: tuple[int, ...]  # sizes the naive full-scan sweep runs at (it is slow at 1M)
    events: int  # single-event transactions per side in the throughput benchmark
    csv_rows: int
    csv_rounds: int  # imports per side (the median is reported)
    lateness_timers: int  # open timers while `hiring serve` runs
    lateness_due: int  # timers that come due while it runs
    lateness_window: float  # seconds over which they come due
    lateness_poll: float  # seconds between sweeps of the naive polling baseline
    prefect_sizes: tuple[int, ...]  # candidates in the Prefect-overhead databases
    cli_repeats: int
    dispatch_rows: int
    machine_sizes: tuple[int, ...]
    machine_budget: float | None = None  # seconds the naive Machine-per-candidate side may run per size


SIZES = {
    "tiny": Size(
        "tiny",
        sweep_sizes=(500, 2_000),
        due=50,
        sweep_repeats=1,
        naive_sizes=(500, 2_000),
        events=100,
        csv_rows=1_000,
        csv_rounds=1,
        lateness_timers=2_000,
        lateness_due=20,
        lateness_window=3.0,
        lateness_poll=2.0,
        prefect_sizes=(500, 1_000),
        cli_repeats=2,
        dispatch_rows=50,
        machine_sizes=(300, 1_000),
    ),
    "full": Size(
        "full",
        sweep_sizes=(10_000, 100_000, 1_000_000),
        due=1_000,
        sweep_repeats=3,
        naive_sizes=(10_000, 100_000, 1_000_000),
        events=3_000,
        csv_rows=20_000,
        csv_rounds=3,
        lateness_timers=100_000,
        lateness_due=300,
        lateness_window=30.0,
        lateness_poll=10.0,
        prefect_sizes=(10_000, 100_000),
        cli_repeats=7,
        dispatch_rows=2_000,
        machine_sizes=(10_000, 100_000),
        machine_budget=20.0,
    ),
}


# --- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a benchmark's table: the project's figure against the baseline measured in the same run."""

    metric: str
    project: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None  # what the target is stated on (project/baseline or another quotient)
    ratio_name: str = "project/baseline"
    target: str = ""
    met: bool | None = None  # None: no target (context only)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Table:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "rows": [r.as_dict() for r in self.rows],
            "notes": self.notes,
            "seconds": self.seconds,
        }


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "s":
        if abs(value) >= 1:
            return f"{value:.2f} s"
        return f"{value * 1000:.1f} ms" if abs(value) >= 0.01 else f"{value * 1000:.3g} ms"
    if unit == "MB":
        return f"{value:.1f} MB" if abs(value) < 10 else f"{value:.0f} MB"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def verdict(row: Row) -> str:
    return "-" if row.met is None else ("met" if row.met else "MISSED")


def columns(row: Row) -> list[str]:
    baseline = fmt(row.baseline, row.unit) + (f" ({row.baseline_name})" if row.baseline_name else "")
    ratio = "-" if row.ratio is None else f"{row.ratio:.3g} ({row.ratio_name})"
    return [row.metric, fmt(row.project, row.unit), baseline, ratio, row.target or "-", verdict(row)]


HEADER = ["metric", "project", "baseline (same run)", "ratio", "target", "result"]


def render_text(table: Table) -> str:
    lines = [[*HEADER], *(columns(r) for r in table.rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    out = [f"== {table.name}: {table.title} ({table.seconds:.1f} s)"]
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    out += [f"   note: {note}" for note in table.notes]
    out += [f"   {r.metric}: {r.note}" for r in table.rows if r.note]
    return "\n".join(out)


def render_markdown(table: Table) -> str:
    out = [f"### {table.name}: {table.title}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in columns(r)) + " |" for r in table.rows]
    notes = table.notes + [f"{r.metric}: {r.note}" for r in table.rows if r.note]
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


# --- timing -------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, value). On a busy machine the wall time includes waiting
    for a core; the CPU time is close to what the wall time would be on an idle one (this stack does not
    wait on the disk: SQLite WAL with synchronous=NORMAL does not fsync at commit)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def children_cpu() -> float:
    """CPU seconds used so far by this process's waited-for children."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


# --- databases ----------------------------------------------------------------------------------


def schema_revision() -> str:
    from models.schema import HEAD

    return HEAD


def cache_dir() -> Path:
    base = Path(os.environ.get("HIRING_BENCH_CACHE") or Path(tempfile.gettempdir()) / "hiring-bench-cache")
    path = base / f"schema-{schema_revision()}-builder-{BUILDER_VERSION}"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path`.lock: two benchmark runs never build or reset one cached file at once."""
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def engine_for(path: Path) -> Any:
    from models.db import make_engine

    return make_engine(url_of(path))


def checkpoint(engine: Any) -> None:
    """Fold the WAL into the main file, so a copy of the file alone is the whole database."""
    raw = engine.raw_connection()  # autocommit at the driver: models.db begins SQLAlchemy's with BEGIN IMMEDIATE
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def template() -> Path:
    """An empty database migrated to the schema head by Alembic (built once, cached)."""
    path = cache_dir() / "template.db"
    with locked(path):
        if not path.exists():
            from models.db import upgrade

            part = path.with_suffix(".part")
            part.unlink(missing_ok=True)
            engine = engine_for(part)
            upgrade(engine)
            checkpoint(engine)
            engine.dispose()
            part.rename(path)
    return path


def fresh_db(directory: Path, name: str = "bench.db") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template(), path)
    return path


def add_requisition(conn: Any, at: datetime = NOW) -> int:
    from sqlalchemy import insert
    from sqlmodel import col

    from models.tables import Requisition

    requisition_id: int = conn.execute(
        insert(Requisition).returning(col(Requisition.id)),
        {
            "title": "Applied AI Engineer, support automation",
            "status": "open",
            "role_profile": "applied_ai_engineer",
            "business_problem": "triage takes two days",
            "system_to_build": "an LLM triage service",
            "key_constraints": "EU data residency",
            "collaborators": "support ops",
            "business_context": "B2B SaaS",
            "core_responsibilities": ["build the triage service"],
            "stack": ["python"],
            "success_criteria": "triage under 2 h",
            "decision_rights": "models and retrieval",
            "engagement": "full_time",
            "salary_min": 120_000,
            "salary_max": 150_000,
            "currency": "EUR",
            "recruiter": RECRUITER,
            "hiring_manager": HIRING_MANAGER,
            "created_at": at,
            "opened_at": at,
        },
    ).scalar_one()
    return requisition_id


def add_people(conn: Any) -> None:
    from sqlalchemy import insert

    from models.tables import Person

    conn.execute(
        insert(Person),
        [
            {
                "handle": RECRUITER,
                "name": "Rita Recruiter",
                "email": "rita@example.com",
                "slack_user_id": "U0RITA",
                "role": "recruiter",
                "timezone": "UTC",
                "channels": ["slack"],
            },
            {
                "handle": HIRING_MANAGER,
                "name": "Hugo Manager",
                "email": "hugo@example.com",
                "slack_user_id": "U0HUGO",
                "role": "hiring_manager",
                "timezone": "UTC",
                "channels": ["slack"],
            },
            {
                "handle": HEAD_OF_TALENT,
                "name": "Ava Head",
                "email": "ava@example.com",
                "slack_user_id": "U0AVA",
                "role": "head_of_talent",
                "timezone": "UTC",
                "channels": ["slack"],
            },
        ],
    )


def due_indexes(candidates: int, due: int) -> list[int]:
    """Which candidates (0-based) hold the due timers: spread evenly over the whole id range."""
    if due <= 0:
        return []
    step = candidates / due
    return [int(i * step) for i in range(due)]


def _bulk_insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Core INSERT of many rows into the model's table, values passed to the driver as given.

    The statement is Core's own (compiled once); the rows skip SQLAlchemy's per-row type processing,
    which would make a million-candidate build take minutes: datetimes and JSON are rendered beforehand.
    """
    from sqlalchemy import insert
    from sqlalchemy.dialects import sqlite

    stmt = insert(model.__table__).values(dict.fromkeys(rows[0]))
    compiled = stmt.compile(dialect=sqlite.dialect())
    # The statement lists the columns in the table's order, not the rows' keys' order: bind in its order.
    names = compiled.positiontup or []
    conn.exec_driver_sql(str(compiled), [tuple(row[n] for n in names) for row in rows])


def stored(value: datetime) -> str:
    """A datetime as models.types.UTCDateTime stores it on SQLite (rendered once per distinct value)."""
    from sqlalchemy.dialects import sqlite

    from models.types import UTCDateTime

    process = UTCDateTime().bind_processor(sqlite.dialect())
    assert process is not None  # UTCDateTime always converts
    text: str = process(value)
    return text


def populate(path: Path, candidates: int, due_at: list[datetime], now: datetime = NOW, chunk: int = 100_000) -> None:
    """Candidates in `sourced` with their creation event and one open screen_decision timer each.

    len(due_at) of the timers (spread evenly over the ids) have their level_1 escalation due at the given
    instants (the reminder counts as already fired); every other timer's next level (the reminder) is days
    after `now`. Ids are 1..candidates, so timer i and event i belong to candidate i.

    Core bulk inserts with datetimes and JSON rendered once (see _bulk_insert).
    """
    from models.tables import Candidate, Event, Timer

    window = timedelta(days=5)  # the default screen_decision duration
    due_map = {
        i: (stored(d - window), stored(d)) for i, d in zip(due_indexes(candidates, len(due_at)), due_at, strict=True)
    }
    created = now - timedelta(days=1)
    created_s, created_due_s = stored(created), stored(created + window)
    reminder_s = stored(created + window * 0.75)  # 75% of the window: 2.75 days after `now`
    engine = engine_for(path)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -1000000")  # 1 GB of page cache: index upkeep stays in memory
        req = add_requisition(conn, now - timedelta(days=30))
        add_people(conn)
        for start in range(0, candidates, chunk):
            ids = range(start + 1, min(candidates, start + chunk) + 1)
            _bulk_insert(
                conn,
                Candidate,
                [
                    {
                        "id": i,
                        "requisition_id": req,
                        "name": f"Candidate {i}",
                        "email": f"candidate{i}@example.com",
                        "source": "employee_referral",
                        "motivators": "[]",
                        "external_id": None,
                        "stage": "sourced",
                        "on_hold": 0,
                        "take_home_submitted": 0,
                        "technical_screen_done": 0,
                        "hire_decided": 0,
                        "retention_checkins": 0,
                        "interview_parts": "[]",
                        "returns_to": None,
                        "start_date": None,
                        "last_event_at": created_s,
                        "version": 1,
                        "created_at": created_s,
                    }
                    for i in ids
                ],
            )
            _bulk_insert(
                conn,
                Event,
                [
                    {
                        "id": i,
                        "candidate_id": i,
                        "seq": 1,
                        "trigger": "source",
                        "from_stage": None,
                        "to_stage": "sourced",
                        "payload": '{"source": "employee_referral"}',
                        "actor": "bench",
                        "occurred_at": created_s,
                        "recorded_at": created_s,
                        "idempotency_key": None,
                        "request_hash": None,
                    }
                    for i in ids
                ],
            )
            rows = []
            for i in ids:
                due = due_map.get(i - 1)
                if due is None:
                    start_s, due_s, level, next_s = created_s, created_due_s, "reminder", reminder_s
                else:
                    start_s, due_s, level, next_s = due[0], due[1], "level_1", due[1]
                rows.append(
                    {
                        "id": i,
                        "candidate_id": i,
                        "requisition_id": req,
                        "role_profile": "applied_ai_engineer",
                        "kind": "screen_decision",
                        "owner_role": "recruiter",
                        "opened_at": start_s,
                        "window_start": start_s,
                        "due_at": due_s,
                        "status": "open",
                        "paused_at": None,
                        "next_level": level,
                        "next_fire_at": next_s,
                        "closed_at": None,
                        "closed_by_event_id": None,
                        "opened_by_event_id": i,
                    }
                )
            _bulk_insert(conn, Timer, rows)
        conn.exec_driver_sql("ANALYZE")
    checkpoint(engine)
    engine.dispose()


def sweep_db(directory: Path, candidates: int, due: int, cache: bool) -> Path:
    """A database of `candidates` with `due` escalations due at NOW (one hour late). Cached if asked."""
    due_at = [NOW - timedelta(hours=1)] * due
    if not cache:
        path = fresh_db(directory, f"sweep-{candidates}.db")
        populate(path, candidates, due_at)
        return path
    path = cache_dir() / f"sweep-{candidates}-{due}.db"
    with locked(path):
        if not path.exists():
            part = fresh_db(cache_dir(), path.name + ".part")
            populate(part, candidates, due_at)
            part.rename(path)
    return path


def reset_sweep_db(path: Path) -> None:
    """Undo what sweeps did: no escalations or outbox rows, the due timers back at level_1.

    Escalation ids are not reused: SQLite gives a table without AUTOINCREMENT max(id) + 1, so after a plain
    DELETE the next sweep would write escalations 1, 2, 3... again, and the Prefect flow would emit events
    with the ids of the previous run's (its event ids derive from the escalation). A marker row (level
    'bench-marker', which no sweep writes) keeps the highest id used so far.
    """
    with locked(path):
        engine = engine_for(path)
        with engine.begin() as conn:
            top = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM escalation").scalar_one()
            conn.exec_driver_sql(
                "UPDATE timer SET next_level = 'level_1', next_fire_at = due_at "
                "WHERE id IN (SELECT timer_id FROM escalation WHERE level != 'bench-marker')"
            )
            conn.exec_driver_sql("DELETE FROM outbox")
            conn.exec_driver_sql("DELETE FROM escalation")
            conn.exec_driver_sql(
                "INSERT INTO escalation (id, timer_id, candidate_id, level, audience_role, scheduled_at, fired_at, "
                "lateness_seconds) SELECT ?, id, candidate_id, 'bench-marker', 'none', due_at, due_at, 0 "
                "FROM timer WHERE id = 1",
                (top + 1,),
            )
        checkpoint(engine)
        engine.dispose()


# --- subprocesses -------------------------------------------------------------------------------


def _status_kb(field_name: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Peak RSS of this process in MB.

    /proc/self/status VmHWM where there is one: it belongs to the process's own address space, so it starts
    afresh at exec. getrusage's ru_maxrss does not: Linux keeps the high-water mark across fork + exec, so a
    child started by a benchmark process that has grown to 1 GB reports at least 1 GB. ru_maxrss elsewhere.
    """
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024


def rss_mb() -> float:
    """Current RSS of this process in MB (VmRSS; the peak where /proc is missing)."""
    kb = _status_kb("VmRSS")
    return kb / 1024 if kb is not None else peak_rss_mb()


def bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIRING_", "PREFECT_API"))}
    env.update(
        {
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "TERM": "dumb",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def child(job: str, args: dict[str, Any], env: dict[str, str] | None = None, timeout: float = 600) -> dict[str, Any]:
    """Run benchmarks.child JOB in a fresh interpreter; its last stdout line is a JSON object."""
    proc = subprocess.run(
        [PYTHON, "-m", "benchmarks.child", job, json.dumps(args)],
        cwd=ROOT,
        env=env or bench_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.child {job} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
