"""Hostile user text (markup, terminal escapes, Slack mentions, header breaks) and leaked secrets, on every surface."""

import base64
import io
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine, text

from hiring import service
from hiring.bootstrap import dispatch
from models.db import make_engine, transaction
from models.tables import Outbox
from states.intake import NewCandidate
from states.requisition import RequisitionSpec
from tests.support import payloads, procs
from tests.support.notify import (
    T0,
    WEBHOOK_PATH,
    SmtpServer,
    add_person,
    add_rows,
    free_port,
    hiring,
    outbox_rows,
    slack_requests,
    smtp_env,
    smtp_settings,
    webhook_settings,
)
from tests.support.notify import (
    payload as notice_payload,
)
from tests.support.notify import settings as notify_settings

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # every C0/C1 control character but the newline

# --- hostile names, as the terminal must show them ------------------------------------------------

# (name as stored, what the terminal must show literally)
TERMINAL_NAMES = [
    pytest.param("Eve [/]", "Eve [/]", id="closing-tag"),
    pytest.param(
        "[link=https://evil.example]Click me[/link]", "[link=https://evil.example]Click me[/link]", id="link-markup"
    ),
    pytest.param("Mal \x1b[2J\x1b[31mlory", "Mal \\x1b[2J\\x1b[31mlory", id="csi-escape"),
    pytest.param(
        "Os \x1b]8;;https://evil.example\x07car\x1b]8;;\x07",
        "Os \\x1b]8;;https://evil.example\\x07car",
        id="osc8-hyperlink",
    ),
    pytest.param("Eve\r\nNewline \x9b31m", "Eve\\r\\nNewline \\x9b31m", id="cr-lf-and-c1-csi"),
    pytest.param("[bold red]Trudy\\", "[bold red]Trudy\\", id="open-tag-trailing-backslash"),
]


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Engine]]:
    """The rendering does not depend on the backend: the CLI cases run on one SQLite file (processes are slow)."""
    path = tmp_path / "hiring.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def seed_hostile(engine: Engine, names: list[str]) -> list[int]:
    """An open requisition whose title, recruiter and candidates carry hostile text, each candidate screened
    by a hostile actor with a hostile note. Names are written to the row directly: text from before the
    edge checked it (or from a webhook) must still display safely."""
    hostile = " | ".join(names)
    req_spec = payloads.requisition()
    req = service.add_requisition(engine, RequisitionSpec.model_validate(req_spec), now=T0)
    service.open_requisition(engine, req.id, now=T0)  # type: ignore[arg-type]
    specs = [NewCandidate.model_validate(payloads.new_candidate(req.id, i)) for i in range(len(names))]  # type: ignore[arg-type]
    ids = service.add_candidates(engine, specs, actor="test", now=T0)
    with transaction(engine) as session:
        for cid, name in zip(ids, names, strict=True):
            session.execute(
                text("UPDATE candidate SET name = :n, external_id = :n WHERE id = :i"), {"n": name, "i": cid}
            )
    for cid, name in zip(ids, names, strict=True):
        at = T0 + timedelta(minutes=5)
        service.apply_event(
            engine, cid, "screen", {**payloads.screen(), "note": name}, actor=name, occurred_at=at, now=at
        )
    with transaction(engine) as session:
        session.execute(text("UPDATE requisition SET title = :t"), {"t": hostile})
    return ids


def assert_shown_as_text(result: procs.Result, shown: list[str]) -> None:
    assert result.code == 0, str(result)
    assert "Traceback" not in result.err, str(result)
    assert not CONTROL.search(result.out), f"raw control character reached the terminal:\n{result.out!r}"
    flat = result.out.replace("\n", "")  # a table may wrap a long cell
    for expected in shown:
        assert expected in result.out or expected in flat, f"{expected!r} not shown as text:\n{result.out}"


# The five commands that print candidate names. `one`: the command shows one candidate, the last one seeded,
# whose name holds every hostile name at once (one process instead of one per name).
CLI_VIEWS = [
    pytest.param(("candidate", "list"), False, id="candidate-list"),
    pytest.param(("candidate", "show", "{id}"), True, id="candidate-show"),
    pytest.param(("board",), False, id="board"),
    pytest.param(("sla",), False, id="sla"),
    pytest.param(("history", "{id}"), True, id="history"),
]


@pytest.mark.parametrize(("command", "one"), CLI_VIEWS)
def test_every_cli_view_shows_hostile_names_as_text(
    sqlite_db: tuple[str, Engine], tmp_path: Path, command: tuple[str, ...], one: bool
) -> None:
    url, engine = sqlite_db
    names = [p.values[0] for p in TERMINAL_NAMES]
    shown = [p.values[1] for p in TERMINAL_NAMES]
    *_, last = seed_hostile(engine, [*names, " ".join(names)])
    args = [a.format(id=last) for a in command]
    assert_shown_as_text(procs.run(args, url, tmp_path, now=T0 + timedelta(hours=1)), shown)


# Error messages quote user input: they are text too. (args, exit code, what stderr must show)
CLI_ERRORS = [
    pytest.param(("candidate", "show", "Eve [/]"), 4, "Eve [/]", id="not-found-closing-tag"),
    pytest.param(
        ("candidate", "show", "\x1b]8;;https://evil.example\x07x"),
        4,
        "\\x1b]8;;https://evil.example\\x07x",
        id="not-found-osc8",
    ),
    pytest.param(("advance", "1", "[bold]x[/bold] [/]"), 2, "[bold]x[/bold] [/]", id="unknown-trigger-markup"),
    pytest.param(("candidate", "list", "--stage", "[/]"), 2, "'[/]'", id="unknown-stage-markup"),
]


@pytest.mark.parametrize(("args", "code", "shown"), CLI_ERRORS)
def test_error_messages_quote_user_input_as_text(
    sqlite_db: tuple[str, Engine], tmp_path: Path, args: tuple[str, ...], code: int, shown: str
) -> None:
    url, engine = sqlite_db
    seed_hostile(engine, ["Alice"])
    result = procs.run(args, url, tmp_path)
    assert result.code == code, str(result)
    assert "Traceback" not in result.err and shown in result.err, str(result)
    assert not CONTROL.search(result.err), repr(result.err)


# --- every view function, arbitrary text ----------------------------------------------------------


def _replace_text(data: Any, value: str) -> Any:
    """Every string value (not dict keys: views look things up by them) replaced by `value`."""
    if isinstance(data, str):
        return value
    if isinstance(data, dict):
        return {k: _replace_text(v, value) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_replace_text(v, value) for v in data]
    return data


@pytest.fixture(scope="module")
def view_data(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict[str, Any]:
    """Real query results (every view's input) from a small seeded database, computed once."""
    from hiring import queries
    from hiring.people import list_people
    from hiring.queries import sla as sla_queries
    from hiring.reports.metrics import parse_filters, pipeline_report
    from notifications.outbox import list_outbox

    path = tmp_path_factory.mktemp("views") / "hiring.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        [cid, _] = seed_hostile(engine, ["Alice", "Bob"])
        add_person(engine)
        add_rows(engine, count=2)
        at = T0 + timedelta(days=3)
        cand, events = queries.candidate_history(engine, str(cid))
        data = {
            "candidates": queries.list_candidates(engine, None, None),
            "candidate": queries.show_candidate(engine, str(cid)),
            "history": (cand, events),
            "timers": sla_queries.open_timers(engine, at),
            "board": queries.board(engine, None, at),
            "report": pipeline_report(engine, parse_filters(None, None, None, None, None), at),
            "requisitions": queries.list_requisitions(engine),
            "requisition": queries.show_requisition(engine, 1),
            "outbox": list_outbox(engine),
            "people": list_people(engine),
        }
    finally:
        engine.dispose()
    data["notice"] = notice_payload(1)
    data["deliveries"] = [
        {
            "received_at": T0,
            "event_id": "e1",
            "action": "candidate_stage_change",
            "status": "refused",
            "application_id": "a1",
            "ats_stage": "Onsite",
            "candidate_id": cid,
            "detail": "unmapped stage",
        }
    ]
    data["unmapped"] = [{"kind": "stage", "value": "Onsite", "deliveries": 2, "jobs": ["j1"], "last_received_at": T0}]
    return data


def _views() -> list[tuple[str, Callable[[dict[str, Any]], list[Any]]]]:
    """Every function that turns user data into something the terminal shows, with the data it takes."""
    from hiring.board import board_view
    from hiring.cli import candidates, events, integrations, notify, roles, sla
    from hiring.reports.tables import report_view
    from notifications.console import ConsoleChannel
    from notifications.delivery import Delivery, Recipient
    from notifications.render import Context, Notice

    def console_lines(d: dict[str, Any]) -> list[Any]:
        lines: list[str] = []
        who = Recipient(
            handle=d["people"][0]["handle"],
            name=d["people"][0]["name"],
            email=None,
            slack_user_id=None,
            role="hiring_manager",
        )
        notice = Notice(outbox_id=1, kind="escalation", payload=d["notice"])
        channel = ConsoleChannel(lines.append)
        channel.send(Delivery([notice], who.handle, who, channel.address(who.handle, who), Context(), T0))
        return [Text(x) for x in lines]  # written to stdout as they are (Text: no markup, no escaping added)

    return [
        ("candidate list", lambda d: [candidates.candidate_table(d["candidates"])]),
        ("candidate show", lambda d: candidates.candidate_lines(d["candidate"])),
        ("history", lambda d: [events.history_table(*d["history"])]),
        ("sla", lambda d: [sla.timers_table(d["timers"], T0)]),
        ("board", lambda d: board_view(d["board"])),
        ("report", lambda d: report_view(d["report"])),
        ("role list", lambda d: [roles.requisition_table(d["requisitions"])]),
        ("role show", lambda d: roles.requisition_lines(d["requisition"])),
        ("outbox", lambda d: [notify.outbox_table(d["outbox"], None)]),
        ("people", lambda d: [notify.people_table(d["people"])]),
        (
            "webhooks",
            lambda d: [integrations.deliveries_table(d["deliveries"]), integrations.unmapped_table(d["unmapped"])],
        ),
        ("console channel", console_lines),
    ]


def _render(what: str, renderables: list[Any]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=2000, color_system=None, force_terminal=False, highlight=False)
    for r in renderables:
        try:
            console.print(r)
        except Exception as exc:
            raise AssertionError(f"{what} cannot show {r!r}") from exc
    return out.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=30))
def test_every_view_shows_arbitrary_text_as_text(view_data: dict[str, Any], name: str) -> None:
    from states.text import visible

    data = _replace_text(view_data, name)
    for what, view in _views():
        shown = _render(what, view(data))
        assert not CONTROL.search(shown), f"{what}: raw control character in {shown!r}"
        word = visible(name).strip()
        if what != "report" and word and word.isprintable():  # the report shows counts, not names, in places
            assert word in shown.replace("\n", "") or word in shown, f"{what}: {name!r} not shown as text"


@pytest.mark.parametrize("name", [p.values[0] for p in TERMINAL_NAMES], ids=[p.id for p in TERMINAL_NAMES])
def test_every_view_shows_each_hostile_name_as_text(view_data: dict[str, Any], name: str) -> None:
    data = _replace_text(view_data, name)
    for what, view in _views():
        shown = _render(what, view(data))
        assert not CONTROL.search(shown), f"{what}: raw control character in {shown!r}"


# --- Slack: every text field Slack parses ---------------------------------------------------------

SLACK_NAMES = [
    pytest.param("<!channel> urgent", id="channel-ping"),
    pytest.param("<@U123> look", id="user-mention"),
    pytest.param("<https://x|y>", id="link"),
    pytest.param("Tom & Jerry <!here|here>", id="ampersand-and-here"),
    pytest.param("<!channel>&" * 20, id="long-enough-to-cut"),  # escaped, a header is cut without splitting &lt;
]
ENTITY = re.compile(r"&(amp|lt|gt);")


def _texts(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a Slack payload with the key it sits under, recursively (blocks, fields, context,
    elements, attachments)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v, key)
    elif isinstance(node, str):
        yield key, node


def assert_slack_safe(body: dict[str, Any], own_mention: str | None) -> None:
    for key, value in _texts(body):
        if key in ("type", "url", "action_id", "channel"):
            continue  # not parsed as text by Slack
        assert key != "text" or len(value) <= 40_000
        bare = value.replace(own_mention, "") if own_mention else value
        assert "<" not in bare and ">" not in bare, f"{key}: unescaped Slack control sequence in {value!r}"
        assert "&" not in ENTITY.sub("", bare), f"{key}: unescaped & in {value!r}"


def _digest_row(engine: Engine, name: str) -> None:
    with transaction(engine) as session:
        session.add(
            Outbox(
                dedupe_key="digest:hugo",
                created_at=T0,
                kind="digest",
                recipient="hugo",
                recipient_role="hiring_manager",
                channel="slack",
                next_attempt_at=T0,
                payload={
                    "title": f"Weekly hiring digest: {name}",
                    "message": name,
                    "text": f"#1 {name}\n  {name} overdue\n",
                },
            )
        )


# (how the rows are written, the person's Slack id: None means the webhook names the person instead)
SLACK_SHAPES = [
    pytest.param(lambda e, n: add_rows(e, candidate_name=n, requisition_title=n, action=n), "U0HUGO", id="single"),
    pytest.param(
        lambda e, n: add_rows(e, count=3, candidate_name=n, requisition_title=n, action=n),
        "U0HUGO",
        id="digest-of-three",
    ),
    pytest.param(
        lambda e, n: add_rows(e, candidate_name=n, requisition_title=n, action=n), None, id="single-named-not-mentioned"
    ),
    pytest.param(_digest_row, "U0HUGO", id="weekly-digest"),
]


@pytest.mark.parametrize("name", SLACK_NAMES)
@pytest.mark.parametrize(("write_rows", "slack_id"), SLACK_SHAPES)
def test_slack_escapes_user_text_in_every_text_field(
    engine: Engine,
    db_url: str,
    slack: HTTPServer,
    name: str,
    write_rows: Callable[[Engine, str], Any],
    slack_id: str | None,
) -> None:
    add_person(engine, name=name, slack_user_id=slack_id)
    write_rows(engine, name)
    slack.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    s = webhook_settings(
        db_url, slack, ats_link_template="https://ats.example.com/c/{candidate_id}?q=1&r={requisition_id}"
    )

    result = dispatch(engine, now=T0, settings=s)

    assert result.sent >= 1 and result.dead == 0, result
    [request] = slack_requests(slack)
    body = request.get_json()
    assert_slack_safe(body, f"<@{slack_id}>" if slack_id else None)
    assert all(len(b["text"]["text"]) <= 150 for b in body["blocks"] if b["type"] == "header")  # Block Kit's limit
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in body["text"], body["text"]  # the fallback still names the candidate, as text
    if slack_id:
        assert body["text"].startswith(f"<@{slack_id}>")  # our own mention still pings the person


def test_slack_bot_message_escapes_the_fallback_text(engine: Engine, db_url: str, slack: HTTPServer) -> None:
    add_person(engine, name="<!channel>")
    add_rows(engine, candidate_name="<!channel> urgent", action="<!everyone>")
    slack.expect_request("/api/chat.postMessage", method="POST").respond_with_json({"ok": True, "ts": "1.2"})
    s = notify_settings(db_url, slack_bot_token="xoxb-test-token", slack_base_url=slack.url_for("/"))

    assert dispatch(engine, now=T0, settings=s).sent == 1
    [request] = slack_requests(slack)
    assert_slack_safe(request.get_json(), "<@U0HUGO>")


# --- email: header-unsafe names -------------------------------------------------------------------

# (candidate name, person name)
EMAIL_NAMES = [
    pytest.param("Eve\nMallory", "Hugo Martin", id="lf-in-candidate"),
    pytest.param("Eve\r\nBcc: victim@evil.example", "Hugo Martin", id="header-injection-in-candidate"),
    pytest.param("Eve Doe", "Hugo\r\nMartin", id="crlf-in-person"),
    pytest.param("Eve\x0bDoe\u2028x\x7f", "Hugo\rMartin\x1b", id="vt-ls-cr-esc-del"),
]


def _header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode() if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0].decode()


@pytest.mark.parametrize("count", [1, 2], ids=["single", "digest"])
@pytest.mark.parametrize(("candidate_name", "person_name"), EMAIL_NAMES)
def test_email_about_a_name_with_line_breaks_is_sent_with_safe_headers(
    engine: Engine, db_url: str, smtp: SmtpServer, candidate_name: str, person_name: str, count: int
) -> None:
    add_person(engine, name=person_name)
    add_rows(engine, channel="email", count=count, candidate_name=candidate_name)

    result = dispatch(engine, now=T0, settings=smtp_settings(db_url, smtp))

    assert (result.sent, result.dead, result.retried) == (count, 0, 0), [r.last_error for r in outbox_rows(engine)]
    [(_, rcpt_tos, raw)] = smtp.messages
    assert rcpt_tos == ["hugo@example.com"]
    headers = _header_block(raw)
    names = [line.split(":", 1)[0] for line in headers.splitlines() if line and not line[0].isspace()]
    assert "Bcc" not in names, headers  # a line break in a name never starts a header of its own
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", headers), repr(headers)
    msg = smtp.parsed()
    for header in ("Subject", "To"):
        assert not re.search(r"[\r\n]", str(msg[header])), (header, str(msg[header]))
    text_body = msg.get_body(preferencelist=("plain",)).get_content()
    assert candidate_name.split("\n")[0].split("\r")[0].split("\x00")[0] in text_body  # the body names them


# --- secrets: URLs ----------------------------------------------------------------------------------

SECRET = "S3cretPw99xyz"
# (URL, what may be shown)
URLS = [
    pytest.param(
        "postgresql+psycopg://hiring:S3cretPw99xyz@db.example:5432/hiring",
        "postgresql+psycopg://hiring:***@db.example:5432/hiring",
        id="password-in-user-info",
    ),
    pytest.param(
        "postgresql+psycopg://hiring@db.example/hiring?password=S3cretPw99xyz&sslmode=require",
        "postgresql+psycopg://hiring@db.example/hiring?password=***&sslmode=require",
        id="password-in-query",
    ),
    pytest.param(
        "sqlite:///hiring.db?sslpassword=S3cretPw99xyz&api_key=S3cretPw99xyz&token=S3cretPw99xyz",
        "sqlite:///hiring.db?sslpassword=***&api_key=***&token=***",
        id="secret-looking-params",
    ),
    pytest.param(
        "https://user:S3cretPw99xyz@prefect.example/api?x=1#frag",
        "https://user:***@prefect.example/api?x=1#frag",
        id="http-basic-auth",
    ),
    pytest.param(
        "postgresql://u:p%40S3cretPw99xyz@h/d?Secret=S3cretPw99xyz",
        "postgresql://u:***@h/d?Secret=***",
        id="encoded-at-and-upper-case-param",
    ),
    pytest.param("sqlite:////tmp/hiring.db", "sqlite:////tmp/hiring.db", id="nothing-to-hide"),
]


@pytest.mark.parametrize(("url", "shown"), URLS)
def test_one_redaction_for_urls(url: str, shown: str) -> None:
    from models.urls import redact_url

    assert redact_url(url) == shown


def _secret_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "hiring.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}?password={SECRET}&token={SECRET}"


def test_init_and_the_schema_error_never_print_a_password_in_the_url_query(
    tmp_path: Path, sqlite_template: Path
) -> None:
    url = _secret_url(tmp_path, sqlite_template)
    init = procs.run(["init"], url, tmp_path)
    assert init.code == 0 and "database ready" in init.out, str(init)
    empty = tmp_path / "empty.db"
    empty.touch()
    refused = procs.run(["candidate", "list"], f"sqlite:///{empty}?password={SECRET}", tmp_path)
    assert refused.code == 4 and "no hiring schema" in refused.err, str(refused)
    for result in (init, refused):
        assert SECRET not in result.out + result.err, str(result)


def test_serve_first_log_line_never_prints_a_password_in_the_url_query(tmp_path: Path, sqlite_template: Path) -> None:
    url = _secret_url(tmp_path, sqlite_template)
    proc = subprocess.Popen(
        [procs.HIRING, "serve", "--interval", "30"],
        env=procs.hiring_env(url, T0),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = ""
        while "serve: database" not in first:
            line = proc.stderr.readline()
            assert line, f"serve ended before logging its database (exit {proc.poll()})"
            first = line
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert "password=***" in first and SECRET not in first, first


# --- secrets: an SMTP server that quotes the AUTH exchange ------------------------------------------

USER, PASSWORD = "mailer@acme.example", "Pa55-w0rd-xyz"


def _login_forms(user: str, password: str) -> list[str]:
    """The login as it travels: raw, AUTH PLAIN's base64 and AUTH LOGIN's two base64 lines."""
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    return [user, password, b64(f"\0{user}\0{password}"), b64(user), b64(password)]


class QuotingServer(SmtpServer):
    """Refuses every login and quotes the AUTH payload back, in every encoding, in its 535 reply."""

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        forms = " ".join(_login_forms(auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 {mechanism} refused: {forms}")


def test_smtp_reply_quoting_the_auth_exchange_is_scrubbed_of_the_login(
    engine: Engine, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = QuotingServer(free_port(), username="someone-else", password="x").start()
    try:
        add_person(engine)
        add_rows(engine, channel="email", count=2)
        s = smtp_settings(db_url, server, smtp_username=USER, smtp_password=PASSWORD, digest=False)
        with caplog.at_level("DEBUG"):
            first = dispatch(engine, now=T0, settings=s)
        env = {
            **smtp_env(server),
            "HIRING_SMTP_USERNAME": USER,
            "HIRING_SMTP_PASSWORD": PASSWORD,
            "HIRING_DIGEST": "false",
        }
        add_rows(engine, channel="email", start=10)
        cli = hiring(["dispatch"], db_url, tmp_path, now=T0, env=env)
        listing = hiring(["outbox"], db_url, tmp_path, now=T0)
    finally:
        server.stop()
    assert first.dead == 2, first
    errors = [r.last_error or "" for r in outbox_rows(engine)]
    assert all("SMTP login to 127.0.0.1" in e and "535" in e for e in errors), errors
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))  # not the server's
    shown = {
        "last_error": "\n".join(errors),
        "logs": ours,
        "dispatch": cli.stdout + cli.stderr,
        "outbox": listing.stdout + listing.stderr,
    }
    for where, output in shown.items():
        for form in _login_forms(USER, PASSWORD):
            assert form not in output, f"{form!r} in {where}:\n{output}"
