"""Tables of this area."""
from lrip.db import Base  # noqa: F401
