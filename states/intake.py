"""A new candidate as entered by a recruiter or a CSV row."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from states.text import no_nul
from states.vocabulary import CandidateDetail, Motivator, SourceChannel

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


def split_motivators(value: object) -> object:
    """ "cash;remote" or "cash,remote" as a list; unknown ones named with the six allowed."""
    if not isinstance(value, str):
        return value
    parts = [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
    unknown = [part for part in parts if part not in set(Motivator)]
    if unknown:
        raise ValueError(
            f"unknown motivator(s) {', '.join(repr(u) for u in unknown)}; "
            f"the six are: {', '.join(m.value for m in Motivator)}"
        )
    return parts


class CandidateUpdate(BaseModel):
    """What `hiring candidate update` / PATCH /candidates/{id} changes; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    email: EmailStr | None = None
    motivators: list[Motivator] | None = None  # the new set; "" or [] clears it
    source: SourceChannel | None = None

    @field_validator("motivators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return split_motivators(value)

    def given(self) -> list[CandidateDetail]:
        return [d for d in CandidateDetail if getattr(self, d.value) is not None]
