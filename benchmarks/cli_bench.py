"""Start-up cost of a read command: `hiring candidate show` against `python -c "import prefect"`.

Both run with the venv's interpreter (the `hiring` entry point next to it), alternately, after one warm-up
each; the median wall time of each is compared.
"""

import subprocess
import time
from pathlib import Path

from benchmarks.common import (
    HIRING,
    PYTHON,
    ROOT,
    Size,
    Table,
    bench_env,
    children_cpu,
    fresh_db,
    median,
    populate,
    url_of,
)

CPU: dict[str, list[float]] = {}  # command -> CPU seconds (user + system) of each run


def wall(command: list[str], env: dict[str, str], expect: str | None = None) -> float:
    cpu = children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - started
    CPU.setdefault("lean" if "benchmarks.lean_show" in command else command[-1], []).append(children_cpu() - cpu)
    if proc.returncode != 0 or (expect is not None and expect not in proc.stdout):
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return seconds


def run(size: Size, workdir: Path) -> list[Table]:
    path = fresh_db(workdir, "cli.db")
    populate(path, 100, [])
    env = bench_env(HIRING_DATABASE_URL=url_of(path))
    show = [HIRING, "candidate", "show", "42"]
    prefect = [PYTHON, "-c", "import prefect"]
    lean = [PYTHON, "-m", "benchmarks.lean_show", "42"]
    wall(show, env, expect="#42"), wall(prefect, env)  # warm-up: the OS file cache
    try:
        wall(lean, env, expect="#42")
        broken = ""
    except Exception as exc:  # the prototype may lag behind the product code it uses
        broken = str(exc).splitlines()[-1]
    shows: list[float] = []
    imports: list[float] = []
    leans: list[float] = []
    for _ in range(size.cli_repeats):
        shows.append(wall(show, env, expect="#42"))
        imports.append(wall(prefect, env))
        if not broken:
            leans.append(wall(lean, env, expect="#42"))
    project, baseline = median(shows), median(imports)
    table = Table("cli", "start-up of `hiring candidate show`")
    table.add(
        "`hiring candidate show 42` wall time",
        project,
        "s",
        baseline=baseline,
        baseline_name="python -c 'import prefect'",
        ratio=project / baseline,
        target="<= 0.5 x baseline",
        met=project / baseline <= 0.5,
    )
    lean_s = median(leans) if leans else None
    table.add(
        "prototype lean show (proposed change)",
        lean_s,
        "s",
        baseline=baseline,
        baseline_name="python -c 'import prefect'",
        ratio=lean_s / baseline if lean_s else None,
        note="benchmarks/lean_show.py: the same facts with SQLAlchemy Core queries; imports neither the "
        "SQLModel tables, hiring.service, pydantic-settings nor the other sub-commands",
    )
    table.notes.append(
        f"median of {size.cli_repeats} alternating runs after one warm-up each; "
        f"min show {min(shows) * 1000:.0f} ms, min import {min(imports) * 1000:.0f} ms"
    )
    show_cpu, import_cpu = median(CPU[show[-1]][1:]), median(CPU[prefect[-1]][1:])
    text = (
        f"CPU time (user + system) per run, median: show {show_cpu * 1000:.0f} ms, import prefect "
        f"{import_cpu * 1000:.0f} ms (ratio {show_cpu / import_cpu:.2f})"
    )
    if leans:
        lean_cpu = median(CPU["lean"][1:])
        text += f", lean show prototype {lean_cpu * 1000:.0f} ms (ratio {lean_cpu / import_cpu:.2f})"
    table.notes.append(text)
    if broken:
        table.notes.append(f"the lean show prototype could not run: {broken}")
    return [table]
