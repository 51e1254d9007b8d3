"""The FRP readiness gate API: assessments (evaluate → frozen snapshot), targets, waivers, attestations,
the signed program decision and the evidence package."""
import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from lrip import files
from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.db import unit_of_work
from lrip.errors import Invalid
from lrip.fields import IDENTIFIER_PATTERN
from lrip.readiness import report, service
from lrip.readiness.schemas import (AssessmentOut, AssessmentRow, AttestationCreate, AttestationOut, CriterionId,
                                    CriterionTemplate, Signing, TargetChanged, TargetSet, WaiverCreate, WaiverOut,
                                    WaiverWithdraw)

router = APIRouter(tags=["readiness"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]
NumberPath = Annotated[int, Path(ge=1, le=1_000_000, description="The assessment number within the program.")]
IdPath = Annotated[int, Path(ge=1, le=2_000_000_000)]
NamePath = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", description="The target's name, e.g. cpk_min.")]
BASE = "/programs/{program}/readiness"
ZIP = {200: {"content": {"application/zip": {}}}}
FILE = {200: {"content": {"application/octet-stream": {}}}}


@router.post(f"{BASE}/assessments", status_code=201, response_model=AssessmentOut, openapi_extra=uses(service.evaluate))
def evaluate(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """Evaluate every criterion on today's records and freeze the result as a new assessment."""
    return act(request, actor, {}, lambda s: service.evaluate(s, actor, program=program))


@router.get(f"{BASE}/assessments", response_model=list[AssessmentRow], openapi_extra=uses(service.list_assessments))
def assessments(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """Every assessment of the program, newest first."""
    with read(request) as session:
        return service.list_assessments(session, actor, program=program)


@router.get(f"{BASE}/assessments/{{number}}", response_model=AssessmentOut,
            openapi_extra=uses(service.get_assessment))
def assessment(program: ProgramPath, number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """One frozen assessment with its signatures."""
    with read(request) as session:
        return service.get_assessment(session, actor, program=program, number=number)


@router.post(f"{BASE}/assessments/{{number}}/signatures", status_code=201, response_model=AssessmentOut,
             openapi_extra=uses(service.sign_assessment))
def sign(program: ProgramPath, number: NumberPath, body: Signing, request: Request, actor: Actor = Depends(signed_in)):
    """The program decision: sign the latest assessment as the signed-in person (password asked again)."""
    return act(request, actor, {"role": body.role}, lambda s: service.sign_assessment(
        s, actor, program=program, number=number, password=body.password, role=body.role))


@router.get(f"{BASE}/criteria", response_model=list[CriterionTemplate], openapi_extra=uses(service.list_criteria))
def criteria(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """The program's criteria template with its targets."""
    with read(request) as session:
        return service.list_criteria(session, actor, program=program)


@router.put(f"{BASE}/criteria/{{criterion}}/targets/{{name}}", status_code=201, response_model=TargetChanged,
            openapi_extra=uses(service.set_target))
def set_target(program: ProgramPath, criterion: CriterionId, name: NamePath, body: TargetSet, request: Request,
               actor: Actor = Depends(signed_in)):
    """Propose one of the program's readiness targets, signed by the signed-in person (password asked again);
    it applies once the program and quality have both signed."""
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: service.set_target(
        s, actor, program=program, criterion=criterion, name=name, value=body.value, reason=body.reason,
        password=body.password, role=body.role))


@router.get(f"{BASE}/target-changes", response_model=list[TargetChanged],
            openapi_extra=uses(service.list_target_changes))
def target_changes(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """Every proposed change of the program's targets, with its signatures and who is still to sign."""
    with read(request) as session:
        return service.list_target_changes(session, actor, program=program)


@router.post(f"{BASE}/target-changes/{{change}}/signatures", status_code=201, response_model=TargetChanged,
             openapi_extra=uses(service.sign_target))
def sign_target(program: ProgramPath, change: IdPath, body: Signing, request: Request,
                actor: Actor = Depends(signed_in)):
    """Sign a proposed target change; the last signature it needs applies it."""
    return act(request, actor, {"role": body.role}, lambda s: service.sign_target(
        s, actor, program=program, change=change, password=body.password, role=body.role))


@router.get(f"{BASE}/waivers", response_model=list[WaiverOut], openapi_extra=uses(service.list_waivers))
def waivers(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    with read(request) as session:
        return service.list_waivers(session, actor, program=program)


@router.post(f"{BASE}/waivers", status_code=201, response_model=WaiverOut, openapi_extra=uses(service.waive))
def waive(program: ProgramPath, body: WaiverCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Waive a criterion on a named condition, signed by the signed-in person."""
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: service.waive(
        s, actor, program=program, criterion=body.criterion, condition=body.condition, reason=body.reason,
        password=body.password, role=body.role))


@router.post(f"{BASE}/waivers/{{waiver}}/signatures", status_code=201, response_model=WaiverOut,
             openapi_extra=uses(service.sign_waiver))
def sign_waiver(program: ProgramPath, waiver: IdPath, body: Signing, request: Request,
                actor: Actor = Depends(signed_in)):
    """Sign a waiver that still needs a signature (a quality criterion's needs quality's)."""
    return act(request, actor, {"role": body.role}, lambda s: service.sign_waiver(
        s, actor, program=program, waiver=waiver, password=body.password, role=body.role))


@router.post(f"{BASE}/waivers/{{waiver}}/withdraw", response_model=WaiverOut,
             openapi_extra=uses(service.withdraw_waiver))
def withdraw(program: ProgramPath, waiver: IdPath, body: WaiverWithdraw, request: Request,
             actor: Actor = Depends(signed_in)):
    return act(request, actor, body.model_dump(), lambda s: service.withdraw_waiver(
        s, actor, program=program, waiver=waiver, reason=body.reason))


@router.get(f"{BASE}/attestations", response_model=list[AttestationOut],
            openapi_extra=uses(service.list_attestations))
def attestations(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    with read(request) as session:
        return service.list_attestations(session, actor, program=program)


@router.post(f"{BASE}/attestations", status_code=201, response_model=AttestationOut, openapi_extra=uses(service.attest))
def attest(program: ProgramPath, body: AttestationCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Attest what no record proves, with the backing document, signed by the signed-in person."""
    try:
        content = base64.b64decode(body.attachment_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("attestation_invalid", "attachment_base64 is not base64") from None
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: service.attest(
        s, actor, program=program, topic=body.topic, statement=body.statement, attachment_name=body.attachment_name,
        attachment=content, password=body.password, role=body.role))


@router.get(f"{BASE}/attestations/{{attestation}}/attachment", response_class=Response, responses=FILE,
            openapi_extra=uses(service.attestation_file))
def attachment(program: ProgramPath, attestation: IdPath, request: Request, actor: Actor = Depends(signed_in)):
    """The document an attestation was signed with."""
    with read(request) as session:
        found = service.attestation_file(session, actor, program=program, attestation=attestation)
    media_type, headers = files.served(found.name, found.content)
    return Response(found.content, media_type=media_type, headers=headers)


@router.get(f"{BASE}/report", response_class=Response, responses=ZIP, openapi_extra=uses(report.evidence_package))
def evidence_package(program: ProgramPath, request: Request, actor: Actor = Depends(signed_in)):
    """The evidence package of the latest assessment as a zip: report.html, report.pdf, evidence.json, CSV
    extracts, attachments, the installation key and the signed manifest. Writing it records a signed
    checkpoint of the audit trail, so it opens a read-write unit of work."""
    with unit_of_work(request.app.state.database_url) as session:
        package = report.evidence_package(session, actor, program=program)
    return Response(package.content, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{package.name}"'})
