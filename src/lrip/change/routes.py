"""Change control API: change requests, their signatures and implementation, change traffic, redlines."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import Page, act, page, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.change import service
from lrip.change.rules import ChangeStatus, ItemSpec
from lrip.change.schemas import (ChangeCreate, ChangeDetail, ChangeRow, ChangeSigned, Impact, ReasonRequest,
                                 RedlineCreate, RedlineOut, SignRequest, TrafficWeek)
from lrip.fields import IDENTIFIER_PATTERN, Paged

router = APIRouter(tags=["change control"], responses=problems.RESPONSES)
NumberPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The change request number.")]
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]
ProgramQuery = Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)]


@router.get("/changes", response_model=Paged[ChangeRow], openapi_extra=uses(service.list_changes))
def list_changes(request: Request, program: ProgramQuery = None, status: ChangeStatus | None = None,
                 p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """Change requests, oldest first."""
    with read(request) as session:
        rows = service.list_changes(session, actor, program=program, status=status)
    return Paged[ChangeRow](items=rows[p.offset:p.offset + p.limit], total=len(rows), limit=p.limit, offset=p.offset)


@router.post("/changes", status_code=201, response_model=ChangeDetail, openapi_extra=uses(service.create_change))
def create_change(body: ChangeCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Raise a change request (a draft) against part revisions, BOMs, routings, instructions or tools."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.create_change(
        s, actor, program=body.program, title=body.title, reason=body.reason, description=body.description,
        change_class=body.change_class, urgency=body.urgency, effectivity=body.effectivity,
        effectivity_serial=body.effectivity_serial,
        items=[ItemSpec(i.kind, i.identifier, i.from_revision, i.to_revision) for i in body.items],
        attachments=[(a.document, a.revision) for a in body.attachments], redlines=body.redlines))


@router.get("/changes/{number}", response_model=ChangeDetail, openapi_extra=uses(service.change_detail))
def show_change(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """One change request: items, impact analysis, signatures, implementation and history."""
    with read(request) as session:
        return service.change_detail(session, actor, number=number)


@router.get("/changes/{number}/impact", response_model=Impact, openapi_extra=uses(service.impact))
def impact(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """The impact analysis computed now from live records (the change keeps the one taken when submitted)."""
    with read(request) as session:
        return service.impact(session, actor, number=number)


@router.post("/changes/{number}/submit", response_model=ChangeDetail, openapi_extra=uses(service.submit_change))
def submit_change(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """Submit for approval; the impact analysis is computed and stored with the request."""
    return act(request, actor, {}, lambda s: service.submit_change(s, actor, number=number))


@router.post("/changes/{number}/signatures", status_code=201, response_model=ChangeSigned,
             openapi_extra=uses(service.sign_change))
def sign_change(number: NumberPath, body: SignRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Sign the change's approval as the signed-in person, whose password is asked again."""
    return act(request, actor, {"role": body.role}, lambda s: service.sign_change(
        s, actor, number=number, password=body.password, role=body.role))


@router.post("/changes/{number}/approve", response_model=ChangeDetail, openapi_extra=uses(service.approve_change))
def approve_change(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """Approve: refused, naming every missing signature, until the phase's signatures are in."""
    return act(request, actor, {}, lambda s: service.approve_change(s, actor, number=number))


@router.post("/changes/{number}/implement", response_model=ChangeDetail,
             openapi_extra=uses(service.implement_change))
def implement_change(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """Release the new revisions, supersede the old, move work in progress as the effectivity says."""
    return act(request, actor, {}, lambda s: service.implement_change(s, actor, number=number))


@router.post("/changes/{number}/reject", response_model=ChangeDetail, openapi_extra=uses(service.reject_change))
def reject_change(number: NumberPath, body: ReasonRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Turn down a submitted or approved change request, saying why."""
    return act(request, actor, body.model_dump(), lambda s: service.reject_change(
        s, actor, number=number, reason=body.reason))


@router.post("/changes/{number}/cancel", response_model=ChangeDetail, openapi_extra=uses(service.cancel_change))
def cancel_change(number: NumberPath, body: ReasonRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Withdraw a draft or submitted change request, saying why."""
    return act(request, actor, body.model_dump(), lambda s: service.cancel_change(
        s, actor, number=number, reason=body.reason))


@router.get("/programs/{program}/change-traffic", response_model=list[TrafficWeek],
            openapi_extra=uses(service.change_traffic))
def change_traffic(program: ProgramPath, request: Request, weeks: Annotated[int, Query(ge=1, le=520)] = 12,
                   actor: Actor = Depends(signed_in)):
    """Change requests submitted per week, by class, oldest week first."""
    with read(request) as session:
        return service.change_traffic(session, actor, program=program, weeks=weeks)


@router.get("/programs/{program}/redlines", response_model=list[RedlineOut], openapi_extra=uses(service.list_redlines))
def list_redlines(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """A program's redlines and the change requests that carry them."""
    with read(request) as session:
        return service.list_redlines(session, actor, program=program)


@router.post("/units/{serial}/redlines", status_code=201, response_model=RedlineOut,
             openapi_extra=uses(service.record_redline))
def record_redline(serial: SerialPath, body: RedlineCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Mark up the instruction of a unit's operation: prototype and pilot only."""
    return act(request, actor, body.model_dump(), lambda s: service.record_redline(
        s, actor, serial=serial, operation=body.operation, markup=body.markup))
