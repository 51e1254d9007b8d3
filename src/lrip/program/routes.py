"""The program API: the signed LRIP quantity."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.program import service
from lrip.program.schemas import LripQuantitySet, QuantityApproval

router = APIRouter(tags=["programs"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]


@router.get("/programs/{program}/lrip-quantity", response_model=list[QuantityApproval],
            openapi_extra=uses(service.lrip_quantity_approvals))
def lrip_quantity_approvals(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """Every signed LRIP quantity decision, with its rationale."""
    with read(request) as session:
        return service.lrip_quantity_approvals(session, actor, program=program)


@router.post("/programs/{program}/lrip-quantity", status_code=201, response_model=QuantityApproval,
             openapi_extra=uses(service.set_lrip_quantity))
def set_lrip_quantity(program: ProgramPath, body: LripQuantitySet, request: Request,
                      actor: Actor = Depends(signed_in)):
    """Set or raise the LRIP quantity, signed by the signed-in program manager (password asked again)."""
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: service.set_lrip_quantity(
        s, actor, program=program, quantity=body.quantity, password=body.password, rationale=body.rationale,
        role=body.role))
