"""Interview kits and take-home templates: the shipped kit files (hiring/examples/kits/), a requisition's own
override laid over them, and the defaults a templated take-home takes. The rules are in states/kits.py."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from hiring.documents import load_document
from hiring.errors import InvalidInput
from hiring.queries.lookup import get_requisition
from models.db import transaction
from models.tables import Requisition
from states.field_problems import field_problems, problem_lines
from states.kits import KitOverride, ProfileKit, kit_view, library, with_override
from states.vocabulary import InterviewPart, RoleProfile

KITS_DIR = Path(__file__).parent / "examples" / "kits"
PARTS = ", ".join(p.value for p in InterviewPart)


@cache
def shipped_kits() -> dict[RoleProfile, ProfileKit]:
    """The kit files shipped with the package, one per role profile (read once)."""
    kits = []
    for path in sorted(KITS_DIR.glob("*.yaml")):
        try:
            kits.append(ProfileKit.model_validate(load_document(path, "kit file", ("YAML",))))
        except ValidationError as exc:
            raise InvalidInput(f"{path} is not a valid kit:\n{problem_lines(field_problems(exc))}") from None
    return library(kits)


@dataclass(frozen=True)
class Kit:
    """One requisition's kit: the shipped kit of its profile with the requisition's override laid over."""

    requisition_id: int
    title: str
    overridden: bool
    kit: ProfileKit

    def view(self, part: InterviewPart | None = None, screen: bool = False, take_home: bool = False) -> dict[str, Any]:
        return {
            "requisition_id": self.requisition_id,
            "title": self.title,
            "overridden": self.overridden,
            **kit_view(self.kit, part, screen, take_home),
        }


def parse_part(text: str | None) -> InterviewPart | None:
    if text is None:
        return None
    try:
        return InterviewPart(text)
    except ValueError:
        raise InvalidInput(f"unknown interview part {text!r}; allowed: {PARTS}") from None


def parse_override(data: Any, source: str) -> KitOverride:
    try:
        return KitOverride.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"{source} is not a valid kit override:\n{problem_lines(field_problems(exc))}") from None


def _profile(req: Requisition) -> RoleProfile:
    if not req.role_profile:
        allowed = ", ".join(p.value for p in RoleProfile)
        raise InvalidInput(f"requisition {req.id} has no role_profile, so it has no kit; set one of: {allowed}")
    return RoleProfile(req.role_profile)


def kit_of(req: Requisition) -> Kit:
    shipped = shipped_kits()[_profile(req)]
    override = KitOverride.model_validate(req.kit_override) if req.kit_override else None
    return Kit(req.id or 0, req.title, override is not None, with_override(shipped, override))


def kit_for(source: Engine | Session, req_id: int) -> Kit:
    """The kit of requisition `req_id` (NotFound if there is none); given an engine or an open session."""
    if isinstance(source, Session):
        return kit_of(get_requisition(source, req_id))
    with Session(source) as session:
        return kit_of(get_requisition(session, req_id))


def set_kit_override(engine: Engine, req_id: int, override: KitOverride | None) -> Kit:
    """Store (or, with None, remove) a requisition's own kit; the merged kit must still be valid."""
    with transaction(engine) as session:
        req = get_requisition(session, req_id)
        shipped = shipped_kits()[_profile(req)]
        try:
            ProfileKit.model_validate(with_override(shipped, override).model_dump())
        except ValidationError as exc:
            raise InvalidInput(f"the kit override does not fit:\n{problem_lines(field_problems(exc))}") from None
        req.kit_override = override.model_dump(mode="json", exclude_none=True) if override else None
        session.add(req)
        return kit_of(req)


def take_home_defaults(req: Requisition, payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """send_take_home naming `template`: the template's title, profile and hours fill what the payload leaves
    out (what the payload says wins). An unknown template is refused with the ids there are."""
    if not payload or not isinstance(payload.get("template"), str):
        return payload
    kit = kit_of(req).kit
    template = kit.template(payload["template"])
    if template is None:
        ids = ", ".join(t.id for t in kit.take_homes)
        raise InvalidInput(
            f"send_take_home: unknown take-home template {payload['template']!r} for requisition {req.id}; "
            f"allowed: {ids}"
        )
    defaults: dict[str, Any] = {
        "title": template.title,
        "role_profile": kit.role_profile.value,
        "expected_hours": template.expected_hours,
    }
    if template.hours_reason and "expected_hours" not in payload:
        defaults["hours_reason"] = template.hours_reason
    return {**defaults, **payload}
