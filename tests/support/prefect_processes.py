"""A real Prefect server, work pool, deployments and process workers for the Prefect proof, in subprocesses.

The minimal pattern of tests/integration/test_deployment.py (copied, not imported: a test module is no library): every
process in its own process group with its output in a log file, stopped in reverse order (workers before the
server), a fresh PREFECT_HOME, and the server reached over its REST API only.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.paths import REPO

PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "hiring"
DISPATCH_DEPLOYMENT = {
    "name": "dispatch-notifications",
    "description": "Send every due outbox notification.",
    "entrypoint": "flows/dispatch.py:dispatch_notifications_flow",
    "tags": ["hiring", "notifications"],
    "work_pool": {"name": POOL, "work_queue_name": "default", "job_variables": {}},
    "schedules": [{"cron": "* * * * *", "timezone": "UTC", "active": True}],
}
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


class Processes:
    """Subprocesses in their own process groups, with their output in log files."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((proc, log))
        return proc

    def run(self, name: str, args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> str:
        proc = self.start(name, args, env, cwd)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc)
            pytest.fail(f"{' '.join(args)} did not finish in {timeout} s:\n{self.output(proc)}")
        if code != 0:
            pytest.fail(f"{' '.join(args)} exited with {code}:\n{self.output(proc)}")
        return self.output(proc)

    def output(self, proc: subprocess.Popen[bytes]) -> str:
        log = next(log for p, log in self.started if p is proc)
        return log.read_text(errors="replace")

    @staticmethod
    def stop(proc: subprocess.Popen[bytes], grace: float = 5) -> None:
        if proc.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for proc, _ in reversed(self.started):  # workers (started last) before the server
            self.stop(proc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(processes: Processes, home: Path, database_url: str | None = None) -> tuple[str, dict[str, str]]:
    """`prefect server start` on 127.0.0.1 without its scheduler; its API URL and its clients' environment.

    database_url: the server's own database (postgresql+asyncpg://...), as the README's scale-out set-up has it;
    default: SQLite in PREFECT_HOME."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HIRING_"))}
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    server_env = {**env, "PREFECT_API_DATABASE_CONNECTION_URL": database_url} if database_url else env
    args = [
        PREFECT,
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-scheduler",
        "--no-late-runs",
        "--no-ui",
    ]
    server = processes.start("server", args, server_env, home.parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"prefect server exited with {server.returncode}:\n{processes.output(server)}")
        try:
            if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                return api, env
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"prefect server did not answer /api/health in 60 s:\n{processes.output(server)}")


def api_call(method: str, url: str, **kwargs: Any) -> Any:
    """One API request; a busy server (503, a dropped connection) is asked again, a few times."""
    for attempt in range(5):
        try:
            response = httpx.request(method, url, timeout=30, **kwargs)
        except httpx.TransportError:
            if attempt == 4:
                raise
        else:
            if response.status_code != 503 or attempt == 4:
                break
        time.sleep(0.5 * 2**attempt)
    assert response.is_success, f"{method} {url} -> {response.status_code}: {response.text}"
    return response.json()


def prefect_file(into: Path, names: tuple[str, ...]) -> Path:
    """A copy of the repository's prefect.yaml with only the deployments `names` (dispatch-notifications added
    if the repository's file lacks it). Deployed from the repository root, so entrypoints resolve there."""
    doc = yaml.safe_load((REPO / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in doc["deployments"]}
    deployments.setdefault(DISPATCH_DEPLOYMENT["name"], DISPATCH_DEPLOYMENT)
    doc["deployments"] = [deployments[name] for name in names]
    path = into / "prefect.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def wait_for_runs(api: str, run_ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Poll until every flow run is in a terminal state (or the time is up); the runs as the API shows them."""
    deadline = time.monotonic() + timeout
    runs: dict[str, dict[str, Any]] = {}
    while True:
        found = api_call(
            "POST", f"{api}/flow_runs/filter", json={"flow_runs": {"id": {"any_": run_ids}}, "limit": len(run_ids)}
        )
        runs = {r["id"]: r for r in found}
        if len(runs) == len(run_ids) and all((r["state"] or {}).get("type") in TERMINAL for r in runs.values()):
            return runs
        if time.monotonic() > deadline:
            return runs
        time.sleep(0.5)
