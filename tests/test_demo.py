"""The demo loads on both databases, is the same for the same seed, and tells its story."""
import shutil
import statistics
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factory import actor
from lrip import audit
from lrip.auth.service import create_first_admin
from lrip.capacity.learning import fit_crawford
from lrip.catalog.models import Characteristic
from lrip.config import database_url
from lrip.db import engine_for, unit_of_work
from lrip.demo import PROGRAM, load_demo
from lrip.errors import Invalid, Refused
from lrip.execution import service as execution
from lrip.catalog.models import Operation
from lrip.execution.models import Consumption, Measurement, OperationRecord, Unit, WorkInterval
from lrip.nonconformance.models import Hold, NcrDisposition, NonConformance, Scar
from lrip.supply.models import MaterialLot
from lrip.program.models import Lot
from lrip.traveler import service as traveler


def _first_values(session: Session, lot: str, code: str) -> list[float]:
    """The first measurement of a characteristic on each unit of a lot, in build order."""
    rows = session.execute(select(Unit.id, Measurement.value).join(Unit, Measurement.unit_id == Unit.id).join(Lot)
                           .join(Characteristic).where(Lot.number == lot, Characteristic.code == code)
                           .order_by(Unit.id, Measurement.id)).all()
    first = {}
    for unit_id, value in rows:
        first.setdefault(unit_id, value)
    return list(first.values())


def _hours_per_unit(session: Session) -> list[tuple[str, str, float]]:
    """(lot, serial, hours) of every complete unit, in the order the units were started."""
    rows = session.execute(select(Lot.number, Unit.serial, func.sum(OperationRecord.cycle_minutes),
                                  func.min(OperationRecord.started_at))
                           .join(Unit, OperationRecord.unit_id == Unit.id).join(Lot)
                           .where(Unit.status == "complete").group_by(Lot.number, Unit.serial)).all()
    return [(lot, serial, minutes / 60) for lot, serial, minutes, _ in sorted(rows, key=lambda r: r[3])]


def test_the_default_demo_tells_the_story(db_url, capsys):
    loading = datetime.now(timezone.utc)
    summary = load_demo(db_url)
    with unit_of_work(db_url) as session:
        _tells_the_story(session, summary)
        _tells_the_quality_story(session, summary)
        _keeps_its_own_times(session, loading)
        _came_through_the_product_file(session, db_url)
    _prints_the_story(summary, capsys)
    with pytest.raises(Refused, match="already holds program ACT-200"):
        load_demo(db_url)
    assert load_demo(db_url, if_empty=True) is None


def _tells_the_story(session: Session, summary: dict) -> None:
    lots = {lot["number"]: lot for lot in summary["lots"]}
    assert summary["program"] == PROGRAM and summary["phase"] == "lrip"
    assert summary["lrip_quantity"] > 0.1 * summary["planned_total"]
    assert lots["ACT-200-P1"]["units_by_status"] == {"complete": 5}
    assert lots["ACT-200-L1"]["units_by_status"] == {"complete": 20}
    assert lots["ACT-200-L2"]["units_by_status"] == {"complete": 29, "scrapped": 1}
    lot3 = lots["ACT-200-L3"]["units_by_status"]
    assert lot3["complete"] > 0 and lot3["in_work"] > 0 and lot3["planned"] > 0 and lot3["on_hold"] >= 1
    contained = summary["contained"]["units"]
    assert summary["holds"]["rework"] >= 1 and summary["holds"]["scrap"] == 1
    assert summary["holds"]["use_as_is"] == 1 + contained  # one MRB use-as-is on a unit, and the contained lot
    assert len(summary["users"]) >= 12

    # Every rework was measured again, and in spec, after the hold.
    reworked = session.execute(select(Hold).where(Hold.disposition == "rework")).scalars().all()
    for hold in reworked:
        held = session.get(Measurement, hold.measurement_id)
        later = session.execute(select(Measurement).where(
            Measurement.unit_id == hold.unit_id, Measurement.characteristic_id == held.characteristic_id,
            Measurement.id > held.id)).scalars().all()
        assert later and all(m.in_spec for m in later)
    failed_attribute = session.execute(select(Measurement).join(Characteristic).where(
        Characteristic.kind == "attribute", Measurement.passed.is_(False))).scalars().all()
    assert len(failed_attribute) == 1

    # Motor-mount torque drifts up over lot 1 and is back on nominal in lot 2, after TQ-201's calibration.
    lot1, lot2 = _first_values(session, "ACT-200-L1", "MTR-TQ"), _first_values(session, "ACT-200-L2", "MTR-TQ")
    quarter = len(lot1) // 4
    assert statistics.mean(lot1[-quarter:]) > statistics.mean(lot1[:quarter]) + 0.15
    assert abs(statistics.mean(lot2) - 2.50) < 0.03

    # Hours per unit fall along a learning curve near 85%.
    hours = _hours_per_unit(session)
    pilot = [h for lot, _, h in hours if lot == "ACT-200-P1"]
    assert statistics.mean(h for _, _, h in hours[-5:]) < 0.6 * statistics.mean(pilot)
    assert 0.80 < fit_crawford([h for _, _, h in hours]).learning_rate < 0.90

    # Nothing happened in the future, and every operation finished after it started.
    now = datetime.now(timezone.utc)
    assert session.execute(select(func.max(Measurement.recorded_at))).scalar_one() < now
    records = session.execute(select(OperationRecord)).scalars().all()
    assert all(r.started_at < now and (r.completed_at is None or r.started_at < r.completed_at) for r in records)

    # Every traveler renders; the unit on hold says so.
    serials = session.execute(select(Unit.serial).order_by(Unit.id)).scalars().all()
    reader = actor(session, "rchen")
    travelers = [traveler.traveler(session, reader, serial=serial) for serial in serials]
    assert len(travelers) == summary["units"] == 85
    held = [t for t in travelers if t.status == "on_hold"]
    assert held and all(any("is on hold" in r for r in t.next.blocked_by) for t in held)

    # Every unit was created before its first operation started.
    first_start = dict(session.execute(select(OperationRecord.unit_id, func.min(OperationRecord.started_at))
                                       .group_by(OperationRecord.unit_id)).all())
    assert all(u.created_at <= first_start[u.id] for u in session.execute(select(Unit)).scalars()
               if u.id in first_start)

    # Jan Kowalski's test qualification has lapsed: he may not start a functional test.
    waiting = next(t for t in travelers if t.next and t.next.action == "start" and t.next.sequence == 70)
    with pytest.raises(Refused, match="jkowalski's qualification for 'test' expired"):
        execution.start_operation(session, actor(session, "jkowalski"), serial=waiting.serial, operation=70,
                                  tools=["TS-01"])
    assert audit.verify(session).ok


def _fresh(sqlite_template, path) -> str:
    shutil.copy(sqlite_template, path)
    return database_url(f"sqlite:///{path}")


def _load(url: str, seed: int, progress=None, *, after_init: bool = False) -> tuple[dict, list]:
    if after_init:  # `lrip init` has made the admin, with a password
        with unit_of_work(url) as session:
            create_first_admin(session)
    summary = load_demo(url, units=12, seed=seed, progress=progress)
    with unit_of_work(url, write=False) as session:
        values = session.execute(select(Unit.serial, Characteristic.code, Measurement.value, Measurement.passed,
                                        Measurement.recorded_at).join(Unit, Measurement.unit_id == Unit.id)
                                 .join(Characteristic).order_by(Measurement.id)).all()
    engine_for(url).dispose()
    return summary, values


def test_the_demo_is_the_same_for_the_same_seed_and_scales(sqlite_template, tmp_path):
    told = []
    first = _load(_fresh(sqlite_template, tmp_path / "a.db"), 7, lambda advance, total, text: told.append((advance, total)))
    again = _load(_fresh(sqlite_template, tmp_path / "b.db"), 7)
    other = _load(_fresh(sqlite_template, tmp_path / "c.db"), 8, after_init=True)
    assert first == again
    assert [v[2] for v in first[1]] != [v[2] for v in other[1]]

    summary = first[0]
    assert sum(a for a, _ in told) == summary["units"] == 5 + 12 and {t for _, t in told} == {17}
    lrip = sum(sum(lot["units_by_status"].values()) for lot in summary["lots"] if lot["phase"] == "lrip")
    assert lrip == 12 and summary["planned_total"] == 90 and summary["lrip_quantity"] > 9


def test_too_few_units_is_refused_before_anything_is_written(sqlite_url):
    with pytest.raises(Invalid, match="at least 12"):
        load_demo(sqlite_url, units=5)
    with unit_of_work(sqlite_url, write=False) as session:
        assert not session.execute(select(Unit.id)).first()


def _tells_the_quality_story(session: Session, summary: dict) -> None:
    """Issue 13's story: a rev-A/rev-B changeover with a refused obsolete lot, a gauge recall, a contained
    supplier lot with its SCAR, and an operation paused at the end of a shift and taken over by the next."""
    assert "HSG-200 rev A, obsolete" in summary["changeover"]["refused"]
    assert summary["recall"]["results"] > 0 and summary["recall"]["units"] > 0

    c = summary["contained"]
    ncr = session.execute(select(NonConformance).where(NonConformance.number == c["ncr"])).scalar_one()
    lot = session.execute(select(MaterialLot).where(MaterialLot.lot_number == c["material_lot"])).scalar_one()
    assert ncr.material_lot_id == lot.id and ncr.supplier_id == lot.supplier_id and ncr.status == "dispositioned"
    assert lot.status != "accepted"  # quarantined by the NCR, what is left returned to the supplier
    holds = session.execute(select(Hold).where(Hold.ncr_id == ncr.id)).scalars().all()
    assert len(holds) == c["units"] > 1  # every unit built from the lot was held under the NCR ...
    assert all(h.released_at is not None and h.disposition == "use_as_is" for h in holds)  # ... and decided
    assert {h.opened_at for h in holds} == {ncr.opened_at}
    built = set(session.execute(select(Consumption.unit_id).where(Consumption.material_lot_id == lot.id)).scalars())
    assert {h.unit_id for h in holds} == built
    scar = session.execute(select(Scar).where(Scar.number == c["scar"])).scalar_one()
    assert scar.ncr_id == ncr.id and scar.supplier_id == lot.supplier_id and scar.status == "responded"

    assert summary["handed_over"]
    for serial in summary["handed_over"]:
        record = session.execute(select(OperationRecord).join(Unit).join(Operation).where(
            Unit.serial == serial, Operation.sequence == 50)).scalars().first()
        intervals = session.execute(select(WorkInterval).where(WorkInterval.operation_record_id == record.id)
                                    .order_by(WorkInterval.started_at)).scalars().all()
        assert [i.ended for i in intervals][0] == "paused" and len(intervals) >= 2
        assert intervals[1].started_at - intervals[0].ended_at > timedelta(hours=8)  # the next shift
        wall = (record.completed_at - record.started_at).total_seconds() / 60
        assert record.cycle_minutes == pytest.approx(sum((i.ended_at - i.started_at).total_seconds() / 60
                                                         for i in intervals), abs=0.01)
        assert record.cycle_minutes < wall - 8 * 60  # the night between is not cycle time


def _prints_the_story(summary: dict, capsys) -> None:
    """`lrip demo` says what it built: the changeover, the recall, the contained supplier lot with its SCAR,
    and the shift handovers."""
    from lrip.cli import _show_demo

    capsys.readouterr()
    _show_demo(summary)
    said = " ".join(capsys.readouterr().out.split())
    c = summary["contained"]
    assert "Changeover:" in said and "Gauge recall:" in said
    assert f"Contained supplier lot: {c['material_lot']} under {c['ncr']}, {c['units']} units" in said
    assert c["scar"] in said
    assert "Shift handover:" in said and all(serial in said for serial in summary["handed_over"])


def _keeps_its_own_times(session: Session, loading: datetime) -> None:
    """Every unit exists before its first operation, and the NCRs were decided and closed over the weeks of
    the ramp, before the demo was loaded, not all in the second it loads."""
    first_start = dict(session.execute(select(OperationRecord.unit_id, func.min(OperationRecord.started_at))
                                       .group_by(OperationRecord.unit_id)).all())
    created = dict(session.execute(select(Unit.id, Unit.created_at)).all())
    assert first_start and all(created[unit] <= started for unit, started in first_start.items())
    closed = session.execute(select(NonConformance.closed_at).where(NonConformance.closed_at.is_not(None))
                             ).scalars().all()
    decided = session.execute(select(NcrDisposition.decided_at)).scalars().all()
    opened = session.execute(select(NonConformance.opened_at)).scalars().all()
    assert len(closed) >= 3 and len(decided) >= 3
    for times in (closed, decided, opened):
        assert max(times) < loading
        assert max(times) - min(times) > timedelta(days=7)
    assert len({t.date() for t in closed}) >= 3


def _came_through_the_product_file(session: Session, db_url: str) -> None:
    """The engineering data is the product definition file, imported by `lrip product import`'s service:
    its instructions' first revisions and the drawing references of Form 3 are the file's. (Importing it
    again is refused, rightly: change control has moved WI-240 and the routing on since, in LRIP.)"""
    from lrip.catalog import productfile
    from lrip.catalog.models import Document, DocumentRevision
    from lrip.demo import PRODUCT_FILE

    data, _ = productfile.read(PRODUCT_FILE.read_bytes(), PRODUCT_FILE.name)
    stored = dict(session.execute(select(Document.number, DocumentRevision.content).join(DocumentRevision)
                                  .where(DocumentRevision.revision == "A")).all())
    assert {d["number"]: d["content"].strip() for d in data["documents"]} == stored
    references = {c["code"]: (c.get("balloon"), c.get("drawing_zone")) for o in data["routings"][0]["operations"]
                  for c in o["characteristics"]}
    found = {code: (balloon, zone) for code, balloon, zone in session.execute(
        select(Characteristic.code, Characteristic.balloon, Characteristic.drawing_zone)).all()}
    assert found == references and found["GEAR-BL"] == ("4", "B5")


def test_the_demo_product_file_imports_on_its_own_and_again_changes_nothing(sqlite_url):
    """The shipped file is a product definition like a plant's: it imports into an empty database through
    `lrip product import`'s service, and the same file again is 0 changes."""
    from lrip.auth.actor import INSTALLATION
    from lrip.auth.service import create_user
    from lrip.catalog import product, productfile
    from lrip.demo import PRODUCT_FILE

    data, lines = productfile.read(PRODUCT_FILE.read_bytes(), PRODUCT_FILE.name)
    with unit_of_work(sqlite_url) as session:
        create_user(session, INSTALLATION, username="admin", full_name="Ada Admin", roles=["admin"])
        create_user(session, actor(session, "admin"), username="bokafor", full_name="Ben Okafor",
                    roles=["manufacturing_engineer"])
        first = product.import_product(session, actor(session, "bokafor"), data, {}, lines=lines)
    with unit_of_work(sqlite_url) as session:
        again = product.import_product(session, actor(session, "bokafor"), data, {}, lines=lines)
    assert first.changes > 40 and again.changes == 0
