"""`uv run python -m benchmarks [--size tiny|full] [--only NAME[,NAME...]]`: run the benchmarks, print tables.

Each table puts the project's figure next to a baseline measured in the same run, their ratio, the target
and whether it was met. A missed target is reported, not raised: the exit code is non-zero only when a
benchmark could not run at all.
"""

import argparse
import importlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.common import SIZES, Row, Table, render_markdown, render_text

# name -> (module, function, what it measures); run in this order.
BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "sweep": ("benchmarks.sweep_bench", "run_sweep", "sweep time vs candidates, naive full scan"),
    "memory": ("benchmarks.sweep_bench", "run_memory", "sweep peak RSS vs candidates"),
    "throughput": ("benchmarks.throughput_bench", "run", "apply_event vs raw Core; CSV import"),
    "machines": ("benchmarks.machines_bench", "run", "one shared machine vs a Machine per candidate"),
    "cli": ("benchmarks.cli_bench", "run", "`hiring candidate show` vs `import prefect`"),
    "dispatch": ("benchmarks.dispatch_bench", "run", "outbox dispatch into a loopback HTTP receiver"),
    "prefect": ("benchmarks.prefect_bench", "run", "sla-sweep flow vs calling sweep directly"),
    "lateness": ("benchmarks.lateness_bench", "run", "`hiring serve` lateness with 100k open timers"),
}


def machine_line() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, load average {load}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def selected(only: list[str] | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    names = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    return [n for n in BENCHMARKS if n in names]


def run_one(name: str, size_name: str, workdir: Path) -> list[Table]:
    module, function, _ = BENCHMARKS[name]
    started = time.perf_counter()
    try:
        tables: list[Table] = getattr(importlib.import_module(module), function)(SIZES[size_name], workdir / name)
    except Exception as exc:
        table = Table(name, "could not run")
        table.rows.append(Row("error", None, "", note=f"{type(exc).__name__}: {exc}"))
        table.notes.append(traceback.format_exc().strip().splitlines()[-1])
        traceback.print_exc()
        tables = [table]
        tables[0].seconds = time.perf_counter() - started
        return tables
    elapsed = time.perf_counter() - started
    for table in tables:
        table.seconds = elapsed / len(tables)
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default="full",
        help="tiny: a seconds-long smoke run; full: the sizes the targets are stated at",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these (comma-separated or repeated): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the tables as Markdown")
    parser.add_argument("--workdir", type=Path, help="where to put databases (default: a fresh temp folder)")
    args = parser.parse_args(argv)
    if args.list:
        for name, (_, _, what) in BENCHMARKS.items():
            print(f"{name:12} {what}")
        return 0
    names = selected(args.only)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hiring-bench-"))
    print(f"benchmarks, size {args.size}: {', '.join(names)}", flush=True)
    print(f"machine: {machine_line()}", flush=True)
    started = time.perf_counter()
    tables: list[Table] = []
    for name in names:
        for table in run_one(name, args.size, workdir):
            tables.append(table)
            print("\n" + render_text(table), flush=True)
    failed = [t.name for t in tables if t.title == "could not run"]
    missed = [f"{t.name}: {r.metric}" for t in tables for r in t.rows if r.met is False]
    print(f"\n{len(tables)} table(s) in {time.perf_counter() - started:.1f} s; machine at the end: {machine_line()}")
    print(f"targets missed: {len(missed)}" + "".join(f"\n  - {m}" for m in missed))
    if failed:
        print(f"could not run: {', '.join(failed)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"size": args.size, "machine": machine_line(), "tables": [t.as_dict() for t in tables]}, indent=2
            )
        )
    if args.markdown:
        args.markdown.write_text("\n".join(render_markdown(t) for t in tables))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
