"""The dispatcher: claims, reclaims, back-off, the last attempt, concurrency, and secrets kept out of everything."""

import logging
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, select, update
from sqlmodel import SQLModel

from hiring.bootstrap import dispatch
from models.db import database_now, sqlite_path, transaction
from models.tables import Outbox
from notifications.dispatcher import backoff
from notifications.outbox import retry_all_dead
from tests.support.notify import (
    T0,
    WEBHOOK_PATH,
    SmtpServer,
    add_person,
    add_rows,
    expire_claims,
    free_port,
    hiring,
    outbox_rows,
    row,
    settings,
    slack_requests,
    smtp_settings,
    webhook_settings,
)


def leave_in_sending(
    engine: Engine, ids: list[int], by: str = "dead-worker", attempts: int = 1, live: bool = False
) -> None:
    """What a dispatcher killed between send and mark-sent leaves behind: its claim lapsed, or still `live`
    (its deadline the claim timeout ahead on the database's clock)."""
    with transaction(engine) as session:
        expires = database_now(session) + timedelta(seconds=300 if live else -1)
        session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids))  # type: ignore[union-attr]
            .values(status="sending", claimed_by=by, claimed_at=T0, claim_expires_at=expires, attempts=attempts)
        )


def dump_database(engine: Engine, db_url: str) -> str:
    """Everything the database holds, as text: SQLite's own dump, or every row of every table."""
    path = sqlite_path(db_url)
    if path is not None:
        with sqlite3.connect(path) as conn:
            return "\n".join(conn.iterdump())
    with engine.connect() as conn:
        return "\n".join(repr(r) for t in SQLModel.metadata.sorted_tables for r in conn.execute(select(t)))


def test_backoff_is_exponential_capped_and_jittered() -> None:
    for attempts, low, high in ((1, 15, 30), (2, 30, 60), (3, 60, 120), (30, 1800, 3600)):
        values = {backoff(attempts) for _ in range(50)}
        assert all(low <= v <= high for v in values) and len(values) > 1


def test_a_row_stuck_in_sending_is_reclaimed_after_the_timeout_and_sent_once(
    engine: Engine, db_url: str, slack: HTTPServer
) -> None:
    """The claim lapses on the database's clock: a dispatcher's own `now` (pinned a day ahead, or in the past)
    neither hastens nor delays it."""
    add_person(engine)
    [rid] = add_rows(engine)
    leave_in_sending(engine, [rid], live=True)
    slack.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    s = webhook_settings(db_url, slack)  # claim timeout: 300 s

    assert dispatch(engine, now=T0 + timedelta(days=1), settings=s).reclaimed == 0
    assert slack_requests(slack) == [] and row(engine, rid).status == "sending"

    expire_claims(engine, [rid])  # 300 s pass
    result = dispatch(engine, now=T0 + timedelta(seconds=1), settings=s)
    assert (result.reclaimed, result.sent) == (1, 1)
    done = row(engine, rid)
    assert (done.status, done.attempts) == ("sent", 2) and done.claimed_by != "dead-worker"
    dispatch(engine, now=T0 + timedelta(hours=1), settings=s)
    assert len(slack_requests(slack)) == 1  # Slack: at least once, here exactly once more after the crash


def test_reclaimed_rows_are_resent_as_the_same_message(engine: Engine, db_url: str, smtp: SmtpServer) -> None:
    """Rows that went out together go out together again (same Message-ID), even if new rows for the same
    person have come due meanwhile: those go in a message of their own."""
    add_person(engine)
    first, second, new = add_rows(engine, channel="email", count=3)
    leave_in_sending(engine, [first, second])

    result = dispatch(engine, now=T0 + timedelta(minutes=10), settings=smtp_settings(db_url, smtp))

    assert (result.sent, result.messages, result.reclaimed) == (3, 2, 2)
    ids = sorted(smtp.parsed(i)["Message-ID"] for i in range(2))
    assert ids == [f"<hiring-outbox-{first}-{second}@acme.example>", f"<hiring-outbox-{new}@acme.example>"]


def test_the_last_attempt_goes_dead_with_the_reason(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    [rid] = add_rows(engine)
    slack.expect_request(WEBHOOK_PATH).respond_with_data("upstream timeout", status=503)
    s = webhook_settings(db_url, slack, dispatch_max_attempts=3)

    outcomes = [dispatch(engine, now=T0 + timedelta(hours=h), settings=s) for h in range(4)]

    assert [(o.retried, o.dead) for o in outcomes] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    dead = row(engine, rid)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert dead.last_error == "gave up after 3 attempts: Slack webhook failed: HTTP 503 upstream timeout"


def test_a_row_whose_dispatcher_keeps_dying_goes_dead(engine: Engine, db_url: str) -> None:
    [rid] = add_rows(engine, channel="console")
    leave_in_sending(engine, [rid], attempts=8)
    result = dispatch(engine, now=T0 + timedelta(hours=1), settings=settings(db_url), console_write=lambda _: None)
    assert (result.reclaimed, result.dead) == (1, 1)
    assert "stopped each time before recording the outcome" in (row(engine, rid).last_error or "")


def test_console_needs_a_handle_but_no_directory_entry(engine: Engine, db_url: str) -> None:
    known, nobody = add_rows(engine, channel="console")[0], add_rows(engine, channel="console", recipient=None)[0]
    lines: list[str] = []

    result = dispatch(engine, now=T0, settings=settings(db_url), console_write=lines.append)

    assert (result.sent, result.dead) == (1, 1)
    assert lines == [
        f"notify #{known} to hugo: Level 2 escalation: decision window for Candidate 1 - 24h overdue"
        " | Candidate 1 (#101), Applied AI Engineer, Support Copilot (req 7), stage final | expected: "
        "make the hire/no-hire call: make_offer or reject | next: Level 3 escalation to ava, head of "
        "talent at Wed 4 Mar 2026, 09:00 UTC"
    ]
    assert (row(engine, nobody).last_error or "").startswith(
        "no reachable recipient: nobody holds the role hiring_manager for this notification"
    )


def test_unconfigured_and_unknown_channels_go_dead_with_what_to_set(engine: Engine, db_url: str) -> None:
    slack_row = add_rows(engine, channel="slack")[0]
    pigeon = add_rows(engine, channel="pigeon")[0]
    assert dispatch(engine, now=T0, settings=settings(db_url)).dead == 2
    assert "set HIRING_SLACK_WEBHOOK_URL or HIRING_SLACK_BOT_TOKEN" in (row(engine, slack_row).last_error or "")
    assert row(engine, pigeon).last_error == "unknown channel 'pigeon'; known: slack, email, console"


def test_two_dispatchers_at_once_send_every_row_exactly_once(engine: Engine, db_url: str) -> None:
    """SQLite: claims are serialised by the write lock; each row is claimed, and printed, by one of them."""
    ids = [add_rows(engine, channel="console", recipient=f"person{i}", start=i)[0] for i in range(30)]
    printed: list[str] = []
    lock = threading.Lock()

    def slow_console(line: str) -> None:
        with lock:
            printed.append(line)
        threading.Event().wait(0.005)

    s = settings(db_url, dispatch_batch_size=4)
    results = []

    def one(worker: str) -> None:
        results.append(dispatch(engine, now=T0, settings=s, worker_id=worker, console_write=slow_console))

    threads = [threading.Thread(target=one, args=(f"w{w}",)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sum(r.sent for r in results) == 30
    assert sorted(int(line.split("#")[1].split(" ")[0]) for line in printed) == ids
    assert {r.status for r in outbox_rows(engine)} == {"sent"}


SECRET_HOOK = "https://hooks.slack.com/services/T0AAAA/B0BBBB/WebhookSekrit0042xyz"
SECRET_TOKEN = "xoxb-1111-SEKRIT-token-0042"
SECRET_PASSWORD = "pw-SEKRIT-0042"


def _no_secret(text: str, where: str) -> None:
    assert "sekrit" not in text.lower(), f"a secret leaked into {where}: {text}"


def test_no_secret_in_logs_errors_database_artifacts_or_cli_output(
    engine: Engine, db_url: str, slack: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, slack_sdk's and smtplib's debug included
    add_person(engine)
    add_person(engine, handle="rita", slack_user_id="U0RITA", email="rita@example.com")
    hook_path = "/services/T0AAAA/B0BBBB/WebhookSekrit0042xyz"
    # Careless servers that repeat the secret in their error responses.
    slack.expect_request(hook_path).respond_with_data(f"no_service {SECRET_HOOK} {hook_path}", status=404)
    slack.expect_request("/api/chat.postMessage").respond_with_json(
        {"ok": False, "error": f"fatal_error for token {SECRET_TOKEN}"}, status=500
    )
    smtp = SmtpServer(free_port(), username="mailer", password="another", echo_credentials=True).start()
    hook_row = add_rows(engine, channel="slack")[0]
    mail_row = add_rows(engine, channel="email")[0]
    base = slack.url_for("/").rstrip("/")
    try:
        webhook = settings(
            db_url,
            slack_webhook_url=SECRET_HOOK,
            slack_base_url=base,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="plain",
            smtp_username="mailer",
            smtp_password=SECRET_PASSWORD,
        )
        results = [dispatch(engine, now=T0, settings=webhook)]
        bot_row = add_rows(engine, recipient="rita")[0]
        second_bot_row = add_rows(engine, recipient="rita", start=9)[0]
        results.append(
            dispatch(engine, now=T0, settings=settings(db_url, slack_bot_token=SECRET_TOKEN, slack_base_url=base))
        )
        # 500 fatal_error: retried; then Slack unreachable altogether
        slack.clear()
        results.append(
            dispatch(
                engine,
                now=T0 + timedelta(days=1),
                settings=settings(
                    db_url, slack_bot_token=SECRET_TOKEN, slack_base_url=f"http://127.0.0.1:{free_port()}"
                ),
            )
        )
        env = {
            "HIRING_SLACK_WEBHOOK_URL": SECRET_HOOK,
            "HIRING_SLACK_BOT_TOKEN": SECRET_TOKEN,
            "HIRING_SMTP_PASSWORD": SECRET_PASSWORD,
            "HIRING_SMTP_HOST": "127.0.0.1",
            "HIRING_SMTP_PORT": str(smtp.port),
            "HIRING_SMTP_USERNAME": "mailer",
            "HIRING_SMTP_SECURITY": "plain",
            "HIRING_SLACK_BASE_URL": f"http://127.0.0.1:{free_port()}",
        }
        errors = {r.id: r.last_error or "" for r in outbox_rows(engine)}
        retry_all_dead(engine, now=T0)
        cli = [
            hiring(args, db_url, tmp_path, now=T0 + timedelta(days=3), env=env)
            for args in (["dispatch"], ["outbox", "--json"])
        ]
    finally:
        smtp.stop()

    assert "no_service" in errors[hook_row] and "[redacted]" in errors[hook_row]
    assert "refused" in errors[mail_row] and "[redacted]" in errors[mail_row]
    assert errors[bot_row] and errors[second_bot_row]
    for rid, error in [*errors.items(), *((r.id, r.last_error or "") for r in outbox_rows(engine))]:
        _no_secret(error, f"last_error of row {rid}")
    for result in results:
        _no_secret(repr(result.as_dict()), "the dispatch result")
    ours = [r for r in caplog.records if not r.name.startswith(("mail.log", "werkzeug"))]  # not the test servers
    assert any(r.name.startswith("notifications") for r in ours)
    _no_secret("\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours), "the logs")
    assert "[redacted]" in cli[0].stdout  # the CLI's dispatch met the careless servers too
    for proc in cli:
        _no_secret(proc.stdout + proc.stderr, f"`hiring {' '.join(proc.args[1:])}`")
    _no_secret(dump_database(engine, db_url), "the database")

    from flows.dispatch import summarize, summary_markdown

    artifact = summary_markdown(summarize(T0, results[0]))
    _no_secret(artifact, "the artifact")
    assert "Candidate" not in artifact and "@" not in artifact and "hugo" not in artifact  # no personal data


def test_artifact_counts_sent_retried_dead(engine: Engine, db_url: str) -> None:
    from flows.dispatch import ARTIFACT_KEY, summarize, summary_markdown

    add_rows(engine, channel="console", count=2)
    add_rows(engine, channel="console", recipient=None, start=5)
    result = dispatch(engine, now=T0, settings=settings(db_url), console_write=lambda _: None)
    summary = summarize(T0, result)
    assert (summary["sent"], summary["retried"], summary["dead"], summary["messages"]) == (2, 0, 1, 1)
    assert summary["failed_by_channel"] == {"console:dead": 1}
    text = summary_markdown(summary)
    assert "| sent | 2 |" in text and "| retried | 0 |" in text and "| dead | 1 |" in text
    assert ARTIFACT_KEY == "dispatch-notifications"


def test_from_the_sweep_to_slack_and_email(
    candidate, drive, engine: Engine, db_url: str, slack: HTTPServer, smtp: SmtpServer
) -> None:
    """The decision window of a real candidate runs out; the sweep writes the outbox rows (level 2: Slack and
    email, to the head of talent); one dispatch delivers them with the facts of the payload."""
    from hiring.sla import sweep
    from states.policy import Policy
    from tests.support.sla import timer

    add_person(engine, handle="hugo")
    add_person(
        engine,
        handle="tess",
        name="Tess Ng",
        email="tess@example.com",
        slack_user_id="U0TESS",
        role="head_of_talent",
        timezone="UTC",
    )
    cid = candidate()
    drive.to(cid, "final")
    for part in ("technical_calibration", "project_deep_dive", "system_design", "behavioral"):
        drive(
            cid,
            "record_interview",
            {"part": part, "interviewer": "dana", "score": 3, "recommendation": "yes", "notes": "ok"},
        )
    at = timer(engine, cid, "decision", "open").due_at + timedelta(hours=24)
    sweep(engine, at, Policy(head_of_talent="tess"), channels=frozenset({"slack", "email", "console"}))
    slack.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    s = webhook_settings(
        db_url,
        slack,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="plain",
        email_from="hiring@acme.example",
    )

    result = dispatch(engine, now=at, settings=s)

    assert result.dead == 0 and result.retried == 0 and result.sent == len(outbox_rows(engine))
    bodies = [r.get_json() for r in slack_requests(slack)]
    to_tess = [b for b in bodies if b["text"].startswith("<@U0TESS>")]
    assert len(to_tess) == 1 and "make the hire/no-hire call" in to_tess[0]["text"]
    [mail] = [smtp.parsed(i) for i in range(len(smtp.messages)) if smtp.parsed(i)["To"].endswith("<tess@example.com>")]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "decision window" in text and "escalated to you as head of talent" in text.lower()
