"""Business-time arithmetic and the policy file's validation (no database: the policy in use is in
tests/integration/test_policy_in_use.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from hiring.errors import InvalidInput
from hiring.policy_file import load_policy_file
from states.calendar import Calendar
from states.durations import parse_duration
from states.policy import DEFAULT_POLICY, Level, PolicyError, TimerKind, parse_policy

BERLIN_WEEK = Calendar(business=True, timezone="Europe/Berlin")


def test_wall_clock_is_the_default():
    fri = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert Calendar().add(fri, timedelta(hours=48)) == fri + timedelta(hours=48)


def test_48_business_hours_from_friday_afternoon_skip_the_weekend():
    fri = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
    due = BERLIN_WEEK.add(fri, timedelta(hours=48))
    # Fri 15:00-24:00 (9h) + Mon (24h) + Tue 00:00-15:00 (15h) = 48h
    assert due == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert BERLIN_WEEK.between(fri, due) == timedelta(hours=48)
    assert due - fri == timedelta(days=4)


def test_a_start_on_saturday_counts_from_monday_midnight():
    sat = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert BERLIN_WEEK.add(sat, timedelta(hours=1)) == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Mon 01:00 CET


def test_holidays_are_skipped():
    cal = Calendar(business=True, timezone="UTC", holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    wed = datetime(2026, 12, 23, 12, 0, tzinfo=UTC)
    assert cal.add(wed, timedelta(days=1)) == datetime(2026, 12, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [("5d", timedelta(days=5)), ("48h", timedelta(hours=48)),
                                                ("1d12h", timedelta(hours=36)), ("90m", timedelta(minutes=90)),
                                                (36, timedelta(hours=36))])  # fmt: skip
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_defaults_match_the_issue():
    d = DEFAULT_POLICY
    assert d.duration(TimerKind.DECISION) == timedelta(hours=48)
    assert d.duration(TimerKind.SCREEN_DECISION) == timedelta(days=5)
    assert d.ladder.reminder_at == 0.75
    assert (d.ladder.level_2_after, d.ladder.level_3_after) == (timedelta(hours=24), timedelta(hours=72))
    assert d.routing[Level.LEVEL_2] == ["slack", "email"]


def test_invalid_policy_names_every_problem():
    with pytest.raises(PolicyError) as err:
        parse_policy({
            "durations": {"decison": "48h", "debrief": "soon"},
            "ladder": {"reminder_at": 1.5, "audiences": {"level_2": "ceo"}},
            "calendar": {"timezone": "Mars/Olympus", "working_days": ["mon", "funday"]},
            "routing": {"level_1": ["pager"]},
            "role_profiles": {"quant": {}},
            "colour": "blue",
        })  # fmt: skip
    text = str(err.value)
    for needle in (
        "durations.decison",
        "durations.debrief",
        "soon",
        "ladder.reminder_at",
        "ceo",
        "Mars/Olympus",
        "funday",
        "pager",
        "role_profiles.quant",
        "colour",
    ):
        assert needle in text, needle
    assert len(err.value.problems) == 9  # one per bad setting ("debrief" and "soon" are one)


def test_override_ladder_problems_are_named_too():
    with pytest.raises(PolicyError, match=r"requisitions.7.ladder.reminder_at"):
        parse_policy({"requisitions": {"7": {"ladder": {"reminder_at": 2}}}})


def test_policy_files_in_toml_and_yaml(tmp_path):
    toml = tmp_path / "policy.toml"
    toml.write_text(
        'head_of_talent = "tess"\n[durations]\ndecision = "36h"\n'
        '[role_profiles.ai_researcher.durations]\ntake_home_submission = "10d"\n'
    )
    yaml = tmp_path / "policy.yaml"
    yaml.write_text(
        "head_of_talent: tess\ndurations:\n  decision: 36h\nrole_profiles:\n  ai_researcher:\n"
        "    durations:\n      take_home_submission: 10d\n"
    )
    for path in (toml, yaml):
        policy = load_policy_file(path)
        assert policy.duration(TimerKind.DECISION) == timedelta(hours=36)
        assert policy.duration(TimerKind.TAKE_HOME_SUBMISSION, "ai_researcher") == timedelta(days=10)
        assert policy.duration(TimerKind.TAKE_HOME_SUBMISSION, "ml_engineer") == timedelta(days=5)


def test_unreadable_policy_file(tmp_path):
    with pytest.raises(InvalidInput, match="cannot read policy file"):
        load_policy_file(tmp_path / "missing.toml")
    (tmp_path / "p.json").write_text("{}")
    with pytest.raises(InvalidInput, match=r"\.toml, \.yaml or \.yml"):
        load_policy_file(tmp_path / "p.json")
