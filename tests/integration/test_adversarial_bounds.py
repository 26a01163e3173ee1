"""Adversarial bounds: out-of-range policies, settings and numbers, and a busy database, end in a clear refusal."""

import logging
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, update

from hiring import service
from hiring.sla import sweep
from models.tables import Timer
from states.intake import NewCandidate
from states.policy import Policy, parse_policy
from tests.support import payloads
from tests.support.api import AUTH, client
from tests.support.procs import HIRING, Result, hiring_env
from tests.support.sla import timer

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 18 days after T0: every first timer of T0 is overdue


def hiring(args: list[str], db_url: str, cwd: Path, timeout: float = 60, **env: str) -> Result:
    """`hiring ARGS` in a subprocess with HIRING_NOW=NOW and extra HIRING_* settings."""
    full = {**hiring_env(db_url, NOW), **env}
    proc = subprocess.run([HIRING, *args], env=full, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def refused(result: Result, code: int, *names: str) -> None:
    """A refusal with `code` that names each of `names`, without a traceback or "unexpected"."""
    assert result.code == code, str(result)
    assert "Traceback" not in result.err and "unexpected" not in result.err, str(result)
    for name in names:
        assert name in result.err, f"{name!r} not named:\n{result}"


# --- bad policies (issue 10, item 3) -----------------------------------------------------------------


@dataclass(frozen=True)
class BadPolicy:
    id: str
    text: str
    names: tuple[str, ...]  # what the refusal must name: the key, and what is allowed


BAD_POLICIES = [
    BadPolicy("duration_999999999d", "durations: {screen_decision: 999999999d}\n",
              ("durations.screen_decision", "3650")),
    BadPolicy("duration_hours_huge", "durations: {decision: 90000}\n", ("durations.decision", "3650")),
    BadPolicy("ladder_level_3_huge", "ladder: {level_3_after: 3000000d}\n", ("ladder.level_3_after", "3650")),
    BadPolicy("requisition_ladder_huge", 'requisitions:\n  "1":\n    ladder: {level_3_after: 3000000d}\n',
              ("requisitions.1.ladder.level_3_after", "3650")),
    BadPolicy("role_profile_duration_huge",
              "role_profiles:\n  applied_ai_engineer:\n    durations: {debrief: 4000d}\n",
              ("role_profiles.applied_ai_engineer.durations.debrief", "3650")),
    BadPolicy("retention_huge", "retention:\n  erase_after: {rejected: 99999d}\n",
              ("retention.erase_after.rejected", "3650")),
    BadPolicy("level_3_before_level_2", "ladder: {level_2_after: 72h, level_3_after: 24h}\n",
              ("level_3_after", "level_2_after")),
    BadPolicy("requisition_level_3_before_default_level_2", 'requisitions:\n  "1":\n    ladder: {level_3_after: 1h}\n',
              ("requisitions.1.ladder", "level_3_after", "level_2_after")),
    BadPolicy("ats_job_requisition_huge", "ats:\n  jobs: {'274075': 9223372036854775808}\n",
              ("ats.jobs.274075.requisition",)),
]  # fmt: skip


@SQLITE_ONLY
@pytest.mark.parametrize("case", BAD_POLICIES, ids=lambda c: c.id)
def test_policy_out_of_range_is_refused_at_start(case: BadPolicy, db_url: str, candidate: Any, tmp_path: Path) -> None:
    candidate()  # timers exist: the policy must be refused before any sweep touches them
    (tmp_path / "policy.yaml").write_text(case.text)
    refused(hiring(["sweep"], db_url, tmp_path, HIRING_POLICY_FILE="policy.yaml"), 2, *case.names)


def test_ladder_bound_is_inclusive_at_3650_days() -> None:
    policy = parse_policy({"durations": {"screen_decision": "3650d"}, "ladder": {"level_3_after": "3650d"}})
    assert policy.ladder.level_3_after == timedelta(days=3650)


@dataclass(frozen=True)
class BadTimer:
    id: str
    due_at: datetime  # written straight into the row, as an older version or a hand edit could leave it


BAD_TIMERS = [
    BadTimer("due_at_end_of_time", datetime(9999, 12, 31, 12, 0, tzinfo=UTC)),
    BadTimer("due_at_one_day_before_end", datetime(9999, 12, 30, 12, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize("case", BAD_TIMERS, ids=lambda c: c.id)
def test_one_bad_timer_never_blocks_the_sweep(
    case: BadTimer, engine: Engine, candidate: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bad, good = candidate(), candidate()
    bad_timer = timer(engine, bad, "screen_decision")
    with engine.begin() as conn:
        conn.execute(
            update(Timer)
            .where(Timer.id == bad_timer.id)  # type: ignore[arg-type]
            .values(due_at=case.due_at, next_fire_at=NOW - timedelta(hours=1))
        )
    with caplog.at_level(logging.WARNING, logger="hiring.sweep"):
        fired = sweep(engine, NOW, Policy())
    assert {f.candidate_id for f in fired} == {good}, "the good timer fires, the bad one is skipped"
    assert any(f"timer {bad_timer.id}" in r.getMessage() for r in caplog.records), caplog.text
    assert timer(engine, good, "screen_decision").next_level is None  # every level of it fired
    parked = timer(engine, bad, "screen_decision")
    assert parked.status == "open" and parked.next_fire_at is None, "off the schedule, so no sweep trips on it again"
    assert sweep(engine, NOW + timedelta(days=1), Policy()) == []


# --- hold and resume under business time (issue 10, item 7) -------------------------------------------

BERLIN = {"business_time": True, "timezone": "Europe/Berlin"}


@dataclass(frozen=True)
class HoldCase:
    id: str
    calendar: dict[str, Any]
    opened: str  # local times in the calendar's zone
    held: str
    resumed: str
    due_before: str
    due_after: str


HOLDS = [
    # The issue: 2d20h of business time remain at the hold, and remain after the resume.
    HoldCase("berlin_friday_to_monday", BERLIN, "2026-03-04 12:00", "2026-03-06 16:00", "2026-03-09 10:00",
             "2026-03-11 12:00", "2026-03-12 06:00"),
    HoldCase("berlin_held_and_resumed_on_a_weekend", BERLIN, "2026-03-04 12:00", "2026-03-07 10:00",
             "2026-03-08 18:00", "2026-03-11 12:00", "2026-03-11 12:00"),
    # Held 2d8h of working time overdue: resumed 2d8h overdue.
    HoldCase("berlin_held_while_overdue", BERLIN, "2026-03-04 12:00", "2026-03-13 20:00", "2026-03-16 10:00",
             "2026-03-11 12:00", "2026-03-12 02:00"),
    # Wall-clock time: the due time moves by the time on hold, as before.
    HoldCase("wall_clock", {}, "2026-03-04 12:00", "2026-03-06 16:00", "2026-03-09 10:00",
             "2026-03-09 12:00", "2026-03-12 06:00"),
]  # fmt: skip


@pytest.mark.parametrize("case", HOLDS, ids=lambda c: c.id)
def test_resume_keeps_the_working_time_left_at_the_hold(case: HoldCase, engine: Engine, open_requisition: int) -> None:
    from zoneinfo import ZoneInfo

    policy = parse_policy({"calendar": case.calendar} if case.calendar else {})
    zone = ZoneInfo(case.calendar.get("timezone", "UTC"))

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)

    person = NewCandidate.model_validate(payloads.new_candidate(open_requisition))
    [cid] = service.add_candidates(engine, [person], actor="test", now=at(case.opened), policy=policy)
    assert timer(engine, cid, "screen_decision").due_at == at(case.due_before)
    for trigger, when in (("hold", at(case.held)), ("resume", at(case.resumed))):
        service.apply_event(
            engine, cid, trigger, payloads.reason(), actor="test", occurred_at=when, now=when, policy=policy
        )
    resumed = timer(engine, cid, "screen_decision")
    assert resumed.due_at == at(case.due_after)
    cal = policy.cal()
    window = cal.between(at(case.opened), at(case.due_before))
    assert cal.between(resumed.window_start, resumed.due_at) == window, "the window keeps its working length"


# --- bad settings (issue 10, item 10) -----------------------------------------------------------------


@dataclass(frozen=True)
class BadSetting:
    id: str
    name: str
    value: str
    allowed: str  # a fragment of what the refusal says is allowed


BAD_SETTINGS = [
    BadSetting("claim_timeout_zero", "HIRING_DISPATCH_CLAIM_TIMEOUT_SECONDS", "0", "greater than or equal to 1"),
    BadSetting("claim_timeout_negative", "HIRING_DISPATCH_CLAIM_TIMEOUT_SECONDS", "-300", "greater than or equal"),
    BadSetting("claim_timeout_not_a_number", "HIRING_DISPATCH_CLAIM_TIMEOUT_SECONDS", "soon", "integer"),
    BadSetting("batch_size_zero", "HIRING_DISPATCH_BATCH_SIZE", "0", "greater than or equal to 1"),
    BadSetting("batch_size_huge", "HIRING_DISPATCH_BATCH_SIZE", str(2**63), "less than or equal"),
    BadSetting("max_attempts_zero", "HIRING_DISPATCH_MAX_ATTEMPTS", "0", "greater than or equal to 1"),
    BadSetting("timezone_unknown", "HIRING_TIMEZONE", "Mars/Olympus_Mons", "IANA"),
    BadSetting("now_not_a_time", "HIRING_NOW", "yesterday", "ISO 8601"),
    BadSetting("now_year_9999", "HIRING_NOW", "9999-12-31T23:00:00Z", "between 1970 and 2999"),
    BadSetting("database_url_not_a_url", "HIRING_DATABASE_URL", "hiring.db", "sqlite:///"),
    BadSetting("database_url_other_backend", "HIRING_DATABASE_URL", "mysql://u@h/db", "postgresql"),
    BadSetting("smtp_port_out_of_range", "HIRING_SMTP_PORT", "70000", "less than or equal to 65535"),
    BadSetting("smtp_security_unknown", "HIRING_SMTP_SECURITY", "tls", "starttls"),
    BadSetting("smtp_host_blank", "HIRING_SMTP_HOST", "mail example com", "host name"),
    BadSetting("email_from_not_an_address", "HIRING_EMAIL_FROM", "hiring pipeline", "address"),
    BadSetting("email_from_header_injection", "HIRING_EMAIL_FROM", "a@b.example\r\nBcc: x@y.example", "address"),
    BadSetting("digest_not_a_bool", "HIRING_DIGEST", "maybe", "bool"),
    BadSetting("ats_link_not_http", "HIRING_ATS_LINK_TEMPLATE", "javascript:alert(1)//{candidate_id}", "http"),
    BadSetting("ats_link_unknown_field", "HIRING_ATS_LINK_TEMPLATE", "https://ats.example/{candidate_name}",
               "candidate_id"),
    BadSetting("slack_base_url_not_http", "HIRING_SLACK_BASE_URL", "ftp://slack.example", "http"),
    BadSetting("slack_webhook_not_http", "HIRING_SLACK_WEBHOOK_URL", "hooks.slack.com/services/T/B/x", "https://"),
    BadSetting("slack_token_blank", "HIRING_SLACK_BOT_TOKEN", "   ", "characters"),
    BadSetting("block_name_bad", "HIRING_SLACK_WEBHOOK_BLOCK", "My Block!", "lowercase"),
    BadSetting("head_of_talent_too_long", "HIRING_HEAD_OF_TALENT", "x" * 201, "200"),
    BadSetting("api_port_zero", "HIRING_API_PORT", "0", "greater than or equal to 1"),
    BadSetting("api_host_blank", "HIRING_API_HOST", " ", "host name"),
    BadSetting("api_max_body_huge", "HIRING_API_MAX_BODY_BYTES", str(2**63), "less than or equal"),
    BadSetting("api_tokens_not_json", "HIRING_API_TOKENS", "[not json", "JSON list"),
    BadSetting("busy_timeout_negative", "HIRING_SQLITE_BUSY_TIMEOUT_SECONDS", "-1", "greater than or equal to 0"),
    BadSetting("busy_timeout_inf", "HIRING_SQLITE_BUSY_TIMEOUT_SECONDS", "inf", "finite"),
]  # fmt: skip


SECRETS = {
    "HIRING_SLACK_WEBHOOK_URL",
    "HIRING_SLACK_BOT_TOKEN",
    "HIRING_API_TOKENS",
    "HIRING_SMTP_PASSWORD",
    "HIRING_GREENHOUSE_SECRET",
}


@SQLITE_ONLY
@pytest.mark.parametrize("case", BAD_SETTINGS, ids=lambda c: c.id)
def test_bad_setting_is_refused_at_start(case: BadSetting, db_url: str, tmp_path: Path) -> None:
    env = {case.name: case.value}
    if case.name != "HIRING_DATABASE_URL":
        env["HIRING_DATABASE_URL"] = db_url
    if case.name != "HIRING_NOW":
        env["HIRING_NOW"] = NOW.isoformat()
    result = hiring(["sla", "--json"], db_url, tmp_path, **env)  # a command that uses none of them
    refused(result, 2, case.name, case.allowed)
    if case.name in SECRETS and case.value.strip():
        assert case.value not in result.err, "a secret is never echoed"


# --- bad numbers (issue 10, item 10) ------------------------------------------------------------------

BOMB = "".join(
    [f"a0: &a0 [{', '.join(['x'] * 9)}]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)]
    + ["note: [" + ", ".join(["*a8"] * 9) + "]\n"]
)


@dataclass(frozen=True)
class BadNumber:
    id: str
    args: list[str]  # {cid} is the candidate's id
    names: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()
    stage: str = "sourced"
    env: tuple[tuple[str, str], ...] = ()


def _doc(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data)


BAD_NUMBERS = [
    BadNumber("nul_in_a_csv_name", ["candidate", "import", "people.csv"], ("name", "NUL"),
              (("people.csv", "name,email,requisition_id,source\nEve\x00Doe,eve@example.com,1,employee_referral\n"),)),
    BadNumber("serve_interval_inf", ["serve", "--interval", "inf"], ("--interval", "86400")),
    BadNumber("serve_interval_nan", ["serve", "--interval", "nan"], ("--interval",)),
    BadNumber("serve_interval_huge", ["serve", "--interval", "1e300"], ("--interval", "86400")),
    BadNumber("salary_band_2_63", ["role", "add", "--file", "req.yaml"], ("salary_band.min", "2147483647"),
              (("req.yaml", _doc(payloads.requisition(salary_band={"min": 2**63, "max": 2**63,
                                                                   "currency": "EUR"}))),)),
    BadNumber("salary_band_max_2_31", ["role", "add", "--file", "req.yaml"], ("salary_band.max",),
              (("req.yaml", _doc(payloads.requisition(salary_band={"min": 1, "max": 2**31, "currency": "EUR"}))),)),
    BadNumber("offer_base_salary_2_63", ["advance", "{cid}", "make_offer", "--data", "@offer.yaml"],
              ("base_salary", "2147483647"), (("offer.yaml", _doc(payloads.offer(base=2**63))),), "final_decided"),
    BadNumber("take_home_due_year_9999", ["advance", "{cid}", "send_take_home", "--data", "@th.yaml"],
              ("due_at", "2999"),
              (("th.yaml", _doc({**payloads.send_take_home(NOW), "due_at": "9999-12-31T00:00:00Z"})),), "screened"),
    BadNumber("start_date_year_9999", ["advance", "{cid}", "accept_offer", "--data", '{"start_date": "9999-12-01"}'],
              ("start_date", "2999"), (), "offer"),
    BadNumber("outbox_limit_2_63", ["outbox", "--limit", str(2**63)], ("--limit", "1000")),
    BadNumber("outbox_retry_id_2_63", ["outbox", "retry", str(2**63)], ("ID", "2147483647")),
    BadNumber("candidate_list_req_2_63", ["candidate", "list", "--req", str(2**63)], ("--req", "2147483647")),
    BadNumber("role_open_id_2_63", ["role", "open", str(2**63)], ("ID", "2147483647")),
    BadNumber("api_port_70000", ["api", "--port", "70000"], ("--port", "65535")),
    BadNumber("advance_yaml_alias_bomb", ["advance", "{cid}", "screen", "--data", "@bomb.yaml"],
              ("bomb.yaml", "alias"), (("bomb.yaml", BOMB),)),
    BadNumber("role_add_yaml_alias_bomb", ["role", "add", "--file", "bomb.yaml"], ("bomb.yaml", "alias"),
              (("bomb.yaml", BOMB),)),
    BadNumber("policy_yaml_alias_bomb", ["sla"], ("bomb.yaml", "alias"), (("bomb.yaml", BOMB),),
              env=(("HIRING_POLICY_FILE", "bomb.yaml"),)),
    BadNumber("people_import_yaml_alias_bomb", ["people", "import", "bomb.yaml"], ("bomb.yaml", "alias"),
              (("bomb.yaml", BOMB),)),
]  # fmt: skip


def _to_stage(drive: Any, cid: int, stage: str) -> None:
    if stage == "final_decided":  # in final with every interview part recorded: make_offer is allowed
        drive.to(cid, "final")
        for part in payloads.INTERVIEW_PARTS:
            drive(cid, "record_interview", payloads.record_interview(part))
    elif stage != "sourced":
        drive.to(cid, stage)


@pytest.mark.parametrize("case", BAD_NUMBERS, ids=lambda c: c.id)
def test_number_out_of_range_is_refused(
    case: BadNumber, db_url: str, candidate: Any, drive: Any, tmp_path: Path
) -> None:
    cid = candidate()
    _to_stage(drive, cid, case.stage)
    for name, text in case.files:
        (tmp_path / name).write_text(text)
    args = [a.replace("{cid}", str(cid)) for a in case.args]
    refused(hiring(args, db_url, tmp_path, timeout=30, **dict(case.env)), 2, *case.names)


@pytest.mark.parametrize("band", [2**63, 2**31], ids=["2_63", "2_31"])
def test_api_refuses_an_offer_out_of_range_with_422(band: int, engine: Engine, candidate: Any, drive: Any) -> None:
    cid = candidate()
    _to_stage(drive, cid, "final_decided")
    with client(engine) as api:
        resp = api.post(
            f"/candidates/{cid}/events",
            headers=AUTH,
            json={"trigger": "make_offer", "payload": payloads.offer(base=band)},
        )
    assert resp.status_code == 422, resp.text
    assert any(e["field"] == "payload.base_salary" for e in resp.json()["errors"]), resp.text


# --- a busy database (issue 10, item 15) ---------------------------------------------------------------

HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")  # the write lock, held until stdin closes
print("locked", flush=True)
sys.stdin.read()
conn.rollback()
"""


@dataclass(frozen=True)
class BusyWrite:
    id: str
    args: list[str]  # {cid}: a candidate's id


BUSY_WRITES = [
    BusyWrite("advance", ["advance", "{cid}", "hold", "--data", '{"reason": "travel"}']),
    BusyWrite(
        "candidate_add",
        ["candidate", "add", "--name", "Bo", "--email", "bo@example.com", "--req", "1", "--source", "inbound"],
    ),
    BusyWrite("sweep", ["sweep"]),
]


class LockHolder:
    """Another real process holding SQLite's write lock until `release()`."""

    def __init__(self, db_url: str) -> None:
        path = db_url.removeprefix("sqlite:///")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout and self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        self.proc.communicate(timeout=10)


@SQLITE_ONLY
@pytest.mark.parametrize("case", BUSY_WRITES, ids=lambda c: c.id)
def test_busy_database_is_exit_3_retry(case: BusyWrite, db_url: str, candidate: Any, tmp_path: Path) -> None:
    cid = candidate()
    holder = LockHolder(db_url)
    try:
        args = [a.replace("{cid}", str(cid)) for a in case.args]
        result = hiring(args, db_url, tmp_path, timeout=30, HIRING_SQLITE_BUSY_TIMEOUT_SECONDS="0.5")
    finally:
        holder.release()
    refused(result, 3, "database is busy", "retry")
    assert hiring(args, db_url, tmp_path, timeout=30).code == 0, "after the lock is released the write succeeds"


@SQLITE_ONLY
def test_busy_database_is_503_with_retry_after(db_url: str, candidate: Any) -> None:
    from fastapi.testclient import TestClient

    from hiring.api.app import create_app
    from tests.support.api import settings

    cid = candidate()
    app = create_app(None, settings(database_url=db_url, sqlite_busy_timeout_seconds=0.5))
    holder = LockHolder(db_url)
    try:
        with TestClient(app, raise_server_exceptions=False) as api:
            resp = api.post(
                f"/candidates/{cid}/events", headers=AUTH, json={"trigger": "hold", "payload": payloads.reason()}
            )
    finally:
        holder.release()
    assert resp.status_code == 503, resp.text
    assert resp.headers.get("Retry-After") and "busy" in resp.json()["detail"]
