"""The README's policy-file example is a valid policy and means what its comments say."""

import re
from datetime import timedelta

import yaml

from states.policy import parse_policy
from states.timers import TimerKind
from tests.support.paths import README


def _example() -> dict:
    section = README.read_text(encoding="utf-8").split("### Policy file", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, "README lost the policy file's YAML example"
    data: dict = yaml.safe_load(block.group(1))
    return data


def test_the_readme_policy_example_parses_and_sets_every_switch_of_the_loop():
    data = _example()
    policy = parse_policy(data, "README.md")
    assert policy.interview_backfill == timedelta(days=3)
    assert policy.duration(TimerKind.SCORECARD, None, None) == timedelta(hours=12)
    assert policy.duration(TimerKind.DECISION, None, None) == timedelta(hours=36)
    assert (policy.screen_bar.min_signal, policy.screen_bar.min_mean) == (2, 2.5)
    in_effect = policy.in_effect("applied_ai_engineer", 1)
    assert in_effect.technical_screen_required and in_effect.motivators_required
    assert not policy.in_effect("applied_ai_engineer", 3).technical_screen_required
    assert policy.in_effect("ai_researcher", 1).screen_bar.min_signal == 1
    assert policy.head_of_talent == "sam.okafor"
