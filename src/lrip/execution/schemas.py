"""The shop floor's requests and the one answer of each of its use cases: what the API returns, the
CLI prints (and with --json dumps) and the traveler's pages render."""
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from lrip.errors import Invalid
from lrip.execution.rules import WorkClock
from lrip.execution.rules import (MAX_UNITS_AT_ONCE, MaterialEntry, RecordStatus, ResultEntry, UnitStatus,
                                  serial_series)
from lrip.fields import Answer, Identifier, IsoTime, Quantity, Reason, ShortText, Strict, Whole

MAX_ENTRIES = 200  # results or materials in one submit


# ---------------------------------------------------------------- requests

class UnitCreate(Strict):
    serial: Identifier


class UnitsCreate(Strict):
    """Many units at once: a count with a serial pattern (numbered from `start`), or a range of serials."""

    count: Annotated[Whole, Field(ge=1, le=MAX_UNITS_AT_ONCE)] | None = Field(
        None, description="How many units (with `pattern`).")
    pattern: ShortText | None = Field(None, description="The serial with one number field: SN200-{:04d}.")
    start: Annotated[Whole, Field(ge=0)] = Field(1, description="The first number of the pattern.")
    first: Identifier | None = Field(None, description="The first serial of a range: SN-0001.")
    last: Identifier | None = Field(None, description="The last serial of a range: SN-0010.")

    @model_validator(mode="after")
    def _a_pattern_or_a_range(self):
        by_pattern, by_range = self.count is not None or self.pattern is not None, self.first or self.last
        if by_pattern == bool(by_range) or (by_pattern and None in (self.count, self.pattern)) or (
                by_range and None in (self.first, self.last)):
            raise ValueError("give a count with a pattern (count, pattern) or a range (first, last)")
        return self

    def serials(self) -> list[str]:
        """The serials asked for; Invalid with every reason when the pattern or range makes none."""
        serials, reasons = serial_series(pattern=self.pattern, count=self.count, start=self.start,
                                         first=self.first, last=self.last)
        if reasons:
            raise Invalid("invalid_input", reasons)
        return serials


class StartRequest(Strict):
    tools: list[Identifier] = Field(default_factory=list, max_length=20,
                                    description="Codes of the tools scanned at the station.")


class PauseRequest(Strict):
    reason: Reason = Field(description="Why the work stops: a break, waiting for parts, the end of a shift.")


class HandoverRequest(Strict):
    reason: Reason | None = Field(None, description="A note for the record, e.g. 'shift change'.")


class MeasurementRequest(Strict):
    characteristic: Identifier
    value: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$")] | float | bool = Field(
        description="A number for a variable characteristic (a plain decimal: 2.05, -0.01); pass/fail (or "
                    "true/false) for an attribute.")
    gauge: ShortText | None = None

    @property
    def result(self) -> str:
        """The value as the rules read it: 'pass'/'fail' for a boolean, the text or the number otherwise."""
        if isinstance(self.value, bool):
            return "pass" if self.value else "fail"
        return self.value if isinstance(self.value, str) else repr(self.value)


class ConsumeRequest(Strict):
    operation: Identifier
    material: Identifier = Field(description="A material lot number, a purchased serial or a child unit's serial.")
    quantity: Quantity | None = Field(default=None, description="Default: what the BOM still needs at this operation.")


class ResultRequest(MeasurementRequest):
    recorded_at: IsoTime | None = Field(None, description="When it was taken (default: now).")

    def entry(self) -> ResultEntry:
        return ResultEntry(self.characteristic, self.result, self.gauge, self.recorded_at)


class ResultsRequest(Strict):
    """The results of one operation in one submit (at least one): all are recorded or none."""

    results: list[ResultRequest] = Field(default_factory=list, max_length=MAX_ENTRIES)


class MaterialRequest(Strict):
    material: Identifier = Field(description="A material lot number, a purchased serial or a child unit's serial.")
    quantity: Quantity | None = Field(default=None, description="Default: what the BOM still needs at this operation.")

    def entry(self) -> MaterialEntry:
        return MaterialEntry(self.material, self.quantity)


class MaterialsRequest(Strict):
    """Several materials built in at one operation in one submit (at least one): all or none."""

    materials: list[MaterialRequest] = Field(default_factory=list, max_length=MAX_ENTRIES)


class OperationRequest(Strict):
    """An operation done, in one submit: started with its tools, material built in, results taken, completed
    (each default: now)."""

    tools: list[Identifier] = Field(default_factory=list, max_length=20,
                                    description="Codes of the tools scanned at the station.")
    materials: list[MaterialRequest] = Field(default_factory=list, max_length=MAX_ENTRIES)
    results: list[ResultRequest] = Field(default_factory=list, max_length=MAX_ENTRIES)
    started_at: IsoTime | None = None
    completed_at: IsoTime | None = None


class ImportRequest(Strict):
    """A file is imported once: the same file again (same SHA-256) only with `again` and a reason."""

    again: bool = Field(default=False, description="Import a file that was imported before (needs a reason).")
    reason: Reason | None = Field(default=None, description="Why the same file is imported again.")

    @model_validator(mode="after")
    def _again_with_a_reason(self):
        if self.again and self.reason is None:
            raise ValueError("importing the same file again needs a reason")
        if self.reason is not None and not self.again:
            raise ValueError("a reason is given only to import the same file again")
        return self


# ---------------------------------------------------------------- answers

class UnitRow(Answer):
    serial: str
    lot: str
    position: int
    status: UnitStatus
    operation: str | None  # "30 Gear train assembly" while an operation is in work
    created_at: datetime
    completed_at: datetime | None


class UnitsCreated(Answer):
    lot: str
    count: int
    serials: list[str]
    positions: tuple[int, int]  # the first and last unit's position in the lot


class UnitPage(Answer):
    items: list[UnitRow]
    total: int
    limit: int
    offset: int


class AttemptTimes(Answer):
    """One attempt at an operation: who, when, how long, with what."""

    attempt: int
    status: RecordStatus
    started_at: datetime
    started_by: str
    completed_at: datetime | None
    completed_by: str | None
    cycle_minutes: float | None  # worked minutes, once complete
    tools: list[str]
    instruction: str | None
    worked_by: str | None = None  # while in work: who works it now
    clock: WorkClock | None = None  # while in work: working, paused or held (execution.rules.WorkClock)
    clock_since: datetime | None = None
    worked_minutes: float | None = None  # of the intervals closed so far


class OperationRecordOut(AttemptTimes):
    serial: str
    operation: int
    name: str
    unit_status: UnitStatus


class OperationRecordPage(Answer):
    items: list[OperationRecordOut]
    total: int
    limit: int
    offset: int


class NextStep(Answer):
    """The next thing to do on a unit, and every reason it cannot be done now."""

    action: Literal["start", "complete"]
    sequence: int
    name: str
    blocked_by: list[str]


class MeasurementRecorded(Answer):
    """A result taken; out of spec, the unit is on hold under `ncr`."""

    serial: str
    characteristic: str
    operation: int
    value: float | None
    passed: bool | None
    in_spec: bool
    gauge: str | None
    recorded_at: datetime
    unit_status: UnitStatus
    on_hold: bool
    hold_reason: str | None
    ncr: str | None
    hold_id: int | None


class ResultsRecorded(Answer):
    """The results of one submit, each as one result is answered; `ncrs` those raised by it."""

    serial: str
    operation: int
    name: str
    results: list[MeasurementRecorded]
    unit_status: UnitStatus
    on_hold: bool
    ncrs: list[str]


class Consumed(Answer):
    serial: str
    operation: int
    material: str
    part: str
    revision: str | None = Field(description="The part revision of the lot (as received) or child unit.")
    quantity: float
    on_hand_after: float | None  # None for a child unit
    use_as_is: str | None = Field(None, description="The NCR whose MRB use-as-is let a lot of another revision in.")


class MaterialsConsumed(Answer):
    serial: str
    operation: int
    name: str
    consumed: list[Consumed]


class OperationRecorded(OperationRecordOut):
    """An operation recorded in one submit: the attempt (complete, or in work and held when a result put the
    unit on hold under `ncrs`), the material built in and the results taken."""

    consumed: list[Consumed]
    results: list[MeasurementRecorded]
    ncrs: list[str]


class ImportedHold(Answer):
    serial: str
    line: int
    reason: str
    ncr: str
    hold: int


class MeasurementsImported(Answer):
    file: str
    rows: int
    units: int
    out_of_spec: int
    holds: list[ImportedHold]
    sha256: str
    again: bool


class SuspectResult(Answer):
    """A result a gauge took while it may have been out of tolerance."""

    serial: str
    unit_status: UnitStatus
    lot: str
    characteristic: str
    name: str
    operation: int
    key: bool
    value: float | None
    passed: bool | None
    lsl: float | None
    usl: float | None
    units: str | None
    in_spec: bool
    margin: float | None = Field(description="How far inside its nearest limit the value lies, in its units "
                                             "(negative: outside); none for pass/fail.")
    recorded_at: datetime
    recorded_by: str


class RecallFinding(Answer):
    """One calibration that found the gauge out of tolerance, and the results it puts up for review."""

    found_out_on: date
    certificate: str
    since: date | None = Field(description="The calibration before (the last good one); none: since its first result.")
    results: list[SuspectResult]
    units: list[str]
    lots: list[str]
    characteristics: list[str]


class GaugeRecall(Answer):
    gauge: str
    kind: str
    description: str
    category: str
    calibration_due: date | None
    findings: list[RecallFinding] = Field(description="Newest first; empty when no calibration found it out.")
