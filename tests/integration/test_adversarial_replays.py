"""Signed Greenhouse deliveries used against us: replayed bodies, stale state, over-long ids, anonymize misses."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from hiring.importer import import_csv
from models.tables import Candidate
from models.tables_integrations import AtsApplication, Erasure, WebhookDelivery
from tests.support.api import APP, AUTH, SECRET, client, deliver, delivery, gh_policy, greenhouse_body, signature
from tests.support.db import events_of, table_counts

PERSON = 60304594  # the Greenhouse candidate (person) id of the default application
REASON = {"id": 14, "name": "Too Junior", "type": {"id": 3, "name": "We rejected them"}}


@pytest.fixture
def api(engine: Engine, open_requisition: int, T0: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("HIRING_NOW", (T0 + timedelta(days=3)).isoformat())
    with client(engine, gh_policy(open_requisition)) as c:
        yield c


def at(doc: dict[str, Any], hour: int) -> dict[str, Any]:
    """The delivery with the application's last_activity_at set to 2026-03-02 <hour>:00 (Greenhouse's clock)."""
    doc["payload"]["application"]["last_activity_at"] = f"2026-03-02T{hour:02d}:00:00Z"
    return doc


def created(hour: int = 10) -> dict[str, Any]:
    return at(delivery("new_candidate_application"), hour)


def rejected(hour: int) -> dict[str, Any]:
    return at(delivery("reject_candidate", status="rejected", rejection_reason=REASON), hour)


def unrejected(hour: int) -> dict[str, Any]:
    return at(delivery("unreject_candidate"), hour)


def moved(stage: str, hour: int) -> dict[str, Any]:
    return at(delivery("candidate_stage_change", stage=stage), hour)


def candidate(engine: Engine) -> Candidate:
    with Session(engine) as session:
        [cand] = session.execute(select(Candidate)).scalars().all()
        return cand


def last_stage(engine: Engine) -> str | None:
    with Session(engine) as session:
        row = session.execute(select(AtsApplication).where(AtsApplication.application_id == str(APP))).scalar_one()
        return row.last_stage


def listed(api: TestClient, **params: str) -> list[dict[str, Any]]:
    resp = api.get("/webhooks/deliveries", params=params, headers=AUTH)
    assert resp.status_code == 200, resp.text
    return resp.json()


# --- replayed and stale deliveries --------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """Deliveries applied in order, then the attack: one more signed delivery that must change nothing."""

    name: str
    applied: list[tuple[str, dict[str, Any]]]  # (Greenhouse-Event-ID, body)
    attack: tuple[str, dict[str, Any] | int]  # (Event-ID, body) or (Event-ID, index of an applied body)
    status: str  # what the attack is recorded and answered as
    duplicate: bool
    stage: str  # the candidate's stage after the attack, as before it
    ats_stage: str | None = None  # the application's last known Greenhouse stage, as before the attack
    recorded: bool = field(default=False)  # the attack has a delivery row of its own


REPLAYS = [
    Replay("an old unreject re-sent with a fresh Event-ID does not reopen a candidate rejected since",
           [("e1", created(10)), ("e2", rejected(11)), ("e3", unrejected(12)), ("e4", rejected(13))],
           ("e3-again", 2), "applied", True, "rejected"),
    Replay("a rejection re-sent with a fresh Event-ID after an unreject does not reject again",
           [("e1", created(10)), ("e2", rejected(11)), ("e3", unrejected(12))],
           ("e2-again", 1), "applied", True, "sourced"),
    Replay("the same body without an Event-ID is the same delivery",
           [("e1", created(10)), ("e2", rejected(11)), ("e3", unrejected(12))],
           ("", 1), "applied", True, "sourced"),
    Replay("an unreject older than the rejection already applied is stale",
           [("e1", created(10)), ("e2", rejected(12))],
           ("e3", unrejected(11)), "stale", False, "rejected", recorded=True),
    Replay("a stage change older than the stage already known is stale and keeps the stage",
           [("e1", created(10)), ("e2", moved("Offer", 12))],
           ("e3", moved("Preliminary Phone Screen", 11)), "stale", False, "sourced", "Offer", recorded=True),
    Replay("a rejection older than the unreject already applied is stale",
           [("e1", created(10)), ("e2", rejected(11)), ("e3", unrejected(13))],
           ("e4", rejected(12)), "stale", False, "sourced", recorded=True),
]  # fmt: skip


@pytest.mark.parametrize("case", REPLAYS, ids=[c.name for c in REPLAYS])
def test_a_replayed_or_stale_delivery_changes_nothing(api, engine, case: Replay) -> None:
    for event_id, doc in case.applied:
        resp = deliver(api, doc, event_id=event_id)
        assert resp.status_code == 200 and resp.json()["status"] in ("applied", "unchanged"), (event_id, resp.text)
    cid = candidate(engine).id
    assert cid is not None
    before_events, before_rows = len(events_of(engine, cid)), table_counts(engine)["webhook_delivery"]
    event_id, body = case.attack
    doc = case.applied[body][1] if isinstance(body, int) else body
    resp = deliver(api, doc, event_id=event_id or None)
    assert resp.status_code == 200, resp.text  # answered, so Greenhouse does not retry it for 15 hours
    got = resp.json()
    assert (got["status"], got["duplicate"]) == (case.status, case.duplicate), got
    assert candidate(engine).stage == case.stage
    assert len(events_of(engine, cid)) == before_events
    assert table_counts(engine)["webhook_delivery"] == before_rows + (1 if case.recorded else 0)
    if case.ats_stage:
        assert last_stage(engine) == case.ats_stage
    if case.status == "stale":
        [row] = listed(api, status="stale")
        assert (row["event_id"], row["candidate_id"], row["application_id"]) == (event_id, cid, str(APP))
        assert "older" in row["detail"] and "not applied" in row["detail"]


def test_a_delivery_as_new_as_the_state_applied_is_not_stale(api, engine) -> None:
    """Greenhouse's timestamps have second resolution: two deliveries of one second both apply."""
    assert deliver(api, created(10), event_id="e1").json()["status"] == "applied"
    assert deliver(api, rejected(11), event_id="e2").json()["status"] == "applied"
    assert deliver(api, unrejected(11), event_id="e3").json()["status"] == "applied"
    assert candidate(engine).stage == "sourced"


def test_a_delivery_dated_in_the_future_does_not_block_the_next_ones(api, engine, monkeypatch) -> None:
    """A future last_activity_at counts as the time it was received: later deliveries still apply."""
    monkeypatch.setenv("HIRING_NOW", "2026-03-02T10:30:00Z")
    assert deliver(api, created(10), event_id="e1").json()["status"] == "applied"
    future = rejected(10)
    future["payload"]["application"]["last_activity_at"] = "2099-01-01T00:00:00Z"
    assert deliver(api, future, event_id="e2").json()["status"] == "applied"
    monkeypatch.setenv("HIRING_NOW", "2026-03-02T13:00:00Z")
    assert deliver(api, unrejected(12), event_id="e3").json()["status"] == "applied"
    assert candidate(engine).stage == "sourced"


def test_an_older_delivery_arriving_while_a_newer_one_is_being_recorded_is_stale(
    api, engine, open_requisition, monkeypatch
) -> None:
    """The newer delivery claims the application before it applies: an older one that arrives between its
    event and its delivery row is stale, not applied on top of it."""
    from hiring.webhooks import greenhouse

    assert deliver(api, created(10), event_id="e1").json()["status"] == "applied"
    real, seen = greenhouse._record, []

    def record_after_an_old_one_arrives(*args: Any) -> bool:
        if args[1] == "e-new":  # the old delivery, received in full right here (served concurrently)
            body = greenhouse_body(unrejected(11))
            headers = {"Signature": signature(body), "Greenhouse-Event-ID": "e-old"}
            seen.append(greenhouse.receive(engine, body, headers, SECRET, policy=gh_policy(open_requisition)))
        return real(*args)

    monkeypatch.setattr(greenhouse, "_record", record_after_an_old_one_arrives)
    assert deliver(api, rejected(12), event_id="e-new").json()["status"] == "applied"
    assert seen[0].status == "stale", seen
    assert candidate(engine).stage == "rejected"


# --- Event-IDs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventIds:
    name: str
    sent: list[tuple[str, int, int]]  # (Greenhouse-Event-ID, which ping body, the answer), in order
    kept: list[str]  # the event ids recorded, whole


LONG = "evt-" + "x" * 196  # 200 characters: the longest Event-ID accepted
EVENT_IDS = [
    EventIds(
        "two long ids that share their first 200 characters are both refused, not merged",
        [(LONG + "-first", 1, 400), (LONG + "-second", 2, 400)],
        [],
    ),
    EventIds("an id of 200 characters is kept whole", [(LONG, 1, 200)], [LONG]),
    EventIds(
        "a long id is refused; the same body with a short id is then received",
        [(LONG + "-a", 1, 400), ("evt-short", 1, 200)],
        ["evt-short"],
    ),
]


@pytest.mark.parametrize("case", EVENT_IDS, ids=[c.name for c in EVENT_IDS])
def test_an_over_long_event_id_is_refused_never_truncated(api, engine, case: EventIds) -> None:
    before = table_counts(engine)
    for event_id, n, code in case.sent:
        resp = deliver(api, {"action": "ping", "payload": {"web_hook_id": n}}, event_id=event_id)
        assert resp.status_code == code, resp.text
        if code == 400:
            problem = resp.json()
            assert problem["error"] == "invalid"
            assert "Greenhouse-Event-ID" in problem["detail"] and "at most 200" in problem["detail"]
            assert f"{len(event_id)} characters" in problem["detail"]
    with Session(engine) as session:
        kept = list(session.execute(select(WebhookDelivery.event_id).order_by(WebhookDelivery.id)).scalars())
    assert kept == case.kept
    assert table_counts(engine)["webhook_delivery"] == before["webhook_delivery"] + len(case.kept)


# --- candidate_anonymized -----------------------------------------------------------------------


def import_people(engine: Engine, tmp_path: Path, requisition_id: int, external_ids: list[str]) -> list[int]:
    rows = "".join(
        f"Ada Lovelace {n},ada{n}@example.com,{requisition_id},inbound,,{ext}\n" for n, ext in enumerate(external_ids)
    )
    path = tmp_path / "people.csv"
    path.write_text("name,email,requisition_id,source,motivators,external_id\n" + rows)
    return import_csv(engine, path, actor="test").added


def anonymized(person: int) -> dict[str, Any]:
    return {
        "action": "candidate_anonymized",
        "payload": {"candidate_id": person, "anonymized_fields": ["full_name", "email_addresses"]},
    }


@dataclass(frozen=True)
class Anonymize:
    name: str
    imported: list[str]  # external ids of the CSV-imported candidates
    before: Callable[[TestClient], Any]  # deliveries received before the anonymize
    person: int  # the Greenhouse candidate id anonymized
    erased: list[int]  # indexes (into `imported`) of the candidates erased
    status: str


def nothing(api: TestClient) -> None:
    pass


def applied_for_person(api: TestClient) -> None:
    """Greenhouse application 71980812 (person 60304594) arrives for the CSV candidate greenhouse:71980812."""
    resp = deliver(api, created(10), event_id="e1")
    assert resp.status_code == 200 and resp.json()["candidate_id"] is not None, resp.text


ANONYMIZE = [
    Anonymize("a CSV-linked greenhouse:<id> candidate with no delivery yet is erased",
              [f"greenhouse:{PERSON}", "greenhouse:1"], nothing, PERSON, [0], "applied"),
    Anonymize("a CSV candidate linked by an application that was delivered is erased",
              [f"greenhouse:{APP}"], applied_for_person, PERSON, [0], "applied"),
    Anonymize("an application id that belongs to another person is not taken for the person",
              [f"greenhouse:{APP}"], applied_for_person, APP, [], "ignored"),
    Anonymize("nobody with that id: ignored", ["greenhouse:1", "ATS-7"], nothing, PERSON, [], "ignored"),
]  # fmt: skip


@pytest.mark.parametrize("case", ANONYMIZE, ids=[c.name for c in ANONYMIZE])
def test_candidate_anonymized_erases_whoever_the_person_is_here(
    api, engine, tmp_path, open_requisition, case: Anonymize
) -> None:
    ids = import_people(engine, tmp_path, open_requisition, case.imported)
    case.before(api)
    resp = deliver(api, anonymized(case.person), event_id="anon-1")
    assert resp.status_code == 200 and resp.json()["status"] == case.status, resp.text
    with Session(engine) as session:
        people = {c.id: c for c in session.execute(select(Candidate)).scalars()}
        erasures = {e.candidate_id: e.reason for e in session.execute(select(Erasure)).scalars()}
    want = {ids[i] for i in case.erased}
    assert set(erasures) == want
    assert set(erasures.values()) <= {"greenhouse: candidate_anonymized"}
    for cid in ids:
        cand = people[cid]
        if cid in want:
            assert (cand.name, cand.email, cand.external_id) == ("[erased]", "", None)
        else:
            assert cand.name.startswith("Ada Lovelace") and cand.email.endswith("@example.com")
    if want:  # Greenhouse sends it again (another Event-ID, another field list): nothing more to do
        again = anonymized(case.person)
        again["payload"]["anonymized_fields"] = ["phone_numbers"]
        resp = deliver(api, again, event_id="anon-2")
        assert (resp.json()["status"], resp.json()["candidate_id"]) == ("unchanged", min(want)), resp.text


# --- over-long ids inside a signed payload ------------------------------------------------------


@pytest.mark.parametrize(
    "where", [("application", "id"), ("application", "candidate", "id")], ids=["application id", "candidate id"]
)
def test_an_over_long_id_in_the_payload_is_refused_never_cut(api, engine, where: tuple[str, ...]) -> None:
    for n in (1, 2):  # two ids that share their first 200 characters: cut, they would name one application
        doc = created(10)
        node = doc["payload"]
        for part in where[:-1]:
            node = node.setdefault(part, {})
        node[where[-1]] = "7" * 200 + str(n)
        resp = deliver(api, doc, event_id=f"long-{n}")
        assert resp.status_code == 200, resp.text  # recorded and answered: Greenhouse need not retry it
        got = resp.json()
        assert got["status"] == "invalid", got
        assert "201 characters" in got["detail"] and "at most 200" in got["detail"], got
    with Session(engine) as session:
        assert session.execute(select(Candidate)).first() is None
        assert session.execute(select(AtsApplication)).first() is None
