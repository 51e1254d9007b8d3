"""`lrip sampling plan` and `lrip spc analyze`: the statistics, usable outside any program."""
import csv
import json
from pathlib import Path
from typing import Annotated

import typer

sampling_app = typer.Typer(no_args_is_help=True, help="ANSI/ASQ Z1.4 attribute sampling.")
spc_app = typer.Typer(no_args_is_help=True, help="Control charts, run rules and capability.")


def register(app: typer.Typer) -> None:
    """Add `lrip sampling`, `lrip spc` and `lrip metrics` to the main command."""
    app.add_typer(sampling_app, name="sampling")
    app.add_typer(spc_app, name="spc")
    app.command("metrics")(metrics)


@sampling_app.command("plan")
def sampling_plan(lot_size: Annotated[int, typer.Option(help="Units in the lot.")],
                  aql: Annotated[float, typer.Option(help="Acceptance quality limit, e.g. 1.0.")],
                  level: Annotated[str, typer.Option(help="I, II, III or S-1..S-4.")] = "II",
                  severity: Annotated[str, typer.Option(help="normal, tightened or reduced.")] = "normal",
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The single sampling plan (Table I code letter, Table II-A/B/C plan after the arrows)."""
    from lrip.cli import _fail, out
    from lrip.quality.sampling import single_sampling_plan

    try:
        plan = single_sampling_plan(lot_size, aql, level=level, severity=severity)
    except ValueError as exc:
        _fail("sampling_invalid", [str(exc)], as_json, "invalid")
    data = plan.as_dict()
    if as_json:
        print(json.dumps({k: data[k] for k in ("code_letter", "sample_size", "accept", "reject", "severity",
                                                  "level", "aql")}))
        return
    note = " (the whole lot: the sample is not smaller than it)" if plan.hundred_percent else ""
    out.print(f"Lot of {lot_size}, level {level}, AQL {aql:g}, {severity} inspection: code letter {plan.code_letter}; "
              f"inspect {plan.sample_size}{note}, accept on {plan.accept} defective, reject on {plan.reject}.")


def _column(rows: list[dict], name: str, file: Path, cast=float) -> list:
    if rows and name not in rows[0]:
        raise ValueError(f"{file.name} has no column '{name}'; it has {', '.join(rows[0])}")
    values = []
    for line, row in enumerate(rows, start=2):
        try:
            values.append(cast(row[name]))
        except (TypeError, ValueError):
            raise ValueError(f"{file.name} line {line}: '{row[name]}' in column {name} is not a number") from None
    return values


@spc_app.command("analyze")
def spc_analyze(csv_file: Annotated[Path, typer.Option("--csv", help="A CSV file with a header row.")],
                column: Annotated[str, typer.Option(help="The column of values (or counts).")],
                subgroup_column: Annotated[str | None, typer.Option(help="A column labelling subgroups.")] = None,
                subgroup_size: Annotated[int | None, typer.Option(help="Consecutive values per subgroup.")] = None,
                chart: Annotated[str, typer.Option(help="imr, xbar-r, xbar-s, p, np, c or u.")] = "imr",
                sample_size_column: Annotated[str | None, typer.Option(help="Sample sizes (p, np, u).")] = None,
                lsl: Annotated[float | None, typer.Option(help="Lower spec limit.")] = None,
                usl: Annotated[float | None, typer.Option(help="Upper spec limit.")] = None,
                rules: Annotated[str, typer.Option(help="nelson or western-electric.")] = "nelson",
                baseline: Annotated[int | None, typer.Option(
                    help="Phase I: the first N points (values, subgroups, samples) set the limits; "
                         "later points are monitored against them.")] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Chart a column of a CSV: limits, run-rule violations and, with spec limits, capability."""
    from lrip.cli import _fail
    from lrip.quality.spc import analyze

    try:
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
        _fail("spc_invalid", [str(exc)], as_json, "invalid")
    if as_json:
        print(json.dumps(result))
        return
    _show_spc({**result, "baseline": baseline})


def _show_spc(result: dict) -> None:
    from lrip.cli import out

    limits = (f"center {result['center']:.6g}" + (f", UCL {result['ucl']:.6g}, LCL {result['lcl']:.6g}"
                                                     if not isinstance(result["ucl"], list) else ", limits vary"))
    baseline = result.get("baseline")
    phase = (f" Limits from the first {baseline} points (phase I); the other {result['n_points'] - baseline} are "
             "monitored against them (phase II)." if baseline and baseline < result["n_points"] else "")
    out.print(f"{result['chart']} chart of {result['n_points']} points: {limits}.{phase}")
    for v in result["violations"][:20]:
        out.print(f"  rule {v['rule']} at point {v['index'] + 1}")
    if len(result["violations"]) > 20:
        out.print(f"  … {len(result['violations']) - 20} more")
    cap = result.get("capability")
    if cap:
        out.print(f"Cp {cap['cp'] if cap['cp'] is None else round(cap['cp'], 3)}, Cpk {cap['cpk']:.3f} "
                  f"(95% CI {cap['cpk_ci_low']:.3f}–{cap['cpk_ci_high']:.3f}), Pp/Ppk "
                  f"{cap['pp'] if cap['pp'] is None else round(cap['pp'], 3)}/{cap['ppk']:.3f}, n {cap['n']}.")
    normal = result.get("normality")
    if normal:
        out.print(f"Anderson-Darling A² {normal['statistic']:.3f}, p {normal['p_value']:.3g}: "
                  + ("no evidence against a normal distribution." if normal["normal"]
                     else "not normal; read Cpk with care."))


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
                       db: Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL",
                                                              help="Database URL.")] = None,
                       as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The control chart and capability of one characteristic over the program's units (first result of each)."""
    from lrip.cli import run
    from lrip.quality.service import characteristic_spc

    def show(r: dict) -> None:
        from lrip.cli import out

        spec = " – ".join("" if v is None else f"{v:g}" for v in (r["lsl"], r["usl"]))
        out.print(f"{r['program']} {r['characteristic']} ({r['name']}{', key characteristic' if r['key'] else ''}), "
                  f"spec {spec or 'pass/fail'} {r['units'] or ''}: {r['units_measured']} units"
                  f"{', phase ' + r['phase'] if r['phase'] else ''}.")
        _show_spc(r)

    run(db, as_json, lambda s: characteristic_spc(s, program=program, characteristic=characteristic, phase=phase,
                                                  chart=chart, rules=rules, baseline=baseline,
                                                  subgroup_size=subgroup_size), show)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def metrics(program: Annotated[str, typer.Argument(help="Program code.")],
            by: Annotated[str, typer.Option("--by", help="lot, operation, week or phase.")] = "lot",
            phase: Annotated[str | None, typer.Option(help="Only lots of this phase.")] = None,
            db: Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", help="Database URL.")] = None,
            as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Yield and defect metrics: first-pass and rolled throughput yield, DPU, DPMO, scrap, rework, cycle time."""
    from lrip.cli import _table, out, run
    from lrip.quality.service import metrics as compute

    def show(r: dict) -> None:
        rows = []
        for g in [*r["groups"], {"group": "all", **r["total"]}]:
            c = g["cycle_minutes"]
            rows.append([g["group"], g["units"], _pct(g["fpy"]), _pct(g["rty"]),
                         "" if g["dpu"] is None else f"{g['dpu']:.3f}",
                         "" if g["dpmo"] is None else f"{g['dpmo']:,.0f}", _pct(g["scrap_rate"]),
                         _pct(g["rework_rate"]),
                         "" if c["mean"] is None else f"{c['mean']:.0f} / {c['median']:.0f} / {c['p90']:.0f}",
                         "" if c["standard"] is None else f"{c['standard']:g}"])
        out.print(_table(f"{r['program']} by {r['by']}", [r["by"], "units", "FPY", "RTY", "DPU", "DPMO", "scrap",
                                                           "rework", "minutes mean/median/p90", "standard"], rows))
        source = "NCR defect codes" if r["pareto_source"] == "ncr" else "out-of-spec and failed results"
        out.print(_table(f"Defect Pareto ({source})", ["defect", "count", "cumulative"],
                         [[p["category"], f"{p['count']:g}", f"{p['cumulative_percent']:.0f}%"] for p in r["pareto"]]))
        if r["ncr_aging"] is not None:
            out.print("Open NCRs by age: " + ", ".join(f"{a['bucket']} {a['count']}" for a in r["ncr_aging"]))

    run(db, as_json, lambda s: compute(s, program=program, by=by, phase=phase), show)
