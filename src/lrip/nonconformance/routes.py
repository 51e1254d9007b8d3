"""The NCR, MRB and CAPA API: raise, review, sign, disposition, close; files; a unit's disposition; CAPA 8D."""
import hashlib
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response

from lrip import files
from lrip.api import problems
from lrip.api.deps import Page, act, page, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.nonconformance import capa, codes, mrb, ncr, rules, scar
from lrip.nonconformance.schemas import (AttachmentOut, CapaActionCreate, CapaActionDone, CapaClose, CapaDetail,
                                         CapaOpen, CapaRow, CapaUpdate, CloseRequest, DefectCodeAdd,
                                         DefectCodeChange, DefectCodeOut, NcrDetail, NcrDispositionRequest, NcrPage,
                                         NcrRaise, ReviewRequest, ScarDetail, ScarRaise, ScarResponse, ScarRow,
                                         ScarVerification, SignRequest, SignatureOut, UnitDispositionRequest,
                                         UnitDispositioned, VerifyOut)

router = APIRouter(tags=["nonconformance"], responses=problems.RESPONSES)
NumberPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="NCR-000123 or CAPA-0001.")]
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
CodePath = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$", description="A defect code.")]
Filter = Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)]


@router.get("/defect-codes", response_model=list[DefectCodeOut], openapi_extra=uses(codes.defect_codes))
def defect_codes(request: Request, retired: bool = False, actor: Actor = Depends(signed_in)):
    """The defect-code catalogue: the codes in use (with `retired`, the retired ones too)."""
    with read(request) as session:
        return codes.defect_codes(session, actor, retired=retired)


@router.post("/defect-codes", status_code=201, response_model=DefectCodeOut,
             openapi_extra=uses(codes.add_defect_code))
def add_defect_code(body: DefectCodeAdd, request: Request, actor: Actor = Depends(signed_in)):
    """Add a code to the catalogue (a quality engineer; audited)."""
    return act(request, actor, body.model_dump(), lambda s: codes.add_defect_code(s, actor, **body.model_dump()))


@router.patch("/defect-codes/{code}", response_model=DefectCodeOut, openapi_extra=uses(codes.change_defect_code))
def change_defect_code(code: CodePath, body: DefectCodeChange, request: Request, actor: Actor = Depends(signed_in)):
    """Change what a code means, retire it (`active: false`) or bring it back, with the reason (audited)."""
    return act(request, actor, body.model_dump(), lambda s: codes.change_defect_code(s, actor, code=code,
                                                                                     **body.model_dump()))


@router.get("/ncrs", response_model=NcrPage, openapi_extra=uses(ncr.list_ncrs))
def list_ncrs(request: Request, program: Filter = None, status: rules.NcrStatus | None = None,
              severity: rules.Severity | None = None, supplier: Filter = None, serial: Filter = None,
              lot: Filter = None, p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """NCRs, newest first, with their age in days."""
    with read(request) as session:
        return ncr.list_ncrs(session, actor, program=program, status=status, severity=severity, supplier=supplier,
                             serial=serial, lot=lot, limit=p.limit, offset=p.offset)


@router.post("/ncrs", status_code=201, response_model=NcrDetail, openapi_extra=uses(ncr.raise_ncr))
def raise_ncr(body: NcrRaise, request: Request, actor: Actor = Depends(signed_in)):
    """Raise an NCR by hand on a unit (it goes on hold), a lot, or a material lot (back to quarantine)."""
    return act(request, actor, body.model_dump(), lambda s: ncr.raise_ncr(s, actor, **body.model_dump()))


@router.get("/ncrs/{number}", response_model=NcrDetail, openapi_extra=uses(ncr.ncr_detail))
def ncr_detail(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """The NCR, its MRB review and signatures, its disposition trail, files, holds and history."""
    with read(request) as session:
        return ncr.ncr_detail(session, actor, number=number)


@router.post("/ncrs/{number}/review", response_model=NcrDetail, openapi_extra=uses(mrb.review))
def review(number: NumberPath, body: ReviewRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Put a disposition before the MRB; signatures are given to exactly this proposal."""
    return act(request, actor, body.model_dump(), lambda s: mrb.review(s, actor, number=number, **body.model_dump()))


@router.post("/ncrs/{number}/signatures", status_code=201, response_model=SignatureOut,
             openapi_extra=uses(mrb.sign_disposition))
def sign(number: NumberPath, body: SignRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Sign the use-as-is or repair under MRB review as the signed-in user; the password is asked again."""
    return act(request, actor, {"role": body.role}, lambda s: mrb.sign_disposition(
        s, actor, number=number, password=body.password, role=body.role))


@router.post("/ncrs/{number}/dispositions", response_model=NcrDetail, openapi_extra=uses(mrb.disposition))
def disposition(number: NumberPath, request: Request,
                body: NcrDispositionRequest = Body(default_factory=NcrDispositionRequest),
                actor: Actor = Depends(signed_in)):
    """Decide the NCR; use-as-is and repair are refused, naming every missing signature, until signed."""
    return act(request, actor, body.model_dump(), lambda s: mrb.disposition(s, actor, number=number,
                                                                            **body.model_dump()))


@router.post("/ncrs/{number}/close", response_model=NcrDetail, openapi_extra=uses(mrb.close_ncr))
def close(number: NumberPath, body: CloseRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Close a dispositioned NCR once its disposition is verified done."""
    return act(request, actor, body.model_dump(), lambda s: mrb.close_ncr(s, actor, number=number,
                                                                          reason=body.reason))


@router.post("/ncrs/{number}/attachments", status_code=201, response_model=AttachmentOut,
             openapi_extra=uses(ncr.attach))
def attach(number: NumberPath, request: Request,
           data: Annotated[bytes, Body(media_type="application/octet-stream",
                                       description=f"The file, at most {rules.MAX_ATTACHMENT_BYTES:,} bytes.")],
           filename: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f/\\]+$")],
           actor: Actor = Depends(signed_in)):
    """Keep a photo or file with the NCR; its type is the request's Content-Type."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    payload = {"filename": filename, "content_type": kind, "sha256": hashlib.sha256(data).hexdigest()}
    return act(request, actor, payload, lambda s: ncr.attach(s, actor, number=number, filename=filename,
                                                             content_type=kind, data=data))


@router.get("/ncrs/{number}/attachments/{attachment_id}", response_class=Response, openapi_extra=uses(ncr.attachment),
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The file."}})
def attachment(number: NumberPath, attachment_id: IdPath, request: Request, actor: Actor = Depends(signed_in)):
    """The file as it was attached (its SHA-256 is in the NCR and the audit trail), as the type its bytes are."""
    with read(request) as session:
        f = ncr.attachment(session, actor, number=number, attachment_id=attachment_id)
    media_type, headers = files.served(f.filename, f.data, f.content_type)
    return Response(f.data, media_type=media_type, headers=headers | {"X-Content-SHA256": f.sha256})


@router.post("/units/{serial}/disposition", response_model=UnitDispositioned, openapi_extra=uses(mrb.disposition_unit))
def disposition_unit(serial: SerialPath, body: UnitDispositionRequest, request: Request,
                     actor: Actor = Depends(signed_in)):
    """Disposition the NCR holding the unit (use as is, repair, rework back to an operation, scrap);
    the hold is released by it. Use-as-is and repair need the MRB signatures first."""
    return act(request, actor, body.model_dump(), lambda s: mrb.disposition_unit(s, actor, serial=serial,
                                                                                 **body.model_dump()))


# ---------------------------------------------------------------- CAPA

@router.get("/capas", response_model=list[CapaRow], openapi_extra=uses(capa.list_capas))
def list_capas(request: Request, program: Filter = None, actor: Actor = Depends(signed_in)):
    """CAPAs, newest first, with their NCRs and whether their effect is verified."""
    with read(request) as session:
        return capa.list_capas(session, actor, program=program)


@router.post("/capas", status_code=201, response_model=CapaDetail, openapi_extra=uses(capa.open_capa))
def open_capa(body: CapaOpen, request: Request, actor: Actor = Depends(signed_in)):
    """Open a CAPA by hand from one or more NCRs (another effectiveness sample than the standard needs a
    reason and a quality signature)."""
    return act(request, actor, body.model_dump(exclude={"password"}),
               lambda s: capa.open_capa(s, actor, **body.model_dump()))


@router.get("/capas/{number}", response_model=CapaDetail, openapi_extra=uses(capa.capa_detail))
def capa_detail(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """The CAPA's 8D, actions, linked NCRs and the effectiveness check as it stands."""
    with read(request) as session:
        return capa.capa_detail(session, actor, number=number)


@router.patch("/capas/{number}", response_model=CapaDetail, openapi_extra=uses(capa.update_capa))
def update_capa(number: NumberPath, body: CapaUpdate, request: Request, actor: Actor = Depends(signed_in)):
    """Fill in or change the 8D; a proposed CAPA becomes open (or `status: rejected` turns it down). A new
    effectiveness sample needs a reason and a quality signature (`password`)."""
    fields = body.model_dump(exclude_none=True, exclude={"reason", "password", "role"})
    return act(request, actor, body.model_dump(exclude={"password"}), lambda s: capa.update_capa(
        s, actor, number=number, fields=fields, reason=body.reason, password=body.password, role=body.role))


@router.post("/capas/{number}/actions", status_code=201, response_model=CapaDetail, openapi_extra=uses(capa.add_action))
def add_action(number: NumberPath, body: CapaActionCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Add a containment, corrective or preventive action with its owner and due date."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: capa.add_action(s, actor, number=number,
                                                                                       **body.model_dump()))


@router.post("/capas/{number}/actions/{action_id}/done", response_model=CapaDetail,
             openapi_extra=uses(capa.complete_action))
def action_done(number: NumberPath, action_id: IdPath, body: CapaActionDone, request: Request,
                actor: Actor = Depends(signed_in)):
    """Mark an action done on a date (not in the future)."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: capa.complete_action(
        s, actor, number=number, action_id=action_id, done_on=body.done_on, note=body.note))


@router.post("/capas/{number}/verify", response_model=VerifyOut, openapi_extra=uses(capa.verify_effectiveness))
def verify(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """Check the effect: no recurrence at the operation over the next N units after the actions."""
    return act(request, actor, {}, lambda s: capa.verify_effectiveness(s, actor, number=number))


@router.post("/capas/{number}/close", response_model=CapaDetail, openapi_extra=uses(capa.close_capa))
def close_capa(number: NumberPath, body: CapaClose, request: Request, actor: Actor = Depends(signed_in)):
    """Close the CAPA: every D filled in, the effect verified, its NCRs closed; on the day it opened only
    under a signed quality waiver (`same_day_waiver` and `password`)."""
    return act(request, actor, body.model_dump(exclude={"password"}),
               lambda s: capa.close_capa(s, actor, number=number, **body.model_dump()))


# ---------------------------------------------------------------- SCAR

@router.get("/scars", response_model=list[ScarRow], openapi_extra=uses(scar.list_scars))
def list_scars(request: Request, supplier: Filter = None, status: rules.ScarStatus | None = None,
               actor: Actor = Depends(signed_in)):
    """Supplier corrective action requests, newest first, each saying whether the response is overdue."""
    with read(request) as session:
        return scar.list_scars(session, actor, supplier=supplier, status=status)


@router.post("/scars", status_code=201, response_model=ScarDetail, openapi_extra=uses(scar.raise_scar))
def raise_scar(body: ScarRaise, request: Request, actor: Actor = Depends(signed_in)):
    """Ask the supplier of an NCR's material for its corrective action, by a due date."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: scar.raise_scar(s, actor, **body.model_dump()))


@router.get("/scars/{number}", response_model=ScarDetail, openapi_extra=uses(scar.scar_detail))
def scar_detail(number: NumberPath, request: Request, actor: Actor = Depends(signed_in)):
    """A SCAR with its NCR, the supplier's response, its verification and history."""
    with read(request) as session:
        return scar.scar_detail(session, actor, number=number)


@router.post("/scars/{number}/response", response_model=ScarDetail, openapi_extra=uses(scar.record_response))
def scar_response(number: NumberPath, body: ScarResponse, request: Request, actor: Actor = Depends(signed_in)):
    """Record the supplier's response as it came."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: scar.record_response(
        s, actor, number=number, **body.model_dump()))


@router.post("/scars/{number}/verification", response_model=ScarDetail, openapi_extra=uses(scar.verify_scar))
def scar_verification(number: NumberPath, body: ScarVerification, request: Request,
                      actor: Actor = Depends(signed_in)):
    """Verify the response's effect: effective closes the SCAR, not effective sends it back with a new due date."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: scar.verify_scar(
        s, actor, number=number, **body.model_dump()))
