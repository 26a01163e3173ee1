"""Interview kits and take-home templates as data: what a kit file must hold, how a requisition's override
is laid over the shipped kit, and which parts of it a reader asked for. Pure: the files are read in
hiring/kits.py and handed here as plain data."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from states.field_problems import exact_keys
from states.screen_bar import OVERRATED_SIGNALS, SIGNALS
from states.vocabulary import TAKE_HOME_RUBRIC, InterviewPart, RoleProfile

GUIDE_HOURS = 3.0  # the playbook's take-home guide: about three hours of the candidate's time
SCREEN_SIGNALS = SIGNALS  # the four signals the screen records (states/screen_bar.py)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
TemplateId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Hours = Annotated[float, Field(gt=0, le=40)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TakeHomeTemplate(_Data):
    id: TemplateId
    title: Text
    format: Text  # what the candidate is asked to do
    assesses: Text  # what the exercise tells the team about the candidate
    rubric: dict[str, Text]  # each of the six criteria -> what a good submission shows on it
    expected_hours: Hours = GUIDE_HOURS
    hours_reason: Text | None = None  # required above the guide, as on send_take_home

    @field_validator("rubric")
    @classmethod
    def _six(cls, value: dict[str, str]) -> dict[str, str]:
        return exact_keys(value, TAKE_HOME_RUBRIC, "rubric must name exactly")

    @model_validator(mode="after")
    def _within_guide(self) -> "TakeHomeTemplate":
        if self.expected_hours > GUIDE_HOURS and not self.hours_reason:
            raise ValueError(
                f"expected_hours {self.expected_hours:g} is above the {GUIDE_HOURS:g}-hour take-home guide; "
                "give hours_reason"
            )
        return self


class PartKit(_Data):
    purpose: Text
    questions: Annotated[list[Text], Field(min_length=3, max_length=5)]
    strong_answer: Text  # what a strong answer shows


class ScreenKit(_Data):
    evidence: dict[str, Text]  # each of the four screen signals -> the evidence to look for
    # Signals that look good and predict little: the playbook's four (states/screen_bar.py) unless a kit
    # file names its own.
    overrated: Annotated[list[Text], Field(min_length=1)] = Field(
        default_factory=lambda: [
            f"{o.signal[0].upper()}{o.signal[1:]}; ask instead for {o.ask_instead}." for o in OVERRATED_SIGNALS
        ]
    )

    @field_validator("evidence")
    @classmethod
    def _four(cls, value: dict[str, str]) -> dict[str, str]:
        return exact_keys(value, SCREEN_SIGNALS, "evidence must name exactly")


def _unique_ids(templates: list[TakeHomeTemplate]) -> list[TakeHomeTemplate]:
    ids = [t.id for t in templates]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"take-home template ids must be unique; repeated: {', '.join(twice)}")
    return templates


class ProfileKit(_Data):
    """Everything one role profile's interviewers and reviewers are given."""

    role_profile: RoleProfile
    sample_question: Text
    parts: dict[InterviewPart, PartKit]
    screen: ScreenKit
    take_homes: Annotated[list[TakeHomeTemplate], Field(min_length=1)]

    @field_validator("parts")
    @classmethod
    def _every_part(cls, value: dict[InterviewPart, PartKit]) -> dict[InterviewPart, PartKit]:
        missing = [p.value for p in InterviewPart if p not in value]
        if missing:
            raise ValueError(f"every loop part needs a kit; missing: {', '.join(missing)}")
        return value

    @field_validator("take_homes")
    @classmethod
    def _ids(cls, value: list[TakeHomeTemplate]) -> list[TakeHomeTemplate]:
        return _unique_ids(value)

    def template(self, template_id: str) -> TakeHomeTemplate | None:
        return next((t for t in self.take_homes if t.id == template_id), None)


class KitOverride(_Data):
    """A requisition's own kit file: whatever it names replaces the shipped kit's version of it; a
    take-home template with a shipped id replaces that template, a new id adds one."""

    sample_question: Text | None = None
    parts: dict[InterviewPart, PartKit] = {}
    screen: ScreenKit | None = None
    take_homes: list[TakeHomeTemplate] = []

    @field_validator("take_homes")
    @classmethod
    def _ids(cls, value: list[TakeHomeTemplate]) -> list[TakeHomeTemplate]:
        return _unique_ids(value)


def with_override(kit: ProfileKit, override: KitOverride | None) -> ProfileKit:
    if override is None:
        return kit
    own = {t.id: t for t in override.take_homes}
    take_homes = [own.pop(t.id, t) for t in kit.take_homes] + list(own.values())
    return kit.model_copy(
        update={
            "sample_question": override.sample_question or kit.sample_question,
            "parts": {**kit.parts, **override.parts},
            "screen": override.screen or kit.screen,
            "take_homes": take_homes,
        }
    )


def library(kits: list[ProfileKit]) -> dict[RoleProfile, ProfileKit]:
    """The shipped kits by profile; every profile has exactly one."""
    by_profile: dict[RoleProfile, ProfileKit] = {}
    for kit in kits:
        if kit.role_profile in by_profile:
            raise ValueError(f"two kits for role profile {kit.role_profile.value}")
        by_profile[kit.role_profile] = kit
    missing = [p.value for p in RoleProfile if p not in by_profile]
    if missing:
        raise ValueError(f"no kit for role profile(s): {', '.join(missing)}")
    return by_profile


def kit_view(
    kit: ProfileKit, part: InterviewPart | None = None, screen: bool = False, take_home: bool = False
) -> dict[str, Any]:
    """The kit as JSON-able data: all of it, or only the sections asked for (a part, the screen kit, the
    take-home templates). The profile and its sample question are always there."""
    everything = part is None and not screen and not take_home
    out: dict[str, Any] = {"role_profile": kit.role_profile.value, "sample_question": kit.sample_question}
    if everything or part is not None:
        chosen = list(InterviewPart) if part is None else [part]
        out["parts"] = {p.value: kit.parts[p].model_dump(mode="json") for p in chosen}
    if everything or screen:
        out["screen"] = kit.screen.model_dump(mode="json")
    if everything or take_home:
        out["take_homes"] = [t.model_dump(mode="json", exclude_none=True) for t in kit.take_homes]
    return out


def kit_pointer(requisition_id: int, part: InterviewPart | str | None = None) -> str:
    """One line for a message that sends the reader to the kit (notifications can use it: it is pure)."""
    shown = f" --part {InterviewPart(part).value}" if part is not None else ""
    return f"Kit: `hiring kit --req {requisition_id}{shown}`"
