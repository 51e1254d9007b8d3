"""Setting up and running a program from the command line, as the signed-in program manager (and the
quality engineer who signs with them): `lrip program create|show|gate|sign-phase|phase`, `lrip policy
show|set|sign`, `lrip lot create|close`, `lrip plan set|import|show` and `lrip lrip-quantity set|approvals`.
Arguments parse through the program's request schemas, as the API's bodies do; signing asks for the
signer's password again (or reads one line of standard input)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.errors import Invalid
from lrip.program import service
from lrip.program.schemas import (LotClose, LotCreate, LripQuantitySet, PhaseChangeRequest, PhaseSignRequest,
                                  PlanWeek, PolicyChangeRequest, ProgramCreate, SignRequest, ramp_plan_from_csv)
from lrip.terminal import NUMBERS, AsJson, Db, fail, out, parse, password, run, say, table

program_app = typer.Typer(no_args_is_help=True, help="Programs: create one, see its phase gate, move its phase.")
policy_app = typer.Typer(no_args_is_help=True, help="Phase policies: see them, propose a change, sign one.")
lot_app = typer.Typer(no_args_is_help=True, help="Lots (work orders): create and close.")
plan_app = typer.Typer(no_args_is_help=True, help="The ramp plan: planned unit starts per week.")
quantity_app = typer.Typer(no_args_is_help=True, help="The program's LRIP quantity, set by a signed approval.")

Role = Annotated[str | None, typer.Option(help="The role you sign in, when you hold several.")]
Why = Annotated[str, typer.Option(help="Why: this goes in the audit trail.")]


def register(app: typer.Typer) -> None:
    app.add_typer(program_app, name="program")
    app.add_typer(policy_app, name="policy")
    app.add_typer(lot_app, name="lot")
    app.add_typer(plan_app, name="plan")
    app.add_typer(quantity_app, name="lrip-quantity")


def _sign_password() -> str:
    return password("Your password, to sign: ")


# ---------------------------------------------------------------- programs and their phase

@program_app.command("create", context_settings=NUMBERS)
def program_create(code: str, part: Annotated[str, typer.Option(help="The part the program builds.")],
                   revision: Annotated[str, typer.Option(help="The part revision.")],
                   planned_total: Annotated[str, typer.Option(help="Units planned over the program.")],
                   frp_rate: Annotated[str, typer.Option(help="Full-rate target, units per week.")],
                   name: Annotated[str | None, typer.Option(help="Default: the part's description.")] = None,
                   db: Db = None, as_json: AsJson = False) -> None:
    """Create a program for a part revision; it starts in prototype with the default phase policies."""
    r = parse(ProgramCreate, as_json, code=code, name=name, part=part, revision=revision,
              planned_total=planned_total, frp_target_rate=frp_rate)
    run(db, as_json, lambda s, actor: service.create_program(
        s, actor, code=r.code, name=r.name, part=r.part, part_revision=r.revision, planned_total=r.planned_total,
        frp_target_rate=r.frp_target_rate),
        lambda p: say(f"Program {p.code} ({p.name}) builds {p.part}: {p.planned_total} planned, FRP at "
                      f"{p.frp_target_rate:g} a week; now in {p.phase.upper()}."))


def show_gate(g) -> None:
    """The phase gate as a checklist, in words."""
    if g.target is None:
        say(f"{g.program} is in {g.phase.upper()}, the last phase.")
        return
    say(f"{g.program} is in {g.phase.upper()}; the move to {g.target.upper()} "
        + ("is ready." if g.ready else "is not ready:"))
    for c in g.conditions:
        say(f"  [{'x' if c.met else ' '}] {c.asks}")
        for w in c.words:
            say(f"        {w}")


@program_app.command("show")
def program_show(code: str, db: Db = None, as_json: AsJson = False) -> None:
    """A program: its part, quantities, phase and the FRP GO."""
    run(db, as_json, lambda s, actor: service.show_program(s, actor, program=code),
        lambda p: say(f"{p.code}  {p.name}  {p.part}  {p.phase.upper()}  planned {p.planned_total}  FRP rate "
                      f"{p.frp_target_rate:g}/week  LRIP quantity {p.lrip_quantity or 'not approved'}"
                      + (f"  GO: assessment {p.frp_go_assessment}" if p.frp_go_at else "")), write=False)


@program_app.command("gate")
def program_gate(code: str, db: Db = None, as_json: AsJson = False) -> None:
    """The gate to the program's next phase: each condition met or not, in words."""
    run(db, as_json, lambda s, actor: service.phase_gate(s, actor, program=code), show_gate, write=False)


@program_app.command("sign-phase")
def program_sign_phase(code: str, phase: str, role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign the program's move to PHASE (your password is asked again)."""
    r = parse(PhaseSignRequest, as_json, phase=phase, password=_sign_password(), role=role)
    run(db, as_json, lambda s, actor: service.sign_phase_change(s, actor, program=code, phase=r.phase,
                                                                password=r.password, role=r.role), show_gate)


@program_app.command("phase")
def program_phase(code: str, phase: Annotated[str, typer.Argument(help="pilot, lrip or frp")], reason: Why,
                  db: Db = None, as_json: AsJson = False) -> None:
    """Move the program to its next phase; refused with every condition of the gate not met."""
    r = parse(PhaseChangeRequest, as_json, phase=phase, reason=reason)
    run(db, as_json, lambda s, actor: service.change_phase(s, actor, program=code, phase=r.phase, reason=r.reason),
        lambda p: say(f"{p.code} is now in {p.phase.upper()}."))


# ---------------------------------------------------------------- phase policies

def _value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return ", ".join(v) if isinstance(v, list) else str(v)


def _show_change(c) -> None:
    say(f"Policy change {c.program}/{c.number} ({c.status}): {c.phase} {c.rule} {_value(c.current)} → "
        f"{_value(c.value)} — {c.reason}")
    for sig in c.signatures:
        say(f"  signed {sig.meaning} by {sig.name} ({sig.role}) at {sig.signed_at:%Y-%m-%d %H:%M} UTC"
            + ("" if sig.valid else " (no longer matches)"))
    if c.missing:
        say(f"  still needs {'; '.join(c.missing)}: `lrip policy sign {c.program} {c.number}`")


@policy_app.command("show")
def policy_show(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """The rules of every phase of a program, and its proposed changes."""
    def show(p):
        rules = [k for k in p.policies[0].model_dump() if k not in ("program", "phase")]
        out.print(table(f"Policies of {p.program} (now in {p.phase.upper()})", ["Rule", *[x.phase for x in p.policies]],
                        [[rule, *[_value(getattr(x, rule)) for x in p.policies]] for rule in rules]))
        for c in p.proposals:
            _show_change(c)

    run(db, as_json, lambda s, actor: service.policies(s, actor, program=program), show, write=False)


@policy_app.command("set")
def policy_set(program: str, phase: str, rule: str, value: str, reason: Why,
               db: Db = None, as_json: AsJson = False) -> None:
    """Propose a change to one rule of one phase's policy; it applies once program and quality have signed
    it (`lrip policy sign`)."""
    r = parse(PolicyChangeRequest, as_json, phase=phase, rule=rule, value=value, reason=reason)
    run(db, as_json, lambda s, actor: service.propose_policy_change(
        s, actor, program=program, phase=r.phase, rule=r.rule, value=r.value, reason=r.reason), _show_change)


@policy_app.command("sign")
def policy_sign(program: str, number: int, role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign a proposed policy change (your password is asked again); the last signature it needs applies it."""
    r = parse(SignRequest, as_json, password=_sign_password(), role=role)
    run(db, as_json, lambda s, actor: service.sign_policy_change(s, actor, program=program, number=number,
                                                                 password=r.password, role=r.role), _show_change)


# ---------------------------------------------------------------- lots

def _show_lot(lot) -> None:
    say(f"Lot {lot.number} of {lot.program} ({lot.phase.upper()}, routing rev {lot.routing_revision}): "
        f"{lot.status}, {lot.units_created} of {lot.planned_quantity} units created"
        + (f"; results: {', '.join(f'{n} {s}' for s, n in sorted(lot.results.items()))}" if lot.results else "")
        + ".")


@lot_app.command("create", context_settings=NUMBERS)
def lot_create(program: str, lot: str, quantity: Annotated[str, typer.Option(help="The units the lot plans.")],
               routing_revision: Annotated[str | None, typer.Option(help="Default: the newest released routing.")]
               = None, db: Db = None, as_json: AsJson = False) -> None:
    """Create a lot in the program's current phase."""
    r = parse(LotCreate, as_json, number=lot, quantity=quantity, routing_revision=routing_revision)
    run(db, as_json, lambda s, actor: service.create_lot(s, actor, program=program, number=r.number,
                                                         planned_quantity=r.quantity,
                                                         routing_revision=r.routing_revision), _show_lot)


@lot_app.command("close")
def lot_close(lot: str, reason: Why, db: Db = None, as_json: AsJson = False) -> None:
    """Close a lot whose units are all complete, scrapped or not started; its results are kept."""
    r = parse(LotClose, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.close_lot(s, actor, number=lot, reason=r.reason), _show_lot)


# ---------------------------------------------------------------- the ramp plan

def _show_plan(plan) -> None:
    out.print(table(f"Ramp plan of {plan.program}", ["Week", "Phase", "Starts", "Lot"],
                    [[w.period_start, w.phase.upper(), w.planned_starts, w.lot] for w in plan.weeks]))


@plan_app.command("set", context_settings=NUMBERS)
def plan_set(program: str, week: Annotated[str, typer.Option(help="The Monday the week starts on, 2026-03-02.")],
             starts: Annotated[str, typer.Option(help="Units planned to start that week.")],
             phase: Annotated[str | None, typer.Option(help="Default: the lot's phase, else the program's.")] = None,
             lot: Annotated[str | None, typer.Option(help="The lot the starts are for.")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """Plan a week's unit starts (replacing that week's figure)."""
    w = parse(PlanWeek, as_json, week=week, starts=starts, phase=phase, lot=lot)
    run(db, as_json, lambda s, actor: service.plan_starts(s, actor, program=program, period_start=w.week,
                                                          planned_starts=w.starts, phase=w.phase, lot=w.lot),
        lambda e: say(f"{e.program}: {e.planned_starts} starts planned in the week of {e.period_start} "
                      f"({e.phase.upper()}{f', lot {e.lot}' if e.lot else ''})."))


@plan_app.command("import")
def plan_import(program: str, file: Annotated[Path, typer.Argument(help="CSV: week,starts[,phase][,lot]")],
                db: Db = None, as_json: AsJson = False) -> None:
    """Plan many weeks from a CSV file: all of them, or none with every bad line named."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail("plan_invalid", [f"cannot read {file}: {exc}"], as_json, "invalid")
    try:
        plan = ramp_plan_from_csv(text)
    except Invalid as exc:
        fail(exc.code, exc.reasons, as_json, exc.kind)
    run(db, as_json, lambda s, actor: service.set_ramp_plan(s, actor, program=program, weeks=plan.weeks), _show_plan)


@plan_app.command("show")
def plan_show(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """The program's ramp plan, week by week."""
    run(db, as_json, lambda s, actor: service.ramp_plan(s, actor, program=program), _show_plan, write=False)


# ---------------------------------------------------------------- the LRIP quantity

@quantity_app.command("set")
def quantity_set(program: str, quantity: str,
                 rationale: Annotated[str | None, typer.Option(help="Required above 10% of the planned total.")]
                 = None,
                 role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Set or raise the LRIP quantity: you sign the approval (your password is asked again)."""
    request = parse(LripQuantitySet, as_json, quantity=quantity, rationale=rationale, password=_sign_password(),
                    role=role)

    def show(a):
        say(f"{a.program} LRIP quantity {a.quantity} of {a.planned_total} planned ({a.percent_of_planned:g}%), "
            f"approved and signed by {a.signature.name}.")
        for warning in a.warnings:
            say(f"Warning: {warning}")

    run(db, as_json, lambda s, actor: service.set_lrip_quantity(
        s, actor, program=program, quantity=request.quantity, password=request.password,
        rationale=request.rationale, role=request.role), show)


@quantity_app.command("approvals")
def quantity_approvals(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """Every signed LRIP quantity decision, with its rationale."""
    run(db, as_json, lambda s, actor: service.lrip_quantity_approvals(s, actor, program=program),
        lambda rows: out.print(table("LRIP quantity approvals", ["Quantity", "Was", "% of plan", "Signed by", "At",
                                                                 "Rationale"],
                                     [[a.quantity, a.previous, a.percent_of_planned, a.signature.name,
                                       f"{a.approved_at:%Y-%m-%d %H:%M}", a.rationale] for a in rows])), write=False)
