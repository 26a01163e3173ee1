"""Migration 0011 on a database written before approval chains: an offer approved by name
(`band_exception_approved_by`) becomes an offer whose chain is that one step, approved, on the event and on
the candidate's snapshot; the downgrade gives the name back.

The old rows are made as the code of 0010 would have stored them: the offer is driven through today's
service, the database downgraded to 0010 (which strips what 0011 added), and the name written into the
offer events' payloads.
"""

from typing import Any

from sqlalchemy import JSON, Engine, column, inspect, select, table, update

from hiring.queries import show_candidate
from tests.support import payloads
from tests.support.db import migrate

EVENT = table("event", column("id"), column("candidate_id"), column("trigger"), column("payload", JSON))
APPROVER = "Dana Ortiz"  # typed free text before chains: not a directory handle


def offer_payloads(engine: Engine, cid: int) -> list[dict[str, Any]]:
    query = select(EVENT.c.trigger, EVENT.c.payload).where(EVENT.c.candidate_id == cid).order_by(EVENT.c.id)
    with engine.connect() as conn:
        return [p for t, p in conn.execute(query) if t in ("make_offer", "revise_offer")]


def _name_the_approver(engine: Engine, cid: int) -> None:
    """What 0010's code stored: the approver's name in the offer's payload, no chain, no market check."""
    query = select(EVENT.c.id, EVENT.c.payload).where(EVENT.c.candidate_id == cid, EVENT.c.trigger == "make_offer")
    with engine.begin() as conn:
        for event_id, payload in conn.execute(query).all():
            assert "approval_chain" not in payload and "market" not in payload  # 0011's downgrade removed them
            named = {**payload, "band_exception_approved_by": APPROVER}
            conn.execute(update(EVENT).where(EVENT.c.id == event_id).values(payload=named))


def test_an_offer_approved_by_name_becomes_a_one_step_approved_chain_and_back(engine, candidate, drive) -> None:
    offered, other = candidate(), candidate()
    drive.to(offered, "final")
    for part in payloads.INTERVIEW_PARTS:
        drive(offered, "record_interview", payloads.record_interview(part))
    drive(offered, "make_offer", payloads.offer(135_000))
    drive.to(other, "screened")
    migrate(engine, "downgrade", "0010")
    assert "offer_approval" not in {c["name"] for c in inspect(engine).get_columns("candidate")}
    _name_the_approver(engine, offered)

    migrate(engine, "upgrade", "0011")
    [payload] = offer_payloads(engine, offered)
    assert "band_exception_approved_by" not in payload
    assert payload["approval_chain"] == [{"approver": APPROVER, "role": "handle", "approved_before_chain": True}]
    chain = show_candidate(engine, str(offered))["offer_approval"]
    assert (chain["revision"], [(s["approver"], s["status"]) for s in chain["steps"]]) == (1, [(APPROVER, "approved")])
    assert chain["extended"]
    assert show_candidate(engine, str(other))["offer_approval"] is None  # no offer, no chain

    migrate(engine, "downgrade", "0010")
    [payload] = offer_payloads(engine, offered)
    assert payload["band_exception_approved_by"] == APPROVER and "approval_chain" not in payload
    assert {"offer_approval", "hire_decided"}.isdisjoint(c["name"] for c in inspect(engine).get_columns("candidate"))
