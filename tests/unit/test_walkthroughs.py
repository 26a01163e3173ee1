"""The README's walkthroughs are the scripts in docs/walkthroughs, verbatim, and those scripts parse as bash.
(Running them takes a minute each; tests/integration/test_assessment_loop.py proves what they do.)"""

import subprocess
from pathlib import Path

import pytest

from tests.support.paths import README, REPO

SCRIPTS = sorted((REPO / "docs" / "walkthroughs").glob("*.sh"))


def test_there_are_walkthroughs() -> None:
    assert SCRIPTS, "docs/walkthroughs lost its scripts"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_readme_shows_the_script_verbatim(script: Path) -> None:
    assert f"```bash\n{script.read_text(encoding='utf-8')}```" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_script_is_valid_bash(script: Path) -> None:
    checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
