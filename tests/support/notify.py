"""Helpers of the notification tests: outbox rows, people, settings, and real local servers standing in for
Slack (pytest-httpserver) and an SMTP relay (aiosmtpd), both on 127.0.0.1.

The fixtures that start those servers (`slack_server`, `slack`, `smtp`) are in tests/plugins/notify_servers.py.
"""

import socket
import subprocess
import time
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from hiring.settings import Settings
from models.db import database_now, transaction
from models.tables import Candidate, Outbox, Person, Requisition
from tests.support.instants import T0
from tests.support.procs import HIRING, hiring_env

WEBHOOK_PATH = "/services/T0TEST/B0TEST/hookkey0123456789"
WEBHOOK_URL = "https://hooks.slack.com" + WEBHOOK_PATH


def payload(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """An escalation payload as the renderers see it: what hiring/sla.py writes (the decision window, 1 day
    overdue) and the candidate's name, which the dispatcher reads from the candidate row when it sends."""
    data = {
        "candidate_id": 100 + n,
        "candidate_name": f"Candidate {n}",
        "requisition_id": 7,
        "requisition_title": "Applied AI Engineer, Support Copilot",
        "stage": "final",
        "timer": "decision",
        "level": "level_2",
        "audience_role": "hiring_manager",
        "recipient": "hugo",
        "owner_role": "hiring_manager",
        "due_at": (T0 - timedelta(days=1)).isoformat(),
        "scheduled_at": T0.isoformat(),
        "fired_at": T0.isoformat(),
        "overdue_seconds": 86_400.0 + n,
        "overdue_human": "24h",
        "due_in_human": None,
        "action": "make the hire/no-hire call: make_offer or reject",
        "next_escalation": {
            "level": "level_3",
            "role": "head_of_talent",
            "recipient": "ava",
            "at": (T0 + timedelta(days=2)).isoformat(),
        },
    }
    data.update(overrides)
    return data


def add_rows(
    engine: Engine,
    count: int = 1,
    channel: str = "slack",
    recipient: str | None = "hugo",
    at: datetime = T0,
    start: int = 1,
    **overrides: Any,
) -> list[int]:
    """Pending outbox rows, due at `at`, and the candidates they are about; returns the rows' ids. The rows
    hold the candidate's id, never the name (as the sweep writes them)."""
    with transaction(engine) as session:
        facts = [payload(start + i, recipient=recipient, **overrides) for i in range(count)]
        _add_candidates(session, facts, at)
        rows = [
            Outbox(
                dedupe_key=f"test:{channel}:{recipient}:{start + i}:{at.isoformat()}",
                created_at=at,
                kind="escalation",
                recipient=recipient,
                recipient_role="hiring_manager",
                channel=channel,
                payload={k: v for k, v in p.items() if k != "candidate_name"},
                next_attempt_at=at,
            )
            for i, p in enumerate(facts)
        ]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]  # type: ignore[misc]


def _add_candidates(session: Session, facts: list[dict[str, Any]], at: datetime) -> None:
    """The requisition and candidates that payloads name by id (explicit ids, from 101: tests that use these
    fixtures add no candidates of their own)."""
    rid = facts[0]["requisition_id"] if facts else None
    if rid is not None and session.get(Requisition, rid) is None:
        session.add(Requisition(id=rid, title=facts[0]["requisition_title"], status="open", created_at=at))
        session.flush()
    named = {p["candidate_id"]: p for p in facts if p.get("candidate_name")}
    known = set(session.execute(select(Candidate.id).where(Candidate.id.in_(named))).scalars())  # type: ignore[union-attr]
    session.add_all(
        [
            Candidate(
                id=cid,
                requisition_id=p["requisition_id"],
                name=p["candidate_name"],
                email=f"candidate{cid}@example.com",
                source="employee_referral",
                stage=p["stage"],
                created_at=at,
            )
            for cid, p in named.items()
            if cid not in known
        ]
    )
    session.flush()


def add_person(
    engine: Engine,
    handle: str = "hugo",
    name: str = "Hugo Martin",
    email: str | None = "hugo@example.com",
    slack_user_id: str | None = "U0HUGO",
    role: str = "hiring_manager",
    timezone: str = "Europe/Paris",
) -> None:
    with transaction(engine) as session:
        session.add(
            Person(
                handle=handle,
                name=name,
                email=email,
                slack_user_id=slack_user_id,
                role=role,
                timezone=timezone,
                channels=["slack", "email"],
            )
        )


def expire_claims(engine: Engine, ids: list[int] | None = None) -> None:
    """The claim timeout passing for rows in `sending`: their deadline, on the database's clock, is now past."""
    with transaction(engine) as session:
        query = update(Outbox).where(Outbox.status == "sending")  # type: ignore[arg-type]
        if ids is not None:
            query = query.where(Outbox.id.in_(ids))  # type: ignore[union-attr]
        session.execute(query.values(claim_expires_at=database_now(session) - timedelta(seconds=1)))


def outbox_rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.execute(select(Outbox).order_by(Outbox.id)).scalars())


def row(engine: Engine, row_id: int) -> Outbox:
    with Session(engine) as session:
        found = session.get(Outbox, row_id)
        assert found is not None
        return found


def settings(db_url: str, **overrides: Any) -> Settings:
    """Settings for one test, from arguments only (no environment, no .env file)."""
    return Settings(_env_file=None, database_url=db_url, **overrides)  # type: ignore[call-arg]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Slack: a real HTTP server on 127.0.0.1 ------------------------------------------------------


def slack_requests(server: HTTPServer) -> list[Any]:
    return [request for request, _ in server.log]


def webhook_settings(db_url: str, server: HTTPServer, **overrides: Any) -> Settings:
    """Incoming-webhook mode; the webhook's host is replaced by the local server (slack_base_url)."""
    return settings(db_url, slack_webhook_url=WEBHOOK_URL, slack_base_url=server.url_for("/").rstrip("/"), **overrides)


# --- email: a real SMTP server on 127.0.0.1 ------------------------------------------------------


class Recorder:
    """An aiosmtpd handler that keeps every message and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start, stop and start again on the same port: the relay going down and coming back."""

    def __init__(
        self, port: int, username: str | None = None, password: str | None = None, echo_credentials: bool = False
    ) -> None:
        self.port = port
        self.echo_credentials = echo_credentials  # a careless server that repeats the password in its error
        self.handler = Recorder()
        self.username, self.password = username, password
        self.controller: Controller | None = None
        self.logins: list[str] = []

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        login = None
        if isinstance(auth_data, LoginPassword):
            login = (auth_data.login.decode(), auth_data.password.decode())
        if login == (self.username, self.password):
            self.logins.append(login[0])
            return AuthResult(success=True)
        if self.echo_credentials and login:
            return AuthResult(success=False, handled=False, message=f"535 5.7.8 refused {login[0]}:{login[1]}")
        return AuthResult(success=False, handled=False)  # the server answers 535

    def start(self) -> "SmtpServer":
        kwargs: dict[str, Any] = {}
        if self.username:
            kwargs = {"authenticator": self._auth, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[tuple[str, list[str], bytes]]:
        return self.handler.messages

    def parsed(self, i: int = 0) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.messages[i][2])  # type: ignore[return-value]

    def wait_for(self, count: int, timeout: float = 20) -> None:
        end = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < end, f"SMTP server got {len(self.messages)} message(s), expected {count}"
            time.sleep(0.02)


def smtp_settings(db_url: str, server: SmtpServer, **overrides: Any) -> Settings:
    return settings(
        db_url,
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_security="plain",
        email_from="Hiring pipeline <hiring@acme.example>",
        **overrides,
    )


# --- the real `hiring` command -------------------------------------------------------------------


def hiring(
    args: list[str],
    db_url: str,
    cwd: Path,
    now: datetime | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    full_env = {**hiring_env(db_url, now), **(env or {})}
    return subprocess.run([HIRING, *args], env=full_env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def start_hiring(
    args: list[str], db_url: str, cwd: Path, now: datetime | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    full_env = {**hiring_env(db_url, now), **(env or {})}
    return subprocess.Popen(
        [HIRING, *args], env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def smtp_env(server: SmtpServer) -> dict[str, str]:
    return {
        "HIRING_SMTP_HOST": "127.0.0.1",
        "HIRING_SMTP_PORT": str(server.port),
        "HIRING_SMTP_SECURITY": "plain",
        "HIRING_EMAIL_FROM": "hiring@acme.example",
    }
