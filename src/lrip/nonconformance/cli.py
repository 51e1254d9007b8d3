"""`lrip ncr …` and `lrip capa …`: nonconformance reports, MRB and corrective actions."""
from __future__ import annotations

import mimetypes
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from lrip.auth.cli import actor, signing_password

ncr_app = typer.Typer(no_args_is_help=True, help="Nonconformance reports and MRB dispositions.")
capa_app = typer.Typer(no_args_is_help=True, help="Corrective and preventive actions (8D).")

Db = Annotated[Optional[str], typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                           help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str, typer.Option("--by", help="Who does this (a user name); default: your login.")]
Reason = Annotated[str, typer.Option("--reason", help="Why: this goes in the record.")]


def register(app: typer.Typer) -> None:
    """Add `lrip ncr` and `lrip capa` to the main command."""
    app.add_typer(ncr_app, name="ncr")
    app.add_typer(capa_app, name="capa")


def _detail(session, number: str) -> dict:
    from lrip.nonconformance.service import ncr_detail
    return ncr_detail(session, number)


def _show_ncr(d: dict) -> None:
    from lrip.cli import out

    where = " at operation " + str(d["operation"]) + (f" ({d['operation_name']})" if d["operation_name"] else "") \
        if d["operation"] is not None else ""
    out.print(f"{d['number']} {d['status'].replace('_', ' ').upper()}  {d['severity']} {d['defect_code']}  "
              f"{d['subject_label']}{where}  qty {d['quantity']:g}"
              + (f"  supplier {d['supplier']}" if d["supplier"] else "")
              + (f"  RECURRING → {d['capa']}" if d["recurring"] else f"  CAPA {d['capa']}" if d["capa"] else ""),
              markup=False, highlight=False)
    out.print(f"  {d['description']}", markup=False, highlight=False)
    out.print(f"  opened {d['opened_at'][:16].replace('T', ' ')} by {d['opened_by']}, {d['age_days']:g} days"
              + (f"; closed {d['closed_at'][:16].replace('T', ' ')} by {d['closed_by']}" if d["closed_at"] else ""),
              highlight=False)
    p = d["proposal"]
    if p:
        out.print(f"  under MRB review: {p['action']} ×{p['quantity']:g}"
                  + (f" back to operation {p['rework_to']}" if p["rework_to"] else "") + f" — {p['reason']}",
                  markup=False, highlight=False)
        for s in p["signatures"]:
            out.print(f"    signed {s['meaning']} by {s['name']} ({s['role']}) {s['signed_at'][:16].replace('T', ' ')}"
                      + ("" if s["valid"] else "  [void: the proposal changed]"), markup=False, highlight=False)
        for m in p["missing"]:
            out.print(f"    still needs {m}", markup=False, highlight=False)
    for t in d["dispositions"]:
        signed = ", ".join(f"{s['name']} ({s['role']})" for s in t["signatures"])
        out.print(f"  dispositioned {t['action']} ×{t['quantity']:g}"
                  + (f" to operation {t['rework_to']}" if t["rework_to"] else "")
                  + f" by {t['decided_by']} {t['decided_at'][:16].replace('T', ' ')} — {t['reason']}"
                  + (f"; signed by {signed}" if signed else ""), markup=False, highlight=False)
    for f in d["attachments"]:
        out.print(f"  file {f['filename']} ({f['content_type']}, {f['size']:,} bytes, sha256 {f['sha256'][:12]}…)",
                  markup=False, highlight=False)


def _ncr_table(rows: list[dict]) -> None:
    from lrip.cli import _table, out

    out.print(_table("NCRs", ["NCR", "Status", "Severity", "Defect", "On", "Op", "Qty", "Age (days)", "CAPA"],
                     [[r["number"], r["status"].replace("_", " "), r["severity"], r["defect_code"],
                       r["serial"] or (f"lot {r['lot']}" if r["lot"] else r["material_lot"]), r["operation"],
                       f"{r['quantity']:g}", f"{r['age_days']:g}", (r["capa"] or "") + (" ↻" if r["recurring"] else "")]
                      for r in rows]))


@ncr_app.command("list")
def ncr_list(program: Annotated[Optional[str], typer.Option(help="Only this program's NCRs.")] = None,
             status: Annotated[Optional[str], typer.Option(help="open, mrb_review, dispositioned or closed.")] = None,
             severity: Annotated[Optional[str], typer.Option(help="critical, major or minor.")] = None,
             supplier: Annotated[Optional[str], typer.Option(help="Only NCRs on this supplier's material.")] = None,
             serial: Annotated[Optional[str], typer.Option(help="Only this unit's NCRs.")] = None,
             lot: Annotated[Optional[str], typer.Option(help="Only this lot's NCRs (and its units').")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """List NCRs, newest first, with their age."""
    from lrip.cli import run
    from lrip.nonconformance.service import list_ncrs

    run(db, as_json, lambda s: list_ncrs(s, program=program, status=status, severity=severity, supplier=supplier,
                                         serial=serial, lot=lot), _ncr_table)


@ncr_app.command("show")
def ncr_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """An NCR with its MRB review, signatures, disposition trail and files."""
    from lrip.cli import run

    run(db, as_json, lambda s: _detail(s, number), _show_ncr)


@ncr_app.command("raise")
def ncr_raise(description: Annotated[str, typer.Option(help="What is wrong, in words.")],
              severity: Annotated[str, typer.Option(help="critical, major or minor.")],
              serial: Annotated[Optional[str], typer.Option(help="The unit (it goes on hold).")] = None,
              lot: Annotated[Optional[str], typer.Option(help="A lot (no unit is held).")] = None,
              material_lot: Annotated[Optional[str], typer.Option(help="A material lot or receipt (quarantined).")] = None,
              defect_code: Annotated[str, typer.Option(help="From the catalogue: lrip ncr codes.")] = "OTHER",
              quantity: Annotated[float, typer.Option("--qty", help="How many are affected.")] = 1,
              operation: Annotated[Optional[str], typer.Option(help="Operation sequence or name.")] = None,
              characteristic: Annotated[Optional[str], typer.Option(help="Characteristic code.")] = None,
              by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Raise an NCR by hand on a unit, a lot or a material lot."""
    from lrip.cli import out, run
    from lrip.nonconformance.service import raise_ncr

    def work(s):
        ncr = raise_ncr(s, actor=actor(by), description=description, severity=severity, defect_code=defect_code,
                        quantity=quantity, serial=serial, lot=lot, material_lot=material_lot, operation=operation,
                        characteristic=characteristic)
        return _detail(s, ncr.number)

    run(db, as_json, work, lambda d: out.print(
        f"Raised {d['number']} on {d['subject_label']}" + (" (now on hold)" if d["serial"] else "")
        + (f". Recurring defect: {d['capa']} proposed." if d["recurring"] else "."), markup=False, highlight=False))


@ncr_app.command("codes")
def ncr_codes(db: Db = None, as_json: AsJson = False) -> None:
    """The defect-code catalogue (the same for every database)."""
    import json

    from lrip.cli import _table, out
    from lrip.nonconformance.rules import DEFECT_CODES

    if as_json:
        print(json.dumps(DEFECT_CODES, indent=2))
    else:
        out.print(_table("Defect codes", ["Code", "Meaning"], [[k, v] for k, v in DEFECT_CODES.items()]))


@ncr_app.command("review")
def ncr_review(number: str, action: Annotated[str, typer.Argument(
                   help="use_as_is, repair, rework, scrap or return_to_supplier")],
               reason: Reason,
               to: Annotated[Optional[str], typer.Option("--to", help="For rework: the operation to return to.")] = None,
               quantity: Annotated[Optional[float], typer.Option("--qty", help="Default: all still open.")] = None,
               by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Put a disposition before the MRB; use-as-is and repair are then signed (lrip ncr sign)."""
    from lrip.cli import run
    from lrip.nonconformance.service import review

    def work(s):
        review(s, number=number, actor=actor(by), action=action, reason=reason, quantity=quantity, rework_to=to)
        return _detail(s, number)

    run(db, as_json, work, _show_ncr)


@ncr_app.command("sign")
def ncr_sign(number: str, user: Annotated[str, typer.Option("--user", help="Who signs; the password is asked.")],
             role: Annotated[Optional[str], typer.Option(help="The role signed in, if the user holds several.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """Sign the disposition under MRB review (the password is asked again, or read from stdin)."""
    from lrip.cli import out, run
    from lrip.nonconformance.service import sign_disposition

    password = signing_password(user)
    run(db, as_json, lambda s: sign_disposition(s, number=number, username=user, password=password, role=role),
        lambda d: out.print(f"{d['name']} signed {number} as {d['role']} ({d['meaning']}). "
                            + ("Still needs " + "; ".join(d["missing"]) + "." if d["missing"]
                               else "Every signature is on it."), markup=False, highlight=False))


@ncr_app.command("disposition")
def ncr_disposition(number: str,
                    action: Annotated[Optional[str], typer.Argument(
                        help="Default: the one under MRB review.")] = None,
                    reason: Annotated[Optional[str], typer.Option(help="Why (default: the reviewed one).")] = None,
                    to: Annotated[Optional[str], typer.Option("--to", help="For rework: the operation.")] = None,
                    quantity: Annotated[Optional[float], typer.Option("--qty")] = None,
                    by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Decide the NCR; use-as-is and repair are refused until every signature is on them."""
    from lrip.cli import out, run
    from lrip.nonconformance.service import disposition

    def work(s):
        disposition(s, number=number, actor=actor(by), action=action, reason=reason, quantity=quantity, rework_to=to)
        return _detail(s, number)

    run(db, as_json, work, lambda d: out.print(
        f"{number} dispositioned {d['dispositions'][-1]['action']}: now {d['status']}"
        + (f"; {d['serial']} released from hold." if d["serial"] else "."), markup=False, highlight=False))


@ncr_app.command("close")
def ncr_close(number: str, reason: Annotated[str, typer.Option(help="How it was verified.")], by: By = "",
              db: Db = None, as_json: AsJson = False) -> None:
    """Close a dispositioned NCR once the disposition is verified done (a rework: the operation done again)."""
    from lrip.cli import out, run
    from lrip.nonconformance.service import close_ncr

    def work(s):
        close_ncr(s, number=number, actor=actor(by), reason=reason)
        return _detail(s, number)

    run(db, as_json, work, lambda d: out.print(f"{number} closed.", markup=False))


@ncr_app.command("attach")
def ncr_attach(number: str, file: Path, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Keep a photo or file with the NCR (at most 2 MB)."""
    from lrip.cli import _fail, out, run
    from lrip.nonconformance.service import attach

    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail("attachment_invalid", [f"cannot read {file}: {exc}"], as_json, "invalid")
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"

    def work(s):
        row = attach(s, number=number, actor=actor(by), filename=file.name, content_type=kind, data=data)
        return {"ncr": number, "id": row.id, "filename": row.filename, "content_type": kind, "size": row.size,
                "sha256": row.sha256}

    run(db, as_json, work, lambda d: out.print(f"Attached {d['filename']} ({d['size']:,} bytes) to {number}.",
                                               markup=False, highlight=False))


@ncr_app.command("recurring")
def ncr_recurring(program: Annotated[Optional[str], typer.Option()] = None,
                  count: Annotated[Optional[int], typer.Option("--count", help="K (default 3).")] = None,
                  days: Annotated[Optional[int], typer.Option("--days", help="The window (default 30).")] = None,
                  db: Db = None, as_json: AsJson = False) -> None:
    """Defect codes seen K times or more at one operation in the last N days."""
    from lrip.cli import _table, out, run
    from lrip.nonconformance.service import recurring_defects

    run(db, as_json, lambda s: recurring_defects(s, program=program, count=count, days=days),
        lambda rows: out.print(_table("Recurring defects", ["Defect", "Operation", "NCRs", "Days"],
                                      [[r["defect_code"], f"{r['operation']} {r['operation_name']}", r["ncrs"],
                                        r["days"]] for r in rows])))


# ---------------------------------------------------------------- CAPA

def _capa(session, number: str) -> dict:
    from lrip.nonconformance.service import capa_detail
    return capa_detail(session, number)


def _show_capa(d: dict) -> None:
    from lrip.cli import out
    from lrip.nonconformance.rules import D_FIELDS, D_WORDS

    out.print(f"{d['number']} {d['status'].upper()}: {d['title']}  ({d['defect_code'] or 'no code'}"
              + (f" at operation {d['operation']} {d['operation_name']}" if d["operation"] else "") + ")",
              markup=False, highlight=False)
    out.print(f"  NCRs: {', '.join(d['ncrs']) or 'none'}", markup=False, highlight=False)
    for f in D_FIELDS:
        out.print(f"  {D_WORDS[f]}: {d[f] or '—'}", markup=False, highlight=False)
    for a in d["actions"]:
        out.print(f"  action {a['id']} [{a['kind']}] {a['description']} — {a['owner']}, due {a['due_on']}"
                  + (f", done {a['done_on']}" if a["done_on"] else ", OPEN"), markup=False, highlight=False)
    e = d["effectiveness"]
    if d["effectiveness_verified"]:
        out.print(f"  effectiveness verified {d['effectiveness_verified_at'][:10]}: {d['effectiveness_note']}",
                  markup=False, highlight=False)
    else:
        out.print(f"  effectiveness: {e['units_after']} of {e['needed']} units since the actions"
                  + ("; ready to verify" if e["ready"] else "; " + "; ".join(e["reasons"])),
                  markup=False, highlight=False)


@capa_app.command("list")
def capa_list(program: Annotated[Optional[str], typer.Option()] = None, db: Db = None,
              as_json: AsJson = False) -> None:
    """List CAPAs with their NCRs and whether their effect is verified."""
    from lrip.cli import _table, out, run
    from lrip.nonconformance.service import list_capas

    run(db, as_json, lambda s: list_capas(s, program=program), lambda rows: out.print(_table(
        "CAPAs", ["CAPA", "Status", "Title", "NCRs", "Open actions", "Effective"],
        [[r["number"], r["status"], r["title"], len(r["ncrs"]), r["actions_open"],
          "verified" if r["effectiveness_verified"] else "—"] for r in rows])))


@capa_app.command("show")
def capa_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """A CAPA's 8D, actions and effectiveness check."""
    from lrip.cli import run

    run(db, as_json, lambda s: _capa(s, number), _show_capa)


@capa_app.command("open")
def capa_open(title: Annotated[str, typer.Option(help="What the CAPA is about.")],
              ncr: Annotated[Optional[list[str]], typer.Option("--ncr", help="An NCR it covers (repeat).")] = None,
              program: Annotated[Optional[str], typer.Option()] = None,
              units: Annotated[int, typer.Option("--units", help="Effectiveness: N units without recurrence.")] = 20,
              by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Open a CAPA by hand from one or more NCRs."""
    from lrip.cli import run
    from lrip.nonconformance.service import open_capa

    def work(s):
        capa = open_capa(s, actor=actor(by), title=title, ncrs=ncr or [], program=program, effectiveness_units=units)
        return _capa(s, capa.number)

    run(db, as_json, work, _show_capa)


@capa_app.command("update")
def capa_update(number: str,
                d1: Annotated[Optional[str], typer.Option("--d1", help="D1 team.")] = None,
                d2: Annotated[Optional[str], typer.Option("--d2", help="D2 problem description.")] = None,
                d3: Annotated[Optional[str], typer.Option("--d3", help="D3 containment.")] = None,
                d4: Annotated[Optional[str], typer.Option("--d4", help="D4 root cause.")] = None,
                d5: Annotated[Optional[str], typer.Option("--d5", help="D5 corrective action.")] = None,
                d6: Annotated[Optional[str], typer.Option("--d6", help="D6 implementation and validation.")] = None,
                d7: Annotated[Optional[str], typer.Option("--d7", help="D7 prevention.")] = None,
                d8: Annotated[Optional[str], typer.Option("--d8", help="D8 closure.")] = None,
                units: Annotated[Optional[int], typer.Option("--units", help="Effectiveness: N units.")] = None,
                reject: Annotated[bool, typer.Option("--reject", help="Turn a proposed CAPA down.")] = False,
                reason: Annotated[Optional[str], typer.Option(help="Why (needed to reject).")] = None,
                by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Fill in the 8D; a proposed CAPA becomes open (or --reject turns it down)."""
    from lrip.cli import run
    from lrip.nonconformance.rules import D_FIELDS
    from lrip.nonconformance.service import update_capa

    given = dict(zip(D_FIELDS, (d1, d2, d3, d4, d5, d6, d7, d8)))
    fields = {k: v for k, v in given.items() if v is not None}
    if units is not None:
        fields["effectiveness_units"] = units
    if reject:
        fields["status"] = "rejected"

    def work(s):
        update_capa(s, number=number, actor=actor(by), fields=fields, reason=reason)
        return _capa(s, number)

    run(db, as_json, work, _show_capa)


@capa_app.command("action")
def capa_action(number: str, description: Annotated[str, typer.Option(help="What is to be done.")],
                owner: Annotated[str, typer.Option(help="Who does it (a user name).")],
                due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
                kind: Annotated[str, typer.Option(help="containment, corrective or preventive.")] = "corrective",
                by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Add an action with its owner and due date."""
    from lrip.cli import run
    from lrip.nonconformance.service import add_action

    def work(s):
        add_action(s, number=number, actor=actor(by), kind=kind, description=description, owner=owner,
                   due_on=_date(due))
        return _capa(s, number)

    run(db, as_json, work, _show_capa)


@capa_app.command("done")
def capa_done(number: str, action_id: int, on: Annotated[Optional[str], typer.Option(
                  "--on", help="Done on, YYYY-MM-DD (default today).")] = None,
              note: Annotated[Optional[str], typer.Option()] = None,
              by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Mark an action done."""
    from lrip.cli import run
    from lrip.db import utcnow
    from lrip.nonconformance.service import complete_action

    def work(s):
        complete_action(s, number=number, action_id=action_id, actor=actor(by),
                        done_on=_date(on) if on else utcnow().date(), note=note)
        return _capa(s, number)

    run(db, as_json, work, _show_capa)


@capa_app.command("verify")
def capa_verify(number: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Check the effect: no recurrence at the operation over the next N units after the actions."""
    from lrip.cli import out, run
    from lrip.nonconformance.service import verify_effectiveness

    run(db, as_json, lambda s: verify_effectiveness(s, number=number, actor=actor(by)),
        lambda d: out.print(f"{number} effectiveness verified: {d['note']}.", markup=False, highlight=False))


@capa_app.command("close")
def capa_close(number: str, reason: Reason, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Close a CAPA: every D filled in, the effect verified, its NCRs closed."""
    from lrip.cli import out, run
    from lrip.nonconformance.service import close_capa

    def work(s):
        close_capa(s, number=number, actor=actor(by), reason=reason)
        return _capa(s, number)

    run(db, as_json, work, lambda d: out.print(f"{number} closed.", markup=False))


def _date(text: str) -> date:
    from lrip.errors import Invalid

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("date_invalid", f"'{text}' is not a date; write it like 2026-03-01") from None
