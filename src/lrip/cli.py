"""The `lrip` command: every area's commands (their `cli.py`, listed by lrip.areas; an area's module is
imported only when one of its commands runs), and the installation commands, which use the database's
own credentials rather than a signed-in person: `init` (migrations and the first admin), `demo` and
`serve`.

Every command takes --db (or LRIP_DATABASE_URL) and --json. A refused action exits 2 and prints
every reason.
"""
from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from lrip import areas
from lrip.auditing import installation
from lrip.auth.service import create_first_admin
from lrip.config import database_url
from lrip.db import unit_of_work
from lrip.terminal import AsJson, Db, err, guarded, out, plain, say, table, url_of

OwnerUrl = Annotated[str | None, typer.Option(
    "--owner-url", envvar="LRIP_OWNER_DATABASE_URL", show_envvar=True,
    help="PostgreSQL: migrate as this role (the tables' owner) and grant the --db role what it needs.")]

AREA_COMMANDS = {
    "accounts": ("login", "logout", "whoami", "user", "token"),
    "auditing": ("audit", "keys"),
    "settings": ("settings",),
    "catalog": ("part", "bom", "document", "work-center", "tool", "qualification", "routing", "product"),
    "program": ("program", "policy", "lot", "plan", "lrip-quantity"),
    "supply": ("receive", "inspect-receipt", "receipts", "suppliers", "po"),
    "execution": ("measure", "consume", "op", "unit", "import", "gauge"),
    "nonconformance": ("disposition", "ncr", "capa", "scar"),
    "inspection": ("inspection", "fai"),
    "traveler": ("traveler",),
    "labels": ("label",),
    "dashboard": ("programs", "lots", "units"),
    "quality": ("metrics", "sampling", "spc"),
    "trace": ("trace",),
    "planning": ("shortages",),
    "capacity": ("capacity", "learning"),
    "change": ("change", "redline"),
    "readiness": ("readiness",),
}
"""The top-level commands each area's `register` adds, lowest area first (tests/test_cli.py holds it to
what they add)."""


EXTENDED_BY = {"supply": ("quality",)}
"""Areas whose `register` adds commands to a lower area's groups (quality: `suppliers scorecard`, since the
scorecard reads NCRs, which live above supply): loaded before it."""


class _Areas(TyperGroup):
    """`lrip`: an area's commands are built when one of them is asked for. Importing every area's CLI module
    (and through them FastAPI and every service) made each command wait about a second before it began."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *(name for names in AREA_COMMANDS.values() for name in names)]

    def get_command(self, ctx, name: str):
        if name not in self.commands:
            area = next((a for a, names in AREA_COMMANDS.items() if name in names), None)
            if area is not None:
                self._load(area)
        return self.commands.get(name)

    def _load(self, area: str) -> None:
        if area in self._loaded:
            return
        self._loaded.add(area)
        for higher in EXTENDED_BY.get(area, ()):
            self._load(higher)
        added = typer.Typer()
        import_module(f"lrip.{area}.cli").register(added)
        self.commands.update(typer.main.get_group(added).commands)


app = typer.Typer(cls=_Areas, no_args_is_help=True, add_completion=False,
                  help="lrip: run low-rate initial production under control and prove readiness for full rate.")
areas.load()


def create_first_admin_at(url: str) -> str | None:
    """Installation: the first admin of a new database (see auth.service.create_first_admin)."""
    with unit_of_work(url) as session:
        return create_first_admin(session)


@app.command()
def init(db: Db = None, owner_url: OwnerUrl = None, as_json: AsJson = False) -> None:
    """Create or upgrade the database (Alembic migrations, as --owner-url when given); on a new one, create the
    user admin; create the installation key when there is none."""
    from lrip.migrate import upgrade  # here: Alembic is for this command only
    url = guarded(as_json, lambda: database_url(db))
    owner = guarded(as_json, lambda: database_url(owner_url)) if owner_url else None
    fresh = guarded(as_json, lambda: upgrade(owner or url, application_url=url if owner else None))
    key = guarded(as_json, lambda: installation.key_for(url, fresh=fresh))
    password = guarded(as_json, lambda: create_first_admin_at(url))
    if as_json:
        print(json.dumps({"database": url, "status": "up to date"}
                         | ({"admin": {"username": "admin", "password": password}} if password else {})
                         | ({"key": {"directory": str(key.directory), "fingerprint": key.fingerprint}} if key else {})))
    else:
        say(f"Database {url} is up to date.")
        if password:
            say(f"Created the user admin. Password (shown once, write it down): {password}")
        if key:
            say(f"Created the installation key in {key.directory} (fingerprint {key.fingerprint[:16]}…); it signs "
                "the audit trail's checkpoints and the evidence packages: back it up.")


@app.command()
def demo(units: Annotated[int | None, typer.Option(help="Scale the LRIP lots to about N units.")] = None,
         seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same program.")] = 7,
         if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing if the database has programs.")] = False,
         db: Db = None, as_json: AsJson = False) -> None:
    """Load the demo program: an actuator ramp from pilot through three LRIP lots."""
    from lrip.demo import load_demo  # here, like the web application in `serve`: every other command starts faster
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=as_json) as bar:
        task = bar.add_task("Building the demo program", total=None)

        def progress(advance: int, total: int, description: str) -> None:
            bar.update(task, advance=advance, total=total, description=description)

        answer = guarded(as_json, lambda: load_demo(url_of(db), units=units, seed=seed, progress=progress,
                                                    if_empty=if_empty))
    if as_json:
        print(json.dumps(plain(answer), indent=2, default=str))
    elif answer is None:
        say("The database already has programs; the demo was not loaded.")
    else:
        _show_demo(answer)


def _show_demo(d: dict) -> None:
    say(f"Loaded program {d['program']} ({d['part']}), now in {d['phase'].upper()}: {d['units']} units in "
        f"{len(d['lots'])} lots; LRIP quantity {d['lrip_quantity']} of {d['planned_total']} planned.")
    out.print(table("Lots", ["Lot", "Phase", "Status", "Planned", "Units"],
                    [[lot["number"], lot["phase"].upper(), lot["status"], lot["planned_quantity"],
                      ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(lot["units_by_status"].items()))
                      or "none"] for lot in d["lots"]]))
    c, r = d["changeover"], d["recall"]
    say(f"Changeover: {c['part']} rev {c['to']} from lot {c['lot']} on; the rev {c['from']} stock left over was "
        f"refused: {c['refused']}.")
    say(f"Gauge recall: {r['gauge']} was found out of tolerance; {r['results']} results on {r['units']} units to "
        f"review (lrip gauge recall {r['gauge']}).")
    k = d.get("contained") or {}
    if k:
        say(f"Contained supplier lot: {k['material_lot']} under {k['ncr']}, {k['units']} units built from it held "
            f"and taken use-as-is; the supplier answers {k['scar']}.")
    if d.get("handed_over"):
        say(f"Shift handover: electronics install paused at the end of a shift and taken over by the next on "
            f"{', '.join(d['handed_over'])}.")
    if d.get("password"):
        names = ", ".join(u["username"] for u in d["users"] if u["username"] != "admin")
        out.print(f"Demo users ({names}) sign in with the password [bold]{d['password']}[/]; "
                  "admin with the password `lrip init` printed.")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, db: Db = None,
          https: Annotated[bool, typer.Option("--https", help="Clients reach lrip over https (TLS here or at a proxy): "
                                                   "cookies are Secure. Also LRIP_HTTPS=1.")] = False,
          certfile: Annotated[Path | None, typer.Option(help="Serve TLS here with this certificate (PEM).")] = None,
          keyfile: Annotated[Path | None, typer.Option(help="The certificate's private key (PEM).")] = None,
          forwarded_allow_ips: Annotated[str | None, typer.Option(
              help="Proxies whose X-Forwarded-For/-Proto are trusted (comma-separated addresses, or '*'); "
                   "default 127.0.0.1.")] = None) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    from lrip.app import create_app
    web = create_app(database_url(db), https=True if https or certfile else None)
    uvicorn.run(web, host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                forwarded_allow_ips=forwarded_allow_ips)
