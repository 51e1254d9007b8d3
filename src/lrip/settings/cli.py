"""`lrip settings show|set`: the installation's settings (an admin sets them)."""
from __future__ import annotations

from typing import Annotated

import typer

from lrip.settings import service
from lrip.settings.schemas import SettingSet
from lrip.terminal import AsJson, Db, out, parse, run, say, table

settings_app = typer.Typer(no_args_is_help=True, help="The installation's settings (its organization's name).")


def register(app: typer.Typer) -> None:
    """Add `lrip settings` to the main command."""
    app.add_typer(settings_app, name="settings")


@settings_app.command("show")
def show(db: Db = None, as_json: AsJson = False) -> None:
    """Every setting with its value and who set it."""
    run(db, as_json, service.settings, lambda rows: out.print(table(
        "Settings", ["Setting", "Value", "Set", "Meaning"],
        [[r.key, r.value or "(not set)", f"{r.set_at:%Y-%m-%d} by {r.set_by}" if r.set_at else "", r.meaning]
         for r in rows])), write=False)


@settings_app.command("set")
def set_(key: str, value: str, reason: Annotated[str, typer.Option("--reason", help="Why: this goes in the record.")],
         db: Db = None, as_json: AsJson = False) -> None:
    """Set a setting (an admin)."""
    request = parse(SettingSet, as_json, value=value, reason=reason)
    run(db, as_json, lambda s, actor: service.set_setting(s, actor, key=key, **request.model_dump()),
        lambda r: say(f"{r.key} set to {r.value!r}."))
