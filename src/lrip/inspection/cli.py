"""`lrip inspection …` (plans, sampling state, lot results, what a unit must have measured) and `lrip fai …`
(first article inspection), as whoever is signed in."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.errors import Invalid
from lrip.fields import plain_number
from lrip.inspection import export, first_article, plans
from lrip.inspection.schemas import DeltaFaiIn, FaiCreate, FaiSign, LotResultIn, PlanSet, Reasoned, pairs
from lrip.terminal import AsJson, Db, fail, out, parse, password, run, say, table

inspection_app = typer.Typer(no_args_is_help=True, help="Inspection plans, Z1.4 sampling state and lot results.")
plan_app = typer.Typer(no_args_is_help=True, help="An operation's inspection plan.")
fai_app = typer.Typer(no_args_is_help=True, help="First article inspection (AS9102 Forms 1-3).")
inspection_app.add_typer(plan_app, name="plan")
Routing = Annotated[str | None, typer.Option("--routing", help="Routing revision (default: the program's current).")]


def register(app: typer.Typer) -> None:
    """Add `lrip inspection` and `lrip fai` to the main command."""
    app.add_typer(inspection_app, name="inspection")
    app.add_typer(fai_app, name="fai")


def _at(at) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else ""


# ---------------------------------------------------------------- plans and state

def _show_plan(p) -> None:
    say(f"Inspection plan, {p.part} rev {p.part_revision} routing {p.routing}, operation {p.operation} {p.name} "
        f"({'set' if p.stored else 'default from the routing'}): level {p.level}, AQL major {p.aql['major']:g}, "
        f"minor {p.aql['minor']:g}; sampling {p.state.severity}.")
    out.print(table("Characteristics", ["Code", "Name", "Kind", "Key", "Class", "In FRP"],
                    [[c.code, c.name, c.kind, "KC" if c.key else "", c.klass, c.frp] for c in p.characteristics]))
    for lot in p.open_lots:
        policy = "100% of characteristics" if lot.inspection == "all" else "key 100%, others sampled"
        say(f"Open lot {lot.lot} ({lot.phase.upper()}, {lot.lot_size} units, sampling seed {lot.seed}): {policy}.")
        for s in lot.samples:
            say(f"  {s.words}: units {', '.join(map(str, s.positions))}")


def _show_state(p) -> None:
    st = p.state
    approved = f"; reduced approved by {st.reduced_approved_by}" if st.reduced_approved_by else ""
    say(f"Operation {p.operation} {p.name}: {st.severity} inspection; {st.consecutive_accepted} consecutive lots "
        f"accepted; last lots on normal {''.join('A' if a else 'R' for a in st.recent_normal) or '-'}{approved}.")
    out.print(table("History", ["When", "What", "Lot", "Defectives", "Decision", "Severity", "Switch", "By"],
                    [[_at(h.at), h.kind.replace("_", " "), h.lot or "",
                      ", ".join(f"{k} {v}" for k, v in (h.defects or {}).items()),
                      "" if h.accepted is None else ("accept" if h.accepted else "reject")
                      + (" (resubmitted)" if h.resubmitted else ""),
                      f"{h.severity_before} → {h.severity_after}" if h.severity_before != h.severity_after
                      else h.severity_after, h.transition or h.note or "", h.actor] for h in p.history]))


@plan_app.command("show")
def plan_show(program: str, operation: str, routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """An operation's plan: class per characteristic, AQLs, level, and the samples of open lots."""
    run(db, as_json, lambda s, actor: plans.show_plan(s, actor, program=program, operation=operation,
                                                      routing=routing), _show_plan, write=False)


@plan_app.command("list")
def plan_list(program: str, routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """Every operation's plan in one table."""
    run(db, as_json, lambda s, actor: plans.list_plans(s, actor, program=program, routing=routing),
        lambda rows: out.print(table(
            f"Inspection plans, {program}", ["Op", "Name", "Plan", "Chars", "Critical", "Major", "Minor",
                                             "AQL maj/min", "Level", "Sampling", "Lot results"],
            [[r.operation, r.name, "set" if r.stored else "default", r.characteristics, r.classes["critical"],
              r.classes["major"], r.classes["minor"], f"{r.aql['major']:g}/{r.aql['minor']:g}", r.level,
              r.severity, r.lot_results] for r in rows])), write=False)


def _pairs(klass: list[str], aql: list[str], as_json: bool) -> tuple[dict, dict]:
    """--class CODE=major and --aql major=1.0, every bad one named."""
    parsed, bad = [], []
    for items, what, cast in ((klass, "CODE", str), (aql, "CLASS", plain_number)):
        try:
            parsed.append(pairs(items, what, cast))
        except Invalid as exc:
            bad += exc.reasons
    if bad:
        fail("invalid_pairs", bad, as_json, "invalid")
    return parsed[0], parsed[1]


@plan_app.command("set")
def plan_set(program: str, operation: str,
             klass: Annotated[list[str], typer.Option("--class", help="CODE=critical|major|minor (repeat).")] = [],
             aql: Annotated[list[str], typer.Option("--aql", help="major=1.0 or minor=2.5 (repeat).")] = [],
             level: Annotated[str | None, typer.Option(help="Z1.4 inspection level: I, II, III, S-1..S-4.")] = None,
             reason: Annotated[str | None, typer.Option(help="Why: this goes in the audit trail.")] = None,
             routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """Set classes, AQLs and level of an operation's plan (a quality engineer)."""
    classes, aqls = _pairs(klass, aql, as_json)
    request = parse(PlanSet, as_json, classes=classes, aql=aqls, level=level, reason=reason)
    run(db, as_json, lambda s, actor: plans.set_plan(s, actor, program=program, operation=operation, routing=routing,
                                                     **request.model_dump()), _show_plan)


@inspection_app.command("state")
def state(program: str, operation: str, routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """The plan's sampling state (normal, tightened, reduced, discontinued) and its history."""
    run(db, as_json, lambda s, actor: plans.show_plan(s, actor, program=program, operation=operation,
                                                      routing=routing), _show_state, write=False)


def _show_classes(r) -> None:
    say(f"Lot {r.lot} at operation {r.operation} {r.name}: {r.lot_size} units, samples drawn at random with the "
        f"lot's seed {r.seed}.")
    for c in r.classes:
        say(f"  {c.words}: units {', '.join(map(str, c.positions))}")
        say(f"    inspected {len(c.inspected)} of {c.sample_size}; defective {len(c.defective)}"
            + "".join(f"; {d.serial} (unit {d.position}): {', '.join(d.characteristics)}"
                      + (f" [{', '.join(d.ncrs)}]" if d.ncrs else "") for d in c.defective))


@inspection_app.command("lot-result")
def lot_result(lot: str, operation: str,
               confirm: Annotated[bool, typer.Option("--confirm", help="Record the result the records show.")] = False,
               major: Annotated[int | None, typer.Option(help="Your count of defective units in the major sample "
                                                              "(checked against the records).")] = None,
               minor: Annotated[int | None, typer.Option(help="Your count of defective units in the minor sample "
                                                              "(checked against the records).")] = None,
               resubmitted: Annotated[bool, typer.Option(help="The lot comes back after a rejection.")] = False,
               irregular: Annotated[bool, typer.Option(help="Production was irregular or delayed.")] = False,
               note: Annotated[str | None, typer.Option(help="A note for the history.")] = None,
               db: Db = None, as_json: AsJson = False) -> None:
    """A lot's result at an operation, counted from the unit records: shown, then recorded with --confirm
    (a count you give must agree with the records; a closed lot takes no result)."""
    defects = {k: v for k, v in (("major", major), ("minor", minor)) if v is not None} or None
    request = parse(LotResultIn, as_json, defects=defects, resubmitted=resubmitted, production_steady=not irregular,
                    note=note)
    if not confirm:
        def draft(r) -> None:
            _show_classes(r)
            if r.blocked_by:
                say("Cannot be recorded yet:")
                for reason in r.blocked_by:
                    say(f"  • {reason}")
            else:
                say(f"Result from the records: {r.decision.upper()}; " + "; ".join(r.words) + ".")
                say("To record it: the same command with --confirm.")

        run(db, as_json, lambda s, actor: plans.lot_result(s, actor, lot=lot, operation=operation,
                                                           resubmitted=resubmitted), draft, write=False)
        return

    def show(r) -> None:
        _show_classes(r)
        say(f"Recorded: {r.decision.upper()}{' (resubmitted)' if r.resubmitted else ''}; " + "; ".join(r.words) + ".")
        say(f"Sampling: {r.severity_before} → {r.severity_after}" + (f" ({r.transition})" if r.transition else "")
            + ".")

    run(db, as_json, lambda s, actor: plans.record_lot_result(s, actor, lot=lot, operation=operation,
                                                              **request.model_dump()), show)


@inspection_app.command("approve-reduced")
def approve_reduced(program: str, operation: str,
                    reason: Annotated[str, typer.Option(help="Why reduced is justified.")],
                    routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """Approve reduced inspection (Z1.4 8.3.3): it starts after 10 consecutive accepted lots."""
    request = parse(Reasoned, as_json, reason=reason)
    run(db, as_json, lambda s, actor: plans.approve_reduced(s, actor, program=program, operation=operation,
                                                            routing=routing, reason=request.reason), _show_state)


@inspection_app.command("corrective-action")
def corrective_action(program: str, operation: str,
                      reason: Annotated[str, typer.Option(help="The corrective action (and its CAPA number).")],
                      routing: Routing = None, db: Db = None, as_json: AsJson = False) -> None:
    """Resume discontinued sampling (Z1.4 8.4) on tightened inspection."""
    request = parse(Reasoned, as_json, reason=reason)
    run(db, as_json, lambda s, actor: plans.record_corrective_action(
        s, actor, program=program, operation=operation, routing=routing, reason=request.reason), _show_state)


@inspection_app.command("unit")
def unit(serial: str, db: Db = None, as_json: AsJson = False) -> None:
    """Which characteristics a unit must have measured, and why (phase policy, the lot's Z1.4 sample)."""
    run(db, as_json, lambda s, actor: plans.unit_inspection(s, actor, serial=serial), lambda d: out.print(table(
        f"{d.serial} (lot {d.lot}, {d.phase.upper()})", ["Op", "Characteristic", "Required", "Why"],
        [[op.sequence, c.code, "yes" if c.required else "no", c.why] for op in d.operations
         for c in op.characteristics])), write=False)


# ---------------------------------------------------------------- first article inspection

@fai_app.command("list")
def fai_list(program: Annotated[str | None, typer.Argument(help="A program code (default: all).")] = None,
             status: Annotated[str | None, typer.Option(help="open, complete or approved.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """First article inspections."""
    run(db, as_json, lambda s, actor: first_article.list_fais(s, actor, program=program, status=status),
        lambda rows: out.print(table(
            "First article inspections", ["FAI", "Serial", "Lot", "Configuration", "Kind", "Status", "Signatures",
                                          "Reason"],
            [[r.number, r.serial, r.lot, f"{r.part} rev {r.part_revision} / {r.routing}", r.kind, r.status,
              r.signatures, r.reason] for r in rows])), write=False)


def _show_fai(f) -> None:
    f1 = f.form1
    say(f"{f.number} {f.kind} FAI of {f1['part_number']} rev {f1['part_revision']} S/N {f1['serial']} "
        f"({f1['configuration']}) — {f.status}. Why: {f.reason}")
    out.print(table("Form 3", ["#", "Characteristic", "Requirement", "Result", "Tooling", "NCR"],
                    [[r["char_no"], f"{r['code']}{' (KC)' if r['key'] else ''}", r["requirement"],
                      (r["result"] + ("" if r["in_spec"] else " OUT OF SPEC")) if r["result"] else "no result",
                      ", ".join(r["tooling"]) + (f" (gauge {r['gauge']['code']} calibrated until "
                                                 f"{r['gauge']['calibration_due']})" if r.get("gauge") else ""),
                      r["ncr"] or ""] for r in f.form3]))
    for s in f.signatures:
        say(f"Signed {s.meaning} by {s.name} ({s.role}) at {_at(s.signed_at)}")
    for reason in f.blocked_by:
        say(f"  to complete: {reason}")


@fai_app.command("show")
def fai_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """An FAI's forms, signatures and what still blocks its completion."""
    run(db, as_json, lambda s, actor: first_article.fai_record(s, actor, number=number), _show_fai, write=False)


@fai_app.command("create")
def fai_create(serial: str,
               full: Annotated[bool, typer.Option("--full", help="A full FAI, whatever the unit owes.")] = False,
               partial: Annotated[bool, typer.Option("--partial", help="A partial FAI of --char ones.")] = False,
               char: Annotated[list[str], typer.Option("--char", help="A characteristic (repeat).")] = [],
               reason: Annotated[str | None, typer.Option(help="Why (default: what the policy owes).")] = None,
               db: Db = None, as_json: AsJson = False) -> None:
    """Open an FAI on a unit: by default the one its lot's policy owes (full on the first unit of a
    configuration, partial after a change or two years without production)."""
    if full and partial:
        fail("fai_invalid", ["give --full or --partial, not both"], as_json, "invalid")
    request = parse(FaiCreate, as_json, serial=serial, kind="full" if full else "partial" if partial else None,
                    characteristics=char, reason=reason)
    run(db, as_json, lambda s, actor: first_article.create_fai(s, actor, **request.model_dump()), _show_fai)


@fai_app.command("complete")
def fai_complete(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """Complete an FAI: refused, with every reason, until its forms are whole."""
    run(db, as_json, lambda s, actor: first_article.complete_fai(s, actor, number=number), _show_fai)


@fai_app.command("sign")
def fai_sign(number: str,
             meaning: Annotated[str, typer.Option(help="authored, reviewed, approved or verified.")] = "approved",
             role: Annotated[str | None, typer.Option(help="The role you sign in, if you hold several.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """E-sign a completed FAI as yourself; asks for your password again (or reads one line of standard input)."""
    request = parse(FaiSign, as_json, password=password("Your password, to sign: "), meaning=meaning, role=role)
    run(db, as_json, lambda s, actor: first_article.sign_fai(s, actor, number=number, **request.model_dump()),
        lambda r: say(f"{r.number} signed {r.meaning} by {r.signed_by} ({r.role}); now {r.status}."))


@fai_app.command("export")
def fai_export(number: str, pdf: Annotated[Path | None, typer.Option(help="Write Forms 1-3 as PDF here.")] = None,
               csv: Annotated[Path | None, typer.Option(help="Write Form 3 as CSV here.")] = None,
               db: Db = None, as_json: AsJson = False) -> None:
    """Export an FAI as PDF (Forms 1-3) and/or CSV (Form 3); --json prints the record exported."""
    if pdf is None and csv is None:
        fail("export_invalid", ["say where: --pdf FILE and/or --csv FILE"], as_json, "invalid")

    def work(s, actor):
        record = first_article.fai_record(s, actor, number=number)
        try:
            if pdf is not None:
                pdf.write_bytes(export.fai_pdf(record))
            if csv is not None:
                csv.write_text(export.form3_csv(record), encoding="utf-8")
        except OSError as exc:
            raise Invalid("export_invalid", f"cannot write the export: {exc}") from None
        return record

    run(db, as_json, work, lambda r: say(f"{r.number} ({r.status}) written to "
                                         + " and ".join(str(p) for p in (pdf, csv) if p is not None) + "."),
        write=False)


@fai_app.command("status")
def fai_status(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """Is every FAI the program's policies ask for done and approved? What is outstanding."""
    def show(d) -> None:
        say(f"{d.program} ({d.phase.upper()}, first article: {d.policy}): "
            + ("every required FAI is approved." if d.complete else f"{len(d.outstanding)} outstanding:"))
        for o in d.outstanding:
            say(f"  • {o.reason}")

    run(db, as_json, lambda s, actor: first_article.fai_status(s, actor, program=program), show, write=False)


@fai_app.command("require-delta")
def require_delta(part: str, part_revision: str,
                  char: Annotated[list[str], typer.Option("--char", help="A characteristic it touches (repeat).")],
                  reason: Annotated[str, typer.Option(help="The change.")], db: Db = None,
                  as_json: AsJson = False) -> None:
    """Owe a partial (delta) FAI on the next unit of a part revision (change control does this itself)."""
    request = parse(DeltaFaiIn, as_json, part=part, part_revision=part_revision, characteristics=char, reason=reason)
    run(db, as_json, lambda s, actor: first_article.owe_delta_fai(s, actor, **request.model_dump()),
        lambda r: say(f"A delta FAI of {', '.join(r.characteristics)} is owed on the next unit of {r.part} rev "
                      f"{r.part_revision}."))
