"""The input types every entry point parses with: the API's request models, the CLI's arguments
and the pages' forms all go through these, so one value is accepted or refused the same way
everywhere.

Identifiers (serials, lot numbers, part numbers, supplier and tool codes, usernames, …) are
NFC-normalised and trimmed, then must be 1–60 of the characters A–Z, a–z, 0–9, '-', '_' and '.',
beginning with a letter or a digit, with no '..': so no space, '/', control or invisible character,
look-alike hyphen or full-width letter gets in, and every identifier can be put in a URL. They are
unique regardless of case and found regardless of case (unique indexes on lower(…)).

Numbers typed as text are plain ASCII decimals ('-0.01', '12', '1.5e-3'): not '0_08', not
'٠.٠٨', not 'nan' or 'inf'.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from lrip.errors import Invalid

IDENTIFIER_RULE = ("1 to 60 of the characters A-Z, a-z, 0-9, '-', '_' and '.', beginning with a letter or digit, "
                   "without '..'")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$"
_REVISION = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]{0,19}|-)$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$", re.ASCII)  # \d is 0-9 only
_WHOLE = re.compile(r"^[+-]?[0-9]{1,12}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def identifier(value: str, what: str = "an identifier") -> str:
    """The identifier as stored, or ValueError saying what is wrong with it."""
    if not isinstance(value, str):
        raise ValueError(f"{what} is text")
    text = unicodedata.normalize("NFC", value).strip()
    if not _IDENTIFIER.match(text) or ".." in text:
        shown = text if len(text) <= 80 else text[:77] + "…"
        raise ValueError(f"{what} is {IDENTIFIER_RULE}, not {shown!r}")
    return text


def revision(value: str) -> str:
    """A revision: 'A', 'B2', '1', or '-' (the drawing's initial issue)."""
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not _REVISION.match(text) or ".." in text:
        raise ValueError(f"a revision is '-' or 1 to 20 of A-Z, a-z, 0-9, '-', '_', '.', not {text!r}")
    return text


def plain_number(value: str | float | int, what: str = "a number") -> float:
    """A finite number from a plain ASCII decimal ('-0.01', '1.5e-3'); ValueError in words otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{what} is a number, not {value}")
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            raise ValueError(f"{what} is a plain decimal number like 12.5 or -0.01, not {value!r}")
        value = float(text)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return number


def text(value: str, *, what: str = "the text", max_length: int = 2000, single_line: bool = True) -> str:
    """Free text (a name, a reason, a note): NFC, trimmed, not empty, no control or invisible characters."""
    if not isinstance(value, str):
        raise ValueError(f"{what} is text")
    cleaned = unicodedata.normalize("NFC", value).strip()
    if not single_line:
        cleaned = cleaned.replace("\r\n", "\n")
    bad = _CONTROL.search(cleaned) or (single_line and ("\n" in cleaned or "\r" in cleaned or "\t" in cleaned))
    if bad:
        raise ValueError(f"{what} has a control or invisible character")
    if not cleaned:
        raise ValueError(f"{what} is empty")
    if len(cleaned) > max_length:
        raise ValueError(f"{what} has at most {max_length} characters, not {len(cleaned)}")
    return cleaned


def _iso_only(value):
    """Pydantic would read 0.5 as a Unix time; a plant means a date and time."""
    if isinstance(value, str) and not _ISO.match(value):
        raise ValueError("expected an ISO 8601 date and time with its zone, e.g. 2026-03-01T14:05:00Z")
    return value


def _iso_date_only(value):
    """Pydantic would read 0 as 1970-01-01; a plant means a calendar date."""
    if not (isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value))):
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:37] + "…"
        raise ValueError(f"{shown!r} is not a date; write it like 2026-03-01")
    return value


def _number(value):
    return plain_number(value) if isinstance(value, str) else value


def whole(value, what: str = "a whole number") -> int:
    """A whole number from plain ASCII digits ('12', '-3'); not '1_0', '2.5', True or '٣'."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{what} is a whole number like 12, not {value!r}")
    if isinstance(value, str):
        if not _WHOLE.match(value.strip()):
            raise ValueError(f"{what} is a whole number like 12, not {value!r}")
        return int(value.strip())
    return value


Identifier = Annotated[str, BeforeValidator(identifier)]
Revision = Annotated[str, BeforeValidator(revision)]
Name = Annotated[str, BeforeValidator(lambda v: text(v, what="the name", max_length=200))]
Reason = Annotated[str, BeforeValidator(lambda v: text(v, what="the reason", max_length=2000))]
Note = Annotated[str, BeforeValidator(lambda v: text(v, what="the note", max_length=20000, single_line=False))]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00]+$")]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12), BeforeValidator(_number)]
Quantity = Annotated[float, Field(allow_inf_nan=False, gt=0, le=1e9), BeforeValidator(_number)]
Whole = Annotated[int, Field(ge=-10**12, le=10**12), BeforeValidator(whole)]
IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]

T = TypeVar("T")


class Strict(BaseModel):
    """Request bodies refuse fields they do not know: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """The one typed answer of a use case: what the API returns, the CLI prints with --json and the
    pages render. Built from plain values inside the unit of work; never an ORM row."""

    model_config = ConfigDict(from_attributes=True)


class Paged(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def reasons_of(errors: list[dict]) -> list[str]:
    """Pydantic's errors as the reasons every entry point gives: 'quantity: Input should be greater than 0'."""
    return [f"{_where(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid').removeprefix('Value error, ')}"
            for e in errors]


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], **values) -> M:
    """A request model from a command's or a form's values; Invalid with every reason, like the API's 422."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise Invalid("invalid_input", reasons_of(exc.errors())) from None
