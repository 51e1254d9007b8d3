"""`lrip readiness ...`: evaluate the FRP gate, set targets, waive, attest, sign, report and verify."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.auth.cli import actor, signing_password

readiness_app = typer.Typer(no_args_is_help=True, help="The full-rate production readiness gate and its evidence.")

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str | None, typer.Option("--by", help="Who does this (a user name); default: your login.")]
Role = Annotated[str | None, typer.Option("--role", help="The role you sign in, when you hold several.")]
Program = Annotated[str, typer.Argument(help="The program code, e.g. ACT-200.")]
MARK = {"pass": "[green]PASS[/]", "fail": "[red]FAIL[/]", "insufficient_data": "[yellow]NO DATA[/]",
        "waived": "[blue]WAIVED[/]"}
VERDICT = {"GO": "[bold green]GO[/]", "GO_WITH_CONDITIONS": "[bold blue]GO WITH CONDITIONS[/]",
           "NO_GO": "[bold red]NO-GO[/]"}


def register(app: typer.Typer) -> None:
    """Add `lrip readiness` to the main command."""
    app.add_typer(readiness_app, name="readiness")


def _value(v, unit: str = "") -> str:
    if v is None:
        return "—"
    if unit == "%" and isinstance(v, (int, float)):
        return f"{v:.1%}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _show_assessment(d: dict) -> None:
    from lrip.cli import _table, out

    out.print(f"{d['program']} readiness assessment {d['assessment']} ({d['phase'].upper()}): "
              f"{VERDICT[d['verdict']]} — evaluated {d['evaluated_at'][:16].replace('T', ' ')} UTC by "
              f"{d['evaluated_by']}")
    out.print(_table("Criteria", ["#", "Criterion", "Status", "Value", "Target", "Message"],
                     [[c["number"], c["title"], MARK[c["status"]], _value(c["value"], c["unit"]),
                       _value(c["target"], c["unit"]), c["message"]] for c in d["criteria"]]))
    blocking = [f for f in d["findings"] if f["kind"] == "blocking"]
    if blocking:
        out.print("[bold]Blocking findings[/]")
        for f in blocking:
            out.print(f"  {f['title']}:", highlight=False)
            for text in f["findings"] or [f["text"]]:
                out.print(f"    • {text}", markup=False, highlight=False)
    for f in (f for f in d["findings"] if f["kind"] == "condition"):
        out.print(f"  Condition — {f['title']}: {f['text']}", markup=False, highlight=False)
    if d.get("previous") is not None:
        if d["changes"]:
            out.print(f"Changed since assessment {d['previous']}:")
            for c in d["changes"]:
                out.print(f"  {c['title']}: {c['status_before']} → {c['status']}"
                          + (f", {_value(c['value_before'])} → {_value(c['value'])}" if c["value_before"] != c["value"]
                             else ""), markup=False, highlight=False)
        else:
            out.print(f"Nothing changed since assessment {d['previous']}.")
    signed = [s for s in d.get("signatures", []) if s["valid"]]
    for s in signed:
        out.print(f"Signed ({s['meaning']}) by {s['name']} as {s['role']} at {s['signed_at'][:16]} UTC.")


@readiness_app.command("evaluate")
def evaluate(program: Program, by: By = None, db: Db = None, as_json: AsJson = False) -> None:
    """Evaluate every criterion on today's records and freeze the result as a new assessment."""
    from lrip.cli import run
    from lrip.readiness import service

    run(db, as_json, lambda s: service.evaluate(s, program=program, actor=actor(by)), _show_assessment)


@readiness_app.command("show")
def show(program: Program, number: Annotated[int | None, typer.Argument(help="Assessment number; default the latest.")] = None,
         db: Db = None, as_json: AsJson = False) -> None:
    """Show a frozen assessment (the latest by default)."""
    from lrip.cli import run
    from lrip.readiness import service

    run(db, as_json, lambda s: service.get_assessment(s, program=program, number=number), _show_assessment)


@readiness_app.command("criteria")
def criteria(program: Program, db: Db = None, as_json: AsJson = False) -> None:
    """The program's criteria template with its targets (the program's own, or the defaults)."""
    from lrip.cli import _table, out, run
    from lrip.readiness import service

    def show_(rows):
        out.print(_table(f"{program} readiness criteria", ["#", "Id", "Criterion", "Group", "Targets"],
                         [[c["number"], c["id"], c["title"], c["group"],
                           "; ".join(f"{t['name']} = {t['value']:g}{'' if t['own'] else ' (default)'}"
                                     for t in c["targets"]) or "—"] for c in rows]))

    run(db, as_json, lambda s: service.list_criteria(s, program=program), show_)


@readiness_app.command("set-target")
def set_target(program: Program, criterion: Annotated[str, typer.Argument(help="Criterion id, e.g. capability.")],
               name: Annotated[str, typer.Argument(help="Target name, e.g. cpk_min.")],
               value: Annotated[float, typer.Argument(help="The program's target.")],
               reason: Annotated[str, typer.Option(help="Why: this goes in the audit trail.")],
               by: By = None, db: Db = None, as_json: AsJson = False) -> None:
    """Set one of the program's readiness targets."""
    from lrip.cli import out, run
    from lrip.readiness import service

    run(db, as_json, lambda s: service.set_target(s, program=program, criterion=criterion, name=name, value=value,
                                                   actor=actor(by), reason=reason),
        lambda d: out.print(f"{program} {criterion}.{name}: {d['before']:g} → {d['value']:g}."))


@readiness_app.command("waive")
def waive(program: Program, criterion: Annotated[str, typer.Argument(help="Criterion id, e.g. capability.")],
          condition: Annotated[str, typer.Option(help="The condition it is waived on (what is done instead).")],
          reason: Annotated[str, typer.Option(help="Why the program proceeds anyway.")],
          by: By = None, role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Waive a criterion on a named condition, signed by you (asks your password)."""
    from lrip.cli import out, run
    from lrip.readiness import service

    who = actor(by)
    password = signing_password(who)
    run(db, as_json, lambda s: service.waive(s, program=program, criterion=criterion, condition=condition,
                                              reason=reason, username=who, password=password, role=role),
        lambda d: out.print(f"Waiver {d['id']} on {criterion} signed by {who}: {d['condition']}", markup=False))


@readiness_app.command("attest")
def attest(program: Program, topic: Annotated[str, typer.Argument(
               help="facilities, funding, operational_test or risk_register.")],
           statement: Annotated[str, typer.Option(help="What you attest.")],
           attachment: Annotated[Path, typer.Option(help="The document that backs it (kept with its SHA-256).")],
           by: By = None, role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Attest what no record proves, with an attachment, signed by you (asks your password)."""
    from lrip.cli import _fail, out, run
    from lrip.readiness import service

    try:
        content = attachment.read_bytes()
    except OSError as exc:
        _fail("attestation_invalid", [f"cannot read {attachment}: {exc.strerror}"], as_json, "invalid")
    who = actor(by)
    password = signing_password(who)
    run(db, as_json, lambda s: service.attest(s, program=program, topic=topic, statement=statement,
                                               attachment_name=attachment.name, attachment=content, username=who,
                                               password=password, role=role),
        lambda d: out.print(f"Attestation {d['id']} ({topic}) signed by {who}, attachment {d['attachment']} "
                            f"sha256 {d['attachment_sha256'][:16]}…", markup=False))


@readiness_app.command("sign")
def sign(program: Program, number: Annotated[int | None, typer.Argument(help="Assessment number; default the latest.")] = None,
         by: By = None, role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign the program decision on the latest assessment (asks your password)."""
    from lrip.cli import out, run
    from lrip.readiness import service

    who = actor(by)
    password = signing_password(who)
    run(db, as_json, lambda s: service.sign_assessment(s, program=program, number=number, username=who,
                                                        password=password, role=role),
        lambda d: out.print(f"Assessment {d['assessment']} ({d['verdict'].replace('_', ' ')}) signed by {who}."))


@readiness_app.command("history")
def history(program: Program, db: Db = None, as_json: AsJson = False) -> None:
    """Every assessment of the program, newest first."""
    from lrip.cli import _table, out, run
    from lrip.readiness import service

    run(db, as_json, lambda s: service.list_assessments(s, program=program),
        lambda rows: out.print(_table(f"{program} readiness assessments", ["#", "Verdict", "Evaluated", "By",
                                                                           "Criteria", "Changes", "Signed by"],
                                      [[r["number"], VERDICT[r["verdict"]], r["evaluated_at"][:16].replace("T", " "),
                                        r["evaluated_by"], ", ".join(f"{n} {k.replace('_', ' ')}"
                                                                     for k, n in sorted(r["statuses"].items())),
                                        r["changes"], ", ".join(r["signed_by"])] for r in rows])))


@readiness_app.command("report")
def report(program: Program, out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the package to.")],
           number: Annotated[int | None, typer.Option("--assessment", help="Assessment number; default the latest.")] = None,
           db: Db = None, as_json: AsJson = False) -> None:
    """Write the evidence package: report.html, report.pdf, evidence.json, CSV extracts, manifest.sha256."""
    from lrip.cli import out, run
    from lrip.readiness import report as evidence

    run(db, as_json, lambda s: evidence.write_package(s, program=program, number=number, out=out_dir),
        lambda d: out.print(f"Wrote the evidence package of {program} assessment {d['assessment']} "
                            f"({d['verdict'].replace('_', ' ')}) to {d['directory']}: {len(d['files'])} files, "
                            f"manifest sha256 {d['manifest_sha256'][:16]}…", markup=False))


@readiness_app.command("verify")
def verify(directory: Annotated[Path, typer.Argument(help="An evidence package directory.")],
           as_json: AsJson = False) -> None:
    """Check an evidence package: every file against the manifest, every signature against what it signed."""
    import json

    from lrip.cli import out
    from lrip.readiness import report as evidence

    result = evidence.verify_package(directory)
    if as_json:
        print(json.dumps(result, indent=2))
    elif result["ok"]:
        out.print(f"Evidence package intact: {result['files']} files match the manifest; "
                  f"{result['signatures']} signature(s) match what they signed.")
    else:
        out.print(f"[bold red]Evidence package NOT intact[/] ({len(result['problems'])} problem(s)):")
        for p in result["problems"]:
            out.print(f"  • {p}", markup=False, highlight=False)
    if not result["ok"]:
        raise typer.Exit(1)
