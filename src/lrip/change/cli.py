"""`lrip change …`, `lrip redline …` and `lrip lrip-quantity …`. Thin: parse, call one service
function, print. Signing asks for the signer's password again (from the terminal, or one line
of standard input)."""
from typing import Annotated

import typer

from lrip.auth.cli import actor, signing_password

change_app = typer.Typer(no_args_is_help=True, help="Change requests: raise, submit, sign, approve, implement.")
redline_app = typer.Typer(no_args_is_help=True, help="Redlines on a unit's instruction (prototype and pilot only).")
quantity_app = typer.Typer(no_args_is_help=True, help="The program's LRIP quantity, set by a signed approval.")

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", help="Database URL.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str, typer.Option("--by", help="Who does this (a user name); default: your login.")]
Reason = Annotated[str, typer.Option("--reason", help="Why: this goes in the audit trail.")]


def register(app: typer.Typer) -> None:
    """Add `lrip change`, `lrip redline` and `lrip lrip-quantity` to the main command."""
    app.add_typer(change_app, name="change")
    app.add_typer(redline_app, name="redline")
    app.add_typer(quantity_app, name="lrip-quantity")


def _show_row(d: dict) -> None:
    from lrip.cli import out

    out.print(f"{d['number']} {d['status']}: {d['title']} ({d['class']}, {d['urgency']}, "
              f"{d['effectivity'].replace('_', ' ')}"
              + (f" {d['effectivity_serial']}" if d.get("effectivity_serial") else "") + ")",
              markup=False, highlight=False)
    if d.get("missing_signatures"):
        out.print("Still to sign: " + "; ".join(d["missing_signatures"]), markup=False, highlight=False)


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
           by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Raise a change request (a draft)."""
    from lrip.change.service import change_detail, create_change
    from lrip.cli import run

    def work(s):
        attachments = [tuple((a.split(":", 1) + [""])[:2]) for a in attach]
        c = create_change(s, program=program, title=title, reason=reason, description=description,
                          change_class=change_class, urgency=urgency, effectivity=effectivity,
                          effectivity_serial=serial, items=item, actor=actor(by), attachments=attachments,
                          redlines=redline)
        return change_detail(s, c.number)
    run(db, as_json, work, _show_row)


@change_app.command("list")
def list_(program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
          status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """Change requests, oldest first."""
    from lrip.change.service import list_changes
    from lrip.cli import _table, out, run

    def show(rows):
        out.print(_table("Change requests", ["Number", "Status", "Class", "Urgency", "Effectivity", "Title",
                                             "Signatures"],
                         [[r["number"], r["status"], r["class"], r["urgency"], r["effectivity"].replace("_", " "),
                           r["title"], f"{r['signatures']} of {len(r['required_signatures'])}"] for r in rows]))
    run(db, as_json, lambda s: list_changes(s, program=program, status=status), show)


def _show_detail(d: dict) -> None:
    from lrip.cli import out

    def say(text: str) -> None:
        out.print(text, markup=False, highlight=False)

    _show_row(d)
    say(f"Items: {'; '.join(d['items'])}")
    imp = d["impact"]
    say(f"Impact ({'snapshot at submission' if d['impact_is_snapshot'] else 'as of now'}):")
    say("  open lots: " + (", ".join(f"{x['lot']} ({x['routing']})" for x in imp["open_lots"]) or "none"))
    say("  units reached: " + (", ".join(f"{u['serial']} (ops {', '.join(map(str, u['operations_ahead']))})"
                                         for u in imp["units"]) or "none"))
    say("  superseded: " + (", ".join(imp["superseded"]) or "nothing"))
    say("  characteristics: " + (", ".join(f"{c['code']} ({c['change']})" for c in imp["characteristics"]) or "none"))
    say(f"  delta FAI: {imp['delta_fai']['note']}")
    say("  open NCRs: " + (", ".join(f"{n['number']} ({n['severity']})" for n in imp["open_ncrs"]) or "none"))
    for s in d["signature_list"]:
        say(f"Signed {s['meaning']} by {s['name']} ({s['role']}) at {s['signed_at']}"
            + ("" if s["valid"] else " — NO LONGER MATCHES"))
    if d["implementation"]:
        done = d["implementation"]
        say("Implemented: released " + (", ".join(done["released"]) or "nothing")
            + "; superseded " + (", ".join(done["superseded"]) or "nothing"))
        for p in done["pending_supersession"]:
            say(f"  {p['document']} rev {p['revision']} stays in effect until {', '.join(p['until_lots_close'])} closes")


@change_app.command("show")
def show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """One change request: items, impact analysis, signatures, implementation, history."""
    from lrip.change.service import change_detail
    from lrip.cli import run

    run(db, as_json, lambda s: change_detail(s, number), _show_detail)


@change_app.command("submit")
def submit(number: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Submit for approval; the impact analysis is computed and kept with the request."""
    from lrip.change.service import change_detail, submit_change
    from lrip.cli import run

    run(db, as_json, lambda s: change_detail(s, submit_change(s, number=number, actor=actor(by)).number),
        _show_detail)


@change_app.command("sign")
def sign(number: str, by: By = "",
         role: Annotated[str | None, typer.Option(help="The role you sign in, if you hold several.")] = None,
         db: Db = None, as_json: AsJson = False) -> None:
    """Sign the approval of a change request (your password is asked again)."""
    from lrip.change.service import sign_change
    from lrip.cli import out, run

    who = actor(by)
    password = signing_password(who)

    def show_(d):
        out.print(f"Signed {number} as {who}. "
                  + ("Every signature is in: approve it." if not d["missing"]
                     else "Still to sign: " + "; ".join(d["missing"])), markup=False, highlight=False)
    run(db, as_json, lambda s: sign_change(s, number=number, username=who, password=password, role=role), show_)


@change_app.command("approve")
def approve(number: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Approve a change request that has every signature its phase asks for."""
    from lrip.change.service import approve_change, change_detail
    from lrip.cli import run

    run(db, as_json, lambda s: change_detail(s, approve_change(s, number=number, actor=actor(by)).number), _show_row)


@change_app.command("implement")
def implement(number: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Implement an approved change: release, supersede, move work in progress, ask for a delta FAI."""
    from lrip.change.service import change_detail, implement_change
    from lrip.cli import run

    run(db, as_json, lambda s: change_detail(s, implement_change(s, number=number, actor=actor(by)).number),
        _show_detail)


@change_app.command("reject")
def reject(number: str, reason: Reason, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Reject a submitted or approved change request."""
    from lrip.change.service import change_detail, reject_change
    from lrip.cli import run

    run(db, as_json, lambda s: change_detail(s, reject_change(s, number=number, actor=actor(by), reason=reason).number),
        _show_row)


@change_app.command("cancel")
def cancel(number: str, reason: Reason, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Cancel a draft or submitted change request."""
    from lrip.change.service import cancel_change, change_detail
    from lrip.cli import run

    run(db, as_json, lambda s: change_detail(s, cancel_change(s, number=number, actor=actor(by), reason=reason).number),
        _show_row)


@change_app.command("traffic")
def traffic(program: str, weeks: Annotated[int, typer.Option(min=1, max=520, help="How many weeks.")] = 12,
            db: Db = None, as_json: AsJson = False) -> None:
    """Change requests submitted per week, by class."""
    from lrip.change.service import change_traffic
    from lrip.cli import _table, out, run

    run(db, as_json, lambda s: change_traffic(s, program=program, weeks=weeks),
        lambda rows: out.print(_table(f"{program}: change traffic", ["Week of", "Major", "Minor"],
                                      [[r["week"], r["major"], r["minor"]] for r in rows])))


@redline_app.command("add")
def redline_add(serial: str, operation: str, markup: Annotated[str, typer.Option(help="What was marked up.")],
                by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Record a redline on the instruction of a unit's operation (prototype and pilot only)."""
    from lrip.change.service import record_redline, redline_row
    from lrip.cli import out, run

    run(db, as_json, lambda s: redline_row(record_redline(s, serial=serial, operation=operation, markup=markup,
                                                          actor=actor(by))),
        lambda d: out.print(f"Redline {d['number']} on {d['serial']} operation {d['operation']} "
                            f"({d['instruction']}).", markup=False, highlight=False))


@redline_app.command("list")
def redline_list(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """A program's redlines and the change requests that carry them."""
    from lrip.change.service import list_redlines
    from lrip.cli import _table, out, run

    run(db, as_json, lambda s: list_redlines(s, program=program),
        lambda rows: out.print(_table("Redlines", ["Number", "Serial", "Operation", "Instruction", "Markup", "Change"],
                                      [[r["number"], r["serial"], r["operation"], r["instruction"], r["markup"],
                                        r["change"]] for r in rows])))


@quantity_app.command("set")
def quantity_set(program: str, quantity: int,
                 rationale: Annotated[str | None, typer.Option(help="Required above 10% of the planned total.")]
                 = None,
                 by: By = "", role: Annotated[str | None, typer.Option(help="The role you sign in.")] = None,
                 db: Db = None, as_json: AsJson = False) -> None:
    """Set or raise the LRIP quantity: you sign the approval (your password is asked again)."""
    from lrip.change.service import lrip_quantity_approvals
    from lrip.cli import out, run
    from lrip.program.service import set_lrip_quantity

    who = actor(by)
    password = signing_password(who)

    def work(s):
        _, warnings = set_lrip_quantity(s, program=program, quantity=quantity, actor=who, rationale=rationale,
                                        password=password, role=role)
        return {**lrip_quantity_approvals(s, program=program)[-1], "warnings": warnings}

    def show_(d):
        out.print(f"{d['program']} LRIP quantity {d['quantity']} of {d['planned_total']} planned "
                  f"({d['percent_of_planned']:g}%), approved and signed by {d['signature']['name']}.",
                  markup=False, highlight=False)
        for w in d["warnings"]:
            out.print(f"Warning: {w}", markup=False, highlight=False)
    run(db, as_json, work, show_)


@quantity_app.command("approvals")
def quantity_approvals(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """Every signed LRIP quantity decision, with its rationale."""
    from lrip.change.service import lrip_quantity_approvals
    from lrip.cli import _table, out, run

    run(db, as_json, lambda s: lrip_quantity_approvals(s, program=program),
        lambda rows: out.print(_table("LRIP quantity approvals", ["Quantity", "Was", "% of plan", "Signed by",
                                                                  "At", "Rationale"],
                                      [[r["quantity"], r["previous"], r["percent_of_planned"],
                                        r["signature"]["name"] if r["signature"] else "", r["approved_at"][:16],
                                        r["rationale"]] for r in rows])))
