"""Turning outbox payloads into messages: Slack Block Kit with a plain-text fallback, email (subject, text
and HTML), and console lines. Pure functions: no database, no network.

An escalation's payload (the typed message `models.messages.EscalationMessage`, written by hiring/sla.py)
carries the facts, frozen when the escalation fired: candidate id, requisition, stage, timer, level, due_at,
how late, the expected action and who comes next. The candidate's name is not stored: the dispatcher adds it
to the notice from the candidate row when it sends (notifications/dispatcher.py). Several notices for one
recipient render as one digest message listing them all.
A weekly digest (hiring/reports/digest.py) is rendered from its facts the same way, names looked up at send.
"""

import html
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.messages import EscalationMessage
from states.stages import Stage

LEVEL_TITLES = {
    "reminder": "Reminder",
    "level_1": "Overdue",
    "level_2": "Level 2 escalation",
    "level_3": "Level 3 escalation",
}
DEADLINES = {
    "screen_decision": "screening decision",
    "take_home_sent": "sending the take-home",
    "take_home_submission": "take-home submission",
    "take_home_review": "take-home review",
    "debrief": "debrief",
    "final_loop": "final interview loop",
    "scorecard": "scorecard",
    "decision": "decision window",
    "offer_response": "offer response",
    "checkpoint_30": "30-day checkpoint",
    "checkpoint_60": "60-day checkpoint",
    "checkpoint_90": "90-day checkpoint",
}
ROLES = {
    "recruiter": "recruiter",
    "hiring_manager": "hiring manager",
    "head_of_talent": "head of talent",
    "interviewer": "interviewer",
}
SLACK_HEADER_MAX = 150  # Block Kit: a header's plain_text is at most 150 characters
SLACK_SECTION_MAX = 3000  # Block Kit: a section's text is at most 3000 characters
SLACK_FIELD_MAX = 2000
SLACK_MAX_BLOCKS = 50  # Block Kit: a message holds at most 50 blocks


@dataclass(frozen=True)
class Notice:
    """One outbox row's content, as the renderers need it."""

    outbox_id: int
    kind: str
    payload: dict[str, Any]

    @cached_property
    def message(self) -> EscalationMessage:
        """The payload parsed as the typed escalation message (other notices' keys are kept as extras)."""
        return EscalationMessage.from_payload(self.payload)


@dataclass(frozen=True)
class Context:
    """How to render for one recipient: their time zone, the ATS link template, names of people by handle."""

    timezone: str = "UTC"
    ats_link_template: str | None = None
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailParts:
    subject: str
    text: str
    html: str


# --- the pieces of one notice -------------------------------------------------------------------


def _p(n: Notice, key: str) -> Any:
    return getattr(n.message, key, None)


def local_time(value: str | None, tz: str) -> str:
    """An ISO instant shown in the recipient's time zone: 'Mon 2 Mar 2026, 09:00 CET'."""
    if not value:
        return "-"
    try:
        when = datetime.fromisoformat(value)
        zone = ZoneInfo(tz)
    except (ValueError, ZoneInfoNotFoundError):
        return value
    local = when.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"


def deadline(n: Notice) -> str:
    timer = _p(n, "timer")
    return DEADLINES.get(timer, str(timer).replace("_", " ")) if timer else "deadline"


def lateness(n: Notice) -> str:
    if _p(n, "overdue_human"):
        return f"{_p(n, 'overdue_human')} overdue"
    if _p(n, "due_in_human"):
        return f"due in {_p(n, 'due_in_human')}"
    return "due now"


def candidate(n: Notice) -> str:
    name, cid = _p(n, "candidate_name"), _p(n, "candidate_id")
    if name and cid is not None:
        return f"{name} (#{cid})"
    return str(name or (f"candidate #{cid}" if cid is not None else "-"))


def requisition(n: Notice) -> str:
    title, rid = _p(n, "requisition_title"), _p(n, "requisition_id")
    if title and rid is not None:
        return f"{title} (req {rid})"
    return str(title or (f"req {rid}" if rid is not None else "-"))


def headline(n: Notice) -> str:
    """'Overdue: decision window for Jane Doe - 1d overdue'."""
    if _p(n, "title"):  # a non-escalation notice may bring its own title
        return str(_p(n, "title"))
    level = LEVEL_TITLES.get(_p(n, "level"), "Notice")
    name = _p(n, "candidate_name") or candidate(n)
    return f"{level}: {deadline(n)} for {name} - {lateness(n)}"


def person(handle: str | None, role: str | None, ctx: Context) -> str:
    role_text = ROLES.get(role or "", role or "")
    if handle:
        name = ctx.names.get(handle)
        who = f"{name} ({handle})" if name else handle
        return f"{who}, {role_text}" if role_text else who
    return role_text or "nobody"


def next_escalation(n: Notice, ctx: Context) -> str:
    nxt = n.message.next_escalation
    if not nxt or not (n.payload or {}).get("next_escalation"):
        return "none: this is the last escalation level"
    level = LEVEL_TITLES.get(nxt.level or "", nxt.level or "next level")
    who = person(nxt.recipient, nxt.role, ctx)
    return f"{level} to {who} at {local_time(nxt.at, ctx.timezone)}"


def expected(n: Notice) -> str:
    return str(_p(n, "action") or _p(n, "message") or "-")


def why_you(n: Notice) -> str | None:
    """Escalations to someone other than the owner say whose deadline it is."""
    owner, audience = _p(n, "owner_role"), _p(n, "audience_role")
    if not audience:
        return None
    if owner and owner != audience:
        return f"escalated to you as {ROLES.get(audience, audience)}: this is the {ROLES.get(owner, owner)}'s deadline"
    return f"this needs you as {ROLES.get(audience, audience)}"


def ats_link(n: Notice, template: str | None) -> str | None:
    """The candidate in the team's ATS, from a template such as https://ats.example.com/c/{candidate_id}."""
    if not template:
        return None
    values = {k: ("" if v is None else v) for k, v in (n.payload or {}).items() if not isinstance(v, dict | list)}
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return None


def details(n: Notice, ctx: Context) -> list[tuple[str, str]]:
    """The facts of one notice as (label, value) pairs, in reading order."""
    rows = [
        ("Candidate", candidate(n)),
        ("Requisition", requisition(n)),
        ("Stage", str(_p(n, "stage") or "-")),
        ("Deadline", f"{deadline(n)}, due {local_time(_p(n, 'due_at'), ctx.timezone)}"),
        ("How late", lateness(n)),
        ("Expected", expected(n)),
        *interview_rows(n, ctx),
        *closing_rows(n),
        ("Next escalation", next_escalation(n, ctx)),
    ]
    link = ats_link(n, ctx.ats_link_template)
    if link:
        rows.append(("In the ATS", link))
    return rows


def closing_rows(n: Notice) -> list[tuple[str, str]]:
    """An offer's closing facts: what would make this candidate accept, and what the offer must make concrete."""
    m = n.message
    if m.motivators is None and m.priorities is None:
        return []
    rows = [("Motivators", ", ".join(m.motivators or []) or "not recorded")]
    if m.priorities:
        rows.append(("Beyond salary" + (" (inferred)" if m.priorities_inferred else ""), "; ".join(m.priorities)))
    if m.candidates_evaluate:
        rows.append(("Candidates evaluate", ", ".join(m.candidates_evaluate)))
    if m.first_year_outcomes:
        rows.append(("First-year outcomes", "; ".join(m.first_year_outcomes)))
    return rows


def interview_rows(n: Notice, ctx: Context) -> list[tuple[str, str]]:
    """A scorecard's interview and where its kit is; a decision's scorecards still missing and whose they are."""
    m = n.message
    rows: list[tuple[str, str]] = []
    if m.interview_part:
        when = local_time(m.interview_at, ctx.timezone)
        rows.append(("Interview", f"{m.interview_part}, {when}, {person(m.interviewer, 'interviewer', ctx)}"))
    if m.kit_command:
        rows.append(("Interview kit", m.kit_command))
    if m.missing_scorecards is not None:
        missing = [
            f"{s.part} ({s.interviewer})" if s.interviewer else f"{s.part} (not scheduled)"
            for s in m.missing_scorecards
        ]
        rows.append(("Scorecards missing", ", ".join(missing) or "none: all four are filed"))
    return rows


def _by_urgency(notices: list[Notice]) -> list[Notice]:
    return sorted(notices, key=lambda n: (-(_p(n, "overdue_seconds") or 0), n.outbox_id))


def _ids(notices: list[Notice]) -> str:
    return ", ".join(f"#{n.outbox_id}" for n in notices)


# --- the weekly digest --------------------------------------------------------------------------

Line = tuple[str | None, str]  # (the list a line is an item of: "overdue", "decision" or None; its text)


def weekly_text(n: Notice) -> str:
    return "".join(line + "\n" for _, line in weekly_lines(n))


def weekly_lines(n: Notice) -> list[Line]:
    """The weekly digest (hiring/reports/digest.py) as lines of text, rendered from its facts and the names the
    dispatcher looked up at send time. A payload without facts (a hand-made notice) brings its own `text`."""
    p = n.payload or {}
    if "requisitions" not in p:
        return [(None, line) for line in str(p.get("text") or p.get("message") or "").splitlines()]
    overdue, pending = list(p.get("overdue") or []), list(p.get("decisions_pending") or [])
    lines: list[Line] = [
        (
            None,
            f"Weekly hiring digest for {p.get('hiring_manager')}, week {p.get('week')} (as of "
            f"{_utc(p.get('generated_at'))})",
        ),
        (None, ""),
        (None, f"{p.get('message')}."),
        (None, ""),
    ]
    for r in p["requisitions"]:
        lines += [(None, text) for text in _requisition_lines(r)]
    lines += [(None, ""), (None, f"Overdue ({len(overdue)}):")]
    lines += [("overdue", _overdue_line(o)) for o in overdue] or [(None, "  nothing overdue")]
    window = p.get("decision_window_hours")
    lines += [
        (None, ""),
        (None, f"Decisions pending ({len(pending)}" + (f"; the window is {window:.0f} h):" if window else "):")),
    ]
    lines += [("decision", _pending_line(d)) for d in pending] or [(None, "  none")]
    return lines


def _utc(value: str | None) -> str:
    try:
        return f"{datetime.fromisoformat(value or ''):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return "-"


def _who(item: dict[str, Any]) -> str:
    name, cid = item.get("candidate_name"), item.get("candidate_id")
    return f"{name} (#{cid})" if name else f"candidate #{cid}"


def _requisition_lines(r: dict[str, Any]) -> list[str]:
    funnel, active = r.get("funnel") or {}, r.get("active") or {}
    steps = [f"{s.value} {funnel[s.value]}" for s in Stage if funnel.get(s.value)]
    now_in = [f"{s.value} {active[s.value]}" for s in Stage if active.get(s.value)]
    return [
        f"#{r.get('requisition_id')} {r.get('title')}",
        "  funnel (ever reached): " + (" > ".join(steps) or "no candidates yet"),
        "  active now: " + (", ".join(now_in) or "none"),
    ]


def _overdue_line(o: dict[str, Any]) -> str:
    return (
        f"  - {_who(o)}, req {o.get('requisition_id')}: {o.get('timer')} overdue by {o.get('overdue_by')} "
        f"(owner: {o.get('owner') or o.get('owner_role')})"
    )


def _pending_line(d: dict[str, Any]) -> str:
    flags = (" (past the window)" if d.get("over_window") else "") + (" (on hold)" if d.get("on_hold") else "")
    return f"  - {_who(d)}, req {d.get('requisition_id')}: waiting {d.get('waiting') or '-'}{flags}"


# --- Slack --------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def slack_mention(slack_user_id: str | None, name: str | None) -> str:
    """<@id> pings the person; without an id their name, escaped. The fallback `text` starts with it."""
    if slack_user_id:
        return f"<@{slack_user_id}>"
    return slack_escape(name) if name else ""


def slack_message(
    notices: list[Notice], ctx: Context, slack_user_id: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """Block Kit blocks and the plain-text fallback (`text`, shown in notifications and old clients).

    `slack_user_id` is mentioned as <@id> (an incoming webhook posts to a channel; the mention pings the
    person). One notice renders in full; several render as one digest listing them all.
    """
    if notices[0].kind == "digest":
        return _slack_weekly(notices[0], slack_mention(slack_user_id, name))
    if len(notices) == 1:
        return _slack_single(notices[0], ctx, slack_mention(slack_user_id, name))
    return _slack_digest(_by_urgency(notices), ctx, slack_mention(slack_user_id, name))


def _slack_weekly(n: Notice, mention: str) -> dict[str, Any]:
    """The weekly digest (hiring/reports/digest.py): its title as header, its lines in sections of at most
    Slack's section limit. Block Kit takes 50 blocks: a digest too long for them ends with a section that
    says how many items are not shown and where to see them all, never with a silent cut."""
    title = str(_p(n, "title") or "Weekly hiring digest")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_MAX), "emoji": True}},
    ]
    if mention:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mention}})
    budget = SLACK_MAX_BLOCKS - len(blocks) - 2  # the footer, and the "not shown" section if needed
    chunks, hidden = _chunks(weekly_lines(n), SLACK_SECTION_MAX - 10, budget)
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": f"```{chunk}```"}} for chunk in chunks]
    if hidden:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _not_shown(hidden)}})
    blocks.append(_slack_footer([n]))
    return {"text": " ".join(x for x in (mention, title) if x), "blocks": blocks}


def _chunks(lines: list[Line], size: int, budget: int) -> tuple[list[str], list[Line]]:
    """The lines, escaped for Slack, packed whole into at most `budget` chunks of at most `size` characters;
    and the lines that did not fit."""
    chunks: list[str] = []
    current = ""
    for i, (_, line) in enumerate(lines):
        escaped = _cut(slack_escape(line), size - 1) + "\n"
        if current and len(current) + len(escaped) > size:
            if len(chunks) + 1 == budget:
                return [*chunks, current], lines[i:]
            chunks.append(current)
            current = ""
        current += escaped
    return ([*chunks, current] if current else chunks), []


def _not_shown(hidden: list[Line]) -> str:
    counts = {kind: sum(1 for k, _ in hidden if k == kind) for kind in ("overdue", "decision")}
    parts = [f"{counts['overdue']:,} more overdue"] if counts["overdue"] else []
    parts += [f"{counts['decision']:,} more decision(s) pending"] if counts["decision"] else []
    what = " and ".join(parts) if parts else f"{len(hidden):,} more line(s)"
    return (
        f"\u2026and {what}, not shown here: a Slack message holds at most {SLACK_MAX_BLOCKS} blocks. "
        "See them all with `hiring sla` (open deadlines, most overdue first) or in the email digest."
    )


def _slack_single(n: Notice, ctx: Context, mention: str) -> dict[str, Any]:
    facts = details(n, ctx)
    link = ats_link(n, ctx.ats_link_template)
    reason = why_you(n)
    intro = " ".join(x for x in (mention, slack_escape(reason) + "." if reason else "") if x) or "For your attention."
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{label}*\n{slack_escape(value)}", SLACK_FIELD_MAX)}
        for label, value in facts
        if label not in ("Expected", "In the ATS")
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(headline(n), SLACK_HEADER_MAX), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(intro, SLACK_SECTION_MAX)}},
        {"type": "section", "fields": fields[:10]},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _cut(f"*Expected:* {slack_escape(expected(n))}", SLACK_SECTION_MAX)},
        },
    ]
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in ATS"},
                        "url": link,
                        "action_id": f"open_ats_{n.outbox_id}",
                    }
                ],
            }
        )
    blocks.append(_slack_footer([n]))
    text = " ".join(x for x in (mention, headline(n) + ".") if x)
    text += f" Expected: {expected(n)}. Next: {next_escalation(n, ctx)}."
    if link:
        text += f" {link}"
    return {"text": text, "blocks": blocks}


def _slack_digest(notices: list[Notice], ctx: Context, mention: str) -> dict[str, Any]:
    count = len(notices)
    title = f"{count} hiring deadlines need you"
    intro = f"{mention} {count} notifications from the hiring pipeline, most overdue first:".strip()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
    ]
    lines = [f"{mention} {title}:".strip()]
    for i, n in enumerate(notices, 1):
        body = (
            f"*{i}. {slack_escape(headline(n))}*\n"
            f"{slack_escape(candidate(n))} \u00b7 {slack_escape(requisition(n))} \u00b7 "
            f"stage {slack_escape(str(_p(n, 'stage') or '-'))}\n"
            f"Due {slack_escape(local_time(_p(n, 'due_at'), ctx.timezone))}\n"
            f"*Expected:* {slack_escape(expected(n))}\n"
            f"*Next:* {slack_escape(next_escalation(n, ctx))}"
        )
        section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": _cut(body, SLACK_SECTION_MAX)}}
        link = ats_link(n, ctx.ats_link_template)
        if link:
            section["accessory"] = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in ATS"},
                "url": link,
                "action_id": f"open_ats_{n.outbox_id}",
            }
        blocks.append(section)
        lines.append(f"{i}. {headline(n)} ({requisition(n)}); expected: {expected(n)}")
    blocks.append(_slack_footer(notices))
    return {"text": "\n".join(lines), "blocks": blocks}


def _slack_footer(notices: list[Notice]) -> dict[str, Any]:
    text = f"hiring-pipeline \u00b7 outbox {_ids(notices)}"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


# --- email --------------------------------------------------------------------------------------


def email_message(notices: list[Notice], ctx: Context, name: str | None = None) -> EmailParts:
    """Subject, plain text and HTML. One notice in full; several as one digest."""
    greeting = f"Hello {name.split()[0]}," if name else "Hello,"
    if notices[0].kind == "digest":
        n = notices[0]
        title = str(_p(n, "title") or "Weekly hiring digest")
        text = weekly_text(n)
        footer = f"Sent by hiring-pipeline (outbox {_ids(notices)})."
        body_html = (
            f"<!DOCTYPE html><html><body><p>{html.escape(greeting)}</p><h3>{html.escape(title)}</h3>"
            f'<pre>{html.escape(text)}</pre><p style="color:#777;font-size:small">{html.escape(footer)}'
            "</p></body></html>\n"
        )
        return EmailParts(
            subject=f"[hiring] {title}", text=f"{greeting}\n\n{title}\n\n{text}\n-- \n{footer}\n", html=body_html
        )
    if len(notices) == 1:
        n = notices[0]
        subject = f"[hiring] {headline(n)}"
        sections = [(headline(n), why_you(n), details(n, ctx))]
    else:
        notices = _by_urgency(notices)
        subject = f"[hiring] {len(notices)} hiring deadlines need your attention"
        sections = [(f"{i}. {headline(n)}", why_you(n), details(n, ctx)) for i, n in enumerate(notices, 1)]
    footer = f"Sent by hiring-pipeline (outbox {_ids(notices)})."
    width = max(len(label) for _, _, facts in sections for label, _ in facts) + 2
    text_parts = [greeting, ""]
    html_parts = [f"<p>{html.escape(greeting)}</p>"]
    if len(notices) > 1:
        text_parts += [f"{len(notices)} notifications from the hiring pipeline, most overdue first.", ""]
        html_parts.append(f"<p>{len(notices)} notifications from the hiring pipeline, most overdue first.</p>")
    for title, reason, facts in sections:
        text_parts.append(title)
        if reason:
            text_parts.append(reason[0].upper() + reason[1:] + ".")
        text_parts += [f"  {label + ':':<{width}}{value}" for label, value in facts]
        text_parts.append("")
        html_parts.append(f"<h3>{html.escape(title)}</h3>")
        if reason:
            html_parts.append(f"<p>{html.escape(reason[0].upper() + reason[1:])}.</p>")
        rows = "".join(_html_row(label, value) for label, value in facts)
        html_parts.append(f'<table cellpadding="4" style="border-collapse:collapse">{rows}</table>')
    text_parts += ["-- ", footer, ""]
    html_parts.append(f'<p style="color:#777;font-size:small">{html.escape(footer)}</p>')
    body_html = "<!DOCTYPE html><html><body>" + "\n".join(html_parts) + "</body></html>\n"
    return EmailParts(subject=subject, text="\n".join(text_parts), html=body_html)


def _html_row(label: str, value: str) -> str:
    shown = html.escape(value)
    if label == "In the ATS":
        shown = f'<a href="{html.escape(value, quote=True)}">{shown}</a>'
    return f'<tr><th align="left" valign="top">{html.escape(label)}</th><td>{shown}</td></tr>'


# --- console ------------------------------------------------------------------------------------


def console_line(n: Notice, ctx: Context, to: str) -> str:
    """One readable line: who, what, how late, what is expected, who is next."""
    if n.kind == "digest":
        return f"notify #{n.outbox_id} to {to}: {_p(n, 'title') or 'Weekly hiring digest'}"
    loop = "".join(f" | {label.lower()}: {value}" for label, value in interview_rows(n, ctx))
    return (
        f"notify #{n.outbox_id} to {to}: {headline(n)} | {candidate(n)}, {requisition(n)}, stage "
        f"{_p(n, 'stage') or '-'} | expected: {expected(n)}{loop} | next: {next_escalation(n, ctx)}"
    )
