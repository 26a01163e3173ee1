"""Running the `hiring` command in this process, fast enough for hypothesis: `hiring.cli.main` with sys.argv,
the environment and the output streams swapped for one call, and every engine it made disposed of after it."""

import io
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any
from unittest import mock

from sqlalchemy import Engine

import models.db
from tests.support.procs import clear_cached_settings


@dataclass
class Outcome:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"hiring {' '.join(map(repr, self.args))} -> exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"


@contextmanager
def _tracked_engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    real = models.db.make_engine

    def make(url: str, *args: Any, **kwargs: Any) -> Engine:
        engine = real(url, *args, **kwargs)
        made.append(engine)
        return engine

    with mock.patch.object(models.db, "make_engine", make):
        yield made
    for engine in made:
        engine.dispose()


def run_cli(args: list[str], env: dict[str, str]) -> Outcome:
    """`hiring ARGS` through hiring.cli.main (exit codes mapped there), with HIRING_* taken from `env` only.

    An exception escaping main() is an outcome too: exit 1, its traceback in stderr (what a user would see).
    """
    from hiring.cli import main

    environ = {k: v for k, v in os.environ.items() if not k.startswith("HIRING_")}
    environ.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", **env})
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with (
        mock.patch.dict(os.environ, environ, clear=True),
        mock.patch.object(sys, "argv", ["hiring", *args]),
        redirect_stdout(out),
        redirect_stderr(err),
        _tracked_engines(),
    ):
        clear_cached_settings()
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        except BaseException:  # main() let something through: that is the finding
            err.write(traceback.format_exc())
            code = 1
        finally:
            clear_cached_settings()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        err.write(str(code))
        code = 1
    return Outcome(tuple(args), code, out.getvalue(), err.getvalue())
