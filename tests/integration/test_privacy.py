"""Erasure and retention: personal data gone everywhere, anonymous facts kept, nobody notified about an
erased candidate, the retention rule from the policy file, and the CLI commands."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select, update
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

import models.tables_integrations  # noqa: F401  (registers the integration tables for the dump below)
from hiring.errors import InvalidInput
from hiring.policy_file import load_policy_file
from hiring.privacy import ERASED, FREE_TEXT, apply_retention, erase, scrub_payload
from hiring.sla import sweep
from models.tables import Outbox, Timer
from models.tables_integrations import Erasure
from states.candidate import replay
from states.policy import parse_policy
from tests.support import payloads
from tests.support.db import candidate_row, events_of, table_counts

NAME, EMAIL = "Zoë Quackenbush", "zoe.quackenbush@example.org"


def everything(engine) -> str:
    """Every row of every table, as text: what a search for a name or an email would find."""
    with Session(engine) as session:
        rows = [dict(r._mapping) for t in SQLModel.metadata.sorted_tables for r in session.execute(select(t)).all()]
    return json.dumps(rows, default=str, ensure_ascii=False)


@pytest.fixture
def zoe(candidate, drive, engine) -> int:
    """A candidate at the offer stage with notes in every event, and escalations waiting in the outbox."""
    cid = candidate(name=NAME, email=EMAIL, external_id="LI-zoe")
    drive.to(cid, "offer")
    return cid


def open_outbox(engine, cid: int, at) -> None:
    """Let deadlines pass and sweep: outbox rows about the candidate (one of them already sent)."""
    sweep(engine, at, channels=frozenset({"console", "email"}))
    with Session(engine) as session, session.begin():
        first = session.execute(select(Outbox.id).where(Outbox.candidate_id == cid).order_by(Outbox.id)).scalar()
        session.execute(
            update(Outbox)
            .where(Outbox.id == first)
            .values(
                status="sent",
                sent_at=at,  # type: ignore[arg-type]
                last_error=f"bounced for {EMAIL}",
            )
        )


def test_erasure_removes_name_email_notes_and_free_text_everywhere_and_keeps_the_facts(engine, zoe, clock) -> None:
    late = clock.tick(days=30)
    open_outbox(engine, zoe, late)
    assert NAME in everything(engine) and EMAIL in everything(engine)
    before = events_of(engine, zoe)
    cand_before = candidate_row(engine, zoe)

    result = erase(engine, zoe, "dpo@company", now=clock.tick())

    dump = everything(engine)
    for secret in (
        NAME,
        EMAIL,
        "LI-zoe",
        "shipped an eval harness",
        "walked through the retrieval fallback",
        "defended the cache",
        "head of ML platform",
        "solid",
        "git.example.com",
    ):
        assert secret not in dump, secret
    cand = candidate_row(engine, zoe)
    assert (cand["name"], cand["email"], cand["external_id"]) == (ERASED, "", None)
    for key in ("stage", "version", "source", "requisition_id", "interview_parts", "last_event_at", "created_at"):
        assert cand[key] == cand_before[key], key
    after = events_of(engine, zoe)
    assert [(e.trigger, e.from_stage, e.to_stage, e.occurred_at, e.seq) for e in after] == [
        (e.trigger, e.from_stage, e.to_stage, e.occurred_at, e.seq) for e in before
    ]
    by_trigger = {e.trigger: e.payload for e in after}
    assert by_trigger["screen"] == {**payloads.screen(), "note": ERASED}  # the ratings stay
    assert by_trigger["make_offer"]["base_salary"] == 135_000 and by_trigger["make_offer"]["currency"] == "EUR"
    assert by_trigger["make_offer"]["first_year_outcomes"] == [ERASED]
    assert by_trigger["source"] == {"source": "employee_referral", "motivators": payloads.MOTIVATORS}  # codes stay
    assert by_trigger["make_offer"]["ownership"] == ERASED
    # The scrubbed log still replays to the same state: reports and audits keep working.
    replayed = replay([(e.trigger, e.payload, e.occurred_at) for e in after], payloads.BAND)
    assert replayed.stage.value == cand["stage"] and sorted(replayed.interview_parts) == cand["interview_parts"]

    assert result.events_scrubbed == sum(b.payload != a.payload for b, a in zip(before, after, strict=True)) >= 8
    with Session(engine) as session:
        rows = list(session.execute(select(Outbox).where(Outbox.candidate_id == zoe)).scalars())
        open_timers = session.execute(select(Timer).where(Timer.candidate_id == zoe, Timer.status == "open")).all()
        erasure = session.execute(select(Erasure)).scalar_one()
    assert [r.status for r in rows] == ["sent"]  # unsent notifications about her are gone
    assert "candidate_name" not in rows[0].payload and EMAIL not in (rows[0].last_error or "")  # ids only
    assert open_timers == []
    assert (erasure.candidate_id, erasure.erased_by, erasure.reason) == (zoe, "dpo@company", "request")
    assert (erasure.outbox_cancelled, erasure.outbox_scrubbed) == (result.outbox_cancelled, 1)
    assert result.outbox_cancelled >= 1 and result.timers_cancelled >= 1


def test_every_free_text_field_of_every_trigger_is_scrubbed() -> None:
    assert FREE_TEXT["screen"] == {"note", "override_reason"}
    assert FREE_TEXT["technical_screen"] == {"notes"}  # the interviewer is staff, by handle: it stays
    assert FREE_TEXT["reject"] == {"note"}  # the reason is a fixed vocabulary: it stays for the reports
    assert FREE_TEXT["record_interview"] == {"interviewer", "notes"}  # the recommendation is a fixed vocabulary
    assert FREE_TEXT["cancel_interview"] == {"reason"}
    assert FREE_TEXT["schedule_interview"] == frozenset()  # a directory handle and times
    assert FREE_TEXT["reschedule_interview"] == frozenset()  # an optional directory handle is a code too
    assert FREE_TEXT["make_offer"] == {
        "equity",
        "reporting_line",
        "first_year_outcomes",
        "ownership",
        "terms",
        "band_exception_approved_by",
    }
    offer, changed = scrub_payload("make_offer", "final", payloads.offer())
    assert changed and offer["ownership"] == ERASED
    assert offer["terms"] == {"flexible": [ERASED], "fixed": [ERASED]}
    assert offer["base_salary"] == payloads.offer()["base_salary"]
    assert FREE_TEXT["accept_offer"] == frozenset()
    scrubbed, changed = scrub_payload("complete_checkpoint", "onboarding_60", {"project": "p", "status": "s"})
    assert changed and scrubbed == {"project": ERASED, "status": ERASED}
    assert scrub_payload("reject", "screened", payloads.reject()) == ({"reason": "skills_gap", "note": ERASED}, True)


def test_erasure_scrubs_a_screen_override_reason_and_the_log_still_replays(engine, candidate, drive, clock) -> None:
    cid = candidate(name=NAME, email=EMAIL)
    reason = "Zoe's former manager vouches for her"
    drive(cid, "screen", {**payloads.screen(), "owned_delivery": 1, "override_reason": reason})
    drive(cid, "technical_screen")
    erase(engine, cid, "dpo", now=clock.tick())
    assert reason not in everything(engine)
    after = events_of(engine, cid)
    screen = next(e.payload for e in after if e.trigger == "screen")
    assert (screen["override_reason"], screen["owned_delivery"]) == (ERASED, 1)  # still an override, for the report
    technical = next(e.payload for e in after if e.trigger == "technical_screen")
    assert technical == {**payloads.technical_screen(), "notes": ERASED}  # the interviewer's handle stays
    replayed = replay([(e.trigger, e.payload, e.occurred_at) for e in after], payloads.BAND)
    assert replayed.stage.value == "screened" and replayed.technical_screen_done


def test_an_erased_candidate_is_never_notified_about_again(engine, zoe, clock) -> None:
    erase(engine, zoe, "dpo", now=clock.tick())
    escalations_before = table_counts(engine)["escalation"]
    fired = sweep(engine, clock.tick(days=60), channels=frozenset({"console"}))
    assert [f for f in fired if f.candidate_id == zoe] == []
    assert table_counts(engine)["escalation"] == escalations_before
    with Session(engine) as session:
        pending = session.execute(select(Outbox).where(Outbox.candidate_id == zoe, Outbox.status == "pending")).all()
    assert pending == []


def test_erasing_twice_changes_nothing_the_second_time(engine, zoe, clock) -> None:
    first = erase(engine, zoe, "dpo", now=clock.tick())
    snapshot = everything(engine)
    second = erase(engine, zoe, "someone-else", now=clock.tick())
    assert second.already and (second.erased_by, second.erased_at) == ("dpo", first.erased_at)
    assert everything(engine) == snapshot


def test_erasure_needs_an_actor_and_a_known_candidate(engine, zoe) -> None:
    from hiring.errors import NotFound

    with pytest.raises(InvalidInput, match="--by"):
        erase(engine, zoe, "  ")
    with pytest.raises(NotFound):
        erase(engine, 999, "dpo")


def test_reports_still_count_an_erased_candidate(engine, zoe, candidate, clock) -> None:
    metrics = pytest.importorskip("hiring.reports.metrics")
    other = candidate()
    before = metrics.pipeline_report(engine, now=clock.tick(days=1))
    erase(engine, zoe, "dpo", now=clock.tick())
    after = metrics.pipeline_report(engine, now=clock.now)
    assert after["scope"]["candidates"] == before["scope"]["candidates"] == 2
    assert after["funnel"] == before["funnel"]
    assert after["offers"]["made"] == 1 and other


def test_the_api_refuses_new_events_about_an_erased_candidate(engine, zoe, T0, monkeypatch) -> None:
    from tests.support.api import AUTH, client

    monkeypatch.setenv("HIRING_NOW", (T0 + timedelta(days=2)).isoformat())
    with client(engine) as api:
        api.headers.update(AUTH)
        resp = api.post(f"/candidates/{zoe}/erasure", json={"by": "dpo"})
        assert resp.status_code == 200 and resp.json()["erased_by"] == "dpo"
        shown = api.get(f"/candidates/{zoe}").json()
        assert (shown["name"], shown["erased"]) == (ERASED, True)
        before = table_counts(engine)
        resp = api.post(f"/candidates/{zoe}/events", json={"trigger": "hold", "payload": payloads.reason()})
        assert resp.status_code == 409 and "erased" in resp.json()["detail"]
        assert resp.json()["allowed_triggers"] == []
        assert table_counts(engine) == before


# --- retention ----------------------------------------------------------------------------------


def test_the_retention_rule_erases_rejected_candidates_180_days_after_their_last_event(
    engine, candidate, drive, clock, T0
) -> None:
    policy = parse_policy({"retention": {"erase_after": {"rejected": "180d", "withdrawn": "30d"}}})
    rejected, active, withdrawn = candidate(), candidate(), candidate()
    drive.to(rejected, "rejected")
    last = clock.now
    drive(active, "screen")
    early = apply_retention(engine, last + timedelta(days=29), policy)
    assert early.count == 0
    drive.to(withdrawn, "withdrawn")
    preview = apply_retention(engine, last + timedelta(days=181), policy, dry_run=True)
    assert preview.erased == {"rejected": [rejected], "withdrawn": [withdrawn]} and preview.dry_run
    assert candidate_row(engine, rejected)["name"] != ERASED
    done = apply_retention(engine, last + timedelta(days=181), policy)
    assert done.erased == {"rejected": [rejected], "withdrawn": [withdrawn]}
    assert done.rules == {"rejected": "180d", "withdrawn": "30d"}
    assert candidate_row(engine, rejected)["name"] == ERASED
    assert candidate_row(engine, active)["name"] != ERASED
    with Session(engine) as session:
        reasons = dict(session.execute(select(Erasure.candidate_id, Erasure.reason)).all())
        by = set(session.execute(select(Erasure.erased_by)).scalars())
    assert reasons == {rejected: "retention: rejected after 180d", withdrawn: "retention: withdrawn after 30d"}
    assert by == {"retention-policy"}
    assert apply_retention(engine, last + timedelta(days=400), policy).count == 0  # nobody twice


def test_without_a_retention_rule_nobody_is_erased(engine, candidate, drive, clock) -> None:
    cid = candidate()
    drive.to(cid, "rejected")
    assert apply_retention(engine, clock.tick(days=5000), parse_policy({})).count == 0


def test_the_policy_file_names_every_bad_integration_setting(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "retention:\n  erase_after: {screened: 10d, rejected: 0d}\n"
        "ats:\n  jobs: {274075: {requisition: 0}}\n"
        "  stages:\n    Phone Screen: screne\n    Take Home: {trigger: send_take_home, payload: {colour: red}}\n"
        "    Debrief: {trigger: reject, due_in: 5d}\n"
        "  sources: {LinkedIn: carrier_pigeon}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as info:
        load_policy_file(path)
    message = str(info.value)
    for expected in (
        "retention.erase_after",
        "screened",
        "ats.jobs.274075.requisition",
        "Phone Screen",
        "unknown trigger 'screne'",
        "colour",
        "due_in applies only",
        "ats.sources.LinkedIn",
    ):
        assert expected in message, expected


def test_a_good_policy_file_with_mapping_and_retention_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        '[retention.erase_after]\nrejected = "180d"\n\n[ats.jobs]\n"274075" = 3\n\n[ats.stages]\n'
        '"Face to Face" = "advance_to_final"\n\n[ats.stages."Take Home Test"]\ntrigger = "send_take_home"\n'
        'due_in = "5d"\npayload = {title = "RAG triage", role_profile = "ml_engineer"}\n',
        encoding="utf-8",
    )
    policy = load_policy_file(path)
    assert policy.retention.erase_after[next(iter(policy.retention.erase_after))] == timedelta(days=180)
    assert policy.ats.job(274075).requisition == 3
    known, rule = policy.ats.stage_rule("Take Home Test")
    assert known and rule.trigger == "send_take_home" and rule.due_in == timedelta(days=5)
    assert policy.ats.stage_rule("Unknown") == (False, None)


# --- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def cli(db_url, monkeypatch, tmp_path):
    from hiring.cli import integrations
    from tests.support.procs import clear_cached_settings

    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  erase_after: {rejected: 180d}\n", encoding="utf-8")
    monkeypatch.setenv("HIRING_DATABASE_URL", db_url)
    monkeypatch.setenv("HIRING_POLICY_FILE", str(policy))
    clear_cached_settings()
    app = typer.Typer()
    integrations.register(app)
    runner = CliRunner()

    def run(*args: str, now: Any = None) -> Any:
        if now is not None:
            monkeypatch.setenv("HIRING_NOW", now.isoformat())
        return runner.invoke(app, list(args))

    return run


def test_hiring_erase_and_retention_commands(cli, engine, candidate, drive, clock) -> None:
    zoe = candidate(name=NAME, email=EMAIL)
    out = cli("erase", str(zoe), "--by", "dpo", "--json", now=clock.tick())
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["erased_by"] == "dpo"
    again = cli("erase", str(zoe), "--by", "dpo")
    assert again.exit_code == 0 and "already erased" in again.output
    assert cli("erase", str(zoe)).exit_code == 2  # --by is required
    rejected = candidate()
    drive.to(rejected, "rejected")
    preview = cli("retention", "--dry-run", now=clock.tick(days=200))
    assert preview.exit_code == 0 and f"rejected (after 180d): 1 due for erasure: {rejected}" in preview.output
    done = cli("retention", "--json")
    assert json.loads(done.output)["erased"] == {"rejected": [rejected]}


def test_hiring_webhooks_lists_deliveries_and_the_unmapped(cli, engine, open_requisition, T0, monkeypatch) -> None:
    from tests.support.api import client, deliver, delivery, gh_policy

    monkeypatch.setenv("HIRING_NOW", (T0 + timedelta(days=1)).isoformat())
    with client(engine, gh_policy(open_requisition)) as api:
        deliver(api, delivery("new_candidate_application"), event_id="e1")
        deliver(api, delivery("candidate_stage_change", stage="Hiring Manager Chat"), event_id="e2")
        deliver(api, delivery("new_candidate_application", app_id=5, job_id=4242), event_id="e3")
    out = cli("webhooks", "--unmapped", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [(e["kind"], e["value"]) for e in data["unmapped"]] == [("job", "4242"), ("stage", "Hiring Manager Chat")]
    assert {d["event_id"] for d in data["deliveries"]} == {"e2", "e3"}
    table = cli("webhooks", "--unmapped")
    assert "Hiring Manager Chat" in table.output and "4242" in table.output
    listing = cli("webhooks", "--json")
    assert [d["event_id"] for d in json.loads(listing.output)["deliveries"]] == ["e3", "e2", "e1"]
    assert NAME not in listing.output and "jose" not in listing.output.lower()


def test_the_commands_are_registered_on_the_hiring_command() -> None:
    from hiring.cli import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands}  # type: ignore[union-attr]
    if "erase" not in names:
        pytest.skip("hiring/cli/__init__.py does not call integrations.register(app) yet")
    assert {"api", "webhooks", "erase", "retention"} <= names
