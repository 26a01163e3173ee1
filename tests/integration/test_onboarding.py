"""Onboarding on the calendar and retention after it (issue 14): the early window, the day-30 access gap, the
day-60 watch-fors, the day-90 contribution rating, retention check-ins and a departure after onboarded."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from hiring.privacy import ERASED, erase
from hiring.service import apply_event
from hiring.sla import sweep
from models.tables import Event
from states.errors import GuardRefused, InvalidPayload
from states.policy import Policy
from tests.support import payloads
from tests.support.sla import levels, open_kinds, timer

START = date(2026, 4, 1)
NINE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # 09:00 on the start date
POLICY = Policy(head_of_talent="tess")


def _day(n: int, hours: float = 10) -> datetime:
    """Day n after the start date, at `hours` o'clock UTC."""
    return datetime.combine(START, datetime.min.time(), UTC) + timedelta(days=n, hours=hours)


@pytest.fixture
def hire(candidate, drive, engine):
    """A hire in onboarding_30 who starts on START."""
    cid = candidate()
    drive.to(cid, "offer")
    drive(cid, "accept_offer", payloads.accept_offer(START))
    return cid


def _apply(engine, cid, trigger, payload, at):
    return apply_event(engine, cid, trigger, payload, actor="hm", occurred_at=at, now=at, policy=POLICY)


def _checkpoint(engine, cid, stage, day, **kw):
    return _apply(engine, cid, "complete_checkpoint", payloads.checkpoint(stage, **kw), _day(day))


def test_a_checkpoint_before_its_window_is_refused_naming_the_earliest_date(hire, engine):
    with pytest.raises(GuardRefused, match="can be completed from 2026-04-24") as err:
        _checkpoint(engine, hire, "onboarding_30", 22)  # 2026-04-23: a day before the window opens
    assert "checkpoint_early_window of 7 day(s)" in str(err.value)
    assert timer(engine, hire, "checkpoint_30", "open").due_at == NINE + timedelta(days=30)  # nothing written
    assert _checkpoint(engine, hire, "onboarding_30", 23).to_stage == "onboarding_60"  # the window's first day
    assert timer(engine, hire, "checkpoint_30").status == "met"


def test_a_backfill_follows_the_same_rule_and_a_late_one_is_breached(hire, engine):
    now = _day(100)
    with pytest.raises(GuardRefused, match="from 2026-04-24"):  # recorded on day 100, as of day 20
        apply_event(engine, hire, "complete_checkpoint", payloads.checkpoint("onboarding_30"), actor="hm",
                    occurred_at=_day(20), now=now, policy=POLICY)  # fmt: skip
    apply_event(engine, hire, "complete_checkpoint", payloads.checkpoint("onboarding_30"), actor="hm",
                occurred_at=_day(31), now=now, policy=POLICY)  # fmt: skip
    assert timer(engine, hire, "checkpoint_30").status == "breached"  # after its due time, 09:00 on day 30
    assert timer(engine, hire, "checkpoint_60", "open").due_at == NINE + timedelta(days=60)


def test_a_policy_window_of_zero_days_allows_no_early_checkpoint(hire, engine):
    strict = Policy(checkpoint_early_window=timedelta(0))
    with pytest.raises(GuardRefused, match="from 2026-05-01"):
        apply_event(engine, hire, "complete_checkpoint", payloads.checkpoint("onboarding_30"), actor="hm",
                    occurred_at=_day(29), now=_day(29), policy=strict)  # fmt: skip


def test_day_30_requires_the_three_outcomes(hire, engine):
    payload = payloads.checkpoint("onboarding_30")
    del payload["stack_and_data"]
    with pytest.raises(InvalidPayload) as err:
        _apply(engine, hire, "complete_checkpoint", payload, _day(30))
    assert [f for f, _ in err.value.problems] == ["stack_and_data"]


def test_an_access_gap_escalates_outlives_day_30_and_closes_when_granted(hire, engine):
    _checkpoint(engine, hire, "onboarding_30", 30, missing=("credentials", "architecture_diagrams"))
    gap = timer(engine, hire, "access_gap", "open")
    assert (gap.owner_role, gap.due_at) == ("hiring_manager", _day(30) + timedelta(days=5))
    assert open_kinds(engine, hire) == {"access_gap", "checkpoint_60"}  # the move did not close it
    sweep(engine, gap.due_at + timedelta(hours=25), POLICY)
    assert levels(engine, hire, "access_gap") == [
        ("access_gap", "reminder"), ("access_gap", "level_1"), ("access_gap", "level_2")
    ]  # fmt: skip
    with pytest.raises(GuardRefused, match=r"not missing at day 30 .*: tooling; still missing: architecture_diagrams"):
        _apply(engine, hire, "access_granted", payloads.access_granted("tooling", "credentials"), _day(37))
    _apply(engine, hire, "access_granted", payloads.access_granted("credentials"), _day(37))
    assert timer(engine, hire, "access_gap").status == "open"  # one item is still missing
    _apply(engine, hire, "access_granted", payloads.access_granted("architecture_diagrams"), _day(38))
    assert timer(engine, hire, "access_gap").status == "breached"
    with pytest.raises(GuardRefused, match="nothing is missing"):
        _apply(engine, hire, "access_granted", payloads.access_granted("credentials"), _day(39))


def test_an_unknown_access_item_is_refused(hire, engine):
    _checkpoint(engine, hire, "onboarding_30", 30, missing=("credentials",))
    with pytest.raises(InvalidPayload, match=r"unknown item.*coffee.*allowed: tooling"):
        _apply(engine, hire, "access_granted", {"items": ["coffee"]}, _day(31))


def _to_onboarded(engine, cid, contribution=3):
    _checkpoint(engine, cid, "onboarding_30", 30)
    _checkpoint(engine, cid, "onboarding_60", 60)
    _checkpoint(engine, cid, "onboarding_90", 90, contribution=contribution)


def test_ratings_outside_1_to_4_are_refused(hire, engine):
    _checkpoint(engine, hire, "onboarding_30", 30)
    day60 = payloads.checkpoint("onboarding_60")
    day60["trade_offs"] = {"rating": 5, "note": "great"}
    with pytest.raises(InvalidPayload) as err:
        _apply(engine, hire, "complete_checkpoint", day60, _day(60))
    assert [f for f, _ in err.value.problems] == ["trade_offs.rating"]
    _checkpoint(engine, hire, "onboarding_60", 60)
    with pytest.raises(InvalidPayload, match="contribution_rating"):
        _checkpoint(engine, hire, "onboarding_90", 90, contribution=0)


def test_retention_checkins_follow_the_policy_days_with_the_ladder(hire, engine):
    _to_onboarded(engine, hire)
    first = timer(engine, hire, "retention_checkin", "open")
    assert (first.owner_role, first.due_at) == ("hiring_manager", NINE + timedelta(days=180))
    sweep(engine, first.due_at + timedelta(hours=1), POLICY)
    assert levels(engine, hire, "retention_checkin") == [
        ("retention_checkin", "reminder"), ("retention_checkin", "level_1")
    ]  # fmt: skip
    _apply(engine, hire, "retention_checkin", payloads.retention_checkin(), _day(181))
    assert timer(engine, hire, "retention_checkin", "breached").id == first.id
    second = timer(engine, hire, "retention_checkin", "open")
    assert second.due_at == NINE + timedelta(days=365)
    _apply(engine, hire, "retention_checkin", payloads.retention_checkin(4), _day(360))
    assert open_kinds(engine, hire) == set()
    with pytest.raises(GuardRefused, match="all 2 retention check-ins"):
        _apply(engine, hire, "retention_checkin", payloads.retention_checkin(), _day(370))


def test_depart_after_onboarded_cancels_the_checkin(hire, engine):
    _to_onboarded(engine, hire)
    out = _apply(engine, hire, "depart", payloads.reason("left for a lab"), _day(200))
    assert (out.from_stage, out.to_stage) == ("onboarded", "departed")
    assert timer(engine, hire, "retention_checkin").status == "cancelled"


def test_erasure_scrubs_the_new_text_and_keeps_ratings(hire, engine):
    _checkpoint(engine, hire, "onboarding_30", 30, missing=("credentials",))
    _apply(engine, hire, "access_granted", payloads.access_granted("credentials"), _day(32))
    _checkpoint(engine, hire, "onboarding_60", 60)
    _checkpoint(engine, hire, "onboarding_90", 90, contribution=4)
    _apply(engine, hire, "retention_checkin", payloads.retention_checkin(2), _day(180))
    erase(engine, hire, "dpo", now=_day(200))
    with Session(engine) as session:
        events = {e.seq: e for e in session.execute(select(Event).where(Event.candidate_id == hire)).scalars()}
    by = {(e.trigger, e.from_stage): e.payload for e in events.values()}
    day30 = by[("complete_checkpoint", "onboarding_30")]
    assert [day30[k] for k in ("business_problem", "stack_and_data", "first_deliverable")] == [ERASED] * 3
    assert day30["access"]["credentials"] is False
    assert by[("access_granted", "onboarding_60")] == {"items": ["credentials"], "note": ERASED}
    day60 = by[("complete_checkpoint", "onboarding_60")]
    assert day60["escalates_blockers"] == {"rating": 4, "note": ERASED}
    assert by[("complete_checkpoint", "onboarding_90")]["contribution_rating"] == 4
    checkin = by[("retention_checkin", "onboarded")]
    assert all(checkin[t] == {"rating": 2, "note": ERASED} for t in ("career_path", "learning_time"))
