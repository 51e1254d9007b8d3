"""`lrip readiness …`: evaluate the FRP gate, set targets, waive, attest, sign, report (as the signed-in
person) and verify a package (anyone: it needs no database; checking it against the records with --db
needs a sign-in)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from lrip.readiness import report, service
from lrip.readiness.schemas import (AssessmentOut, AssessmentRow, CriterionTemplate, Signing, TargetChanged, TargetSet,
                                    WaiverCreate, WaiverOut)
from lrip.terminal import NUMBERS, AsJson, Db, err, fail, out, parse, password, run, say, table

readiness_app = typer.Typer(no_args_is_help=True, help="The full-rate production readiness gate and its evidence.")

Role = Annotated[str | None, typer.Option("--role", help="The role you sign in, when you hold several.")]
Program = Annotated[str, typer.Argument(help="The program code, e.g. ACT-200.")]
Number = Annotated[int | None, typer.Argument(help="Assessment number; default the latest.")]
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


def _signing_password() -> str:
    return password("Your password, to sign: ")


def _show_assessment(a: AssessmentOut) -> None:
    out.print(f"{a.program} readiness assessment {a.assessment} ({a.phase.upper()}): {VERDICT[a.verdict]} — "
              f"evaluated {a.evaluated_at:%Y-%m-%d %H:%M} UTC by {a.evaluated_by} ({a.status})")
    out.print(table("Criteria", ["#", "Criterion", "Status", "Value", "Target", "Message"],
                    [[c.number, c.title, MARK[c.status], _value(c.value, c.unit), _value(c.target, c.unit), c.message]
                     for c in a.criteria]))
    blocking = [f for f in a.findings if f.kind == "blocking"]
    if blocking:
        out.print("[bold]Blocking findings[/]")
        for f in blocking:
            say(f"  {f.title}:")
            for text in f.findings or [f.text]:
                say(f"    • {text}")
    for f in (f for f in a.findings if f.kind == "condition"):
        say(f"  Condition — {f.title}: {f.text}")
    if a.previous is not None:
        if a.changes:
            say(f"Changed since assessment {a.previous}:")
            for c in a.changes:
                say(f"  {c.title}: {c.status_before} → {c.status}"
                    + (f", {_value(c.value_before)} → {_value(c.value)}" if c.value_before != c.value else ""))
        else:
            say(f"Nothing changed since assessment {a.previous}.")
    for s in a.signatures:
        if s.valid:
            say(f"Signed ({s.meaning}) by {s.name} as {s.role} at {s.signed_at:%Y-%m-%d %H:%M} UTC.")


@readiness_app.command("evaluate")
def evaluate(program: Program, db: Db = None, as_json: AsJson = False) -> None:
    """Evaluate every criterion on today's records and freeze the result as a new assessment."""
    run(db, as_json, lambda s, actor: service.evaluate(s, actor, program=program), _show_assessment)


@readiness_app.command("show")
def show(program: Program, number: Number = None, db: Db = None, as_json: AsJson = False) -> None:
    """Show a frozen assessment (the latest by default)."""
    run(db, as_json, lambda s, actor: service.get_assessment(s, actor, program=program, number=number),
        _show_assessment, write=False)


@readiness_app.command("criteria")
def criteria(program: Program, db: Db = None, as_json: AsJson = False) -> None:
    """The program's criteria template with its targets (the program's own, or the defaults)."""
    def show_(rows: list[CriterionTemplate]) -> None:
        out.print(table(f"{program} readiness criteria", ["#", "Id", "Criterion", "Group", "Targets"],
                        [[c.number, c.id, c.title, c.group,
                          "; ".join(f"{t.name} = {t.value:g}{'' if t.own else ' (default)'}" for t in c.targets)
                          or "—"] for c in rows]))

    run(db, as_json, lambda s, actor: service.list_criteria(s, actor, program=program), show_, write=False)


def _show_target(t: TargetChanged) -> None:
    say(f"Target change {t.id}: {t.program} {t.criterion}.{t.name} {t.before:g} → {t.value:g} ({t.status}), "
        f"signed by " + (", ".join(f"{s.name} ({s.role})" for s in t.signatures if s.valid) or "nobody") + ".")
    if t.missing:
        say("Still to sign: " + "; ".join(t.missing))


@readiness_app.command("set-target", context_settings=NUMBERS)
def set_target(program: Program, criterion: Annotated[str, typer.Argument(help="Criterion id, e.g. capability.")],
               name: Annotated[str, typer.Argument(help="Target name, e.g. cpk_min.")],
               value: Annotated[str, typer.Argument(help="The program's target.")],
               reason: Annotated[str, typer.Option(help="Why: this goes in the audit trail.")],
               role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Propose one of the program's readiness targets, signed by you (asks your password); it applies once
    the program and quality have both signed."""
    r = parse(TargetSet, as_json, value=value, reason=reason, password=_signing_password(), role=role)
    run(db, as_json, lambda s, actor: service.set_target(s, actor, program=program, criterion=criterion, name=name,
                                                         value=r.value, reason=r.reason, password=r.password,
                                                         role=r.role), _show_target)


@readiness_app.command("sign-target")
def sign_target(program: Program, change: Annotated[int, typer.Argument(help="The target change's number.")],
                role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign a proposed target change (asks your password); the last signature it needs applies it."""
    r = parse(Signing, as_json, password=_signing_password(), role=role)
    run(db, as_json, lambda s, actor: service.sign_target(s, actor, program=program, change=change,
                                                          password=r.password, role=r.role), _show_target)


@readiness_app.command("target-changes")
def target_changes(program: Program, db: Db = None, as_json: AsJson = False) -> None:
    """Every proposed change of the program's targets, with its signatures and who is still to sign."""
    def show_(rows: list[TargetChanged]) -> None:
        out.print(table(f"{program} target changes", ["#", "Target", "From", "To", "Status", "Reason", "Signed by",
                                                      "Still to sign"],
                        [[t.id, f"{t.criterion}.{t.name}", f"{t.before:g}", f"{t.value:g}", t.status, t.reason,
                          ", ".join(f"{s.name} ({s.role})" for s in t.signatures if s.valid),
                          "; ".join(t.missing)] for t in rows]))

    run(db, as_json, lambda s, actor: service.list_target_changes(s, actor, program=program), show_, write=False)


@readiness_app.command("waive")
def waive(program: Program, criterion: Annotated[str, typer.Argument(help="Criterion id, e.g. capability.")],
          condition: Annotated[str, typer.Option(help="The condition it is waived on (what is done instead).")],
          reason: Annotated[str, typer.Option(help="Why the program proceeds anyway.")],
          role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Waive a criterion on a named condition, signed by you (asks your password)."""
    r = parse(WaiverCreate, as_json, criterion=criterion, condition=condition, reason=reason,
              password=_signing_password(), role=role)
    run(db, as_json, lambda s, actor: service.waive(s, actor, program=program, criterion=r.criterion,
                                                    condition=r.condition, reason=r.reason, password=r.password,
                                                    role=r.role),
        _show_waiver)


def _show_waiver(w: WaiverOut) -> None:
    say(f"Waiver {w.id} on {w.criterion}: {w.condition}; signed by "
        + ", ".join(f"{s.name} ({s.role})" for s in w.signatures if s.valid) + ".")
    if w.missing:
        say("Still to sign before it applies: " + "; ".join(w.missing))


@readiness_app.command("sign-waiver")
def sign_waiver(program: Program, waiver: Annotated[int, typer.Argument(help="The waiver's number.")],
                role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign a waiver that still needs your signature (a quality criterion's needs quality's; asks your password)."""
    r = parse(Signing, as_json, password=_signing_password(), role=role)
    run(db, as_json, lambda s, actor: service.sign_waiver(s, actor, program=program, waiver=waiver,
                                                          password=r.password, role=r.role), _show_waiver)


@readiness_app.command("attest")
def attest(program: Program, topic: Annotated[str, typer.Argument(
               help="facilities, funding, operational_test or risk_register.")],
           statement: Annotated[str, typer.Option(help="What you attest.")],
           attachment: Annotated[Path, typer.Option(help="The document that backs it (kept with its SHA-256).")],
           role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Attest what no record proves, with an attachment, signed by you (asks your password)."""
    try:
        content = attachment.read_bytes()
    except OSError as exc:
        fail("attestation_invalid", [f"cannot read {attachment}: {exc.strerror}"], as_json, "invalid")
    r = parse(Signing, as_json, password=_signing_password(), role=role)
    run(db, as_json, lambda s, actor: service.attest(s, actor, program=program, topic=topic, statement=statement,
                                                     attachment_name=attachment.name, attachment=content,
                                                     password=r.password, role=r.role),
        lambda a: say(f"Attestation {a.id} ({a.topic}) signed by {a.attested_by}, attachment {a.attachment} "
                      f"sha256 {a.attachment_sha256[:16]}…"))


@readiness_app.command("sign")
def sign(program: Program, number: Number = None, role: Role = None, db: Db = None, as_json: AsJson = False) -> None:
    """Sign the program decision on the latest assessment (asks your password)."""
    r = parse(Signing, as_json, password=_signing_password(), role=role)
    run(db, as_json, lambda s, actor: service.sign_assessment(s, actor, program=program, number=number,
                                                              password=r.password, role=r.role),
        lambda a: say(f"Assessment {a.assessment} ({a.verdict.replace('_', ' ')}) signed by "
                      + ", ".join(f"{s.name} ({s.role})" for s in a.signatures if s.valid) + "."
                      + (" Still to sign: " + "; ".join(a.missing) if a.missing else " The decision is made.")))


@readiness_app.command("history")
def history(program: Program, db: Db = None, as_json: AsJson = False) -> None:
    """Every assessment of the program, newest first."""
    def show_(rows: list[AssessmentRow]) -> None:
        out.print(table(f"{program} readiness assessments",
                        ["#", "Verdict", "Status", "Evaluated", "By", "Criteria", "Changes", "Signed by"],
                        [[r.number, VERDICT[r.verdict], r.status, f"{r.evaluated_at:%Y-%m-%d %H:%M}", r.evaluated_by,
                          ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(r.statuses.items())),
                          r.changes, ", ".join(r.signed_by)] for r in rows]))

    run(db, as_json, lambda s, actor: service.list_assessments(s, actor, program=program), show_, write=False)


@readiness_app.command("report")
def write_report(program: Program,
                 out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the package to.")],
                 number: Annotated[int | None, typer.Option("--assessment", help="Assessment number; default the "
                                                                                "latest.")] = None,
                 db: Db = None, as_json: AsJson = False) -> None:
    """Write the evidence package: report.html, report.pdf, evidence.json, CSV extracts, the installation's
    public key and certificate, manifest.sha256 and its signature (it records a signed checkpoint)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=as_json, transient=True) as bar:
        task = bar.add_task("Writing the evidence package", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        run(db, as_json, lambda s, actor: report.write_package(s, actor, program=program, number=number,
                                                                out=out_dir, progress=progress),
            _show_written)


def _show_written(d) -> None:
    say(f"Wrote the evidence package of {d.program} assessment {d.assessment} ({d.verdict.replace('_', ' ')}) to "
        f"{d.directory}: {len(d.files)} files, manifest sha256 {d.manifest_sha256[:16]}…, signed by key "
        f"{d.key_fingerprint[:16]}…")
    _show_unverified(d.unverified, "fail the record check and are marked UNVERIFIED in it")


def _show_unverified(records: list[str], what: str) -> None:
    """The records a package cites that differ from their last state in the audit trail (`lrip audit verify`)."""
    if records:
        out.print(f"[bold red]{len(records)} record(s) in this package {what}[/]: {', '.join(records)}. "
                  "`lrip audit verify` says what changed.", highlight=False)


@readiness_app.command("verify")
def verify(directory: Annotated[Path, typer.Argument(help="An evidence package directory.")],
           fingerprint: Annotated[str | None, typer.Option(
               help="The installation key's SHA-256 fingerprint, as the installation gave it to you apart from the "
                    "package (default: this installation's key, when it is here).")] = None,
           db: Annotated[str | None, typer.Option(
               "--db", help="Check too that the package's assessment and audit-chain head are the ones this "
                            "database recorded (needs a sign-in).")] = None,
           as_json: AsJson = False) -> None:
    """Check an evidence package: the manifest's signature and key, every file, the PDF's signature, every
    e-signature against what it signed; with --db, against the records."""
    if fingerprint is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", fingerprint.strip()):
        fail("invalid_input", [f"a key fingerprint is 64 hexadecimal digits, not '{fingerprint}'"], as_json, "invalid")
    if db is None:
        result = report.verify_package(directory, fingerprint=fingerprint)
        if as_json:
            print(result.model_dump_json(indent=2))
        else:
            _show_check(result)
    else:
        result = run(db, as_json, lambda s, actor: report.verify_recorded(s, actor, directory=directory,
                                                                           fingerprint=fingerprint),
                     _show_check, write=False)
    if not result.ok:
        raise typer.Exit(1)


def _show_check(result) -> None:
    if not result.ok:
        out.print(f"[bold red]Evidence package NOT intact[/] ({len(result.problems)} problem(s)):")
        for p in result.problems:
            say(f"  • {p}")
        return
    say(f"Evidence package intact: {result.program} assessment {result.assessment}, {result.files} files match the "
        f"signed manifest; {result.signatures} e-signature(s) match what they signed.")
    say(f"Manifest and report.pdf signed by the installation key with SHA-256 fingerprint {result.key_fingerprint}")
    say(f"  = {result.key_checked_against}." if result.key_checked_against else
        "  Nothing to compare it with here: check it against the fingerprint the installation gave you "
        "(or give it with --fingerprint).")
    if result.recorded:
        say("The assessment and the audit-chain head are the ones this database recorded.")
    _show_unverified(result.unverified, "failed the record check when it was written and are marked UNVERIFIED")
