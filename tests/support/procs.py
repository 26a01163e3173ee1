"""Running the real `hiring` command (the installed entry point) in a subprocess, as a user would."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

HIRING = str(Path(sys.executable).with_name("hiring"))


def hiring_env(db_url: str, now: datetime | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIRING_")}
    env.update({"HIRING_DATABASE_URL": db_url, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    if now is not None:
        env["HIRING_NOW"] = now.isoformat()
    return env


@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:
        return f"hiring {' '.join(self.args)} -> exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"


def run(
    args: list[str] | tuple[str, ...], db_url: str, cwd: Path, now: datetime | None = None, timeout: float = 60
) -> Result:
    """Run `hiring ARGS` with the database at db_url; cwd matters for relative paths and .env."""
    proc = subprocess.run(
        [HIRING, *args], env=hiring_env(db_url, now), cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def start(args: list[str] | tuple[str, ...], db_url: str, cwd: Path, now: datetime | None = None) -> subprocess.Popen:
    """Start `hiring ARGS` without waiting (for commands that must run at the same time)."""
    return subprocess.Popen(
        [HIRING, *args], env=hiring_env(db_url, now), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(args: list[str] | tuple[str, ...], proc: subprocess.Popen, timeout: float = 60) -> Result:
    out, err = proc.communicate(timeout=timeout)
    return Result(tuple(args), proc.returncode, out, err)


def clear_cached_settings() -> None:
    """Forget settings (and what is derived from them) cached by an earlier in-process command."""
    from hiring import policy_file, settings

    for cached in (settings.get_settings, getattr(policy_file, "current_policy", None)):
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def in_process(args: tuple[str, ...], env: dict[str, str], monkeypatch: Any, capsys: Any) -> Result:
    """`hiring ARGS` run in this process through the same entry point, exit code included, with `env` set
    (monkeypatch undoes it): for the many small checks where a subprocess per command would be slow."""
    from hiring.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["hiring", *args])
    clear_cached_settings()
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    out, err = capsys.readouterr()
    return Result(args, code, out, err)
