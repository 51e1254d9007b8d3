"""`lrip lrip-quantity set` and `lrip lrip-quantity approvals`: the program's LRIP quantity, set by a
signed approval of the signed-in program manager (their password is asked again)."""
from __future__ import annotations

from typing import Annotated

import typer

from lrip.program import service
from lrip.program.schemas import LripQuantitySet
from lrip.terminal import AsJson, Db, out, parse, password, run, say, table

quantity_app = typer.Typer(no_args_is_help=True, help="The program's LRIP quantity, set by a signed approval.")


def register(app: typer.Typer) -> None:
    app.add_typer(quantity_app, name="lrip-quantity")


@quantity_app.command("set")
def quantity_set(program: str, quantity: str,
                 rationale: Annotated[str | None, typer.Option(help="Required above 10% of the planned total.")]
                 = None,
                 role: Annotated[str | None, typer.Option(help="The role you sign in.")] = None,
                 db: Db = None, as_json: AsJson = False) -> None:
    """Set or raise the LRIP quantity: you sign the approval (your password is asked again)."""
    secret = password("Your password, to sign: ")
    request = parse(LripQuantitySet, as_json, quantity=quantity, rationale=rationale, password=secret, role=role)

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
