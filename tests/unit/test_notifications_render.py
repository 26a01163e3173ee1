"""Message rendering: Slack Block Kit and its fallback, email parts, console lines, digests."""

import json

from notifications.render import Context, Notice, console_line, email_message, slack_message
from tests.support.notify import payload

CTX = Context(
    timezone="Europe/Paris",
    ats_link_template="https://ats.example.com/candidates/{candidate_id}",
    names={"ava": "Ava Chen", "hugo": "Hugo Martin"},
)


def notice(n: int = 1, **overrides: object) -> Notice:
    return Notice(outbox_id=n, kind="escalation", payload=payload(n, **overrides))


def texts(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_slack_single_says_who_what_how_late_what_next_and_links_the_ats() -> None:
    msg = slack_message([notice()], CTX, slack_user_id="U0HUGO", name="Hugo Martin")
    blocks = texts(msg)
    assert msg["blocks"][0]["type"] == "header"
    assert "<@U0HUGO>" in msg["text"] and "<@U0HUGO>" in blocks
    for expected in (
        "Candidate 1 (#101)",
        "Applied AI Engineer, Support Copilot (req 7)",
        "final",
        "decision window",
        "24h overdue",
        "make the hire/no-hire call",
        "Level 3 escalation to Ava Chen (ava), head of talent",
        "Sun 1 Mar 2026, 10:00 CET",  # due_at shown in the recipient's time zone
        "https://ats.example.com/candidates/101",
    ):
        assert expected in blocks, expected
    assert "make the hire/no-hire call" in msg["text"]  # the plain-text fallback is complete too
    assert "https://ats.example.com/candidates/101" in msg["text"]
    assert len(msg["blocks"][0]["text"]["text"]) <= 150


def test_slack_escapes_control_characters_of_names() -> None:
    msg = slack_message([notice(candidate_name="A <b> & c")], CTX, slack_user_id="U1")
    mrkdwn = json.dumps([b for b in msg["blocks"] if b["type"] != "header"])  # a header is plain_text
    assert "A &lt;b&gt; &amp; c" in mrkdwn and "<b>" not in mrkdwn


def test_reminder_says_due_in_and_last_level_says_nobody_is_next() -> None:
    reminder = notice(level="reminder", overdue_human=None, due_in_human="12h", overdue_seconds=-43200)
    assert "due in 12h" in slack_message([reminder], CTX)["text"]
    last = notice(level="level_3", audience_role="head_of_talent", next_escalation=None)
    text = texts(slack_message([last], CTX))
    assert "last escalation level" in text
    assert "escalated to you as head of talent: this is the hiring manager's deadline" in text


def test_slack_digest_lists_every_notice_most_overdue_first() -> None:
    notices = [notice(i, overdue_seconds=i * 1000.0, candidate_name=f"Person {i}") for i in range(1, 6)]
    msg = slack_message(notices, CTX, slack_user_id="U0HUGO")
    assert msg["blocks"][0]["text"]["text"] == "5 hiring deadlines need you"
    items = [b for b in msg["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("*")]
    assert len(items) == 5
    assert "Person 5" in items[0]["text"]["text"] and "Person 1" in items[-1]["text"]["text"]
    assert all(f"Person {i}" in msg["text"] for i in range(1, 6))
    assert msg["text"].startswith("<@U0HUGO>")
    assert len(msg["blocks"]) <= 50


def test_email_has_subject_text_and_html_with_the_same_facts() -> None:
    parts = email_message([notice(candidate_name="Zoë <Z>")], CTX, name="Hugo Martin")
    assert parts.subject.startswith("[hiring] Level 2 escalation: decision window for Zoë <Z>")
    for body in (parts.text, parts.html):
        assert "make the hire/no-hire call" in body and "24h overdue" in body and "Ava Chen" in body
    assert "Hello Hugo," in parts.text
    assert "Zoë &lt;Z&gt;" in parts.html and "<Z>" not in parts.html
    assert '<a href="https://ats.example.com/candidates/101">' in parts.html
    digest = email_message([notice(1), notice(2), notice(3)], CTX)
    assert digest.subject == "[hiring] 3 hiring deadlines need your attention"
    assert all(f"Candidate {i}" in digest.text for i in (1, 2, 3))


def test_console_line_and_a_broken_link_template() -> None:
    line = console_line(notice(), Context(ats_link_template="https://x/{nope}"), "Hugo Martin (hugo)")
    assert line.startswith("notify #1 to Hugo Martin (hugo): Level 2 escalation: decision window")
    msg = slack_message([notice()], Context(ats_link_template="https://x/{nope}"))
    assert not [b for b in msg["blocks"] if b["type"] == "actions"]  # an unknown field: no link, no crash


def test_a_weekly_digest_renders_its_title_and_text_everywhere():
    from notifications.render import Context, Notice, console_line, email_message, slack_message

    text = "Requisition #1 Applied AI Engineer\n  sourced 4, screened 2\nOverdue:\n  #7 decision by 3d\n"
    n = Notice(
        outbox_id=41,
        kind="digest",
        payload={"title": "Weekly hiring digest, 2026-W47: 1 overdue", "message": "1 overdue", "text": text},
    )
    slack = slack_message([n], Context(), slack_user_id="U123")
    assert slack["blocks"][0]["text"]["text"] == "Weekly hiring digest, 2026-W47: 1 overdue"
    assert "<@U123>" in slack["text"]
    assert any("#7 decision by 3d" in b.get("text", {}).get("text", "") for b in slack["blocks"])
    mail = email_message([n], Context(), name="Dev Patel")
    assert mail.subject == "[hiring] Weekly hiring digest, 2026-W47: 1 overdue"
    assert "#7 decision by 3d" in mail.text and "#7 decision by 3d" in mail.html
    assert console_line(n, Context(), "dev.patel").endswith("Weekly hiring digest, 2026-W47: 1 overdue")
