"""Offer approval chains: the policy's ordered steps, which of them an offer needs, and the rules of approving.

A step is a role (the requisition's hiring manager, the head of talent, the policy's finance approver) or a
handle, and applies `always` or `only_out_of_band` (the offer's base or currency is outside the band). The
application resolves the steps to handles when the offer is made and records them in the offer's payload
(`approval_chain`), so the event log replays to the same chain. Steps approve in order; a rejection stops
the chain until `revise_offer` changes the approved terms (base salary, currency, equity), which starts a
new revision and a new chain.
"""

from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from states.facts import ApprovalStep, Band, CandidateState, OfferChain, Proposed
from states.guards import Guard

Handle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$")]
APPROVAL_TRIGGERS = ("approve_offer", "reject_offer_approval")
APPROVED_TERMS = ("base_salary", "currency", "equity")  # what a revision must change to need approval again


class ApproverRole(StrEnum):
    HIRING_MANAGER = "hiring_manager"
    HEAD_OF_TALENT = "head_of_talent"
    FINANCE = "finance"  # the policy's finance_approver


class When(StrEnum):
    ALWAYS = "always"
    ONLY_OUT_OF_BAND = "only_out_of_band"


class ChainRule(BaseModel):
    """One step of the policy's approval_chain: a role or a handle, and when it applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: ApproverRole | None = None
    handle: Handle | None = None
    when: When = When.ONLY_OUT_OF_BAND

    @model_validator(mode="after")
    def _one_approver(self) -> "ChainRule":
        if (self.role is None) == (self.handle is None):
            raise ValueError("name the approver by role (hiring_manager, head_of_talent, finance) or by handle")
        return self

    @property
    def label(self) -> str:
        return self.role.value if self.role else "handle"


DEFAULT_CHAIN: tuple[ChainRule, ...] = (
    ChainRule(role=ApproverRole.HIRING_MANAGER),
    ChainRule(role=ApproverRole.HEAD_OF_TALENT),
)


def outside_band(base_salary: int, currency: str, band: Band | None) -> bool:
    return band is not None and (currency != band.currency or not band.min <= base_salary <= band.max)


def resolve(rules: list[ChainRule], out_of_band: bool, holders: dict[str, str | None]) -> list[dict[str, str]]:
    """The steps an offer needs, with their approvers' handles (`holders`: role -> handle). ValueError naming
    each applicable step nobody holds."""
    steps, problems = [], []
    for n, rule in enumerate(rules, 1):
        if rule.when is When.ONLY_OUT_OF_BAND and not out_of_band:
            continue
        who = rule.handle or holders.get(rule.label)
        if not who:
            problems.append(f"step {n} ({rule.label}) has nobody: {_setting(rule.label)}")
            continue
        steps.append({"approver": who, "role": rule.label})
    if problems:
        raise ValueError("the offer's approval chain cannot start: " + "; ".join(problems))
    return steps


def _setting(role: str) -> str:
    if role == ApproverRole.HIRING_MANAGER:
        return "set the requisition's hiring_manager"
    if role == ApproverRole.FINANCE:
        return "set finance_approver in the policy (globally, under role_profiles.<profile> or requisitions.<id>)"
    return "set head_of_talent in the policy or HIRING_HEAD_OF_TALENT"


# --- what the offer's triggers set ------------------------------------------------------------------------


def terms_of(payload: Any) -> tuple[int, str, str | None]:
    return (payload.base_salary, payload.currency, payload.equity)


def changes_terms(state: CandidateState, raw: dict[str, Any]) -> bool:
    """Whether a revise_offer payload changes the terms the current chain approved."""
    given = (raw.get("base_salary"), raw.get("currency"), raw.get("equity"))
    return given != state.offer.terms


def start(state: CandidateState, payload: Any) -> dict[str, Any]:
    """make_offer, or a revise_offer changing the approved terms: a new revision with the recorded chain."""
    steps = tuple(
        ApprovalStep(s.approver, s.role, "approved" if s.approved_before_chain else "pending")
        for s in payload.approval_chain
    )
    return {"offer": OfferChain(state.offer.revision + 1, terms_of(payload), steps)}


def revise(state: CandidateState, payload: Any) -> dict[str, Any]:
    return start(state, payload) if terms_of(payload) != state.offer.terms else {}


def _decided(status: str) -> Any:
    def change(state: CandidateState, payload: Any) -> dict[str, Any]:
        steps = list(state.offer.steps)
        steps[payload.step - 1] = replace(steps[payload.step - 1], status=status)
        return {"offer": replace(state.offer, steps=tuple(steps))}

    return change


approve = _decided("approved")
reject = _decided("rejected")


# --- guards -----------------------------------------------------------------------------------------------


def approval_problem(state: CandidateState, p: Proposed) -> str | None:
    """Why this approve_offer / reject_offer_approval does not fit the chain, or None."""
    chain, pay = state.offer, p.payload
    step, revision, approver = pay.step, pay.revision, pay.approver  # type: ignore[attr-defined]  # the trigger's payload model has the fields
    if revision != chain.revision:
        return (
            f"revision {revision} is not the current offer: the offer is at revision {chain.revision} "
            "(it was revised since); review the current terms and give revision "
            f"{chain.revision}"
        )
    if chain.stopped:
        return "the approval chain was stopped by a rejection: the recruiter revises the offer (revise_offer)"
    if chain.pending is None:
        return "no approval is pending: the offer is extended (its chain is complete or it needed none)"
    if not 1 <= step <= len(chain.steps):
        return f"step {step} does not exist: the chain has {len(chain.steps)} step(s)"
    asked = chain.steps[step - 1]
    if asked.status == "approved":
        return f"step {step} is already approved (by {asked.approver})"
    if step != chain.pending:
        waiting = chain.steps[chain.pending - 1]
        return f"step {step} is not next: step {chain.pending} ({waiting.role}, {waiting.approver}) decides first"
    if approver != asked.approver:
        return f"step {step} ({asked.role}) is {asked.approver}'s to decide, not {approver}'s"
    return None


approval_fits = Guard(
    "approval_fits", lambda s, p: approval_problem(s, p) is None, lambda s, p: approval_problem(s, p) or ""
)

revision_restarts_a_stopped_chain = Guard(
    "revision_restarts_a_stopped_chain",
    lambda s, p: not s.offer.stopped or terms_of(p.payload) != s.offer.terms,
    lambda s, p: (
        "an approver rejected this offer: the revision must change the approved terms "
        f"({', '.join(APPROVED_TERMS)}) to start a new approval chain"
    ),
)


# --- stored on the candidate row (candidate.offer_approval) ------------------------------------------------


def chain_to_json(chain: OfferChain) -> dict[str, Any] | None:
    if chain == OfferChain():
        return None
    return {
        "revision": chain.revision,
        "terms": list(chain.terms) if chain.terms else None,
        "steps": [{"approver": s.approver, "role": s.role, "status": s.status} for s in chain.steps],
    }


def chain_from_json(data: dict[str, Any] | None) -> OfferChain:
    if not data:
        return OfferChain()
    terms = data.get("terms")
    return OfferChain(
        int(data.get("revision") or 0),
        (int(terms[0]), str(terms[1]), terms[2]) if terms else None,
        tuple(ApprovalStep(str(s["approver"]), str(s["role"]), str(s["status"])) for s in data.get("steps") or ()),
    )
