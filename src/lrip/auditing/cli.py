"""`lrip audit log|verify|checkpoint`, and `lrip keys init|show` (the installation key, kept outside the
database: an installation command, like `lrip init`, that needs no one signed in)."""
import json
from typing import Annotated

import typer

from lrip import keys
from lrip.auditing import service
from lrip.auditing.schemas import CheckpointRequest
from lrip.terminal import AsJson, Db, err, guarded, n, parse, run, say

audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail.")
keys_app = typer.Typer(no_args_is_help=True, help="The installation key that signs checkpoints and packages.")
SHOWN = 50  # record findings printed before "and N more"


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(keys_app, name="keys")


@audit_app.command("verify")
def audit_verify(db: Db = None, as_json: AsJson = False) -> None:
    """Check the chain against every signed checkpoint, and every audited record against its last state in
    the chain; name each thing wrong (exit 1)."""
    def show(r):
        signed = (f"{n(r.checkpoints, 'checkpoint')} signed by key {r.key[:16]}…"
                  + (f", the last at event {r.last_checkpoint}" if r.last_checkpoint is not None else "")
                  if r.key else "checkpoints not checked")
        if r.ok:
            say(f"Audit chain intact: {n(r.events, 'event')}, head {r.head_hash}; {signed}; "
                f"{n(r.records, 'record')} as the chain last recorded them.")
        else:
            err.print(f"[bold red]Audit verify found {n(len(r.findings), 'problem')}[/] "
                      f"({n(r.events, 'event')}, {signed}, {n(r.records, 'record')} checked):")
            chain = [f for f in r.findings if not f.kind.startswith("record_")]
            records = [f for f in r.findings if f.kind.startswith("record_")]
            for f in chain + records[:SHOWN]:
                err.print(f"  • {f.kind}: {f.message}", markup=False, highlight=False)
            if len(records) > SHOWN:
                err.print(f"  … and {len(records) - SHOWN} more record(s) (--json lists every one)")
        for note in r.notes:
            say(f"Note: {note}.")

    if not run(db, as_json, service.verify, show, write=False).ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(reason: Annotated[str | None, typer.Option(help="Why now (kept with the checkpoint).")] = None,
                     db: Db = None, as_json: AsJson = False) -> None:
    """Sign the chain's head now with the installation key, into the database and the key's checkpoint file."""
    request = parse(CheckpointRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.checkpoint(s, actor, reason=request.reason),
        lambda c: say(f"Checkpoint of event {c.seq} (head {c.hash[:16]}…) signed by key {c.key[:16]}… at "
                      f"{c.at:%Y-%m-%d %H:%M:%S} UTC; kept in the database and in {c.file}."))


@audit_app.command("log")
def audit_log(record: Annotated[str | None, typer.Option(help="TYPE:ID, e.g. unit:ACT-0001")] = None,
              limit: Annotated[int, typer.Option(min=1, max=500)] = 50, db: Db = None, as_json: AsJson = False) -> None:
    """Show the audit history, newest first."""
    record_type, _, record_id = (record or "").partition(":")

    def show(h):
        for e in h.items:
            change = _change(e.before, e.after)
            reason = f" — {e.reason}" if e.reason else ""
            say(f"#{e.seq} {e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action} {e.record_type}:{e.record_id}"
                f"{': ' + change if change else ''}{reason}")

    run(db, as_json, lambda s, actor: service.history(s, actor, record_type=record_type or None,
                                                      record_id=record_id or None, limit=limit), show, write=False)


def _change(before: dict | None, after: dict | None) -> str:
    """'status on_hold → in_work, disposition rework' from an event's before and after."""
    before, after = before or {}, after or {}
    parts = []
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        parts.append(f"{key} {old} → {new}" if key in before else f"{key} {new}")
    return ", ".join(parts)


def _key_answer(directory) -> dict:
    path = keys.checkpoints_file(directory)
    lines = path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
    return {"directory": str(directory), "private_key": str(directory / keys.PRIVATE),
            "public_key": str(directory / keys.PUBLIC), "fingerprint": keys.public_fingerprint(directory),
            "checkpoints_file": str(path), "checkpoints": lines}


def _show_key(as_json: bool, answer: dict, made: bool) -> None:
    if as_json:
        print(json.dumps(answer, indent=2))
        return
    say(f"{'Created the' if made else 'The'} installation key in {answer['directory']}: private key "
        f"{keys.PRIVATE} (mode 0600), public key {keys.PUBLIC}; fingerprint {answer['fingerprint']}. "
        f"{n(answer['checkpoints'], 'checkpoint')} in {keys.CHECKPOINTS}.")


@keys_app.command("init")
def keys_init(as_json: AsJson = False) -> None:
    """Create the installation's Ed25519 key pair in $LRIP_KEYS_DIR (default $LRIP_HOME/keys); never replaces one."""
    info = guarded(as_json, keys.init)
    _show_key(as_json, _key_answer(info.directory), made=True)


@keys_app.command("show")
def keys_show(as_json: AsJson = False) -> None:
    """Where the installation key is, its fingerprint, and how many checkpoints its file holds."""
    directory = keys.checkpoints_file().parent
    guarded(as_json, lambda: keys.load(directory))
    _show_key(as_json, _key_answer(directory), made=False)
