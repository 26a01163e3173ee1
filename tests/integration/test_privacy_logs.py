"""Neither the API's logs nor the Prefect logs carry a candidate's name or email.

The API is checked twice: in process with every logger captured at DEBUG (including an unexpected error whose
message quotes the person), and as the real server (`python -m hiring.api`, uvicorn) whose whole output is
read. The Prefect check runs the sweep and dispatch flows and the retention rule against candidates with
distinctive names, under a temporary Prefect server, and reads back every log line the server stored.
"""

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from hiring.privacy import apply_retention
from tests.support import payloads
from tests.support.api import AUTH, SECRET, client, delivery, greenhouse_body, signature

NAME, EMAIL = "Zoë Quackenbush", "zoe.quackenbush@example.org"
GH_NAME, GH_EMAIL = "Ximena Oyelaran-Thistlewood", "ximena.thistlewood@example.net"
SECRETS = (NAME, EMAIL, "Quackenbush", "zoe.quackenbush", GH_NAME, "Thistlewood", GH_EMAIL)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s.lower() in text.lower()]


def exercise(api: httpx.Client | object, requisition_id: int) -> None:
    """Requests that carry the people's data in every place a request can: bodies, paths, errors, webhooks."""
    person = {**payloads.new_candidate(requisition_id, name=NAME, email=EMAIL), "external_id": "zoe-q"}
    created = api.post("/candidates", json=person, headers=AUTH)  # type: ignore[attr-defined]
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert api.post("/candidates", json=person, headers=AUTH).status_code == 409  # type: ignore[attr-defined]
    bad = {**person, "email": f"{NAME} <{EMAIL}", "external_id": None}
    assert api.post("/candidates", json=bad, headers=AUTH).status_code == 422  # type: ignore[attr-defined]
    assert api.get(f"/candidates/{EMAIL}", headers=AUTH).status_code == 404  # type: ignore[attr-defined]
    assert api.get("/candidates/zoe-q", headers=AUTH).status_code == 200  # type: ignore[attr-defined]
    assert api.get("/candidates", params={"stage": "sourced"}, headers=AUTH).status_code == 200  # type: ignore[attr-defined]
    event = {"trigger": "reject", "payload": {"reason": "other", "note": f"{NAME} asked us to stop"}}
    assert api.post(f"/candidates/{cid}/events", json=event, headers=AUTH).status_code == 201  # type: ignore[attr-defined]
    assert api.post(f"/candidates/{cid}/events", json=event, headers=AUTH).status_code == 409  # type: ignore[attr-defined]
    first, last = GH_NAME.split(" ", 1)
    doc = delivery("new_candidate_application", first_name=first, last_name=last, email=GH_EMAIL)
    body = greenhouse_body(doc)
    resp = api.post(
        "/webhooks/greenhouse",
        content=body,
        headers={  # type: ignore[attr-defined]
            "Signature": signature(body),
            "Greenhouse-Event-ID": "evt-1",
            "Content-Type": "application/json",
        },
    )
    assert resp.status_code == 200 and resp.json()["status"] == "applied", resp.text
    resp = api.post(
        "/webhooks/greenhouse",
        content=body,
        headers={  # type: ignore[attr-defined]
            "Signature": "sha256 " + "0" * 64,
            "Greenhouse-Event-ID": "evt-2",
        },
    )
    assert resp.status_code == 401
    assert api.post(f"/candidates/{cid}/erasure", json={"by": "dpo"}, headers=AUTH).status_code == 200  # type: ignore[attr-defined]


def gh_policy_yaml(requisition_id: int) -> str:
    return f"ats:\n  jobs: {{274075: {requisition_id}}}\n  stages: {{Application Review: null}}\n"


# --- the API, in process --------------------------------------------------------------------------


def test_the_api_logs_no_names_or_emails(engine, open_requisition, T0, monkeypatch, caplog) -> None:
    from hiring.api.routes import candidates as routes
    from tests.support.api import gh_policy

    monkeypatch.setenv("HIRING_NOW", (T0 + timedelta(days=1)).isoformat())
    caplog.set_level(logging.DEBUG)
    with client(engine, gh_policy(open_requisition)) as api:
        exercise(api, open_requisition)

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"could not render {NAME} <{EMAIL}>")

        monkeypatch.setattr(routes, "candidate_history", broken)
        resp = api.get("/candidates/1/events", headers=AUTH)
        assert resp.status_code == 500 and NAME not in resp.text
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the test's client
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server)
    assert "hiring.api.access" in logged and "POST /candidates/{ref}/events 201" in logged
    assert "unexpected RuntimeError on GET /candidates/{ref}/events" in logged
    assert leaks(logged) == []


# --- the API, served by uvicorn -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(db_url: str, open_requisition: int, tmp_path: Path, T0) -> Iterator[tuple[str, subprocess.Popen]]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(gh_policy_yaml(open_requisition), encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIRING_")}
    env.update(
        {
            "HIRING_DATABASE_URL": db_url,
            "HIRING_API_TOKENS": AUTH["Authorization"].split()[1],
            "HIRING_GREENHOUSE_SECRET": SECRET,
            "HIRING_POLICY_FILE": str(policy),
            "HIRING_NOW": (T0 + timedelta(days=1)).isoformat(),
            "PYTHONUNBUFFERED": "1",
        }
    )
    command = [sys.executable, "-m", "hiring.api", "--port", str(port), "--log-level", "debug"]
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"the API did not start:\n{proc.communicate()[0]}")
    yield base, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_the_served_api_logs_no_names_or_emails(served, open_requisition) -> None:
    base, proc = served
    with httpx.Client(base_url=base, timeout=10) as api:
        exercise(api, open_requisition)
    proc.terminate()
    output, _ = proc.communicate(timeout=15)
    assert "Uvicorn running on" in output or "Application startup complete" in output, output
    assert "POST /webhooks/greenhouse 200" in output and "GET /candidates/{ref} 404" in output, output
    assert leaks(output) == [], output


# --- Prefect ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_test_harness():
        yield


@pytest.mark.slow
def test_prefect_logs_carry_no_names_or_emails(
    prefect_server, db_url, engine, candidate, drive, clock, monkeypatch
) -> None:
    from prefect import flow, get_run_logger
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId

    from flows.dispatch import dispatch_notifications_flow
    from flows.sla_sweep import sla_sweep_flow
    from states.policy import parse_policy
    from tests.support.procs import clear_cached_settings

    zoe = candidate(name=NAME, email=EMAIL)
    drive(zoe, "screen")
    gone = candidate(name=GH_NAME, email=GH_EMAIL)
    drive.to(gone, "rejected")
    monkeypatch.setenv("HIRING_DATABASE_URL", db_url)
    clear_cached_settings()
    later = clock.tick(days=200)

    @flow(name="retention-check")
    def retention_flow() -> dict:
        """What the daily flow does with the retention rule: run it, log the counts and ids."""
        result = apply_retention(engine, later, parse_policy({"retention": {"erase_after": {"rejected": "180d"}}}))
        get_run_logger().info("retention: %s", result.as_dict())
        return result.as_dict()

    states = [
        sla_sweep_flow(now=later.isoformat(), return_state=True),
        dispatch_notifications_flow(now=later.isoformat(), return_state=True),
        retention_flow(return_state=True),
    ]
    assert all(s.is_completed() for s in states), states
    ids = [s.state_details.flow_run_id for s in states]
    with get_client(sync_client=True) as prefect:
        assert len(prefect.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))) == 3
        for _ in range(50):  # logs reach the server in batches
            logs = prefect.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
            if any("retention" in log.message for log in logs):
                break
            time.sleep(0.2)
    text = "\n".join(log.message for log in logs)
    assert "escalation" in text and "retention" in text, text
    assert leaks(text) == [], text
    with pytest.raises(AssertionError):
        assert leaks(f"hello {NAME}") == []  # the check itself can see a leak
    monkeypatch.undo()
    clear_cached_settings()
