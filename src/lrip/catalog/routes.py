"""The engineering API: parts, revisions and BOMs; work instructions with their images; work centers; tools
and gauges with their calibrations; qualifications and skills; routings with their operations and
characteristics; the product definition file and the spreadsheets that feed it."""
from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.catalog import product, productfile, service
from lrip.catalog.productfile import ToolIn, WorkCenterIn
from lrip.catalog.rules import ToolCategory
from lrip.catalog.schemas import (BomLineCreate, BomLineOut, BomTree, CalibrationCreate, CalibrationOut,
                                  CharacteristicCreate, DocumentCreate, DocumentDetail, DocumentOut,
                                  DocumentRevisionCreate, DocumentRevisionEdit, DocumentRevisionOut, DocumentRow,
                                  ImportReport, OperationCreate, PartCreate, PartDetail, PartOut, PartRevisionCreate,
                                  PartRevisionDetail, PartRevisionOut, PartRow, ProductExport, ProductUpload,
                                  QualificationGrant, QualificationOut, QualificationRevoke, ReasonRequest,
                                  RoutingCreate, RoutingOut, RoutingRow, SheetUpload, SkillOut, ToolOut,
                                  WorkCenterOut, characteristic_spec, operation_spec)
from lrip.errors import Invalid
from lrip.fields import IDENTIFIER_PATTERN

router = APIRouter(tags=["engineering"], responses=problems.RESPONSES)


def _id(what: str):
    return Path(max_length=60, pattern=IDENTIFIER_PATTERN, description=what)


PartPath = Annotated[str, _id("The part number.")]
ChildPath = Annotated[str, _id("The child part's number.")]
RevisionPath = Annotated[str, Path(max_length=20, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]{0,19}|-)$",
                                   description="A revision: A, B2, 1, or - (the initial issue).")]
RoutingPath = Annotated[str, Path(max_length=20, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]{0,19}|-)$",
                                  description="The routing's revision.")]
SequencePath = Annotated[int, Path(ge=1, le=100_000, description="The operation's sequence number.")]
CodePath = Annotated[str, _id("The characteristic's code.")]
DocumentPath = Annotated[str, _id("The work instruction's number.")]
ImagePath = Annotated[str, Path(max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$",
                                description="The image's file name.")]
ToolPath = Annotated[str, _id("The tool's or gauge's code.")]
UserPath = Annotated[str, _id("The operator's username.")]
SkillPath = Annotated[str, Path(min_length=1, max_length=60, description="The skill.")]
Days = Annotated[int | None, Query(ge=0, le=3650)]


def _decoded(images: dict[str, str]) -> dict[str, bytes]:
    """Images sent as base64, or Invalid naming each that is not."""
    out, bad = {}, []
    for name, text in images.items():
        try:
            out[name] = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            bad.append(f"images.{name}: is not base64")
    if bad:
        raise Invalid("invalid_input", bad)
    return out


# ---------------------------------------------------------------- parts and BOMs

@router.get("/parts", response_model=list[PartRow], openapi_extra=uses(service.list_parts))
def list_parts(request: Request, actor: Actor = Depends(signed_in)):
    """Every part with its revisions."""
    with read(request) as session:
        return service.list_parts(session, actor)


@router.post("/parts", status_code=201, response_model=PartOut, openapi_extra=uses(service.create_part))
def create_part(body: PartCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Add a part."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.create_part(
        s, actor, number=body.number, description=body.description, tracking=body.tracking))


@router.get("/parts/{part}", response_model=PartDetail, openapi_extra=uses(service.part_detail))
def part_detail(part: PartPath, request: Request, actor: Actor = Depends(signed_in)):
    """A part: its revisions with their BOMs and routings, and where it is used."""
    with read(request) as session:
        return service.part_detail(session, actor, number=part)


@router.post("/parts/{part}/revisions", status_code=201, response_model=PartRevisionOut,
             openapi_extra=uses(service.add_part_revision))
def add_part_revision(part: PartPath, body: PartRevisionCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Add a revision of a part (a draft unless `release`)."""
    return act(request, actor, body.model_dump(), lambda s: service.add_part_revision(
        s, actor, number=part, revision=body.revision, release=body.release))


@router.post("/parts/{part}/revisions/{revision}/release", response_model=PartRevisionOut,
             openapi_extra=uses(service.release_part))
def release_part(part: PartPath, revision: RevisionPath, body: ReasonRequest, request: Request,
                 actor: Actor = Depends(signed_in)):
    """Release a draft part revision; the one released before it becomes obsolete."""
    return act(request, actor, body.model_dump(), lambda s: service.release_part(
        s, actor, number=part, revision=revision, reason=body.reason))


@router.post("/parts/{part}/revisions/{revision}/obsolete", response_model=PartRevisionOut,
             openapi_extra=uses(service.obsolete_part))
def obsolete_part(part: PartPath, revision: RevisionPath, body: QualificationRevoke, request: Request,
                  actor: Actor = Depends(signed_in)):
    """Make a released part revision obsolete, with the reason."""
    return act(request, actor, body.model_dump(), lambda s: service.obsolete_part(
        s, actor, number=part, revision=revision, reason=body.reason))


@router.get("/parts/{part}/revisions/{revision}/bom", response_model=BomTree, openapi_extra=uses(service.bom_tree))
def bom_tree(part: PartPath, revision: RevisionPath, request: Request, actor: Actor = Depends(signed_in)):
    """A part revision's BOM, every level down."""
    with read(request) as session:
        return service.bom_tree(session, actor, number=part, revision=revision)


@router.post("/parts/{part}/revisions/{revision}/bom", status_code=201, response_model=BomLineOut,
             openapi_extra=uses(service.add_bom_line))
def add_bom_line(part: PartPath, revision: RevisionPath, body: BomLineCreate, request: Request,
                 actor: Actor = Depends(signed_in)):
    """Put a child part on a part revision's BOM."""
    return act(request, actor, body.model_dump(), lambda s: service.add_bom_line(
        s, actor, parent=part, revision=revision, child=body.child, quantity=body.quantity,
        operation_sequence=body.operation))


@router.delete("/parts/{part}/revisions/{revision}/bom/{child}", response_model=PartRevisionDetail,
               openapi_extra=uses(service.remove_bom_line))
def remove_bom_line(part: PartPath, revision: RevisionPath, child: ChildPath, request: Request,
                    actor: Actor = Depends(signed_in)):
    """Take a child part off a draft revision's BOM."""
    return act(request, actor, {"child": child}, lambda s: service.remove_bom_line(
        s, actor, parent=part, revision=revision, child=child))


@router.post("/parts/{part}/revisions/{revision}/bom/import", response_model=ImportReport,
             openapi_extra=uses(product.import_bom))
def import_bom(part: PartPath, revision: RevisionPath, body: SheetUpload, request: Request,
               actor: Actor = Depends(signed_in)):
    """A BOM exported from PLM (.xlsx or .csv, base64) as the whole BOM of the part revision."""
    data = _decoded({body.filename: body.content_base64})[body.filename]
    return act(request, actor, body.model_dump(), lambda s: product.import_bom(
        s, actor, part=part, revision=revision, filename=body.filename, data=data, dry_run=body.dry_run))


# ---------------------------------------------------------------- routings

@router.get("/routings", response_model=list[RoutingRow], openapi_extra=uses(service.list_routings))
def list_routings(request: Request, part: Annotated[str | None, Query(max_length=60)] = None,
                  actor: Actor = Depends(signed_in)):
    """Routings and their status (of one part, with `part`)."""
    with read(request) as session:
        return service.list_routings(session, actor, part=part)


@router.post("/parts/{part}/revisions/{revision}/routings", status_code=201, response_model=RoutingOut,
             openapi_extra=uses(service.create_routing))
def draft_routing(part: PartPath, revision: RevisionPath, body: RoutingCreate, request: Request,
                  actor: Actor = Depends(signed_in)):
    """Draft an empty routing of the part revision."""
    return act(request, actor, body.model_dump(), lambda s: service.create_routing(
        s, actor, part=part, part_revision=revision, revision=body.revision))


@router.get("/parts/{part}/revisions/{revision}/routings/{routing}", response_model=RoutingOut,
            openapi_extra=uses(service.routing_detail))
def routing_detail(part: PartPath, revision: RevisionPath, routing: RoutingPath, request: Request,
                   actor: Actor = Depends(signed_in)):
    """A routing with its operations and characteristics."""
    with read(request) as session:
        return service.routing_detail(session, actor, part=part, part_revision=revision, revision=routing)


@router.post("/parts/{part}/revisions/{revision}/routings/{routing}/operations", status_code=201,
             response_model=RoutingOut, openapi_extra=uses(service.add_operation))
def add_operation(part: PartPath, revision: RevisionPath, routing: RoutingPath, body: OperationCreate,
                  request: Request, actor: Actor = Depends(signed_in)):
    """Add an operation to a draft routing."""
    return act(request, actor, body.model_dump(), lambda s: service.add_operation(
        s, actor, part=part, part_revision=revision, revision=routing, operation=operation_spec(body)))


@router.delete("/parts/{part}/revisions/{revision}/routings/{routing}/operations/{operation}",
               response_model=RoutingOut, openapi_extra=uses(service.remove_operation))
def remove_operation(part: PartPath, revision: RevisionPath, routing: RoutingPath, operation: SequencePath,
                     request: Request, actor: Actor = Depends(signed_in)):
    """Take an operation off a draft routing."""
    return act(request, actor, {"operation": operation}, lambda s: service.remove_operation(
        s, actor, part=part, part_revision=revision, revision=routing, sequence=operation))


@router.post("/parts/{part}/revisions/{revision}/routings/{routing}/operations/{operation}/characteristics",
             status_code=201, response_model=RoutingOut, openapi_extra=uses(service.add_characteristic))
def add_characteristic(part: PartPath, revision: RevisionPath, routing: RoutingPath, operation: SequencePath,
                       body: CharacteristicCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Add a characteristic to an operation of a draft routing."""
    return act(request, actor, body.model_dump(), lambda s: service.add_characteristic(
        s, actor, part=part, part_revision=revision, revision=routing, sequence=operation,
        characteristic=characteristic_spec(body)))


@router.delete("/parts/{part}/revisions/{revision}/routings/{routing}/characteristics/{characteristic}",
               response_model=RoutingOut, openapi_extra=uses(service.remove_characteristic))
def remove_characteristic(part: PartPath, revision: RevisionPath, routing: RoutingPath, characteristic: CodePath,
                          request: Request, actor: Actor = Depends(signed_in)):
    """Take a characteristic off a draft routing."""
    return act(request, actor, {"characteristic": characteristic}, lambda s: service.remove_characteristic(
        s, actor, part=part, part_revision=revision, revision=routing, code=characteristic))


@router.post("/parts/{part}/revisions/{revision}/routings/{routing}/characteristics/import",
             response_model=ImportReport, openapi_extra=uses(product.import_characteristics))
def import_characteristics(part: PartPath, revision: RevisionPath, routing: RoutingPath, body: SheetUpload,
                           request: Request, actor: Actor = Depends(signed_in)):
    """A characteristic accountability list (.xlsx or .csv, base64) into the routing."""
    data = _decoded({body.filename: body.content_base64})[body.filename]
    return act(request, actor, body.model_dump(), lambda s: product.import_characteristics(
        s, actor, part=part, revision=revision, routing=routing, filename=body.filename, data=data,
        dry_run=body.dry_run))


@router.post("/parts/{part}/revisions/{revision}/routings/{routing}/release", response_model=RoutingOut,
             openapi_extra=uses(service.release_routing_revision))
def release_routing(part: PartPath, revision: RevisionPath, routing: RoutingPath, body: ReasonRequest,
                    request: Request, actor: Actor = Depends(signed_in)):
    """Release a complete draft routing; the one released before it is superseded."""
    return act(request, actor, body.model_dump(), lambda s: service.release_routing_revision(
        s, actor, part=part, part_revision=revision, revision=routing, reason=body.reason))


# ---------------------------------------------------------------- work instructions

@router.get("/documents", response_model=list[DocumentRow], openapi_extra=uses(service.list_documents))
def list_documents(request: Request, actor: Actor = Depends(signed_in)):
    """Every work instruction with its revisions."""
    with read(request) as session:
        return service.list_documents(session, actor)


@router.post("/documents", status_code=201, response_model=DocumentOut, openapi_extra=uses(service.create_document))
def create_document(body: DocumentCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Add a work instruction (its text comes with its first revision)."""
    return act(request, actor, body.model_dump(), lambda s: service.create_document(
        s, actor, number=body.number, title=body.title))


@router.get("/documents/{document}", response_model=DocumentDetail, openapi_extra=uses(service.document_detail))
def document_detail(document: DocumentPath, request: Request, actor: Actor = Depends(signed_in)):
    """A work instruction: every revision's Markdown, images and the operations that use it."""
    with read(request) as session:
        return service.document_detail(session, actor, number=document)


@router.post("/documents/{document}/revisions", status_code=201, response_model=DocumentRevisionOut,
             openapi_extra=uses(service.add_document_revision))
def add_document_revision(document: DocumentPath, body: DocumentRevisionCreate, request: Request,
                          actor: Actor = Depends(signed_in)):
    """Draft a revision: Markdown, with the images it shows (base64, by file name)."""
    images = _decoded(body.images)
    return act(request, actor, body.model_dump(), lambda s: service.add_document_revision(
        s, actor, number=document, revision=body.revision, content=body.content, images=images))


@router.put("/documents/{document}/revisions/{revision}", response_model=DocumentRevisionOut,
            openapi_extra=uses(service.edit_document_revision))
def edit_document_revision(document: DocumentPath, revision: RevisionPath, body: DocumentRevisionEdit,
                           request: Request, actor: Actor = Depends(signed_in)):
    """Replace a draft revision's Markdown and images."""
    images = _decoded(body.images)
    return act(request, actor, body.model_dump(), lambda s: service.edit_document_revision(
        s, actor, number=document, revision=revision, content=body.content, images=images))


@router.post("/documents/{document}/revisions/{revision}/release", response_model=DocumentRevisionOut,
             openapi_extra=uses(service.release_document_revision))
def release_document_revision(document: DocumentPath, revision: RevisionPath, request: Request,
                              actor: Actor = Depends(signed_in)):
    """Release a draft revision; the one released before it is superseded."""
    return act(request, actor, {}, lambda s: service.release_document_revision(
        s, actor, number=document, revision=revision))


@router.post("/documents/{document}/revisions/{revision}/supersede", response_model=DocumentRevisionOut,
             openapi_extra=uses(service.supersede_document))
def supersede_document(document: DocumentPath, revision: RevisionPath, body: QualificationRevoke, request: Request,
                       actor: Actor = Depends(signed_in)):
    """Withdraw a released revision, with the reason."""
    return act(request, actor, body.model_dump(), lambda s: service.supersede_document(
        s, actor, number=document, revision=revision, reason=body.reason))


@router.get("/documents/{document}/revisions/{revision}/images/{image}", response_class=Response,
            openapi_extra=uses(service.document_image),
            responses={200: {"content": {"image/png": {}}, "description": "The image."}})
def document_image(document: DocumentPath, revision: RevisionPath, image: ImagePath, request: Request,
                   actor: Actor = Depends(signed_in)):
    """An image of an instruction revision, as attached."""
    with read(request) as session:
        found = service.document_image(session, actor, number=document, revision=revision, name=image)
    return Response(found.data, media_type=found.content_type, headers={"X-Content-Type-Options": "nosniff"})


# ---------------------------------------------------------------- work centers, tools, qualifications

@router.get("/work-centers", response_model=list[WorkCenterOut], openapi_extra=uses(service.list_work_centers))
def list_work_centers(request: Request, actor: Actor = Depends(signed_in)):
    """Every work center."""
    with read(request) as session:
        return service.list_work_centers(session, actor)


@router.post("/work-centers", status_code=201, response_model=WorkCenterOut,
             openapi_extra=uses(service.create_work_center))
def create_work_center(body: WorkCenterIn, request: Request, actor: Actor = Depends(signed_in)):
    """Add a work center."""
    return act(request, actor, body.model_dump(), lambda s: service.create_work_center(s, actor, **body.model_dump()))


@router.get("/tools", response_model=list[ToolOut], openapi_extra=uses(service.list_tools))
def list_tools(request: Request, category: ToolCategory | None = None, due_within: Days = None,
               actor: Actor = Depends(signed_in)):
    """Tools and gauges, with their calibration due dates (due within N days, with `due_within`)."""
    with read(request) as session:
        return service.list_tools(session, actor, category=category, due_within=due_within)


@router.post("/tools", status_code=201, response_model=ToolOut, openapi_extra=uses(service.create_tool))
def create_tool(body: ToolIn, request: Request, actor: Actor = Depends(signed_in)):
    """Add a tool or gauge (with its calibration when it has a certificate)."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.create_tool(
        s, actor, code=body.code, kind=body.kind, description=body.description or "", category=body.category,
        calibration_due=body.calibration_due, certificate=body.certificate))


@router.get("/tools/{tool}/calibrations", response_model=list[CalibrationOut],
            openapi_extra=uses(service.tool_calibrations))
def tool_calibrations(tool: ToolPath, request: Request, actor: Actor = Depends(signed_in)):
    """A tool's calibration history, oldest first."""
    with read(request) as session:
        return service.tool_calibrations(session, actor, code=tool)


@router.post("/tools/{tool}/calibrations", status_code=201, response_model=ToolOut,
             openapi_extra=uses(service.calibrate_tool))
def calibrate_tool(tool: ToolPath, body: CalibrationCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Record a calibration with its certificate; the newest sets the due date."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.calibrate_tool(
        s, actor, code=tool, due=body.due, certificate=body.certificate, as_found=body.as_found,
        calibrated_on=body.calibrated_on))


@router.get("/qualifications", response_model=list[QualificationOut],
            openapi_extra=uses(service.list_qualifications))
def list_qualifications(request: Request, username: Annotated[str | None, Query(max_length=80)] = None,
                        skill: Annotated[str | None, Query(max_length=60)] = None, expiring_within: Days = None,
                        actor: Actor = Depends(signed_in)):
    """Qualifications, soonest to lapse first (lapsing within N days, with `expiring_within`)."""
    with read(request) as session:
        return service.list_qualifications(session, actor, username=username, skill=skill,
                                           expiring_within=expiring_within)


@router.post("/qualifications", status_code=201, response_model=QualificationOut,
             openapi_extra=uses(service.grant_qualification))
def grant_qualification(body: QualificationGrant, request: Request, actor: Actor = Depends(signed_in)):
    """Qualify an operator for a skill, or renew the qualification."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.grant_qualification(
        s, actor, username=body.username, skill=body.skill, granted_on=body.granted_on or date.today(),
        expires_on=body.expires, training=body.training))


@router.post("/qualifications/{username}/{skill}/revoke", response_model=QualificationOut,
             openapi_extra=uses(service.revoke_qualification))
def revoke_qualification(username: UserPath, skill: SkillPath, body: QualificationRevoke, request: Request,
                         actor: Actor = Depends(signed_in)):
    """Withdraw an operator's qualification today, with the reason."""
    return act(request, actor, body.model_dump(), lambda s: service.revoke_qualification(
        s, actor, username=username, skill=skill, reason=body.reason))


@router.get("/skills", response_model=list[SkillOut], openapi_extra=uses(service.list_skills))
def list_skills(request: Request, actor: Actor = Depends(signed_in)):
    """Every skill: who holds it today and which operations need it."""
    with read(request) as session:
        return service.list_skills(session, actor)


# ---------------------------------------------------------------- the product file

@router.post("/products/import", response_model=ImportReport, openapi_extra=uses(product.import_product))
def import_product(body: ProductUpload, request: Request, actor: Actor = Depends(signed_in)):
    """Import a product definition file (YAML or JSON text, with the images its instructions show): checked
    whole, then written; the same file again changes nothing; `dry_run` says what would change."""
    data, lines = productfile.read(body.content, body.filename)
    images = _decoded(body.images)
    digest = hashlib.sha256(body.content.encode()).hexdigest()
    return act(request, actor, body.model_dump(exclude={"content", "images"}) | {"content_sha256": digest,
                                                                                "images": sorted(images)},
               lambda s: product.import_product(s, actor, data, images, dry_run=body.dry_run, lines=lines))


@router.get("/products/{part}/export", response_model=ProductExport, openapi_extra=uses(product.export_product))
def export_product(part: PartPath, request: Request, revision: Annotated[str | None, Query(max_length=20)] = None,
                   actor: Actor = Depends(signed_in)):
    """A part revision (its current one unless `revision`) as a product file's data, with its images (base64)."""
    with read(request) as session:
        return product.export_product(session, actor, part=part, revision=revision)
