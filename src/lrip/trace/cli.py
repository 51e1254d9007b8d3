"""`lrip trace SERIAL_OR_LOT --direction backward|forward` and `lrip trace check LOT`."""
from typing import Annotated

import typer
from rich.markup import escape
from rich.tree import Tree
from typer.core import TyperGroup

from lrip.terminal import AsJson, Db, out, parse, run, table
from lrip.trace import service
from lrip.trace.schemas import CompletenessRequest, Trace, TraceItem, TraceNode, TraceRequest, UnitCompleteness


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


def register(app: typer.Typer) -> None:
    """Add `lrip trace` to the main command."""
    app.add_typer(trace_app, name="trace")


def _rev(node: TraceItem) -> str:
    return f" rev {node.revision}" if node.revision else ""


def _label(node: TraceItem) -> str:
    """One line of the tree, in the words of the floor (Rich markup, the data escaped)."""
    e = escape
    link = (f" · ×{node.quantity:g} at op {node.operation} {e(node.operation_name or '')}"
            if node.operation is not None else "")
    if node.kind == "unit":
        text = (f"[bold]{e(node.identifier)}[/] {e(node.part)}{e(_rev(node))} · lot {e(node.lot or '')} · "
                f"{node.status.replace('_', ' ')}")
    else:
        supplier = (f"{e(node.supplier)} {e(node.supplier_name or '')} ({node.supplier_status})" if node.supplier
                    else "no supplier")
        received = (f"PO {e(node.receipt.po)} received {node.receipt.received_on}" if node.receipt
                    else f"received {(node.received_at or '')[:10]}")
        text = f"[bold]{e(node.identifier)}[/] {e(node.part)}{e(_rev(node))} lot · {supplier} · {received} · {node.status}"
    if node.cycle:
        text += " [red]· CYCLE: already on this branch[/]"
    elif node.repeated:
        text += " · (shown above)"
    return text + link


def _show(t: Trace) -> None:
    if t.note:
        out.print(f"Note: {t.note}.", markup=False)

    def grow(node: TraceNode, branch: Tree) -> Tree:
        for child in node.links:
            grow(child, branch.add(_label(child)))
        return branch

    out.print(grow(t.root, Tree(_label(t.root))), soft_wrap=False)
    if t.direction == "backward":
        out.print(f"{len(t.material_lots)} material lot(s) from {len(t.suppliers)} supplier(s) "
                  f"({', '.join(t.suppliers) or 'none'}), {len(t.units)} component serial(s), {t.depth} level(s).",
                  markup=False)
    else:
        counts = ", ".join(f"{k} {s.replace('_', ' ')}" for s, k in t.units_by_status.items()) or "none"
        out.print(f"{len(t.units)} unit(s) contain {t.identifier}: {counts}.", markup=False)
        if t.units:
            out.print(table(f"Units containing {t.identifier}",
                            ["Serial", "Part", "Lot", "Status", "Level", "Contains"],
                            [[u.identifier, u.part, u.lot, u.status.replace("_", " "), u.depth, u.contains]
                             for u in t.units]))
    for c in t.cycles:
        out.print(f"[red]Cycle in the genealogy:[/] {escape(c)}")
    if t.truncated:
        out.print("[red]The tree is cut at 50 levels.[/]")


@trace_app.command("show")
def show(identifier: Annotated[str, typer.Argument(metavar="SERIAL_OR_LOT", help="A unit serial or material lot number.")],
         direction: Annotated[str, typer.Option(help="backward: what is in it; forward: every unit it is in.")]
         = "backward",
         kind: Annotated[str | None, typer.Option(help="unit or material_lot, when the identifier is both.")] = None,
         db: Db = None, as_json: AsJson = False) -> None:
    """Trace a unit or material lot backward or forward through the genealogy."""
    asked = parse(TraceRequest, as_json, identifier=identifier, direction=direction, kind=kind)
    run(db, as_json, lambda s, actor: service.trace(s, actor, identifier=asked.identifier, direction=asked.direction,
                                                    kind=asked.kind), _show, write=False)


@trace_app.command("check")
def check(lot: Annotated[str | None, typer.Argument(help="A production lot (work order) number.")] = None,
          serial: Annotated[str | None, typer.Option(help="Check one unit instead.")] = None,
          program: Annotated[str | None, typer.Option(help="Check every unit of a program instead.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """The gaps in each unit's record (operations, required results, BOM lines); exit code 1 when any has gaps."""
    asked = parse(CompletenessRequest, as_json, lot=lot, serial=serial, program=program)

    def show_rows(rows: list[UnitCompleteness]) -> None:
        out.print(table(f"Record completeness: {lot or serial or program}", ["Serial", "Status", "Gaps"],
                        [[r.serial, r.status.replace("_", " "),
                          "not checked (scrapped)" if r.status == "scrapped" else "\n".join(r.gaps) or "complete"]
                         for r in rows]))
        gaps = sum(1 for r in rows if r.gaps)
        out.print(f"{gaps} of {len(rows)} unit(s) have gaps." if gaps else f"All {len(rows)} unit record(s) complete.",
                  markup=False)

    rows = run(db, as_json, lambda s, actor: service.completeness(s, actor, lot=asked.lot, serial=asked.serial,
                                                                  program=asked.program), show_rows, write=False)
    if any(r.gaps for r in rows):
        raise typer.Exit(1)
