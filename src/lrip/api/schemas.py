"""Types shared by every area's request and response models."""
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints

# A human identifier: a serial, a lot number, a part number. No control characters.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00]+$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
IDENTIFIER_PATTERN = r"^[^\x00-\x1f\x7f/]+$"

T = TypeVar("T")


class Strict(BaseModel):
    """Request bodies refuse fields they do not know: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Paged(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
