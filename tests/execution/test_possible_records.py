"""Issue 13, only possible records and gauges in the register: a result names a gauge of the tool register, of
the characteristic's gauge kind where one is set, in calibration at the result's moment; its time lies within
its operation attempt and not in the future; whoever took it may record results and held the operation's
qualification then. A bulk import applies exactly the same checks, names every bad row, and reads what the
rows refer to set-based (the same statements for 1 unit as for 20)."""
from datetime import timedelta

import pytest

from factory import ADMIN, PM, TODAY, actor, build_line
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.catalog.rules import CharacteristicSpec as C
from lrip.catalog.rules import OperationSpec as O
from lrip.db import utcnow
from lrip.errors import Invalid, Refused
from lrip.execution import imports, service as execution
from lrip.program import service as program
from reading import counting

ANALYSER = "torque analyser"
STATION = "station4"  # an inspector's account, as a test station imports its files
GAUGED = [O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
            (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True, gauge_kind=ANALYSER),)),
          O(20, "Inspect", "ASSY", 10, ("WI-20", "A"), (), "assembly", (C("VISUAL", "Visual inspection", "attribute"),))]


@pytest.fixture
def line(session):
    """The factory line, a routing rev 2 whose screw torque is measured with a torque analyser, lot L2 on it,
    and the gauge crib: TA-1 (a torque analyser calibrated 60 days ago), CAL-2 (a caliper), TA-OLD (lapsed),
    TA-NEW (first calibrated 10 days ago)."""
    build_line(session)
    admin = actor(session, ADMIN)
    create_user(session, admin, username=STATION, full_name="Test station 4", roles=["inspector"])
    for code, kind, calibrated, due in (("TA-1", ANALYSER, -60, 300), ("CAL-2", "caliper", -60, 300),
                                        ("TA-OLD", ANALYSER, -400, -35), ("TA-NEW", ANALYSER, -10, 355)):
        catalog.create_tool(session, admin, code=code, kind=kind, description=f"{kind} {code}", category="gauge",
                            calibration_due=TODAY + timedelta(days=due), certificate=f"CERT-{code}",
                            calibrated_on=TODAY + timedelta(days=calibrated))
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="2", operations=GAUGED,
                           release=True)
    program.create_lot(session, actor(session, PM), program="ACT", number="L2", planned_quantity=20,
                       routing_revision="2")
    return session


def _started(session, serial: str, *, lot: str = "L2", hours_ago: float = 0) -> None:
    execution.create_unit(session, actor(session, ADMIN), lot=lot, serial=serial)
    execution.start_operation(session, actor(session, "olga"), serial=serial, operation=10, tools=["TQ-1"],
                              at=utcnow() - timedelta(hours=hours_ago))


def _measure(session, serial: str, gauge: str | None, *, who: str = "olga", **when):
    return execution.record_measurement(session, actor(session, who), serial=serial, characteristic="TORQUE",
                                        result="2.01", gauge=gauge, **when)


def test_a_gauge_that_is_not_in_the_register_is_refused(line):
    """Today `--gauge NOSUCHGAUGE` is accepted, and printed as tooling on AS9102 Form 3."""
    execution.create_unit(line, actor(line, ADMIN), lot="L1", serial="SN-1")
    execution.start_operation(line, actor(line, "olga"), serial="SN-1", operation=10, tools=["TQ-1"])
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-1", "NOSUCHGAUGE")
    assert refused.value.reasons == ["no gauge NOSUCHGAUGE in the tool register"]
    assert _measure(line, "SN-1", "ta-1").gauge == "TA-1"  # found regardless of case, kept as the register spells it


def test_the_gauge_is_of_the_characteristics_kind_and_in_calibration(line):
    _started(line, "SN-21")
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-21", None)
    assert refused.value.reasons == ["TORQUE Screw torque is measured with a torque analyser; name the gauge used"]
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-21", "CAL-2")
    assert refused.value.reasons == ["CAL-2 is a caliper; TORQUE Screw torque is measured with a torque analyser"]
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-21", "TA-OLD")
    assert refused.value.reasons == [f"gauge TA-OLD was out of calibration on {TODAY} "
                                     f"(due {TODAY - timedelta(days=35)})"]
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-21", "TQ-1")  # a production tool with a due date, but no calibration record
    assert refused.value.reasons == ["TQ-1 is a torque driver; TORQUE Screw torque is measured with a torque analyser"]
    assert _measure(line, "SN-21", "TA-1").in_spec


def test_the_calibration_in_force_at_the_moment_of_the_result_counts(line):
    """A result from before the gauge's first calibration is refused even if it is in calibration now."""
    _started(line, "SN-22", hours_ago=24 * 20)
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-22", "TA-NEW", at=utcnow() - timedelta(days=15))
    assert refused.value.reasons == [f"gauge TA-NEW was out of calibration on {TODAY - timedelta(days=15)} "
                                     "(not yet calibrated then)"]
    assert _measure(line, "SN-22", "TA-NEW", at=utcnow() - timedelta(days=5)).in_spec


def test_nobody_starts_an_operation_on_a_day_before_they_were_qualified(line):
    execution.create_unit(line, actor(line, ADMIN), lot="L2", serial="SN-26")
    with pytest.raises(Refused) as refused:
        execution.start_operation(line, actor(line, "olga"), serial="SN-26", operation=10, tools=["TQ-1"],
                                  at=utcnow() - timedelta(days=40))
    assert refused.value.reasons == [f"operator olga was qualified for 'assembly' only from "
                                     f"{TODAY - timedelta(days=30)}, after {TODAY - timedelta(days=40)}"]


def test_a_result_lies_within_its_operation_attempt_and_not_in_the_future(line):
    """Today an import took rows dated 1999 for an operation started today."""
    _started(line, "SN-23", hours_ago=2)
    started = utcnow() - timedelta(hours=2)
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-23", "TA-1", at=started - timedelta(hours=1))
    assert refused.value.reasons[0].startswith("a result recorded at ") and (
        "is before operation 10 (Assemble) started on SN-23 at" in refused.value.reasons[0])
    with pytest.raises(Refused, match="is in the future"):
        _measure(line, "SN-23", "TA-1", at=utcnow() + timedelta(hours=1))


def test_whoever_records_a_result_held_the_operations_qualification(line):
    """newbie is an operator who may record results, but holds no 'assembly' qualification (LRIP asks for it)."""
    _started(line, "SN-24")
    with pytest.raises(Refused) as refused:
        _measure(line, "SN-24", "TA-1", who="newbie")
    assert refused.value.reasons == ["operator newbie is not qualified for 'assembly'"]


CSV = "serial,operation,characteristic,value,recorded_at,operator,gauge\n"


def _row(serial: str, at, who: str = "olga", gauge: str = "TA-1", value: str = "2.01") -> str:
    return f"{serial},10,TORQUE,{value},{at.isoformat()},{who},{gauge}\n"


def test_an_import_applies_the_same_checks_and_names_every_bad_row(line):
    """Today a file took rows dated 1999 for an operation started today, and a row by the program manager."""
    _started(line, "SN-25", hours_ago=1)
    now = utcnow()
    text = CSV + "".join([
        _row("SN-25", now - timedelta(minutes=30)),
        _row("SN-25", now.replace(year=1999)),
        _row("SN-25", now - timedelta(minutes=20), who=PM),
        _row("SN-25", now - timedelta(minutes=10), gauge="NOSUCHGAUGE"),
        _row("SN-25", now - timedelta(minutes=10), gauge="CAL-2"),
        _row("SN-25", now + timedelta(hours=2)),
    ])
    with pytest.raises(Invalid) as refused:
        imports.import_measurements(line, actor(line, STATION), text=text, source="station.csv")
    reasons = refused.value.reasons
    assert reasons[0] == "station.csv: 5 bad row(s) of 6; nothing was imported"
    assert [r.split(":")[0] for r in reasons[1:]] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "is before operation 10 (Assemble) started on SN-25" in reasons[1]
    assert reasons[2] == ("line 4: petra may not record results (not an operator, inspector or quality engineer); "
                          "operator petra is not qualified for 'assembly'")
    assert reasons[3] == "line 5: no gauge NOSUCHGAUGE in the tool register"
    assert reasons[4] == "line 6: CAL-2 is a caliper; TORQUE Screw torque is measured with a torque analyser"
    assert reasons[5].startswith("line 7: a result recorded at ") and reasons[5].endswith("is in the future")
    done = imports.import_measurements(line, actor(line, STATION), text=CSV + _row("SN-25", now), source="ok.csv")
    assert (done.rows, done.out_of_spec) == (1, 0)


def test_an_import_reads_what_its_rows_refer_to_in_the_same_statements_for_one_unit_or_twenty(line):
    serials = [f"SN-{n}" for n in range(30, 50)]
    for serial in serials:
        _started(line, serial, hours_ago=1)
    now = utcnow()

    def statements(units: list[str], name: str) -> int:
        text = CSV + "".join(_row(s, now - timedelta(minutes=k)) for s in units for k in range(3))
        with counting(line) as sent:
            imports.import_measurements(line, actor(line, STATION), text=text, source=name)
        return len(sent)

    assert statements(serials[:1], "one.csv") == statements(serials[1:], "many.csv")


def test_a_result_with_its_gauge_checked_keeps_within_the_shop_floors_budget(line):
    """The gauge and its calibration history are one statement: a result stays within the eight statements
    (tests/execution/test_statements.py) with everything checked."""
    _started(line, "SN-27")
    olga = actor(line, "olga")
    with counting(line) as sent:
        execution.record_measurement(line, olga, serial="SN-27", characteristic="TORQUE", result="2.0", gauge="TA-1")
    assert len(sent) <= 8, sent
