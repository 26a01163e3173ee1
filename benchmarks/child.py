"""Jobs that must run in a fresh interpreter (peak RSS, import costs): `python -m benchmarks.child JOB ARGS`.

ARGS is a JSON object; the job's result is printed as one JSON line on stdout.
"""

import importlib
import json
import sys

# job -> (module, function); only the job's own module is imported (it matters for peak RSS).
JOBS = {
    "sweep": ("benchmarks.sweep_bench", "child_sweep"),
    "machines": ("benchmarks.machines_bench", "child_machines"),
    "prefect": ("benchmarks.prefect_bench", "child_prefect"),
    "poll": ("benchmarks.lateness_bench", "child_poll"),
}


def main() -> None:
    job, args = sys.argv[1], json.loads(sys.argv[2])
    module, function = JOBS[job]
    result = getattr(importlib.import_module(module), function)(args)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
