"""The README's generated blocks (diagram, triggers, policy defaults, role profiles) match the code."""

from states.docs import blocks, fill
from tests.support.paths import README


def test_readme_generated_blocks_are_current():
    text = README.read_text(encoding="utf-8")
    for name in blocks():
        assert f"<!-- {name}:start -->" in text, f"README lost the {name} block"
    assert fill(text) == text, "README is stale: run `uv run hiring docs --write README.md` and commit it"


def test_readme_first_section_gives_the_two_commands():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "uv run hiring demo" in quick and "uv run pytest" in quick
