"""The message the SLA sweep leaves for the renderer: one escalation's facts, frozen when it fired.

Stored as the outbox row's JSON payload (`as_payload`), keys and values exactly as before this type existed,
so stored rows stay readable; the renderer parses it back (`from_payload`). Ids, no names: the dispatcher
adds the candidate's name from the candidate row when it sends, so an erasure reaches stored rows too.
Instants are ISO 8601 text, as stored.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class NextEscalation(BaseModel):
    """Who is escalated to next, and when, if nothing happens."""

    model_config = ConfigDict(frozen=True)
    level: str | None = None
    role: str | None = None
    recipient: str | None = None
    at: str | None = None  # ISO 8601


class MissingScorecard(BaseModel):
    """A final-interview part whose scorecard is not filed yet, and whose it is (a handle; None: unscheduled)."""

    model_config = ConfigDict(frozen=True)
    part: str
    interviewer: str | None = None
    starts_at: str | None = None  # ISO 8601, when it is scheduled


class EscalationMessage(BaseModel):
    """One escalation level of one timer, as the channels render it. Fields default to None so that a
    hand-made notice or an older row parses too; other keys (a name added at send time) are kept as extras."""

    model_config = ConfigDict(frozen=True, extra="allow")
    candidate_id: int | None = None
    requisition_id: int | None = None
    requisition_title: str | None = None
    stage: str | None = None
    timer: str | None = None
    level: str | None = None
    audience_role: str | None = None
    recipient: str | None = None
    owner_role: str | None = None
    due_at: str | None = None  # ISO 8601
    scheduled_at: str | None = None
    fired_at: str | None = None
    overdue_seconds: float | None = None
    overdue_human: str | None = None
    due_in_human: str | None = None
    action: str | None = None
    next_escalation: NextEscalation | None = None
    # A scorecard timer's interview: its part, start, interviewer, and the command that prints its kit.
    interview_part: str | None = None
    interview_at: str | None = None
    interviewer: str | None = None
    kit_command: str | None = None
    # A decision timer's scorecards still missing (none when all are filed).
    missing_scorecards: list[MissingScorecard] | None = None
    # An offer_response timer's closing facts: the candidate's motivators, what the profile weighs besides
    # salary (inferred: not from the playbook), what candidates evaluate, the offer's first-year outcomes.
    motivators: list[str] | None = None
    priorities: list[str] | None = None
    priorities_inferred: bool | None = None
    candidates_evaluate: list[str] | None = None
    first_year_outcomes: list[str] | None = None

    def as_payload(self) -> dict[str, Any]:
        """The outbox row's JSON payload."""
        return self.model_dump()

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> "EscalationMessage":
        """Parse a stored payload; a row whose values do not fit the types is read as it is, never refused
        (rendering must not stop the dispatcher)."""
        data = payload or {}
        try:
            return cls.model_validate(data)
        except ValidationError:
            nxt = data.get("next_escalation")
            if isinstance(nxt, dict):
                nxt = NextEscalation.model_construct(**nxt)
            missing = data.get("missing_scorecards")
            if isinstance(missing, list):
                missing = [MissingScorecard.model_construct(**m) if isinstance(m, dict) else m for m in missing]
            return cls.model_construct(**{**data, "next_escalation": nxt, "missing_scorecards": missing})
