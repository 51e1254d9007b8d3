"""`lrip change …` and `lrip redline …`, as the signed-in person. Signing asks for your password again
(from the terminal, or one line of standard input)."""
from typing import Annotated

import typer

from lrip.change import service
from lrip.change.rules import ChangeStatus, ItemSpec
from lrip.change.schemas import ChangeCreate, ChangeDetail, ChangeRow, ReasonRequest, RedlineCreate, SignRequest
from lrip.terminal import AsJson, Db, out, parse, password, run, say, table

change_app = typer.Typer(no_args_is_help=True, help="Change requests: raise, submit, sign, approve, implement.")
redline_app = typer.Typer(no_args_is_help=True, help="Redlines on a unit's instruction (prototype and pilot only).")
Why = Annotated[str, typer.Option("--reason", help="Why: this goes in the audit trail.")]


def register(app: typer.Typer) -> None:
    """Add `lrip change` and `lrip redline` to the main command."""
    app.add_typer(change_app, name="change")
    app.add_typer(redline_app, name="redline")


AS_OF = {"now": "as of now", "submission": "snapshot at submission", "implementation": "as implemented"}


def _show_row(c: ChangeRow) -> None:
    serial = f" {c.effectivity_serial}" if c.effectivity_serial else ""
    say(f"{c.number} {c.status}: {c.title} ({c.class_}, {c.urgency}, {c.effectivity.replace('_', ' ')}{serial})")
    if c.missing_signatures:
        say("Still to sign: " + "; ".join(c.missing_signatures))


def _show_detail(c: ChangeDetail) -> None:
    _show_row(c)
    say(f"Items: {'; '.join(c.items)}")
    imp = c.impact
    say(f"Impact ({AS_OF[imp.as_of]}):")
    say("  open lots: " + ("; ".join(f"{x.lot} ({x.routing})" + (f": {', '.join(x.reaches)}" if x.reaches else "")
                                     for x in imp.open_lots) or "none"))
    say("  units reached: " + (", ".join(f"{u.serial} (ops {', '.join(map(str, u.operations_ahead))} ahead)"
                                         for u in imp.units if u.operations_ahead) or "none"))
    built = [u for u in imp.units if not u.operations_ahead]
    if built:
        say("  units built on it: " + ", ".join(u.serial + (f" ({'; '.join(u.contains)})" if u.contains else "")
                                                for u in built))
    say("  superseded: " + (", ".join(imp.superseded) or "nothing"))
    say("  characteristics: " + (", ".join(f"{ch.code} ({ch.change})" for ch in imp.characteristics) or "none"))
    say(f"  delta FAI: {imp.delta_fai.note}")
    say("  open NCRs: " + (", ".join(f"{n.number} ({n.severity})" for n in imp.open_ncrs) or "none"))
    for s in c.signature_list:
        say(f"Signed {s.meaning} by {s.name} ({s.role}) at {s.signed_at:%Y-%m-%d %H:%M} UTC"
            + ("" if s.valid else " — NO LONGER MATCHES"))
    if c.implementation:
        done = c.implementation
        say("Implemented: released " + (", ".join(done.released) or "nothing")
            + "; superseded " + (", ".join(done.superseded) or "nothing"))
        for words in done.configurations:
            say(f"  {words}")
        for p in done.pending_supersession:
            say(f"  {p.document} rev {p.revision} stays in effect until {', '.join(p.until_lots_close)} closes")


@change_app.command("create")
def create(program: str,
           title: Annotated[str, typer.Option(help="A short title.")],
           reason: Annotated[str, typer.Option(help="Why the change is needed.")],
           description: Annotated[str, typer.Option(help="What changes.")],
           item: Annotated[list[str], typer.Option("--item", help="KIND:IDENTIFIER[:FROM[:TO]], e.g. "
                                                   "document:WI-240:A:B, routing:EMA-200/A:1:2, part_revision:"
                                                   "HSG-200:A:B, bom:EMA-200:A:B, tool:TQ-201 (repeat).")],
           change_class: Annotated[str, typer.Option("--class", help="major or minor.")] = "minor",
           urgency: Annotated[str, typer.Option(help="normal or urgent.")] = "normal",
           effectivity: Annotated[str, typer.Option(help="next_lot, from_serial or immediate (urgent only).")]
           = "next_lot",
           serial: Annotated[str | None, typer.Option(help="The first serial, for from_serial.")] = None,
           attach: Annotated[list[str], typer.Option("--attach", help="A document as NUMBER:REV (repeat).")] = [],
           redline: Annotated[list[str], typer.Option("--redline", help="A redline this change carries.")] = [],
           db: Db = None, as_json: AsJson = False) -> None:
    """Raise a change request (a draft)."""
    r = parse(ChangeCreate, as_json, program=program, title=title, reason=reason, description=description,
              change_class=change_class, urgency=urgency, effectivity=effectivity, effectivity_serial=serial,
              items=item, attachments=attach, redlines=redline)
    run(db, as_json, lambda s, actor: service.create_change(
        s, actor, program=r.program, title=r.title, reason=r.reason, description=r.description,
        change_class=r.change_class, urgency=r.urgency, effectivity=r.effectivity,
        effectivity_serial=r.effectivity_serial,
        items=[ItemSpec(i.kind, i.identifier, i.from_revision, i.to_revision) for i in r.items],
        attachments=[(a.document, a.revision) for a in r.attachments], redlines=r.redlines), _show_row)


@change_app.command("list")
def list_(program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
          status: Annotated[ChangeStatus | None, typer.Option(help="Only this status.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """Change requests, oldest first."""
    def show(rows: list[ChangeRow]) -> None:
        out.print(table("Change requests", ["Number", "Status", "Class", "Urgency", "Effectivity", "Title",
                                            "Signatures"],
                        [[c.number, c.status, c.class_, c.urgency, c.effectivity.replace("_", " "), c.title,
                          f"{c.signatures} of {len(c.required_signatures)}"] for c in rows]))

    run(db, as_json, lambda s, actor: service.list_changes(s, actor, program=program, status=status), show,
        write=False)


@change_app.command("show")
def show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """One change request: items, impact analysis, signatures, implementation, history."""
    run(db, as_json, lambda s, actor: service.change_detail(s, actor, number=number), _show_detail, write=False)


@change_app.command("submit")
def submit(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """Submit for approval; the impact analysis is computed and kept with the request."""
    run(db, as_json, lambda s, actor: service.submit_change(s, actor, number=number), _show_detail)


@change_app.command("sign")
def sign(number: str, role: Annotated[str | None, typer.Option(help="The role you sign in, if you hold several.")]
         = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign the approval of a change request (your password is asked again)."""
    r = parse(SignRequest, as_json, password=password("Your password, to sign: "), role=role)

    def show_(d) -> None:
        say(f"Signed {d.number}. " + ("Every signature is in: approve it." if not d.missing
                                      else "Still to sign: " + "; ".join(d.missing)))

    run(db, as_json, lambda s, actor: service.sign_change(s, actor, number=number, password=r.password, role=r.role),
        show_)


@change_app.command("approve")
def approve(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """Approve a change request that has every signature its phase asks for."""
    run(db, as_json, lambda s, actor: service.approve_change(s, actor, number=number), _show_row)


@change_app.command("implement")
def implement(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """Implement an approved change: release, supersede, move work in progress, ask for a delta FAI."""
    run(db, as_json, lambda s, actor: service.implement_change(s, actor, number=number), _show_detail)


@change_app.command("reject")
def reject(number: str, reason: Why, db: Db = None, as_json: AsJson = False) -> None:
    """Reject a submitted or approved change request."""
    r = parse(ReasonRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.reject_change(s, actor, number=number, reason=r.reason), _show_row)


@change_app.command("cancel")
def cancel(number: str, reason: Why, db: Db = None, as_json: AsJson = False) -> None:
    """Cancel a draft or submitted change request."""
    r = parse(ReasonRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.cancel_change(s, actor, number=number, reason=r.reason), _show_row)


@change_app.command("traffic")
def traffic(program: str, weeks: Annotated[int, typer.Option(min=1, max=520, help="How many weeks.")] = 12,
            db: Db = None, as_json: AsJson = False) -> None:
    """Change requests per week, by class, each in the week of its latest step (submitted, approved, implemented)."""
    run(db, as_json, lambda s, actor: service.change_traffic(s, actor, program=program, weeks=weeks),
        lambda rows: out.print(table(f"{program}: change traffic", ["Week of", "Major", "Minor"],
                                     [[w.week, w.major, w.minor] for w in rows])), write=False)


@redline_app.command("add")
def redline_add(serial: str, operation: str, markup: Annotated[str, typer.Option(help="What was marked up.")],
                db: Db = None, as_json: AsJson = False) -> None:
    """Record a redline on the instruction of a unit's operation (prototype and pilot only)."""
    r = parse(RedlineCreate, as_json, operation=operation, markup=markup)
    run(db, as_json, lambda s, actor: service.record_redline(s, actor, serial=serial, operation=r.operation,
                                                             markup=r.markup),
        lambda d: say(f"Redline {d.number} on {d.serial} operation {d.operation} ({d.instruction})."))


@redline_app.command("list")
def redline_list(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """A program's redlines and the change requests that carry them."""
    run(db, as_json, lambda s, actor: service.list_redlines(s, actor, program=program),
        lambda rows: out.print(table("Redlines", ["Number", "Serial", "Operation", "Instruction", "Markup", "Change"],
                                     [[r.number, r.serial, r.operation, r.instruction, r.markup, r.change]
                                      for r in rows])), write=False)
