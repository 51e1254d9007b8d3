"""The shop-floor API: units, operations, measurements, consumption, dispositions, imports."""
import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from lrip.api import idempotency, problems
from lrip.api.deps import Page, db, page, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN, IsoTime, Paged
from lrip.auth.models import User
from lrip.errors import Invalid
from lrip.execution import service
from lrip.execution.schemas import (ConsumeRequest, ConsumptionOut, DispositionRequest, ImportOut, MeasurementOut,
                                    MeasurementRequest, OperationRecordOut, StartRequest, Traveler, UnitCreate, UnitRow)

router = APIRouter(tags=["shop floor"], responses=problems.RESPONSES)
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]
LotPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The lot number.")]
OperationPath = Annotated[str, Path(max_length=120, pattern=IDENTIFIER_PATTERN,
                                    description="Operation sequence number (30) or name.")]
Status = Literal["planned", "in_work", "on_hold", "complete", "scrapped"]
Sequence = Annotated[int | None, Query(ge=0, le=1_000_000, description="Operation sequence number.")]
LotFilter = Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)]
Since = Annotated[IsoTime | None, Query(description="From this time (ISO 8601 with zone).")]
Until = Annotated[IsoTime | None, Query(description="Before this time (ISO 8601 with zone).")]


@router.get("/units", response_model=Paged[UnitRow])
def list_units(lot: LotFilter = None, status: Status | None = None, operation: Sequence = None,
               since: Since = None, until: Until = None, p: Page = Depends(page),
               session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Units, filtered by lot, status, operation in work and creation time."""
    items, total = service.search_units(session, lot=lot, status=status, operation=operation, since=since,
                                        until=until, limit=p.limit, offset=p.offset)
    return {"items": items, "total": total, "limit": p.limit, "offset": p.offset}


@router.get("/operation-records", response_model=Paged[OperationRecordOut])
def list_operation_records(lot: LotFilter = None, operation: Sequence = None,
                           serial: Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)] = None,
                           since: Since = None, until: Until = None, p: Page = Depends(page),
                           session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Who did which operation when, and how long it took."""
    items, total = service.search_operation_records(session, lot=lot, operation=operation, serial=serial,
                                                    since=since, until=until, limit=p.limit, offset=p.offset)
    return {"items": items, "total": total, "limit": p.limit, "offset": p.offset}


@router.post("/lots/{lot}/units", status_code=201, response_model=UnitRow)
def create_unit(lot: LotPath, body: UnitCreate, request: Request, session: Session = Depends(db),
                user: User = Depends(require("unit.create"))):
    """Create a unit with this serial in the lot (within the lot's plan and the approved LRIP quantity)."""
    def act():
        unit = service.create_unit(session, lot=lot, serial=body.serial, actor=user.username)
        return 201, {"serial": unit.serial, "lot": lot, "status": unit.status, "operation": None,
                     "created_at": unit.created_at.isoformat(), "completed_at": None}
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.get("/units/{serial}", response_model=Traveler)
def traveler(serial: SerialPath, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The unit's traveler: its as-built record and what blocks the next operation."""
    return service.traveler(session, serial)


@router.post("/units/{serial}/operations/{operation}/start", status_code=201, response_model=OperationRecordOut)
def start_operation(serial: SerialPath, operation: OperationPath, request: Request,
                    body: StartRequest = Body(default_factory=StartRequest), session: Session = Depends(db),
                    user: User = Depends(require("operation.start"))):
    """Start an operation as the signed-in operator, with the tools scanned."""
    def act():
        record = service.start_operation(session, serial=serial, operation=operation, operator=user.username,
                                         tools=body.tools)
        return 201, service.record_row(record)
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/units/{serial}/operations/{operation}/complete", response_model=OperationRecordOut)
def complete_operation(serial: SerialPath, operation: OperationPath, request: Request,
                       session: Session = Depends(db), user: User = Depends(require("operation.complete"))):
    """Complete the operation in work; refused with every missing result or material."""
    def act():
        record = service.complete_operation(session, serial=serial, operation=operation, operator=user.username)
        return 200, service.record_row(record)
    return idempotency.respond(session, request, user, {}, act)


@router.post("/units/{serial}/measurements", status_code=201, response_model=MeasurementOut)
def record_measurement(serial: SerialPath, body: MeasurementRequest, request: Request,
                       session: Session = Depends(db), user: User = Depends(require("measurement.record"))):
    """Record a value or pass/fail; out of spec or failed puts the unit on hold with the reason."""
    raw = ("pass" if body.value else "fail") if isinstance(body.value, bool) else str(body.value)

    def act():
        result = service.record_measurement(session, serial=serial, characteristic=body.characteristic, result=raw,
                                            operator=user.username, gauge=body.gauge)
        m = result.measurement
        return 201, {"serial": serial, "characteristic": m.characteristic.code, "value": m.value, "passed": m.passed,
                     "in_spec": m.in_spec, "gauge": m.gauge, "recorded_at": m.recorded_at.isoformat(),
                     "on_hold": result.hold is not None, "hold_reason": result.hold.reason if result.hold else None}
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/units/{serial}/consumptions", status_code=201, response_model=ConsumptionOut)
def consume(serial: SerialPath, body: ConsumeRequest, request: Request, session: Session = Depends(db),
            user: User = Depends(require("material.consume"))):
    """Build a material lot's quantity or a child serial into the unit at an operation."""
    def act():
        link = service.consume(session, serial=serial, operation=body.operation, identifier=body.material,
                               quantity=body.quantity, operator=user.username)
        return 201, {"serial": serial, "operation": link.operation_record.operation.sequence,
                     "material": body.material, "quantity": link.quantity,
                     "on_hand_after": link.material_lot.quantity_on_hand if link.material_lot else None}
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/units/{serial}/disposition", response_model=UnitRow)
def disposition(serial: SerialPath, body: DispositionRequest, request: Request, session: Session = Depends(db),
                user: User = Depends(require("hold.disposition"))):
    """Disposition the NCR holding the unit (use as is, repair, rework back to an operation, scrap);
    the hold is released by it. Use-as-is and repair need the MRB signatures first."""
    def act():
        unit = service.disposition_hold(session, serial=serial, action=body.action, actor=user.username,
                                        reason=body.reason, rework_to=body.rework_to)
        return 200, {"serial": unit.serial, "lot": unit.lot.number, "status": unit.status, "operation": None,
                     "created_at": unit.created_at.isoformat(),
                     "completed_at": unit.completed_at.isoformat() if unit.completed_at else None}
    return idempotency.respond(session, request, user, body.model_dump(), act)


@router.post("/imports/measurements", response_model=ImportOut)
def import_measurements(request: Request,
                        csv: Annotated[bytes, Body(media_type="text/csv", description=(
                            "columns: serial, operation, characteristic, value, recorded_at, operator, gauge"))],
                        session: Session = Depends(db), user: User = Depends(require("measurement.import"))):
    """Import a test station's CSV in one transaction; any bad row and nothing is imported (every bad line listed)."""
    try:
        text = csv.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("import_invalid", "the file is not UTF-8 text") from None

    def act():
        r = service.import_measurements(session, text=text, actor=user.username, source="upload.csv")
        return 200, {"rows": r.rows, "units": r.units, "out_of_spec": r.out_of_spec, "holds": r.holds,
                     "sha256": r.sha256}
    return idempotency.respond(session, request, user, {"sha256": hashlib.sha256(csv).hexdigest()}, act)
