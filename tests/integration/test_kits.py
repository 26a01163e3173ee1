"""Kits and take-home templates against a real database: a templated send_take_home through the service,
a requisition's own kit winning, `hiring kit` and `hiring role kit`, GET/PUT /requisitions/{id}/kit, and
erasure of hours_reason."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hiring.errors import InvalidInput
from hiring.kits import kit_for, set_kit_override
from hiring.privacy import erase
from states.errors import GuardRefused
from states.kits import KitOverride
from states.requisition import RequisitionSpec
from states.vocabulary import TAKE_HOME_RUBRIC, InterviewPart
from tests.integration.test_cli import Cli
from tests.support import payloads
from tests.support.api import AUTH, client
from tests.support.db import events_of

RUBRIC = {item: f"ours: {item}" for item in TAKE_HOME_RUBRIC}
OWN_RAG = {"id": "rag_task", "title": "Claims RAG task", "format": "ours", "assesses": "ours", "rubric": RUBRIC}
OWN_PART = {"purpose": "our own calibration", "questions": ["a?", "b?", "c?"], "strong_answer": "ours"}


@pytest.fixture
def cli(db_url: str, tmp_path: Path, T0: datetime, monkeypatch: pytest.MonkeyPatch, capsys) -> Cli:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return Cli(db_url, tmp_path, T0 + timedelta(days=1), monkeypatch, capsys)


def _screened(candidate, drive) -> int:  # type: ignore[no-untyped-def]
    cid = candidate()
    drive.to(cid, "screened")
    return cid


# --- send_take_home through the service -----------------------------------------------------------


def test_a_template_fills_title_profile_and_hours(engine, candidate, drive) -> None:
    cid = _screened(candidate, drive)
    drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now))
    stored = events_of(engine, cid)[-1].payload
    assert (stored["template"], stored["title"], stored["role_profile"], stored["expected_hours"]) == (
        "rag_task",
        "Improve a small RAG workflow",
        "applied_ai_engineer",
        3,
    )


def test_what_the_payload_says_wins_over_the_template(engine, candidate, drive) -> None:
    cid = _screened(candidate, drive)
    drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now, title="RAG over our tickets"))
    assert events_of(engine, cid)[-1].payload["title"] == "RAG over our tickets"


def test_an_unknown_template_is_refused_naming_the_ones_there_are(engine, candidate, drive) -> None:
    cid = _screened(candidate, drive)
    with pytest.raises(InvalidInput, match=r"unknown take-home template 'model_serving'.*allowed: rag_task"):
        drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now, "model_serving"))
    assert drive.stage(cid) == "screened"


def test_a_take_home_for_another_profile_is_refused(engine, candidate, drive) -> None:
    cid = _screened(candidate, drive)
    with pytest.raises(GuardRefused, match="allowed: applied_ai_engineer"):
        drive(cid, "send_take_home", payloads.send_take_home(drive.clock.now, role_profile="ml_engineer"))


def test_more_than_three_hours_needs_a_reason(engine, candidate, drive) -> None:
    cid = _screened(candidate, drive)
    with pytest.raises(GuardRefused, match="3-hour take-home guide"):
        drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now, expected_hours=5))
    drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now, expected_hours=5, hours_reason="x"))
    assert drive.stage(cid) == "take_home"


def test_the_requisitions_own_template_wins(engine, open_requisition, candidate, drive) -> None:
    override = KitOverride.model_validate({"take_homes": [OWN_RAG], "parts": {"technical_calibration": OWN_PART}})
    set_kit_override(engine, open_requisition, override)
    kit = kit_for(engine, open_requisition)
    assert kit.overridden and kit.kit.parts["technical_calibration"].purpose == "our own calibration"
    assert kit.kit.parts["behavioral"].purpose.startswith("Learn how")  # the shipped part stays
    cid = _screened(candidate, drive)
    drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now))
    assert events_of(engine, cid)[-1].payload["title"] == "Claims RAG task"
    set_kit_override(engine, open_requisition, None)
    assert not kit_for(engine, open_requisition).overridden


def test_a_requisition_without_a_profile_has_no_kit(engine) -> None:
    from hiring.service import add_requisition

    req = add_requisition(engine, RequisitionSpec.model_validate({"title": "Draft"}))
    with pytest.raises(InvalidInput, match=r"has no role_profile.*applied_ai_engineer, ml_engineer"):
        kit_for(engine, req.id or 0)


def test_erasure_scrubs_hours_reason_and_keeps_the_template(engine, candidate, drive) -> None:
    cid = _screened(candidate, drive)
    reason = "extra time agreed for the candidate's accessibility needs"
    drive(cid, "send_take_home", payloads.templated_take_home(drive.clock.now, expected_hours=4, hours_reason=reason))
    erase(engine, cid, "dpo", now=drive.clock.tick())
    stored = events_of(engine, cid)[-1].payload
    assert stored["hours_reason"] == "[erased]" and stored["template"] == "rag_task" and stored["expected_hours"] == 4


# --- the CLI -----------------------------------------------------------------------------------------


def test_hiring_kit_prints_one_part(cli: Cli) -> None:
    rid = cli.role()
    out = cli.ok("kit", "--req", str(rid), "--part", "system_design").out
    assert "system_design: See whether the candidate can turn a messy" in out
    assert "Design an internal support assistant whose answers must be auditable" in out
    assert "behavioral" not in out and "Screen kit" not in out


def test_hiring_kit_prints_the_screen_kit_and_the_take_homes(cli: Cli) -> None:
    rid = cli.role(role_profile="ml_engineer")
    out = cli.ok("kit", "--req", str(rid), "--screen", "--take-home").out
    assert "Screen kit" in out and "Often overrated:" in out and "passionate about AI" in out
    assert "Take-home inference_optimisation" in out and "Take-home model_serving" in out
    assert "technical_calibration" not in out


def test_hiring_kit_json_is_the_apis_view(cli: Cli) -> None:
    rid = cli.role()
    doc = cli.json("kit", "--req", str(rid))
    assert doc["role_profile"] == "applied_ai_engineer" and not doc["overridden"]
    assert list(doc["parts"]) == ["technical_calibration", "project_deep_dive", "system_design", "behavioral"]
    assert [t["id"] for t in doc["take_homes"]] == ["rag_task"] and "screen" in doc


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--part", "coding"], 2, "unknown interview part 'coding'; allowed: technical_calibration, project_deep_dive"),
        (["--req", "99"], 4, "no requisition with id 99"),
    ],
)
def test_hiring_kit_refuses_an_unknown_part_or_requisition(cli: Cli, args: list[str], code: int, message: str) -> None:
    rid = cli.role()
    base = ["kit", "--req", str(rid)] if "--req" not in args else ["kit"]
    result = cli(*base, *args)
    assert (result.code, message in result.err) == (code, True), result


def test_role_kit_stores_the_requisitions_own_kit(cli: Cli) -> None:
    rid = cli.role()
    kit_file = cli.file("kit.yaml", {"sample_question": "Our own sample?", "take_homes": [OWN_RAG]})
    assert "uses its own kit" in cli.ok("role", "kit", str(rid), "--file", kit_file).out
    doc = cli.json("kit", "--req", str(rid), "--take-home")
    assert doc["overridden"] and doc["sample_question"] == "Our own sample?"
    assert [t["title"] for t in doc["take_homes"]] == ["Claims RAG task"]
    assert "uses the shipped kit" in cli.ok("role", "kit", str(rid), "--clear").out


def test_role_kit_refuses_a_bad_file_naming_the_field(cli: Cli) -> None:
    rid = cli.role()
    bad = cli.file("kit.yaml", {"parts": {"behavioral": {**OWN_PART, "questions": ["only one?"]}}})
    result = cli("role", "kit", str(rid), "--file", bad)
    assert result.code == 2 and "parts.behavioral.questions" in result.err, result
    assert not cli.json("kit", "--req", str(rid))["overridden"]


# --- the API -----------------------------------------------------------------------------------------


def _api(engine, monkeypatch, T0):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HIRING_NOW", (T0 + timedelta(days=1)).isoformat())
    return client(engine)


def test_get_kit_returns_the_cli_json(engine, open_requisition, monkeypatch, T0) -> None:
    with _api(engine, monkeypatch, T0) as api:
        api.headers.update(AUTH)
        resp = api.get(f"/requisitions/{open_requisition}/kit", params={"part": "behavioral"})
        assert resp.status_code == 200
        body: dict[str, Any] = resp.json()
        assert list(body["parts"]) == ["behavioral"] and "take_homes" not in body
        assert body == kit_for(engine, open_requisition).view(InterviewPart.BEHAVIORAL)
        bad = api.get(f"/requisitions/{open_requisition}/kit", params={"part": "coding"})
        assert bad.status_code == 422 and "technical_calibration" in bad.text
        assert api.get("/requisitions/999/kit").status_code == 404


def test_put_kit_stores_the_override(engine, open_requisition, monkeypatch, T0) -> None:
    with _api(engine, monkeypatch, T0) as api:
        api.headers.update(AUTH)
        resp = api.put(f"/requisitions/{open_requisition}/kit", json={"take_homes": [OWN_RAG]})
        assert resp.status_code == 200 and resp.json()["overridden"]
        bad = api.put(f"/requisitions/{open_requisition}/kit", json={"take_homes": [{**OWN_RAG, "rubric": {}}]})
        assert bad.status_code == 422
    assert kit_for(engine, open_requisition).kit.take_homes[0].title == "Claims RAG task"
