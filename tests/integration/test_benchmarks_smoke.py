"""Every benchmark runs at its tiny size and prints its table. A smoke test only: it never checks a timing
(the figures and targets are in BENCHMARKS.md, from `uv run python -m benchmarks`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS
from benchmarks.common import HEADER
from tests.support.paths import REPO

pytestmark = pytest.mark.slow
ROOT = REPO


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_runs_at_tiny_size_and_prints_its_table(name: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIRING_", "PREFECT_API"))}
    env.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--size",
            "tiny",
            "--only",
            name,
            "--workdir",
            str(tmp_path),
            "--json",
            str(tmp_path / "results.json"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, output
    assert f"== {name}:" in proc.stdout, output
    assert all(column in proc.stdout for column in HEADER), output
    assert "could not run" not in proc.stdout, output
    tables = json.loads((tmp_path / "results.json").read_text())["tables"]
    assert tables and all(t["name"] == name for t in tables), tables
    assert all(t["rows"] and all(r["project"] is not None for r in t["rows"]) for t in tables), tables
