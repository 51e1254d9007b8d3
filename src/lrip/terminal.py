"""What every `lrip` command shares: the signed-in person, the unit of work, printing, refusing.

A command is thin: it parses its arguments through the area's request schema (`parse`), then
`run(db, as_json, work, show)` opens one unit of work, finds who is signed in (`lrip login` keeps
a session token per database in $LRIP_HOME/sessions.json, mode 0600; LRIP_TOKEN, an API token,
works instead, for station scripts), calls `work(session, actor)` — one service function, which
checks the permission — and prints its typed answer, or with --json its JSON. Any refusal exits 2
with its code and every reason; nothing was changed.
"""
from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from lrip import fields
from lrip.auth.actor import Actor
from lrip.auth.service import NOT_SIGNED_IN, actor_for_session, actor_for_token
from lrip.config import database_url, home
from lrip.db import unit_of_work
from lrip.errors import Invalid, LripError, NotSignedIn

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
Reason = Annotated[str | None, typer.Option(help="Why: this goes in the audit trail.")]
NUMBERS = {"ignore_unknown_options": True}
"""context_settings for a command with a number argument, so `lrip measure SN1 OFFSET -0.01` reads
-0.01 as the value, not as an option."""


def fail(code: str, reasons: list[str], as_json: bool, kind: str = "refused") -> None:
    if as_json:
        print(json.dumps({"error": code, "kind": kind, "reasons": reasons}, indent=2))
    else:
        err.print(f"[bold red]{'Refused' if kind == 'refused' else 'Error'}[/] ({code}):")
        for reason in reasons:
            err.print(f"  • {reason}", markup=False, highlight=False)
    raise typer.Exit(2)


def parse(model, as_json: bool, **values):
    """The command's arguments as the area's request model (the API's own), or exit 2 with every reason."""
    try:
        return fields.parse(model, **values)
    except LripError as exc:
        fail(exc.code, exc.reasons, as_json, exc.kind)


def say(text: str) -> None:
    """Print plain text (no Rich markup or highlighting)."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


# ---------------------------------------------------------------- the database and the session file

def url_of(db: str | None) -> str:
    """The database URL, or Invalid in one line (a bad scheme, a SQLite file that does not exist)."""
    url = database_url(db)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise Invalid("database_missing", f"there is no database at {path}; run `lrip init` first")
    return url


def _sessions_file() -> Path:
    return home() / "sessions.json"


def stored_sessions() -> dict[str, dict]:
    try:
        return json.loads(_sessions_file().read_text())
    except (OSError, ValueError):
        return {}


def store_session(url: str, entry: dict | None) -> None:
    """Keep (or with None, forget) this database's session token, in a file only its owner can read."""
    sessions = stored_sessions()
    if entry is None:
        sessions.pop(url, None)
    else:
        sessions[url] = entry
    path = _sessions_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(sessions, f, indent=2)
    os.chmod(path, 0o600)


def signed_in(session: Session, url: str) -> Actor:
    """LRIP_TOKEN's owner, or the person `lrip login` signed in on this database."""
    token = os.environ.get("LRIP_TOKEN", "").strip()
    if token:
        return actor_for_token(session, token).actor
    entry = stored_sessions().get(url)
    if not entry:
        raise NotSignedIn("not_signed_in", [f"nobody is signed in on {url}; {NOT_SIGNED_IN}"])
    return actor_for_session(session, entry["token"])


# ---------------------------------------------------------------- running a command

def plain(answer: Any) -> Any:
    """A typed answer (or a list of them) as JSON-ready data."""
    if isinstance(answer, BaseModel):
        return answer.model_dump(mode="json")
    if isinstance(answer, (list, tuple)):
        return [plain(a) for a in answer]
    if isinstance(answer, dict):
        return {k: plain(v) for k, v in answer.items()}
    return answer


def guarded(as_json: bool, work: Callable[[], Any]) -> Any:
    """`work()`, with every refusal and the database's errors mapped to exit 2 in words."""
    try:
        return work()
    except LripError as exc:
        fail(exc.code, exc.reasons, as_json, exc.kind)
    except (OperationalError, ProgrammingError) as exc:
        fail("database_error", [f"the database is not ready ({exc.orig.__class__.__name__}): run `lrip init` "
                                "or check --db"], as_json, "error")
    except ArgumentError as exc:
        fail("database_url_invalid", [str(exc)], as_json, "invalid")


def within(db: str | None, as_json: bool, work: Callable[[Session], Any], *, write: bool = True) -> Any:
    """`work(session)` in one unit of work, guarded. Installation commands use it directly; everything a
    person does goes through `run`."""
    def inside():
        with unit_of_work(url_of(db), write=write) as session:
            return work(session)

    return guarded(as_json, inside)


def run(db: str | None, as_json: bool, work: Callable[[Session, Actor], Any], show: Callable[[Any], None],
        *, write: bool = True) -> Any:
    """Run one use case as the signed-in person and print its answer; returns it (for an exit code)."""
    answer = within(db, as_json, lambda session: work(session, signed_in(session, url_of(db))), write=write)
    if as_json:
        print(json.dumps(plain(answer), indent=2, default=str))
    else:
        show(answer)
    return answer


def table(title: str, columns: list[str], rows: list[list]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    return t


def n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def password(prompt: str, *, from_stdin: bool = False, twice: bool = False) -> str:
    """A password from the terminal (not echoed), or one line of standard input when it is not a
    terminal or --password-stdin is given."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("Again: ") != first:
        fail("password_refused", ["the two passwords differ"], False)
    return first
