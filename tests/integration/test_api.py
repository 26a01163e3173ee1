"""The HTTP API: tokens, validation (422 naming each field), conflicts (409 with allowed triggers), 404, 413,
idempotency, and the read side. In-process with TestClient against a real database."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from hiring.api.app import create_app
from models.schema import HEAD
from tests.support import payloads
from tests.support.api import AUTH, TOKEN, client, settings
from tests.support.db import events_of, table_counts


@pytest.fixture
def now(T0, monkeypatch):
    """The API's clock (HIRING_NOW): a day after the fixtures created everything."""
    at = T0 + timedelta(days=1)
    monkeypatch.setenv("HIRING_NOW", at.isoformat())
    return at


@pytest.fixture
def api(engine, now) -> Iterator[TestClient]:
    with client(engine) as c:
        c.headers.update(AUTH)
        yield c


def problem_fields(resp) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in resp.json()["errors"]}


# --- authentication -----------------------------------------------------------------------------


def _protected(app) -> list[tuple[str, str]]:
    doc = app.openapi()
    out = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if op.get("security") != []:
                out.append((method.upper(), path.replace("{requisition_id}", "1").replace("{ref}", "1")))
    return [*out, ("GET", "/openapi.json")]


def test_every_route_but_health_and_the_signed_webhook_needs_a_token_and_a_refusal_writes_nothing(
    engine, candidate, now
) -> None:
    candidate()
    app = create_app(engine, settings())
    protected = _protected(app)
    assert ("GET", "/health") not in protected and ("POST", "/webhooks/greenhouse") not in protected
    assert len(protected) >= 15
    before = table_counts(engine)
    body = {"trigger": "hold", "payload": payloads.reason(), "by": "x", **payloads.requisition()}
    with TestClient(app) as anonymous:
        for method, path in protected:
            for headers in (
                {},
                {"Authorization": "Bearer wrong"},
                {"Authorization": f"Basic {TOKEN}"},
                {"Authorization": TOKEN},
            ):
                resp = anonymous.request(method, path, headers=headers, json=body if method == "POST" else None)
                assert resp.status_code == 401, (method, path, headers, resp.text)
                assert resp.headers["www-authenticate"].startswith("Bearer")
                assert resp.json()["error"] == "unauthorized"
    assert table_counts(engine) == before


def test_the_right_token_is_accepted_whatever_the_scheme_case(engine, now) -> None:
    with client(engine) as api:
        assert api.get("/requisitions", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
        assert api.get("/requisitions", headers=AUTH).status_code == 200


def test_without_configured_tokens_everything_is_refused_with_a_hint(engine, now) -> None:
    with client(engine, api_tokens=[]) as api:
        resp = api.get("/requisitions", headers=AUTH)
    assert resp.status_code == 401
    assert "HIRING_API_TOKENS" in resp.json()["detail"]


def test_health_is_public_and_reports_the_schema(engine) -> None:
    with client(engine) as api:
        resp = api.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "schema_revision": HEAD}


def test_health_is_503_when_the_schema_is_missing(tmp_path) -> None:
    from models.db import make_engine

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with client(empty) as api:
        resp = api.get("/health")
    assert resp.status_code == 503 and resp.json()["status"] == "unavailable"


def test_the_openapi_document_is_served_with_the_bearer_scheme(api) -> None:
    doc = api.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    post = doc["paths"]["/candidates/{ref}/events"]["post"]
    assert {"200", "201", "401", "404", "409", "413", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])


# --- requisitions and candidates ----------------------------------------------------------------


def test_requisitions_are_added_opened_listed_and_shown(api) -> None:
    resp = api.post("/requisitions", json=payloads.requisition())
    assert resp.status_code == 201, resp.text
    rid = resp.json()["id"]
    assert resp.json()["status"] == "draft" and resp.json()["missing"] == []
    opened = api.post(f"/requisitions/{rid}/open")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert [r["id"] for r in api.get("/requisitions").json()] == [rid]
    assert api.get(f"/requisitions/{rid}").json()["candidates_by_stage"] == {}


def test_a_requisition_with_options_is_checked_and_shown_with_its_advice(api) -> None:
    doc = payloads.requisition(
        role_profile="ai_researcher", salary_band={"min": 100000, "max": 140000, "currency": "USD"}
    )
    doc["role_definition"]["system_to_build"] = {"kinds": ["production_api"], "detail": "a search endpoint"}
    added = api.post("/requisitions", json=doc)
    assert added.status_code == 201, added.text
    rid = added.json()["id"]
    assert added.json()["warnings_at_open"] is None
    assert [w["code"] for w in added.json()["warnings"]] == [
        "production_feature_needs_applied_depth",
        "band_below_market_median",
    ]
    opened = api.post(f"/requisitions/{rid}/open")
    assert opened.status_code == 200 and opened.json()["warnings_at_open"] == added.json()["warnings"]
    shown = api.get(f"/requisitions/{rid}").json()
    assert shown["role_definition"]["system_to_build"] == {"kinds": ["production_api"], "detail": "a search endpoint"}
    assert "evaluation methodology" in shown["profile"]["key_skills"]
    assert shown["sourcing"][0]["channel"] == "conference"
    assert shown["market"]["band_max_in"] == "120,000-160,000 USD" and "140,000 USD" in shown["market"]["warning"]
    assert [f["channel"] for f in shown["channel_fit"]] == ["conference", "direct_sourcing", "technical_community"]
    listed = api.get("/requisitions").json()[0]
    assert listed["warnings_at_open"] == shown["warnings_at_open"] and listed["market"] is None


def test_an_unknown_option_is_a_422_naming_the_field_and_the_allowed_options(api, engine) -> None:
    doc = payloads.requisition()
    doc["role_definition"]["system_to_build"] = {"kinds": ["rocket"], "detail": "x"}
    resp = api.post("/requisitions", json=doc)
    assert resp.status_code == 422
    problem = problem_fields(resp)["role_definition.system_to_build.kinds.0"]
    assert "'production_api'" in problem and "'data_platform'" in problem
    assert api.get("/requisitions").json() == []


def test_an_incomplete_requisition_does_not_open_and_says_what_is_missing(api) -> None:
    rid = api.post("/requisitions", json={"title": "ML Engineer"}).json()["id"]
    resp = api.post(f"/requisitions/{rid}/open")
    assert resp.status_code == 422
    assert "salary_band" in resp.json()["detail"] and "recruiter" in resp.json()["detail"]


def test_an_invalid_requisition_names_each_bad_field(api, engine) -> None:
    before = table_counts(engine)
    resp = api.post(
        "/requisitions", json={"title": "", "salary_band": {"min": -1, "max": 5, "currency": "euro"}, "colour": "blue"}
    )
    assert resp.status_code == 422
    fields = problem_fields(resp)
    assert {"title", "salary_band.min", "salary_band.currency", "colour"} <= set(fields)
    assert fields["colour"] == "is not a known field"
    assert table_counts(engine) == before


def test_candidates_are_added_listed_and_shown(api, open_requisition) -> None:
    new = payloads.new_candidate(open_requisition, 7, external_id="ATS-7", motivators=["remote"])
    resp = api.post("/candidates", json={**new, "actor": "rita"})
    assert resp.status_code == 201, resp.text
    cand = resp.json()
    assert (cand["stage"], cand["version"], cand["external_id"]) == ("sourced", 1, "ATS-7")
    assert api.get("/candidates", params={"requisition_id": open_requisition}).json()[0]["id"] == cand["id"]
    assert api.get("/candidates", params={"stage": "screened"}).json() == []
    shown = api.get("/candidates/ATS-7").json()  # an external id works wherever an id does
    assert shown["id"] == cand["id"]
    assert shown["allowed_triggers"] == ["screen", "reject", "withdraw", "hold"]
    assert [t["timer"] for t in shown["timers"]] == ["screen_decision"]
    assert shown["erased"] is False
    assert api.post("/candidates", json=new).status_code == 409  # the external id is taken


def test_a_candidate_with_a_bad_email_or_stage_filter_is_422_naming_the_field(api, open_requisition) -> None:
    resp = api.post("/candidates", json=payloads.new_candidate(open_requisition, email="not-an-email"))
    assert resp.status_code == 422 and set(problem_fields(resp)) == {"email"}
    resp = api.get("/candidates", params={"stage": "limbo"})
    assert resp.status_code == 422 and set(problem_fields(resp)) == {"stage"}


def test_unknown_ids_are_404(api, open_requisition) -> None:
    assert api.get("/requisitions/999").status_code == 404
    assert api.post("/requisitions/999/open").status_code == 404
    for path in (
        "/candidates/999",
        "/candidates/no-such-ref",
        "/candidates/99999999999999999999999/events",
        "/candidates/%C2%B2",
    ):
        resp = api.get(path)
        assert resp.status_code == 404, (path, resp.text)
        assert resp.json()["error"] == "not_found"
    resp = api.post("/candidates/999/events", json={"trigger": "screen", "payload": payloads.screen()})
    assert resp.status_code == 404
    assert api.post("/candidates", json=payloads.new_candidate(999)).status_code == 404
    assert api.get("/requisitions/99999999999").status_code == 422  # beyond any id: a bad value, not a lookup


# --- events -------------------------------------------------------------------------------------


def test_an_event_moves_the_candidate_and_answers_201(api, candidate, engine, now) -> None:
    cid = candidate()
    resp = api.post(
        f"/candidates/{cid}/events", json={"trigger": "screen", "payload": payloads.screen(), "actor": "rita"}
    )
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert (out["from_stage"], out["to_stage"], out["version"], out["replayed"]) == ("sourced", "screened", 2, False)
    ev = events_of(engine, cid)[-1]
    assert (ev.trigger, ev.actor, ev.occurred_at) == ("screen", "rita", now)


def test_an_idempotency_key_makes_the_retry_a_200_replay_that_writes_nothing(api, candidate, engine) -> None:
    cid = candidate()
    event = {"trigger": "screen", "payload": payloads.screen()}
    first = api.post(f"/candidates/{cid}/events", json=event, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    before = table_counts(engine)
    again = api.post(f"/candidates/{cid}/events", json=event, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["event_id"] == first.json()["event_id"]
    assert table_counts(engine) == before
    other = api.post(
        f"/candidates/{cid}/events",
        json={"trigger": "hold", "payload": payloads.reason()},
        headers={"Idempotency-Key": "k-1"},
    )
    assert other.status_code == 409 and "idempotency key" in other.json()["detail"]


def test_an_invalid_payload_is_422_naming_each_field_and_writes_nothing(api, candidate, engine) -> None:
    cid = candidate()
    before = table_counts(engine)
    resp = api.post(
        f"/candidates/{cid}/events",
        json={"trigger": "screen", "payload": {"owned_delivery": 9, "operational_judgment": "high", "colour": "red"}},
    )
    assert resp.status_code == 422
    fields = problem_fields(resp)
    assert set(fields) == {
        "payload.owned_delivery",
        "payload.operational_judgment",
        "payload.data_realism",
        "payload.cross_functional_range",
        "payload.note",
        "payload.colour",
    }
    assert fields["payload.note"] == "is required"
    assert table_counts(engine) == before


def test_request_shape_errors_are_422_per_field(api, candidate) -> None:
    cid = candidate()
    resp = api.post(f"/candidates/{cid}/events", json={"trigger": "warp", "payload": {}})
    assert resp.status_code == 422 and set(problem_fields(resp)) == {"trigger"}
    resp = api.post(f"/candidates/{cid}/events", json={"payload": [], "occurred_at": "yesterday", "extra": 1})
    assert resp.status_code == 422
    assert {"trigger", "payload", "occurred_at", "extra"} <= set(problem_fields(resp))
    resp = api.post(f"/candidates/{cid}/events", content=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 422


def test_a_disallowed_transition_is_409_with_the_allowed_triggers(api, candidate, engine) -> None:
    cid = candidate()
    before = table_counts(engine)
    resp = api.post(f"/candidates/{cid}/events", json={"trigger": "make_offer", "payload": payloads.offer()})
    assert resp.status_code == 409
    body = resp.json()
    assert body["error"] == "conflict"
    assert body["allowed_triggers"] == ["screen", "reject", "withdraw", "hold"]
    assert (body["stage"], body["version"]) == ("sourced", 1)
    assert table_counts(engine) == before


def test_a_guard_refusal_is_409_with_the_reason(api, candidate, drive) -> None:
    cid = candidate()
    drive.to(cid, "final")
    resp = api.post(f"/candidates/{cid}/events", json={"trigger": "make_offer", "payload": payloads.offer()})
    assert resp.status_code == 409
    assert "interview parts not recorded" in resp.json()["detail"]
    assert "record_interview" in resp.json()["allowed_triggers"]


def test_the_technical_screen_through_the_api_needs_a_known_interviewer(api, candidate, drive, engine) -> None:
    cid = candidate()
    drive(cid, "screen")
    stranger = {"trigger": "technical_screen", "payload": payloads.technical_screen("zoe")}
    resp = api.post(f"/candidates/{cid}/events", json=stranger)
    assert resp.status_code == 422 and "'zoe' is not in the people directory" in resp.json()["detail"]
    resp = api.post(
        f"/candidates/{cid}/events",
        json={"trigger": "send_take_home", "payload": payloads.send_take_home(drive.clock.now)},
    )
    assert resp.status_code == 409 and "record technical_screen first" in resp.json()["detail"]
    resp = api.post(
        f"/candidates/{cid}/events", json={"trigger": "technical_screen", "payload": payloads.technical_screen()}
    )
    assert resp.status_code == 201, resp.text
    assert events_of(engine, cid)[-1].payload["interviewer"] == payloads.INTERVIEWER


def test_a_stale_expected_version_is_409_with_the_current_version(api, candidate, drive) -> None:
    cid = candidate()
    drive(cid, "screen")
    resp = api.post(
        f"/candidates/{cid}/events", json={"trigger": "hold", "payload": payloads.reason(), "expected_version": 1}
    )
    assert resp.status_code == 409
    assert resp.json()["version"] == 2 and "send_take_home" in resp.json()["allowed_triggers"]
    ok = api.post(
        f"/candidates/{cid}/events", json={"trigger": "hold", "payload": payloads.reason(), "expected_version": 2}
    )
    assert ok.status_code == 201


def test_occurred_at_in_the_future_or_before_the_last_event_is_422_on_occurred_at(api, candidate, now, T0) -> None:
    cid = candidate()
    for when in (now + timedelta(hours=1), T0 - timedelta(days=1)):
        resp = api.post(
            f"/candidates/{cid}/events",
            json={"trigger": "hold", "payload": payloads.reason(), "occurred_at": when.isoformat()},
        )
        assert resp.status_code == 422, resp.text
        assert set(problem_fields(resp)) == {"occurred_at"}
    when = (T0 + timedelta(hours=2)).isoformat()
    resp = api.post(
        f"/candidates/{cid}/events", json={"trigger": "hold", "payload": payloads.reason(), "occurred_at": when}
    )
    assert resp.status_code == 201 and resp.json()["occurred_at"].startswith("2026-03-02T11:00")


def test_history_lists_the_events(api, candidate, drive) -> None:
    cid = candidate()
    drive(cid, "screen")
    data = api.get(f"/candidates/{cid}/events").json()
    assert [e["trigger"] for e in data["events"]] == ["source", "screen"]
    assert data["candidate"]["stage"] == "screened"


# --- size limit ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_and_writes_nothing(engine, candidate, now) -> None:
    cid = candidate()
    before = table_counts(engine)
    with client(engine, api_max_body_bytes=2000) as api:
        api.headers.update(AUTH)
        big = {"trigger": "hold", "payload": {"reason": "x" * 5000}}
        resp = api.post(f"/candidates/{cid}/events", json=big)
        assert resp.status_code == 413 and resp.json()["error"] == "too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
            yield b'{"trigger": "hold", "payload": {"reason": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}}'

        resp = api.post(f"/candidates/{cid}/events", content=chunks(), headers={"Content-Type": "application/json"})
        assert resp.status_code == 413
        resp = api.post("/webhooks/greenhouse", content=b"{" + b" " * 3000 + b"}")
        assert resp.status_code == 413
        assert (
            api.post(f"/candidates/{cid}/events", json={"trigger": "hold", "payload": payloads.reason()}).status_code
            == 201
        )
    assert table_counts(engine)["event"] == before["event"] + 1


# --- read side ----------------------------------------------------------------------------------


def test_timers_board_stats_and_outbox(api, candidate, open_requisition, now) -> None:
    cid = candidate()
    timers = api.get("/timers").json()
    assert [(t["candidate_id"], t["timer"]) for t in timers["timers"]] == [(cid, "screen_decision")]
    later = api.get("/timers", params={"at": (now + timedelta(days=10)).isoformat()}).json()
    assert later["timers"][0]["overdue"] is True
    assert api.get("/timers", params={"candidate_id": cid + 1}).json()["timers"] == []
    assert "screen_decision" in api.get("/timers/stats").json()["timers"]
    board = api.get("/board").json()
    assert board[0]["requisition_id"] == open_requisition
    assert [c["id"] for c in board[0]["stages"]["sourced"]] == [cid]
    assert api.get("/outbox").json() == []
    assert api.get("/outbox", params={"status": "lost"}).status_code == 422


def test_the_report_is_served_when_the_reports_package_is_there(api, candidate, drive) -> None:
    pytest.importorskip("hiring.reports.metrics")
    cid = candidate()
    drive(cid, "screen")
    resp = api.get("/report")
    assert resp.status_code == 200, resp.text
    text = resp.text
    assert "Candidate 1" not in text and "candidate1@example.com" not in text
    assert api.get("/report", params={"source": "carrier_pigeon"}).status_code == 422
