"""What a requisition must say before it can open: role clarity first."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from states.vocabulary import Engagement, RoleProfile

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


class RoleDefinition(BaseModel):
    """The four questions a hiring manager answers before anyone is sourced."""

    model_config = ConfigDict(extra="forbid")
    business_problem: Text | None = None
    system_to_build: Text | None = None
    key_constraints: Text | None = None
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
        for group in ("role_definition", "job_description"):
            part = getattr(self, group)
            gaps += [f"{group}.{name}" for name, value in part if value in (None, [])]
        return gaps
