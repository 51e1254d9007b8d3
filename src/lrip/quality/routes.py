"""Quality analysis API: SPC and capability of a program's characteristics, yield and defect metrics."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.quality import service
from lrip.quality.schemas import CharacteristicRow, CharacteristicSpc, Metrics

router = APIRouter(tags=["quality"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="The program code.")]
CharacteristicPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN,
                                         description="The characteristic code, e.g. MTR-TQ.")]
Phase = Annotated[Literal["prototype", "pilot", "lrip", "frp"] | None,
                  Query(description="Only the lots of this phase.")]


@router.get("/programs/{program}/characteristics/{characteristic}/spc", response_model=CharacteristicSpc)
def characteristic_spc(program: ProgramPath, characteristic: CharacteristicPath, phase: Phase = None,
                       chart: Annotated[Literal["imr", "xbar-r", "xbar-s", "p"] | None, Query(
                           description="imr (default) or xbar-r/xbar-s for measured values; p for pass/fail.")] = None,
                       rules: Literal["nelson", "western-electric"] = "nelson",
                       baseline: Annotated[int | None, Query(ge=2, le=10_000_000, description=(
                           "Phase I: the first N points set the limits; the rest are monitored."))] = None,
                       subgroup_size: Annotated[int, Query(ge=2, le=25)] = 5,
                       session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Control chart, run-rule violations and capability of one characteristic over the program's units."""
    return service.characteristic_spc(session, program=program, characteristic=characteristic, phase=phase,
                                      chart=chart, rules=rules, baseline=baseline, subgroup_size=subgroup_size)


@router.get("/programs/{program}/characteristics", response_model=list[CharacteristicRow])
def characteristics(program: ProgramPath, phase: Phase = None, session: Session = Depends(read_db),
                    _: User = Depends(require("read"))):
    """Every characteristic of the program with its Cpk, rule violations and a status word."""
    return service.characteristics_overview(session, program=program, phase=phase)


@router.get("/programs/{program}/metrics", response_model=Metrics)
def metrics(program: ProgramPath, by: Literal["lot", "operation", "week", "phase"] = "lot", phase: Phase = None,
            session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """First-pass and rolled throughput yield, DPU, DPMO, scrap and rework, cycle time; defect Pareto; NCR aging."""
    return service.metrics(session, program=program, by=by, phase=phase)
