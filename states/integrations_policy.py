"""Policy-file sections for integrations and privacy: the ATS mapping and the retention rule.

`ats` turns the team's ATS vocabulary (job ids, stage names, sources, rejection reasons) into ours
(requisitions, triggers, source channels, rejection reasons). `retention` says when the personal data of a
candidate who left the process is erased. Both are plain data, validated when the policy file is loaded.

    ats:
      jobs:                              # ATS job id -> requisition id (or {requisition: 3, stages: {...}})
        274075: 3
      stages:                            # ATS stage name -> trigger; null: a known stage with nothing to do
        Application Review: null
        Take Home Test: {trigger: send_take_home, due_in: 5d,
                         payload: {title: RAG triage service, role_profile: applied_ai_engineer}}
        Face to Face: advance_to_final
      sources: {LinkedIn (Prospecting): direct_sourcing, Referral: employee_referral}
      rejection_reasons: {Too Junior: experience_level}
    retention:
      erase_after: {rejected: 180d, withdrawn: 180d}
"""

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from states.durations import Duration
from states.graph import TRIGGERS
from states.payloads import PAYLOADS
from states.stages import TERMINAL, Stage
from states.vocabulary import RejectionReason, SourceChannel

Name = Annotated[str, Field(min_length=1, max_length=500)]


def _known_trigger(trigger: str) -> str:
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}; known triggers: {', '.join(TRIGGERS)}")
    return trigger


def _payload_fields(trigger: str) -> set[str] | None:
    """The payload fields a trigger takes (None when they depend on the stage: complete_checkpoint)."""
    if trigger not in PAYLOADS:
        return None if trigger == "complete_checkpoint" else set()
    return set(PAYLOADS[trigger].model_fields)


class StageRule(BaseModel):
    """What entering an ATS stage means here: fire `trigger` with `payload` (and `due_at` = now + `due_in`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    trigger: str
    payload: dict[str, Any] = {}
    due_in: Duration | None = None  # for send_take_home: the assignment is due this long after the move

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"trigger": value} if isinstance(value, str) else value

    @field_validator("trigger")
    @classmethod
    def _trigger(cls, value: str) -> str:
        return _known_trigger(value)

    @model_validator(mode="after")
    def _fields_of_the_trigger(self) -> "StageRule":
        fields = _payload_fields(self.trigger)
        if fields is None:
            return self
        unknown = sorted(set(self.payload) - fields)
        if unknown:
            allowed = ", ".join(sorted(fields)) or "none"
            raise ValueError(
                f"payload field(s) {', '.join(unknown)} are not fields of {self.trigger}; allowed: {allowed}"
            )
        if self.due_in is not None and "due_at" not in fields:
            raise ValueError(f"due_in applies only to triggers with a due_at field, not {self.trigger}")
        return self

    def build_payload(self, at: Any) -> dict[str, Any]:
        payload = dict(self.payload)
        if self.due_in is not None:
            payload["due_at"] = (at + self.due_in).isoformat()
        return payload


# A stage name maps to a rule, or to None: "we know this stage; it needs no event here".
StageMap = dict[Name, StageRule | None]


class JobRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    requisition: Annotated[int, Field(gt=0, le=2_147_483_647)]  # ids are 32-bit INTEGER on PostgreSQL
    stages: StageMap = {}  # this job's own stage names; they win over the global ones

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"requisition": value} if isinstance(value, int) and not isinstance(value, bool) else value


class OfferRule(BaseModel):
    """How an ATS offer becomes make_offer / revise_offer: salary from a currency custom field, the rest
    from a fixed payload (reporting line, first-year outcomes); missing fields are reported, never guessed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    salary_field: Name = "salary"
    payload: dict[str, Any] = {}

    @field_validator("payload")
    @classmethod
    def _fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        fields = _payload_fields("make_offer") or set()
        unknown = sorted(set(value) - fields)
        if unknown:
            raise ValueError(f"{', '.join(unknown)} are not fields of make_offer; allowed: {', '.join(sorted(fields))}")
        return value


class AtsMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    jobs: dict[str, JobRule] = {}
    stages: StageMap = {}
    sources: dict[Name, SourceChannel] = {}
    default_source: SourceChannel = SourceChannel.INBOUND
    rejection_reasons: dict[Name, RejectionReason] = {}  # by reason name, or by reason type name
    withdraw_rejection_types: list[Name] = ["They rejected us"]  # these rejections are withdrawals here
    offer: OfferRule = OfferRule()

    @field_validator("jobs", mode="before")
    @classmethod
    def _job_ids_as_text(cls, value: Any) -> Any:
        # YAML gives integer keys, TOML and JSON give strings: ATS ids are compared as text.
        return {str(k).strip(): v for k, v in value.items()} if isinstance(value, dict) else value

    def job(self, job_id: object) -> JobRule | None:
        return self.jobs.get(str(job_id)) if job_id is not None else None

    def stage_rule(self, stage: str, job_id: object = None) -> tuple[bool, StageRule | None]:
        """(known, rule): whether the stage name is mapped (per job first), and its rule (None: no event)."""
        job = self.job(job_id)
        for stages in ((job.stages if job else {}), self.stages):
            if stage in stages:
                return True, stages[stage]
        return False, None


class Retention(BaseModel):
    """Erase the personal data of candidates who ended in a terminal stage, this long after their last event."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    erase_after: dict[Stage, Duration] = {}

    @field_validator("erase_after")
    @classmethod
    def _terminal_only(cls, value: dict[Stage, timedelta]) -> dict[Stage, timedelta]:
        active = [s.value for s in value if s not in TERMINAL]
        if active:
            raise ValueError(
                f"{', '.join(active)}: only terminal stages can have a retention period "
                f"({', '.join(sorted(s.value for s in TERMINAL))})"
            )
        short = [s.value for s, d in value.items() if d <= timedelta(0)]
        if short:
            raise ValueError(f"{', '.join(short)}: the retention period must be positive")
        return value
