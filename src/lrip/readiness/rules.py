"""The readiness gate's states: what a criterion comes out as, the verdict of an assessment, and an
assessment's life (assessed → decided by the program's signature, or superseded by a newer one). Pure."""
from __future__ import annotations

from enum import StrEnum

from lrip.catalog.rules import Lifecycle


class CriterionStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INSUFFICIENT = "insufficient_data"
    WAIVED = "waived"


class GateVerdict(StrEnum):
    GO = "GO"
    GO_WITH_CONDITIONS = "GO_WITH_CONDITIONS"
    NO_GO = "NO_GO"


class AssessmentStatus(StrEnum):
    """Not stored: it follows from the assessment's signatures and whether a newer one exists."""

    ASSESSED = "assessed"  # the latest, waiting for the program's decision
    DECIDED = "decided"  # the latest, signed by the program
    SUPERSEDED = "superseded"  # a newer assessment replaced it (signed or not)


def assessment_status(*, latest: bool, signed: bool) -> AssessmentStatus:
    if not latest:
        return AssessmentStatus.SUPERSEDED
    return AssessmentStatus.DECIDED if signed else AssessmentStatus.ASSESSED


ASSESSMENT = Lifecycle({
    "decide": ((AssessmentStatus.ASSESSED, AssessmentStatus.DECIDED), AssessmentStatus.DECIDED,
               "only the latest assessment is signed: evaluate again, or sign the latest"),
})
"""`ASSESSMENT.next(status, "decide", "assessment 2")`: a second signer may sign the latest one too."""


def is_go(verdict: str) -> bool:
    """A verdict full-rate production may go on, once it is signed."""
    return verdict in (GateVerdict.GO, GateVerdict.GO_WITH_CONDITIONS)
