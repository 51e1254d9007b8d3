"""Where lrip keeps its data: one database URL, from the command line, the environment or the default."""
import os

DEFAULT_DATABASE_URL = "sqlite:///./lrip.db"


def database_url(explicit: str | None = None) -> str:
    """The URL given on the command line wins, then LRIP_DATABASE_URL, then ./lrip.db."""
    url = explicit or os.environ.get("LRIP_DATABASE_URL") or DEFAULT_DATABASE_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
