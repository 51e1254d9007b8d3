"""Inspection by phase and first article inspection API: plans, sampling state and history,
lot results, what a unit must have measured, FAI records, their signatures and exports."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.inspection import export, first_article, plans
from lrip.inspection.rules import FaiStatus
from lrip.inspection.schemas import (DeltaFaiIn, DeltaFaiOut, FaiCreate, FaiListRow, FaiOut, FaiSign, FaiSigned,
                                     FaiStatusOut, LotResultDraft, LotResultIn, LotResultOut, PlanOut, PlanRow,
                                     PlanSet, Reasoned, UnitInspection)

router = APIRouter(tags=["inspection"], responses=problems.RESPONSES)


def _path(what: str):
    return Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description=what)]


ProgramPath = _path("The program code.")
OperationPath = Annotated[str, Path(max_length=120, pattern=r"^[^\x00-\x1f\x7f/]+$",
                                    description="Operation sequence number (30) or name.")]
LotPath = _path("The lot number.")
SerialPath = _path("The unit's serial.")
FaiPath = _path("The FAI number (FAI-0001).")
RoutingQuery = Annotated[str | None, Query(max_length=20, pattern=IDENTIFIER_PATTERN,
                                           description="Routing revision (default: the program's current routing).")]


@router.get("/programs/{program}/inspection-plans", response_model=list[PlanRow], openapi_extra=uses(plans.list_plans))
def list_plans(program: ProgramPath, request: Request, routing: RoutingQuery = None,
               actor: Actor = Depends(signed_in)):
    """Every operation's inspection plan with its sampling state."""
    with read(request) as session:
        return plans.list_plans(session, actor, program=program, routing=routing)


@router.get("/programs/{program}/inspection-plans/{operation}", response_model=PlanOut,
            openapi_extra=uses(plans.show_plan))
def show_plan(program: ProgramPath, operation: OperationPath, request: Request, routing: RoutingQuery = None,
              actor: Actor = Depends(signed_in)):
    """An operation's plan (class per characteristic, AQLs, level), sampling state, history, open lots' samples."""
    with read(request) as session:
        return plans.show_plan(session, actor, program=program, operation=operation, routing=routing)


@router.put("/programs/{program}/inspection-plans/{operation}", response_model=PlanOut,
            openapi_extra=uses(plans.set_plan))
def set_plan(program: ProgramPath, operation: OperationPath, body: PlanSet, request: Request,
             routing: RoutingQuery = None, actor: Actor = Depends(signed_in)):
    """Set classes, AQLs and the inspection level of an operation's plan."""
    return act(request, actor, body.model_dump(), lambda s: plans.set_plan(
        s, actor, program=program, operation=operation, routing=routing, **body.model_dump()))


@router.post("/programs/{program}/inspection-plans/{operation}/reduced-approval", response_model=PlanOut,
             openapi_extra=uses(plans.approve_reduced))
def approve_reduced(program: ProgramPath, operation: OperationPath, body: Reasoned, request: Request,
                    routing: RoutingQuery = None, actor: Actor = Depends(signed_in)):
    """Approve reduced inspection (Z1.4 8.3.3); it starts after 10 consecutive accepted lots."""
    return act(request, actor, body.model_dump(), lambda s: plans.approve_reduced(
        s, actor, program=program, operation=operation, routing=routing, reason=body.reason))


@router.post("/programs/{program}/inspection-plans/{operation}/corrective-action", response_model=PlanOut,
             openapi_extra=uses(plans.record_corrective_action))
def corrective_action(program: ProgramPath, operation: OperationPath, body: Reasoned, request: Request,
                      routing: RoutingQuery = None, actor: Actor = Depends(signed_in)):
    """Resume sampling discontinued under Z1.4 8.4, on tightened inspection."""
    return act(request, actor, body.model_dump(), lambda s: plans.record_corrective_action(
        s, actor, program=program, operation=operation, routing=routing, reason=body.reason))


@router.get("/lots/{lot}/inspection-results/{operation}", response_model=LotResultDraft,
            openapi_extra=uses(plans.lot_result))
def lot_result_draft(lot: LotPath, operation: OperationPath, request: Request, resubmitted: bool = False,
                     actor: Actor = Depends(signed_in)):
    """A lot's result at an operation as the unit records show it (each class's random sample, the defective
    units, the decision), and every reason it cannot be recorded yet: what a person confirms."""
    with read(request) as session:
        return plans.lot_result(session, actor, lot=lot, operation=operation, resubmitted=resubmitted)


@router.post("/lots/{lot}/inspection-results/{operation}", status_code=201, response_model=LotResultOut,
             openapi_extra=uses(plans.record_lot_result))
def lot_result(lot: LotPath, operation: OperationPath, body: LotResultIn, request: Request,
               actor: Actor = Depends(signed_in)):
    """Confirm a lot's inspection result at an operation, counted from the unit records (a count given must
    agree with them); it moves the plan's sampling state (resubmitted lots do not). Closed lots take none."""
    return act(request, actor, body.model_dump(), lambda s: plans.record_lot_result(
        s, actor, lot=lot, operation=operation, **body.model_dump()))


@router.get("/units/{serial}/inspection", response_model=UnitInspection, openapi_extra=uses(plans.unit_inspection))
def unit_inspection(serial: SerialPath, request: Request, actor: Actor = Depends(signed_in)):
    """Which characteristics this unit must have measured, and why."""
    with read(request) as session:
        return plans.unit_inspection(session, actor, serial=serial)


@router.get("/fai", response_model=list[FaiListRow], openapi_extra=uses(first_article.list_fais))
def list_fais(request: Request, program: Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)] = None,
              status: FaiStatus | None = None, actor: Actor = Depends(signed_in)):
    """First article inspections, by program and status."""
    with read(request) as session:
        return first_article.list_fais(session, actor, program=program, status=status)


@router.post("/fai", status_code=201, response_model=FaiOut, openapi_extra=uses(first_article.create_fai))
def create_fai(body: FaiCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Open an FAI on a unit (by default the one its lot's policy owes)."""
    return act(request, actor, body.model_dump(), lambda s: first_article.create_fai(s, actor, **body.model_dump()))


@router.get("/fai/{number}", response_model=FaiOut, openapi_extra=uses(first_article.fai_record))
def show_fai(number: FaiPath, request: Request, actor: Actor = Depends(signed_in)):
    """An FAI: AS9102 Forms 1-3, signatures, and what still blocks its completion."""
    with read(request) as session:
        return first_article.fai_record(session, actor, number=number)


@router.post("/fai/{number}/complete", response_model=FaiOut, openapi_extra=uses(first_article.complete_fai))
def complete_fai(number: FaiPath, request: Request, actor: Actor = Depends(signed_in)):
    """Complete an FAI, freezing its forms; refused with every reason until they are whole."""
    return act(request, actor, {}, lambda s: first_article.complete_fai(s, actor, number=number))


@router.post("/fai/{number}/signatures", status_code=201, response_model=FaiSigned,
             openapi_extra=uses(first_article.sign_fai))
def sign_fai(number: FaiPath, body: FaiSign, request: Request, actor: Actor = Depends(signed_in)):
    """E-sign a completed FAI as the signed-in user (password asked again); 'approved' approves it."""
    return act(request, actor, {"meaning": body.meaning, "role": body.role}, lambda s: first_article.sign_fai(
        s, actor, number=number, password=body.password, meaning=body.meaning, role=body.role))


@router.get("/fai/{number}/export.pdf", response_class=Response, openapi_extra=uses(first_article.fai_record),
            responses={200: {"content": {"application/pdf": {}}, "description": "AS9102 Forms 1-3."}})
def fai_pdf(number: FaiPath, request: Request, actor: Actor = Depends(signed_in)):
    """The FAI as PDF (AS9102 Forms 1-3)."""
    with read(request) as session:
        record = first_article.fai_record(session, actor, number=number)
    return Response(export.fai_pdf(record), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{record.number}.pdf"'})


@router.get("/fai/{number}/form3.csv", response_class=Response, openapi_extra=uses(first_article.fai_record),
            responses={200: {"content": {"text/csv": {}}, "description": "AS9102 Form 3."}})
def fai_csv(number: FaiPath, request: Request, actor: Actor = Depends(signed_in)):
    """Form 3 (every characteristic with its requirement and result) as CSV."""
    with read(request) as session:
        record = first_article.fai_record(session, actor, number=number)
    return Response(export.form3_csv(record), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{record.number}-form3.csv"'})


@router.get("/programs/{program}/fai-status", response_model=FaiStatusOut, openapi_extra=uses(first_article.fai_status))
def fai_status(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """Is every FAI the program's phase policies ask for done and approved; what is outstanding."""
    with read(request) as session:
        return first_article.fai_status(session, actor, program=program)


@router.post("/fai-requirements", status_code=201, response_model=DeltaFaiOut,
             openapi_extra=uses(first_article.owe_delta_fai))
def require_delta(body: DeltaFaiIn, request: Request, actor: Actor = Depends(signed_in)):
    """Owe a partial (delta) FAI on the next unit of a part revision after a change touched characteristics."""
    return act(request, actor, body.model_dump(), lambda s: first_article.owe_delta_fai(s, actor, **body.model_dump()))
