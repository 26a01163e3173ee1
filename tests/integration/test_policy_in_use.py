"""The business calendar and the policy file as the application uses them: a timer's due date in the
database, and a bad policy file refused by the `hiring` command at start."""

from datetime import UTC, datetime

from states.policy import parse_policy


def test_business_calendar_moves_a_timer_due_date(engine, open_requisition, T0):
    from hiring.service import add_candidates
    from states.intake import NewCandidate
    from tests.support.sla import timer

    policy = parse_policy(
        {"calendar": {"business_time": True, "timezone": "UTC"}, "durations": {"screen_decision": "2d"}}
    )
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    ola = NewCandidate(name="Ola", email="ola@example.com", requisition_id=open_requisition, source="conference")
    [cid] = add_candidates(engine, [ola], actor="t", now=friday, policy=policy)
    t = timer(engine, cid, "screen_decision", "open")
    assert t.due_at == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # Tuesday noon, not Sunday noon
    # the reminder is 75% of the 48 business hours in: 36h -> Monday 24:00
    assert t.next_fire_at == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


def test_invalid_policy_file_refused_at_start_by_any_command(tmp_path, db_url):
    from tests.support.procs import run

    bad = tmp_path / "policy.yaml"
    bad.write_text("durations:\n  decision: tomorrow\nladder:\n  level_9_after: 1h\n")
    (tmp_path / ".env").write_text(f"HIRING_POLICY_FILE={bad}\n")  # settings read .env from the working folder
    for command in (["sweep"], ["board"], ["sla"]):
        result = run(command, db_url, tmp_path)
        assert result.code == 2, result
        assert "durations.decision" in result.err and "ladder.level_9_after" in result.err
        assert "Traceback" not in result.err
