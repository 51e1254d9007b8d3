"""The NCR, MRB and CAPA API: raise, review, sign, disposition, close; files; CAPA 8D."""
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lrip.api import idempotency, problems
from lrip.api.deps import Page, db, page, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN, Paged
from lrip.auth.models import User
from lrip.nonconformance import rules, service
from lrip.nonconformance.schemas import (AttachmentOut, CapaActionCreate, CapaActionDone, CapaDetail, CapaOpen,
                                         CapaRow, CapaUpdate, CloseRequest, NcrDetail, NcrDispositionRequest,
                                         NcrRaise, NcrRow, ReviewRequest, SignatureOut, SignRequest, VerifyOut)

router = APIRouter(tags=["nonconformance"], responses=problems.RESPONSES)
NumberPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="NCR-000123 or CAPA-0001.")]
Filter = Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)]


@router.get("/defect-codes", response_model=dict[str, str])
def defect_codes(_: User = Depends(require("read"))):
    """The defect-code catalogue."""
    return rules.DEFECT_CODES


@router.get("/ncrs", response_model=Paged[NcrRow])
def list_ncrs(program: Filter = None, status: Literal["open", "mrb_review", "dispositioned", "closed"] | None = None,
              severity: Literal["critical", "major", "minor"] | None = None, supplier: Filter = None,
              serial: Filter = None, lot: Filter = None, p: Page = Depends(page),
              session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """NCRs, newest first, with their age in days."""
    rows = service.list_ncrs(session, program=program, status=status, severity=severity, supplier=supplier,
                             serial=serial, lot=lot)
    return {"items": rows[p.offset:p.offset + p.limit], "total": len(rows), "limit": p.limit, "offset": p.offset}


@router.post("/ncrs", status_code=201, response_model=NcrDetail)
def raise_ncr(body: NcrRaise, request: Request, session: Session = Depends(db),
              user: User = Depends(require("ncr.raise"))):
    """Raise an NCR by hand on a unit (it goes on hold), a lot, or a material lot (back to quarantine)."""
    def act():
        ncr = service.raise_ncr(session, actor=user.username, **body.model_dump())
        return 201, service.ncr_detail(session, ncr.number)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.get("/ncrs/{number}", response_model=NcrDetail)
def ncr(number: NumberPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The NCR, its MRB review and signatures, its disposition trail, files, holds and history."""
    return service.ncr_detail(session, number)


@router.post("/ncrs/{number}/review", response_model=NcrDetail)
def review(number: NumberPath, body: ReviewRequest, request: Request, session: Session = Depends(db),
           user: User = Depends(require("hold.disposition"))):
    """Put a disposition before the MRB; signatures are given to exactly this proposal."""
    def act():
        service.review(session, number=number, actor=user.username, **body.model_dump())
        return 200, service.ncr_detail(session, number)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/ncrs/{number}/signatures", status_code=201, response_model=SignatureOut)
def sign(number: NumberPath, body: SignRequest, session: Session = Depends(db),
         user: User = Depends(require("signature.sign"))):
    """Sign the use-as-is or repair under MRB review as the signed-in user; the password is asked again."""
    return service.sign_disposition(session, number=number, username=user.username, password=body.password,
                                    role=body.role)


@router.post("/ncrs/{number}/dispositions", response_model=NcrDetail)
def disposition(number: NumberPath, request: Request,
                body: NcrDispositionRequest = Body(default_factory=NcrDispositionRequest),
                session: Session = Depends(db), user: User = Depends(require("hold.disposition"))):
    """Decide the NCR; use-as-is and repair are refused, naming every missing signature, until signed."""
    def act():
        service.disposition(session, number=number, actor=user.username, **body.model_dump())
        return 200, service.ncr_detail(session, number)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/ncrs/{number}/close", response_model=NcrDetail)
def close(number: NumberPath, body: CloseRequest, request: Request, session: Session = Depends(db),
          user: User = Depends(require("hold.disposition"))):
    """Close a dispositioned NCR once its disposition is verified done."""
    def act():
        service.close_ncr(session, number=number, actor=user.username, reason=body.reason)
        return 200, service.ncr_detail(session, number)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/ncrs/{number}/attachments", status_code=201, response_model=AttachmentOut)
def attach(number: NumberPath, request: Request,
           data: Annotated[bytes, Body(media_type="application/octet-stream",
                                       description=f"The file, at most {rules.MAX_ATTACHMENT_BYTES:,} bytes.")],
           filename: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f/\\]+$")],
           session: Session = Depends(db), user: User = Depends(require("ncr.raise"))):
    """Keep a photo or file with the NCR; its type is the request's Content-Type."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    with session.begin():
        row = service.attach(session, number=number, actor=user.username, filename=filename, content_type=kind,
                             data=data)
        return {"ncr": number, "id": row.id, "filename": row.filename, "content_type": row.content_type,
                "size": row.size, "sha256": row.sha256}


@router.get("/ncrs/{number}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The file."}})
def attachment(number: NumberPath, attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
               session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The file as it was attached (its SHA-256 is in the NCR and the audit trail)."""
    row = service.attachment(session, number, attachment_id)
    return Response(row.data, media_type=row.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{row.filename}"',
                             "X-Content-SHA256": row.sha256})


# ---------------------------------------------------------------- CAPA

@router.get("/capas", response_model=list[CapaRow])
def list_capas(program: Filter = None, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """CAPAs, newest first, with their NCRs and whether their effect is verified."""
    return service.list_capas(session, program=program)


@router.post("/capas", status_code=201, response_model=CapaDetail)
def open_capa(body: CapaOpen, request: Request, session: Session = Depends(db),
              user: User = Depends(require("capa.manage"))):
    """Open a CAPA by hand from one or more NCRs."""
    def act():
        capa = service.open_capa(session, actor=user.username, **body.model_dump())
        return 201, service.capa_detail(session, capa.number)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.get("/capas/{number}", response_model=CapaDetail)
def capa(number: NumberPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The CAPA's 8D, actions, linked NCRs and the effectiveness check as it stands."""
    return service.capa_detail(session, number)


@router.patch("/capas/{number}", response_model=CapaDetail)
def update_capa(number: NumberPath, body: CapaUpdate, session: Session = Depends(db),
                user: User = Depends(require("capa.manage"))):
    """Fill in or change the 8D; a proposed CAPA becomes open (or `status: rejected` turns it down)."""
    fields = body.model_dump(exclude_none=True, exclude={"reason"})
    with session.begin():
        service.update_capa(session, number=number, actor=user.username, fields=fields, reason=body.reason)
        return service.capa_detail(session, number)


@router.post("/capas/{number}/actions", status_code=201, response_model=CapaDetail)
def add_action(number: NumberPath, body: CapaActionCreate, request: Request, session: Session = Depends(db),
               user: User = Depends(require("capa.manage"))):
    """Add a containment, corrective or preventive action with its owner and due date."""
    def act():
        service.add_action(session, number=number, actor=user.username, **body.model_dump())
        return 201, service.capa_detail(session, number)
    return idempotency.respond(session, request, user, body.model_dump(mode="json"), act)


@router.post("/capas/{number}/actions/{action_id}/done", response_model=CapaDetail)
def action_done(number: NumberPath, action_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: CapaActionDone,
                session: Session = Depends(db), user: User = Depends(require("capa.manage"))):
    """Mark an action done on a date (not in the future)."""
    with session.begin():
        service.complete_action(session, number=number, action_id=action_id, actor=user.username,
                                done_on=body.done_on, note=body.note)
        return service.capa_detail(session, number)


@router.post("/capas/{number}/verify", response_model=VerifyOut)
def verify(number: NumberPath, session: Session = Depends(db), user: User = Depends(require("capa.manage"))):
    """Check the effect: no recurrence at the operation over the next N units after the actions."""
    with session.begin():
        return service.verify_effectiveness(session, number=number, actor=user.username)


@router.post("/capas/{number}/close", response_model=CapaDetail)
def close_capa(number: NumberPath, body: CloseRequest, session: Session = Depends(db),
               user: User = Depends(require("capa.manage"))):
    """Close the CAPA: every D filled in, the effect verified, its NCRs closed."""
    with session.begin():
        service.close_capa(session, number=number, actor=user.username, reason=body.reason)
        return service.capa_detail(session, number)
