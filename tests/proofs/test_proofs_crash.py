"""Proof (issue 6): `hiring serve` killed with SIGKILL at random moments, 20 times, loses nothing.

A real `hiring serve` process (sweep + dispatcher, APScheduler) sends Slack webhook messages to a loopback
receiver, one request per outbox row (digest off). It is killed with SIGKILL at a random moment (during
start-up, a sweep, a send, or between a send and its record) and started again, 20 times, while timers keep
coming due and new ones are added by another process. After a final clean run that drains the outbox:
every escalation that is due exists exactly once, with exactly one outbox row; every row (escalations, and
the weekly digest serve writes) is `sent`; every row reached the receiver; and the deliveries beyond the
first are at most the number of kills (a kill between a send and its record is the only way to send twice:
the row is reclaimed after the claim timeout). The test prints the count.

The second test takes the same crash apart deterministically: a dispatcher killed in the middle of a batch
has tried one row of it, and only that row may be charged an attempt (rows it never tried must not be given
up on, however often that happens).
"""

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from hiring import service
from models.tables import Escalation, Outbox, Timer
from notifications.dispatcher import PAUSE_AFTER_SEND_ENV
from states.intake import NewCandidate
from states.ladder import schedule
from states.policy import DEFAULT_POLICY, Level, TimerKind
from tests.support import payloads, procs
from tests.support.notify import add_rows, expire_claims
from tests.support.proof_support import add_people, duplicates, slack_receiver

pytestmark = pytest.mark.slow

KILLS = 20
SCREEN = DEFAULT_POLICY.duration(TimerKind.SCREEN_DECISION)
assert SCREEN is not None
REMINDER_AFTER = SCREEN * DEFAULT_POLICY.ladder.reminder_at  # 90 h after a candidate is added
ALL_LEVELS_AFTER = SCREEN + DEFAULT_POLICY.ladder.level_3_after  # 192 h: level 3 is the last
_numbers = iter(range(1, 1_000_000))


def real_now() -> datetime:
    return datetime.now(UTC)


def add_due(engine: Engine, requisition_id: int, due: datetime, n: int, after: timedelta) -> list[int]:
    """n candidates whose screen_decision level `after` their creation comes due at `due`."""
    people = [NewCandidate.model_validate(payloads.new_candidate(requisition_id, next(_numbers))) for _ in range(n)]
    return service.add_candidates(engine, people, actor="test", now=due - after, policy=DEFAULT_POLICY)


class Serve:
    """One `hiring serve` process; stderr collected by a thread (it must never block on a full pipe)."""

    def __init__(self, db_url: str, cwd: Path, env: dict[str, str]) -> None:
        environment = procs.hiring_env(db_url)
        environment.pop("PREFECT_API_URL", None)
        environment.update(env)
        self.proc = subprocess.Popen(
            [procs.HIRING, "serve", "--interval", "5"],
            env=environment,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def stop(self, sig: signal.Signals) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=15)
        self.reader.join(timeout=5)
        return code


def due_levels(engine: Engine, at: datetime) -> set[tuple[int, str]]:
    """(timer id, level) of every level scheduled at or before `at`, from the timers' own windows."""
    ladder, cal = DEFAULT_POLICY.ladder, DEFAULT_POLICY.cal()
    with Session(engine) as session:
        timers = list(session.execute(select(Timer)).scalars())
    return {
        (t.id, level.value)
        for t in timers
        for level, when in schedule(t.window_start, t.due_at, ladder, cal)
        if when <= at
    }


def escalations(engine: Engine) -> list[Escalation]:
    with Session(engine) as session:
        return list(session.execute(select(Escalation)).scalars())


def outbox(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.execute(select(Outbox)).scalars())


def test_serve_killed_20_times_fires_every_escalation_once_and_sends_every_row(
    engine, db_url, open_requisition, tmp_path
) -> None:
    rng = random.Random(int(os.environ.get("PROOF_SEED", "6")))
    add_people(engine)
    now = real_now()
    # Long overdue: all four levels of 60 timers are due before serve ever starts.
    add_due(engine, open_requisition, now - timedelta(minutes=5), 60, after=ALL_LEVELS_AFTER)
    # Coming due while serve is being killed: 3 reminders a second for the next 20 s (their level 1 is 30 h on).
    for second in range(20):
        add_due(engine, open_requisition, now + timedelta(seconds=second + 0.5), 3, after=REMINDER_AFTER)

    with slack_receiver() as slack:
        env = {
            **slack.env(),
            "HIRING_HEAD_OF_TALENT": "tess",
            "HIRING_DISPATCH_CLAIM_TIMEOUT_SECONDS": "2",
            # A short pause between a send and its record, so some kills land in that window (test-only hook).
            PAUSE_AFTER_SEND_ENV: "0.01",
        }
        started = time.monotonic()
        lives = []
        for _ in range(KILLS):
            serve = Serve(db_url, tmp_path, env)
            # More timers, opened by another process while serve runs: due within the next 3 s.
            add_due(
                engine, open_requisition, real_now() + timedelta(seconds=rng.uniform(0, 3)), 3, after=REMINDER_AFTER
            )
            life = rng.uniform(0.3, 2.5)  # serve's own start-up takes part of it: some kills land before work
            time.sleep(life)
            code = serve.stop(signal.SIGKILL)
            assert code == -signal.SIGKILL, "\n".join(serve.lines)
            lives.append(life)
            assert not any("Traceback" in line for line in serve.lines), "\n".join(serve.lines)
        killed_at = time.monotonic()
        rows_sent_while_killing = sum(1 for r in outbox(engine) if r.status == "sent")

        # The final, clean run: until every due level has fired and every row is sent.
        final = Serve(db_url, tmp_path, env)
        deadline = time.monotonic() + 40
        while not any("serve: sweep runs" in line for line in final.lines) and time.monotonic() < deadline:
            assert final.proc.poll() is None, "\n".join(final.lines)
            time.sleep(0.05)
        time.sleep(1)  # its first sweep and dispatcher pass have run (they start at once)

        def settled() -> bool:
            fired = {(e.timer_id, e.level) for e in escalations(engine)}
            rows = outbox(engine)
            return (
                fired >= due_levels(engine, real_now())
                and len([r for r in rows if r.escalation_id]) == len(fired)
                and all(r.status in ("sent", "dead") for r in rows)
            )

        while not settled() and time.monotonic() < deadline and final.proc.poll() is None:
            time.sleep(0.25)
        time.sleep(0.5)  # anything still to be sent twice would have gone out by now
        code = final.stop(signal.SIGTERM)
        checked_at = real_now()
        counts = slack.per_row()
        unreadable = list(slack.unreadable)

    rows = outbox(engine)
    fired = escalations(engine)
    dupes = duplicates(counts)
    print(
        f"\n[{engine.dialect.name}] {KILLS} SIGKILLs in {killed_at - started:.1f}s (lives "
        f"{min(lives):.1f}-{max(lives):.1f}s), {rows_sent_while_killing} of {len(rows)} rows sent before the "
        f"final run; final run {time.monotonic() - killed_at:.1f}s; {len(fired)} escalations; "
        f"{sum(counts.values())} deliveries of {len(counts)} rows: {dupes} duplicate(s) for {KILLS} kills; "
        f"attempts per row {dict(sorted(Counter(r.attempts for r in rows).items()))}"
    )
    assert code == 0, "\n".join(final.lines)
    assert unreadable == []
    # Every due escalation exactly once (the unique key), and nothing that was not due.
    keys = Counter((e.timer_id, e.level) for e in fired)
    assert max(keys.values()) == 1
    due = due_levels(engine, checked_at)
    assert set(keys) == due, (len(set(keys) - due), len(due - set(keys)))
    assert {level for _, level in keys} == {lv.value for lv in Level}
    # One outbox row per escalation (only Slack is configured); `hiring serve` also writes the weekly digest
    # (once per hiring manager and ISO week): every row, of either kind, sent and delivered.
    assert sorted(r.escalation_id for r in rows if r.kind == "escalation") == sorted(e.id for e in fired)
    assert Counter(r.kind for r in rows if r.kind != "escalation") <= Counter(digest=1)
    assert Counter(r.status for r in rows) == {"sent": len(rows)}, [
        (r.id, r.status, r.attempts, r.last_error) for r in rows if r.status != "sent"
    ]
    assert set(counts) == {r.id for r in rows}
    assert dupes <= KILLS, counts.most_common(5)


def test_a_dispatcher_killed_mid_batch_charges_an_attempt_only_to_the_row_it_was_sending(
    engine, db_url, tmp_path, T0
) -> None:
    """`hiring dispatch` claims a batch of 100 rows, sends the first, and is SIGKILLed before recording it;
    eight times in a row (the default dispatch_max_attempts), the claims expired between runs so the rows are
    reclaimed at once. Only the row in flight was ever tried: the 99 others must not be given up on. A ninth,
    clean run must send them (each exactly once); the row that was in flight every time may end `dead`
    ("stopped each time before recording the outcome") but was delivered at most once per kill.
    """
    add_people(engine)
    ids = add_rows(engine, 100, channel="slack", recipient="hugo", at=T0)
    kills = 8
    with slack_receiver() as slack:
        for k in range(kills):
            env = procs.hiring_env(db_url, T0 + timedelta(hours=k))
            env.update({**slack.env(), PAUSE_AFTER_SEND_ENV: "60"})
            proc = subprocess.Popen(
                [procs.HIRING, "dispatch"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                assert proc.stderr is not None
                assert "pausing" in proc.stderr.readline()  # one message sent, its record not yet written
            finally:
                proc.kill()
                proc.wait(timeout=10)
            expire_claims(engine)  # the claim timeout passes, on the database's clock
        tried = set(slack.per_row())  # the rows that were in flight when a run was killed
        env = procs.hiring_env(db_url, T0 + timedelta(hours=kills))
        env.update(slack.env())
        done = subprocess.run(
            [procs.HIRING, "dispatch"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        counts = slack.per_row()
    rows = {r.id: r for r in outbox(engine)}
    statuses, attempts = Counter(r.status for r in rows.values()), Counter(r.attempts for r in rows.values())
    print(
        f"\n[{engine.dialect.name}] after {kills} kills mid-batch and a clean run: {dict(statuses)}, attempts "
        f"{dict(attempts)}, {sum(counts.values())} deliveries of {len(counts)} row(s)"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 1 <= len(tried) <= kills and duplicates(counts) <= kills
    never_tried = [i for i in ids if i not in tried]
    given_up = [(i, rows[i].attempts, rows[i].last_error) for i in never_tried if rows[i].status != "sent"]
    assert given_up == [], f"{len(given_up)} rows that were never sent were given up on, e.g. {given_up[:1]}"
    assert all(counts[i] == 1 for i in never_tried)
