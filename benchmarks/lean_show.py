"""Prototype of a lean `hiring candidate show`: `python -m benchmarks.lean_show CANDIDATE`.

Measures how fast the read path could start if it did not import the ORM models (sqlmodel, pydantic
models of the tables), hiring.service, pydantic-settings and every other sub-command: SQLAlchemy Core with
two SQL queries, the shared machine for the allowed triggers and states.sla for the next escalation.
Prints the same facts as `hiring candidate show` (plain text). Not used by the product.
"""

import os
import sys
from datetime import UTC, datetime


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def main(ref: str) -> int:
    import typer  # the CLI framework the real command pays for  # noqa: F401
    from rich.console import Console
    from sqlalchemy import create_engine, text

    from states.graph import triggers_from
    from states.ladder import audience, schedule
    from states.policy import DEFAULT_POLICY, Level
    from states.stages import Stage
    from states.timers import Role

    console = Console(highlight=False)
    engine = create_engine(os.environ.get("HIRING_DATABASE_URL", "sqlite:///hiring.db"))
    with engine.connect() as conn:
        c = (
            conn.execute(
                text("SELECT * FROM candidate WHERE id = :id OR external_id = :ref"),
                {"id": int(ref) if ref.isdigit() else -1, "ref": ref},
            )
            .mappings()
            .first()
        )
        if c is None:
            console.print(f"no candidate with id or external id {ref!r}")
            return 4
        timers = (
            conn.execute(
                text(
                    "SELECT t.*, r.recruiter, r.hiring_manager FROM timer t "
                    "JOIN requisition r ON r.id = t.requisition_id "
                    "WHERE t.candidate_id = :id AND t.status = 'open' ORDER BY t.due_at"
                ),
                {"id": c["id"]},
            )
            .mappings()
            .all()
        )
    console.print(f"[bold]#{c['id']} {c['name']}[/] <{c['email']}>  requisition {c['requisition_id']}")
    console.print(f"stage: [bold]{c['stage']}[/]" + ("  [yellow](on hold)[/]" if c["on_hold"] else ""))
    console.print(f"version {c['version']}, last event {c['last_event_at']}")
    console.print(f"next: {', '.join(triggers_from(Stage(c['stage']), bool(c['on_hold'])))}")
    people = {Role.RECRUITER: "recruiter", Role.HIRING_MANAGER: "hiring_manager"}
    for t in timers:
        ladder = DEFAULT_POLICY.ladder_for(t["role_profile"], t["requisition_id"])
        due, start = _when(t["due_at"]), _when(t["window_start"])
        after = ""
        if t["next_level"]:
            level = Level(t["next_level"])
            role = audience(level, Role(t["owner_role"]), ladder)
            assert start is not None and due is not None  # an open timer has both
            when = dict(schedule(start, due, ladder, DEFAULT_POLICY.cal()))[level]
            after = f"; next: {level.value} to {t[people[role]] if role in people else role.value} at {when}"
        console.print(f"deadline {t['kind']}: {due}{after}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
