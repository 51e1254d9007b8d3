"""What quality asks the areas above it (lrip.events): the targets a program has signed for itself, which the
readiness gate keeps, so that the quality pages flag what the gate judges."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetsAsked:
    """A program's quality figures are about to be judged: a handler answers with the program's own targets, in
    lrip.quality.service.TARGETS' names (readiness handles it; without it, the defaults stand)."""

    program: str
