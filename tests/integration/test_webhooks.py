"""Greenhouse webhooks through the real route: signatures on the raw bytes (Unicode escapes included),
Greenhouse-Event-ID deduplication, the policy's ATS mapping, and every delivery recorded, never a 500."""

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from hiring.queries.deliveries import list_deliveries, unmapped_summary
from hiring.webhooks import sign, verify_signature
from models.tables import Candidate
from models.tables_integrations import AtsApplication, Erasure, WebhookDelivery
from tests.support import payloads
from tests.support.api import (
    APP,
    JOB,
    SECRET,
    application,
    client,
    deliver,
    delivery,
    gh_policy,
    greenhouse_body,
    offer_created,
    signature,
)
from tests.support.db import candidate_row, events_of, table_counts


@pytest.fixture
def now(T0, monkeypatch):
    """Delivery time (HIRING_NOW): a day after the fixtures' events. `now.set(delta)` moves it."""

    class Now:
        value = T0 + timedelta(days=1)

        def set(self, **delta: float):
            self.value = T0 + timedelta(days=1, **delta)
            monkeypatch.setenv("HIRING_NOW", self.value.isoformat())
            return self.value

    clock = Now()
    clock.set()
    return clock


@pytest.fixture
def api(engine, open_requisition, now) -> Iterator[TestClient]:
    with client(engine, gh_policy(open_requisition)) as c:
        yield c


def deliveries(engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def the_candidate(engine) -> Candidate:
    with Session(engine) as session:
        [cand] = session.execute(select(Candidate)).scalars().all()
        return cand


def ats_app(engine, app_id: int = APP) -> AtsApplication:
    with Session(engine) as session:
        return session.execute(select(AtsApplication).where(AtsApplication.application_id == str(app_id))).scalar_one()


# --- signatures ---------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_raw_body_as_greenhouse_documents_it() -> None:
    body = greenhouse_body({"action": "ping", "payload": {"note": "<p>hello</p> José"}})
    assert b"\\u003cp\\u003ehello\\u003c/p\\u003e Jos\\u00e9" in body
    assert sign(SECRET, body) == signature(body)
    assert verify_signature(SECRET, body, signature(body))
    assert verify_signature(SECRET, body, signature(body).upper())  # "SHA256 <HEX>" is the same signature
    reencoded = json.dumps(json.loads(body), ensure_ascii=False).encode()  # same JSON, Unicode unescaped
    assert json.loads(reencoded) == json.loads(body)
    assert not verify_signature(SECRET, reencoded, signature(body))
    for header in (
        None,
        "",
        "sha256",
        "sha256 ",
        "sha1 " + signature(body)[7:],
        "sha256=" + signature(body)[7:],
        signature(body)[:-1],
        "sha256 ☃" + signature(body)[8:],
        "sha256 " + "0" * 64,
    ):
        assert not verify_signature(SECRET, body, header), header
    assert not verify_signature("", body, signature(body, ""))


def test_a_delivery_signed_over_escaped_unicode_is_accepted_and_decoded(api, engine) -> None:
    resp = deliver(api, delivery("new_candidate_application"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "applied"
    cand = the_candidate(engine)
    assert (cand.name, cand.email) == ("José Müller <Jr.>", "jose.muller@example.com")


@pytest.mark.parametrize("how", ["missing", "wrong secret", "body changed", "unicode re-encoded", "github style"])
def test_a_bad_or_missing_signature_is_401_and_writes_nothing(api, engine, how) -> None:
    body = greenhouse_body(delivery("new_candidate_application"))
    headers: dict[str, Any] = {
        "missing": {"sig": ""},
        "wrong secret": {"secret": "not-the-secret"},
        "body changed": {"sig": signature(body.replace(b"Application Review", b"Offer"))},
        "unicode re-encoded": {"sig": signature(json.dumps(json.loads(body), ensure_ascii=False).encode())},
        "github style": {"sig": "sha256=" + signature(body)[7:]},
    }[how]
    before = table_counts(engine)
    resp = deliver(api, body, **headers)
    assert resp.status_code == 401
    assert resp.json()["error"] == "unauthorized"
    assert table_counts(engine) == before


def test_without_a_configured_secret_every_delivery_is_401(engine, open_requisition, now) -> None:
    with client(engine, gh_policy(open_requisition), greenhouse_secret=None) as api:
        resp = deliver(api, delivery("new_candidate_application"))
    assert resp.status_code == 401 and "HIRING_GREENHOUSE_SECRET" in resp.json()["detail"]


def test_the_webhook_needs_no_bearer_token(api) -> None:
    assert "Authorization" not in api.headers
    assert deliver(api, {"action": "ping", "payload": {"web_hook_id": 1}}).json()["status"] == "ping"


# --- deduplication ------------------------------------------------------------------------------


def test_a_repeated_delivery_is_acknowledged_and_applied_once(api, engine) -> None:
    doc = delivery("new_candidate_application")
    first = deliver(api, doc, event_id="evt-42")
    before = table_counts(engine)
    again = deliver(api, doc, event_id="evt-42")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["duplicate"] is True and again.json()["status"] == "applied"
    assert table_counts(engine) == before
    [row] = deliveries(engine)
    assert (row.event_id, row.repeats) == ("evt-42", 1)
    assert len(events_of(engine, the_candidate(engine).id)) == 1


def test_without_an_event_id_the_body_identifies_the_delivery(api, engine) -> None:
    doc = delivery("new_candidate_application")
    deliver(api, doc, event_id=None)
    assert deliver(api, doc, event_id=None).json()["duplicate"] is True
    assert deliveries(engine)[0].event_id.startswith("sha256:")


# --- applications and stages --------------------------------------------------------------------


def test_a_new_application_creates_the_candidate_in_the_mapped_requisition(api, engine, open_requisition, now) -> None:
    resp = deliver(api, delivery("new_candidate_application"))
    body = resp.json()
    cand = the_candidate(engine)
    assert body["candidate_id"] == cand.id
    assert (cand.requisition_id, cand.stage, cand.source) == (open_requisition, "sourced", "direct_sourcing")
    assert cand.external_id == f"greenhouse:{APP}"
    [ev] = events_of(engine, cand.id)
    assert (ev.actor, ev.occurred_at) == ("greenhouse", now.value)  # the delivery time is the event time
    link = ats_app(engine)
    assert (link.candidate_id, link.ats_candidate_id, link.job_id, link.last_stage) == (
        cand.id,
        "60304594",
        str(JOB),
        "Application Review",
    )
    [row] = deliveries(engine)
    assert (row.status, row.action, row.application_id, row.ats_stage) == (
        "applied",
        "new_candidate_application",
        str(APP),
        "Application Review",
    )
    assert "José" not in (row.detail or "") and "example.com" not in (row.detail or "")


def test_a_stage_change_fires_the_mapped_trigger_at_the_delivery_time(api, engine, drive, now) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    cid = the_candidate(engine).id
    now.set(hours=1)
    drive.clock.now = now.value
    drive(cid, "screen")  # the recruiter scores the screens here; Greenhouse only moves the stage
    drive(cid, "technical_screen")
    sent = now.set(hours=2)
    resp = deliver(api, delivery("candidate_stage_change", stage="Take Home Test"), event_id="e2")
    assert resp.json()["status"] == "applied", resp.text
    ev = events_of(engine, cid)[-1]
    assert (ev.trigger, ev.to_stage, ev.occurred_at, ev.actor) == ("send_take_home", "take_home", sent, "greenhouse")
    assert ev.payload["due_at"] == (sent + timedelta(days=5)).isoformat().replace("+00:00", "Z")
    assert ev.idempotency_key == "greenhouse:e2"
    row = deliveries(engine)[-1]
    assert (row.previous_stage, row.ats_stage, row.trigger) == (
        "Application Review",
        "Take Home Test",
        "send_take_home",
    )
    assert ats_app(engine).last_stage == "Take Home Test"


def test_the_same_stage_again_is_unchanged_and_writes_no_event(api, engine) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    resp = deliver(api, delivery("candidate_stage_change"), event_id="e2")
    assert resp.json()["status"] == "unchanged"
    assert len(events_of(engine, the_candidate(engine).id)) == 1


def test_a_stage_mapped_to_nothing_only_moves_the_last_known_stage(api, engine) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    resp = deliver(api, delivery("candidate_stage_change", stage="Preliminary Phone Screen"), event_id="e2")
    assert resp.json()["status"] == "unchanged"
    assert ats_app(engine).last_stage == "Preliminary Phone Screen"
    assert the_candidate(engine).stage == "sourced"


def test_an_unmapped_stage_is_recorded_and_reported_and_answered_200(api, engine) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    before = len(events_of(engine, the_candidate(engine).id))
    for n in (2, 3):
        resp = deliver(api, delivery("candidate_stage_change", stage=f"Culture Chat {n - 1}"), event_id=f"e{n}")
        assert resp.status_code == 200 and resp.json()["status"] == "unmapped_stage"
    assert len(events_of(engine, the_candidate(engine).id)) == before
    assert ats_app(engine).last_stage == "Culture Chat 2"
    summary = unmapped_summary(engine)
    assert [(e["kind"], e["value"], e["deliveries"], e["jobs"]) for e in summary] == [
        ("stage", "Culture Chat 1", 1, [str(JOB)]),
        ("stage", "Culture Chat 2", 1, [str(JOB)]),
    ]
    assert [d["status"] for d in list_deliveries(engine, unmapped=True)] == ["unmapped_stage"] * 2


def test_an_unmapped_job_creates_nobody_and_is_reported(api, engine) -> None:
    before = table_counts(engine)["candidate"]
    resp = deliver(api, delivery("new_candidate_application", job_id=999))
    assert resp.status_code == 200 and resp.json()["status"] == "unmapped_job"
    assert table_counts(engine)["candidate"] == before
    [entry] = unmapped_summary(engine)
    assert (entry["kind"], entry["value"], entry["deliveries"]) == ("job", "999", 1)
    with api:
        listed = api.get("/webhooks/unmapped", headers={"Authorization": "Bearer tok-3f9c1d2e8a7b"}).json()
    assert listed[0]["value"] == "999"


def test_a_stage_change_for_an_unknown_application_creates_the_candidate_then_follows_the_stage(api, engine) -> None:
    resp = deliver(api, delivery("candidate_stage_change", stage="Face to Face"))
    body = resp.json()
    assert body["status"] == "refused"  # created, but advance_to_final is not allowed from sourced
    assert "created" in body["detail"] and "advance_to_final" in body["detail"] and "screen" in body["detail"]
    assert the_candidate(engine).stage == "sourced"
    assert ats_app(engine).last_stage == "Face to Face"


def test_a_mapped_trigger_our_rules_refuse_is_recorded_as_refused_with_the_reason(api, engine, candidate) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    cid = the_candidate(engine).id
    before = candidate_row(engine, cid)
    resp = deliver(api, delivery("candidate_stage_change", stage="Take Home Test"), event_id="e2")
    assert resp.status_code == 200
    assert resp.json()["status"] == "refused"
    assert "not allowed from stage 'sourced'" in resp.json()["detail"]
    assert candidate_row(engine, cid) == before


def test_a_candidate_without_an_email_is_refused_naming_the_field(api, engine) -> None:
    doc = delivery("new_candidate_application")
    doc["payload"]["application"]["candidate"]["email_addresses"] = []
    resp = deliver(api, doc, event_id="e2")
    assert resp.json()["status"] == "refused" and "email is missing" in resp.json()["detail"]
    bad = [{"value": "jose@@bad..example", "type": "personal"}]
    doc["payload"]["application"]["candidate"]["email_addresses"] = bad
    resp = deliver(api, doc, event_id="e3")
    assert "email is not valid" in resp.json()["detail"] and "bad..example" not in resp.json()["detail"]


def test_prospects_and_unhandled_actions_are_ignored_but_recorded(api, engine) -> None:
    doc = delivery("new_candidate_application")
    doc["payload"]["application"]["prospect"] = True
    assert deliver(api, doc, event_id="e1").json()["status"] == "ignored"
    assert (
        deliver(api, {"action": "interview_deleted", "payload": {"interview": {"id": 1}}}, event_id="e2").json()[
            "status"
        ]
        == "ignored"
    )
    assert [d.status for d in deliveries(engine)] == ["ignored", "ignored"]


# --- rejection, offers, hiring ------------------------------------------------------------------


def test_reject_maps_the_reason_and_unreject_reopens(api, engine, now) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    cid = the_candidate(engine).id
    reason = {"id": 14, "name": "Too Junior", "type": {"id": 3, "name": "We rejected them"}}
    resp = deliver(api, delivery("reject_candidate", status="rejected", rejection_reason=reason), event_id="e2")
    assert resp.json()["status"] == "applied"
    ev = events_of(engine, cid)[-1]
    assert (ev.trigger, ev.payload) == (
        "reject",
        {"reason": "experience_level", "note": "rejected in Greenhouse: Too Junior"},
    )
    again = delivery("reject_candidate", status="rejected", rejection_reason=reason)
    again["payload"]["application"]["last_activity_at"] = "2026-03-02T15:00:00Z"  # the same body would be a replay
    assert deliver(api, again, event_id="e3").json()["status"] == "unchanged"
    now.set(hours=1)
    unreject = delivery("unreject_candidate")
    unreject["payload"]["application"]["last_activity_at"] = "2026-03-02T16:00:00Z"
    resp = deliver(api, unreject, event_id="e4")
    assert resp.json()["status"] == "applied"
    assert the_candidate(engine).stage == "sourced"


def test_a_rejection_by_the_candidate_is_a_withdrawal(api, engine) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    reason = {"id": 20, "name": "Accepted another offer", "type": {"id": 2, "name": "They rejected us"}}
    deliver(api, delivery("reject_candidate", status="rejected", rejection_reason=reason), event_id="e2")
    assert the_candidate(engine).stage == "withdrawn"
    assert events_of(engine, the_candidate(engine).id)[-1].payload == {
        "reason": "withdrew in Greenhouse (Accepted another offer)"
    }


def to_the_offer(drive, cid: int) -> None:
    """Every step before make_offer: in final with all four interview parts recorded. A Greenhouse candidate
    comes without motivators; the recruiter records them (the fourth part needs them)."""
    from hiring.candidate_details import update_candidate
    from states.intake import CandidateUpdate

    update = CandidateUpdate.model_validate({"motivators": payloads.MOTIVATORS})
    update_candidate(drive.engine, cid, update, actor="rita", now=drive.clock.now)
    for trigger, payload in payloads.path_to("offer")[:-1]:
        drive(cid, trigger, payload)


def test_offer_created_makes_the_offer_and_hire_candidate_accepts_it(api, engine, candidate, drive, now) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    cid = the_candidate(engine).id
    drive.clock.now = now.set(minutes=1)
    to_the_offer(drive, cid)
    now.set(hours=2)
    resp = deliver(api, offer_created(), event_id="e2")
    assert resp.json()["status"] == "applied", resp.text
    ev = events_of(engine, cid)[-1]
    assert ev.trigger == "make_offer"
    assert (ev.payload["base_salary"], ev.payload["currency"], ev.payload["start_date"]) == (
        135000,
        "EUR",
        "2026-06-01",
    )
    now.set(hours=3)
    assert deliver(api, offer_created(amount="140000.0", version=2), event_id="e3").json()["status"] == "applied"
    assert events_of(engine, cid)[-1].trigger == "revise_offer"
    now.set(hours=4)
    hire = delivery(
        "hire_candidate",
        stage="Offer",
        status="hired",
        offer={
            "id": 506409,
            "version": 2,
            "created_at": "2026-03-03T22:49:14Z",
            "sent_at": "2026-03-03",
            "resolved_at": None,
            "starts_at": "2026-06-15",
            "custom_fields": {},
        },
    )
    resp = deliver(api, hire, event_id="e4")
    assert resp.json()["status"] == "applied", resp.text
    cand = candidate_row(engine, cid)
    assert (cand["stage"], cand["start_date"]) == ("onboarding_30", date(2026, 6, 15))
    hire["payload"]["application"]["last_activity_at"] = "2026-03-02T15:00:00Z"  # the same body would be a replay
    assert deliver(api, hire, event_id="e5").json()["status"] == "unchanged"


def test_an_offer_missing_what_our_offer_needs_is_refused_naming_the_fields(
    engine, open_requisition, drive, now
) -> None:
    with client(engine, gh_policy(open_requisition, offer={"payload": {}})) as api:
        deliver(api, delivery("new_candidate_application"), event_id="e1")
        cid = the_candidate(engine).id
        drive.clock.now = now.set(minutes=1)
        to_the_offer(drive, cid)
        now.set(hours=2)
        resp = deliver(api, offer_created(amount=None), event_id="e2")
    assert resp.json()["status"] == "refused"
    for name in ("base_salary", "reporting_line", "first_year_outcomes"):
        assert name in resp.json()["detail"]
    assert the_candidate(engine).stage == "final"


def test_candidate_anonymized_erases_the_candidate(api, engine) -> None:
    deliver(api, delivery("new_candidate_application"), event_id="e1")
    cid = the_candidate(engine).id
    resp = deliver(
        api,
        {
            "action": "candidate_anonymized",
            "payload": {"candidate_id": 60304594, "anonymized_fields": ["full_name", "email_addresses"]},
        },
        event_id="e2",
    )
    assert resp.json()["status"] == "applied"
    cand = the_candidate(engine)
    assert (cand.name, cand.email, cand.external_id) == ("[erased]", "", None)
    with Session(engine) as session:
        erasure = session.execute(select(Erasure)).scalar_one()
    assert (erasure.candidate_id, erasure.erased_by) == (cid, "greenhouse")
    assert erasure.reason == "greenhouse: candidate_anonymized"
    # Later deliveries about the application find the erased candidate: nobody is created again.
    resp = deliver(api, delivery("candidate_stage_change", stage="Preliminary Phone Screen"), event_id="e3")
    assert resp.json()["candidate_id"] == cid and table_counts(engine)["candidate"] == 1
    resp = deliver(api, delivery("reject_candidate", status="rejected"), event_id="e4")
    assert resp.json()["status"] == "ignored" and "erased" in resp.json()["detail"]


# --- never a 500 ----------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_recorded_as_invalid_and_answered_200(api, engine) -> None:
    for n, body in enumerate(
        (
            b"not json",
            b"[1, 2]",
            b'{"payload": {}}',
            b'{"action": "reject_candidate"}',
            b"\xff\xfe",
            b'{"action": "x"' * 2,
        )
    ):
        resp = deliver(api, body, event_id=f"bad-{n}")
        assert resp.status_code == 200, (body, resp.text)
        assert resp.json()["status"] in ("invalid", "ignored")
    assert len(deliveries(engine)) == 6


def test_a_transient_conflict_is_409_records_nothing_and_the_retry_applies(api, engine, monkeypatch) -> None:
    from hiring.errors import Conflict
    from hiring.webhooks import greenhouse

    deliver(api, delivery("new_candidate_application"), event_id="e1")
    real = greenhouse.apply_event

    def racing(*args: Any, **kwargs: Any) -> Any:
        raise Conflict("candidate 1 was changed by someone else; reload and retry")

    monkeypatch.setattr(greenhouse, "apply_event", racing)
    doc = delivery("reject_candidate", status="rejected")
    resp = deliver(api, doc, event_id="e2")
    assert resp.status_code == 409 and "retry is safe" in resp.json()["detail"]
    assert len(deliveries(engine)) == 1
    monkeypatch.setattr(greenhouse, "apply_event", real)
    assert deliver(api, doc, event_id="e2").json()["status"] == "applied"


def test_a_bug_while_applying_is_recorded_as_failed_answered_200_and_logs_the_type_only(
    api, engine, monkeypatch, caplog
) -> None:
    from hiring.webhooks import greenhouse

    def broken(ctx: Any, payload: Any) -> Any:
        raise KeyError("José Müller <jose.muller@example.com>")

    monkeypatch.setitem(greenhouse._HANDLERS, "new_candidate_application", broken)
    resp = deliver(api, delivery("new_candidate_application"), event_id="e1")
    assert resp.status_code == 200 and resp.json()["status"] == "failed"
    [row] = deliveries(engine)
    assert (row.status, row.action) == ("failed", "new_candidate_application")
    assert "KeyError" in (row.detail or "") and "José" not in (row.detail or "")
    assert "José" not in caplog.text and "unexpected KeyError" in caplog.text
    assert list_deliveries(engine, status="failed")[0]["event_id"] == "e1"


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    _containers,
    max_leaves=20,
)
ACTIONS = st.sampled_from(
    [
        "new_candidate_application",
        "candidate_stage_change",
        "reject_candidate",
        "unreject_candidate",
        "offer_created",
        "hire_candidate",
        "candidate_anonymized",
        "ping",
    ]
)
APPLICATION_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | st.integers(1, 5),
        "prospect": JSON,
        "current_stage": JSON
        | st.fixed_dictionaries({"name": st.sampled_from(["Offer", "Face to Face", "Take Home Test", "Nope"])}),
        "candidate": JSON,
        "jobs": JSON | st.just([{"id": JOB}]),
        "rejection_reason": JSON,
        "offer": JSON,
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=ACTIONS, app=APPLICATION_FIELDS, extra=JSON)
def test_any_signed_delivery_is_answered_200_and_recorded(api, engine, action, app, extra) -> None:
    doc = {
        "action": action,
        "payload": {
            "application": app,
            "application_id": extra,
            "candidate_id": extra,
            "custom_fields": extra,
            "start_date": extra,
        },
    }
    before = len(deliveries(engine))
    resp = deliver(api, doc, event_id=None)
    assert resp.status_code == 200, resp.text
    assert len(deliveries(engine)) == before + (0 if resp.json()["duplicate"] else 1)


def test_payload_builders_match_greenhouse_field_names() -> None:
    app = application()
    assert {"id", "current_stage", "candidate", "jobs", "rejection_reason", "source", "prospect"} <= set(app)
    assert payloads.BAND.currency == "EUR"
