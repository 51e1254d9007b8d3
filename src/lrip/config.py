"""Where lrip keeps its data and its sign-ins: one database URL, from the command line, the
environment or the default; and $LRIP_HOME for the CLI's sign-in sessions."""
import os
from pathlib import Path

from lrip.errors import Invalid

DEFAULT_DATABASE_URL = "sqlite:///./lrip.db"
SCHEMES = ("sqlite://", "postgresql://", "postgresql+psycopg://")


def database_url(explicit: str | None = None) -> str:
    """The URL given on the command line wins, then LRIP_DATABASE_URL, then ./lrip.db.
    Anything but a SQLite file or a PostgreSQL URL is refused in one line."""
    url = (explicit or os.environ.get("LRIP_DATABASE_URL") or DEFAULT_DATABASE_URL).strip()
    if not url.startswith(SCHEMES):
        raise Invalid("database_url_invalid", f"'{url}' is not a database URL lrip can use; give "
                      "sqlite:///path/to/lrip.db or postgresql://user@host/database")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def home() -> Path:
    """$LRIP_HOME (default ~/.config/lrip): where `lrip login` keeps its session tokens."""
    return Path(os.environ.get("LRIP_HOME") or Path.home() / ".config" / "lrip")
