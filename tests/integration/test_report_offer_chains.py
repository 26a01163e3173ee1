"""Issue 13's report sections, on small logs built through the service: the offer approval chain's time per
step and per approver, offers by market bucket (the shipped 2026 market data: USD, median bucket
160,000-200,000), and decision speed counted at `decide`.

The offer log (requisition band 120,000-150,000 EUR, so every USD offer is out of band and needs the default
chain: hugo, the hiring manager, then ava, the head of talent):
  A  150,000 USD  hugo 10h, ava 30h; accepted
  B  170,000 USD  hugo 2h, ava 6h; declined
  C  210,000 USD  hugo rejects after 4h; revised to 205,000 USD, hugo still pending at report time (12h)
  E  135,000 EUR  in band: no chain, no market check (the market data is in USD); offer open
"""

from datetime import timedelta
from typing import Any

import pytest
from pytest import approx

from hiring.reports.html import render_html
from hiring.reports.metrics import pipeline_report
from hiring.reports.tables import approval_times_section, decisions_section, market_buckets_section
from states.policy import Policy
from tests.support import payloads
from tests.support.db import add_interviewer

HOT = "ava"
POLICY = Policy(head_of_talent=HOT)
MINUTE = 1 / 60  # every driven event is a minute after the clock


@pytest.fixture
def approvers(engine) -> None:
    for handle in ("hugo", HOT):
        add_interviewer(engine, handle)


def _final(drive, candidate) -> int:
    cid = candidate()
    drive.to(cid, "final")
    for part in payloads.INTERVIEW_PARTS:
        drive(cid, "record_interview", payloads.record_interview(part))
    return cid


def _step(drive, cid: int, after_hours: float, trigger: str, step: int, approver: str, revision: int = 1) -> None:
    drive.clock.tick(hours=after_hours)
    body = payloads.approve(step, revision, approver) if trigger == "approve_offer" else None
    body = body or payloads.reject_approval(step, revision, approver)
    drive(cid, trigger, body, policy=POLICY)


@pytest.fixture
def offer_log(drive, candidate, approvers) -> dict[str, Any]:
    ids = {k: _final(drive, candidate) for k in "ABCE"}
    a, b, c, e = ids["A"], ids["B"], ids["C"], ids["E"]
    drive(a, "make_offer", payloads.offer(150_000, "USD"), policy=POLICY)
    _step(drive, a, 10, "approve_offer", 1, "hugo")
    _step(drive, a, 30, "approve_offer", 2, HOT)
    drive(a, "accept_offer")
    drive(b, "make_offer", payloads.offer(170_000, "USD"), policy=POLICY)
    _step(drive, b, 2, "approve_offer", 1, "hugo")
    _step(drive, b, 6, "approve_offer", 2, HOT)
    drive(b, "decline_offer")
    drive(c, "make_offer", payloads.offer(210_000, "USD"), policy=POLICY)
    _step(drive, c, 4, "reject_offer_approval", 1, "hugo")
    drive(c, "revise_offer", payloads.offer(205_000, "USD"), policy=POLICY)
    drive(e, "make_offer", payloads.offer(135_000, "EUR"), policy=POLICY)
    now = drive.clock.now + timedelta(hours=12)
    return {"ids": ids, "report": pipeline_report(drive.engine, now=now, policy=POLICY)}


def test_each_step_waits_from_the_offer_or_the_step_before_to_its_decision(offer_log) -> None:
    a = offer_log["report"]["approval_times"]
    step1, step2 = a["by_step"]
    assert (step1["step"], step1["decided"], step1["rejected"], step1["pending"]) == (1, 3, 1, 1)
    assert step1["median_hours"] == approx(4 + MINUTE, abs=0.01)  # of 2h, 4h and 10h
    assert step1["max_hours"] == approx(10 + MINUTE, abs=0.01)
    assert step1["p90_hours"] == approx(8.8 + MINUTE, abs=0.01)  # interpolated between 4h and 10h
    assert (step2["step"], step2["decided"], step2["pending"]) == (2, 2, 0)
    assert step2["max_hours"] == approx(30 + MINUTE, abs=0.01)


def test_the_slowest_approver_comes_first_with_what_they_have_pending(offer_log) -> None:
    a, c = offer_log["report"]["approval_times"], offer_log["ids"]["C"]
    assert [r["approver"] for r in a["by_approver"]] == [HOT, "hugo"]
    ava, hugo = a["by_approver"]
    assert (ava["decided"], ava["median_hours"], ava["pending"]) == (2, approx(18 + MINUTE, abs=0.01), 0)
    assert (hugo["decided"], hugo["rejected"], hugo["pending"]) == (3, 1, 1)
    # The revision changed the terms: a new chain, hugo's step pending since the revision, not the first offer.
    [waiting] = a["pending"]
    assert (waiting["candidate_id"], waiting["step"], waiting["approver"]) == (c, 1, "hugo")
    assert waiting["waiting_hours"] == approx(12 + MINUTE, abs=0.01)  # E's offer came a minute after the revision


def test_offers_count_once_in_the_bucket_of_their_latest_terms(offer_log) -> None:
    rows = {r["bucket"]: r for r in offer_log["report"]["offers_by_market_bucket"]}
    assert list(rows) == ["120,000-160,000 USD", "160,000-200,000 USD", "above 200,000 USD", "no market check"]
    low, mid, high, none = rows.values()
    assert (low["offers"], low["below_median"], low["accepted"], low["acceptance_rate"]) == (1, 1, 1, 1.0)
    assert (mid["offers"], mid["below_median"], mid["declined"], mid["acceptance_rate"]) == (1, 0, 1, 0.0)
    assert (high["offers"], high["open"], high["as_of"]) == (1, 1, ["2026"])  # C once, though revised
    assert (none["offers"], none["open"], none["as_of"], none["acceptance_rate"]) == (1, 1, [], None)


def test_the_sections_render_the_new_numbers_in_the_terminal_and_html(offer_log) -> None:
    report = offer_log["report"]
    chain = approval_times_section(report)
    assert [r[0] for r in chain.rows] == ["step 1", "step 2", HOT, "hugo"]
    assert any("step 1 (hugo)" in n for n in chain.notes)
    market = market_buckets_section(report)
    assert market.rows[0][:3] == ["120,000-160,000 USD", "1", "1"]
    page = render_html(report)
    assert 'id="approval-times"' in page and 'id="market-buckets"' in page


# --- decision speed from decide ---------------------------------------------------------------------------


def test_decide_is_the_decision_and_the_offer_after_it_does_not_count_again(drive, candidate, engine) -> None:
    hire, no_hire, undecided = (_final(drive, candidate) for _ in range(3))
    drive.clock.tick(hours=5)
    drive(hire, "decide", payloads.decide("hire"))
    drive.clock.tick(hours=30)
    drive(hire, "make_offer")  # a day later: the preparation, not the decision
    drive(no_hire, "decide", payloads.decide("no_hire", "weaker on system design"))
    drive(undecided, "make_offer")
    d = pipeline_report(engine, now=drive.clock.now)["decisions"]
    assert d["outcomes"] == {"decide_hire": 1, "make_offer": 1, "decide_no_hire": 1}
    assert d["decided_n"] == 3 and d["pending"] == []
    # `hire` decided 5h (and the 21 minutes of the others' scorecards) after its fourth scorecard, not at the
    # make_offer 30h later; the other two waited through those 30h.
    assert d["hours"][0] == approx(5 + 21 * MINUTE, abs=0.01)
    assert all(35 < h < 36 for h in d["hours"][1:])
    assert d["within_window"] == 3
    row = decisions_section({"decisions": d})
    assert row.rows[0][4:8] == ["1", "1", "1", "0"]


def test_decide_then_withdraw_is_a_decision_not_a_withdrawal(drive, candidate, engine) -> None:
    cid = _final(drive, candidate)
    drive(cid, "decide", payloads.decide("hire"))
    drive(cid, "withdraw")
    d = pipeline_report(engine, now=drive.clock.now)["decisions"]
    assert (d["outcomes"], d["withdrawn_before_decision"]) == ({"decide_hire": 1}, 0)
