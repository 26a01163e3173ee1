"""Outbox dispatch into a loopback HTTP receiver standing in for Slack's incoming webhook.

The outbox rows are the ones the product's sweep writes (1 escalation = 1 Slack row). The dispatcher
(notifications.dispatcher.dispatch) claims them, renders them, POSTs them with slack_sdk, and marks them
sent. The baseline POSTs the same rendered messages with urllib (new connection each, like slack_sdk's
webhook client), with no database at all: the cost of the HTTP alone.
"""

import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import col

from benchmarks.common import (
    NOW,
    PYTHON,
    ROOT,
    Size,
    Table,
    bench_env,
    checkpoint,
    engine_for,
    fresh_db,
    populate,
    timed,
    timed_cpu,
    url_of,
)
from models.tables import Outbox
from states.policy import DEFAULT_POLICY

WEBHOOK = "https://hooks.slack.com/services/T0BENCH/B0BENCH/benchkey0123456789"


class Receiver:
    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc, self.port = proc, port
        self.url = f"http://127.0.0.1:{port}"

    def requests(self) -> int:
        with urllib.request.urlopen(self.url + "/count", timeout=10) as resp:
            return int(json.loads(resp.read())["requests"])


@contextmanager
def receiver() -> Iterator[Receiver]:
    proc = subprocess.Popen(
        [PYTHON, "-m", "benchmarks.receiver"], cwd=ROOT, env=bench_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield Receiver(proc, int(proc.stdout.readline()))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def outbox_db(workdir: Path, rows: int) -> Path:
    """A database whose outbox holds `rows` pending Slack rows written by the product's sweep."""
    from hiring.sla import sweep

    path = fresh_db(workdir, "dispatch.db")
    populate(path, rows, [NOW - timedelta(hours=1)] * rows)
    engine = engine_for(path)
    fired = sweep(engine, NOW, DEFAULT_POLICY, frozenset({"slack"}), 500)
    assert sum(f.outbox_rows for f in fired) == rows
    checkpoint(engine)
    engine.dispose()
    return path


def project(path: Path, rx: Receiver, digest: bool) -> tuple[float, float, Any]:
    from hiring.bootstrap import dispatch
    from hiring.settings import Settings

    settings = Settings(
        database_url=url_of(path), slack_webhook_url=SecretStr(WEBHOOK), slack_base_url=rx.url, digest=digest
    )
    engine = engine_for(path)
    try:
        return timed_cpu(lambda: dispatch(engine, now=NOW, settings=settings))
    finally:
        engine.dispose()


def rendered(path: Path) -> list[bytes]:
    """The Slack messages the dispatcher sends for these rows (one per row), as request bodies."""
    from notifications.render import Context, Notice, slack_message

    engine = engine_for(path)
    with engine.connect() as conn:
        rows = conn.execute(select(col(Outbox.id), col(Outbox.kind), col(Outbox.payload))).all()
    engine.dispose()
    return [
        json.dumps(slack_message([Notice(i, kind, payload)], Context(), "U0RITA", "Rita Recruiter")).encode()
        for i, kind, payload in rows
    ]


def baseline(bodies: list[bytes], rx: Receiver) -> float:
    target = rx.url + WEBHOOK.removeprefix("https://hooks.slack.com")

    def post_all() -> None:
        for body in bodies:
            req = urllib.request.Request(target, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                assert resp.status == 200

    return timed(post_all)[0]


def run(size: Size, workdir: Path) -> list[Table]:
    n = size.dispatch_rows
    path = outbox_db(workdir, n)
    digest_path = path.with_name("dispatch-digest.db")
    shutil.copyfile(path, digest_path)
    bodies = rendered(path)
    table = Table("dispatch", f"dispatch of {n:,} Slack notifications into a loopback receiver")
    with receiver() as rx:
        base_s = baseline(bodies, rx)
        before = rx.requests()
        seconds, cpu, result = project(path, rx, digest=False)
        posts = rx.requests() - before
        assert result.sent == n == posts, (result.counts(), posts)
        rate, base_rate = n / seconds, n / base_s
        table.add(
            "notifications/s, one message each (digest off)",
            rate,
            "notif/s",
            baseline=base_rate,
            baseline_name="urllib POSTs, no DB",
            ratio=rate / base_rate,
            target=">= 300 notif/s",
            met=rate >= 300,
        )
        before = rx.requests()
        digest_s, _, digest_result = project(digest_path, rx, digest=True)
        digest_posts = rx.requests() - before
        assert digest_result.sent == n, digest_result.counts()
        table.add(
            "notifications/s, default digest on",
            n / digest_s,
            "notif/s",
            baseline=base_rate,
            baseline_name="urllib POSTs, no DB",
            ratio=(n / digest_s) / base_rate,
            note=f"{digest_posts:,} HTTP messages for {n:,} notifications (one recipient: digests of up to 20)",
        )
    table.notes.append(
        "one dispatch() pass each, receiver in its own process; the primary figure has digests "
        "off so that every notification is one HTTP request"
    )
    table.notes.append(f"digest off: {n / cpu:,.0f} notifications per CPU-second of the dispatching process")
    return [table]
