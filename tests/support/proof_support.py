"""Helpers of the proofs (tests/test_proofs_*.py): a loopback Slack receiver, people, whole-database dumps,
and running functions in several spawned processes that start their work at the same moment.

A plain module: importable by the spawned child processes (tests/support/proof_workers.py) and by the tests.
"""

import hashlib
import json
import multiprocessing
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine, MetaData, select, text

from models.db import sqlite_path, transaction
from models.tables import Person

WEBHOOK_PATH = "/services/T0PROOF/B0PROOF/proofkey0123456789"
WEBHOOK_URL = "https://hooks.slack.com" + WEBHOOK_PATH
PEOPLE = {"rita": "recruiter", "hugo": "hiring_manager", "tess": "head_of_talent"}
_OUTBOX_IDS = re.compile(r"outbox ((?:#\d+(?:, )?)+)")


# --- a Slack incoming webhook on 127.0.0.1 that records which outbox rows each request carried --------


class SlackReceiver:
    """A threaded HTTP server standing in for a Slack incoming webhook.

    Each POST is one message; the outbox ids it carries are read from the message's footer
    ("hiring-pipeline · outbox #12, #13", notifications/render.py). Only complete, parseable requests are
    recorded: a client killed in the middle of sending its request delivered nothing.
    """

    def __init__(self) -> None:
        self.deliveries: list[tuple[int, ...]] = []
        self.unreadable: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length)
                    if len(body) < length:
                        return  # the sender died mid-request
                    ids = receiver.ids_of(json.loads(body))
                except Exception as exc:  # a malformed request is recorded as such, and refused
                    with receiver._lock:
                        receiver.unreadable.append(f"{type(exc).__name__}: {exc}")
                    self._answer(400, b"invalid_payload")
                    return
                with receiver._lock:
                    receiver.deliveries.append(ids)
                self._answer(200, b"ok")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @staticmethod
    def ids_of(message: dict[str, Any]) -> tuple[int, ...]:
        for block in message.get("blocks", []):
            if block.get("type") == "context":
                for element in block.get("elements", []):
                    found = _OUTBOX_IDS.search(element.get("text", ""))
                    if found:
                        return tuple(int(i) for i in re.findall(r"#(\d+)", found.group(1)))
        raise ValueError("no outbox ids in the message footer")

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SlackReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def per_row(self) -> Counter[int]:
        """How many times each outbox row was delivered."""
        with self._lock:
            return Counter(i for ids in self.deliveries for i in ids)

    def env(self) -> dict[str, str]:
        """HIRING_* variables that send Slack webhook messages here, one request per outbox row."""
        return {
            "HIRING_SLACK_WEBHOOK_URL": WEBHOOK_URL,
            "HIRING_SLACK_BASE_URL": self.base_url,
            "HIRING_DIGEST": "false",
        }

    def settings(self) -> dict[str, Any]:
        """The same, as keyword arguments of hiring.settings.Settings."""
        return {"slack_webhook_url": WEBHOOK_URL, "slack_base_url": self.base_url, "digest": False}


@contextmanager
def slack_receiver() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


def duplicates(counts: Counter[int]) -> int:
    """Deliveries beyond the first, over all rows."""
    return sum(n - 1 for n in counts.values() if n > 1)


def add_people(engine: Engine) -> None:
    """rita (recruiter), hugo (hiring manager) and tess (head of talent), reachable on Slack."""
    with transaction(engine) as session:
        for handle, role in PEOPLE.items():
            session.add(
                Person(
                    handle=handle,
                    name=handle.title(),
                    email=f"{handle}@example.com",
                    slack_user_id=f"U0{handle.upper()}",
                    role=role,
                    timezone="UTC",
                    channels=["slack"],
                )
            )


# --- the whole database, as text ------------------------------------------------------------------


class Snapshot:
    """Everything the database holds, as text, and its hash.

    SQLite: its own SQL dump (schema, every row, sqlite_sequence). PostgreSQL: every row of every table of the
    public schema ordered by primary key, and the columns of each table (tables are reflected once). Sequences
    are left out: a refused insert may advance one (nextval is not transactional), which changes no row.
    """

    def __init__(self, engine: Engine, db_url: str) -> None:
        self.engine, self.path = engine, sqlite_path(db_url)
        self.meta: MetaData | None = None

    def text(self) -> str:
        if self.path is not None:
            conn = sqlite3.connect(self.path)
            try:
                return "\n".join(conn.iterdump())
            finally:
                conn.close()
        with self.engine.connect() as conn:
            if self.meta is None:
                self.meta = MetaData()
                self.meta.reflect(conn)
            lines = [
                repr(tuple(r))
                for r in conn.execute(
                    text(
                        "SELECT table_name, column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
                    )
                )
            ]
            for table in sorted(self.meta.tables.values(), key=lambda t: t.name):
                order = list(table.primary_key.columns) or list(table.columns)
                lines.append(f"-- {table.name}")
                lines += [repr(tuple(row)) for row in conn.execute(select(table).order_by(*order))]
        return "\n".join(lines)

    def digest(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()


# --- several processes, started together -----------------------------------------------------------


def warm() -> None:
    """Pool initializer: the app is imported (by tests.support.proof_workers) before any test waits on the barrier."""
    import tests.support.proof_workers  # noqa: F401


def together(fn: Callable[..., Any], args_per_process: list[tuple], timeout: float = 300) -> list[Any]:
    """fn(*args, barrier) in one spawned process per argument tuple; they pass the barrier at the same moment."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(args_per_process))
        with ProcessPoolExecutor(len(args_per_process), mp_context=ctx, initializer=warm) as pool:
            futures = [pool.submit(fn, *args, barrier) for args in args_per_process]
            return [f.result(timeout=timeout) for f in futures]
