"""The people directory, as the application administers it: who the recruiters, hiring managers and head of
talent are, and how to reach them (`hiring people add | list | import`).

Requisitions and the policy refer to people by handle (e.g. maria.lopez); the dispatcher looks the handle up
in the same table (notifications/dispatcher.py) to find an email address or a Slack user id.
"""

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, ValidationError, field_validator
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from hiring.documents import load_document
from hiring.errors import Conflict, InvalidInput
from models.db import transaction
from models.tables import Person
from states.facts import Applied
from states.field_problems import STANDARD, field_problems, problem_lines
from states.interviews import backfill_problem
from states.payloads import PERSON_FIELDS, Payload
from states.policy import CHANNELS, Policy
from states.timers import Role
from states.zones import TimeZoneName

Handle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$")]


class PersonSpec(BaseModel):
    """One person as written in `hiring people add` or a people file."""

    model_config = ConfigDict(extra="forbid")
    handle: Handle
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    email: EmailStr | None = None
    slack_user_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[UW][A-Z0-9]{2,}$")] | None = (
        Field(default=None, description="Slack member id, e.g. U024BE7LH (Profile > ... > Copy member ID).")
    )
    role: Role
    timezone: TimeZoneName = "UTC"
    channels: list[str] | None = None

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        bad = [c for c in value if c not in CHANNELS]
        if bad:
            raise ValueError(f"unknown channel(s) {', '.join(bad)}; allowed: {', '.join(CHANNELS)}")
        return value


def _problems(exc: ValidationError, where: str) -> str:
    unknown = "is not a known field (allowed: " + ", ".join(PersonSpec.model_fields) + ")"
    return f"{where}:\n" + problem_lines(field_problems(exc, messages={**STANDARD, "extra_forbidden": unknown}))


def parse_person(data: dict[str, Any], where: str = "person") -> PersonSpec:
    # `slack_id` is what the CLI flag says; accept it in files too.
    if "slack_id" in data and "slack_user_id" not in data:
        data = dict(data)
        data["slack_user_id"] = data.pop("slack_id")
    try:
        return PersonSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc, f"{where} is not valid")) from None


def person_dict(p: Person) -> dict[str, Any]:
    return {
        "handle": p.handle,
        "name": p.name,
        "email": p.email,
        "slack_user_id": p.slack_user_id,
        "role": p.role,
        "timezone": p.timezone,
        "channels": p.channels,
    }


def _columns(spec: PersonSpec) -> dict[str, Any]:
    return {
        "handle": spec.handle,
        "name": spec.name,
        "email": str(spec.email) if spec.email else None,
        "slack_user_id": spec.slack_user_id,
        "role": spec.role.value,
        "timezone": spec.timezone,
        "channels": spec.channels,
    }


def add_person(engine: Engine, spec: PersonSpec) -> dict[str, Any]:
    with transaction(engine) as session:
        if session.execute(select(Person).where(col(Person.handle) == spec.handle)).scalar_one_or_none():
            raise Conflict(
                f"a person with handle {spec.handle!r} exists already; "
                "change them with `hiring people import FILE` (it updates by handle)"
            )
        person = Person(**_columns(spec))
        session.add(person)
        session.flush()
        return person_dict(person)


def upsert_people(engine: Engine, specs: list[PersonSpec]) -> dict[str, list[str]]:
    """Add new handles, update existing ones; all in one transaction."""
    handles = [s.handle for s in specs]
    dupes = sorted({h for h in handles if handles.count(h) > 1})
    if dupes:
        raise InvalidInput(f"handle(s) listed more than once: {', '.join(dupes)}")
    added, updated = [], []
    with transaction(engine) as session:
        existing = {
            p.handle: p for p in session.execute(select(Person).where(col(Person.handle).in_(handles))).scalars()
        }
        for spec in specs:
            person = existing.get(spec.handle)
            if person is None:
                session.add(Person(**_columns(spec)))
                added.append(spec.handle)
            else:
                for key, value in _columns(spec).items():
                    setattr(person, key, value)
                session.add(person)
                updated.append(spec.handle)
    return {"added": added, "updated": updated}


def load_people_file(path: Path) -> list[PersonSpec]:
    """A YAML or JSON file holding a list of people, or a mapping with a `people:` list."""
    data = load_document(path, "people file")
    if isinstance(data, dict) and isinstance(data.get("people"), list):
        data = data["people"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InvalidInput(f"{path} must hold a list of people (or a mapping with a `people:` list)")
    return [parse_person(item, f"{path}: person {i + 1} ({item.get('handle', '?')})") for i, item in enumerate(data)]


def list_people(engine: Engine) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        rows = session.execute(select(Person).order_by(Person.role, Person.handle)).scalars()
        return [person_dict(p) for p in rows]


def ensure_people_known(session: Session, trigger: str, payload: Payload) -> None:
    """Every payload field of `trigger` that names a person (states.payloads.PERSON_FIELDS) names a handle in the
    directory; InvalidInput naming the field, the handle and how to add them otherwise."""
    for name in PERSON_FIELDS.get(trigger, ()):
        handle = getattr(payload, name, None)
        if handle is None:
            continue
        if session.execute(select(col(Person.id)).where(col(Person.handle) == handle)).first() is None:
            raise InvalidInput(
                f"{trigger}: {name} {handle!r} is not in the people directory; add them with "
                f"`hiring people add --handle {handle} --name NAME --role interviewer` "
                "(or `hiring people import FILE`), then record the event again"
            )


def check_interview(session: Session, applied: Applied, policy: Policy) -> None:
    """What the rules cannot check alone for schedule_interview and reschedule_interview: the interviewer is in
    the directory, and the start is no further back than the policy's backfill."""
    problem = backfill_problem(applied.payload, applied.occurred_at, policy.interview_backfill)
    if problem:
        raise InvalidInput(f"{applied.trigger}: {problem}")
    handle = getattr(applied.payload, "interviewer", None) if starts_or_handle(applied.trigger) else None
    known = session.execute(select(col(Person.id)).where(col(Person.handle) == handle)).first() if handle else True
    if not known:
        raise InvalidInput(
            f"{applied.trigger}: interviewer {handle!r} is not in the people directory; add them with "
            f"`hiring people add --handle {handle} --name NAME --role interviewer --email EMAIL` and retry"
        )


def starts_or_handle(trigger: str) -> bool:
    return trigger in ("schedule_interview", "reschedule_interview")
