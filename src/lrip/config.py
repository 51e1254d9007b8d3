"""Where lrip keeps its data and its sign-ins: one database URL, from the command line, the
environment or the default; $LRIP_HOME for the CLI's sign-in sessions; the installation key's directory."""
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


def keys_dir() -> Path:
    """$LRIP_KEYS_DIR, else $LRIP_HOME/keys: the installation key and the signed checkpoints (lrip.keys)."""
    return Path(os.environ.get("LRIP_KEYS_DIR") or home() / "keys")


def checkpoint_minutes() -> float:
    """How often a serving lrip signs a checkpoint of the audit trail: LRIP_CHECKPOINT_MINUTES, at most 60."""
    raw = os.environ.get("LRIP_CHECKPOINT_MINUTES", "60")
    try:
        minutes = float(raw)
    except ValueError:
        minutes = 0
    if not 0 < minutes <= 60:
        raise Invalid("checkpoint_minutes_invalid", f"LRIP_CHECKPOINT_MINUTES is '{raw}'; give minutes from 1 to 60")
    return minutes
