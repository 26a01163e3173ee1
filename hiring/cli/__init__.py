"""The `hiring` command. Commands that do not run a flow never import Prefect (start-up stays fast)."""

import os
import sys

import click
import typer

from hiring.cli import candidates, events, integrations, kits, notify, report, roles, sla, todo
from hiring.cli.common import err_console
from hiring.terminal import line, plain

app = typer.Typer(
    name="hiring",
    help="Hiring of AI engineers as code: requisitions, candidates, stages, SLA timers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _settings_first() -> None:
    from hiring.settings import get_settings

    get_settings()  # every setting is checked before any command runs: a bad one is exit 2, named


app.add_typer(roles.app, name="role")
app.add_typer(candidates.app, name="candidate")
events.register(app)
sla.register(app)
todo.register(app)
notify.register(app)
report.register(app)
integrations.register(app)
kits.register(app, roles.app)


@app.command()
def init() -> None:
    """Create the database, or upgrade its schema to this version."""
    from hiring.cli.common import console, engine
    from hiring.settings import get_settings
    from models.db import upgrade
    from models.urls import redact_url

    upgrade(engine(check_schema=False))
    console.print(line("database ready: ", redact_url(get_settings().database_url)))


@app.command()
def demo(
    path: str = typer.Option(
        None, "--db", help="Where to build the demo database (default: a file in the temp folder)."
    ),
) -> None:
    """Build a fresh demo database, replay a few simulated weeks of hiring, and print the board."""
    from hiring.cli.common import console
    from hiring.demo import run_demo

    run_demo(path, console=console)


def _exit_code(exc: BaseException) -> int:
    from hiring.clock import InvalidTime
    from hiring.errors import HiringError
    from models.db import DatabaseBusy, DatabaseNotReady
    from states.candidate import OutOfOrder
    from states.errors import GuardRefused, InvalidPayload, TriggerNotAllowed, UnknownTrigger

    if isinstance(exc, HiringError):
        return exc.exit_code
    if isinstance(exc, InvalidPayload | UnknownTrigger | OutOfOrder | InvalidTime):
        return 2
    if isinstance(exc, TriggerNotAllowed | GuardRefused | DatabaseBusy):
        return 3
    if isinstance(exc, DatabaseNotReady):
        return 4
    return 1


def main() -> None:
    """Entry point: maps errors to exit codes (0 ok, 1 unexpected, 2 invalid input, 3 conflict, 4 not found)
    with a one-paragraph message, no traceback."""
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)  # e.g. 130 when Ctrl-C lands before a command installs its own handlers
    except (click.exceptions.Exit, typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except (click.ClickException, typer.exceptions.TyperException) as exc:
        # typer >= 0.29 raises its own (vendored) click's exceptions: its usage errors are not click's
        exc.show()  # type: ignore[union-attr]  # every click error has show()
        sys.exit(2)
    except (click.exceptions.Abort, typer.Abort):
        err_console.print("aborted")
        sys.exit(1)
    except Exception as exc:
        code = _exit_code(exc)
        if code == 1 and os.environ.get("HIRING_DEBUG"):
            raise
        label = "error" if code != 1 else f"unexpected error ({type(exc).__name__})"
        # The message may quote user input: it is printed as text, never as markup (a name such as
        # "Eve [/]" must not turn the error into a MarkupError traceback).
        err_console.print(line((f"{label}:", "bold red"), " ", plain(exc, keep_newlines=True)), soft_wrap=True)
        sys.exit(code)
