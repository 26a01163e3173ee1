"""Reading a YAML, JSON or TOML file that people wrote: one place for the errors that name the file."""

import json
import tomllib
from pathlib import Path
from typing import Any

from hiring.errors import InvalidInput

SUFFIXES = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML"}
MAX_YAML_NODES = 100_000  # values a YAML document may expand to, aliases counted each time they are used


def load_yaml(text: str, source: str) -> Any:
    """The one YAML loader: safe (no Python objects), and refusing a document whose aliases expand to more
    than MAX_YAML_NODES values (an "alias bomb": a few hundred bytes that expand to billions of values)."""
    import yaml

    try:
        loader = yaml.SafeLoader(text)  # its reader refuses some characters (NUL...) already here
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{source} is not valid YAML: {exc}") from None
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            raise InvalidInput(
                f"{source}: its aliases (*name) expand to more than {MAX_YAML_NODES:,} values; "
                "write the values out or use fewer aliases"
            )
        return None if node is None else loader.construct_document(node)
    except RecursionError:
        raise InvalidInput(f"{source} is nested too deeply") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a YAML date that does not exist (2026-02-31)
        raise InvalidInput(f"{source} is not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    """How many values `node` stands for once every alias is expanded (each shared node is measured once)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_YAML_NODES + 1  # a node reached again while being measured: a recursive alias
    if isinstance(node.value, list):
        children = [c for item in node.value for c in (item if isinstance(item, tuple) else (item,))]
        total = 1
        for child in children:
            total += _expanded_size(child, sizes)
            if total > MAX_YAML_NODES:
                break
    else:
        total = 1
    sizes[id(node)] = total
    return total


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
    if kind == "YAML":
        return load_yaml(text, f"{what} {path}")
    try:
        return json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{what} {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise InvalidInput(f"{what} {path} is nested too deeply") from None
