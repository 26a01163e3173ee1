"""`hiring people`, `hiring outbox`, `hiring dispatch`: the real command in a subprocess."""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hiring.cli import common, main
from tests.support.notify import T0, add_rows, hiring, row
from tests.support.paths import REPO
from tests.support.procs import clear_cached_settings


class InProcess:
    """`hiring ARGS` run in this process through the same entry point (exit codes included): for the many
    small checks; the subprocess runs above cover the installed command itself."""

    def __init__(self, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch, self.capsys = monkeypatch, capsys
        monkeypatch.setenv("HIRING_DATABASE_URL", db_url)
        for shared in (common.console, common.err_console):  # made at import, with whatever width was about then
            monkeypatch.setattr(shared, "_width", 200)

    def __call__(self, *args: str, now: datetime | None = None) -> tuple[int, str, str]:
        if now is not None:
            self.monkeypatch.setenv("HIRING_NOW", now.isoformat())
        clear_cached_settings()
        self.monkeypatch.setattr(sys, "argv", ["hiring", *args])
        self.capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> InProcess:
    return InProcess(db_url, monkeypatch, capsys)


def test_people_add_list_import_and_their_errors(db_url: str, tmp_path: Path, cli: InProcess) -> None:
    added = hiring(
        [
            "people",
            "add",
            "--handle",
            "hugo",
            "--name",
            "Hugo Martin",
            "--role",
            "hiring_manager",
            "--email",
            "hugo@example.com",
            "--slack-id",
            "U0HUGO",
            "--timezone",
            "Europe/Paris",
            "--channels",
            "slack,email",
        ],
        db_url,
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert "added hugo (hiring_manager)" in added.stdout

    code, _, err = cli("people", "add", "--handle", "hugo", "--name", "H", "--role", "recruiter")
    assert code == 3 and "exists already" in err
    code, _, err = cli(
        "people",
        "add",
        "--handle",
        "x",
        "--name",
        "X",
        "--role",
        "boss",
        "--timezone",
        "Mars/Base",
        "--channels",
        "pigeon",
    )
    assert code == 2
    assert all(s in err for s in ("role", "Mars/Base", "pigeon"))

    people_file = tmp_path / "people.yaml"
    people_file.write_text(
        "people:\n"
        "  - {handle: hugo, name: Hugo Martin, role: hiring_manager, email: hugo@acme.example}\n"
        "  - {handle: rita, name: Rita Costa, role: recruiter, slack_id: U0RITA, timezone: Europe/Lisbon}\n",
        encoding="utf-8",
    )
    imported = hiring(["people", "import", str(people_file), "--json"], db_url, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == {"added": ["rita"], "updated": ["hugo"]}

    listed = hiring(["people", "list", "--json"], db_url, tmp_path)
    people = {p["handle"]: p for p in json.loads(listed.stdout)}
    assert people["hugo"]["email"] == "hugo@acme.example" and people["hugo"]["slack_user_id"] is None
    assert people["rita"] == {
        "handle": "rita",
        "name": "Rita Costa",
        "email": None,
        "slack_user_id": "U0RITA",
        "role": "recruiter",
        "timezone": "Europe/Lisbon",
        "channels": None,
    }
    assert "Rita Costa" in cli("people", "list")[1]


def test_unreachable_recipient_shows_in_outbox_dead_and_can_be_retried(
    engine: Engine, db_url: str, tmp_path: Path, cli: InProcess
) -> None:
    sent = add_rows(engine, channel="console")[0]
    nobody = add_rows(engine, channel="console", recipient=None, start=2)[0]

    dispatched = hiring(["dispatch"], db_url, tmp_path, now=T0)
    assert dispatched.returncode == 0, dispatched.stderr
    assert f"notify #{sent} to hugo: Level 2 escalation: decision window for Candidate 1" in dispatched.stdout
    assert "1 sent in 1 message(s), 0 to retry, 1 dead" in dispatched.stdout
    assert f"outbox {nobody} via console to -: dead: no reachable recipient" in dispatched.stdout

    dead = hiring(["outbox", "--status", "dead", "--json"], db_url, tmp_path)
    [listed] = json.loads(dead.stdout)
    assert (listed["id"], listed["status"], listed["recipient"]) == (nobody, "dead", None)
    assert listed["last_error"].startswith("no reachable recipient: nobody holds the role hiring_manager")
    code, table, _ = cli("outbox", "--status", "dead")
    assert code == 0 and "no reachable" in table and "nobody" in table

    assert cli("outbox", "retry")[0] == 2
    assert cli("outbox", "retry", str(sent))[0] == 3  # already sent
    assert cli("outbox", "retry", "999")[0] == 4
    assert cli("outbox", "--status", "lost")[0] == 2
    code, out, _ = cli("outbox", "retry", str(nobody), "--json", now=T0)
    assert (code, json.loads(out)) == (0, {"queued": [nobody]})
    again = row(engine, nobody)
    assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, T0)

    result = json.loads(cli("dispatch", "--json", now=T0)[1])
    assert (result["sent"], result["dead"], result["console"]) == (0, 1, [])
    assert json.loads(cli("outbox", "retry", "--all-dead", "--json", now=T0)[1]) == {"queued": [nobody]}


def test_notification_commands_do_not_import_prefect(db_url: str) -> None:
    """Importing the CLI and running a whole dispatch pass (no Prefect block configured) never loads Prefect."""
    code = (
        "import sys; import hiring.cli, hiring.cli.notify, hiring.people, notifications.outbox\n"
        "from models.db import make_engine\n"
        "from hiring.bootstrap import dispatch\n"
        "from tests.support.notify import T0, add_rows, settings\n"
        f"engine = make_engine({db_url!r})\n"
        "add_rows(engine, channel='console')\n"
        f"assert dispatch(engine, now=T0, settings=settings({db_url!r}), console_write=lambda _: None).sent == 1\n"
        "print('prefect' in sys.modules, 'slack_sdk' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.stdout.strip() == "False False", proc.stderr
