"""What every command shares: the engine from settings, JSON/table output, parsing of --data and --at."""

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine

from hiring.errors import InvalidInput
from hiring.terminal import plain

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def engine(check_schema: bool = True) -> Engine:
    """The policy checked, then the configured database's engine (its schema checked): hiring.bootstrap."""
    from hiring.bootstrap import bootstrap

    return bootstrap(check_schema=check_schema)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_jsonable, ensure_ascii=False) + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def load_data(text: str | None) -> dict[str, Any]:
    """--data takes inline JSON or @path to a JSON/YAML file."""
    if not text:
        return {}
    source = "--data"
    if text.startswith("@"):
        path = Path(text[1:])
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{path} is not UTF-8 text") from None
        if path.suffix.lower() in (".yaml", ".yml"):
            return _mapping(_yaml(text, source), source)
    try:
        return _mapping(json.loads(text), source)
    except RecursionError:
        raise InvalidInput(f"{source} is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def read_document(path: Path) -> dict[str, Any]:
    """A YAML or JSON file holding one mapping."""
    from hiring.documents import load_document

    return _mapping(load_document(path), str(path))


def _yaml(text: str, source: str) -> Any:
    from hiring.documents import load_yaml

    return load_yaml(text, source)


def _mapping(value: Any, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{source} must hold a mapping (an object of field: value)")
    return value


def parse_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    from hiring.clock import InvalidTime, parse_instant

    try:
        return parse_instant(text, "--at")
    except InvalidTime as exc:
        raise InvalidInput(str(exc)) from None


def validation_problems(exc: Any) -> str:
    """pydantic's errors as '  - field: problem' lines."""
    from states.field_problems import field_problems, problem_lines

    return problem_lines(field_problems(exc))


def timer_status(t: dict[str, Any], overdue_word: str = "overdue") -> Text:
    """An open timer's state for the terminal: paused, overdue (red) or due in."""
    if t["paused"]:
        return plain("paused (on hold)", "yellow")
    if t["overdue"]:
        return plain(f"{overdue_word} {t['overdue_by']}", "bold red")
    return plain(f"due in {t['due_in']}")
