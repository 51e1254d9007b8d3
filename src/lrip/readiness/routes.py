"""The FRP readiness gate API: assessments (evaluate → frozen snapshot), targets, waivers, attestations,
the signed program decision and the evidence package."""
import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import db, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.errors import Invalid
from lrip.readiness import report, service
from lrip.readiness.schemas import (AssessmentOut, AssessmentRow, AttestationCreate, CriterionId, Signing, TargetSet,
                                    WaiverCreate, WaiverWithdraw)

router = APIRouter(tags=["readiness"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="The program code.")]
NumberPath = Annotated[int, Path(ge=1, le=1_000_000, description="The assessment number within the program.")]
IdPath = Annotated[int, Path(ge=1, le=2_000_000_000)]
NamePath = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", description="The target's name, e.g. cpk_min.")]
BASE = "/programs/{program}/readiness"


@router.post(f"{BASE}/assessments", status_code=201, response_model=AssessmentOut)
def evaluate(program: ProgramPath, session: Session = Depends(db), user: User = Depends(require("readiness.assess"))):
    """Evaluate every criterion on today's records and freeze the result as a new assessment."""
    return service.evaluate(session, program=program, actor=user.username)


@router.get(f"{BASE}/assessments", response_model=list[AssessmentRow])
def assessments(program: ProgramPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Every assessment of the program, newest first."""
    return service.list_assessments(session, program=program)


@router.get(f"{BASE}/assessments/{{number}}", response_model=AssessmentOut)
def assessment(program: ProgramPath, number: NumberPath, session: Session = Depends(read_db),
               _: User = Depends(require("read"))):
    """One frozen assessment with its signatures."""
    return service.get_assessment(session, program=program, number=number)


@router.post(f"{BASE}/assessments/{{number}}/signatures", status_code=201, response_model=AssessmentOut)
def sign(program: ProgramPath, number: NumberPath, body: Signing, session: Session = Depends(db),
         user: User = Depends(require("readiness.decide"))):
    """The program decision: sign the latest assessment as the signed-in user (password asked again)."""
    return service.sign_assessment(session, program=program, number=number, username=user.username,
                                   password=body.password, role=body.role)


@router.get(f"{BASE}/criteria")
def criteria(program: ProgramPath, session: Session = Depends(read_db), _: User = Depends(require("read"))) -> list[dict]:
    """The program's criteria template with its targets."""
    return service.list_criteria(session, program=program)


@router.put(f"{BASE}/criteria/{{criterion}}/targets/{{name}}")
def set_target(program: ProgramPath, criterion: CriterionId, name: NamePath, body: TargetSet,
               session: Session = Depends(db), user: User = Depends(require("readiness.assess"))) -> dict:
    """Set one of the program's readiness targets."""
    return service.set_target(session, program=program, criterion=criterion, name=name, value=body.value,
                              actor=user.username, reason=body.reason)


@router.get(f"{BASE}/waivers")
def waivers(program: ProgramPath, session: Session = Depends(read_db), _: User = Depends(require("read"))) -> list[dict]:
    return service.list_waivers(session, program=program)


@router.post(f"{BASE}/waivers", status_code=201)
def waive(program: ProgramPath, body: WaiverCreate, session: Session = Depends(db),
          user: User = Depends(require("readiness.decide"))) -> dict:
    """Waive a criterion on a named condition, signed by the signed-in user."""
    return service.waive(session, program=program, criterion=body.criterion, condition=body.condition,
                         reason=body.reason, username=user.username, password=body.password, role=body.role)


@router.post(f"{BASE}/waivers/{{waiver}}/withdraw")
def withdraw(program: ProgramPath, waiver: IdPath, body: WaiverWithdraw, session: Session = Depends(db),
             user: User = Depends(require("readiness.decide"))) -> dict:
    return service.withdraw_waiver(session, program=program, waiver=waiver, actor=user.username, reason=body.reason)


@router.get(f"{BASE}/attestations")
def attestations(program: ProgramPath, session: Session = Depends(read_db),
                 _: User = Depends(require("read"))) -> list[dict]:
    return service.list_attestations(session, program=program)


@router.post(f"{BASE}/attestations", status_code=201)
def attest(program: ProgramPath, body: AttestationCreate, session: Session = Depends(db),
           user: User = Depends(require("readiness.assess"))) -> dict:
    """Attest what no record proves, with the backing document, signed by the signed-in user."""
    try:
        content = base64.b64decode(body.attachment_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("attestation_invalid", "attachment_base64 is not base64") from None
    return service.attest(session, program=program, topic=body.topic, statement=body.statement,
                          attachment_name=body.attachment_name, attachment=content, username=user.username,
                          password=body.password, role=body.role)


@router.get(f"{BASE}/attestations/{{attestation}}/attachment", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def attachment(program: ProgramPath, attestation: IdPath, session: Session = Depends(read_db),
               _: User = Depends(require("read"))):
    name, content = service.get_attachment(session, program=program, attestation=attestation)
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{report.safe_name(name)}"'})


@router.get(f"{BASE}/report", response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def evidence_package(program: ProgramPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The evidence package of the latest assessment as a zip: report.html, report.pdf, evidence.json, CSV
    extracts, attachments and manifest.sha256."""
    name, content = report.zip_package(session, program=program)
    return Response(content, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})
