"""Small lines for the program-level quality analysis: units built through the real services
with values and times chosen so every figure can be worked by hand."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import event
from sqlalchemy.orm import Session

from factory import actor, build_line
from lrip.execution import service as execution
from lrip.nonconformance.mrb import disposition_unit

# NIST/SEMATECH e-Handbook 6.3.2.2: flow rate of 10 batches, divided by 25 to fall in the
# factory's TORQUE spec (1.8-2.2 N·m). Limits scale with the data: NIST's center 50.81 -> 2.0324.
FLOW_RATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
TORQUES = [f"{v / 25:.4f}" for v in FLOW_RATE]


def start_time() -> datetime:
    """Two days ago at 06:00 UTC: within everyone's qualifications and tool calibrations."""
    day = datetime.now(timezone.utc).date() - timedelta(days=2)
    return datetime(day.year, day.month, day.day, 6, tzinfo=timezone.utc)


def op(session: Session, serial: str, sequence: int, at: datetime, minutes: float, results=(), *,
       motor: str | None = None, complete: bool = True) -> None:
    """Start an operation at `at`, consume (op 10), record results, complete after `minutes` (olga)."""
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial=serial, operation=sequence,
                              tools=["TQ-1"] if sequence == 10 else [], at=at)
    if motor:
        execution.consume(session, olga, serial=serial, operation=10, identifier=motor, at=at)
        execution.consume(session, olga, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4, at=at)
    for code, value in results:
        execution.record_measurement(session, olga, serial=serial, characteristic=code, result=value,
                                     at=at + timedelta(minutes=minutes / 2))
    if complete:
        execution.complete_operation(session, olga, serial=serial, operation=sequence,
                                     at=at + timedelta(minutes=minutes))


def build_torque_series(session: Session, units: int = 10) -> None:
    """Ten units (or the first `units`) through operation 10 with the NIST torques, one an hour, in serial order."""
    names = build_line(session, lot_quantity=12, phase="pilot")  # the scene alone (no factory pilot lot P1)
    t0 = start_time()
    for i, torque in enumerate(TORQUES[:units]):
        serial = f"SN-{i + 1:02d}"
        execution.create_unit(session, actor(session, "admin"), lot="L1", serial=serial)
        op(session, serial, 10, t0 + timedelta(hours=i), 30, [("TORQUE", torque)], motor=names["motors"][i])


def build_four_units(session: Session) -> None:
    """The metrics scene, worked by hand in test_metrics_service.py:

    U1 passes 10, 20, 30 first time (30 minutes each).
    U2 torque 2.3 at 10 (held, reworked to 10), again 2.0 in 40 minutes; 20 and 30 pass.
    U3 passes 10; fails VISUAL at 20 (held, scrapped).
    U4 passes 10; operation 20 started, not finished.
    """
    names = build_line(session, lot_quantity=5, phase="pilot")  # the scene alone (no factory pilot lot P1)
    motors = names["motors"]
    t = start_time()
    admin = actor(session, "admin")
    for s in ("U1", "U2", "U3", "U4"):
        execution.create_unit(session, admin, lot="L1", serial=s)
    op(session, "U1", 10, t, 30, [("TORQUE", "2.0")], motor=motors[0])
    op(session, "U1", 20, t + timedelta(hours=1), 30, [("VISUAL", "pass")])
    op(session, "U1", 30, t + timedelta(hours=2), 30, [("CURRENT", "1.0"), ("NOISE", "40")])

    op(session, "U2", 10, t, 30, [("TORQUE", "2.3")], motor=motors[1], complete=False)
    disposition_unit(session, admin, serial="U2", action="rework", rework_to=10,
                     reason="Over-torqued: back off and re-torque")
    op(session, "U2", 10, t + timedelta(hours=1), 40, [("TORQUE", "2.0")])
    op(session, "U2", 20, t + timedelta(hours=2), 30, [("VISUAL", "pass")])
    op(session, "U2", 30, t + timedelta(hours=3), 30, [("CURRENT", "1.0"), ("NOISE", "40")])

    op(session, "U3", 10, t, 30, [("TORQUE", "2.0")], motor=motors[2])
    op(session, "U3", 20, t + timedelta(hours=1), 30, [("VISUAL", "fail")], complete=False)
    disposition_unit(session, admin, serial="U3", action="scrap", reason="Cracked housing")

    op(session, "U4", 10, t, 30, [("TORQUE", "2.0")], motor=motors[3])
    op(session, "U4", 20, t + timedelta(hours=1), 30, complete=False)


def selects_while(session: Session, work) -> tuple[object, int]:
    """work()'s result and how many SELECT statements it sent to the database."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", count)
    try:
        result = work()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", count)
    return result, sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))
