"""README tables generated from the code that defines them (a test keeps the README's copies current)."""

import re
from collections.abc import Callable

from states.diagram import mermaid
from states.durations import human
from states.graph import TRANSITIONS
from states.payloads import CHECKPOINT_PAYLOADS, PAYLOADS
from states.policy import DEFAULT_POLICY, Level
from states.profiles import PROFILES
from states.role_rules import RULES
from states.sourcing import CHANNELS, RECOMMENDED
from states.stages import Stage
from states.timers import TIMERS


def policy_table() -> str:
    lines = ["| timer | opens on | closes on | due | owner | expected action |", "|---|---|---|---|---|---|"]
    for kind, spec in TIMERS.items():
        lines.append(
            f"| `{kind.value}` | {spec.opens_on} | {spec.closes_on} | {spec.due_text} | {spec.owner.value} "
            f"| {spec.action} |"
        )
    ladder = DEFAULT_POLICY.ladder
    lines += [
        "",
        "| level | fires at | audience | channels (routing) |",
        "|---|---|---|---|",
        f"| reminder | {int(ladder.reminder_at * 100)}% of the window | owner | "
        f"{', '.join(DEFAULT_POLICY.routing[Level.REMINDER])} |",
        f"| level_1 | due | owner | {', '.join(DEFAULT_POLICY.routing[Level.LEVEL_1])} |",
        f"| level_2 | due + {human(ladder.level_2_after)} | owner's next up (recruiter -> hiring manager -> "
        f"head of talent) | {', '.join(DEFAULT_POLICY.routing[Level.LEVEL_2])} |",
        f"| level_3 | due + {human(ladder.level_3_after)} | head of talent | "
        f"{', '.join(DEFAULT_POLICY.routing[Level.LEVEL_3])} |",
    ]
    return "\n".join(lines) + "\n"


def role_profiles_table() -> str:
    lines = ["| role profile | primary focus | key skills | sample question |", "|---|---|---|---|"]
    lines += [
        f"| `{p.value}` | {d.focus} | {', '.join(d.key_skills)} | {d.sample_question} |" for p, d in PROFILES.items()
    ]
    return "\n".join(lines) + "\n"


def role_rules_table() -> str:
    lines = ["| warning | when | what it says |", "|---|---|---|"]
    lines += [f"| `{r.code}` | {r.when()} | {r.message} |" for r in RULES]
    return "\n".join(lines) + "\n"


def sourcing_table() -> str:
    lines = ["| role profile | recommended channels (what to look for) |", "|---|---|"]
    for profile, recs in RECOMMENDED.items():
        lines.append(f"| `{profile.value}` | " + "; ".join(f"`{r.channel.value}`: {r.look_for}" for r in recs) + " |")
    lines += ["", "| channel | best for | trade-off |", "|---|---|---|"]
    lines += [f"| `{c.value}` | {n.best_for} | {n.trade_off} |" for c, n in CHANNELS.items()]
    return "\n".join(lines) + "\n"


def _fields(model: type) -> str:
    parts = []
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]  # a pydantic model class
        parts.append(f"`{name}`" if field.is_required() else f"`{name}`?")
    return ", ".join(parts) or "-"


def triggers_table() -> str:
    """One row per trigger: where it may fire, where it leads, and its payload fields (? = optional)."""
    rows: dict[str, tuple[list[str], list[str]]] = {}
    for row in TRANSITIONS:
        sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
        src, dst = rows.setdefault(row["trigger"], ([], []))
        src += [Stage(s).value for s in sources if Stage(s).value not in src]
        target = "(stays)" if row["dest"] is None else Stage(row["dest"]).value
        if target not in dst:
            dst.append(target)
    lines = ["| trigger | from | to | payload (`?` optional) |", "|---|---|---|---|"]
    for trigger, (src, dst) in rows.items():
        if trigger == "complete_checkpoint":
            payload = "; ".join(f"{stage.value}: {_fields(model)}" for stage, model in CHECKPOINT_PAYLOADS.items())
        else:
            payload = _fields(PAYLOADS[trigger])
        if trigger == "reopen":
            dst = ["the stage left"]
        lines.append(f"| `{trigger}` | {', '.join(src)} | {', '.join(dst)} | {payload} |")
    return "\n".join(lines) + "\n"


def blocks() -> dict[str, str]:
    """README marker name -> generated content."""
    return {
        "stage-diagram": f"```mermaid\n{mermaid()}```\n",
        "triggers": triggers_table(),
        "policy-defaults": policy_table(),
        "role-profiles": role_profiles_table(),
        "role-rules": role_rules_table(),
        "sourcing-channels": sourcing_table(),
    }


def fill(text: str) -> str:
    """`text` with every generated block between its markers replaced by the current content."""
    for name, content in blocks().items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"marker <!-- {name}:start --> ... <!-- {name}:end --> not found")
        text = pattern.sub(_between_markers(content), text)
    return text


def _between_markers(body: str) -> Callable[[re.Match[str]], str]:
    """The replacement of a block: its markers kept, `body` between them."""
    return lambda m: m.group(1) + body + m.group(2)
