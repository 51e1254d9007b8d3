"""The shop-floor API: units, operations, measurements, consumption, the measurement import.
(A unit's traveler is lrip.traveler's; its disposition, lrip.nonconformance's.)"""
import hashlib
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import Page, act, page, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.errors import Invalid
from lrip.execution import gauges, imports, service
from lrip.execution.rules import UnitStatus
from lrip.execution.schemas import GaugeRecall, HandoverRequest, PauseRequest
from lrip.execution.schemas import (ConsumeRequest, Consumed, ImportRequest, MaterialsConsumed, MaterialsRequest,
                                    MeasurementRecorded, MeasurementRequest, MeasurementsImported, OperationRecorded,
                                    OperationRecordOut, OperationRecordPage, OperationRequest, ResultsRecorded,
                                    ResultsRequest, StartRequest, UnitCreate, UnitPage, UnitRow, UnitsCreate,
                                    UnitsCreated)
from lrip.fields import IDENTIFIER_PATTERN, IsoTime, parse

router = APIRouter(tags=["shop floor"], responses=problems.RESPONSES)
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]
LotPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The lot number.")]
OperationPath = Annotated[str, Path(max_length=120, pattern=r"^[^\x00-\x1f\x7f/]+$",
                                    description="Operation sequence number (30) or name.")]
Sequence = Annotated[int | None, Query(ge=0, le=1_000_000, description="Operation sequence number.")]
IdentifierFilter = Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)]
Since = Annotated[IsoTime | None, Query(description="From this time (ISO 8601 with zone).")]
Until = Annotated[IsoTime | None, Query(description="Before this time (ISO 8601 with zone).")]


@router.get("/units", response_model=UnitPage, openapi_extra=uses(service.search_units))
def list_units(request: Request, lot: IdentifierFilter = None, status: UnitStatus | None = None,
               operation: Sequence = None, since: Since = None, until: Until = None, p: Page = Depends(page),
               actor: Actor = Depends(signed_in)):
    """Units, filtered by lot, status, operation in work and creation time."""
    with read(request) as session:
        return service.search_units(session, actor, lot=lot, status=status, operation=operation, since=since,
                                    until=until, limit=p.limit, offset=p.offset)


@router.get("/operation-records", response_model=OperationRecordPage,
            openapi_extra=uses(service.search_operation_records))
def list_operation_records(request: Request, lot: IdentifierFilter = None, operation: Sequence = None,
                           serial: IdentifierFilter = None, since: Since = None, until: Until = None,
                           p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """Who did which operation when, and how long it took."""
    with read(request) as session:
        return service.search_operation_records(session, actor, lot=lot, operation=operation, serial=serial,
                                                since=since, until=until, limit=p.limit, offset=p.offset)


@router.post("/lots/{lot}/units", status_code=201, response_model=UnitRow, openapi_extra=uses(service.create_unit))
def create_unit(lot: LotPath, body: UnitCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Create a unit with this serial in the lot (within the lot's plan and the approved LRIP quantity)."""
    return act(request, actor, body.model_dump(),
               lambda s: service.create_unit(s, actor, lot=lot, serial=body.serial))


@router.post("/lots/{lot}/units/batch", status_code=201, response_model=UnitsCreated,
             openapi_extra=uses(service.create_units))
def create_units(lot: LotPath, body: UnitsCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Create many units: a count with a serial pattern (SN200-{:04d}) or a range of serials; all or none."""
    return act(request, actor, body.model_dump(), lambda s: service.create_units(s, actor, lot=lot,
                                                                                 serials=body.serials()))


@router.post("/units/{serial}/operations/{operation}/start", status_code=201, response_model=OperationRecordOut,
             openapi_extra=uses(service.start_operation))
def start_operation(serial: SerialPath, operation: OperationPath, request: Request,
                    body: StartRequest = Body(default_factory=StartRequest), actor: Actor = Depends(signed_in)):
    """Start an operation as the signed-in operator, with the tools scanned."""
    return act(request, actor, body.model_dump(), lambda s: service.start_operation(
        s, actor, serial=serial, operation=operation, tools=body.tools))


@router.post("/units/{serial}/operations/{operation}/complete", response_model=OperationRecordOut,
             openapi_extra=uses(service.complete_operation))
def complete_operation(serial: SerialPath, operation: OperationPath, request: Request,
                       actor: Actor = Depends(signed_in)):
    """Complete the operation in work; refused with every missing result or material."""
    return act(request, actor, {}, lambda s: service.complete_operation(s, actor, serial=serial, operation=operation))


@router.post("/units/{serial}/operations/{operation}/pause", response_model=OperationRecordOut,
             openapi_extra=uses(service.pause_operation))
def pause_operation(serial: SerialPath, operation: OperationPath, body: PauseRequest, request: Request,
                    actor: Actor = Depends(signed_in)):
    """Pause the operation you are working: its worked minutes stop until it is resumed or taken over."""
    return act(request, actor, body.model_dump(), lambda s: service.pause_operation(
        s, actor, serial=serial, operation=operation, reason=body.reason))


@router.post("/units/{serial}/operations/{operation}/resume", response_model=OperationRecordOut,
             openapi_extra=uses(service.resume_operation))
def resume_operation(serial: SerialPath, operation: OperationPath, request: Request,
                     actor: Actor = Depends(signed_in)):
    """Resume the operation you paused (or whose hold the MRB released)."""
    return act(request, actor, {}, lambda s: service.resume_operation(s, actor, serial=serial, operation=operation))


@router.post("/units/{serial}/operations/{operation}/handover", response_model=OperationRecordOut,
             openapi_extra=uses(service.hand_over_operation))
def hand_over_operation(serial: SerialPath, operation: OperationPath, request: Request,
                        body: HandoverRequest = Body(default_factory=HandoverRequest),
                        actor: Actor = Depends(signed_in)):
    """Take over an operation in work at a shift change, as the signed-in operator."""
    return act(request, actor, body.model_dump(), lambda s: service.hand_over_operation(
        s, actor, serial=serial, operation=operation, reason=body.reason))


@router.post("/units/{serial}/measurements", status_code=201, response_model=MeasurementRecorded,
             openapi_extra=uses(service.record_measurement))
def record_measurement(serial: SerialPath, body: MeasurementRequest, request: Request,
                       actor: Actor = Depends(signed_in)):
    """Record a value or pass/fail; out of spec or failed puts the unit on hold under an NCR (named in `ncr`)."""
    return act(request, actor, body.model_dump(), lambda s: service.record_measurement(
        s, actor, serial=serial, characteristic=body.characteristic, result=body.result, gauge=body.gauge))


@router.post("/units/{serial}/operations/{operation}/results", status_code=201, response_model=ResultsRecorded,
             openapi_extra=uses(service.record_results))
def record_results(serial: SerialPath, operation: OperationPath, body: ResultsRequest, request: Request,
                   actor: Actor = Depends(signed_in)):
    """The results of the operation in work, in one submit: all recorded or none; each out of spec or failed
    puts the unit on hold under its NCR (named in `ncrs`)."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.record_results(
        s, actor, serial=serial, operation=operation, results=[r.entry() for r in body.results]))


@router.post("/units/{serial}/operations/{operation}/materials", status_code=201, response_model=MaterialsConsumed,
             openapi_extra=uses(service.consume_materials))
def consume_materials(serial: SerialPath, operation: OperationPath, body: MaterialsRequest, request: Request,
                      actor: Actor = Depends(signed_in)):
    """Several material lots or child serials built in at the operation in work, in one submit: all or none."""
    return act(request, actor, body.model_dump(), lambda s: service.consume_materials(
        s, actor, serial=serial, operation=operation, materials=[m.entry() for m in body.materials]))


@router.post("/units/{serial}/operations/{operation}/record", status_code=201, response_model=OperationRecorded,
             openapi_extra=uses(service.record_operation))
def record_operation(serial: SerialPath, operation: OperationPath, request: Request,
                     body: OperationRequest = Body(default_factory=OperationRequest),
                     actor: Actor = Depends(signed_in)):
    """An operation done, in one submit (a test stand's run, a paper traveler entered after the fact):
    started with its tools, material built in, results taken, completed; a result out of spec leaves it in
    work with the unit on hold. A refusal at any step changes nothing."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.record_operation(
        s, actor, serial=serial, operation=operation, tools=body.tools, materials=[m.entry() for m in body.materials],
        results=[r.entry() for r in body.results], started_at=body.started_at, completed_at=body.completed_at))


@router.post("/units/{serial}/consumptions", status_code=201, response_model=Consumed,
             openapi_extra=uses(service.consume))
def consume(serial: SerialPath, body: ConsumeRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Build a material lot's quantity or a child serial into the unit at an operation."""
    return act(request, actor, body.model_dump(), lambda s: service.consume(
        s, actor, serial=serial, operation=body.operation, identifier=body.material, quantity=body.quantity))


@router.post("/imports/measurements", response_model=MeasurementsImported,
             openapi_extra=uses(imports.import_measurements))
def import_measurements(request: Request,
                        csv: Annotated[bytes, Body(media_type="text/csv", description=(
                            "columns: serial, operation, characteristic, value, recorded_at, operator, gauge"))],
                        again: Annotated[bool, Query(description="Import a file that was imported before.")] = False,
                        reason: Annotated[str | None, Query(max_length=2000,
                                                            description="Why the same file again.")] = None,
                        actor: Actor = Depends(signed_in)):
    """Import a test station's CSV in one transaction; any bad row and nothing is imported (every bad line
    listed). The same file twice is refused unless `again=true` with a `reason`."""
    options = parse(ImportRequest, again=again, reason=reason)
    try:
        text = csv.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("import_invalid", "the file is not UTF-8 text") from None
    return act(request, actor, {"sha256": hashlib.sha256(csv).hexdigest(), **options.model_dump()},
               lambda s: imports.import_measurements(s, actor, text=text, source="upload.csv", again=options.again,
                                                     reason=options.reason))


@router.get("/gauges/{code}/recall", response_model=GaugeRecall, openapi_extra=uses(gauges.gauge_recall))
def gauge_recall(code: Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The gauge's code.")],
                 request: Request, actor: Actor = Depends(signed_in)):
    """Every result the gauge took since its last good calibration, for each calibration that found it out of
    tolerance: the units, lots and characteristics a quality engineer reviews (the gauge recall)."""
    with read(request) as session:
        return gauges.gauge_recall(session, actor, code=code)
