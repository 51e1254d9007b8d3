"""The traveler's one answer: a unit's as-built record and what blocks its next step, as the API returns
it, `lrip traveler` prints it and the station's pages render it."""
from datetime import datetime

from lrip.execution.rules import UnitStatus
from lrip.execution.schemas import AttemptTimes, NextStep
from lrip.fields import Answer
from lrip.nonconformance.schemas import HoldOut


class Limit(Answer):
    code: str
    name: str
    kind: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    required: bool
    inspection: str  # why it is or is not required on this unit (the phase policy, the lot's FRP sample)


class MeasurementRow(Answer):
    id: int
    characteristic: str
    name: str
    kind: str
    value: float | None
    passed: bool | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    in_spec: bool
    gauge: str | None
    recorded_by: str
    recorded_at: datetime
    source: str
    verified: bool = True  # False: the row differs from its last state in the audit trail (lrip.audit)


class ConsumedRow(Answer):
    kind: str  # serial | lot | unit
    identifier: str
    part: str
    revision: str | None  # the part revision received (a lot) or built to (a unit)
    quantity: float
    supplier: str | None
    use_as_is: str | None = None  # the NCR whose MRB use-as-is let the lot in


class WorkedInterval(Answer):
    """One stretch of work on an attempt: closed (paused, handed over, held, completed), or the open one."""

    worked_by: str
    started_at: datetime
    ended_at: datetime | None  # None: still being worked (or, with `ended` paused/held, the clock is stopped)
    ended: str | None  # execution.rules.IntervalEnd; None while open
    reason: str | None


class Attempt(AttemptTimes):
    measurements: list[MeasurementRow]
    consumed: list[ConsumedRow]
    intervals: list[WorkedInterval]


class MaterialNeed(Answer):
    part: str
    quantity: float


class TravelerOperation(Answer):
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    instruction: str | None
    instruction_status: str | None
    required_tool_kinds: list[str]
    required_skill: str | None
    characteristics: list[Limit]
    materials: list[MaterialNeed]
    status: str  # pending | in_work | complete
    attempts: list[Attempt]


class Traveler(Answer):
    serial: str
    status: UnitStatus
    lot: str
    position: int
    phase: str
    program: str
    part: str
    part_revision: str
    routing_revision: str
    created_at: datetime
    completed_at: datetime | None
    holds: list[HoldOut]
    operations: list[TravelerOperation]
    next: NextStep | None
    unverified: list[str] = []  # records shown here that differ from their last state in the audit trail


class Instruction(Answer):
    """The released text of an operation's work instruction, read when the station shows it."""

    label: str
    status: str
    title: str
    content: str
