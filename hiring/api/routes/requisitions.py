"""Requisitions: list, add (from the same document `hiring role add --file` reads), show, open."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hiring.api.deps import EngineDep, RequisitionId, documented_auth, responses
from hiring.api.schemas import RequisitionOut
from hiring.kits import kit_for, set_kit_override
from hiring.queries import list_requisitions, show_requisition
from hiring.service import add_requisition, open_requisition
from states.kits import KitOverride
from states.requisition import RequisitionSpec
from states.vocabulary import InterviewPart

router = APIRouter(prefix="/requisitions", tags=["requisitions"], dependencies=[Depends(documented_auth)])


@router.get("", response_model=list[RequisitionOut], responses=responses())
def requisitions(engine: EngineDep) -> list[dict[str, Any]]:
    """Every requisition with its candidate count."""
    return list_requisitions(engine)


@router.post("", status_code=201, response_model=RequisitionOut, responses=responses(413, 422))
def add(spec: RequisitionSpec, engine: EngineDep) -> dict[str, Any]:
    """Add a requisition as a draft; everything but the title may be filled in later."""
    req = add_requisition(engine, spec)
    return show_requisition(engine, req.id or 0)


@router.get("/{requisition_id}", response_model=RequisitionOut, responses=responses(404, 422))
def show(requisition_id: RequisitionId, engine: EngineDep) -> dict[str, Any]:
    """One requisition, with its candidates counted by stage."""
    return show_requisition(engine, requisition_id)


@router.post("/{requisition_id}/open", response_model=RequisitionOut, responses=responses(404, 422))
def open_(requisition_id: RequisitionId, engine: EngineDep) -> dict[str, Any]:
    """Open a complete requisition for candidates (422 names the fields still empty)."""
    open_requisition(engine, requisition_id)
    return show_requisition(engine, requisition_id)


@router.get("/{requisition_id}/kit", responses=responses(404, 422))
def kit(
    requisition_id: RequisitionId,
    engine: EngineDep,
    part: InterviewPart | None = None,
    screen: Annotated[bool, Query(description="the screen kit")] = False,
    take_home: Annotated[bool, Query(description="the take-home templates")] = False,
) -> dict[str, Any]:
    """The requisition's kit, as `hiring kit --json` prints it: everything, or only the part, the screen kit
    and the take-home templates asked for."""
    return kit_for(engine, requisition_id).view(part, screen, take_home)


@router.put("/{requisition_id}/kit", responses=responses(404, 413, 422))
def set_kit(requisition_id: RequisitionId, override: KitOverride, engine: EngineDep) -> dict[str, Any]:
    """Give the requisition its own kit (what `hiring role kit ID --file` reads); returns the merged kit."""
    return set_kit_override(engine, requisition_id, override).view()
