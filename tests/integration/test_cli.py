"""The `hiring` command as a user drives it.

Most tests call `hiring.cli.main` in this process exactly as the console script does (argv in, exit code
out through main's error mapping) because a subprocess costs ~0.8 s here; the tests marked `slow`
run the installed `hiring` executable to check the real entry point end to end.
"""

import getpass
import json
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hiring.cli import app
from models.db import make_engine, require_schema
from tests.support import payloads, procs
from tests.support.paths import REPO
from tests.support.procs import Result, in_process


@dataclass
class Cli:
    """`cli("role", "list", "--json")` runs one command against db_url with HIRING_NOW = cli.now."""

    db_url: str
    cwd: Path
    now: datetime
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str, now: datetime | None = None) -> Result:
        env = {"HIRING_DATABASE_URL": self.db_url, "HIRING_NOW": (now or self.now).isoformat()}
        return in_process(args, env, self.monkeypatch, self.capsys)

    def ok(self, *args: str, now: datetime | None = None) -> Result:
        result = self(*args, now=now)
        assert result.code == 0, result
        return result

    def json(self, *args: str, now: datetime | None = None) -> Any:
        return self.ok(*args, "--json", now=now).json()

    def file(self, name: str, content: str | dict) -> str:
        path = self.cwd / name
        if isinstance(content, dict):
            content = yaml.safe_dump(content) if name.endswith((".yaml", ".yml")) else json.dumps(content)
        path.write_text(content, encoding="utf-8")
        return str(path)

    def role(self, **overrides: Any) -> int:
        """Add and open a complete requisition; returns its id."""
        rid = self.json("role", "add", "--file", self.file("role.yaml", payloads.requisition(**overrides)))["id"]
        self.ok("role", "open", str(rid))
        return rid

    def candidate(self, rid: int, n: int = 1, *extra: str) -> int:
        return self.json(
            "candidate",
            "add",
            "--name",
            f"Candidate {n}",
            "--email",
            f"c{n}@example.com",
            "--req",
            str(rid),
            "--source",
            "inbound",
            "--motivators",
            ";".join(payloads.MOTIVATORS),  # the fourth interview part needs them; `extra` may override
            *extra,
        )["id"]


@pytest.fixture
def cli(
    db_url: str, tmp_path: Path, T0: datetime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    monkeypatch.chdir(tmp_path)  # no stray .env, relative paths land in tmp_path
    monkeypatch.setenv("COLUMNS", "200")  # rich reads it at every print: no wrapped lines to match across
    return Cli(db_url, tmp_path, T0 + timedelta(days=1), monkeypatch, capsys)


# --- init and a missing database ------------------------------------------------------------------

COMMANDS = {
    "role add": ["role", "add", "--file", "role.yaml"],
    "role update": ["role", "update", "1", "--file", "role.yaml"],
    "role open": ["role", "open", "1"],
    "role list": ["role", "list"],
    "role show": ["role", "show", "1"],
    "candidate add": ["candidate", "add", "--name", "A", "--email", "a@example.com", "--req", "1",
                      "--source", "inbound"],
    "candidate list": ["candidate", "list"],
    "candidate show": ["candidate", "show", "1"],
    "candidate import": ["candidate", "import", "people.csv"],
    "advance": ["advance", "1", "screen", "--data", json.dumps(payloads.screen())],
    "history": ["history", "1"],
    "board": ["board"],
}  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_a_missing_database_says_to_run_init(cli, tmp_path, command) -> None:
    cli.file("role.yaml", payloads.requisition())
    cli.file("people.csv", "name,email,requisition_id,source\nA,a@example.com,1,inbound\n")
    missing = tmp_path / "nowhere.db"
    cli.db_url = procs_url(missing)
    result = cli(*COMMANDS[command])
    assert result.code == 4, result
    assert "hiring init" in result.err
    assert str(missing) in result.err
    assert not missing.exists(), "a read or refused command must not create the database"


def leaf_commands() -> dict[str, list[str]]:
    """Every command of the app (later issues add more) with dummy values for its required parameters."""
    import typer.main

    out: dict[str, list[str]] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs is None or (path and getattr(command, "invoke_without_command", False)):
            args = list(path)
            for param in command.params:
                if param.required:
                    args += ["1"] if param.param_type_name == "argument" else [param.opts[0], "1"]
            out[" ".join(path)] = args
        for name, sub in (subs or {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


NO_DATABASE_NEEDED = {"init", "demo", "diagram", "docs", "serve"}  # serve runs until stopped
OTHER_COMMANDS = {
    name: args
    for name, args in leaf_commands().items()
    if name not in COMMANDS and name.split()[0] not in NO_DATABASE_NEEDED
}


@pytest.mark.parametrize("command", OTHER_COMMANDS)
def test_any_other_command_on_a_missing_database_fails_cleanly(cli, tmp_path, command) -> None:
    """Commands added by later issues, run with dummy arguments: either the dummy input is refused
    (exit 2) or the missing database is reported (exit 4); never a crash, never a new database file."""
    import signal

    missing = tmp_path / "nowhere.db"
    cli.db_url = procs_url(missing)

    def too_slow(*_: object) -> None:
        raise TimeoutError(f"`hiring {command}` did not stop within 20 s on a missing database")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(20)
    try:
        result = cli(*OTHER_COMMANDS[command])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.code in (2, 4), result
    if result.code == 4:
        assert "hiring init" in result.err, result
    assert not missing.exists(), "a command must not create the database (only `hiring init` does)"


def procs_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_a_database_without_the_schema_says_to_run_init(cli, tmp_path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    cli.db_url = procs_url(empty)
    result = cli("board")
    assert result.code == 4, result
    assert "no hiring schema" in result.err and "hiring init" in result.err


def test_an_old_schema_says_to_run_init_to_upgrade(cli, db_url) -> None:
    from sqlalchemy import create_engine

    old = create_engine(db_url)
    with old.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    old.dispose()
    result = cli("role", "list")
    assert result.code == 4, result
    assert "0000" in result.err and "hiring init" in result.err


@pytest.mark.slow
def test_init_creates_the_database_and_upgrades_it_idempotently(cli, tmp_path) -> None:
    """The real executable: missing database (exit 4), `hiring init` creates it at head, again is a no-op."""
    db = tmp_path / "fresh.db"
    url = procs_url(db)
    before = procs.run(["candidate", "show", "1"], url, tmp_path)
    assert before.code == 4, before
    assert "hiring init" in before.err and "Traceback" not in before.err
    assert not db.exists()
    init = procs.run(["init"], url, tmp_path)
    assert init.code == 0, init
    assert "database ready" in init.out and db.exists()
    cli.db_url = url
    cli.ok("init")  # an up-to-date database: init is a no-op (in-process: the same code, no extra start-up)
    engine = make_engine(url)
    require_schema(engine, url)  # at this code's head revision
    engine.dispose()


# --- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_role_add_takes_yaml_or_json_and_opens_when_complete(cli, suffix) -> None:
    doc = payloads.requisition(title=f"ML Engineer {suffix}")
    added = cli.json("role", "add", "--file", cli.file(f"role{suffix}", doc))
    assert (added["status"], added["missing"]) == ("draft", [])
    rid = added["id"]
    opened = cli.ok("role", "open", str(rid))
    assert f"requisition {rid} is open" in opened.out
    shown = cli.json("role", "show", str(rid))
    assert shown["status"] == "open" and shown["title"] == doc["title"]
    assert shown["salary_band"] == {"min": 120000, "max": 150000, "currency": "EUR"}
    # The fixture writes the two option answers as plain strings (the pre-option form): they read back as
    # the words with no option chosen.
    definition = doc["role_definition"]
    assert shown["role_definition"] == {
        **definition,
        "system_to_build": {"kinds": [], "detail": definition["system_to_build"]},
        "key_constraints": {"kinds": [], "detail": definition["key_constraints"]},
    }
    assert shown["job_description"] == doc["job_description"]
    assert shown["missing"] == []
    assert [r["id"] for r in cli.json("role", "list")] == [rid]


def test_role_open_refuses_an_incomplete_draft_and_lists_what_is_missing(cli) -> None:
    doc = payloads.requisition(salary_band=None, recruiter=None)
    doc["job_description"] = {**doc["job_description"], "decision_rights": None}
    added = cli.ok("role", "add", "--file", cli.file("draft.yaml", doc))
    assert "still empty" in added.out and "salary_band" in added.out
    refused = cli("role", "open", "1")
    assert refused.code == 2, refused
    for gap in ("salary_band", "recruiter", "job_description.decision_rights"):
        assert gap in refused.err
    shown = cli.json("role", "show", "1")
    assert shown["status"] == "draft"
    assert set(shown["missing"]) == {"salary_band", "recruiter", "job_description.decision_rights"}
    listed = cli.json("role", "list")
    assert listed[0]["status"] == "draft" and listed[0]["missing"] == shown["missing"]
    cli.ok("role", "update", "1", "--file", cli.file("full.yaml", payloads.requisition()))
    cli.ok("role", "open", "1")
    assert cli.json("role", "show", "1")["status"] == "open"


def test_role_add_names_the_bad_fields_of_a_file(cli) -> None:
    doc = payloads.requisition(
        salary_band={"min": 150000, "max": 120000, "currency": "EUR"}, engagement="weekends", colour="blue"
    )
    result = cli("role", "add", "--file", cli.file("bad.json", doc))
    assert result.code == 2, result
    for field in ("salary_band", "engagement", "colour"):
        assert field in result.err
    assert cli.json("role", "list") == []


@pytest.mark.parametrize(("name", "content"), [("broken.json", "{not json"), ("list.yaml", "- a\n- b\n")])
def test_role_add_refuses_an_unreadable_file(cli, name, content) -> None:
    result = cli("role", "add", "--file", cli.file(name, content))
    assert result.code == 2, result
    assert name in result.err


WARNED = REPO / "hiring" / "examples" / "requisitions-warned" / "researcher_for_a_production_feature.yaml"


def test_role_open_warns_about_contradictions_records_them_and_role_show_repeats_them(cli) -> None:
    rid = cli.json("role", "add", "--file", str(WARNED))["id"]
    draft = cli.ok("role", "show", str(rid)).out
    assert "warning at open: production_feature_needs_applied_depth" in draft  # a draft says what is coming
    opened = cli.ok("role", "open", str(rid))  # warned, not refused
    assert f"requisition {rid} is open" in opened.out
    assert "warning: production_feature_needs_applied_depth" in opened.out
    assert "warning: band_below_market_median" in opened.out and "150,000 USD" in opened.out
    shown = cli.json("role", "show", str(rid))
    assert shown["status"] == "open"
    codes = ["production_feature_needs_applied_depth", "band_below_market_median"]
    assert [w["code"] for w in shown["warnings_at_open"]] == codes == [w["code"] for w in shown["warnings"]]
    text = cli.ok("role", "show", str(rid)).out
    assert "warned at open: production_feature_needs_applied_depth" in text
    assert "warning now" not in text  # nothing changed since
    assert cli.json("role", "open", str(rid))["warnings"] == shown["warnings_at_open"]  # opening again: same record


def test_role_show_gives_the_profile_sourcing_market_and_channel_fit(cli) -> None:
    doc = payloads.requisition(
        role_profile="ml_engineer", salary_band={"min": 170000, "max": 210000, "currency": "USD"}
    )
    doc["role_definition"]["system_to_build"] = {"kinds": ["training_pipeline"], "detail": "a ranking platform"}
    rid = cli.role(**doc)
    cli.candidate(rid, 1, "--source", "open_source")
    cli.candidate(rid, 2, "--source", "inbound")
    shown = cli.json("role", "show", str(rid))
    assert shown["warnings"] == [] and shown["warnings_at_open"] == []
    assert "distributed systems" in shown["profile"]["key_skills"]
    assert [s["channel"] for s in shown["sourcing"]] == ["open_source", "direct_sourcing", "specialist_recruiter"]
    assert all(s["trade_off"] for s in shown["sourcing"])
    market = shown["market"]
    assert (market["band_min_in"], market["band_max_in"]) == ("160,000-200,000 USD", "above 200,000 USD")
    assert market["warning"] is None and market["as_of"] == "2026"
    fit = {f["channel"]: (f["recommended"], f["candidates"], f["hires"]) for f in shown["channel_fit"]}
    assert fit == {
        "open_source": (True, 1, 0),
        "direct_sourcing": (True, 0, 0),
        "specialist_recruiter": (True, 0, 0),
        "inbound": (False, 1, 0),
    }
    text = cli.ok("role", "show", str(rid)).out
    for part in (
        "[training_pipeline] a ranking platform",
        "sample question",
        "recommended sourcing channels",
        "channel fit",
        "band vs market: min in 160,000-200,000 USD",
    ):
        assert part in text, part


def test_role_show_and_open_refuse_a_malformed_market_file(cli) -> None:
    rid = cli.json("role", "add", "--file", cli.file("role.yaml", payloads.requisition()))["id"]
    cli.monkeypatch.setenv("HIRING_MARKET_FILE", cli.file("market.yaml", {"as_of": "2026", "currency": "USD"}))
    for command in (("role", "show", str(rid)), ("role", "open", str(rid))):
        result = cli(*command)
        assert result.code == 2, result
        assert "market.yaml is not valid market data" in result.err and "all_profiles" in result.err
    cli.monkeypatch.setenv("HIRING_MARKET_FILE", str(cli.cwd / "missing.yaml"))
    assert "missing.yaml does not exist" in cli("role", "open", str(rid)).err
    cli.monkeypatch.delenv("HIRING_MARKET_FILE")
    assert cli.json("role", "show", str(rid))["status"] == "draft"  # the refused open wrote nothing


def test_role_add_refuses_an_unknown_option_listing_the_allowed_ones(cli) -> None:
    doc = payloads.requisition()
    doc["role_definition"]["key_constraints"] = {"kinds": ["speed"], "detail": "fast"}
    result = cli("role", "add", "--file", cli.file("bad.yaml", doc))
    assert result.code == 2, result
    assert "role_definition.key_constraints.kinds.0" in result.err and "'model_quality'" in result.err
    assert cli.json("role", "list") == []


def test_a_contract_requisition_opens_only_with_its_rationale(cli) -> None:
    rid = cli.json("role", "add", "--file", cli.file("c.yaml", payloads.requisition(engagement="contract")))["id"]
    refused = cli("role", "open", str(rid))
    assert refused.code == 2 and "engagement_rationale" in refused.err
    fixed = payloads.requisition(engagement="contract", engagement_rationale="a six-week proof of concept")
    cli.ok("role", "update", str(rid), "--file", cli.file("c2.yaml", fixed))
    cli.ok("role", "open", str(rid))
    assert cli.json("role", "show", str(rid))["engagement_rationale"] == "a six-week proof of concept"


def test_role_show_of_an_unknown_id_is_not_found(cli) -> None:
    result = cli("role", "show", "99")
    assert result.code == 4, result
    assert "99" in result.err


# --- candidates -----------------------------------------------------------------------------------


def test_candidate_add_and_show(cli) -> None:
    rid = cli.role()
    cid = cli.candidate(rid, 1, "--motivators", "remote;team_quality", "--external-id", "ATS-1")
    shown = cli.json("candidate", "show", "ATS-1")
    assert shown["id"] == cid and shown["stage"] == "sourced" and shown["version"] == 1
    assert shown["motivators"] == ["remote", "team_quality"]
    assert shown["allowed_triggers"] == ["screen", "reject", "withdraw", "hold"]
    text = cli.ok("candidate", "show", str(cid)).out
    assert "sourced" in text and "screen, reject, withdraw, hold" in text


def test_candidate_add_with_an_invalid_email_names_the_email(cli) -> None:
    rid = cli.role()
    result = cli(
        "candidate", "add", "--name", "A", "--email", "not-an-email", "--req", str(rid), "--source", "carrier_pigeon"
    )
    assert result.code == 2, result
    assert "email" in result.err and "source" in result.err
    assert "specialist_recruiter" in result.err  # says which sources are allowed
    assert cli.json("candidate", "list") == []


def test_candidate_add_to_a_draft_requisition_is_refused(cli) -> None:
    cli.ok("role", "add", "--file", cli.file("draft.yaml", {"title": "Researcher"}))
    result = cli("candidate", "add", "--name", "A", "--email", "a@example.com", "--req", "1", "--source", "inbound")
    assert result.code == 2, result
    assert "hiring role open 1" in result.err


def test_candidate_add_with_a_taken_external_id_is_a_conflict(cli) -> None:
    rid = cli.role()
    cli.candidate(rid, 1, "--external-id", "ATS-1")
    result = cli(
        "candidate",
        "add",
        "--name",
        "B",
        "--email",
        "b@example.com",
        "--req",
        str(rid),
        "--source",
        "inbound",
        "--external-id",
        "ATS-1",
    )
    assert result.code == 3, result
    assert "ATS-1" in result.err


def test_candidate_list_filters_and_refuses_an_unknown_stage(cli) -> None:
    rid = cli.role()
    first, second = cli.candidate(rid, 1), cli.candidate(rid, 2)
    cli.ok("advance", str(first), "screen", "--data", json.dumps(payloads.screen()))
    assert [c["id"] for c in cli.json("candidate", "list", "--stage", "screened")] == [first]
    assert [c["id"] for c in cli.json("candidate", "list", "--req", str(rid))] == [first, second]
    result = cli("candidate", "list", "--stage", "limbo")
    assert result.code == 2 and "screened" in result.err, result


# --- CSV import -----------------------------------------------------------------------------------

HEADER = "name,email,requisition_id,source,motivators,external_id\n"


def test_import_takes_the_documented_columns(cli) -> None:
    rid = cli.role()
    csv = HEADER + (
        f"Ada Lovelace,ada@example.com,{rid},open_source,cash;remote,ATS-1\n"
        f"Alan Turing,alan@example.com,{rid},conference,,\n"
    )
    report = cli.json("candidate", "import", cli.file("people.csv", csv))
    assert report["added"] == 2 and report["skipped"] == []
    people = cli.json("candidate", "list")
    assert [(p["name"], p["source"], p["motivators"], p["external_id"]) for p in people] == [
        ("Ada Lovelace", "open_source", ["cash", "remote"], "ATS-1"),
        ("Alan Turing", "conference", [], None),
    ]
    assert {p["stage"] for p in people} == {"sourced"}


def test_import_only_needs_the_required_columns(cli) -> None:
    rid = cli.role()
    csv = f"email,name,source,requisition_id\nada@example.com,Ada,inbound,{rid}\n"
    assert cli.json("candidate", "import", cli.file("people.csv", csv))["added"] == 1


BAD_ROWS = (
    "Good One,good1@example.com,{rid},inbound,,\n"  # line 2
    "Bad Email,not-an-email,{rid},inbound,,\n"  # line 3
    "Good Two,good2@example.com,{rid},employee_referral,,\n"  # line 4
    ",nameless@example.com,{rid},carrier_pigeon,,\n"  # line 5
    "Draft Req,draft@example.com,{draft},inbound,,\n"  # line 6
    "Twin,twin@example.com,{rid},inbound,,ATS-7\n"  # line 7
    "Twin Again,twin2@example.com,{rid},inbound,,ATS-7\n"  # line 8
    "Too Many,many@example.com,{rid},inbound,,,surplus\n"  # line 9
)
BAD_LINES = {
    3: ["email"],
    5: ["name", "source"],
    6: ["requisition", "not open"],
    8: ["ATS-7", "line 7"],
    9: ["more cells"],
}


def _bad_file(cli: Cli) -> str:
    rid = cli.role()
    cli.ok("role", "add", "--file", cli.file("draft.yaml", {"title": "Draft"}))
    return cli.file("people.csv", HEADER + BAD_ROWS.format(rid=rid, draft=rid + 1))


def test_import_with_bad_rows_reports_each_line_and_writes_nothing(cli) -> None:
    path = _bad_file(cli)
    result = cli("candidate", "import", path)
    assert result.code == 2, result
    assert "nothing was imported" in result.err
    reported = {
        int(line.split("line ")[1].split(":")[0]): line
        for line in result.err.splitlines()
        if line.strip().startswith("line ")
    }
    assert set(reported) == set(BAD_LINES), result.err
    for line, words in BAD_LINES.items():
        for word in words:
            assert word in reported[line], reported[line]
    assert cli.json("candidate", "list") == []


def test_import_skip_invalid_imports_the_good_rows_and_lists_the_bad(cli) -> None:
    path = _bad_file(cli)
    report = cli.json("candidate", "import", path, "--skip-invalid")
    assert report["added"] == 3
    assert [s["line"] for s in report["skipped"]] == sorted(BAD_LINES)
    assert [p["name"] for p in cli.json("candidate", "list")] == ["Good One", "Good Two", "Twin"]


def test_import_skip_invalid_prints_the_skipped_lines(cli) -> None:
    out = cli.ok("candidate", "import", _bad_file(cli), "--skip-invalid").out
    assert "imported 3 of 8 rows" in out
    for line in BAD_LINES:
        assert f"skipped line {line}:" in out


@pytest.mark.parametrize(
    ("header", "names"),
    [
        ("name,email,source\n", ["requisition_id"]),
        ("name,email,requisition_id,source,phone\n", ["phone"]),
        ("", ["name", "email", "requisition_id", "source"]),
    ],
)
def test_import_with_a_bad_header_says_which_columns(cli, header, names) -> None:
    cli.role()
    result = cli("candidate", "import", cli.file("people.csv", header))
    assert result.code == 2, result
    for name in names:
        assert name in result.err
    assert cli.json("candidate", "list") == []


def test_import_of_a_missing_file_is_invalid_input(cli) -> None:
    result = cli("candidate", "import", "nope.csv")
    assert result.code == 2, result
    assert "nope.csv" in result.err


# --- advance --------------------------------------------------------------------------------------


@pytest.fixture
def one(cli: Cli) -> int:
    """A candidate in `sourced` of an open requisition, created at cli.now - 1 hour."""
    created = cli.now - timedelta(hours=1)
    rid = cli.json("role", "add", "--file", cli.file("role.json", payloads.requisition()), now=created)["id"]
    cli.ok("role", "open", str(rid), now=created)
    return cli.json(
        "candidate",
        "add",
        "--name",
        "Ada",
        "--email",
        "ada@example.com",
        "--req",
        str(rid),
        "--source",
        "inbound",
        "--external-id",
        "ATS-1",
        now=created,
    )["id"]


def history(cli: Cli, ref: int | str) -> list[dict[str, Any]]:
    return cli.json("history", str(ref))["events"]


def technically_screened(cli: Cli, ref: int) -> None:
    """The candidate's resume screen and technical screen, its interviewer added to the directory first."""
    cli.ok("advance", str(ref), "screen", "--data", json.dumps(payloads.screen()))
    cli.ok("people", "add", "--handle", payloads.INTERVIEWER, "--name", "Dana Kim", "--role", "interviewer")
    cli.ok("advance", str(ref), "technical_screen", "--data", json.dumps(payloads.technical_screen()))


def test_a_technical_screen_by_someone_not_in_the_directory_is_refused_naming_how_to_add_them(cli, one) -> None:
    cli.ok("advance", str(one), "screen", "--data", json.dumps(payloads.screen()))
    result = cli("advance", str(one), "technical_screen", "--data", json.dumps(payloads.technical_screen("zoe")))
    assert result.code == 2, result
    assert "interviewer 'zoe' is not in the people directory" in result.err
    assert "hiring people add --handle zoe" in result.err
    assert [e["trigger"] for e in history(cli, one)] == ["source", "screen"]  # nothing written


def test_send_take_home_before_the_technical_screen_exits_3_saying_what_to_do(cli, one) -> None:
    cli.ok("advance", str(one), "screen", "--data", json.dumps(payloads.screen()))
    result = cli("advance", str(one), "send_take_home", "--data", json.dumps(payloads.send_take_home(cli.now)))
    assert result.code == 3, result
    assert "record technical_screen first, or turn the requirement off in the policy" in result.err


def test_a_screen_below_the_bar_exits_3_naming_the_bar_and_moves_on_with_a_reason(cli, one) -> None:
    weak = {**payloads.screen(), "owned_delivery": 1, "data_realism": 1, "note": "AI enthusiast"}
    result = cli("advance", str(one), "screen", "--data", json.dumps(weak))
    assert result.code == 3, result
    assert "every signal at least 2, mean at least 2.5" in result.err
    assert "owned_delivery is 1" in result.err and "data_realism is 1" in result.err
    assert "override_reason" in result.err
    reason = {**weak, "override_reason": "the hiring manager knows their on-call work"}
    cli.ok("advance", str(one), "screen", "--data", json.dumps(reason))
    assert history(cli, one)[-1]["payload"]["override_reason"] == reason["override_reason"]


def test_advance_with_inline_json(cli, one) -> None:
    result = cli.ok("advance", str(one), "screen", "--data", json.dumps(payloads.screen()), "--by", "rita")
    assert f"candidate {one}: screen (sourced -> screened), version 2" in result.out
    last = history(cli, one)[-1]
    assert (last["trigger"], last["actor"], last["payload"]) == ("screen", "rita", payloads.screen())
    assert last["occurred_at"] == cli.now.isoformat()


def test_advance_with_data_from_json_and_yaml_files(cli, one) -> None:
    cli.ok("advance", str(one), "screen", "--data", "@" + cli.file("screen.json", payloads.screen()))
    cli.ok("people", "add", "--handle", payloads.INTERVIEWER, "--name", "Dana Kim", "--role", "interviewer")
    cli.ok("advance", str(one), "technical_screen", "--data", "@" + cli.file("ts.yaml", payloads.technical_screen()))
    take_home = payloads.send_take_home(cli.now)
    cli.ok("advance", "ATS-1", "send_take_home", "--data", "@" + cli.file("th.yaml", take_home))
    events = history(cli, one)
    assert [e["trigger"] for e in events] == ["source", "screen", "technical_screen", "send_take_home"]
    assert events[-1]["payload"]["title"] == take_home["title"]
    assert cli.json("candidate", "show", str(one))["stage"] == "take_home"


def test_advance_at_records_when_it_happened(cli, one) -> None:
    at = cli.now - timedelta(minutes=30)
    out = cli.json(
        "advance", str(one), "hold", "--data", '{"reason": "vacation"}', "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert out["occurred_at"] == at.isoformat()
    last = history(cli, one)[-1]
    assert (last["occurred_at"], last["recorded_at"]) == (at.isoformat(), cli.now.isoformat())


@pytest.mark.parametrize(
    ("at", "needle"),
    [("yesterday-ish", "ISO 8601"), ("+1h", "future"), ("-2h", "earlier than the candidate's last event")],
)
def test_advance_at_refuses_bad_future_and_out_of_order_times(cli, one, at, needle) -> None:
    if at.startswith(("+", "-")):
        at = (cli.now + timedelta(hours=int(at[:-1]))).isoformat()
    result = cli("advance", str(one), "hold", "--data", '{"reason": "x"}', "--at", at)
    assert result.code == 2, result
    assert needle in result.err
    assert len(history(cli, one)) == 1


def test_advance_key_is_replayed_with_a_message(cli, one) -> None:
    args = ("advance", str(one), "screen", "--data", json.dumps(payloads.screen()), "--key", "ats-evt-1")
    first = cli.ok(*args)
    assert "already applied" not in first.out
    again = cli.ok(*args, now=cli.now + timedelta(minutes=5))
    assert "already applied with this key; nothing written" in again.out
    assert "version 2" in again.out
    assert len(history(cli, one)) == 2
    other = cli(*args[:3], "--data", json.dumps({**payloads.screen(), "note": "changed"}), "--key", "ats-evt-1")
    assert other.code == 3, other
    assert "ats-evt-1" in other.err


def test_advance_if_version_conflict_exits_3(cli, one) -> None:
    cli.ok("advance", str(one), "hold", "--data", '{"reason": "x"}', "--if-version", "1")
    stale = cli("advance", str(one), "resume", "--data", '{"reason": "y"}', "--if-version", "1")
    assert stale.code == 3, stale
    assert "version 2" in stale.err
    assert len(history(cli, one)) == 2


def test_advance_a_disallowed_trigger_exits_3_with_the_allowed_list(cli, one) -> None:
    result = cli("advance", str(one), "make_offer", "--data", json.dumps(payloads.offer()))
    assert result.code == 3, result
    assert "allowed: screen, reject, withdraw, hold" in result.err
    assert result.out == ""


def test_advance_a_guard_refusal_exits_3_with_the_reason(cli, one) -> None:
    technically_screened(cli, one)
    cli.ok("advance", str(one), "send_take_home", "--data", json.dumps(payloads.send_take_home(cli.now)))
    result = cli("advance", str(one), "score_take_home", "--data", json.dumps(payloads.score_take_home()))
    assert result.code == 3, result
    assert "submit_take_home" in result.err


@pytest.mark.parametrize(("args", "needles"), [
    (["screen", "--data", '{"owned_delivery": 9, "extra": 1}'], ["owned_delivery", "extra", "note"]),
    (["screen", "--data", "{oops"], ["not valid JSON"]),
    (["screen", "--data", "[1, 2]"], ["mapping"]),
    (["screen", "--data", "@missing.json"], ["missing.json"]),
    (["teleport"], ["unknown trigger", "screen"]),
])  # fmt: skip
def test_advance_with_invalid_input_exits_2_naming_the_problem(cli, one, args, needles) -> None:
    result = cli("advance", str(one), *args)
    assert result.code == 2, result
    for needle in needles:
        assert needle in result.err
    assert len(history(cli, one)) == 1


@pytest.mark.parametrize("command", [["advance", "42", "screen"], ["history", "42"], ["candidate", "show", "ATS-9"]])
def test_an_unknown_candidate_exits_4(cli, one, command) -> None:
    result = cli(*command)
    assert result.code == 4, result
    assert "no candidate" in result.err


# --- reading: history, board, --json everywhere ------------------------------------------------------


def test_history_json_is_the_audit_log(cli, one) -> None:
    cli.ok("advance", str(one), "screen", "--data", json.dumps(payloads.screen()), "--by", "rita", "--key", "k1")
    cli.ok("advance", str(one), "reject", "--data", json.dumps(payloads.reject()), "--by", "hugo")
    data = cli.json("history", "ATS-1")
    assert data["candidate"]["stage"] == "rejected" and data["candidate"]["version"] == 3
    rows = [
        (e["seq"], e["trigger"], e["from_stage"], e["to_stage"], e["actor"], e["idempotency_key"])
        for e in data["events"]
    ]
    assert rows == [
        (1, "source", None, "sourced", getpass.getuser(), None),
        (2, "screen", "sourced", "screened", "rita", "k1"),
        (3, "reject", "screened", "rejected", "hugo", None),
    ]
    assert "rita" in cli.ok("history", str(one)).out


def test_board_json_groups_candidates_by_stage_per_requisition(cli) -> None:
    rid = cli.role()
    a, b, c = (cli.candidate(rid, n) for n in (1, 2, 3))
    cli.ok("advance", str(a), "screen", "--data", json.dumps(payloads.screen()))
    cli.ok("advance", str(b), "hold", "--data", '{"reason": "x"}')
    cli.ok("advance", str(c), "withdraw", "--data", '{"reason": "x"}')
    cli.ok("role", "add", "--file", cli.file("draft.yaml", {"title": "Draft"}))  # drafts are not on the board
    [board] = cli.json("board")
    assert board["requisition_id"] == rid and board["recruiter"] == "rita"
    assert [p["id"] for p in board["stages"]["screened"]] == [a]
    assert [(p["id"], p["on_hold"]) for p in board["stages"]["sourced"]] == [(b, True)]
    assert board["closed"]["withdrawn"] == 1
    assert list(board["stages"]) == [
        "sourced",
        "screened",
        "take_home",
        "debrief",
        "final",
        "offer",
        "onboarding_30",
        "onboarding_60",
        "onboarding_90",
    ]
    text = cli.ok("board").out
    assert "Candidate 1" in text and "withdrawn 1" in text


LISTINGS = [
    ["role", "list"],
    ["role", "show", "1"],
    ["candidate", "list"],
    ["candidate", "show", "1"],
    ["history", "1"],
    ["board"],
]


@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_every_listing_and_show_command_has_json(cli, one, command) -> None:
    data = cli.json(*command)
    assert data, f"{command} --json printed an empty document"
    text = cli.ok(*command).out
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)  # without --json the output is for people


# --- the real executable ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_executable_maps_refusals_to_exit_codes(cli, one, tmp_path) -> None:
    """The console script itself: 2, 3, 4, one line of error, no traceback; run side by side.

    (Exit 0 from the executable is covered by the cross-process tests in test_service/test_concurrency.)
    """
    cases = {
        2: ["advance", str(one), "screen", "--data", '{"note": ""}'],
        3: ["advance", str(one), "accept_offer", "--data", '{"start_date": "2026-06-01"}'],
        4: ["history", "77"],
    }
    running = {code: procs.start(args, cli.db_url, tmp_path, now=cli.now) for code, args in cases.items()}
    results = {code: procs.finish(cases[code], proc) for code, proc in running.items()}
    for code, result in results.items():
        assert result.code == code, result
        assert "Traceback" not in result.err
        assert result.err.startswith("error:") and result.out == "", result
    assert "note" in results[2].err
    assert "allowed: screen, reject, withdraw, hold" in results[3].err


@pytest.mark.slow
def test_commands_that_run_no_flow_do_not_import_prefect(cli, one, tmp_path) -> None:
    script = (
        "import sys\n"
        "from hiring.cli import app\n"
        "for argv in (['candidate', 'show', '1'], ['candidate', 'list', '--json'], ['board'],\n"
        "             ['history', '1'], ['role', 'list'],\n"
        "             ['advance', '1', 'hold', '--data', '{\"reason\": \"x\"}']):\n"
        "    app(argv, standalone_mode=False)\n"
        "print('PREFECT_LOADED' if any(m.split('.')[0] == 'prefect' for m in sys.modules) else 'NO_PREFECT')\n"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=procs.hiring_env(cli.db_url, cli.now),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("NO_PREFECT"), proc.stdout
