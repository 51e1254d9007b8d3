"""Types shared by every area's request and response models."""
from typing import Annotated, Generic, TypeVar

import re

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, StringConstraints

# A human identifier: a serial, a lot number, a part number. No control characters.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00]+$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
IDENTIFIER_PATTERN = r"^[^\x00-\x1f\x7f/]+$"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_only(value):
    """Pydantic would read 0.5 as a Unix time; a plant means a date and time."""
    if isinstance(value, str) and not _ISO.match(value):
        raise ValueError("expected an ISO 8601 date and time with its zone, e.g. 2026-03-01T14:05:00Z")
    return value


IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]

T = TypeVar("T")


class Strict(BaseModel):
    """Request bodies refuse fields they do not know: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Paged(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
