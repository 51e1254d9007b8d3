"""Change control API: change requests, their signatures and implementation, change traffic,
redlines, and the signed LRIP quantity."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from lrip.api import idempotency, problems
from lrip.api.deps import Page, db, page, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN, Paged
from lrip.auth.models import User
from lrip.change import service
from lrip.change.rules import ItemSpec
from lrip.change.schemas import (ChangeCreate, ChangeDetail, ChangeRow, LripQuantitySet, QuantityApproval,
                                 ReasonRequest, RedlineCreate, RedlineOut, SignOut, SignRequest, TrafficWeek)
from lrip.program.service import set_lrip_quantity

router = APIRouter(tags=["change control"], responses=problems.RESPONSES)
NumberPath = Annotated[str, Path(max_length=20, pattern=IDENTIFIER_PATTERN, description="The change request number.")]
ProgramPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="The program code.")]
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]
Status = Literal["draft", "submitted", "approved", "implemented", "rejected", "cancelled"]


@router.get("/changes", response_model=Paged[ChangeRow], response_model_by_alias=True)
def list_changes(program: Annotated[str | None, Query(max_length=40, pattern=IDENTIFIER_PATTERN)] = None,
                 status: Status | None = None, p: Page = Depends(page), session: Session = Depends(read_db),
                 _: User = Depends(require("read"))):
    """Change requests, oldest first."""
    rows = service.list_changes(session, program=program, status=status)
    return {"items": rows[p.offset:p.offset + p.limit], "total": len(rows), "limit": p.limit, "offset": p.offset}


@router.post("/changes", status_code=201, response_model=ChangeDetail, response_model_by_alias=True)
def create_change(body: ChangeCreate, request: Request, session: Session = Depends(db),
                  user: User = Depends(require("change.request"))):
    """Raise a change request (a draft) against part revisions, BOMs, routings, instructions or tools."""
    def act():
        c = service.create_change(
            session, program=body.program, title=body.title, reason=body.reason, description=body.description,
            change_class=body.change_class, urgency=body.urgency, effectivity=body.effectivity,
            effectivity_serial=body.effectivity_serial, actor=user.username,
            items=[ItemSpec(i.kind, i.identifier, i.from_revision, i.to_revision) for i in body.items],
            attachments=[(a.document, a.revision) for a in body.attachments], redlines=body.redlines)
        return 201, service.change_detail(session, c.number)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.get("/changes/{number}", response_model=ChangeDetail, response_model_by_alias=True)
def show_change(number: NumberPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """One change request: items, impact analysis, signatures, implementation and history."""
    return service.change_detail(session, number)


def _transition(session: Session, request: Request, user: User, number: str, payload: dict, work) -> JSONResponse:
    def act():
        work()
        return 200, service.change_detail(session, number)
    return idempotency.respond(session, request, user, payload, act)


@router.post("/changes/{number}/submit", response_model=ChangeDetail, response_model_by_alias=True)
def submit_change(number: NumberPath, request: Request, session: Session = Depends(db),
                  user: User = Depends(require("change.request"))):
    """Submit for approval; the impact analysis is computed and stored with the request."""
    return _transition(session, request, user, number, {},
                       lambda: service.submit_change(session, number=number, actor=user.username))


@router.post("/changes/{number}/signatures", status_code=201, response_model=SignOut)
def sign_change(number: NumberPath, body: SignRequest, session: Session = Depends(db),
                user: User = Depends(require("signature.sign"))):
    """Sign the change's approval as the signed-in user, whose password is asked again."""
    return JSONResponse(service.sign_change(session, number=number, username=user.username, password=body.password,
                                            role=body.role), status_code=201)


@router.post("/changes/{number}/approve", response_model=ChangeDetail, response_model_by_alias=True)
def approve_change(number: NumberPath, request: Request, session: Session = Depends(db),
                   user: User = Depends(require("change.approve"))):
    """Approve: refused, naming every missing signature, until the phase's signatures are in."""
    return _transition(session, request, user, number, {},
                       lambda: service.approve_change(session, number=number, actor=user.username))


@router.post("/changes/{number}/implement", response_model=ChangeDetail, response_model_by_alias=True)
def implement_change(number: NumberPath, request: Request, session: Session = Depends(db),
                     user: User = Depends(require("change.approve"))):
    """Release the new revisions, supersede the old, move work in progress as the effectivity says."""
    return _transition(session, request, user, number, {},
                       lambda: service.implement_change(session, number=number, actor=user.username))


@router.post("/changes/{number}/reject", response_model=ChangeDetail, response_model_by_alias=True)
def reject_change(number: NumberPath, body: ReasonRequest, request: Request, session: Session = Depends(db),
                  user: User = Depends(require("change.approve"))):
    return _transition(session, request, user, number, body.model_dump(),
                       lambda: service.reject_change(session, number=number, actor=user.username, reason=body.reason))


@router.post("/changes/{number}/cancel", response_model=ChangeDetail, response_model_by_alias=True)
def cancel_change(number: NumberPath, body: ReasonRequest, request: Request, session: Session = Depends(db),
                  user: User = Depends(require("change.request"))):
    return _transition(session, request, user, number, body.model_dump(),
                       lambda: service.cancel_change(session, number=number, actor=user.username, reason=body.reason))


@router.get("/programs/{program}/change-traffic", response_model=list[TrafficWeek])
def change_traffic(program: ProgramPath, weeks: Annotated[int, Query(ge=1, le=520)] = 12,
                   session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Change requests submitted per week, by class, oldest week first."""
    return service.change_traffic(session, program=program, weeks=weeks)


@router.get("/programs/{program}/redlines", response_model=list[RedlineOut])
def list_redlines(program: ProgramPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    return service.list_redlines(session, program=program)


@router.post("/units/{serial}/redlines", status_code=201, response_model=RedlineOut)
def record_redline(serial: SerialPath, body: RedlineCreate, request: Request, session: Session = Depends(db),
                   user: User = Depends(require("change.request"))):
    """Mark up the instruction of a unit's operation: prototype and pilot only."""
    def act():
        r = service.record_redline(session, serial=serial, operation=body.operation, markup=body.markup,
                                   actor=user.username)
        return 201, service.redline_row(r)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.get("/programs/{program}/lrip-quantity", response_model=list[QuantityApproval])
def lrip_quantity_approvals(program: ProgramPath, session: Session = Depends(read_db),
                            _: User = Depends(require("read"))):
    """Every signed LRIP quantity decision, with its rationale."""
    return service.lrip_quantity_approvals(session, program=program)


@router.post("/programs/{program}/lrip-quantity", status_code=201, response_model=QuantityApproval)
def set_quantity(program: ProgramPath, body: LripQuantitySet, session: Session = Depends(db),
                 user: User = Depends(require("program.manage"))):
    """Set or raise the LRIP quantity, signed by the signed-in program manager (password asked again)."""
    _, warnings = set_lrip_quantity(session, program=program, quantity=body.quantity, actor=user.username,
                                    rationale=body.rationale, password=body.password, role=body.role)
    with session.begin():
        row = service.lrip_quantity_approvals(session, program=program)[-1]
    return JSONResponse({**row, "warnings": warnings}, status_code=201)
