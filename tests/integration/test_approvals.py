"""Issue 13's hire decision and offer approval chain, through the service on a real database: the decision
window, the offer preparation, the chain's steps as timers and refusals that write nothing."""

import pytest

from hiring.errors import InvalidInput
from hiring.queries import show_candidate
from hiring.sla import sweep
from states.approvals import ChainRule
from states.errors import EventRefused
from states.policy import Override, Policy
from tests.support import payloads
from tests.support.db import add_interviewer, fingerprint
from tests.support.sla import hours, levels, open_kinds, outbox, timer, timers


def _to_final_complete(drive, cid: int) -> None:
    drive.to(cid, "final")
    for part in payloads.INTERVIEW_PARTS:
        drive(cid, "record_interview", payloads.record_interview(part))


# --- decide ------------------------------------------------------------------------------------------


def test_decide_hire_closes_the_decision_window_and_opens_the_offer_preparation(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    out = drive(cid, "decide", payloads.decide("hire"))
    assert out.to_stage == "final"
    assert timer(engine, cid, "decision").status == "met"
    prep = timer(engine, cid, "offer_preparation", "open")
    assert (prep.owner_role, hours(prep.opened_at, prep.due_at)) == ("recruiter", 48)
    drive(cid, "make_offer")
    assert timer(engine, cid, "offer_preparation").status == "met"
    assert open_kinds(engine, cid) == {"offer_response"}


def test_decide_no_hire_rejects_and_reopen_starts_the_decision_again(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "decide", payloads.decide("hire"))
    assert drive(cid, "decide", payloads.decide("no_hire", "weaker than the other finalist")).to_stage == "rejected"
    assert open_kinds(engine, cid) == set()
    assert timer(engine, cid, "offer_preparation").status == "met"
    drive(cid, "reopen")
    assert open_kinds(engine, cid) == {"decision"}  # the hire decision was reset: decide again
    drive(cid, "decide", payloads.decide("hire"))
    assert open_kinds(engine, cid) == {"offer_preparation"}


def test_a_second_hire_decision_is_refused_and_writes_nothing(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "decide", payloads.decide("hire"))
    before = [(t.id, t.status) for t in timers(engine, cid)]
    with pytest.raises(EventRefused, match="already recorded"):
        drive(cid, "decide", payloads.decide("hire"))
    assert [(t.id, t.status) for t in timers(engine, cid)] == before


def test_decide_waits_for_every_interview_part(candidate, drive):
    cid = candidate()
    drive.to(cid, "final")
    with pytest.raises(EventRefused, match="interview parts not recorded yet"):
        drive(cid, "decide", payloads.decide("hire"))


def test_decide_needs_a_known_decision_and_a_reason(candidate, drive):
    cid = candidate()
    _to_final_complete(drive, cid)
    with pytest.raises(EventRefused, match="decision"):
        drive(cid, "decide", {"decision": "maybe", "reason": "x"})
    with pytest.raises(EventRefused, match="reason"):
        drive(cid, "decide", {"decision": "hire"})


def test_make_offer_without_decide_closes_the_decision_window_as_before(candidate, drive, engine):
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "make_offer")
    assert timer(engine, cid, "decision").status == "met"
    assert "offer_preparation" not in {t.kind for t in timers(engine, cid)}


# --- the approval chain ------------------------------------------------------------------------------

HOT = "ava"  # head of talent of CHAIN_POLICY
CHAIN_POLICY = Policy(head_of_talent=HOT)


@pytest.fixture
def approvers(engine):
    for handle in ("hugo", HOT, "fin"):
        add_interviewer(engine, handle)


def _offered(drive, candidate, base: int = 160_000, policy: Policy = CHAIN_POLICY) -> int:
    cid = candidate()
    _to_final_complete(drive, cid)
    drive(cid, "make_offer", payloads.offer(base), policy=policy)
    return cid


def test_an_out_of_band_offer_waits_for_each_step_then_is_extended(candidate, drive, engine, approvers):
    cid = _offered(drive, candidate)
    assert open_kinds(engine, cid) == {"offer_approval"}
    first = timer(engine, cid, "offer_approval", "open")
    assert (first.subject, first.owner_role, first.owner_handle) == ("1", "approver", "hugo")
    drive(cid, "approve_offer", payloads.approve(1, 1, None), actor="hugo", policy=CHAIN_POLICY)
    second = timer(engine, cid, "offer_approval", "open")
    assert (second.subject, second.owner_handle) == ("2", HOT)
    assert "offer_response" not in {t.kind for t in timers(engine, cid)}  # not extended yet
    drive(cid, "approve_offer", payloads.approve(2, 1, HOT), policy=CHAIN_POLICY)
    assert open_kinds(engine, cid) == {"offer_response"}
    assert timer(engine, cid, "offer_response").opened_at == drive.clock.now
    chain = show_candidate(engine, str(cid))["offer_approval"]
    assert [s["status"] for s in chain["steps"]] == ["approved", "approved"] and chain["extended"]


def test_an_in_band_offer_needs_no_approval_with_the_default_chain(candidate, drive, engine, approvers):
    cid = _offered(drive, candidate, 140_000)
    assert open_kinds(engine, cid) == {"offer_response"}


def test_an_always_step_applies_in_band_too_and_finance_must_be_in_the_directory(candidate, drive, engine, approvers):
    always = Policy(approval_chain=[ChainRule(role="finance", when="always")], finance_approver="nobody")
    cid = candidate()
    _to_final_complete(drive, cid)
    with pytest.raises(InvalidInput, match=r"step 1 \(finance: nobody\)"):
        drive(cid, "make_offer", payloads.offer(140_000), policy=always)
    assert drive.stage(cid) == "final"
    finance = always.model_copy(update={"finance_approver": "fin"})
    drive(cid, "make_offer", payloads.offer(140_000), policy=finance)
    assert timer(engine, cid, "offer_approval", "open").owner_handle == "fin"


def test_a_per_requisition_chain_overrides_the_global_one(candidate, drive, engine, approvers, open_requisition):
    own = {open_requisition: Override(approval_chain=[ChainRule(handle=HOT, when="always")])}
    cid = _offered(drive, candidate, 140_000, CHAIN_POLICY.model_copy(update={"requisitions": own}))
    assert timer(engine, cid, "offer_approval", "open").owner_handle == HOT


@pytest.mark.parametrize(
    ("body", "actor", "problem"),
    [
        (payloads.approve(1, 1, HOT), "test", "hugo's to decide, not ava's"),
        (payloads.approve(2, 1, HOT), "test", "step 2 is not next"),
        (payloads.approve(1, 2, "hugo"), "test", "revision 2 is not the current offer"),
        (payloads.approve(1, 1, None), "stranger", "hugo's to decide, not stranger's"),
    ],
)
def test_approval_refusals_write_nothing(candidate, drive, engine, approvers, body, actor, problem):
    cid = _offered(drive, candidate)
    before = fingerprint(engine, cid)
    with pytest.raises((EventRefused, InvalidInput), match=problem):
        drive(cid, "approve_offer", body, actor=actor, policy=CHAIN_POLICY)
    assert fingerprint(engine, cid) == before


def test_approving_twice_is_refused(candidate, drive, engine, approvers):
    cid = _offered(drive, candidate)
    drive(cid, "approve_offer", payloads.approve(1, 1, "hugo"), policy=CHAIN_POLICY)
    with pytest.raises(EventRefused, match="step 1 is already approved"):
        drive(cid, "approve_offer", payloads.approve(1, 1, "hugo"), policy=CHAIN_POLICY)


def test_a_rejection_stops_the_chain_until_a_revision_changes_the_terms(candidate, drive, engine, approvers):
    cid = _offered(drive, candidate)
    drive(cid, "reject_offer_approval", payloads.reject_approval(1, 1, "hugo"), policy=CHAIN_POLICY)
    assert open_kinds(engine, cid) == set()
    with pytest.raises(EventRefused, match="stopped by a rejection"):
        drive(cid, "approve_offer", payloads.approve(1, 1, "hugo"), policy=CHAIN_POLICY)
    with pytest.raises(EventRefused, match="must change the approved terms"):
        drive(cid, "revise_offer", {**payloads.offer(160_000), "start_date": "2026-07-01"}, policy=CHAIN_POLICY)
    drive(cid, "revise_offer", payloads.offer(155_000), policy=CHAIN_POLICY)
    assert timer(engine, cid, "offer_approval", "open").subject == "1"
    with pytest.raises(EventRefused, match="revision 1 is not the current offer"):
        drive(cid, "approve_offer", payloads.approve(1, 1, "hugo"), policy=CHAIN_POLICY)
    drive(cid, "approve_offer", payloads.approve(1, 2, "hugo"), policy=CHAIN_POLICY)


def test_a_revision_into_the_band_extends_at_once_and_one_out_of_it_takes_the_offer_back(
    candidate, drive, engine, approvers
):
    cid = _offered(drive, candidate)
    drive(cid, "revise_offer", payloads.offer(145_000), policy=CHAIN_POLICY)
    assert open_kinds(engine, cid) == {"offer_response"}
    assert timer(engine, cid, "offer_approval").status == "superseded"
    drive(cid, "revise_offer", payloads.offer(170_000), policy=CHAIN_POLICY)
    assert open_kinds(engine, cid) == {"offer_approval"}
    assert timer(engine, cid, "offer_response").status == "cancelled"


def test_the_application_sets_the_chain_and_band_exception_approved_by_is_gone(candidate, drive, approvers):
    cid = candidate()
    _to_final_complete(drive, cid)
    with pytest.raises(InvalidInput, match="approval_chain is set from the policy"):
        drive(cid, "make_offer", {**payloads.offer(), "approval_chain": []}, policy=CHAIN_POLICY)
    with pytest.raises(EventRefused, match="replaced by the offer approval chain"):
        drive(cid, "make_offer", payloads.offer(160_000, approved_by="ava"), policy=CHAIN_POLICY)


def test_a_late_approval_step_escalates_to_its_approver_then_up(candidate, drive, engine, approvers, clock):
    cid = _offered(drive, candidate)
    step = timer(engine, cid, "offer_approval", "open")
    assert hours(step.opened_at, step.due_at) == 48
    clock.tick(hours=49)
    sweep(engine, now=clock.now, policy=CHAIN_POLICY)
    assert levels(engine, cid, "offer_approval") == [("offer_approval", "reminder"), ("offer_approval", "level_1")]
    rows = [r for r in outbox(engine) if r.payload.get("timer") == "offer_approval"]
    assert {r.payload["recipient"] for r in rows} == {"hugo"}
