"""The cost of Prefect around the sweep: the `sla-sweep` flow against calling hiring.sla.sweep directly.

Runs in a fresh interpreter (benchmarks.child prefect). The direct sweeps run first, with no Prefect
server; then a temporary Prefect server starts (prefect_test_harness) and the flow runs with the flow-run
heartbeat off, as `hiring serve` runs it. The server's start and the warm-up runs are not counted. Every
run starts from the same database state (the same due timers). Task runs per flow run are read back from
the server.
"""

from pathlib import Path
from typing import Any

from benchmarks.common import NOW, Size, Table, bench_env, cache_dir, child, median, reset_sweep_db, sweep_db, url_of

REPEATS = {"tiny": 1, "full": 3}
SETTLE = {"tiny": 0.0, "full": 3.0}  # seconds of rest for the server before each measured flow run


def summary_event(rows: list[dict[str, Any]]) -> int:
    """The proposed replacement of flows.sla_sweep.emit_escalation_events: one event per sweep with counts
    and the escalation ids (ids only, as today), instead of one event per escalation."""
    from collections import Counter

    from prefect.events import emit_event

    if not rows:
        return 0
    payload = {
        "fired": len(rows),
        "by_level": dict(Counter(r["level"] for r in rows)),
        "escalation_ids": [r["escalation_id"] for r in rows[:1000]],
    }
    resource = {"prefect.resource.id": f"hiring.sla-sweep.{rows[0]['fired_at']}"}
    return int(emit_event(event="hiring.sla.swept", resource=resource, payload=payload) is not None)


def child_prefect(args: dict[str, Any]) -> dict[str, Any]:
    import os
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterFlowRunId
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    import flows.sla_sweep as module
    from flows.sla_sweep import sla_sweep_flow
    from hiring.policy_file import current_policy
    from hiring.settings import available_channels, get_settings
    from hiring.sla import sweep
    from models.db import make_engine

    # Time the flow's steps from the outside (the flow and its task look them up in their module when they run).
    parts: dict[str, list[float]] = {"sweep_once": [], "emit_escalation_events": [], "publish_artifacts": []}
    for name in parts:
        original = getattr(module, name)

        def timed_step(*a: Any, _original: Any = original, _name: str = name) -> Any:
            t0 = time.perf_counter()
            try:
                return _original(*a)
            finally:
                parts[_name].append(time.perf_counter() - t0)

        setattr(module, name, timed_step)
    at = NOW.isoformat()
    out: dict[str, Any] = {"sizes": {}, "parts": parts}

    def use(path: Path) -> None:
        os.environ["HIRING_DATABASE_URL"] = url_of(path)
        get_settings.cache_clear()
        current_policy.cache_clear()

    def direct(path: Path) -> float:
        reset_sweep_db(path)
        engine = make_engine(url_of(path))
        t0 = time.perf_counter()
        fired = sweep(engine, NOW, current_policy(), available_channels(), 500)
        seconds = time.perf_counter() - t0
        engine.dispose()
        assert len(fired) == args["due"], f"the direct sweep fired {len(fired)}, expected {args['due']}"
        return seconds

    def flow_run(path: Path) -> tuple[float, Any]:
        reset_sweep_db(path)
        t0 = time.perf_counter()
        state = sla_sweep_flow(now=at, batch_size=500, return_state=True)
        seconds = time.perf_counter() - t0
        fired = state.result()["fired"]
        assert fired == args["due"], f"the flow fired {fired}, expected {args['due']}"
        return seconds, state.state_details.flow_run_id

    paths = {n: Path(text) for n, text in args["paths"].items()}
    # The baseline first, with no Prefect server running: the server's own work (storing 1,000 events, the
    # artifacts) would otherwise slow the direct sweeps that run right after a flow run.
    for n, path in paths.items():
        use(path)
        direct(path)  # warm-up
        out["sizes"][n] = {"direct": [direct(path) for _ in range(args["repeats"])], "flow": []}
    started = time.perf_counter()
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_test_harness():
        out["server_start_s"] = time.perf_counter() - started
        time.sleep(3 * args["settle"])  # the server's background services are still starting
        # The proposed change first, at the largest size: one summary event per sweep instead of one per
        # escalation, and a table artifact of at most 100 rows. (After the product's runs it would inherit the
        # server's backlog of their events.)
        n, path = max(paths.items(), key=lambda item: int(item[0]))
        use(path)
        emit, publish = module.emit_escalation_events, module.publish_artifacts
        module.emit_escalation_events = summary_event
        module.publish_artifacts = lambda summary, rows: publish(summary, rows[:100])
        try:
            for _ in range(2):  # warm-up: the first flow runs register the flow and fill caches
                flow_run(path)
            flows = []
            for _ in range(args["repeats"]):
                time.sleep(args["settle"])
                flows.append(flow_run(path)[0])
            out["proposed"] = {"n": n, "flow": flows}
        except Exception as exc:  # the prototype may lag behind the flow it patches
            out["proposed"] = {"n": n, "error": f"{type(exc).__name__}: {exc}"}
        finally:
            module.emit_escalation_events, module.publish_artifacts = emit, publish
            reset_sweep_db(path)
            for values in parts.values():
                values.clear()  # the step timings are the product flow's only
        for n, path in paths.items():
            use(path)
            flow_run(path)  # warm-up
            task_runs = []
            for _ in range(args["repeats"]):
                time.sleep(args["settle"])  # let the server store the previous run's events first
                seconds, run_id = flow_run(path)
                out["sizes"][n]["flow"].append(seconds)
                with get_client(sync_client=True) as client:
                    runs = client.read_task_runs(
                        task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[run_id]))
                    )
                task_runs.append(len(runs))
            out["sizes"][n]["task_runs"] = max(task_runs)
            reset_sweep_db(path)
    return out


def run(size: Size, workdir: Path) -> list[Table]:
    paths = {n: str(sweep_db(workdir, n, size.due, cache=size.name == "full")) for n in size.prefect_sizes}
    env = bench_env(PREFECT_HOME=str(cache_dir() / "prefect-home"))
    args = {"paths": paths, "due": size.due, "repeats": REPEATS[size.name], "settle": SETTLE[size.name]}
    out = child("prefect", args, env=env)
    table = Table("prefect", f"sla-sweep flow vs direct sweep, {size.due:,} escalations")
    sizes = {int(n): v for n, v in out["sizes"].items()}
    for n, v in sizes.items():
        flow_s, direct_s = median(v["flow"]), median(v["direct"])
        extra = flow_s - direct_s
        table.add(
            f"flow overhead, {size.due:,} escalations among {n:,} candidates",
            flow_s,
            "s",
            baseline=direct_s,
            baseline_name="sweep() called directly",
            ratio=flow_s / direct_s,
            target="flow - direct <= 1 s",
            met=extra <= 1.0,
            note=f"flow - direct = {extra:.2f} s (flow runs: "
            + ", ".join(f"{x:.2f}" for x in v["flow"])
            + "; direct: "
            + ", ".join(f"{x:.2f}" for x in v["direct"])
            + ")",
        )
    small, large = min(sizes), max(sizes)
    runs_small, runs_large = sizes[small]["task_runs"], sizes[large]["task_runs"]
    table.add(
        f"task runs per flow run, {small:,} -> {large:,} candidates",
        runs_large,
        "task runs",
        baseline=runs_small,
        baseline_name=f"at {small:,}",
        ratio=runs_large / runs_small,
        ratio_name="growth",
        target="no growth",
        met=runs_large <= runs_small,
    )
    table.notes.append(
        f"temporary Prefect server (prefect_test_harness, {out['server_start_s']:.1f} s to start, "
        f"not counted), heartbeat off; median of {REPEATS[size.name]} flow runs after a warm-up run, "
        f"each after {SETTLE[size.name]:.0f} s of rest for the server, against the median of "
        f"{REPEATS[size.name]} direct sweeps after one, measured before the server started; the flow "
        "also emits one Prefect event per escalation and two artifacts"
    )
    proposed = out["proposed"]
    direct_p = median(sizes[int(proposed["n"])]["direct"])
    flow_p = median(proposed["flow"]) if "flow" in proposed else None
    what = (
        "flows/sla_sweep.py run with emit_escalation_events replaced by one hiring.sla.swept event per run "
        "(counts and ids) and the table artifact cut to 100 rows (benchmarks/prefect_bench.py summary_event)"
    )
    table.add(
        f"prototype: one summary event, 100-row table, {int(proposed['n']):,} candidates (proposed change)",
        flow_p,
        "s",
        baseline=direct_p,
        baseline_name="sweep() called directly",
        ratio=flow_p / direct_p if flow_p else None,
        note=(f"flow - direct = {flow_p - direct_p:.2f} s; " if flow_p else f"could not run: {proposed.get('error')}; ")
        + what,
    )
    parts = {name: median(values) for name, values in out["parts"].items() if values}
    table.notes.append(
        "inside the flow, median per run: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
        + f" ({size.due:,} events; a table artifact of up to 1,000 rows); sweep_once is the task's "
        "work: make_engine, require_schema, sweep, rows for the artifact"
    )
    return [table]
