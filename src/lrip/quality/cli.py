"""`lrip sampling plan` and `lrip spc analyze` (the statistics, usable outside any program),
`lrip spc characteristic`, `lrip metrics` and `lrip suppliers scorecard` (a command of supply's
`suppliers` group: the scorecard reads NCRs, which live above supply)."""
import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from lrip.fields import plain_number
from lrip.quality import scorecard as scorecards
from lrip.quality import service
from lrip.quality.schemas import MetricsQuery, ScorecardQuery, SpcQuery
from lrip.stats.sampling import single_sampling_plan
from lrip.stats.spc import analyze
from lrip.supply.cli import suppliers_app
from lrip.terminal import NUMBERS, AsJson, Db, fail, n, out, parse, run, say, table

sampling_app = typer.Typer(no_args_is_help=True, help="ANSI/ASQ Z1.4 attribute sampling.")
spc_app = typer.Typer(no_args_is_help=True, help="Control charts, run rules and capability.")


def register(app: typer.Typer) -> None:
    """Add `lrip sampling`, `lrip spc` and `lrip metrics` to the main command, and `scorecard` to
    `lrip suppliers`."""
    app.add_typer(sampling_app, name="sampling")
    app.add_typer(spc_app, name="spc")
    app.command("metrics")(metrics)
    suppliers_app.command("scorecard")(suppliers_scorecard)


@sampling_app.command("plan")
def sampling_plan(lot_size: Annotated[int, typer.Option(help="Units in the lot.")],
                  aql: Annotated[float, typer.Option(help="Acceptance quality limit, e.g. 1.0.")],
                  level: Annotated[str, typer.Option(help="I, II, III or S-1..S-4.")] = "II",
                  severity: Annotated[str, typer.Option(help="normal, tightened or reduced.")] = "normal",
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The single sampling plan (Table I code letter, Table II-A/B/C plan after the arrows)."""
    try:
        plan = single_sampling_plan(lot_size, aql, level=level, severity=severity)
    except ValueError as exc:
        fail("sampling_invalid", [str(exc)], as_json, "invalid")
    data = plan.as_dict()
    if as_json:
        print(json.dumps({k: data[k] for k in ("code_letter", "sample_size", "accept", "reject", "severity",
                                                  "level", "aql")}))
        return
    note = " (the whole lot: the sample is not smaller than it)" if plan.hundred_percent else ""
    say(f"Lot of {lot_size}, level {level}, AQL {aql:g}, {severity} inspection: code letter {plan.code_letter}; "
        f"inspect {plan.sample_size}{note}, accept on {plan.accept} defective, reject on {plan.reject}.")


def _column(rows: list[dict], name: str, file: Path, cast=plain_number) -> list:
    if rows and name not in rows[0]:
        raise ValueError(f"{file.name} has no column '{name}'; it has {', '.join(rows[0])}")
    values = []
    for line, row in enumerate(rows, start=2):
        try:
            values.append(cast(row[name]))
        except (TypeError, ValueError):
            raise ValueError(f"{file.name} line {line}: '{row[name]}' in column {name} is not a number") from None
    return values


@spc_app.command("analyze", context_settings=NUMBERS)
def spc_analyze(csv_file: Annotated[Path, typer.Option("--csv", help="A CSV file with a header row.")],
                column: Annotated[str, typer.Option(help="The column of values (or counts).")],
                subgroup_column: Annotated[str | None, typer.Option(help="A column labelling subgroups.")] = None,
                subgroup_size: Annotated[int | None, typer.Option(help="Consecutive values per subgroup.")] = None,
                chart: Annotated[str, typer.Option(help="imr, xbar-r, xbar-s, p, np, c or u.")] = "imr",
                sample_size_column: Annotated[str | None, typer.Option(help="Sample sizes (p, np, u).")] = None,
                lsl: Annotated[str | None, typer.Option(help="Lower spec limit.")] = None,
                usl: Annotated[str | None, typer.Option(help="Upper spec limit.")] = None,
                rules: Annotated[str, typer.Option(help="nelson or western-electric.")] = "nelson",
                baseline: Annotated[int | None, typer.Option(
                    help="Phase I: the first N points (values, subgroups, samples) set the limits; "
                         "later points are monitored against them.")] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Chart a column of a CSV: limits, run-rule violations and, with spec limits, capability."""
    try:
        lsl, usl = (None if v is None else plain_number(v, what) for v, what in ((lsl, "--lsl"), (usl, "--usl")))
        with csv_file.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        values = _column(rows, column, csv_file)
        labels = [row[subgroup_column] for row in rows] if subgroup_column else None
        if subgroup_column and rows and subgroup_column not in rows[0]:
            raise ValueError(f"{csv_file.name} has no column '{subgroup_column}'")
        sizes = _column(rows, sample_size_column, csv_file, int) if sample_size_column else None
        result = analyze(values, chart=chart, subgroups=labels, subgroup_size=subgroup_size, sample_sizes=sizes,
                         lsl=lsl, usl=usl, rules=rules, baseline=baseline)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail("spc_invalid", [str(exc)], as_json, "invalid")
    if as_json:
        print(json.dumps(result))
        return
    _show_spc({**result, "baseline": baseline})


def _show_spc(result: dict) -> None:
    limits = (f"center {result['center']:.6g}" + (f", UCL {result['ucl']:.6g}, LCL {result['lcl']:.6g}"
                                                     if not isinstance(result["ucl"], list) else ", limits vary"))
    baseline = result.get("baseline")
    phase = (f" Limits from the first {baseline} points (phase I); the other {result['n_points'] - baseline} are "
             "monitored against them (phase II)." if baseline and baseline < result["n_points"] else "")
    say(f"{result['chart']} chart of {result['n_points']} points: {limits}.{phase}")
    for v in result["violations"][:20]:
        say(f"  rule {v['rule']} at point {v['index'] + 1}")
    if len(result["violations"]) > 20:
        say(f"  … {len(result['violations']) - 20} more")
    cap = result.get("capability")
    if cap:
        say(f"Cp {cap['cp'] if cap['cp'] is None else round(cap['cp'], 3)}, Cpk {cap['cpk']:.3f} "
            f"(95% CI {cap['cpk_ci_low']:.3f}–{cap['cpk_ci_high']:.3f}), Pp/Ppk "
            f"{cap['pp'] if cap['pp'] is None else round(cap['pp'], 3)}/{cap['ppk']:.3f}, n {cap['n']}.")
    normal = result.get("normality")
    if normal:
        say(f"Anderson-Darling A² {normal['statistic']:.3f}, p {normal['p_value']:.3g}: "
            + ("no evidence against a normal distribution." if normal["normal"] else "not normal; read Cpk with care."))


@spc_app.command("characteristic")
def spc_characteristic(program: Annotated[str, typer.Argument(help="Program code.")],
                       characteristic: Annotated[str, typer.Argument(help="Characteristic code, e.g. MTR-TQ.")],
                       phase: Annotated[str | None, typer.Option(help="Only lots of this phase (lrip…).")] = None,
                       chart: Annotated[str | None, typer.Option(
                           help="imr (default), xbar-r or xbar-s for measured values; p for pass/fail.")] = None,
                       rules: Annotated[str, typer.Option(help="nelson or western-electric.")] = "nelson",
                       baseline: Annotated[int | None, typer.Option(
                           help="Phase I: the first N points set the limits; the rest are monitored.")] = None,
                       subgroup_size: Annotated[int, typer.Option(help="Units per subgroup (xbar charts).")] = 5,
                       db: Db = None, as_json: AsJson = False) -> None:
    """The control chart and capability of one characteristic over the program's units (first result of each)."""
    request = parse(SpcQuery, as_json, phase=phase, chart=chart, rules=rules, baseline=baseline,
                    subgroup_size=subgroup_size)

    def show(r) -> None:
        spec = " – ".join("" if v is None else f"{v:g}" for v in (r.lsl, r.usl))
        say(f"{r.program} {r.characteristic} ({r.name}{', key characteristic' if r.key else ''}), "
            f"spec {spec or 'pass/fail'} {r.units or ''}: {r.basis}.")
        _show_spc(r.model_dump())

    run(db, as_json, lambda s, actor: service.characteristic_spc(
        s, actor, program=program.strip(), characteristic=characteristic.strip(), **request.model_dump()), show,
        write=False)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def metrics(program: Annotated[str, typer.Argument(help="Program code.")],
            by: Annotated[str, typer.Option("--by", help="Group by lot, operation, week or phase.")] = "lot",
            phase: Annotated[str | None, typer.Option(help="Only lots of this phase.")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Yield and defect metrics: first-pass and rolled throughput yield, DPU, DPMO, scrap, rework, cycle time."""
    request = parse(MetricsQuery, as_json, by=by, phase=phase)

    def show(r) -> None:
        rows = []
        for name, g in [*((g.group, g) for g in r.groups), ("all", r.total)]:
            c = g.cycle_minutes
            rows.append([name, g.units, _pct(g.fpy), _pct(g.rty), "" if g.dpu is None else f"{g.dpu:.3f}",
                         "" if g.dpmo is None else f"{g.dpmo:,.0f}", _pct(g.scrap_rate), _pct(g.rework_rate),
                         "" if c.mean is None else f"{c.mean:.0f} / {c.median:.0f} / {c.p90:.0f}",
                         "" if c.standard is None else f"{c.standard:g}", c.left_out or ""])
        out.print(table(f"{r.program} by {r.by}", [r.by, "units", "FPY", "RTY", "DPU", "DPMO", "scrap", "rework",
                                                    "worked minutes mean/median/p90", "standard", "left out"], rows))
        if r.total.cycle_minutes.left_out:
            say(f"{n(r.total.cycle_minutes.left_out, 'time')} off the learning trend left out of the minutes "
                "(3 MADs, lrip.stats.outliers).")
        source = "NCR defect codes" if r.pareto_source == "ncr" else "out-of-spec and failed results"
        out.print(table(f"Defect Pareto ({source})", ["defect", "count", "cumulative"],
                        [[p.category, f"{p.count:g}", f"{p.cumulative_percent:.0f}%"] for p in r.pareto]))
        say("Open NCRs by age: " + ", ".join(f"{a.bucket} {a.count}" for a in r.ncr_aging))

    run(db, as_json, lambda s, actor: service.metrics(s, actor, program=program.strip(), by=request.by,
                                                      phase=request.phase), show, write=False)


def _num(x, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def suppliers_scorecard(since: Annotated[str | None, typer.Option(help="Receipts from this date (2026-03-01).")] = None,
                        until: Annotated[str | None, typer.Option(help="Receipts up to this date.")] = None,
                        late_days: Annotated[int, typer.Option(help="Days after the promised date still on time.")] = 0,
                        early_days: Annotated[int | None, typer.Option(
                            help="Days before the promised date still on time (default: any).")] = None,
                        db: Db = None, as_json: AsJson = False) -> None:
    """Per supplier: on-time delivery, lead time, quantity accuracy, acceptance, PPM, open NCRs."""
    request = parse(ScorecardQuery, as_json, since=since, until=until, late_days=late_days, early_days=early_days)
    run(db, as_json, lambda s, actor: scorecards.scorecard(s, actor, **request.model_dump()), lambda rows: out.print(
        table("Supplier scorecard" + (f" since {request.since}" if request.since else ""),
              ["Supplier", "Status", "Receipts", "On time", "Lead mean d", "Lead p90 d", "Spread d", "Qty accuracy",
               "Accepted", "PPM", "NCR qty", "Open NCRs", "SCARs open/overdue"],
              [[r.supplier, r.status, r.receipts, _pct(r.on_time_rate), _num(r.lead_time_mean_days),
                _num(r.lead_time_p90_days), _num(r.lead_time_spread_days), _pct(r.quantity_accuracy),
                _pct(r.acceptance_rate), _num(r.ppm, 0), f"{r.ncr_quantity:g}", r.open_ncrs,
                f"{r.scars_open}/{r.scars_overdue}"] for r in rows])),
        write=False)
