"""Inspection by phase and first article inspection API: plans, sampling state and history,
lot results, what a unit must have measured, FAI records, their signatures and exports."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import db, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.inspection import export, service
from lrip.inspection.schemas import (DeltaFaiIn, FaiCreate, FaiListRow, FaiOut, FaiSign, FaiSigned, FaiStatus,
                                     LotResultIn, PlanOut, PlanRow, PlanSet, Reasoned, UnitInspection, LotResultOut)

router = APIRouter(tags=["inspection"], responses=problems.RESPONSES)


def _path(what: str, length: int = 60):
    return Annotated[str, Path(max_length=length, pattern=IDENTIFIER_PATTERN, description=what)]


ProgramPath = _path("The program code.")
OperationPath = _path("Operation sequence number (30) or name.", 120)
LotPath = _path("The lot number.")
SerialPath = _path("The unit's serial.")
FaiPath = _path("The FAI number (FAI-0001).")
RoutingQuery = Annotated[str | None, Query(max_length=20, pattern=IDENTIFIER_PATTERN,
                                           description="Routing revision (default: the latest lot's).")]


@router.get("/programs/{program}/inspection-plans", response_model=list[PlanRow])
def list_plans(program: ProgramPath, routing: RoutingQuery = None, session: Session = Depends(read_db),
               _: User = Depends(require("read"))):
    """Every operation's inspection plan with its sampling state."""
    return service.list_plans(session, program=program, routing=routing)


@router.get("/programs/{program}/inspection-plans/{operation}", response_model=PlanOut)
def show_plan(program: ProgramPath, operation: OperationPath, routing: RoutingQuery = None,
              session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """An operation's plan (class per characteristic, AQLs, level), sampling state, history, open lots' samples."""
    return service.show_plan(session, program=program, operation=operation, routing=routing)


@router.put("/programs/{program}/inspection-plans/{operation}", response_model=PlanOut)
def set_plan(program: ProgramPath, operation: OperationPath, body: PlanSet, routing: RoutingQuery = None,
             session: Session = Depends(db), user: User = Depends(require("inspection.plan"))):
    """Set classes, AQLs and the inspection level of an operation's plan."""
    return service.set_plan(session, program=program, operation=operation, routing=routing, classes=body.classes,
                            aql=body.aql, level=body.level, reason=body.reason, actor=user.username)


@router.post("/programs/{program}/inspection-plans/{operation}/reduced-approval", response_model=PlanOut)
def approve_reduced(program: ProgramPath, operation: OperationPath, body: Reasoned, routing: RoutingQuery = None,
                    session: Session = Depends(db), user: User = Depends(require("inspection.plan"))):
    """Approve reduced inspection (Z1.4 8.3.3); it starts after 10 consecutive accepted lots."""
    return service.approve_reduced(session, program=program, operation=operation, routing=routing,
                                   reason=body.reason, actor=user.username)


@router.post("/programs/{program}/inspection-plans/{operation}/corrective-action", response_model=PlanOut)
def corrective_action(program: ProgramPath, operation: OperationPath, body: Reasoned, routing: RoutingQuery = None,
                      session: Session = Depends(db), user: User = Depends(require("inspection.plan"))):
    """Resume sampling discontinued under Z1.4 8.4, on tightened inspection."""
    return service.record_corrective_action(session, program=program, operation=operation, routing=routing,
                                            reason=body.reason, actor=user.username)


@router.post("/lots/{lot}/inspection-results/{operation}", status_code=201, response_model=LotResultOut)
def lot_result(lot: LotPath, operation: OperationPath, body: LotResultIn, session: Session = Depends(db),
               user: User = Depends(require("inspection.lot"))):
    """A lot's inspection result at an operation; it moves the plan's sampling state (resubmitted lots do not)."""
    return service.record_lot_result(session, lot=lot, operation=operation, actor=user.username,
                                     defects=body.defects, resubmitted=body.resubmitted,
                                     production_steady=body.production_steady, note=body.note)


@router.get("/units/{serial}/inspection", response_model=UnitInspection)
def unit_inspection(serial: SerialPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Which characteristics this unit must have measured, and why."""
    return service.unit_inspection(session, serial)


@router.get("/fai", response_model=list[FaiListRow])
def list_fais(program: Annotated[str | None, Query(max_length=40, pattern=IDENTIFIER_PATTERN)] = None,
              status: Literal["open", "complete", "approved"] | None = None,
              session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """First article inspections, by program and status."""
    return service.list_fais(session, program=program, status=status)


@router.post("/fai", status_code=201, response_model=FaiOut)
def create_fai(body: FaiCreate, session: Session = Depends(db), user: User = Depends(require("fai.record"))):
    """Open an FAI on a unit (by default the one its lot's policy owes)."""
    fai = service.create_fai(session, serial=body.serial, actor=user.username, kind=body.kind,
                             characteristics=body.characteristics, reason=body.reason,
                             organization=body.organization)
    return service.fai_record(session, fai.number)


@router.get("/fai/{number}", response_model=FaiOut)
def show_fai(number: FaiPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """An FAI: AS9102 Forms 1-3, signatures, and what still blocks its completion."""
    return service.fai_record(session, number)


@router.post("/fai/{number}/complete", response_model=FaiOut)
def complete_fai(number: FaiPath, session: Session = Depends(db), user: User = Depends(require("fai.record"))):
    """Complete an FAI, freezing its forms; refused with every reason until they are whole."""
    service.complete_fai(session, number=number, actor=user.username)
    return service.fai_record(session, number)


@router.post("/fai/{number}/signatures", status_code=201, response_model=FaiSigned)
def sign_fai(number: FaiPath, body: FaiSign, session: Session = Depends(db),
             user: User = Depends(require("signature.sign"))):
    """E-sign a completed FAI as the signed-in user (password asked again); 'approved' approves it."""
    return service.sign_fai(session, number=number, username=user.username, password=body.password,
                            meaning=body.meaning, role=body.role)


@router.get("/fai/{number}/export.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "AS9102 Forms 1-3."}})
def fai_pdf(number: FaiPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The FAI as PDF (AS9102 Forms 1-3)."""
    pdf = export.fai_pdf(service.fai_record(session, number))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{number}.pdf"'})


@router.get("/fai/{number}/form3.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "AS9102 Form 3."}})
def fai_csv(number: FaiPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Form 3 (every characteristic with its requirement and result) as CSV."""
    text = export.form3_csv(service.fai_record(session, number))
    return Response(text, media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{number}-form3.csv"'})


@router.get("/programs/{program}/fai-status", response_model=FaiStatus)
def fai_status(program: ProgramPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Is every FAI the program's phase policies ask for done and approved; what is outstanding."""
    return service.fai_status(session, program=program)


@router.post("/fai-requirements", status_code=201, response_model=dict)
def require_delta(body: DeltaFaiIn, session: Session = Depends(db), user: User = Depends(require("inspection.plan"))):
    """Owe a partial (delta) FAI on the next unit of a part revision after a change touched characteristics."""
    req = service.require_delta_fai(session, part=body.part, part_revision=body.part_revision,
                                    characteristics=body.characteristics, reason=body.reason, actor=user.username)
    return {"requirement": req.id, "part": body.part, "part_revision": body.part_revision,
            "characteristics": list(req.characteristics), "reason": req.reason}
