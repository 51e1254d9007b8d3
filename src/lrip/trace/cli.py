"""`lrip` commands of this area; `register` adds them to the main command."""
import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands and command groups to `app`."""
