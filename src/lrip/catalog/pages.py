"""Engineering pages: parts with their revisions and BOM tree, work instructions with a rendered preview,
routings with their operations and characteristics, work centers, tools and gauges with their calibration
due, qualifications expiring; and the forms the manufacturing engineer uses (a product file too).

Forms parse through the catalog's request schemas and are done by the catalog's services as the
signed-in person; a refusal draws the page again with every reason, a success redirects."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from lrip.catalog import markdown, product, productfile, service
from lrip.catalog.productfile import ToolIn, WorkCenterIn
from lrip.catalog.schemas import (BomLineCreate, CalibrationCreate, CharacteristicCreate, DocumentCreate,
                                  DocumentRevisionCreate, DocumentRevisionEdit, OperationCreate, PartCreate,
                                  PartRevisionCreate, QualificationGrant, QualificationRevoke, ReasonRequest,
                                  RoutingCreate, characteristic_spec, operation_spec)
from lrip.db import unit_of_work
from lrip.errors import Invalid, LripError
from lrip.fields import parse
from lrip.web.render import act, form_fields, render, status_code, templates, whole

router = APIRouter(include_in_schema=False)


def q(text: str) -> str:
    return quote(text, safe="")


def _page(request: Request, template: str, load: Callable, *, errors: dict | None = None, values: dict | None = None,
          code: int = 200, **extra):
    """A page drawn from `load(session, actor)` (a dict for the template), or the refusal in words."""
    actor = request.state.web_actor
    with unit_of_work(request.app.state.database_url, write=False) as session:
        try:
            context = load(session, actor)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    may = {"manage": actor.may("catalog.manage"), "qualify": actor.may("qualification.manage")}
    return render(request, template, {**context, **extra, "may": may, "errors": errors or {}, "values": values or {}},
                  status=code)


async def _form(request: Request, back: str, work: Callable, again: Callable[[dict, int], Response], name: str):
    """Run a page's form: `work(session, actor, fields)` returns the message; a refusal draws the page again
    (`again(errors, code)`) with the reasons under the form `name`."""
    fields = await form_fields(request)
    return await run_in_threadpool(act, request, back, lambda s, actor: work(s, actor, fields), lambda reasons, code:
                                   again({name: reasons}, code, fields))


async def _uploads(request: Request) -> dict[str, bytes]:
    """The files a multipart form sent, by their names."""
    form = await request.form()
    return {f.filename: await f.read() for _, f in form.multi_items() if isinstance(f, UploadFile) and f.filename}


def _blank(value: str | None) -> str | None:
    return value if value not in (None, "") else None


# ---------------------------------------------------------------- parts

def _parts_page(request: Request, errors=None, code=200, values=None):
    return _page(request, "catalog_parts.html", lambda s, a: {"parts": service.list_parts(s, a)}, errors=errors,
                 code=code, values=values)


@router.get("/parts")
def parts(request: Request):
    return _parts_page(request)


@router.post("/parts")
async def add_part(request: Request):
    def work(s, actor, v):
        r = parse(PartCreate, number=v.get("number"), description=v.get("description"), tracking=v.get("tracking"))
        made = service.create_part(s, actor, number=r.number, description=r.description, tracking=r.tracking)
        return f"Part {made.number} added."

    return await _form(request, "/parts", work, lambda e, c, v: _parts_page(request, e, c, v), "add")


@router.post("/parts/import")
async def import_product_file(request: Request):
    fields, uploads = await form_fields(request), await _uploads(request)
    name = next((n for n in uploads if n.lower().endswith((".yaml", ".yml", ".json"))), None)

    def work(s, actor) -> str:
        if name is None:
            raise Invalid("product_file_invalid", ["choose the product file (.yaml, .yml or .json)"])
        data, lines = productfile.read(uploads[name], name)
        report = product.import_product(s, actor, data, {n: b for n, b in uploads.items() if n != name},
                                        dry_run=bool(fields.get("dry_run")), lines=lines)
        said = "; ".join(f"{i.kind} {i.record} {i.action}" for i in report.items[:12])
        more = f" and {len(report.items) - 12} more" if len(report.items) > 12 else ""
        return (f"{name}: {'would make' if report.dry_run else 'made'} {report.changes} changes, "
                f"{report.unchanged} unchanged" + (f" ({said}{more})" if said else "") + "."
                + "".join(f" Note: {n}" for n in report.notes))

    return await run_in_threadpool(act, request, "/parts", work,
                                   lambda reasons, code: _parts_page(request, {"import": reasons}, code))


def _part_page(request: Request, number: str, errors=None, code=200, values=None):
    return _page(request, "catalog_part.html", lambda s, a: {"part": service.part_detail(s, a, number=number)},
                 errors=errors, code=code, values=values)


@router.get("/parts/{number}")
def part(request: Request, number: str):
    return _part_page(request, number)


@router.post("/parts/{number}/revisions")
async def add_revision(request: Request, number: str):
    def work(s, actor, v):
        r = parse(PartRevisionCreate, revision=v.get("revision"), release=bool(v.get("release")))
        made = service.add_part_revision(s, actor, number=number, revision=r.revision, release=r.release)
        return f"{made.part} rev {made.revision} added ({made.status})."

    return await _form(request, f"/parts/{q(number)}", work, lambda e, c, v: _part_page(request, number, e, c, v),
                       "revise")


@router.post("/parts/{number}/revisions/{revision}/{form}")
async def revision_action(request: Request, number: str, revision: str,
                          form: Literal["release", "obsolete", "bom", "unbom", "routing"]):
    def work(s, actor, v):
        if form == "release":
            r = parse(ReasonRequest, reason=_blank(v.get("reason")))
            service.release_part(s, actor, number=number, revision=revision, reason=r.reason)
            return f"{number} rev {revision} released."
        if form == "obsolete":
            r = parse(QualificationRevoke, reason=v.get("reason"))
            service.obsolete_part(s, actor, number=number, revision=revision, reason=r.reason)
            return f"{number} rev {revision} is obsolete."
        if form == "bom":
            r = parse(BomLineCreate, child=v.get("child"), quantity=v.get("quantity"), operation=v.get("operation"))
            line = service.add_bom_line(s, actor, parent=number, revision=revision, child=r.child,
                                        quantity=r.quantity, operation_sequence=r.operation)
            return f"{line.quantity:g} × {line.child} added to the BOM at op {line.operation_sequence}."
        if form == "unbom":
            service.remove_bom_line(s, actor, parent=number, revision=revision, child=v.get("child", ""))
            return f"{v.get('child')} taken off the BOM."
        r = parse(RoutingCreate, revision=v.get("routing"))
        made = service.create_routing(s, actor, part=number, part_revision=revision, revision=r.revision)
        return f"Routing {made.revision} drafted: add its operations."

    return await _form(request, f"/parts/{q(number)}", work, lambda e, c, v: _part_page(request, number, e, c, v),
                       f"{form}-{revision}")


@router.get("/parts/{number}/revisions/{revision}/bom")
def bom(request: Request, number: str, revision: str):
    return _page(request, "catalog_bom.html", lambda s, a: {"tree": service.bom_tree(s, a, number=number,
                                                                                       revision=revision)})


# ---------------------------------------------------------------- work instructions

def _documents_page(request: Request, errors=None, code=200, values=None):
    return _page(request, "catalog_documents.html", lambda s, a: {"documents": service.list_documents(s, a)},
                 errors=errors, code=code, values=values)


@router.get("/documents")
def documents(request: Request):
    return _documents_page(request)


@router.post("/documents")
async def add_document(request: Request):
    def work(s, actor, v):
        r = parse(DocumentCreate, number=v.get("number"), title=v.get("title"))
        made = service.create_document(s, actor, number=r.number, title=r.title)
        return f"Work instruction {made.number} added: draft its first revision."

    return await _form(request, "/documents", work, lambda e, c, v: _documents_page(request, e, c, v), "add")


def _image_url(number: str, revision: str) -> Callable[[str], str]:
    return lambda name: f"/documents/{q(number)}/revisions/{q(revision)}/images/{q(name)}"


def instruction_html(instruction) -> Markup:
    """The traveler's instruction (its label 'WI-310 rev A' and Markdown) as sanitised HTML, its images
    served from the revision: the filter `instruction_html` of every page's templates."""
    number, _, revision = instruction.label.rpartition(" rev ")
    return Markup(markdown.render(instruction.content, _image_url(number, revision)))


templates.env.filters["instruction_html"] = instruction_html


def _document_page(request: Request, number: str, errors=None, code=200, values=None):
    def load(s, a):
        doc = service.document_detail(s, a, number=number)
        return {"doc": doc, "previews": {r.revision: markdown.render(r.content, _image_url(doc.number, r.revision))
                                         for r in doc.revisions}}
    return _page(request, "catalog_document.html", load, errors=errors, code=code, values=values)


@router.get("/documents/{number}")
def document(request: Request, number: str):
    return _document_page(request, number)


@router.get("/documents/{number}/revisions/{revision}/images/{name}")
def document_image(request: Request, number: str, revision: str, name: str):
    with unit_of_work(request.app.state.database_url, write=False) as session:
        try:
            image = service.document_image(session, request.state.web_actor, number=number, revision=revision,
                                           name=name)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    return Response(image.data, media_type=image.content_type, headers={"X-Content-Type-Options": "nosniff"})


@router.post("/documents/{number}/revisions")
async def add_document_revision(request: Request, number: str):
    fields, images = await form_fields(request), await _uploads(request)

    def work(s, actor) -> str:
        r = parse(DocumentRevisionCreate, revision=fields.get("revision"), content=fields.get("content"))
        made = service.add_document_revision(s, actor, number=number, revision=r.revision, content=r.content,
                                             images=images)
        return f"{made.document} rev {made.revision} drafted."

    return await run_in_threadpool(act, request, f"/documents/{q(number)}", work, lambda reasons, code:
                                   _document_page(request, number, {"revise": reasons}, code, fields))


@router.post("/documents/{number}/revisions/{revision}/{form}")
async def document_action(request: Request, number: str, revision: str,
                          form: Literal["edit", "release", "supersede"]):
    fields, images = await form_fields(request), await _uploads(request)

    def work(s, actor) -> str:
        if form == "edit":
            r = parse(DocumentRevisionEdit, content=fields.get("content"))
            service.edit_document_revision(s, actor, number=number, revision=revision, content=r.content,
                                           images=images)
            return f"{number} rev {revision} changed."
        if form == "release":
            service.release_document_revision(s, actor, number=number, revision=revision)
            return f"{number} rev {revision} released."
        r = parse(QualificationRevoke, reason=fields.get("reason"))
        service.supersede_document(s, actor, number=number, revision=revision, reason=r.reason)
        return f"{number} rev {revision} superseded."

    return await run_in_threadpool(act, request, f"/documents/{q(number)}", work, lambda reasons, code:
                                   _document_page(request, number, {f"{form}-{revision}": reasons}, code, fields))


# ---------------------------------------------------------------- routings and work centers

def _routings_page(request: Request, errors=None, code=200, values=None):
    return _page(request, "catalog_routings.html", lambda s, a: {
        "routings": service.list_routings(s, a), "centers": service.list_work_centers(s, a)},
        errors=errors, code=code, values=values)


@router.get("/routings")
def routings(request: Request):
    return _routings_page(request)


@router.post("/work-centers")
async def add_work_center(request: Request):
    def work(s, actor, v):
        r = parse(WorkCenterIn, code=v.get("code"), name=v.get("name"), hours_per_day=v.get("hours_per_day"),
                  stations=v.get("stations") or "1", efficiency=v.get("efficiency") or "1")
        made = service.create_work_center(s, actor, **r.model_dump())
        return f"Work center {made.code} added."

    return await _form(request, "/routings", work, lambda e, c, v: _routings_page(request, e, c, v), "center")


def _routing_url(part: str, part_revision: str, revision: str) -> str:
    return f"/routings/{q(part)}/{q(part_revision)}/{q(revision)}"


def _routing_page(request: Request, part: str, part_revision: str, revision: str, errors=None, code=200, values=None):
    def load(s, a):
        r = service.routing_detail(s, a, part=part, part_revision=part_revision, revision=revision)
        return {"r": r, "centers": service.list_work_centers(s, a), "documents": service.list_documents(s, a)}
    return _page(request, "catalog_routing.html", load, errors=errors, code=code, values=values)


@router.get("/routings/{part}/{part_revision}/{revision}")
def routing(request: Request, part: str, part_revision: str, revision: str):
    return _routing_page(request, part, part_revision, revision)


@router.post("/routings/{part}/{part_revision}/{revision}/{form}")
async def routing_action(request: Request, part: str, part_revision: str, revision: str,
                         form: Literal["operation", "characteristic", "unoperation", "uncharacteristic", "release"]):
    where = {"part": part, "part_revision": part_revision, "revision": revision}

    def work(s, actor, v):
        if form == "operation":
            r = parse(OperationCreate, sequence=v.get("sequence"), name=v.get("name"),
                      work_center=v.get("work_center"), standard_minutes=v.get("standard_minutes"),
                      instruction=_blank(v.get("instruction")), skill=_blank(v.get("skill")),
                      tool_kinds=[k.strip() for k in v.get("tool_kinds", "").split(",") if k.strip()])
            service.add_operation(s, actor, **where, operation=operation_spec(r))
            return f"Operation {r.sequence} ({r.name}) added."
        if form == "characteristic":
            r = parse(CharacteristicCreate, code=v.get("code"), name=v.get("name"), kind=v.get("kind") or "variable",
                      nominal=_blank(v.get("nominal")), lsl=_blank(v.get("lsl")), usl=_blank(v.get("usl")),
                      units=_blank(v.get("units")), key=bool(v.get("key")), balloon=_blank(v.get("balloon")),
                      drawing_zone=_blank(v.get("drawing_zone")), gauge_kind=_blank(v.get("gauge_kind")))
            service.add_characteristic(s, actor, **where, sequence=whole(v.get("sequence"), "the operation"),
                                       characteristic=characteristic_spec(r))
            return f"Characteristic {r.code} added to operation {v.get('sequence')}."
        if form == "unoperation":
            service.remove_operation(s, actor, **where, sequence=whole(v.get("sequence"), "the operation"))
            return f"Operation {v.get('sequence')} taken off."
        if form == "uncharacteristic":
            service.remove_characteristic(s, actor, **where, code=v.get("code", ""))
            return f"Characteristic {v.get('code')} taken off."
        r = parse(ReasonRequest, reason=_blank(v.get("reason")))
        service.release_routing_revision(s, actor, **where, reason=r.reason)
        return f"Routing {revision} released."

    return await _form(request, _routing_url(part, part_revision, revision), work, lambda e, c, v: _routing_page(
        request, part, part_revision, revision, e, c, v), form)


# ---------------------------------------------------------------- tools and gauges

def _tools_page(request: Request, errors=None, code=200, values=None):
    today = date.today()
    return _page(request, "catalog_tools.html", lambda s, a: {"tools": service.list_tools(s, a)}, errors=errors,
                 code=code, values=values, today=today, soon=today + timedelta(days=service.EXPIRING_DAYS))


@router.get("/tools")
def tools(request: Request):
    return _tools_page(request)


@router.post("/tools")
async def add_tool(request: Request):
    def work(s, actor, v):
        r = parse(ToolIn, code=v.get("code"), kind=v.get("kind"), category=v.get("category") or "production",
                  description=_blank(v.get("description")), calibration_due=_blank(v.get("calibration_due")),
                  certificate=_blank(v.get("certificate")))
        made = service.create_tool(s, actor, code=r.code, kind=r.kind, description=r.description or "",
                                   category=r.category, calibration_due=r.calibration_due, certificate=r.certificate)
        return f"{made.category.capitalize()} {made.code} added."

    return await _form(request, "/tools", work, lambda e, c, v: _tools_page(request, e, c, v), "add")


@router.post("/tools/{code}/calibrate")
async def calibrate(request: Request, code: str):
    def work(s, actor, v):
        r = parse(CalibrationCreate, due=v.get("due"), certificate=v.get("certificate"),
                  as_found=_blank(v.get("as_found")))
        made = service.calibrate_tool(s, actor, code=code, due=r.due, certificate=r.certificate, as_found=r.as_found)
        return f"{made.code} calibrated ({made.certificate}); next due {made.calibration_due}."

    return await _form(request, "/tools", work, lambda e, c, v: _tools_page(request, e, c, v), f"calibrate-{code}")


@router.get("/tools/{code}")
def tool(request: Request, code: str):
    return _page(request, "catalog_tool.html", lambda s, a: {
        "code": code, "calibrations": service.tool_calibrations(s, a, code=code)})


# ---------------------------------------------------------------- qualifications

def _qualifications_page(request: Request, errors=None, code=200, values=None):
    return _page(request, "catalog_qualifications.html", lambda s, a: {
        "expiring": service.list_qualifications(s, a, expiring_within=service.EXPIRING_DAYS),
        "all": service.list_qualifications(s, a), "skills": service.list_skills(s, a)},
        errors=errors, code=code, values=values, days=service.EXPIRING_DAYS)


@router.get("/qualifications")
def qualifications(request: Request):
    return _qualifications_page(request)


@router.post("/qualifications")
async def grant(request: Request):
    def work(s, actor, v):
        r = parse(QualificationGrant, username=v.get("username"), skill=v.get("skill"), expires=v.get("expires"),
                  training=_blank(v.get("training")))
        made = service.grant_qualification(s, actor, username=r.username, skill=r.skill, granted_on=date.today(),
                                           expires_on=r.expires, training=r.training)
        return f"{made.username} is qualified for {made.skill} until {made.expires_on}."

    return await _form(request, "/qualifications", work, lambda e, c, v: _qualifications_page(request, e, c, v),
                       "grant")


@router.post("/qualifications/{username}/{skill}/revoke")
async def revoke(request: Request, username: str, skill: str):
    def work(s, actor, v):
        r = parse(QualificationRevoke, reason=v.get("reason"))
        made = service.revoke_qualification(s, actor, username=username, skill=skill, reason=r.reason)
        return f"{made.username}'s {made.skill} qualification is revoked."

    return await _form(request, "/qualifications", work, lambda e, c, v: _qualifications_page(request, e, c, v),
                       f"revoke-{username}-{skill}")
