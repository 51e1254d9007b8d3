"""Typed errors and the verdict every rule returns.

Rules return a Verdict with every reason at once; services raise Refused from it.
Entry points map these once: problem+json in the API, a message on a page,
exit code 2 on the CLI.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    reasons: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def raise_if_refused(self, code: str) -> None:
        if self.reasons:
            raise Refused(code, list(self.reasons))


def verdict(reasons: list[str]) -> Verdict:
    return Verdict(tuple(reasons))


class LripError(Exception):
    """Base of the errors a user can cause; `code` is stable, `reasons` are plain words."""

    kind = "error"

    def __init__(self, code: str, reasons: list[str] | str):
        self.code = code
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


class Refused(LripError):
    """A rule said no; nothing was changed."""

    kind = "refused"


class NotFound(LripError):
    kind = "not_found"


class Forbidden(LripError):
    kind = "forbidden"


class Conflict(LripError):
    """The record changed under us (someone else acted first)."""

    kind = "conflict"


class Invalid(LripError):
    """The input itself is malformed (bad number, bad date, missing column)."""

    kind = "invalid"



class NotSignedIn(LripError):
    """No signed-in person: no session, or a token or session that no longer works."""

    kind = "unauthenticated"
