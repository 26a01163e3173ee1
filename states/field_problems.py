"""pydantic's validation errors as (field, problem) pairs: the one formatter every layer uses.

Pure (it reads the error dicts pydantic produces), so it sits in states/, the lowest layer: the rules, the
application and its entry points all turn a ValidationError into "field: problem" lines through it.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

V = TypeVar("V")

# What a person is told instead of pydantic's wording, by error type.
STANDARD: Mapping[str, str] = {"missing": "is required", "extra_forbidden": "is not a known field"}


def field_problems(
    errors: Any,
    *,
    empty_field: str = "value",
    messages: Mapping[str, str] = STANDARD,
    otherwise: str | None = None,
    drop_first: Iterable[str] = (),
    blank_is_missing: bool = False,
) -> list[tuple[str, str]]:
    """(field, problem) for each error of a ValidationError (or its `.errors()` list).

    The field is the dotted location (`empty_field` when it has none), without a first part named in
    `drop_first` (FastAPI's "body", "query"...). The problem is `messages[type]`, else `otherwise` (for a
    caller that must not echo pydantic's message, which can quote the input), else pydantic's message.
    With `blank_is_missing`, an empty string refused as too short counts as missing.
    """
    drop = frozenset(drop_first)
    out = []
    for err in errors.errors() if hasattr(errors, "errors") else errors:
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in drop:
            loc = loc[1:]
        kind = str(err.get("type", ""))
        if blank_is_missing and kind == "string_too_short" and not err.get("input"):
            kind = "missing"
        problem = messages.get(kind, otherwise if otherwise is not None else str(err["msg"]))
        out.append((".".join(loc) or empty_field, problem))
    return out


def problem_lines(problems: Iterable[tuple[str, str]]) -> str:
    """'  - field: problem' lines, as the CLI and the file loaders print them."""
    return "\n".join(f"  - {where}: {problem}" for where, problem in problems)


def exact_keys(value: dict[str, V], allowed: tuple[str, ...], lead: str) -> dict[str, V]:
    """`value` unchanged when its keys are exactly `allowed`; else ValueError (pydantic reports it as the
    field's problem): `lead`, the allowed keys, and which are missing and which unknown."""
    missing = [k for k in allowed if k not in value]
    unknown = [k for k in value if k not in allowed]
    if missing or unknown:
        raise ValueError(
            f"{lead}: {', '.join(allowed)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return value
