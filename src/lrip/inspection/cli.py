"""`lrip inspection …` (plans, sampling state, lot results) and `lrip fai …` (first article inspection).
Thin: each command calls one service function through lrip.cli.run (imported inside the
commands: lrip.cli imports this module to register it)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.auth.cli import actor, signing_password

inspection_app = typer.Typer(no_args_is_help=True, help="Inspection plans, Z1.4 sampling state and lot results.")
plan_app = typer.Typer(no_args_is_help=True, help="An operation's inspection plan.")
fai_app = typer.Typer(no_args_is_help=True, help="First article inspection (AS9102 Forms 1-3).")
inspection_app.add_typer(plan_app, name="plan")

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str, typer.Option("--by", help="Who does this (a user name); default: your login.")]
Routing = Annotated[str | None, typer.Option("--routing", help="Routing revision (default: the latest lot's).")]


def register(app: typer.Typer) -> None:
    """Add `lrip inspection` and `lrip fai` to the main command."""
    app.add_typer(inspection_app, name="inspection")
    app.add_typer(fai_app, name="fai")


def _print(text: str) -> None:
    from lrip.cli import out

    out.print(text, markup=False, highlight=False, soft_wrap=True)


# ---------------------------------------------------------------- plans and state


def _show_plan(p: dict) -> None:
    from lrip.cli import _table, out

    _print(f"Inspection plan, {p['part']} rev {p['part_revision']} routing {p['routing']}, operation "
           f"{p['operation']} {p['name']} ({'set' if p['stored'] else 'default from the routing'}): level "
           f"{p['level']}, AQL major {p['aql']['major']:g}, minor {p['aql']['minor']:g}; sampling "
           f"{p['state']['severity']}.")
    out.print(_table("Characteristics", ["Code", "Name", "Kind", "Key", "Class", "In FRP"],
                     [[c["code"], c["name"], c["kind"], "KC" if c["key"] else "", c["class"], c["frp"]]
                      for c in p["characteristics"]]))
    for lot in p["open_lots"]:
        policy = "100% of characteristics" if lot["inspection"] == "all" else "key 100%, others sampled"
        _print(f"Open lot {lot['lot']} ({lot['phase'].upper()}, {lot['lot_size']} units): {policy}.")
        for s in lot["samples"]:
            _print(f"  {s['words']}: units {', '.join(map(str, s['positions']))}")


def _show_state(p: dict) -> None:
    from lrip.cli import _table, out

    st = p["state"]
    approved = (f"; reduced approved by {st['reduced_approved_by']}" if st["reduced_approved_by"] else "")
    _print(f"Operation {p['operation']} {p['name']}: {st['severity']} inspection; "
           f"{st['consecutive_accepted']} consecutive lots accepted; last lots on normal "
           f"{''.join('A' if a else 'R' for a in st['recent_normal']) or '-'}{approved}.")
    out.print(_table("History", ["When", "What", "Lot", "Defectives", "Decision", "Severity", "Switch", "By"],
                     [[h["at"][:16].replace("T", " "), h["kind"].replace("_", " "), h["lot"] or "",
                       ", ".join(f"{k} {v}" for k, v in (h["defects"] or {}).items()),
                       "" if h["accepted"] is None else ("accept" if h["accepted"] else "reject")
                       + (" (resubmitted)" if h["resubmitted"] else ""),
                       f"{h['severity_before']} → {h['severity_after']}" if h["severity_before"] != h["severity_after"]
                       else h["severity_after"], h["transition"] or h["note"] or "", h["actor"]]
                      for h in p["history"]]))


@plan_app.command("show")
def plan_show(program: str, operation: str, routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """An operation's plan: class per characteristic, AQLs, level, and the samples of open lots."""
    from lrip.cli import run
    from lrip.inspection.service import show_plan

    run(db, as_json, lambda s: show_plan(s, program=program, operation=operation, routing=routing), _show_plan)


@plan_app.command("list")
def plan_list(program: str, routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """Every operation's plan in one table."""
    from lrip.cli import _table, out, run
    from lrip.inspection.service import list_plans

    run(db, as_json, lambda s: list_plans(s, program=program, routing=routing), lambda rows: out.print(_table(
        f"Inspection plans, {program}", ["Op", "Name", "Plan", "Chars", "Critical", "Major", "Minor", "AQL maj/min",
                                         "Level", "Sampling", "Lot results"],
        [[r["operation"], r["name"], "set" if r["stored"] else "default", r["characteristics"],
          r["classes"]["critical"], r["classes"]["major"], r["classes"]["minor"],
          f"{r['aql']['major']:g}/{r['aql']['minor']:g}", r["level"], r["severity"], r["lot_results"]]
         for r in rows])))


@plan_app.command("set")
def plan_set(program: str, operation: str,
             klass: Annotated[list[str], typer.Option("--class", help="CODE=critical|major|minor (repeat).")] = [],
             aql: Annotated[list[str], typer.Option("--aql", help="major=1.0 or minor=2.5 (repeat).")] = [],
             level: Annotated[str | None, typer.Option(help="Z1.4 inspection level: I, II, III, S-1..S-4.")] = None,
             reason: Annotated[str | None, typer.Option(help="Why: this goes in the audit trail.")] = None,
             routing: Routing = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Set classes, AQLs and level of an operation's plan (a quality engineer)."""
    from lrip.cli import run
    from lrip.errors import Invalid
    from lrip.inspection.service import parse_pairs, set_plan

    def work(s):
        parsed, bad = [], []
        for items, what, cast in ((klass, "CODE", str), (aql, "CLASS", float)):
            try:
                parsed.append(parse_pairs(items, what, cast))
            except Invalid as exc:
                bad += exc.reasons
        if bad:
            raise Invalid("invalid_pairs", bad)
        return set_plan(s, program=program, operation=operation, routing=routing, classes=parsed[0], aql=parsed[1],
                        level=level, reason=reason, actor=actor(by))

    run(db, as_json, work, _show_plan)


@inspection_app.command("state")
def state(program: str, operation: str, routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """The plan's sampling state (normal, tightened, reduced, discontinued) and its history."""
    from lrip.cli import run
    from lrip.inspection.service import show_plan

    run(db, as_json, lambda s: show_plan(s, program=program, operation=operation, routing=routing), _show_state)


@inspection_app.command("lot-result")
def lot_result(lot: str, operation: str,
               major: Annotated[int | None, typer.Option(help="Defective units in the major sample.")] = None,
               minor: Annotated[int | None, typer.Option(help="Defective units in the minor sample.")] = None,
               resubmitted: Annotated[bool, typer.Option(help="The lot comes back after a rejection.")] = False,
               irregular: Annotated[bool, typer.Option(help="Production was irregular or delayed.")] = False,
               note: Annotated[str | None, typer.Option(help="A note for the history.")] = None,
               by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Record a lot's result at an operation; defectives are counted from the records when not given."""
    from lrip.cli import run
    from lrip.inspection.service import record_lot_result

    defects = {k: v for k, v in (("major", major), ("minor", minor)) if v is not None} or None

    def show(r: dict) -> None:
        _print(f"Lot {r['lot']} at operation {r['operation']} {r['name']}: {r['decision'].upper()}"
               f"{' (resubmitted)' if r['resubmitted'] else ''}; " + "; ".join(r["words"]) + ".")
        _print(f"Sampling: {r['severity_before']} → {r['severity_after']}" + (f" ({r['transition']})"
                                                                              if r["transition"] else "") + ".")

    run(db, as_json, lambda s: record_lot_result(s, lot=lot, operation=operation, actor=actor(by), defects=defects,
                                                 resubmitted=resubmitted, production_steady=not irregular,
                                                 note=note), show)


@inspection_app.command("approve-reduced")
def approve_reduced(program: str, operation: str, reason: Annotated[str, typer.Option(help="Why reduced is justified.")],
                    routing: Routing = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Approve reduced inspection (Z1.4 8.3.3): it starts after 10 consecutive accepted lots."""
    from lrip.cli import run
    from lrip.inspection.service import approve_reduced as approve

    run(db, as_json, lambda s: approve(s, program=program, operation=operation, routing=routing, reason=reason,
                                       actor=actor(by)), _show_state)


@inspection_app.command("corrective-action")
def corrective_action(program: str, operation: str,
                      reason: Annotated[str, typer.Option(help="The corrective action (and its CAPA number).")],
                      routing: Routing = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Resume discontinued sampling (Z1.4 8.4) on tightened inspection."""
    from lrip.cli import run
    from lrip.inspection.service import record_corrective_action

    run(db, as_json, lambda s: record_corrective_action(s, program=program, operation=operation, routing=routing,
                                                        reason=reason, actor=actor(by)), _show_state)


@inspection_app.command("unit")
def unit(serial: str, db: Db = None, as_json: AsJson = False) -> None:
    """Which characteristics a unit must have measured, and why (phase policy, Z1.4 sample)."""
    from lrip.cli import _table, out, run
    from lrip.inspection.service import unit_inspection

    run(db, as_json, lambda s: unit_inspection(s, serial), lambda d: out.print(_table(
        f"{d['serial']} (lot {d['lot']}, {d['phase'].upper()})", ["Op", "Characteristic", "Required", "Why"],
        [[op["sequence"], c["code"], "yes" if c["required"] else "no", c["why"]]
         for op in d["operations"] for c in op["characteristics"]])))


# ---------------------------------------------------------------- first article inspection


def _fai_rows(rows: list[dict]) -> list[list]:
    return [[r["number"], r["serial"], r["lot"], f"{r['part']} rev {r['part_revision']} / {r['routing']}", r["kind"],
             r["status"], r["signatures"], r["reason"]] for r in rows]


FAI_COLUMNS = ["FAI", "Serial", "Lot", "Configuration", "Kind", "Status", "Signatures", "Reason"]


@fai_app.command("list")
def fai_list(program: Annotated[str | None, typer.Argument(help="A program code (default: all).")] = None,
             status: Annotated[str | None, typer.Option(help="open, complete or approved.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """First article inspections."""
    from lrip.cli import _table, out, run
    from lrip.inspection.service import list_fais

    run(db, as_json, lambda s: list_fais(s, program=program, status=status),
        lambda rows: out.print(_table("First article inspections", FAI_COLUMNS, _fai_rows(rows))))


def _show_fai(f: dict) -> None:
    from lrip.cli import _table, out

    f1 = f["form1"]
    _print(f"{f['number']} {f['kind']} FAI of {f1['part_number']} rev {f1['part_revision']} S/N {f1['serial']} "
           f"({f1['configuration']}) — {f['status']}. Why: {f['reason']}")
    out.print(_table("Form 3", ["#", "Characteristic", "Requirement", "Result", "Tooling", "NCR"],
                     [[r["char_no"], f"{r['code']}{' (KC)' if r['key'] else ''}", r["requirement"],
                       (r["result"] + ("" if r["in_spec"] else " OUT OF SPEC")) if r["result"] else "no result",
                       ", ".join(r["tooling"]), r["ncr"] or ""] for r in f["form3"]]))
    for s in f["signatures"]:
        _print(f"Signed {s['meaning']} by {s['name']} ({s['role']}) at {s['signed_at'][:19]}")
    for reason in f["blocked_by"]:
        _print(f"  to complete: {reason}")


@fai_app.command("show")
def fai_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """An FAI's forms, signatures and what still blocks its completion."""
    from lrip.cli import run
    from lrip.inspection.service import fai_record

    run(db, as_json, lambda s: fai_record(s, number), _show_fai)


@fai_app.command("create")
def fai_create(serial: str,
               full: Annotated[bool, typer.Option("--full", help="A full FAI, whatever the unit owes.")] = False,
               partial: Annotated[bool, typer.Option("--partial", help="A partial FAI of --char characteristics.")] = False,
               char: Annotated[list[str], typer.Option("--char", help="A characteristic (repeat).")] = [],
               reason: Annotated[str | None, typer.Option(help="Why (default: what the policy owes).")] = None,
               organization: Annotated[str | None, typer.Option(help="Organization name on Form 1.")] = None,
               by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Open an FAI on a unit: by default the one its lot's policy owes (full on the first unit of a
    configuration, partial after a change or two years without production)."""
    from lrip.cli import _fail, run
    from lrip.inspection.service import create_fai, fai_record

    if full and partial:
        _fail("fai_invalid", ["give --full or --partial, not both"], as_json, "invalid")
    kind = "full" if full else "partial" if partial else None
    run(db, as_json, lambda s: fai_record(s, create_fai(s, serial=serial, actor=actor(by), kind=kind,
                                                         characteristics=char, reason=reason,
                                                         organization=organization).number), _show_fai)


@fai_app.command("complete")
def fai_complete(number: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Complete an FAI: refused, with every reason, until its forms are whole."""
    from lrip.cli import run
    from lrip.inspection.service import complete_fai, fai_record

    def work(s):
        complete_fai(s, number=number, actor=actor(by))
        return fai_record(s, number)

    run(db, as_json, work, _show_fai)


@fai_app.command("sign")
def fai_sign(number: str,
             meaning: Annotated[str, typer.Option(help="authored, reviewed, approved or verified.")] = "approved",
             role: Annotated[str | None, typer.Option(help="The role you sign in, if you hold several.")] = None,
             by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """E-sign a completed FAI; asks for your password again (or reads one line of standard input)."""
    from lrip.cli import run
    from lrip.inspection.service import sign_fai

    password = signing_password(actor(by))
    run(db, as_json, lambda s: sign_fai(s, number=number, username=actor(by), password=password, meaning=meaning,
                                        role=role),
        lambda r: _print(f"{r['number']} signed {r['meaning']} by {r['signed_by']} ({r['role']}); now {r['status']}."))


@fai_app.command("export")
def fai_export(number: str, pdf: Annotated[Path | None, typer.Option(help="Write Forms 1-3 as PDF here.")] = None,
               csv: Annotated[Path | None, typer.Option(help="Write Form 3 as CSV here.")] = None,
               db: Db = None, as_json: AsJson = False) -> None:
    """Export an FAI as PDF (Forms 1-3) and/or CSV (Form 3)."""
    from lrip.cli import _fail, run
    from lrip.inspection import export
    from lrip.inspection.service import fai_record

    if pdf is None and csv is None:
        _fail("export_invalid", ["say where: --pdf FILE and/or --csv FILE"], as_json, "invalid")

    def work(s):
        record, written = fai_record(s, number), {}
        if pdf is not None:
            pdf.write_bytes(export.fai_pdf(record))
            written["pdf"] = str(pdf)
        if csv is not None:
            csv.write_text(export.form3_csv(record), encoding="utf-8")
            written["csv"] = str(csv)
        return {"number": number, "status": record["status"], **written}

    run(db, as_json, work, lambda r: _print(f"{r['number']} ({r['status']}) written to "
                                            + " and ".join(r[k] for k in ("pdf", "csv") if k in r) + "."))


@fai_app.command("status")
def fai_status(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """Is every FAI the program's policies ask for done and approved? What is outstanding."""
    from lrip.cli import run
    from lrip.inspection.service import fai_status as status

    def show(d: dict) -> None:
        _print(f"{d['program']} ({d['phase'].upper()}, first article: {d['policy']}): "
               + ("every required FAI is approved." if d["complete"] else f"{len(d['outstanding'])} outstanding:"))
        for o in d["outstanding"]:
            _print(f"  • {o['reason']}")

    run(db, as_json, lambda s: status(s, program=program), show)


@fai_app.command("require-delta")
def require_delta(part: str, part_revision: str,
                  char: Annotated[list[str], typer.Option("--char", help="A characteristic the change touches (repeat).")],
                  reason: Annotated[str, typer.Option(help="The change.")], by: By = "", db: Db = None,
                  as_json: AsJson = False) -> None:
    """Owe a partial (delta) FAI on the next unit of a part revision (change control does this itself)."""
    from lrip.cli import run
    from lrip.inspection.service import require_delta_fai

    run(db, as_json, lambda s: {"part": part, "part_revision": part_revision, "requirement": require_delta_fai(
        s, part=part, part_revision=part_revision, characteristics=char, reason=reason, actor=actor(by)).id,
        "characteristics": char, "reason": reason},
        lambda r: _print(f"A delta FAI of {', '.join(r['characteristics'])} is owed on the next unit of {part} rev "
                         f"{part_revision}."))
