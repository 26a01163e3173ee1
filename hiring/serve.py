"""`hiring serve`: the SLA sweep and the notification dispatcher on a schedule, in this process (APScheduler 3).

How it keeps the 2-second promise
---------------------------------
The database holds the deadlines; APScheduler is only this process's alarm clock. Its job store is the
in-memory one and is never shared: correctness across several `serve` processes (or Prefect workers) comes
from the database's unique keys, so a second `serve` on the same database fires nothing twice.

- The sweep job has an interval trigger (`--interval`, the longest sleep between sweeps) and starts at once.
- After every sweep, the next one is pulled forward to the earliest `timer.next_fire_at` among open timers
  (`SELECT min(next_fire_at) FROM timer WHERE status = 'open'`, one step down the `ix_timer_due` index).
  A sweep therefore runs at the moment an escalation comes due, not up to an interval later.
- A watch job repeats that MIN query every second, so timers opened by other processes (CLI events, an
  import) after the last sweep are honoured too: at worst one watch period after they are committed.
- Jobs never run twice at once in this process: a wake-up that arrives while the same job runs returns at
  once (a non-blocking lock), and the running one re-plans when it finishes. No APScheduler job is ever
  dropped as "misfired" (misfire_grace_time=None; coalesce=True runs a backlog once).

The clock: "now" comes from the real clock. When HIRING_NOW is set, serve starts at that pinned instant and
moves forward with real (monotonic) time: now = HIRING_NOW + time elapsed since start. Demos and tests
can so replay a pinned moment while escalations still come due in real seconds.

Prefect: when PREFECT_API_URL is set, each sweep is a run of the `sla-sweep` flow, visible in that
server's UI. Without it, serve calls hiring.sla.sweep directly and never imports prefect.

The dispatcher (notifications.dispatcher.dispatch) runs every DISPATCH_EVERY seconds, and at once after a
sweep fired something; serve runs it only if that module is installed.
"""

import importlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from sqlalchemy import Engine

from hiring.errors import HiringError, InvalidInput
from hiring.sla import earliest_due  # the one query the schedule depends on
from models.urls import redact_url

log = logging.getLogger("hiring.serve")

SWEEP_JOB = "sla-sweep"
DISPATCH_JOB = "dispatch-notifications"
DIGEST_JOB = "weekly-digest"
DIGEST_EVERY = 3600.0  # seconds: the digest is written once per ISO week (dedupe key), from Monday 08:00 on
WATCH_EVERY = 1.0  # seconds between the cheap MIN(next_fire_at) checks
DISPATCH_EVERY = 2.0  # seconds between dispatcher passes (it is also woken after a sweep writes outbox rows)
MIN_GAP = 0.2  # seconds between the end of a sweep and the next (work still due is locked by another sweeper)
MAX_INTERVAL = 86_400.0  # seconds: the longest sleep between sweeps (a day); more overflows the scheduler
RETRY_AFTER = 5.0  # seconds before retrying a job that failed (capped by the interval)
BATCH_SIZE = 500
SWEEP_FLOW = "flows.sla_sweep:sla_sweep_flow"  # prefect.yaml's entry point of the sla-sweep deployment
SHOWN = 20  # escalations listed by id in one log line; the rest are counted


# --- the clock ----------------------------------------------------------------------------------


def serve_clock() -> Callable[[], datetime]:
    """Real UTC time; with HIRING_NOW set, the pinned instant plus the real time elapsed since start."""
    pinned = os.environ.get("HIRING_NOW")
    if not pinned:
        return lambda: datetime.now(UTC)
    from hiring.clock import parse_instant

    start, started = parse_instant(pinned, "HIRING_NOW"), time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - started)


# --- the one query the schedule depends on --------------------------------------------------------

# --- what a sweep reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class Swept:
    """What one sweep did, for the log: ids and numbers, never names or emails."""

    fired: int
    details: str  # e.g. "2 outbox row(s): candidate 12 decision level_1 (late 0.4s), ..."


def listing(rows: Iterable[tuple[int, str, str, float]]) -> str:
    """'candidate 12 decision level_1 (late 0.4s), ...' for (candidate id, timer, level, lateness) rows."""
    items = [f"candidate {cid} {timer} {level} (late {late:.1f}s)" for cid, timer, level, late in rows]
    more = f", and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def _sweep_function(engine: Engine) -> Callable[[datetime], Swept]:
    """hiring.sla.sweep, called directly: no Prefect import, no API."""
    from hiring.bootstrap import load_policy
    from hiring.settings import available_channels
    from hiring.sla import sweep

    policy, channels = load_policy(), available_channels()

    def run(now: datetime) -> Swept:
        fired = sweep(engine, now, policy, channels, BATCH_SIZE)
        rows = sum(f.outbox_rows for f in fired)
        text = listing((f.candidate_id, f.timer, f.level, f.lateness.total_seconds()) for f in fired)
        return Swept(len(fired), f"{rows} outbox row(s): {text}")

    return run


def _sweep_flow(api_url: str) -> Callable[[datetime], Swept]:
    """The `sla-sweep` Prefect flow, so each sweep shows as a flow run on the server at PREFECT_API_URL."""
    try:
        sla_sweep_flow = _flow(SWEEP_FLOW)
    except ImportError as exc:
        raise HiringError(
            f"PREFECT_API_URL is set ({redact_url(api_url)}) but the sla-sweep flow cannot be imported: {exc}. "
            "Unset PREFECT_API_URL to run the sweep without Prefect."
        ) from None

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    def run(now: datetime) -> Swept:
        # No flow-run heartbeat: a sweep lasts a fraction of a second, and waiting for the heartbeat thread
        # at the end of each run would add about 1 s, half the 2-second budget. Our clock is passed in (not
        # the flow's own): it honours HIRING_NOW + elapsed time.
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            summary = sla_sweep_flow(now=now.isoformat(), batch_size=BATCH_SIZE)
        # The flow returns its summary (counts); each escalation's ids are in the flow run's own log lines
        # and in its `sla-sweep` table artifact.
        by_level = ", ".join(f"{level} {n}" for level, n in sorted(summary.get("by_level", {}).items()))
        return Swept(
            int(summary.get("fired", 0)),
            f"{summary.get('timers', 0)} timer(s) of {summary.get('candidates', 0)} candidate(s), "
            f"by level: {by_level}; max lateness {summary.get('max_lateness_seconds', 0):.1f}s; "
            f"as flow run sla-sweep on {redact_url(api_url)}",
        )

    return run


def _flow(entrypoint: str) -> Callable[..., dict[str, Any]]:
    """A flow by its entry point, "module:function": serve runs the deployed flow without importing flows/."""
    module, _, name = entrypoint.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]  # the flow, found by name


def _dispatcher(engine: Engine) -> Callable[[datetime], Any]:
    """The outbox dispatcher bound to this engine (imported late: it is only needed once serve runs)."""
    from hiring.bootstrap import dispatch

    return lambda now: dispatch(engine, now)


# --- the runner ---------------------------------------------------------------------------------


class Runner:
    """The scheduler, its jobs, and the state they share. One per `serve` process."""

    def __init__(
        self,
        engine: Engine,
        interval: float,
        now_fn: Callable[[], datetime],
        sweep_fn: Callable[[datetime], Swept],
        dispatch_fn: Callable[[datetime], Any] | None,
    ) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        self.engine, self.interval, self.now = engine, interval, now_fn
        self.sweep_fn, self.dispatch_fn = sweep_fn, dispatch_fn
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},  # never a shared or persistent store
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 3, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._locks: dict[str, threading.Lock] = {}
        self._plan_lock = threading.Lock()
        self._control = threading.Lock()  # our calls into the scheduler vs. its shutdown (see shutdown)
        self._stopping = False
        self._not_before = now_fn()  # app-clock time before which no sweep is pulled forward
        self._last_error: dict[str, str] = {}
        self.sweeps = self.fired = 0

    # jobs ---------------------------------------------------------------------------------------

    def start(self) -> None:
        first = datetime.now(UTC)
        self._add(SWEEP_JOB, self._sweep, self.interval, first)
        self._add("watch", self._watch, WATCH_EVERY, first + timedelta(seconds=WATCH_EVERY))
        if self.dispatch_fn is not None:
            self._add(DISPATCH_JOB, self._dispatch, min(DISPATCH_EVERY, self.interval), first)
            self._add(DIGEST_JOB, self._digest, DIGEST_EVERY, first)
        self.scheduler.start()

    def _add(self, job_id: str, fn: Callable[[], None], every: float, first: datetime) -> None:
        self._locks[job_id] = threading.Lock()
        self.scheduler.add_job(
            self._exclusive, "interval", args=(job_id, fn), seconds=every, id=job_id, name=job_id, next_run_time=first
        )

    def _exclusive(self, job_id: str, fn: Callable[[], None]) -> None:
        """Run fn unless this job already runs in this process (that run covers it; a sweep re-plans after)."""
        lock = self._locks[job_id]
        if not lock.acquire(blocking=False):
            return
        try:
            fn()
        finally:
            lock.release()
        if job_id == SWEEP_JOB:
            self._plan()

    def _sweep(self) -> None:
        now = self.now()
        started = time.perf_counter()
        try:
            swept = self.sweep_fn(now)
        except Exception as exc:
            retry = min(RETRY_AFTER, self.interval)
            self._not_before = now + timedelta(seconds=retry)  # no re-plan pulls the retry forward
            self._failed(SWEEP_JOB, exc, retry)
            return
        self._last_error.pop(SWEEP_JOB, None)
        self.sweeps += 1
        self._not_before = self.now() + timedelta(seconds=MIN_GAP)
        if not swept.fired:
            log.debug("sweep at %s: nothing due", now.isoformat())
            return
        self.fired += swept.fired
        log.info(
            "sweep: fired %d escalation(s) in %.2fs, %s", swept.fired, time.perf_counter() - started, swept.details
        )
        if self.dispatch_fn is not None:
            self._wake(DISPATCH_JOB, self.now())  # send what was just written without waiting a period

    def _dispatch(self) -> None:
        assert self.dispatch_fn is not None
        now = self.now()
        try:
            self.dispatch_fn(now)  # it logs what it sent, retried and gave up on (notifications.dispatcher)
        except Exception as exc:
            self._failed(DISPATCH_JOB, exc, min(DISPATCH_EVERY, self.interval))  # its next pass is the retry
            return
        self._last_error.pop(DISPATCH_JOB, None)

    def _digest(self) -> None:
        """This week's digest per hiring manager, written once (Monday 08:00 on; catches up after downtime)."""
        from hiring.reports.digest import scheduled_digests
        from hiring.settings import available_channels

        try:
            written = scheduled_digests(self.engine, self.now(), available_channels())
        except Exception as exc:
            self._failed(DIGEST_JOB, exc, DIGEST_EVERY)
            return
        self._last_error.pop(DIGEST_JOB, None)
        new = [w for w in written if w.outbox_id is not None]
        if new:
            log.info("weekly digest: %d outbox row(s) written", len(new))
            self._wake(DISPATCH_JOB, self.now())

    def _watch(self) -> None:
        if self._locks[SWEEP_JOB].locked():
            return  # the running sweep re-plans when it ends
        self._plan()

    # scheduling ---------------------------------------------------------------------------------

    def _plan(self) -> None:
        """Pull the next sweep forward to the earliest due escalation; never push it later."""
        with self._plan_lock:
            try:
                due = earliest_due(self.engine)
            except Exception as exc:
                self._warn_once("watch", f"cannot read the next due time: {type(exc).__name__}: {exc}")
                return
            self._last_error.pop("watch", None)
            if due is not None:
                self._wake(SWEEP_JOB, max(due, self._not_before))

    def _wake(self, job_id: str, at: datetime) -> None:
        """Make job_id run at app-clock time `at` if that is earlier than its next run."""
        wall = datetime.now(UTC) + max(at - self.now(), timedelta(0))
        with self._control:
            if self._stopping:
                return
            job = self.scheduler.get_job(job_id)
            if job is None or job.next_run_time is None or wall >= job.next_run_time - timedelta(milliseconds=1):
                return
            self.scheduler.modify_job(job_id, next_run_time=wall)
        log.debug("%s pulled forward to %s", job_id, at.isoformat())

    def _failed(self, job_id: str, exc: Exception, retry: float) -> None:
        text = f"{type(exc).__name__}: {exc}"
        if self._last_error.get(job_id) != text:  # the traceback once, then one line per failure
            log.exception("%s failed (retry in %gs)", job_id, retry)
        else:
            log.error("%s failed again (retry in %gs): %s", job_id, retry, text)
        self._last_error[job_id] = text

    def _warn_once(self, key: str, text: str) -> None:
        if self._last_error.get(key) != text:
            log.warning(text)
        self._last_error[key] = text

    def shutdown(self) -> None:
        """Let running jobs finish, then stop the scheduler and its threads."""
        # APScheduler 3.11 holds its job-store lock while it waits for running jobs; a job that then called
        # get_job/modify_job would wait for that lock forever. So no job touches the scheduler from here on.
        with self._control:
            self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)


# --- entry point --------------------------------------------------------------------------------


@contextmanager
def serve_logging() -> Iterator[None]:
    """Timestamped lines on stderr for serve and the dispatcher (INFO) and APScheduler (warnings only).

    Not propagated to the root logger (Prefect puts its own console handler there); the loggers are put
    back as they were on exit, so running serve in-process (tests) leaves no trace.
    """
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s.%(msecs)03dZ %(levelname)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    levels = {"hiring.serve": logging.INFO, "notifications": logging.INFO, "apscheduler": logging.WARNING}
    loggers = [(logging.getLogger(name), level) for name, level in levels.items()]
    saved = [(logger, logger.level, logger.propagate) for logger, _ in loggers]
    for logger, level in loggers:
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, level, propagate in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def run_serve(
    interval: float = 60.0,
    *,
    engine: Engine | None = None,
    stop_event: threading.Event | None = None,
    now_fn: Callable[[], datetime] | None = None,
) -> None:
    """Sweep (and dispatch) on schedule until SIGINT/SIGTERM or `stop_event`; returns after a clean stop."""
    if not 0 < interval <= MAX_INTERVAL:  # nan fails both comparisons; inf fails the second
        raise InvalidInput(
            f"--interval must be a number of seconds above 0 and at most {MAX_INTERVAL:g}, not {interval}"
        )
    with serve_logging():
        _serve(interval, engine, stop_event, now_fn)


def _serve(
    interval: float, engine: Engine | None, stop_event: threading.Event | None, now_fn: Callable[[], datetime] | None
) -> None:
    stop = stop_event or threading.Event()
    received: list[str] = []
    restore = _on_signals(stop, received)  # from here on, SIGINT/SIGTERM mean "stop cleanly"
    try:
        _run(interval, engine, stop, received, now_fn)
    finally:
        restore()


def _run(
    interval: float,
    engine: Engine | None,
    stop: threading.Event,
    received: list[str],
    now_fn: Callable[[], datetime] | None,
) -> None:
    from hiring.bootstrap import load_policy, open_engine
    from hiring.settings import get_settings

    own_engine = engine is None
    if engine is None:
        engine = open_engine()
    now_fn = now_fn or serve_clock()
    load_policy()  # an invalid policy file is refused now, before anything is scheduled
    policy_file = get_settings().policy_file
    api_url = os.environ.get("PREFECT_API_URL")
    sweep_fn = _sweep_flow(api_url) if api_url else _sweep_function(engine)
    dispatch_fn = _dispatcher(engine)
    pinned = os.environ.get("HIRING_NOW")

    log.info(
        "serve: database %s, policy %s, sweep at least every %gs and when escalations come due",
        redact_url(engine.url),
        f"file {policy_file}" if policy_file else "built-in defaults",
        interval,
    )
    log.info(
        "serve: sweep runs %s; dispatcher %s; clock %s",
        f"as the sla-sweep Prefect flow on {redact_url(api_url)}" if api_url else "in-process (no Prefect)",
        f"every {min(DISPATCH_EVERY, interval):g}s",
        f"HIRING_NOW {pinned} + elapsed real time" if pinned else "real time (UTC)",
    )

    runner = Runner(engine, interval, now_fn, sweep_fn, dispatch_fn)
    try:
        if not stop.is_set():  # a signal during start-up skips straight to the clean stop
            runner.start()
        while not stop.wait(0.5):
            pass
    finally:
        why = f"on {received[0]}" if received else "on request"
        log.info("serve: stopping %s; waiting for running jobs to finish", why)
        runner.shutdown()
        if own_engine:
            engine.dispose()
        log.info("serve: stopped cleanly after %d sweep(s), %d escalation(s) fired", runner.sweeps, runner.fired)


def _on_signals(stop: threading.Event, received: list[str]) -> Callable[[], None]:
    """SIGINT/SIGTERM set `stop` (the main loop logs and shuts down); a second signal exits at once."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals can only be handled in the main thread; `stop_event` still works
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def handle(signum: int, _frame: FrameType | None) -> None:
        if received:  # a second signal: do not wait for a job that will not finish
            os.write(2, f"serve: second {signal.Signals(signum).name}, exiting without waiting\n".encode())
            os._exit(128 + signum)
        received.append(signal.Signals(signum).name)  # no logging here: the main thread logs it
        stop.set()

    for sig in signals:
        signal.signal(sig, handle)
    return restore
