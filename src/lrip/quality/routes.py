"""Quality analysis API: SPC and capability of a program's characteristics, yield and defect
metrics, and the supplier scorecard (with one supplier's detail, supply's answer: `/suppliers/{supplier}`
must come after `/suppliers/scorecard`, and routes are tried in the order the areas load)."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.program.rules import Phase
from lrip.quality import scorecard as scorecards
from lrip.quality import service
from lrip.quality.schemas import (CharacteristicRow, CharacteristicSpc, Metrics, MetricsQuery, Scorecard,
                                  ScorecardQuery, SpcQuery)
from lrip.supply import service as supply
from lrip.supply.schemas import SupplierDetail

router = APIRouter(tags=["quality"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]
CharacteristicPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                         description="The characteristic code, e.g. MTR-TQ.")]


@router.get("/programs/{program}/characteristics/{characteristic}/spc", response_model=CharacteristicSpc,
            openapi_extra=uses(service.characteristic_spc))
def characteristic_spc(program: ProgramPath, characteristic: CharacteristicPath, request: Request,
                       q: Annotated[SpcQuery, Query()], actor: Actor = Depends(signed_in)):
    """Control chart, run-rule violations and capability of one characteristic over the program's units."""
    with read(request) as session:
        return service.characteristic_spc(session, actor, program=program, characteristic=characteristic,
                                          **q.model_dump())


@router.get("/programs/{program}/characteristics", response_model=list[CharacteristicRow],
            openapi_extra=uses(service.characteristics_overview))
def characteristics(program: ProgramPath, request: Request,
                    phase: Annotated[Phase | None, Query(description="Only the lots of this phase.")] = None,
                    actor: Actor = Depends(signed_in)):
    """Every characteristic of the program with its Cpk, rule violations and a status word."""
    with read(request) as session:
        return service.characteristics_overview(session, actor, program=program, phase=phase)


@router.get("/programs/{program}/metrics", response_model=Metrics, openapi_extra=uses(service.metrics))
def metrics(program: ProgramPath, request: Request, q: Annotated[MetricsQuery, Query()],
            actor: Actor = Depends(signed_in)):
    """First-pass and rolled throughput yield, DPU, DPMO, scrap and rework, cycle time; defect Pareto; NCR aging."""
    with read(request) as session:
        return service.metrics(session, actor, program=program, by=q.by, phase=q.phase)


@router.get("/suppliers/scorecard", response_model=list[Scorecard], openapi_extra=uses(scorecards.scorecard))
def scorecard(request: Request, q: Annotated[ScorecardQuery, Query()], actor: Actor = Depends(signed_in)):
    """Per supplier and month: on-time delivery, lead time, quantity accuracy, acceptance, PPM, NCRs."""
    with read(request) as session:
        return scorecards.scorecard(session, actor, **q.model_dump())


@router.get("/suppliers/{supplier}", response_model=SupplierDetail, openapi_extra=uses(supply.supplier_detail),
            tags=["supply"])
def supplier(supplier: Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                           description="The supplier's code.")],
             request: Request, actor: Actor = Depends(signed_in)):
    """A supplier: approved parts, purchase orders, recent receipts, status history."""
    with read(request) as session:
        return supply.supplier_detail(session, actor, code=supplier)
