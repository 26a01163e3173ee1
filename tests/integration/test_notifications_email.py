"""Email delivery against a real SMTP server (aiosmtpd) on 127.0.0.1, and a dispatcher killed mid-send."""

import os
import signal
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from hiring.bootstrap import dispatch
from notifications.dispatcher import PAUSE_AFTER_SEND_ENV
from notifications.email import message_id
from tests.support.notify import (
    T0,
    SmtpServer,
    add_person,
    add_rows,
    expire_claims,
    free_port,
    hiring,
    row,
    smtp_env,
    smtp_settings,
    start_hiring,
)


def test_email_has_headers_both_parts_and_a_message_id_from_the_row(
    engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    add_person(engine)
    [rid] = add_rows(engine, channel="email")

    result = dispatch(engine, now=T0, settings=smtp_settings(db_url, smtp))

    assert (result.sent, result.dead, result.retried) == (1, 0, 0)
    [(mail_from, rcpt_tos, _)] = smtp.messages
    assert (mail_from, rcpt_tos) == ("hiring@acme.example", ["hugo@example.com"])
    msg = smtp.parsed()
    assert msg["Message-ID"] == f"<hiring-outbox-{rid}@acme.example>"
    assert msg["From"] == "Hiring pipeline <hiring@acme.example>"
    assert msg["To"] == "Hugo Martin <hugo@example.com>"
    # A subject longer than 78 characters is folded onto the next line (RFC 5322); Python's parser keeps the
    # folding space in front, mail clients do not show it.
    assert msg["Subject"].strip() == "[hiring] Level 2 escalation: decision window for Candidate 1 - 24h overdue"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"] is not None and msg["X-Hiring-Outbox-Ids"] == str(rid)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert "Candidate 1 (#101)" in body and "make the hire/no-hire call" in body and "24h overdue" in body
    assert "Hello Hugo," in text and html.startswith("<!DOCTYPE html>")
    assert row(engine, rid).status == "sent"


def test_login_with_the_configured_password(engine: Engine, db_url: str) -> None:
    server = SmtpServer(free_port(), username="mailer", password="right-password").start()
    try:
        add_person(engine)
        ok, _ = add_rows(engine, channel="email", count=2)
        wrong = smtp_settings(db_url, server, smtp_username="mailer", smtp_password="wrong-password", digest=False)
        result = dispatch(engine, now=T0, settings=wrong)
        assert result.dead == 2 and server.messages == []
        assert "SMTP login to 127.0.0.1" in (row(engine, ok).last_error or "")
        assert "wrong-password" not in (row(engine, ok).last_error or "")

        from notifications.outbox import retry_all_dead

        retry_all_dead(engine, now=T0)
        right = smtp_settings(db_url, server, smtp_username="mailer", smtp_password="right-password", digest=False)
        assert dispatch(engine, now=T0, settings=right).sent == 2
        assert len(server.messages) == 2 and server.logins == ["mailer"]  # one connection, one login
    finally:
        server.stop()


def test_server_down_then_up_delivers(engine: Engine, db_url: str) -> None:
    server = SmtpServer(free_port())  # not started: the relay is down
    add_person(engine)
    first, second = add_rows(engine, channel="email", count=2)
    s = smtp_settings(db_url, server)

    down = dispatch(engine, now=T0, settings=s)
    waiting = row(engine, first)
    assert (down.retried, waiting.status, waiting.attempts) == (2, "pending", 1)
    assert (waiting.last_error or "").startswith(f"cannot reach SMTP server 127.0.0.1:{server.port}")
    [new] = add_rows(engine, channel="email", at=T0 + timedelta(minutes=1), start=3)  # comes due meanwhile

    server.start()
    try:
        up = dispatch(engine, now=T0 + timedelta(minutes=5), settings=s)
        assert (up.sent, up.messages) == (3, 2) and len(server.messages) == 2
        # the retried digest is the same message as the one that failed; the new row goes on its own
        ids = sorted(server.parsed(i)["Message-ID"] for i in range(2))
        assert ids == [f"<hiring-outbox-{first}-{second}@acme.example>", f"<hiring-outbox-{new}@acme.example>"]
        assert row(engine, first).status == "sent"
    finally:
        server.stop()


def test_refused_address_is_permanent_and_a_missing_address_unreachable(
    engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    add_person(engine)
    add_person(engine, handle="nomail", email=None)
    smtp.handler.refuse["hugo@example.com"] = "550 5.1.1 no such user"
    refused = add_rows(engine, channel="email")[0]
    unreachable = add_rows(engine, channel="email", recipient="nomail")[0]

    assert dispatch(engine, now=T0, settings=smtp_settings(db_url, smtp)).dead == 2
    assert row(engine, refused).last_error == "SMTP server refused hugo@example.com: 550 5.1.1 no such user"
    assert (row(engine, unreachable).last_error or "").startswith("no reachable recipient: nomail has no email")


def test_a_temporary_refusal_is_retried(engine: Engine, db_url: str, smtp: SmtpServer) -> None:
    add_person(engine)
    smtp.handler.refuse["hugo@example.com"] = "451 4.3.0 try again later"
    [rid] = add_rows(engine, channel="email")
    assert dispatch(engine, now=T0, settings=smtp_settings(db_url, smtp)).retried == 1
    assert row(engine, rid).status == "pending"


def test_digest_message_id_covers_all_its_rows(engine: Engine, db_url: str, smtp: SmtpServer) -> None:
    add_person(engine)
    ids = add_rows(engine, channel="email", count=3)
    assert dispatch(engine, now=T0, settings=smtp_settings(db_url, smtp)).messages == 1
    msg = smtp.parsed()
    assert msg["Message-ID"] == "<hiring-outbox-" + "-".join(map(str, ids)) + "@acme.example>"
    assert msg["Subject"] == "[hiring] 3 hiring deadlines need your attention"
    assert message_id(list(range(1, 30)), "x.example") == message_id(list(range(29, 0, -1)), "x.example")


def test_dispatcher_killed_between_send_and_mark_sent_resends_once_with_the_same_message_id(
    engine: Engine, db_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    """A real `hiring dispatch` process sends, then is SIGKILLed before it records the send. The row stays in
    `sending`; after the claim timeout the next dispatcher reclaims it and sends it once more, with the same
    Message-ID. Later passes send nothing."""
    add_person(engine)
    [rid] = add_rows(engine, channel="email")

    proc = start_hiring(["dispatch"], db_url, tmp_path, now=T0, env={**smtp_env(smtp), PAUSE_AFTER_SEND_ENV: "60"})
    try:
        smtp.wait_for(1)
        assert proc.stderr is not None
        assert "pausing" in proc.stderr.readline()  # past the send, before recording it
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    stuck = row(engine, rid)
    assert (stuck.status, stuck.attempts, stuck.claimed_at) == ("sending", 1, T0)

    early = dispatch(engine, now=T0 + timedelta(minutes=6), settings=smtp_settings(db_url, smtp))
    assert early.reclaimed == 0 and len(smtp.messages) == 1  # still inside the claim timeout: left alone
    assert row(engine, rid).status == "sending"

    expire_claims(engine, [rid])  # the claim timeout passes, on the database's clock
    later = hiring(["dispatch", "--json"], db_url, tmp_path, now=T0 + timedelta(minutes=6), env=smtp_env(smtp))
    assert later.returncode == 0, later.stderr
    assert '"reclaimed": 1' in later.stdout and '"sent": 1' in later.stdout
    assert len(smtp.messages) == 2
    assert smtp.parsed(0)["Message-ID"] == smtp.parsed(1)["Message-ID"] == f"<hiring-outbox-{rid}@acme.example>"
    done = row(engine, rid)
    assert (done.status, done.attempts) == ("sent", 2)

    again = dispatch(engine, now=T0 + timedelta(hours=1), settings=smtp_settings(db_url, smtp))
    assert again.sent == 0 and len(smtp.messages) == 2  # at most once more, never again
