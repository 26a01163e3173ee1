"""What the application adds to an offer's events before the rules see them: the approval chain the policy
requires (its approvers resolved to handles of the people directory), the offer's place in the market data,
and, for an approval, the approver (the actor unless the payload names them). Recorded in the event's
payload, so the log replays to the same chain."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from hiring.errors import InvalidInput
from hiring.market_file import current_market
from models.tables import Person, Requisition
from states import approvals
from states.candidate import validate_payload
from states.facts import Band, CandidateState
from states.market import MarketData
from states.policy import Policy
from states.vocabulary import RoleProfile

SET_BY_US = ("approval_chain", "market")  # payload fields the application fills in, never the user


def offer_defaults(
    session: Session,
    req: Requisition,
    policy: Policy,
    state: CandidateState,
    trigger: str,
    payload: dict[str, Any] | None,
    actor: str,
    band: Band | None,
) -> dict[str, Any] | None:
    """The payload with what the application fills in for make_offer, revise_offer and the approvals."""
    if trigger in approvals.APPROVAL_TRIGGERS:
        body = dict(payload or {})
        body.setdefault("approver", actor)
        return body
    if trigger not in ("make_offer", "revise_offer") or not isinstance(payload, dict):
        return payload
    given = [name for name in SET_BY_US if name in payload]
    if given:
        raise InvalidInput(f"{trigger}: {', '.join(given)} is set from the policy and the market data, not given")
    # The offer's own fields first: a salary out of range is the user's error to hear, not a chain's.
    validate_payload(trigger, state.stage, payload)
    body = dict(payload)
    market = market_check(current_market(), req, body)
    if market is not None:
        body["market"] = market
    if trigger == "make_offer" or approvals.changes_terms(state, body):
        body["approval_chain"] = chain_for(session, req, policy, body, band)
    return body


def chain_for(
    session: Session, req: Requisition, policy: Policy, body: dict[str, Any], band: Band | None
) -> list[dict[str, str]]:
    """The steps this offer needs, each approver in the people directory; InvalidInput naming what is missing."""
    rules, finance = policy.approvals(req.role_profile, req.id)
    holders = {"hiring_manager": req.hiring_manager, "head_of_talent": policy.head_of_talent, "finance": finance}
    base, currency = body.get("base_salary"), body.get("currency")
    out_of_band = isinstance(base, int) and isinstance(currency, str) and approvals.outside_band(base, currency, band)
    try:
        steps = approvals.resolve(rules, out_of_band, holders)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    handles = {s["approver"] for s in steps}
    known = set(session.execute(select(col(Person.handle)).where(col(Person.handle).in_(handles))).scalars())
    missing = [f"step {n} ({s['role']}: {s['approver']})" for n, s in enumerate(steps, 1) if s["approver"] not in known]
    if missing:
        raise InvalidInput(
            "the offer's approval chain names people missing from the people directory: "
            + ", ".join(missing)
            + "; add them with `hiring people add --handle HANDLE --name NAME --role approver --email EMAIL`"
        )
    return steps


def market_check(market: MarketData, req: Requisition, body: dict[str, Any]) -> dict[str, Any] | None:
    """Where the offer's base sits in the market for the profile; None when it cannot be compared."""
    base, currency = body.get("base_salary"), body.get("currency")
    if not isinstance(base, int) or currency != market.currency:
        return None
    dist = market.for_profile(RoleProfile(req.role_profile) if req.role_profile else None)
    median = dist.median_bucket()
    return {
        "bucket": dist.where(base, market.currency),
        "median_bucket": median.label(market.currency),
        "below_median": base < median.min,
        "as_of": market.as_of,
    }
