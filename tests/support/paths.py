"""Where the repository is, for tests that read its files or run its commands from its root."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
