"""Whether a handle names someone: the people directory, a requisition's recruiter or hiring manager, the
policy's head of talent, or someone an escalation was sent to. Lists filtered by a person refuse a handle
that is none of these (a typo would otherwise answer with an empty list that looks like a clear desk)."""

from sqlalchemy import or_, select
from sqlmodel import Session, col

from hiring.errors import NotFound
from models.tables import Escalation, Person, Requisition
from states.policy import Policy


def ensure_known_handle(session: Session, handle: str, policy: Policy) -> None:
    if handle == policy.head_of_talent:
        return
    if session.execute(select(col(Person.id)).where(col(Person.handle) == handle)).first():
        return
    named = or_(col(Requisition.recruiter) == handle, col(Requisition.hiring_manager) == handle)
    if session.execute(select(col(Requisition.id)).where(named).limit(1)).first():
        return
    # Last, as it reads the escalation log: a head of talent of an earlier policy, say.
    if session.execute(select(col(Escalation.id)).where(col(Escalation.recipient) == handle).limit(1)).first():
        return
    raise NotFound(
        f"no person with handle {handle!r}: list the people directory with `hiring people list` "
        "(add someone with `hiring people add`)"
    )
