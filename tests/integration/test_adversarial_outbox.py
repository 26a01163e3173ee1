"""Outbox attacks: names at rest that erasure cannot find, Slack limits that cut silently, skewed claim clocks."""

import json
import re
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, column, insert, table, update
from sqlalchemy.engine import make_url
from werkzeug import Request, Response

from hiring import service
from hiring.bootstrap import dispatch
from hiring.reports.digest import write_weekly_digests
from hiring.sla import sweep
from models.db import database_now, sqlite_path, transaction
from models.tables import Outbox
from states.intake import NewCandidate
from tests.support import payloads, procs
from tests.support.db import migrate
from tests.support.notify import (
    T0,
    WEBHOOK_PATH,
    WEBHOOK_URL,
    add_person,
    add_rows,
    expire_claims,
    outbox_rows,
    webhook_settings,
)

SURNAME, EMAIL = "Quackenbush", "zelda.quackenbush@example.org"  # ASCII: JSON columns escape other characters
OTHER = "Ada Lovelace"  # a candidate who is not erased: the digest still names her
LATE = T0 + timedelta(days=30)  # every deadline of a new candidate has passed
PG_DUMP = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
_OUTBOX_IDS = re.compile(r"outbox ((?:#\d+(?:, )?)+)")


def footer_ids(message: dict[str, Any]) -> list[int]:
    """The outbox ids a Slack message carries, from its footer ("hiring-pipeline · outbox #12, #13")."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "context" else []:
            found = _OUTBOX_IDS.search(element.get("text", ""))
            if found:
                return [int(i) for i in re.findall(r"#(\d+)", found.group(1))]
    return []


def slack_env(server: HTTPServer, digest: bool = True) -> dict[str, str]:
    return {
        "HIRING_SLACK_WEBHOOK_URL": WEBHOOK_URL,
        "HIRING_SLACK_BASE_URL": server.url_for("/").rstrip("/"),
        "HIRING_DIGEST": str(digest).lower(),
    }


def hiring(
    args: list[str], db_url: str, cwd: Path, now: datetime | None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**procs.hiring_env(db_url, now), **(env or {})}
    return subprocess.run([procs.HIRING, *args], env=full, cwd=cwd, capture_output=True, text=True, timeout=60)


# --- 2. no name or email at rest where erasure cannot find it ------------------------------------


def database_dump(db_url: str) -> str:
    """The whole database as its own dump tool writes it: sqlite3 .dump, or pg_dump."""
    path = sqlite_path(db_url)
    if path is not None:
        args = ["sqlite3", str(path), ".dump"]
    else:
        args = [PG_DUMP, "--dbname", make_url(db_url).set(drivername="postgresql").render_as_string(False)]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _digest_waiting(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    write_weekly_digests(engine, LATE, channels=frozenset({"slack"}))


def _digest_sent(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    write_weekly_digests(engine, LATE, channels=frozenset({"slack"}))
    assert dispatch(engine, now=LATE, settings=webhook_settings(db_url, slack)).sent == 1


def _escalation_in_flight(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    """Escalations claimed by a dispatcher that died before recording them: erasure scrubs, not deletes."""
    sweep(engine, LATE, channels=frozenset({"slack"}))
    with transaction(engine) as session:
        session.execute(update(Outbox).values(status="sending", claimed_by="dead-worker", claimed_at=LATE, attempts=1))


@dataclass(frozen=True)
class AtRest:
    name: str
    setup: Callable[[Engine, str, HTTPServer], None]
    resent: bool  # whether the next dispatch sends anything (naming her as erased, the others by name)


AT_REST = [
    AtRest("weekly digest waiting to be sent", _digest_waiting, resent=True),
    AtRest("weekly digest already sent", _digest_sent, resent=False),
    AtRest("escalations in a dead dispatcher's hands", _escalation_in_flight, resent=True),
]


@pytest.mark.parametrize("case", AT_REST, ids=[c.name for c in AT_REST])
def test_after_hiring_erase_the_database_and_the_next_dispatch_hold_no_name_or_email(
    case: AtRest, engine: Engine, db_url: str, candidate: Callable[..., int], slack: HTTPServer, tmp_path: Path
) -> None:
    add_person(engine)  # hugo, the hiring manager of the requisition
    add_person(engine, handle="rita", name="Rita Recruiter", slack_user_id="U0RITA", role="recruiter")
    zelda = candidate(name=f"Zelda {SURNAME}", email=EMAIL)
    candidate(name=OTHER, email="ada@example.org")
    slack.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    case.setup(engine, db_url, slack)
    slack.clear_log()

    erased = hiring(["erase", str(zelda), "--by", "dpo@acme.example"], db_url, tmp_path, LATE + timedelta(hours=1))
    assert erased.returncode == 0, erased.stderr

    dump = database_dump(db_url)
    assert (dump.count(SURNAME), dump.count(EMAIL)) == (0, 0), [
        line for line in dump.splitlines() if SURNAME in line or EMAIL in line
    ][:3]
    expire_claims(engine)  # the dead dispatcher's claims lapse
    sent = hiring(["dispatch"], db_url, tmp_path, LATE + timedelta(hours=2), env=slack_env(slack))
    assert sent.returncode == 0, sent.stderr
    bodies = "\n".join(request.get_data(as_text=True) for request, _ in slack.log)
    assert (bodies.count(SURNAME), bodies.count(EMAIL)) == (0, 0)
    if case.resent:  # names are read when a message is rendered: hers as erased, the others' as they are
        assert "erased candidate (#" in bodies and OTHER in bodies
    else:
        assert bodies == ""


# --- 13. a Slack digest too long for one message is never cut silently ---------------------------


@dataclass(frozen=True)
class LongDigest:
    name: str
    overdue: int  # candidates with an overdue deadline in the hiring manager's requisition


LONG_DIGESTS = [LongDigest("fits in one message", 40), LongDigest("five thousand overdue", 5_000)]


@pytest.mark.parametrize("case", LONG_DIGESTS, ids=[c.name for c in LONG_DIGESTS])
def test_a_slack_digest_shows_every_overdue_item_or_says_how_many_more_and_where(
    case: LongDigest, engine: Engine, db_url: str, open_requisition: int, slack: HTTPServer
) -> None:
    add_person(engine)
    people = [NewCandidate.model_validate(payloads.new_candidate(open_requisition, n)) for n in range(case.overdue)]
    ids = service.add_candidates(engine, people, actor="test", now=T0)
    write_weekly_digests(engine, LATE, channels=frozenset({"slack"}))
    slack.expect_request(WEBHOOK_PATH).respond_with_data("ok")

    result = dispatch(engine, now=LATE, settings=webhook_settings(db_url, slack))

    assert result.sent == 1 and result.dead == 0, result.failures
    messages = [json.loads(request.get_data()) for request, _ in slack.log]
    assert all(len(m["blocks"]) <= 50 for m in messages), [len(m["blocks"]) for m in messages]
    texts = [b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section" and "text" in b]
    assert all(len(t) <= 3000 for t in texts)
    shown = {int(i) for i in re.findall(r"\(#(\d+)\), req", "\n".join(texts))}
    more = re.search(r"and ([\d,]+) more", "\n".join(texts))
    hidden = int(more.group(1).replace(",", "")) if more else 0
    assert shown <= set(ids) and len(shown) + hidden == case.overdue
    if hidden:
        assert "hiring sla" in texts[-1]  # where to see the rest


# --- 14. a live claim is never reclaimed because of a skewed or pinned clock ----------------------


class HeldReceiver:
    """A Slack webhook that holds the first message until released: its sender's claim is live meanwhile."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.first, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.ids += footer_ids(json.loads(request.get_data()))
            first = not self.first.is_set()
            self.first.set()
        if first:
            self.release.wait(timeout=60)
        return Response("ok")


@pytest.fixture
def threaded_slack() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@dataclass(frozen=True)
class Skew:
    name: str
    first: timedelta | None  # the sending dispatcher's HIRING_NOW, from T0; None: the real clock
    second: timedelta | None  # the dispatcher that runs while the first one's message is in flight


REAL = datetime.now(UTC) - T0
SKEWS = [
    Skew("second on the real clock, first pinned in the past", first=timedelta(0), second=None),
    Skew("second pinned in the future, first on the real clock", first=None, second=REAL + timedelta(days=1)),
]


@pytest.mark.parametrize("case", SKEWS, ids=[c.name for c in SKEWS])
def test_a_dispatcher_with_another_clock_never_reclaims_a_live_claim(
    case: Skew, engine: Engine, db_url: str, threaded_slack: HTTPServer, tmp_path: Path
) -> None:
    add_person(engine)
    ids = add_rows(engine, count=3, at=T0)
    receiver = HeldReceiver()
    threaded_slack.expect_request(WEBHOOK_PATH, method="POST").respond_with_handler(receiver)
    env = slack_env(threaded_slack, digest=False)  # one message per row
    at = {name: None if d is None else T0 + d for name, d in (("first", case.first), ("second", case.second))}

    first = subprocess.Popen(
        [procs.HIRING, "dispatch"],
        env={**procs.hiring_env(db_url, at["first"]), **env},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.first.wait(timeout=60), "the first dispatcher sent nothing"
        second = hiring(["dispatch", "--json"], db_url, tmp_path, at["second"], env=env)
    finally:
        receiver.release.set()
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, err + second.stderr

    assert Counter(receiver.ids) == Counter(ids), f"delivered {Counter(receiver.ids)}; second: {second.stdout}"
    assert {r.status for r in outbox_rows(engine)} == {"sent"}


# --- 2 (continued). rows written before the upgrade ------------------------------------------------


def legacy_rows(zelda: int, other: int) -> list[dict[str, Any]]:
    """Rows as the code before migration 0005 wrote them: names in the payloads, a claim without a deadline."""
    name, item = f"Zelda {SURNAME}", {"candidate_id": zelda, "candidate_name": f"Zelda {SURNAME}", "timer": "debrief"}
    digest = {
        "title": "Weekly hiring digest, 2026-W14: 2 overdue",
        "message": "2 overdue",
        "requisitions": [],
        "text": f"Overdue (2):\n  - {name} (#{zelda})\n  - {OTHER} (#{other})\n",
        "overdue": [item, {**item, "candidate_id": other, "candidate_name": OTHER}],
        "decisions_pending": [],
    }
    escalation = {"candidate_id": zelda, "candidate_name": name, "timer": "debrief", "level": "level_1"}
    common = {"created_at": T0, "recipient": "hugo", "channel": "slack", "attempts": 0, "next_attempt_at": T0}
    return [
        {**common, "dedupe_key": "digest:hugo:2026-W14:slack", "kind": "digest", "payload": digest, "status": "sent"},
        {
            **common,
            "dedupe_key": "esc:1:slack",
            "kind": "escalation",
            "candidate_id": zelda,
            "payload": escalation,
            "status": "sending",
            "claimed_by": "old-dispatcher",
            "claimed_at": T0,
            "attempts": 1,
        },
    ]


def test_rows_written_before_the_upgrade_lose_their_names_and_live_claims_get_a_deadline(
    engine: Engine, candidate: Callable[..., int]
) -> None:
    zelda, other = candidate(name=f"Zelda {SURNAME}", email=EMAIL), candidate(name=OTHER, email="ada@example.org")
    migrate(engine, "downgrade", "0004")
    columns = [
        column(c.name, c.type)
        for c in Outbox.__table__.columns  # type: ignore[attr-defined]
        if c.name not in ("id", "claim_expires_at")
    ]
    with engine.begin() as conn:
        conn.execute(insert(table("outbox", *columns)), legacy_rows(zelda, other))
    migrate(engine, "upgrade", "head")

    digest, escalation = outbox_rows(engine)
    stored = json.dumps([r.model_dump(mode="json") for r in (digest, escalation)])
    assert (stored.count(SURNAME), stored.count(OTHER)) == (0, 0)  # her candidate row still has it: not erased
    with transaction(engine) as session:
        now = database_now(session)
    assert [o["candidate_id"] for o in (digest.payload or {})["overdue"]] == [zelda, other]  # the facts stay
    assert escalation.claim_expires_at is not None and escalation.claim_expires_at > now  # live until it lapses
