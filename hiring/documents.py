"""Reading a YAML, JSON or TOML file that people wrote: one place for the errors that name the file."""

import json
import tomllib
from pathlib import Path
from typing import Any

from hiring.errors import InvalidInput

SUFFIXES = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML"}


def load_document(path: Path, what: str = "file", formats: tuple[str, ...] = ("JSON", "YAML")) -> Any:
    """The parsed content of `path`; InvalidInput (exit 2) naming the file and the problem otherwise.

    The format comes from the suffix; a suffix outside `formats` is read as the last of them (YAML by default,
    which also reads plain JSON), except that a format list without YAML refuses other suffixes.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} {path} is not UTF-8 text") from None
    kind = SUFFIXES.get(path.suffix.lower())
    if kind not in formats:
        if "YAML" not in formats:
            allowed = ", ".join(s for s, k in SUFFIXES.items() if k in formats)
            raise InvalidInput(f"{what} {path}: use a {allowed} file")
        kind = "YAML"
    try:
        if kind == "JSON":
            return json.loads(text)
        if kind == "TOML":
            return tomllib.loads(text)
        import yaml

        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{what} {path} is not valid TOML: {exc}") from None
    except Exception as exc:  # yaml.YAMLError (yaml is imported lazily: most commands never read YAML)
        if type(exc).__module__.startswith("yaml"):
            raise InvalidInput(f"{what} {path} is not valid YAML: {exc}") from None
        if isinstance(exc, ValueError):  # a YAML date that does not exist: 2026-02-31
            raise InvalidInput(f"{what} {path} is not valid {kind}: {exc}") from None
        raise
