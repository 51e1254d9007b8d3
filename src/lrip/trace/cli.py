"""`lrip trace SERIAL_OR_LOT --direction backward|forward` and `lrip trace check LOT`."""
from typing import Annotated

import typer
from typer.core import TyperGroup


class _TraceGroup(TyperGroup):
    """`lrip trace X ...` is `lrip trace show X ...`: the trace is the group's default command."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


trace_app = typer.Typer(
    cls=_TraceGroup, no_args_is_help=True,
    help="Genealogy and record completeness.\n\n"
         "lrip trace SERIAL_OR_LOT --direction backward|forward: what is in a unit, or every unit a lot "
         "(or serial) went into (the same as `lrip trace show ...`).\n\n"
         "lrip trace check LOT: the gaps in each unit's record; exit code 1 when there are gaps.")

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add `lrip trace` to the main command."""
    app.add_typer(trace_app, name="trace")


def _label(node: dict) -> str:
    """One line of the tree, in the words of the floor."""
    from rich.markup import escape

    n = {k: escape(v) if isinstance(v, str) else v for k, v in node.items()}
    link = (f" · ×{n['quantity']:g} at op {n['operation']} {n['operation_name']}" if n.get("operation") is not None
            else "")
    if n["kind"] == "unit":
        text = f"[bold]{n['identifier']}[/] {n['part']} · lot {n['lot']} · {n['status'].replace('_', ' ')}"
    else:
        supplier = f"{n['supplier']} {n['supplier_name']} ({n['supplier_status']})" if n["supplier"] else "no supplier"
        receipt = n.get("receipt")
        received = (f"PO {receipt['po']} received {receipt['received_on']}" if receipt
                    else f"received {n['received_at'][:10]}")
        text = f"[bold]{n['identifier']}[/] {n['part']} lot · {supplier} · {received} · {n['status']}"
    if n.get("cycle"):
        text += " [red]· CYCLE: already on this branch[/]"
    elif n.get("repeated"):
        text += " · (shown above)"
    return text + link


def _show(t: dict) -> None:
    from rich.tree import Tree

    from lrip.cli import _table, out

    if t.get("note"):
        out.print(f"Note: {t['note']}.", markup=False)
    def grow(node: dict, branch: Tree) -> Tree:
        for child in node.get("links", []):
            grow(child, branch.add(_label(child)))
        return branch

    out.print(grow(t["root"], Tree(_label(t["root"]))), soft_wrap=False)
    if t["direction"] == "backward":
        out.print(f"{len(t['material_lots'])} material lot(s) from {len(t['suppliers'])} supplier(s) "
                  f"({', '.join(t['suppliers']) or 'none'}), {len(t['units'])} component serial(s), "
                  f"{t['depth']} level(s).")
    else:
        counts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in t["units_by_status"].items()) or "none"
        out.print(f"{len(t['units'])} unit(s) contain {t['identifier']}: {counts}.")
        if t["units"]:
            out.print(_table(f"Units containing {t['identifier']}", ["Serial", "Part", "Lot", "Status", "Level", "Contains"],
                             [[u["identifier"], u["part"], u["lot"], u["status"].replace("_", " "), u["depth"],
                               u["contains"]] for u in t["units"]]))
    for c in t["cycles"]:
        out.print(f"[red]Cycle in the genealogy:[/] {c}")
    if t["truncated"]:
        out.print("[red]The tree is cut at 50 levels.[/]")


@trace_app.command("show")
def show(identifier: Annotated[str, typer.Argument(metavar="SERIAL_OR_LOT", help="A unit serial or material lot number.")],
         direction: Annotated[str, typer.Option(help="backward: what is in it; forward: every unit it is in.")]
         = "backward",
         kind: Annotated[str | None, typer.Option(help="unit or material_lot, when the identifier is both.")] = None,
         db: Db = None, as_json: AsJson = False) -> None:
    """Trace a unit or material lot backward or forward through the genealogy."""
    from lrip.cli import run
    from lrip.trace.service import trace

    run(db, as_json, lambda s: trace(s, identifier, direction=direction, kind=kind), _show)


@trace_app.command("check")
def check(lot: Annotated[str | None, typer.Argument(help="A production lot (work order) number.")] = None,
          serial: Annotated[str | None, typer.Option(help="Check one unit instead.")] = None,
          program: Annotated[str | None, typer.Option(help="Check every unit of a program instead.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """The gaps in each unit's record (operations, required results, BOM lines); exit code 1 when any has gaps."""
    from lrip.cli import _table, out, run
    from lrip.trace.service import completeness

    def show_rows(rows: list[dict]) -> None:
        table = [[r["serial"], r["status"].replace("_", " "),
                  "not checked (scrapped)" if r["status"] == "scrapped" else "\n".join(r["gaps"]) or "complete"]
                 for r in rows]
        out.print(_table(f"Record completeness: {lot or serial or program}", ["Serial", "Status", "Gaps"], table))
        gaps = sum(1 for r in rows if r["gaps"])
        out.print(f"{gaps} of {len(rows)} unit(s) have gaps." if gaps else f"All {len(rows)} unit record(s) complete.")

    rows = run(db, as_json, lambda s: completeness(s, serial=serial, lot=lot, program=program), show_rows)
    if any(r["gaps"] for r in rows):
        raise typer.Exit(1)
