"""The shop floor's requests and the one answer of each of its use cases: what the API returns, the
CLI prints (and with --json dumps) and the traveler's pages render."""
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from lrip.execution.rules import RecordStatus, UnitStatus
from lrip.fields import Answer, Identifier, Quantity, Reason, ShortText, Strict


# ---------------------------------------------------------------- requests

class UnitCreate(Strict):
    serial: Identifier


class StartRequest(Strict):
    tools: list[Identifier] = Field(default_factory=list, max_length=20,
                                    description="Codes of the tools scanned at the station.")


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
    cycle_minutes: float | None
    tools: list[str]
    instruction: str | None


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


class Consumed(Answer):
    serial: str
    operation: int
    material: str
    part: str
    quantity: float
    on_hand_after: float | None  # None for a child unit


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
