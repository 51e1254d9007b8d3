"""`lrip part|bom|document|work-center|tool|qualification|routing|product …`: the engineering data, as the
signed-in manufacturing engineer (qualifications: or quality engineer). Arguments parse through the
catalog's request schemas, as the API's bodies do; every command takes --json."""
from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from lrip.catalog import product, productfile, service
from lrip.catalog.markdown import IMAGE_NAME, image_names
from lrip.catalog.productfile import ToolIn, WorkCenterIn
from lrip.catalog.schemas import (BomLineCreate, CalibrationCreate, CharacteristicCreate, DocumentCreate,
                                  DocumentRevisionEdit, OperationCreate, PartCreate, PartRevisionCreate,
                                  QualificationGrant, QualificationRevoke, ReasonRequest, RoutingCreate,
                                  characteristic_spec, operation_spec)
from lrip.errors import Invalid
from lrip.terminal import NUMBERS, AsJson, Db, err, fail, guarded, n, out, parse, run, say, table

part_app = typer.Typer(no_args_is_help=True, help="Parts and their revisions (draft → released → obsolete).")
bom_app = typer.Typer(no_args_is_help=True, help="The BOM lines of a part revision.")
document_app = typer.Typer(no_args_is_help=True, help="Work instructions: Markdown with images, by revision.")
center_app = typer.Typer(no_args_is_help=True, help="Work centers.")
tool_app = typer.Typer(no_args_is_help=True, help="Tools and gauges, and their calibrations.")
qualification_app = typer.Typer(no_args_is_help=True, help="Operators' qualifications (skills).")
routing_app = typer.Typer(no_args_is_help=True, help="Routings: operations and characteristics.")
product_app = typer.Typer(no_args_is_help=True, help="The product definition file (YAML or JSON) and spreadsheets.")

Reason = Annotated[str | None, typer.Option(help="Why (kept in the audit trail).")]
NeededReason = Annotated[str, typer.Option(help="Why (kept in the audit trail).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and say what would change; change nothing.")]


def register(app: typer.Typer) -> None:
    app.add_typer(part_app, name="part")
    app.add_typer(bom_app, name="bom")
    app.add_typer(document_app, name="document")
    app.add_typer(center_app, name="work-center")
    app.add_typer(tool_app, name="tool")
    app.add_typer(qualification_app, name="qualification")
    app.add_typer(routing_app, name="routing")
    app.add_typer(product_app, name="product")


def _read(path: Path, as_json: bool) -> bytes:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise Invalid("file_unreadable", [f"{path}: {exc.strerror or exc}"]) from None
    return guarded(as_json, read)


def _images_beside(path: Path, names, as_json: bool) -> dict[str, bytes]:
    """The images a text names that are files beside it (a name is never a path: see markdown.IMAGE_NAME)."""
    return {name: _read(path.parent / name, as_json) for name in names
            if IMAGE_NAME.match(name) and (path.parent / name).is_file()}


# ---------------------------------------------------------------- parts and BOMs

def _revisions(rows) -> str:
    return ", ".join(f"{r.revision} ({r.status})" for r in rows) or "no revision"


@part_app.command("list")
def part_list(db: Db = None, as_json: AsJson = False) -> None:
    """Every part and its revisions."""
    run(db, as_json, service.list_parts, lambda rows: out.print(table(
        "Parts", ["Part", "Description", "Tracking", "Revisions"],
        [[p.number, p.description, p.tracking, _revisions(p.revisions)] for p in rows])), write=False)


@part_app.command("show")
def part_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """A part: its revisions, their BOMs and routings, and where it is used."""
    def show(d):
        say(f"{d.number}  {d.description}  tracked by {d.tracking}"
            + (f"  used in {', '.join(d.used_in)}" if d.used_in else ""))
        for r in d.revisions:
            say(f"  rev {r.revision} ({r.status}): "
                + ("; ".join(f"{b.quantity:g} × {b.child} at op {b.operation_sequence}" for b in r.bom) or "no BOM")
                + "".join(f"\n    routing {x.revision} ({x.status}, {n(x.operations, 'operation')})"
                          for x in r.routings))

    run(db, as_json, lambda s, actor: service.part_detail(s, actor, number=number), show, write=False)


@part_app.command("add")
def part_add(number: str, description: Annotated[str, typer.Option(help="What the part is.")],
             tracking: Annotated[str, typer.Option(help="serial, lot or none.")],
             db: Db = None, as_json: AsJson = False) -> None:
    """Add a part."""
    r = parse(PartCreate, as_json, number=number, description=description, tracking=tracking)
    run(db, as_json, lambda s, actor: service.create_part(s, actor, number=r.number, description=r.description,
                                                          tracking=r.tracking),
        lambda p: say(f"Part {p.number} ({p.description}) added, tracked by {p.tracking}."))


@part_app.command("revise")
def part_revise(number: str, revision: str,
                release: Annotated[bool, typer.Option("--release", help="Release it at once.")] = False,
                db: Db = None, as_json: AsJson = False) -> None:
    """Add a revision of a part (a draft, unless --release)."""
    r = parse(PartRevisionCreate, as_json, revision=revision, release=release)
    run(db, as_json, lambda s, actor: service.add_part_revision(s, actor, number=number, revision=r.revision,
                                                                release=r.release),
        lambda x: say(f"{x.part} rev {x.revision} added, {x.status}."))


@part_app.command("release")
def part_release(number: str, revision: str, reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Release a draft part revision; the one released before it becomes obsolete."""
    r = parse(ReasonRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.release_part(s, actor, number=number, revision=revision,
                                                           reason=r.reason),
        lambda x: say(f"{x.part} rev {x.revision} released."))


@part_app.command("obsolete")
def part_obsolete(number: str, revision: str, reason: NeededReason, db: Db = None, as_json: AsJson = False) -> None:
    """Make a released part revision obsolete."""
    r = parse(ReasonRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.obsolete_part(s, actor, number=number, revision=revision,
                                                            reason=r.reason),
        lambda x: say(f"{x.part} rev {x.revision} is obsolete."))


@bom_app.command("show")
def bom_show(part: str, revision: str, db: Db = None, as_json: AsJson = False) -> None:
    """A part revision's BOM, every level down."""
    def show(tree):
        say(f"{tree.part} rev {tree.revision} ({tree.status}) — {tree.description}")

        def lines(nodes, depth):
            for node in nodes:
                say(f"{'  ' * depth}{node.quantity:g} × {node.part} rev {node.revision or '—'} ({node.description}), "
                    f"at op {node.operation_sequence}")
                lines(node.children, depth + 1)

        lines(tree.lines, 1)

    run(db, as_json, lambda s, actor: service.bom_tree(s, actor, number=part, revision=revision), show, write=False)


@bom_app.command("add", context_settings=NUMBERS)
def bom_add(part: str, revision: str, child: str, quantity: Annotated[str, typer.Option(help="Per unit.")],
            operation: Annotated[str, typer.Option(help="The operation sequence that consumes it.")],
            db: Db = None, as_json: AsJson = False) -> None:
    """Put a child part on a part revision's BOM."""
    r = parse(BomLineCreate, as_json, child=child, quantity=quantity, operation=operation)
    run(db, as_json, lambda s, actor: service.add_bom_line(s, actor, parent=part, revision=revision, child=r.child,
                                                           quantity=r.quantity, operation_sequence=r.operation),
        lambda b: say(f"{b.quantity:g} × {b.child} on the BOM of {b.parent} rev {b.revision}, at op "
                      f"{b.operation_sequence}."))


@bom_app.command("remove")
def bom_remove(part: str, revision: str, child: str, db: Db = None, as_json: AsJson = False) -> None:
    """Take a child part off a draft revision's BOM."""
    run(db, as_json, lambda s, actor: service.remove_bom_line(s, actor, parent=part, revision=revision, child=child),
        lambda r: say(f"{child} is off the BOM of {part} rev {r.revision}."))


# ---------------------------------------------------------------- work instructions

@document_app.command("list")
def document_list(db: Db = None, as_json: AsJson = False) -> None:
    """Every work instruction and its revisions."""
    run(db, as_json, service.list_documents, lambda rows: out.print(table(
        "Work instructions", ["Number", "Title", "Revisions"],
        [[d.number, d.title, _revisions(d.revisions)] for d in rows])), write=False)


@document_app.command("show")
def document_show(number: str, revision: Annotated[str | None, typer.Option(help="Only this revision.")] = None,
                  db: Db = None, as_json: AsJson = False) -> None:
    """A work instruction: each revision's Markdown, images and the operations that use it."""
    def show(d):
        say(f"{d.number}  {d.title}")
        for r in d.revisions:
            if revision and r.revision.lower() != revision.strip().lower():
                continue
            say(f"\nrev {r.revision} ({r.status})" + (f", released {r.released_at:%Y-%m-%d}" if r.released_at else "")
                + (f"; images: {', '.join(i.name for i in r.images)}" if r.images else "")
                + (f"; used by {'; '.join(r.used_by)}" if r.used_by else ""))
            say(r.content)

    run(db, as_json, lambda s, actor: service.document_detail(s, actor, number=number), show, write=False)


@document_app.command("add")
def document_add(number: str, title: Annotated[str, typer.Option(help="What the instruction is for.")],
                 db: Db = None, as_json: AsJson = False) -> None:
    """Add a work instruction (its text comes with its first revision: `lrip document revise`)."""
    r = parse(DocumentCreate, as_json, number=number, title=title)
    run(db, as_json, lambda s, actor: service.create_document(s, actor, number=r.number, title=r.title),
        lambda d: say(f"Work instruction {d.number} ({d.title}) added."))


def _markdown(file: Path, as_json: bool) -> tuple[str, dict[str, bytes]]:
    text = _read(file, as_json).decode("utf-8", errors="replace")
    return text, _images_beside(file, image_names(text), as_json)


@document_app.command("revise")
def document_revise(number: str, revision: str,
                    file: Annotated[Path, typer.Option(help="The Markdown; images it names are read from beside it.")],
                    db: Db = None, as_json: AsJson = False) -> None:
    """Draft a new revision of a work instruction from a Markdown file."""
    text, images = _markdown(file, as_json)
    r = parse(DocumentRevisionEdit, as_json, content=text)
    run(db, as_json, lambda s, actor: service.add_document_revision(s, actor, number=number, revision=revision,
                                                                    content=r.content, images=images),
        lambda d: say(f"{d.document} rev {d.revision} drafted" + (f" with {n(len(images), 'image')}." if images
                                                                   else ".")))


@document_app.command("edit")
def document_edit(number: str, revision: str,
                  file: Annotated[Path, typer.Option(help="The Markdown; images it names are read from beside it.")],
                  db: Db = None, as_json: AsJson = False) -> None:
    """Replace a draft revision's Markdown and images."""
    text, images = _markdown(file, as_json)
    r = parse(DocumentRevisionEdit, as_json, content=text)
    run(db, as_json, lambda s, actor: service.edit_document_revision(s, actor, number=number, revision=revision,
                                                                     content=r.content, images=images),
        lambda d: say(f"{d.document} rev {d.revision} changed ({d.status})."))


@document_app.command("release")
def document_release(number: str, revision: str, db: Db = None, as_json: AsJson = False) -> None:
    """Release a draft revision; the one released before it is superseded."""
    run(db, as_json, lambda s, actor: service.release_document_revision(s, actor, number=number, revision=revision),
        lambda d: say(f"{d.document} rev {d.revision} released."))


@document_app.command("supersede")
def document_supersede(number: str, revision: str, reason: NeededReason, db: Db = None,
                       as_json: AsJson = False) -> None:
    """Withdraw a released revision."""
    r = parse(ReasonRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.supersede_document(s, actor, number=number, revision=revision,
                                                                 reason=r.reason),
        lambda d: say(f"{d.document} rev {d.revision} superseded."))


# ---------------------------------------------------------------- work centers, tools, qualifications

@center_app.command("list")
def center_list(db: Db = None, as_json: AsJson = False) -> None:
    """Every work center."""
    run(db, as_json, service.list_work_centers, lambda rows: out.print(table(
        "Work centers", ["Code", "Name", "Hours/day", "Stations", "Efficiency"],
        [[w.code, w.name, f"{w.hours_per_day:g}", w.stations, f"{w.efficiency:g}"] for w in rows])), write=False)


@center_app.command("add", context_settings=NUMBERS)
def center_add(code: str, name: Annotated[str, typer.Option(help="The work center's name.")],
               hours_per_day: Annotated[str, typer.Option(help="Available hours per day.")],
               stations: Annotated[str, typer.Option(help="Parallel stations.")] = "1",
               efficiency: Annotated[str, typer.Option(help="Above 0, at most 1.")] = "1",
               db: Db = None, as_json: AsJson = False) -> None:
    """Add a work center."""
    r = parse(WorkCenterIn, as_json, code=code, name=name, hours_per_day=hours_per_day, stations=stations,
              efficiency=efficiency)
    run(db, as_json, lambda s, actor: service.create_work_center(
        s, actor, code=r.code, name=r.name, hours_per_day=r.hours_per_day, stations=r.stations,
        efficiency=r.efficiency),
        lambda w: say(f"Work center {w.code} ({w.name}) added: {w.hours_per_day:g} h/day, {n(w.stations, 'station')}."))


def _tool_table(rows):
    return table("Tools and gauges", ["Code", "Kind", "Category", "Calibration due", "Certificate", "As found", "Active"],
                 [[t.code, t.kind, t.category, t.calibration_due, t.certificate, t.as_found, "yes" if t.active else "no"]
                  for t in rows])


@tool_app.command("list")
def tool_list(category: Annotated[str | None, typer.Option(help="production, temporary or gauge.")] = None,
              due_within: Annotated[int | None, typer.Option(help="Only those due for calibration within N days.")]
              = None, db: Db = None, as_json: AsJson = False) -> None:
    """Tools and gauges with their calibration due dates."""
    run(db, as_json, lambda s, actor: service.list_tools(s, actor, category=category, due_within=due_within),
        lambda rows: out.print(_tool_table(rows)), write=False)


@tool_app.command("add")
def tool_add(code: str, kind: Annotated[str, typer.Option(help="The kind an operation asks for (a gauge's: cmm, "
                                                                "micrometer, …).")],
             category: Annotated[str, typer.Option(help="production, temporary or gauge.")] = "production",
             description: Annotated[str | None, typer.Option(help="What it is.")] = None,
             due: Annotated[str | None, typer.Option(help="Calibration due, like 2027-06-30.")] = None,
             certificate: Annotated[str | None, typer.Option(help="The calibration certificate.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """Add a tool or gauge (with its calibration when it has one)."""
    r = parse(ToolIn, as_json, code=code, kind=kind, category=category, description=description,
              calibration_due=due, certificate=certificate)
    run(db, as_json, lambda s, actor: service.create_tool(
        s, actor, code=r.code, kind=r.kind, description=r.description or "", category=r.category,
        calibration_due=r.calibration_due, certificate=r.certificate),
        lambda t: say(f"{t.category.capitalize()} {t.code} ({t.kind}) added"
                      + (f", calibration due {t.calibration_due}." if t.calibration_due else ".")))


@tool_app.command("calibrate")
def tool_calibrate(code: str, due: Annotated[str, typer.Option(help="The next calibration's date, like 2027-06-30.")],
                   certificate: Annotated[str, typer.Option(help="The calibration certificate's reference.")],
                   as_found: Annotated[str | None, typer.Option(help="in or out (of tolerance before adjusting).")]
                   = None,
                   calibrated_on: Annotated[str | None, typer.Option(help="When (today unless given).")] = None,
                   db: Db = None, as_json: AsJson = False) -> None:
    """Record a calibration with its certificate; the newest sets the due date."""
    r = parse(CalibrationCreate, as_json, due=due, certificate=certificate, as_found=as_found,
              calibrated_on=calibrated_on)
    run(db, as_json, lambda s, actor: service.calibrate_tool(
        s, actor, code=code, due=r.due, certificate=r.certificate, as_found=r.as_found, calibrated_on=r.calibrated_on),
        lambda t: say(f"{t.code} calibrated on {t.calibrated_on} ({t.certificate}"
                      + (f", as found {t.as_found}" if t.as_found else "") + f"); next due {t.calibration_due}."))


@tool_app.command("calibrations")
def tool_calibrations(code: str, db: Db = None, as_json: AsJson = False) -> None:
    """A tool's calibration history, oldest first."""
    run(db, as_json, lambda s, actor: service.tool_calibrations(s, actor, code=code),
        lambda rows: out.print(table(f"Calibrations of {code}", ["Calibrated", "Due", "Certificate", "As found",
                                                                  "Recorded by"],
                                     [[c.calibrated_on, c.due, c.certificate, c.as_found, c.recorded_by]
                                      for c in rows])), write=False)


def _qualifications(rows):
    return table("Qualifications", ["Operator", "Skill", "Granted", "Expires", "Status", "Training"],
                 [[q.username, q.skill, q.granted_on, q.expires_on, q.status, q.training] for q in rows])


@qualification_app.command("grant")
def qualification_grant(username: str, skill: str,
                        expires: Annotated[str, typer.Option(help="The day it lapses, like 2027-06-30.")],
                        training: Annotated[str | None, typer.Option(help="The training record's reference.")] = None,
                        granted_on: Annotated[str | None, typer.Option(help="From (today unless given).")] = None,
                        db: Db = None, as_json: AsJson = False) -> None:
    """Qualify an operator for a skill (or renew the qualification)."""
    r = parse(QualificationGrant, as_json, username=username, skill=skill, expires=expires, training=training,
              granted_on=granted_on)
    run(db, as_json, lambda s, actor: service.grant_qualification(
        s, actor, username=r.username, skill=r.skill, granted_on=r.granted_on or date.today(),
        expires_on=r.expires, training=r.training),
        lambda q: say(f"{q.username} is qualified for {q.skill} until {q.expires_on}."))


@qualification_app.command("revoke")
def qualification_revoke(username: str, skill: str, reason: NeededReason, db: Db = None,
                         as_json: AsJson = False) -> None:
    """Withdraw an operator's qualification today."""
    r = parse(QualificationRevoke, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.revoke_qualification(s, actor, username=username, skill=skill,
                                                                   reason=r.reason),
        lambda q: say(f"{q.username}'s {q.skill} qualification is revoked from {q.revoked_on}."))


@qualification_app.command("list")
def qualification_list(user: Annotated[str | None, typer.Option(help="Only this operator's.")] = None,
                       skill: Annotated[str | None, typer.Option(help="Only this skill.")] = None,
                       expiring: Annotated[int | None, typer.Option(help="Only those lapsing within N days.")] = None,
                       db: Db = None, as_json: AsJson = False) -> None:
    """Qualifications, soonest to lapse first."""
    run(db, as_json, lambda s, actor: service.list_qualifications(s, actor, username=user, skill=skill,
                                                                  expiring_within=expiring),
        lambda rows: out.print(_qualifications(rows)), write=False)


@qualification_app.command("skills")
def qualification_skills(db: Db = None, as_json: AsJson = False) -> None:
    """Every skill: who holds it today and which operations need it."""
    run(db, as_json, service.list_skills, lambda rows: out.print(table(
        "Skills", ["Skill", "Qualified today", "Needed by"],
        [[s.skill, ", ".join(s.holders) or "nobody", "; ".join(s.operations)] for s in rows])), write=False)


# ---------------------------------------------------------------- routings

def _limits(lsl, usl, units) -> str:
    """'11.98 .. 12.02 mm', or one-sided '≥ 1.8 l/min' / '≤ 0.05 mm'."""
    if lsl is not None and usl is not None:
        text = f"{lsl:g} .. {usl:g}"
    else:
        text = f"≥ {lsl:g}" if lsl is not None else f"≤ {usl:g}" if usl is not None else "no limits"
    return f"{text} {units}" if units else text


def show_routing(r) -> None:
    say(f"{r.part} rev {r.part_revision} routing {r.revision} ({r.status})")
    for op in r.operations:
        say(f"  {op.sequence} {op.name} at {op.work_center}, {op.standard_minutes:g} min"
            + (f", {op.instruction}" if op.instruction else "") + (f", skill {op.skill}" if op.skill else "")
            + (f", tools: {', '.join(op.tool_kinds)}" if op.tool_kinds else ""))
        for c in op.characteristics:
            limits = "pass/fail" if c.kind == "attribute" else _limits(c.lsl, c.usl, c.units)
            say(f"      {c.code} {c.name}: {limits.strip()}" + (" KEY" if c.key else "")
                + (f", balloon {c.balloon}" if c.balloon else "") + (f", zone {c.drawing_zone}" if c.drawing_zone else "")
                + (f", gauge {c.gauge_kind}" if c.gauge_kind else ""))


@routing_app.command("list")
def routing_list(part: Annotated[str | None, typer.Option(help="Only this part's.")] = None, db: Db = None,
                 as_json: AsJson = False) -> None:
    """Routings and their status."""
    run(db, as_json, lambda s, actor: service.list_routings(s, actor, part=part),
        lambda rows: out.print(table("Routings", ["Part", "Part rev", "Routing", "Status", "Operations"],
                                     [[r.part, r.part_revision, r.revision, r.status, r.operations] for r in rows])),
        write=False)


@routing_app.command("show")
def routing_show(part: str, part_revision: str, revision: str, db: Db = None, as_json: AsJson = False) -> None:
    """A routing with its operations and characteristics."""
    run(db, as_json, lambda s, actor: service.routing_detail(s, actor, part=part, part_revision=part_revision,
                                                             revision=revision), show_routing, write=False)


@routing_app.command("create")
def routing_create(part: str, part_revision: str, revision: str, db: Db = None, as_json: AsJson = False) -> None:
    """Draft an empty routing for a part revision."""
    r = parse(RoutingCreate, as_json, revision=revision)
    run(db, as_json, lambda s, actor: service.create_routing(s, actor, part=part, part_revision=part_revision,
                                                            revision=r.revision),
        lambda x: say(f"Routing {x.revision} of {x.part} rev {x.part_revision} drafted: add its operations."))


@routing_app.command("add-operation", context_settings=NUMBERS)
def routing_add_operation(part: str, part_revision: str, revision: str, sequence: str,
                          name: Annotated[str, typer.Option(help="What is done.")],
                          work_center: Annotated[str, typer.Option(help="Where.")],
                          minutes: Annotated[str, typer.Option(help="Standard minutes per unit.")],
                          instruction: Annotated[str | None, typer.Option(help="DOCUMENT:REVISION, like WI-310:A.")]
                          = None,
                          skill: Annotated[str | None, typer.Option(help="The qualification it needs.")] = None,
                          tool_kind: Annotated[list[str] | None, typer.Option(
                              "--tool-kind", help="A tool kind it needs (repeat).")] = None,
                          db: Db = None, as_json: AsJson = False) -> None:
    """Add an operation to a draft routing."""
    r = parse(OperationCreate, as_json, sequence=sequence, name=name, work_center=work_center,
              standard_minutes=minutes, instruction=instruction, skill=skill, tool_kinds=tool_kind or [])
    run(db, as_json, lambda s, actor: service.add_operation(s, actor, part=part, part_revision=part_revision,
                                                            revision=revision, operation=operation_spec(r)),
        show_routing)


@routing_app.command("remove-operation")
def routing_remove_operation(part: str, part_revision: str, revision: str, sequence: int, db: Db = None,
                             as_json: AsJson = False) -> None:
    """Take an operation off a draft routing."""
    run(db, as_json, lambda s, actor: service.remove_operation(s, actor, part=part, part_revision=part_revision,
                                                               revision=revision, sequence=sequence), show_routing)


@routing_app.command("add-characteristic", context_settings=NUMBERS)
def routing_add_characteristic(
        part: str, part_revision: str, revision: str, sequence: int, code: str,
        name: Annotated[str, typer.Option(help="What is measured or checked.")],
        kind: Annotated[str, typer.Option(help="variable or attribute (pass/fail).")] = "variable",
        nominal: Annotated[str | None, typer.Option()] = None,
        lsl: Annotated[str | None, typer.Option(help="Lower limit.")] = None,
        usl: Annotated[str | None, typer.Option(help="Upper limit.")] = None,
        units: Annotated[str | None, typer.Option()] = None,
        key: Annotated[bool, typer.Option("--key", help="A key characteristic.")] = False,
        balloon: Annotated[str | None, typer.Option(help="Its balloon number on the drawing.")] = None,
        zone: Annotated[str | None, typer.Option(help="Its drawing zone, like B4.")] = None,
        gauge_kind: Annotated[str | None, typer.Option(help="The kind of gauge that measures it.")] = None,
        db: Db = None, as_json: AsJson = False) -> None:
    """Add a characteristic to an operation of a draft routing."""
    r = parse(CharacteristicCreate, as_json, code=code, name=name, kind=kind, nominal=nominal, lsl=lsl, usl=usl,
              units=units, key=key, balloon=balloon, drawing_zone=zone, gauge_kind=gauge_kind)
    run(db, as_json, lambda s, actor: service.add_characteristic(
        s, actor, part=part, part_revision=part_revision, revision=revision, sequence=sequence,
        characteristic=characteristic_spec(r)), show_routing)


@routing_app.command("remove-characteristic")
def routing_remove_characteristic(part: str, part_revision: str, revision: str, code: str, db: Db = None,
                                  as_json: AsJson = False) -> None:
    """Take a characteristic off a draft routing."""
    run(db, as_json, lambda s, actor: service.remove_characteristic(s, actor, part=part, part_revision=part_revision,
                                                                    revision=revision, code=code), show_routing)


@routing_app.command("release")
def routing_release(part: str, part_revision: str, revision: str, reason: Reason = None, db: Db = None,
                    as_json: AsJson = False) -> None:
    """Release a complete draft routing; the one released before it is superseded."""
    r = parse(ReasonRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.release_routing_revision(
        s, actor, part=part, part_revision=part_revision, revision=revision, reason=r.reason),
        lambda x: say(f"Routing {x.revision} of {x.part} rev {x.part_revision} released."))


# ---------------------------------------------------------------- the product file

def show_report(r) -> None:
    for item in r.items:
        say(f"  {item.kind} {item.record}: {item.action}" + (f" ({item.detail})" if item.detail else ""))
    for note in r.notes:
        say(f"Note: {note}")
    say(f"{'Would make' if r.dry_run else 'Made'} {n(r.changes, 'change')}; {r.unchanged} unchanged"
        + (" (dry run: nothing was written)." if r.dry_run else "."))


@product_app.command("import")
def product_import(file: Path, dry_run: DryRun = False, db: Db = None, as_json: AsJson = False) -> None:
    """Import a product definition file (YAML or JSON): checked whole, then written; the same file again
    changes nothing. Images its instructions show are read from beside it."""
    data, lines = guarded(as_json, lambda: productfile.read(_read(file, as_json), file.name))
    files = _images_beside(file, productfile.image_names(data), as_json)
    run(db, as_json, lambda s, actor: product.import_product(s, actor, data, files, dry_run=dry_run, lines=lines),
        show_report)


@product_app.command("export")
def product_export(part: str, revision: Annotated[str | None, typer.Option(help="This revision, not the current.")]
                   = None,
                   output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the file here (its "
                                                                                      "images beside it).")] = None,
                   db: Db = None, as_json: AsJson = False) -> None:
    """Write a part revision as a product file (to standard output unless --output); its images go beside
    the file (or into the current directory). Importing it again changes nothing."""
    def show(e):
        text = productfile.dump(e.data)
        folder = output.parent if output else Path(".")
        for name, data in e.images.items():
            (folder / name).write_bytes(base64.b64decode(data))
        if output:
            output.write_text(text)
            say(f"Wrote {output} ({n(len(e.images), 'image')} beside it).")
        else:
            print(text, end="")
            if e.images:
                err.print(f"Images written to {folder.resolve()}: {', '.join(e.images)}", markup=False)

    run(db, as_json, lambda s, actor: product.export_product(s, actor, part=part, revision=revision), show,
        write=False)


@product_app.command("import-characteristics")
def product_import_characteristics(part: str, revision: str, routing: str, file: Path, dry_run: DryRun = False,
                                   db: Db = None, as_json: AsJson = False) -> None:
    """Import a characteristic accountability list (.xlsx or .csv: balloon, code, name, nominal, tolerances or
    limits, units, key, operation) into a routing."""
    if file.suffix.lower() not in (".xlsx", ".csv"):
        fail("sheet_invalid", [f"{file.name}: an .xlsx or a .csv file"], as_json, "invalid")
    data = _read(file, as_json)
    run(db, as_json, lambda s, actor: product.import_characteristics(
        s, actor, part=part, revision=revision, routing=routing, filename=file.name, data=data, dry_run=dry_run),
        show_report)


@product_app.command("import-bom")
def product_import_bom(part: str, revision: str, file: Path, dry_run: DryRun = False, db: Db = None,
                       as_json: AsJson = False) -> None:
    """Import a BOM exported from PLM (.xlsx or .csv: part, quantity, operation; description and tracking
    create parts not yet known) as the whole BOM of a part revision."""
    if file.suffix.lower() not in (".xlsx", ".csv"):
        fail("sheet_invalid", [f"{file.name}: an .xlsx or a .csv file"], as_json, "invalid")
    data = _read(file, as_json)
    run(db, as_json, lambda s, actor: product.import_bom(s, actor, part=part, revision=revision, filename=file.name,
                                                         data=data, dry_run=dry_run), show_report)
