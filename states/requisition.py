"""What a requisition must say before it can open: role clarity first."""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from states.vocabulary import ConstraintKind, Engagement, RoleProfile, SystemKind

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
MAX_INT32 = 2_147_483_647  # salary columns (and ids) are 32-bit INTEGER on PostgreSQL
Money = Annotated[int, Field(gt=0, le=MAX_INT32, description=f"a whole amount from 1 to {MAX_INT32}")]
Handle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SalaryBand(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: Money
    max: Money
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

    @model_validator(mode="after")
    def _ordered(self) -> "SalaryBand":
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class _Answer(BaseModel):
    """An answer that picks options from the playbook's list (several allowed) and says the rest in words."""

    model_config = ConfigDict(extra="forbid")
    detail: Text | None = None

    @field_validator("kinds", mode="after", check_fields=False)
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))  # in the order given, each once

    def empty(self) -> bool:
        """Still to answer: the words are what opening needs; the options feed the checks (states/role_rules.py)."""
        return self.detail is None


class SystemAnswer(_Answer):
    kinds: list[SystemKind] = Field(default_factory=list, max_length=20)


class ConstraintsAnswer(_Answer):
    kinds: list[ConstraintKind] = Field(default_factory=list, max_length=20)


def _plain_text(value: object) -> object:
    """A plain string is the words alone: requisitions written before the options existed still load."""
    return {"detail": value} if isinstance(value, str) else value


# The documented input is either form (so the API's schema admits the plain string); the value is the answer.
SystemField = Annotated[SystemAnswer, BeforeValidator(_plain_text, json_schema_input_type=SystemAnswer | Text)]
ConstraintsField = Annotated[
    ConstraintsAnswer, BeforeValidator(_plain_text, json_schema_input_type=ConstraintsAnswer | Text)
]


class RoleDefinition(BaseModel):
    """The four questions a hiring manager answers before anyone is sourced."""

    model_config = ConfigDict(extra="forbid")
    business_problem: Text | None = None
    system_to_build: SystemField | None = None
    key_constraints: ConstraintsField | None = None
    collaborators: Text | None = None


class JobDescription(BaseModel):
    model_config = ConfigDict(extra="forbid")
    business_context: Text | None = None
    core_responsibilities: list[Text] | None = None
    stack: list[Text] | None = None
    success_criteria: Text | None = None
    decision_rights: Text | None = None


class RequisitionSpec(BaseModel):
    """A requisition as written in a YAML/JSON file. Everything but the title may be left for later."""

    model_config = ConfigDict(extra="forbid")
    title: Text
    role_profile: RoleProfile | None = None
    role_definition: RoleDefinition = RoleDefinition()
    job_description: JobDescription = JobDescription()
    engagement: Engagement | None = None
    # Why this engagement fits the scope; needed to open a contract or hybrid requisition (NEEDS_RATIONALE).
    engagement_rationale: Text | None = None
    salary_band: SalaryBand | None = None
    recruiter: Handle | None = None
    hiring_manager: Handle | None = None

    def missing(self) -> list[str]:
        """Every field still empty; a requisition opens only when this is empty."""
        gaps = [
            name
            for name in ("role_profile", "engagement", "salary_band", "recruiter", "hiring_manager")
            if getattr(self, name) in (None, [])
        ]
        if self.engagement in NEEDS_RATIONALE and self.engagement_rationale is None:
            gaps.append("engagement_rationale")
        for group in ("role_definition", "job_description"):
            part = getattr(self, group)
            gaps += [f"{group}.{name}" for name, value in part if _empty(value)]
        return gaps


# Full time is the default the playbook ties to system ownership; a contract or hybrid choice must say why
# (the bounded scope, or which phase the outside specialists speed up).
NEEDS_RATIONALE = frozenset({Engagement.CONTRACT, Engagement.HYBRID})


def _empty(value: object) -> bool:
    return value in (None, []) or (isinstance(value, _Answer) and value.empty())
