"""A new candidate as entered by a recruiter or a CSV row."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from states.text import no_nul
from states.vocabulary import Motivator, SourceChannel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(no_nul)]
ExternalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(no_nul)
]


class NewCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: EmailStr
    requisition_id: Annotated[int, Field(gt=0, le=2_147_483_647)]  # ids are 32-bit INTEGER on PostgreSQL
    source: SourceChannel
    motivators: list[Motivator] = []
    external_id: ExternalId | None = None

    @field_validator("motivators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # CSV cells and CLI options give "cash;remote" or "cash,remote".
        if isinstance(value, str):
            return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
        return value

    @field_validator("external_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value
