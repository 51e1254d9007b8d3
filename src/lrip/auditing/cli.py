"""`lrip audit log` and `lrip audit verify`."""
from typing import Annotated

import typer

from lrip.auditing import service
from lrip.terminal import AsJson, Db, err, run, say

audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail.")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(db: Db = None, as_json: AsJson = False) -> None:
    """Walk the hash chain; report the first event that was changed, removed or reordered (exit 1)."""
    def show(r):
        if r.ok:
            say(f"Audit chain intact: {r.events} events, head {r.head_hash}.")
        else:
            err.print(f"[bold red]Audit chain broken at event {r.first_bad_seq}:[/] {r.problem}")

    if not run(db, as_json, service.verify, show, write=False).ok:
        raise typer.Exit(1)


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
