"""The production path, for real: a Prefect server on 127.0.0.1, the `hiring` process work pool, `prefect deploy`
from prefect.yaml, and a process worker that runs the `sla-sweep` deployment against the test's database.

Everything runs in subprocesses with a fresh PREFECT_HOME, exactly as the README tells people to run it; the
test talks to the server over its REST API only. Processes are stopped in reverse order (the worker before
the server), whole process groups at a time, whatever happens. The pull steps are also run in-process (fast)
to show how a run finds the checkout, and how it fails when HIRING_HOME is missing.
"""

import asyncio
import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select
from sqlmodel import Session

from models.tables import Escalation
from tests.support.prefect_processes import POOL, PREFECT, REPO, Processes, api_call, start_server


def pull_steps() -> list[dict[str, Any]]:
    return yaml.safe_load((REPO / "prefect.yaml").read_text())["pull"]


def run_pull_steps() -> dict[str, Any]:
    """Run prefect.yaml's pull steps here, as a worker's run does before loading the flow.

    Prefect opens an API client for placeholders of variables and blocks; there are none, so it may point at
    a closed port: no server gets started for this, and one request would fail the test.
    """
    from prefect.deployments.steps.core import run_steps
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        return asyncio.run(run_steps(pull_steps(), print_function=lambda *_: None))


def test_pull_steps_take_a_run_to_the_checkout_named_by_the_workers_hiring_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.chdir(tmp_path)  # restored after the test: the steps change this process's directory
    monkeypatch.setenv("HIRING_HOME", str(checkout))
    assert run_pull_steps()["directory"] == str(checkout.resolve())
    assert Path.cwd() == checkout.resolve()


@pytest.mark.parametrize("home", [None, "/no/such/checkout"])
def test_pull_steps_refuse_a_missing_hiring_home_and_say_so(
    home: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if home is None:
        monkeypatch.delenv("HIRING_HOME", raising=False)
    else:
        monkeypatch.setenv("HIRING_HOME", home)
    from prefect.deployments.steps.core import StepExecutionError

    with pytest.raises(StepExecutionError) as failure:
        run_pull_steps()
    assert ("set HIRING_HOME to the hiring-pipeline checkout" if home is None else home) in str(failure.value.__cause__)
    assert Path.cwd() == tmp_path


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


@pytest.fixture
def prefect_server(db_url: str, tmp_path: Path, processes: Processes) -> tuple[str, dict[str, str]]:
    """A real `prefect server start` on 127.0.0.1 (no scheduler: the every-minute schedule must not race the
    test's own run); its API URL and the environment of its clients. It needs the test's database first, so a
    backend that is skipped (PostgreSQL without HIRING_TEST_POSTGRES_URL) skips before a server starts."""
    return start_server(processes, tmp_path / "prefect-home")


@pytest.mark.slow
def test_sla_sweep_deployment_runs_on_a_real_worker(
    db_url: str,
    prefect_server: tuple[str, dict[str, str]],
    processes: Processes,
    tmp_path: Path,
    engine: Engine,
    candidate: Callable[..., int],
    T0: datetime,
) -> None:
    api, env = prefect_server
    cids = {candidate(), candidate()}
    at = T0 + timedelta(days=9)  # every level of both screen_decision timers is due

    processes.run("work-pool", [PREFECT, "work-pool", "create", POOL, "--type", "process"], env, tmp_path)
    # From inside the checkout, as people deploy. A HIRING_HOME here must not end up in the deployment:
    # the pull step is filled in from the worker's environment when a run starts.
    deploy_env = {**env, "HIRING_HOME": "/deploy-time/value-not-used"}
    processes.run("deploy", [PREFECT, "--no-prompt", "deploy", "--all"], deploy_env, REPO, timeout=90)

    deployment = api_call("GET", f"{api}/deployments/name/sla-sweep/sla-sweep")
    assert deployment["entrypoint"] == "flows/sla_sweep.py:sla_sweep_flow"
    assert deployment["work_pool_name"] == POOL
    assert deployment["pull_steps"] == pull_steps()  # stored as written: nothing of the deployer's machine
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "* * * * *" and schedule["active"]

    run = api_call(
        "POST", f"{api}/deployments/{deployment['id']}/create_flow_run", json={"parameters": {"now": at.isoformat()}}
    )

    # The worker starts outside the checkout: the pull step must take the run there.
    worker_env = {**env, "HIRING_HOME": str(REPO), "HIRING_DATABASE_URL": db_url}
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    worker = processes.start(
        "worker", [PREFECT, "worker", "start", "--pool", POOL, "--run-once"], worker_env, worker_dir
    )
    try:
        worker.wait(timeout=90)
    except subprocess.TimeoutExpired:
        processes.stop(worker)
    state = api_call("GET", f"{api}/flow_runs/{run['id']}")["state"]
    assert state["type"] == "COMPLETED", f"flow run is {state['type']}: {state.get('message')}\n" + (
        processes.output(worker)
    )

    with Session(engine) as session:
        fired = list(session.execute(select(Escalation)).scalars())
    assert len(fired) == 8 and {e.candidate_id for e in fired} == cids
    assert all(e.fired_at == at for e in fired)
    only_this_run = {"key": {"any_": ["sla-sweep"]}, "flow_run_id": {"any_": [run["id"]]}}
    [table] = api_call("POST", f"{api}/artifacts/filter", json={"artifacts": only_this_run})
    assert {row["candidate_id"] for row in json.loads(table["data"])} == cids
