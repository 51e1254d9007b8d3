"""The program API: programs, their phase gate and phase, phase policies and their signed changes, lots,
the ramp plan and the signed LRIP quantity."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.program import service
from lrip.program.schemas import (LotClose, LotCreate, LotOut, LripQuantitySet, PhaseChangeRequest, PhaseGate,
                                  PhaseSignRequest, PolicyChangeOut, PolicyChangeRequest, ProgramCreate, ProgramOut,
                                  ProgramPolicies, QuantityApproval, RampPlan, RampPlanSet, SignRequest)

router = APIRouter(tags=["programs"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]
LotPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The lot number.")]
ChangePath = Annotated[int, Path(ge=1, le=1_000_000, description="The policy change's number in the program.")]


@router.post("/programs", status_code=201, response_model=ProgramOut, openapi_extra=uses(service.create_program))
def create_program(body: ProgramCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Create a program for a part revision; it starts in prototype with the default phase policies."""
    return act(request, actor, body.model_dump(), lambda s: service.create_program(
        s, actor, code=body.code, name=body.name, part=body.part, part_revision=body.revision,
        planned_total=body.planned_total, frp_target_rate=body.frp_target_rate))


@router.get("/programs/{program}", response_model=ProgramOut, openapi_extra=uses(service.show_program))
def show_program(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """A program: its part, quantities, phase and the FRP GO."""
    with read(request) as session:
        return service.show_program(session, actor, program=program)


# ---------------------------------------------------------------- the phase

@router.get("/programs/{program}/phase-gate", response_model=PhaseGate, openapi_extra=uses(service.phase_gate))
def phase_gate(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """The gate to the next phase: each condition met or not, in words, and the move's signatures."""
    with read(request) as session:
        return service.phase_gate(session, actor, program=program)


@router.post("/programs/{program}/phase-gate/signatures", status_code=201, response_model=PhaseGate,
             openapi_extra=uses(service.sign_phase_change))
def sign_phase_change(program: ProgramPath, body: PhaseSignRequest, request: Request,
                      actor: Actor = Depends(signed_in)):
    """Sign the move to the next phase as the signed-in person (password asked again)."""
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: service.sign_phase_change(
        s, actor, program=program, phase=body.phase, password=body.password, role=body.role))


@router.post("/programs/{program}/phase", response_model=ProgramOut, openapi_extra=uses(service.change_phase))
def change_phase(program: ProgramPath, body: PhaseChangeRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Move the program to its next phase; refused (409) with every condition of the gate not met."""
    return act(request, actor, body.model_dump(), lambda s: service.change_phase(
        s, actor, program=program, phase=body.phase, reason=body.reason))


# ---------------------------------------------------------------- phase policies

@router.get("/programs/{program}/policies", response_model=ProgramPolicies, openapi_extra=uses(service.policies))
def policies(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """The rules of every phase, and the proposed changes (open ones first)."""
    with read(request) as session:
        return service.policies(session, actor, program=program)


@router.post("/programs/{program}/policy-changes", status_code=201, response_model=PolicyChangeOut,
             openapi_extra=uses(service.propose_policy_change))
def propose_policy_change(program: ProgramPath, body: PolicyChangeRequest, request: Request,
                          actor: Actor = Depends(signed_in)):
    """Propose a change to one rule of one phase's policy; it applies once program and quality have signed."""
    return act(request, actor, body.model_dump(), lambda s: service.propose_policy_change(
        s, actor, program=program, phase=body.phase, rule=body.rule, value=body.value, reason=body.reason))


@router.post("/programs/{program}/policy-changes/{change}/signatures", status_code=201,
             response_model=PolicyChangeOut, openapi_extra=uses(service.sign_policy_change))
def sign_policy_change(program: ProgramPath, change: ChangePath, body: SignRequest, request: Request,
                       actor: Actor = Depends(signed_in)):
    """Sign a proposed policy change (password asked again); the last signature it needs applies it."""
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: service.sign_policy_change(
        s, actor, program=program, number=change, password=body.password, role=body.role))


# ---------------------------------------------------------------- lots and the ramp plan

@router.post("/programs/{program}/lots", status_code=201, response_model=LotOut,
             openapi_extra=uses(service.create_lot))
def create_lot(program: ProgramPath, body: LotCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Create a lot in the program's current phase (on the newest released routing unless told)."""
    return act(request, actor, body.model_dump(), lambda s: service.create_lot(
        s, actor, program=program, number=body.number, planned_quantity=body.quantity,
        routing_revision=body.routing_revision))


@router.post("/lots/{lot}/close", response_model=LotOut, openapi_extra=uses(service.close_lot))
def close_lot(lot: LotPath, body: LotClose, request: Request, actor: Actor = Depends(signed_in)):
    """Close a lot whose units are all complete, scrapped or not started; its results are kept on it."""
    return act(request, actor, body.model_dump(), lambda s: service.close_lot(s, actor, number=lot,
                                                                              reason=body.reason))


@router.get("/programs/{program}/ramp-plan", response_model=RampPlan, openapi_extra=uses(service.ramp_plan))
def ramp_plan(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """The ramp plan, week by week."""
    with read(request) as session:
        return service.ramp_plan(session, actor, program=program)


@router.post("/programs/{program}/ramp-plan", response_model=RampPlan, openapi_extra=uses(service.set_ramp_plan))
def set_ramp_plan(program: ProgramPath, body: RampPlanSet, request: Request, actor: Actor = Depends(signed_in)):
    """Plan many weeks at once: all of them, or none with every reason named by its week."""
    return act(request, actor, body.model_dump(), lambda s: service.set_ramp_plan(s, actor, program=program,
                                                                                  weeks=body.weeks))


# ---------------------------------------------------------------- the LRIP quantity

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
