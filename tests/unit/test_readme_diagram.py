"""The README's stage diagram is the one generated from states/graph.py, never a stale hand copy."""

import re

from states.diagram import mermaid
from tests.support.paths import README

START, END = "<!-- stage-diagram:start -->", "<!-- stage-diagram:end -->"
FIX = f"run `uv run hiring diagram` and paste its output into README.md as a ```mermaid block between {START} and {END}"


def readme_diagram() -> str:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README.md has no stage diagram section: {FIX}"
    section = text.split(START, 1)[1].split(END, 1)[0]
    blocks = re.findall(r"```mermaid\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, f"expected one ```mermaid block between the markers, found {len(blocks)}: {FIX}"
    return blocks[0]


def test_the_readme_diagram_is_generated_from_the_graph() -> None:
    assert readme_diagram().strip() == mermaid().strip(), f"README.md's stage diagram is stale: {FIX}"


def test_the_generated_diagram_names_every_stage_and_trigger() -> None:
    from states.graph import TRIGGERS
    from states.stages import Stage

    diagram = mermaid()
    assert diagram.startswith("stateDiagram-v2")
    for stage in Stage:
        assert re.search(rf"\b{stage.value}\b", diagram), stage
    for trigger in TRIGGERS:
        assert trigger in diagram, trigger
