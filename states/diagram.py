"""The stage graph as Mermaid, generated from states.graph.TRANSITIONS (the README embeds it).

Rows whose source is a group of stages are drawn once, from a composite state for the group.
"""

from states.graph import TRANSITIONS
from states.stages import ACTIVE, BEFORE_ACCEPTANCE, INITIAL, ONBOARDING, REOPENABLE, Stage

GROUPS: dict[tuple[str, ...], str] = {
    tuple(s.value for s in BEFORE_ACCEPTANCE): "in_process",
    tuple(s.value for s in ONBOARDING): "onboarding",
}


def _names(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    values = list(value) if isinstance(value, list | tuple) else [value]
    return tuple(Stage(v).value for v in values)


def mermaid() -> str:
    edges: dict[tuple[str, str], list[str]] = {}
    everywhere: list[str] = []
    for row in TRANSITIONS:
        sources, trigger = _names(row["source"]), row["trigger"]
        if trigger == "reopen":
            for src in _names(REOPENABLE):
                edges.setdefault((src, GROUPS[_names(BEFORE_ACCEPTANCE)]), [])
            continue
        if sources == _names(ACTIVE):
            everywhere.append(trigger)
            continue
        origins = [GROUPS[sources]] if sources in GROUPS else list(sources)
        for src in origins:
            dest = src if row["dest"] is None else Stage(row["dest"]).value
            bucket = edges.setdefault((src, dest), [])
            if trigger not in bucket:
                bucket.append(trigger)
    lines = ["stateDiagram-v2"]
    for members, group in GROUPS.items():
        lines.append(f"    state {group} {{")
        if group == "in_process":
            lines.append(f"        [*] --> {INITIAL.value}")
        lines += [
            f"        {a} --> {b}: {', '.join(t)}"
            for (a, b), t in edges.items()
            if a in members and (b in members or b == a)
        ]
        lines.append("    }")
    for (a, b), triggers in edges.items():
        inside = any(a in m and (b in m or b == a) for m in GROUPS)
        if not inside:
            label = ", ".join(triggers) or "reopen (back to the stage left)"
            lines.append(f"    {a} --> {b}: {label}")
    lines.append(f"    note right of in_process: {' / '.join(everywhere)} in any active stage")
    return "\n".join(lines) + "\n"
