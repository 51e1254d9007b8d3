"""`lrip ncr …`, `lrip capa …` and `lrip disposition`: nonconformance reports, MRB and corrective actions,
as whoever is signed in."""
from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from lrip.db import utcnow
from lrip.fields import identifier
from lrip.nonconformance import capa, codes, mrb, ncr, rules, scar
from lrip.nonconformance.schemas import (CapaActionCreate, CapaActionDone, CapaClose, CapaOpen, CapaUpdate,
                                         CloseRequest, DefectCodeAdd, DefectCodeChange, NcrDispositionRequest,
                                         NcrRaise, ReviewRequest, ScarRaise, ScarResponse, ScarVerification,
                                         UnitDispositionRequest)
from lrip.terminal import AsJson, Db, fail, out, parse, password, run, say, table

ncr_app = typer.Typer(no_args_is_help=True, help="Nonconformance reports and MRB dispositions.")
capa_app = typer.Typer(no_args_is_help=True, help="Corrective and preventive actions (8D).")
code_app = typer.Typer(no_args_is_help=True, help="The defect-code catalogue (quality engineers change it).")
scar_app = typer.Typer(no_args_is_help=True, help="Supplier corrective action requests.")
ncr_app.add_typer(code_app, name="code")
Reason = Annotated[str, typer.Option("--reason", help="Why: this goes in the record.")]
Quantity = Annotated[str | None, typer.Option("--qty", help="How many (default: all still to disposition).")]
ReworkTo = Annotated[str | None, typer.Option("--to", help="For rework: the operation to return to.")]
Program = Annotated[str | None, typer.Option(help="Only this program's.")]
Units = Annotated[list[str] | None, typer.Option("--unit", help="On a material lot: a contained unit it decides "
                                                               "(repeat).")]
Contained = Annotated[bool, typer.Option("--contained", help="On a material lot: every contained unit still held.")]


def register(app: typer.Typer) -> None:
    """Add `lrip ncr`, `lrip capa`, `lrip scar` and `lrip disposition` to the main command."""
    app.add_typer(ncr_app, name="ncr")
    app.add_typer(capa_app, name="capa")
    app.add_typer(scar_app, name="scar")
    app.command()(disposition)


def _at(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else ""


def _identifier(value: str, as_json: bool, what: str = "a number") -> str:
    """An NCR or CAPA number or a serial, checked as the API checks its path."""
    try:
        return identifier(value, what)
    except ValueError as exc:
        fail("invalid_input", [str(exc)], as_json, "invalid")


def _number(number: str, as_json: bool) -> str:
    return _identifier(number, as_json)


# ---------------------------------------------------------------- NCRs

def _show_ncr(d) -> None:
    where = (f" at operation {d.operation}" + (f" ({d.operation_name})" if d.operation_name else "")
             if d.operation is not None else "")
    say(f"{d.number} {d.status.replace('_', ' ').upper()}  {d.severity} {d.defect_code}  {d.subject_label}{where}  "
        f"qty {d.quantity:g}" + (f"  supplier {d.supplier}" if d.supplier else "")
        + (f"  RECURRING → {d.capa}" if d.recurring else f"  CAPA {d.capa}" if d.capa else ""))
    say(f"  {d.description}")
    say(f"  opened {_at(d.opened_at)} by {d.opened_by}, {d.age_days:g} days"
        + (f"; closed {_at(d.closed_at)} by {d.closed_by}" if d.closed_at else ""))
    if d.contained:
        held = [c for c in d.contained if c.held]
        say(f"  contained: {len(d.contained)} unit(s) built from {d.material_lot}, {len(held)} still on hold: "
            + ", ".join(f"{c.serial} ({c.status.replace('_', ' ')}"
                        + (f", {c.disposition.replace('_', ' ')})" if c.disposition else ")") for c in d.contained))
    p = d.proposal
    if p:
        say(f"  under MRB review: {p.action} ×{p.quantity:g}" + (f" of {', '.join(p.units)}" if p.units else "")
            + (f" back to operation {p.rework_to}" if p.rework_to else "") + f" — {p.reason}")
        for s in p.signatures:
            say(f"    signed {s.meaning} by {s.name} ({s.role}) {_at(s.signed_at)}"
                + ("" if s.valid else "  [void: the proposal changed]"))
        for m in p.missing:
            say(f"    still needs {m}")
    for t in d.dispositions:
        signed = ", ".join(f"{s.name} ({s.role})" for s in t.signatures)
        say(f"  dispositioned {t.action} ×{t.quantity:g}" + (f" of {', '.join(t.units)}" if t.units else "")
            + (f" to operation {t.rework_to}" if t.rework_to else "")
            + f" by {t.decided_by} {_at(t.decided_at)} — {t.reason}" + (f"; signed by {signed}" if signed else ""))
    for h in ([] if d.contained else d.holds):
        say(f"  hold on {h.serial}: " + ("OPEN" if h.open else f"released {_at(h.released_at)} ({h.disposition})"))
    for f in d.attachments:
        say(f"  file {f.filename} ({f.content_type}, {f.size:,} bytes, sha256 {f.sha256[:12]}…)")


@ncr_app.command("list")
def ncr_list(program: Program = None,
             status: Annotated[str | None, typer.Option(help="open, mrb_review, dispositioned or closed.")] = None,
             severity: Annotated[str | None, typer.Option(help="critical, major or minor.")] = None,
             supplier: Annotated[str | None, typer.Option(help="Only NCRs on this supplier's material.")] = None,
             serial: Annotated[str | None, typer.Option(help="Only this unit's NCRs.")] = None,
             lot: Annotated[str | None, typer.Option(help="Only this lot's NCRs (and its units').")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """List NCRs, newest first, with their age."""
    def show(page):
        out.print(table("NCRs", ["NCR", "Status", "Severity", "Defect", "On", "Op", "Qty", "Age (days)", "CAPA"],
                        [[r.number, r.status.replace("_", " "), r.severity, r.defect_code,
                          r.serial or (f"lot {r.lot}" if r.lot else r.material_lot), r.operation, f"{r.quantity:g}",
                          f"{r.age_days:g}", (r.capa or "") + (" ↻" if r.recurring else "")] for r in page.items]))

    run(db, as_json, lambda s, actor: ncr.list_ncrs(s, actor, program=program, status=status, severity=severity,
                                                    supplier=supplier, serial=serial, lot=lot), show, write=False)


@ncr_app.command("show")
def ncr_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """An NCR with its MRB review, signatures, disposition trail, holds and files."""
    number = _number(number, as_json)
    run(db, as_json, lambda s, actor: ncr.ncr_detail(s, actor, number=number), _show_ncr, write=False)


@ncr_app.command("raise")
def ncr_raise(description: Annotated[str, typer.Option(help="What is wrong, in words.")],
              severity: Annotated[str, typer.Option(help="critical, major or minor.")],
              serial: Annotated[str | None, typer.Option(help="The unit (it goes on hold).")] = None,
              lot: Annotated[str | None, typer.Option(help="A lot (no unit is held).")] = None,
              material_lot: Annotated[str | None, typer.Option(help="A material lot or receipt (quarantined).")] = None,
              defect_code: Annotated[str, typer.Option(help="From the catalogue: lrip ncr codes.")] = "OTHER",
              quantity: Annotated[str, typer.Option("--qty", help="How many are affected.")] = "1",
              operation: Annotated[str | None, typer.Option(help="Operation sequence or name.")] = None,
              characteristic: Annotated[str | None, typer.Option(help="Characteristic code.")] = None,
              db: Db = None, as_json: AsJson = False) -> None:
    """Raise an NCR by hand on a unit, a lot or a material lot."""
    request = parse(NcrRaise, as_json, description=description, severity=severity, defect_code=defect_code,
                    quantity=quantity, serial=serial, lot=lot, material_lot=material_lot, operation=operation,
                    characteristic=characteristic)
    run(db, as_json, lambda s, actor: ncr.raise_ncr(s, actor, **request.model_dump()), lambda d: say(
        f"Raised {d.number} on {d.subject_label}" + (" (now on hold)" if d.serial else "")
        + (f"; contained {len(d.contained)} unit(s) built from it, now on hold: "
           + ", ".join(c.serial for c in d.contained) if d.contained else "")
        + (f". Recurring defect: {d.capa} proposed." if d.recurring else ".")))


def _show_codes(rows) -> None:
    out.print(table("Defect codes", ["Code", "Meaning", "In use", "Added"],
                    [[c.code, c.meaning, "yes" if c.active else "retired",
                      f"{c.added_at:%Y-%m-%d} by {c.added_by}"] for c in rows]))


@ncr_app.command("codes")
def ncr_codes(retired: Annotated[bool, typer.Option("--retired", help="The retired codes too.")] = False,
              db: Db = None, as_json: AsJson = False) -> None:
    """The defect-code catalogue."""
    run(db, as_json, lambda s, actor: codes.defect_codes(s, actor, retired=retired), _show_codes, write=False)


@code_app.command("add")
def code_add(code: str, meaning: Annotated[str, typer.Option(help="What the code means.")],
             db: Db = None, as_json: AsJson = False) -> None:
    """Add a defect code to the catalogue (a quality engineer)."""
    request = parse(DefectCodeAdd, as_json, code=code, meaning=meaning)
    run(db, as_json, lambda s, actor: codes.add_defect_code(s, actor, **request.model_dump()),
        lambda c: say(f"Defect code {c.code} added: {c.meaning}."))


@code_app.command("change")
def code_change(code: str, reason: Reason,
                meaning: Annotated[str | None, typer.Option(help="What the code means now.")] = None,
                retire: Annotated[bool, typer.Option("--retire", help="No new NCR takes it.")] = False,
                reinstate: Annotated[bool, typer.Option("--reinstate", help="Take a retired code back.")] = False,
                db: Db = None, as_json: AsJson = False) -> None:
    """Change what a defect code means, retire it or take it back (a quality engineer; audited)."""
    if retire and reinstate:
        fail("defect_code_invalid", ["give --retire or --reinstate, not both"], as_json, "invalid")
    request = parse(DefectCodeChange, as_json, meaning=meaning, reason=reason,
                    active=False if retire else True if reinstate else None)
    code = _identifier(code, as_json, "a defect code")
    run(db, as_json, lambda s, actor: codes.change_defect_code(s, actor, code=code, **request.model_dump()),
        lambda c: say(f"Defect code {c.code}: {c.meaning} ({'in use' if c.active else 'retired'})."))


@ncr_app.command("review")
def ncr_review(number: str, action: Annotated[str, typer.Argument(
                   help="use_as_is, repair, rework, scrap or return_to_supplier")],
               reason: Reason, to: ReworkTo = None, quantity: Quantity = None, unit: Units = None,
               contained: Contained = False, db: Db = None, as_json: AsJson = False) -> None:
    """Put a disposition before the MRB; use-as-is and repair are then signed (lrip ncr sign). On a material
    lot, --unit or --contained put the units it contained before the MRB instead of the material."""
    number = _number(number, as_json)
    request = parse(ReviewRequest, as_json, action=action, reason=reason, rework_to=to, quantity=quantity,
                    units=unit or [], contained=contained)
    run(db, as_json, lambda s, actor: mrb.review(s, actor, number=number, **request.model_dump()), _show_ncr)


@ncr_app.command("sign")
def ncr_sign(number: str,
             role: Annotated[str | None, typer.Option(help="The role you sign in, if you hold several.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """Sign the disposition under MRB review as yourself (your password is asked again, or read from stdin)."""
    number = _number(number, as_json)
    secret = password("Your password, to sign: ")
    run(db, as_json, lambda s, actor: mrb.sign_disposition(s, actor, number=number, password=secret, role=role),
        lambda d: say(f"{d.name} signed {d.ncr} as {d.role} ({d.meaning}). "
                      + ("Still needs " + "; ".join(d.missing) + "." if d.missing else "Every signature is on it.")))


@ncr_app.command("disposition")
def ncr_disposition(number: str,
                    action: Annotated[str | None, typer.Argument(help="Default: the one under MRB review.")] = None,
                    reason: Annotated[str | None, typer.Option(help="Why (default: the reviewed one).")] = None,
                    to: ReworkTo = None, quantity: Quantity = None, unit: Units = None, contained: Contained = False,
                    db: Db = None, as_json: AsJson = False) -> None:
    """Decide the NCR; use-as-is and repair are refused until every signature is on them."""
    number = _number(number, as_json)
    request = parse(NcrDispositionRequest, as_json, action=action, reason=reason, rework_to=to, quantity=quantity,
                    units=unit or [], contained=contained)
    run(db, as_json, lambda s, actor: mrb.disposition(s, actor, number=number, **request.model_dump()),
        lambda d: say(f"{d.number} dispositioned {d.dispositions[-1].action}: now {d.status.replace('_', ' ')}"
                      + (f"; {d.serial} released from hold." if d.serial else
                         f"; {', '.join(d.dispositions[-1].units)} released from hold." if d.dispositions[-1].units
                         else ".")))


@ncr_app.command("close")
def ncr_close(number: str, reason: Annotated[str, typer.Option(help="How it was verified.")],
              db: Db = None, as_json: AsJson = False) -> None:
    """Close a dispositioned NCR once the disposition is verified done (a rework: the operation done again)."""
    number = _number(number, as_json)
    request = parse(CloseRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: mrb.close_ncr(s, actor, number=number, reason=request.reason),
        lambda d: say(f"{d.number} closed."))


@ncr_app.command("attach")
def ncr_attach(number: str, file: Path, db: Db = None, as_json: AsJson = False) -> None:
    """Keep a photo or file with the NCR (at most 2 MB)."""
    number = _number(number, as_json)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail("attachment_invalid", [f"cannot read {file}: {exc}"], as_json, "invalid")
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    run(db, as_json, lambda s, actor: ncr.attach(s, actor, number=number, filename=file.name, content_type=kind,
                                                 data=data),
        lambda f: say(f"Attached {f.filename} ({f.size:,} bytes) to {f.ncr}."))


@ncr_app.command("recurring")
def ncr_recurring(program: Program = None,
                  count: Annotated[int | None, typer.Option("--count", min=1, help="K (default 3).")] = None,
                  days: Annotated[int | None, typer.Option("--days", min=1, help="The window (default 30).")] = None,
                  db: Db = None, as_json: AsJson = False) -> None:
    """Defect codes seen K times or more at one operation in the last N days."""
    run(db, as_json, lambda s, actor: ncr.recurring_defects(s, actor, program=program, count=count, days=days),
        lambda rows: out.print(table("Recurring defects", ["Defect", "Operation", "NCRs", "Days"],
                                     [[r.defect_code, f"{r.operation} {r.operation_name}", r.ncrs, r.days]
                                      for r in rows])), write=False)


def disposition(serial: str, action: Annotated[str, typer.Argument(help="use_as_is, repair, rework or scrap")],
                reason: Reason, to: ReworkTo = None, db: Db = None, as_json: AsJson = False) -> None:
    """Disposition the NCR holding a unit (use as is, repair, rework to an operation, scrap), which releases
    its hold. Use-as-is and repair need the MRB's signatures first: lrip ncr review / lrip ncr sign."""
    serial = _identifier(serial, as_json, "a serial")
    request = parse(UnitDispositionRequest, as_json, action=action, reason=reason, rework_to=to)
    run(db, as_json, lambda s, actor: mrb.disposition_unit(s, actor, serial=serial, **request.model_dump()),
        lambda d: say(f"{d.serial} dispositioned {d.disposition} under {d.ncr}: now {d.status.replace('_', ' ')}."))


# ---------------------------------------------------------------- CAPA

SignRole = Annotated[str | None, typer.Option("--role", help="The role you sign in, if you hold several.")]


def _sample_password(changing: bool) -> str | None:
    """A change of the effectiveness sample is signed: the password, asked only then."""
    return password("Your password, to sign the change of the effectiveness sample: ") if changing else None


def _show_capa(d) -> None:
    say(f"{d.number} {d.status.upper()}: {d.title}  ({d.defect_code or 'no code'}"
        + (f" at operation {d.operation} {d.operation_name}" if d.operation else "") + ")")
    say(f"  NCRs: {', '.join(d.ncrs) or 'none'}")
    for f in rules.D_FIELDS:
        say(f"  {rules.D_WORDS[f]}: {getattr(d, f) or '—'}")
    for a in d.actions:
        say(f"  action {a.id} [{a.kind}] {a.description} — {a.owner}, due {a.due_on}"
            + (f", done {a.done_on}" if a.done_on else ", OPEN"))
    e = d.effectiveness
    if d.effectiveness_verified:
        say(f"  effectiveness verified {d.effectiveness_verified_at:%Y-%m-%d}: {d.effectiveness_note}")
    else:
        say(f"  effectiveness: {e.units_after} of {e.needed} units since the actions"
            + ("; ready to verify" if e.ready else "; " + "; ".join(e.reasons)))


@capa_app.command("list")
def capa_list(program: Program = None, db: Db = None, as_json: AsJson = False) -> None:
    """List CAPAs with their NCRs and whether their effect is verified."""
    run(db, as_json, lambda s, actor: capa.list_capas(s, actor, program=program), lambda rows: out.print(table(
        "CAPAs", ["CAPA", "Status", "Title", "NCRs", "Open actions", "Effective"],
        [[r.number, r.status, r.title, len(r.ncrs), r.actions_open, "verified" if r.effectiveness_verified else "—"]
         for r in rows])), write=False)


@capa_app.command("show")
def capa_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """A CAPA's 8D, actions and effectiveness check."""
    number = _number(number, as_json)
    run(db, as_json, lambda s, actor: capa.capa_detail(s, actor, number=number), _show_capa, write=False)


@capa_app.command("open")
def capa_open(title: Annotated[str, typer.Option(help="What the CAPA is about.")],
              ncr_: Annotated[list[str] | None, typer.Option("--ncr", help="An NCR it covers (repeat).")] = None,
              program: Annotated[str | None, typer.Option(help="The program (default: the NCRs').")] = None,
              units: Annotated[int, typer.Option("--units", help="Effectiveness: N units without recurrence.")] = 20,
              reason: Annotated[str | None, typer.Option(help="Why another sample than 20 units.")] = None,
              role: SignRole = None, db: Db = None, as_json: AsJson = False) -> None:
    """Open a CAPA by hand from one or more NCRs. Another effectiveness sample than the standard 20 units
    needs a reason and your quality signature (asks your password)."""
    request = parse(CapaOpen, as_json, title=title, ncrs=ncr_ or [], program=program, effectiveness_units=units,
                    reason=reason, password=_sample_password(units != rules.EFFECTIVENESS_UNITS), role=role)
    run(db, as_json, lambda s, actor: capa.open_capa(s, actor, **request.model_dump()), _show_capa)


@capa_app.command("update")
def capa_update(number: str,
                d1: Annotated[str | None, typer.Option("--d1", help="D1 team.")] = None,
                d2: Annotated[str | None, typer.Option("--d2", help="D2 problem description.")] = None,
                d3: Annotated[str | None, typer.Option("--d3", help="D3 containment.")] = None,
                d4: Annotated[str | None, typer.Option("--d4", help="D4 root cause.")] = None,
                d5: Annotated[str | None, typer.Option("--d5", help="D5 corrective action.")] = None,
                d6: Annotated[str | None, typer.Option("--d6", help="D6 implementation and validation.")] = None,
                d7: Annotated[str | None, typer.Option("--d7", help="D7 prevention.")] = None,
                d8: Annotated[str | None, typer.Option("--d8", help="D8 closure.")] = None,
                units: Annotated[int | None, typer.Option("--units", help="Effectiveness: N units.")] = None,
                reject: Annotated[bool, typer.Option("--reject", help="Turn a proposed CAPA down.")] = False,
                reason: Annotated[str | None, typer.Option(help="Why (needed to reject or to change --units).")]
                = None, role: SignRole = None, db: Db = None, as_json: AsJson = False) -> None:
    """Fill in the 8D; a proposed CAPA becomes open (or --reject turns it down). Changing --units (the
    effectiveness sample) needs a reason and your quality signature (asks your password)."""
    number = _number(number, as_json)
    request = parse(CapaUpdate, as_json, **dict(zip(rules.D_FIELDS, (d1, d2, d3, d4, d5, d6, d7, d8))),
                    effectiveness_units=units, status="rejected" if reject else None, reason=reason,
                    password=_sample_password(units is not None), role=role)
    fields = request.model_dump(exclude_none=True, exclude={"reason", "password", "role"})
    run(db, as_json, lambda s, actor: capa.update_capa(s, actor, number=number, fields=fields, reason=request.reason,
                                                       password=request.password, role=request.role), _show_capa)


@capa_app.command("action")
def capa_action(number: str, description: Annotated[str, typer.Option(help="What is to be done.")],
                owner: Annotated[str, typer.Option(help="Who does it (a user name).")],
                due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
                kind: Annotated[str, typer.Option(help="containment, corrective or preventive.")] = "corrective",
                db: Db = None, as_json: AsJson = False) -> None:
    """Add an action with its owner and due date."""
    number = _number(number, as_json)
    request = parse(CapaActionCreate, as_json, kind=kind, description=description, owner=owner, due_on=due)
    run(db, as_json, lambda s, actor: capa.add_action(s, actor, number=number, **request.model_dump()), _show_capa)


@capa_app.command("done")
def capa_done(number: str, action_id: int,
              on: Annotated[str | None, typer.Option("--on", help="Done on, YYYY-MM-DD (default today).")] = None,
              note: Annotated[str | None, typer.Option()] = None, db: Db = None, as_json: AsJson = False) -> None:
    """Mark an action done."""
    number = _number(number, as_json)
    request = parse(CapaActionDone, as_json, done_on=on or utcnow().date().isoformat(), note=note)
    run(db, as_json, lambda s, actor: capa.complete_action(s, actor, number=number, action_id=action_id,
                                                           done_on=request.done_on, note=request.note), _show_capa)


@capa_app.command("verify")
def capa_verify(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """Check the effect: no recurrence at the operation over the next N units after the actions."""
    number = _number(number, as_json)
    run(db, as_json, lambda s, actor: capa.verify_effectiveness(s, actor, number=number),
        lambda d: say(f"{number} effectiveness verified: {d.note}."))


@capa_app.command("close")
def capa_close(number: str, reason: Reason,
               waive: Annotated[bool, typer.Option("--same-day-waiver", help="It opened today: close it under a "
                                                                              "quality waiver you sign.")] = False,
               role: SignRole = None, db: Db = None, as_json: AsJson = False) -> None:
    """Close a CAPA: every D filled in, the effect verified, its NCRs closed. On the day it opened, only
    under a quality waiver (--same-day-waiver; asks your password)."""
    number = _number(number, as_json)
    request = parse(CapaClose, as_json, reason=reason, same_day_waiver=waive,
                    password=password("Your password, to sign the waiver: ") if waive else None, role=role)
    run(db, as_json, lambda s, actor: capa.close_capa(s, actor, number=number, **request.model_dump()),
        lambda d: say(f"{d.number} closed" + (f": {d.same_day_waiver}." if d.same_day_waiver else ".")))


# ---------------------------------------------------------------- SCAR

def _show_scar(d) -> None:
    say(f"{d.number} {d.status.upper()}  supplier {d.supplier} ({d.supplier_name})  from {d.ncr}"
        + (f" on {d.material_lot}" if d.material_lot else "") + f"  round {d.round}")
    say(f"  asked {_at(d.raised_at)} by {d.raised_by}: {d.request}")
    say(f"  response due {d.due_on}" + ("  OVERDUE" if d.overdue else ""))
    if d.response:
        say(f"  response received {d.responded_on} (recorded by {d.response_recorded_by}): {d.response}")
    if d.verification:
        say(f"  verified {_at(d.verified_at)} by {d.verified_by}: {d.verification}")


@scar_app.command("list")
def scar_list(supplier: Annotated[str | None, typer.Option(help="Only this supplier's.")] = None,
              status: Annotated[str | None, typer.Option(help="open, responded or closed.")] = None,
              db: Db = None, as_json: AsJson = False) -> None:
    """SCARs, newest first, with the supplier's response due date and whether it is overdue."""
    run(db, as_json, lambda s, actor: scar.list_scars(s, actor, supplier=supplier, status=status),
        lambda rows: out.print(table("SCARs", ["SCAR", "Status", "Supplier", "NCR", "Due", "Round", "Overdue"],
                                     [[r.number, r.status, r.supplier, r.ncr, r.due_on, r.round,
                                       "OVERDUE" if r.overdue else ""] for r in rows])), write=False)


@scar_app.command("show")
def scar_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """A SCAR with its NCR, the supplier's response and its verification."""
    number = _number(number, as_json)
    run(db, as_json, lambda s, actor: scar.scar_detail(s, actor, number=number), _show_scar, write=False)


@scar_app.command("raise")
def scar_raise(ncr_number: Annotated[str, typer.Argument(metavar="NCR", help="The NCR against the supplier.")],
               request: Annotated[str, typer.Option(help="What the supplier is asked to find and correct.")],
               due: Annotated[str, typer.Option(help="When their response is due, YYYY-MM-DD.")],
               db: Db = None, as_json: AsJson = False) -> None:
    """Ask the supplier of an NCR's material for its corrective action."""
    request_ = parse(ScarRaise, as_json, ncr=ncr_number, request=request, due_on=due)
    run(db, as_json, lambda s, actor: scar.raise_scar(s, actor, **request_.model_dump()), _show_scar)


@scar_app.command("respond")
def scar_respond(number: str, response: Annotated[str, typer.Option(help="The supplier's response as given.")],
                 on: Annotated[str | None, typer.Option("--on", help="Received on, YYYY-MM-DD (default today).")] = None,
                 db: Db = None, as_json: AsJson = False) -> None:
    """Record the supplier's response."""
    number = _number(number, as_json)
    request = parse(ScarResponse, as_json, response=response, responded_on=on)
    run(db, as_json, lambda s, actor: scar.record_response(s, actor, number=number, **request.model_dump()),
        _show_scar)


@scar_app.command("verify")
def scar_verify(number: str, note: Annotated[str, typer.Option("--note", help="How the effect was checked.")],
                effective: Annotated[bool, typer.Option("--effective/--not-effective",
                                                        help="Closes it, or sends it back.")] = True,
                due: Annotated[str | None, typer.Option(help="Not effective: the new due date.")] = None,
                db: Db = None, as_json: AsJson = False) -> None:
    """Verify the response: effective closes the SCAR; not effective sends it back with a new due date."""
    number = _number(number, as_json)
    request = parse(ScarVerification, as_json, effective=effective, verification=note, due_on=due)
    run(db, as_json, lambda s, actor: scar.verify_scar(s, actor, number=number, **request.model_dump()),
        _show_scar)
