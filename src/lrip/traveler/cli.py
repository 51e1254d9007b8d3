"""`lrip traveler SERIAL`: a unit's as-built record in a terminal, or as JSON."""
from __future__ import annotations

import typer

from lrip.terminal import AsJson, Db, out, run, say
from lrip.traveler import service
from lrip.traveler.schemas import MeasurementRow, Traveler


def register(app: typer.Typer) -> None:
    app.command("traveler")(traveler)


def _when(at) -> str:
    return f"{at:%Y-%m-%d %H:%M}"


def _measurement_line(m: MeasurementRow) -> str:
    flag = (" ✓" if m.in_spec else " ✗ OUT OF SPEC") + ("" if m.verified else " UNVERIFIED")
    if m.kind == "attribute":
        return f"{m.characteristic} {'pass' if m.passed else 'fail'}{flag}"
    lsl = "" if m.lsl is None else f"{m.lsl:g}"
    usl = "" if m.usl is None else f"{m.usl:g}"
    return f"{m.characteristic} {m.value:g} {m.units or ''} [{lsl}..{usl}]{flag}"


def _show(t: Traveler) -> None:
    say(f"{t.serial}  {t.part} rev {t.part_revision}  lot {t.lot} ({t.phase.upper()})  routing rev "
        f"{t.routing_revision}  status {t.status.replace('_', ' ')}")
    if t.unverified:
        say(f"  UNVERIFIED, not as the audit trail last recorded them: {', '.join(t.unverified)}")
    for h in t.holds:
        state = "OPEN" if h.open else f"released: {h.disposition} — {h.disposition_note}"
        say(f"  hold ({h.ncr or 'no NCR'}): {h.reason} — {state}")
    for op in t.operations:
        say(f"{op.sequence} {op.name} — {op.status.replace('_', ' ')}  ({op.instruction or 'no instruction'}, "
            f"{op.work_center}, std {op.standard_minutes:g} min)")
        for a in op.attempts:
            when = f"{a.started_by} {_when(a.started_at)}"
            if a.completed_at:
                when += f" → {a.completed_by} {_when(a.completed_at)} ({a.cycle_minutes:.0f} min)"
            attempt = f"attempt {a.attempt}, {a.status}: " if a.attempt > 1 or a.status != "complete" else ""
            tools = f" · tools {', '.join(a.tools)}" if a.tools else ""
            say(f"    {attempt}{when}{tools} · {a.instruction or ''}")
            if len(a.intervals) > 1 or a.clock:
                for i in a.intervals:
                    end = (f"{_when(i.ended_at)} {i.ended.replace('_', ' ')}" + (f": {i.reason}" if i.reason else "")
                           if i.ended_at else "working")
                    say(f"      worked: {i.worked_by} {_when(i.started_at)} → {end}")
                if a.clock and a.clock != "working":
                    say(f"      {a.clock} since {_when(a.clock_since)}" + (f" ({a.worked_by})" if a.worked_by else "")
                        + f"; {a.worked_minutes:.0f} min worked")
            for m in a.measurements:
                say(f"      {_measurement_line(m)}  ({m.recorded_by})")
            if a.consumed:
                say("      consumed: " + ", ".join(
                    f"{c.identifier} ({c.part}{f' rev {c.revision}' if c.revision else ''}) ×{c.quantity:g}"
                    + (f" used as is under {c.use_as_is}" if c.use_as_is else "") for c in a.consumed))
    nxt = t.next
    if nxt is None:
        say("Nothing left to do on this unit.")
    elif nxt.blocked_by:
        out.print(f"[bold red]Cannot {nxt.action} operation {nxt.sequence} ({nxt.name}):[/]")
        for reason in nxt.blocked_by:
            say(f"  • {reason}")
    else:
        say(f"Next: {nxt.action} operation {nxt.sequence} ({nxt.name}).")


def traveler(serial: str, db: Db = None, as_json: AsJson = False) -> None:
    """A unit's as-built record and what blocks its next operation."""
    run(db, as_json, lambda s, actor: service.traveler(s, actor, serial=serial), _show, write=False)
