"""`lrip sampling plan` and `lrip spc analyze`: the statistics, usable outside any program."""
import csv
import json
from pathlib import Path
from typing import Annotated

import typer

sampling_app = typer.Typer(no_args_is_help=True, help="ANSI/ASQ Z1.4 attribute sampling.")
spc_app = typer.Typer(no_args_is_help=True, help="Control charts, run rules and capability.")


def register(app: typer.Typer) -> None:
    """Add `lrip sampling` and `lrip spc` to the main command."""
    app.add_typer(sampling_app, name="sampling")
    app.add_typer(spc_app, name="spc")


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
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Chart a column of a CSV: limits, run-rule violations and, with spec limits, capability."""
    from lrip.cli import _fail, out
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
                         lsl=lsl, usl=usl, rules=rules)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _fail("spc_invalid", [str(exc)], as_json, "invalid")
    if as_json:
        print(json.dumps(result))
        return
    limits = (f"center {result['center']:.6g}" + (f", UCL {result['ucl']:.6g}, LCL {result['lcl']:.6g}"
                                                     if not isinstance(result["ucl"], list) else ", limits vary"))
    out.print(f"{result['chart']} chart of {result['n_points']} points: {limits}.")
    for v in result["violations"][:20]:
        out.print(f"  rule {v['rule']} at point {v['index'] + 1}")
    if len(result["violations"]) > 20:
        out.print(f"  … {len(result['violations']) - 20} more")
    cap = result.get("capability")
    if cap:
        out.print(f"Cp {cap['cp'] if cap['cp'] is None else round(cap['cp'], 3)}, Cpk {cap['cpk']:.3f} "
                  f"(95% CI {cap['cpk_ci_low']:.3f}–{cap['cpk_ci_high']:.3f}), Pp/Ppk "
                  f"{cap['pp'] if cap['pp'] is None else round(cap['pp'], 3)}/{cap['ppk']:.3f}, n {cap['n']}.")
