"""`lrip label SERIAL|LOT --pdf FILE`: the traveler cover sheets and serial labels of a unit or a lot."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.errors import Invalid
from lrip.labels.pdf import labels_pdf
from lrip.labels.service import label_sheet
from lrip.terminal import AsJson, Db, run, say


def register(app: typer.Typer) -> None:
    app.command("label")(label)


def label(identifier: Annotated[str, typer.Argument(metavar="SERIAL|LOT", help="A unit's serial or a lot number.")],
          pdf: Annotated[Path, typer.Option(help="Write the cover sheets and labels here.")],
          db: Db = None, as_json: AsJson = False) -> None:
    """Print a unit's or a lot's traveler cover sheets and Code 128 serial labels as PDF; --json prints
    what was printed."""
    def work(s, actor):
        sheet = label_sheet(s, actor, identifier=identifier)
        try:
            pdf.write_bytes(labels_pdf(sheet))
        except OSError as exc:
            raise Invalid("label_invalid", f"cannot write {pdf}: {exc}") from None
        return sheet

    run(db, as_json, work, lambda s: say(
        f"{len(s.units)} traveler cover sheet{'s' if len(s.units) != 1 else ''} and label"
        f"{'s' if len(s.units) != 1 else ''} of {'unit ' + s.units[0].serial if s.kind == 'unit' else 'lot ' + s.lot}"
        f" written to {pdf}."), write=False)
