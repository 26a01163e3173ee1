"""Slack delivery against a real HTTP server on 127.0.0.1 standing in for Slack's hosts."""

from datetime import timedelta

from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from hiring.bootstrap import dispatch
from tests.support.notify import (
    T0,
    WEBHOOK_PATH,
    add_person,
    add_rows,
    outbox_rows,
    row,
    settings,
    slack_requests,
    webhook_settings,
)


def test_webhook_posts_block_kit_mentioning_the_person(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    [rid] = add_rows(engine)
    slack.expect_ordered_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    s = webhook_settings(db_url, slack, ats_link_template="https://ats.example.com/c/{candidate_id}")

    result = dispatch(engine, now=T0, settings=s)

    assert (result.sent, result.messages, result.retried, result.dead) == (1, 1, 0, 0)
    [request] = slack_requests(slack)
    assert request.headers["Content-Type"].startswith("application/json")
    body = request.get_json()
    assert body["text"].startswith("<@U0HUGO> Level 2 escalation: decision window for Candidate 1")
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds[:4] == ["header", "section", "section", "section"] and "actions" in kinds
    assert "<@U0HUGO>" in body["blocks"][1]["text"]["text"]
    fields = "\n".join(f["text"] for f in body["blocks"][2]["fields"])
    assert "*Candidate*\nCandidate 1 (#101)" in fields and "*How late*\n24h overdue" in fields
    assert "make the hire/no-hire call" in body["blocks"][3]["text"]["text"]
    assert body["blocks"][4]["elements"][0]["url"] == "https://ats.example.com/c/101"
    sent = row(engine, rid)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == ("sent", 1, T0, None)


def test_bot_token_sends_a_direct_message_to_the_slack_user(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    [rid] = add_rows(engine)
    slack.expect_ordered_request("/api/chat.postMessage", method="POST").respond_with_json(
        {"ok": True, "channel": "D0HUGO", "ts": "1.2"}
    )
    s = settings(db_url, slack_bot_token="xoxb-test-token", slack_base_url=slack.url_for("/"))

    assert dispatch(engine, now=T0, settings=s).sent == 1
    [request] = slack_requests(slack)
    assert request.headers["Authorization"] == "Bearer xoxb-test-token"
    body = request.get_json()
    assert body["channel"] == "U0HUGO"  # chat.postMessage to a user id opens the DM with the app
    assert body["blocks"][0]["type"] == "header" and "make the hire/no-hire call" in body["text"]
    assert row(engine, rid).status == "sent"


def test_500_then_200_delivers_once(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    [rid] = add_rows(engine)
    slack.expect_ordered_request(WEBHOOK_PATH).respond_with_data("internal error", status=500)
    slack.expect_ordered_request(WEBHOOK_PATH).respond_with_data("ok")
    s = webhook_settings(db_url, slack)

    first = dispatch(engine, now=T0, settings=s)
    waiting = row(engine, rid)
    assert (first.sent, first.retried, waiting.status, waiting.attempts) == (0, 1, "pending", 1)
    assert "HTTP 500" in (waiting.last_error or "")
    assert T0 + timedelta(seconds=15) <= waiting.next_attempt_at <= T0 + timedelta(seconds=30)  # back-off + jitter

    assert dispatch(engine, now=T0 + timedelta(seconds=5), settings=s).sent == 0  # not due yet: no request
    assert len(slack_requests(slack)) == 1

    second = dispatch(engine, now=T0 + timedelta(minutes=1), settings=s)
    done = row(engine, rid)
    assert (second.sent, done.status, done.attempts, done.last_error) == (1, "sent", 2, None)
    assert dispatch(engine, now=T0 + timedelta(hours=1), settings=s).sent == 0
    assert len(slack_requests(slack)) == 2  # one failure, one delivery, nothing more
    slack.check_assertions()


def test_429_waits_as_long_as_retry_after_says_and_holds_back_the_rest(
    engine: Engine, db_url: str, slack: HTTPServer
) -> None:
    for handle, uid in (("hugo", "U0HUGO"), ("rita", "U0RITA"), ("ava", "U0AVA")):
        add_person(engine, handle=handle, slack_user_id=uid, email=None)
    ids = [add_rows(engine, recipient=h, start=i)[0] for i, h in enumerate(("hugo", "rita", "ava"), 1)]
    slack.expect_ordered_request(WEBHOOK_PATH).respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "42"}
    )
    s = webhook_settings(db_url, slack)

    result = dispatch(engine, now=T0, settings=s)

    assert len(slack_requests(slack)) == 1  # after a 429 nothing more is sent to Slack in this pass
    assert (result.sent, result.retried, result.deferred) == (0, 1, 2)
    limited, *held = (row(engine, i) for i in ids)
    assert limited.next_attempt_at == T0 + timedelta(seconds=42) and limited.attempts == 1
    assert "429" in (limited.last_error or "") and "42s" in (limited.last_error or "")
    assert all(h.status == "pending" and h.next_attempt_at == T0 + timedelta(seconds=42) for h in held)
    assert all(h.attempts == 0 for h in held)  # held back without trying: not an attempt

    assert dispatch(engine, now=T0 + timedelta(seconds=41), settings=s).sent == 0
    slack.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    assert dispatch(engine, now=T0 + timedelta(seconds=42), settings=s).sent == 3
    assert len(slack_requests(slack)) == 4


def test_404_channel_not_found_goes_dead_at_once(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    [rid] = add_rows(engine)
    slack.expect_request(WEBHOOK_PATH).respond_with_data("channel_not_found", status=404)
    s = webhook_settings(db_url, slack)

    result = dispatch(engine, now=T0, settings=s)
    dead = row(engine, rid)
    assert (result.dead, dead.status, dead.attempts) == (1, "dead", 1)
    assert dead.last_error == "Slack refused the message: HTTP 404 channel_not_found"
    dispatch(engine, now=T0 + timedelta(days=1), settings=s)
    assert len(slack_requests(slack)) == 1  # dead rows are never picked up again


def test_bot_errors_invalid_auth_and_user_not_found_are_permanent(
    engine: Engine, db_url: str, slack: HTTPServer
) -> None:
    add_person(engine)
    add_person(engine, handle="rita", slack_user_id="U0GONE", email=None)
    hugo, rita = add_rows(engine, recipient="hugo")[0], add_rows(engine, recipient="rita")[0]
    slack.expect_ordered_request("/api/chat.postMessage").respond_with_json({"ok": False, "error": "invalid_auth"})
    slack.expect_ordered_request("/api/chat.postMessage").respond_with_json({"ok": False, "error": "user_not_found"})
    s = settings(db_url, slack_bot_token="xoxb-test-token", slack_base_url=slack.url_for("/"))

    assert dispatch(engine, now=T0, settings=s).dead == 2
    assert row(engine, hugo).last_error == "Slack refused the message: HTTP 200 invalid_auth"
    assert row(engine, rita).last_error == "Slack refused the message: HTTP 200 user_not_found"


def test_digest_five_rows_for_one_person_go_as_one_message(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    ids = add_rows(engine, count=5)
    slack.expect_ordered_request(WEBHOOK_PATH).respond_with_data("ok")
    s = webhook_settings(db_url, slack)

    result = dispatch(engine, now=T0, settings=s)

    assert (result.sent, result.messages) == (5, 1)
    [request] = slack_requests(slack)
    body = request.get_json()
    assert body["blocks"][0]["text"]["text"] == "5 hiring deadlines need you"
    listed = [
        b for b in body["blocks"] if b["type"] == "section" and b["text"]["text"][:3] in {f"*{i}." for i in range(1, 6)}
    ]
    assert len(listed) == 5
    assert all(f"Candidate {i}" in body["text"] for i in range(1, 6))
    assert {r.id: r.status for r in outbox_rows(engine)} == dict.fromkeys(ids, "sent")


def test_digest_off_sends_one_message_per_row(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    add_rows(engine, count=3)
    slack.expect_request(WEBHOOK_PATH).respond_with_data("ok")
    result = dispatch(engine, now=T0, settings=webhook_settings(db_url, slack, digest=False))
    assert (result.sent, result.messages, len(slack_requests(slack))) == (3, 3, 3)


def test_no_reachable_recipient_on_slack(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    """Bot DMs need a Slack id; nobody in the directory is unreachable on any channel."""
    add_person(engine, handle="nina", slack_user_id=None)
    no_id, unknown = add_rows(engine, recipient="nina")[0], add_rows(engine, recipient="ghost")[0]
    s = settings(db_url, slack_bot_token="xoxb-test-token", slack_base_url=slack.url_for("/"))

    assert dispatch(engine, now=T0, settings=s).dead == 2
    assert (row(engine, no_id).last_error or "").startswith("no reachable recipient: nina has no Slack user id")
    assert (row(engine, unknown).last_error or "").startswith(
        "no reachable recipient: 'ghost' is not in the people directory"
    )
    assert slack_requests(slack) == []


def test_bot_429_honours_retry_after(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine)
    [rid] = add_rows(engine)
    slack.expect_ordered_request("/api/chat.postMessage").respond_with_json(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "7"}
    )
    s = settings(db_url, slack_bot_token="xoxb-test-token", slack_base_url=slack.url_for("/"))
    assert dispatch(engine, now=T0, settings=s).retried == 1
    limited = row(engine, rid)
    assert (limited.status, limited.next_attempt_at) == ("pending", T0 + timedelta(seconds=7))
