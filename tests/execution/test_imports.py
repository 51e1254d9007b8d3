"""lrip.execution.imports: a file's rows are checked as typed results are, each distinct thing they say once."""
from datetime import timedelta

from factory import actor, build_line
from lrip.db import utcnow
from lrip.execution import imports, rules, service as execution

HEADER = "serial,operation,characteristic,value,recorded_at,operator,gauge\n"


def _counted(monkeypatch, name: str) -> list:
    """Count the calls of one of the rules the import asks."""
    calls, rule = [], getattr(rules, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return rule(*args, **kwargs)

    monkeypatch.setattr(rules, name, counting)
    return calls


def test_what_rows_repeat_is_checked_once_and_every_row_is_written(session, monkeypatch):
    """Before: 40 rows of one unit, operator, gauge and time asked the time, operator and gauge rules 40 times each
    and read the same two values 40 times."""
    build_line(session)
    admin = actor(session, "admin")
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    execution.start_operation(session, actor(session, "olga"), serial="SN-1", operation=10, tools=["TQ-1"],
                              at=utcnow() - timedelta(hours=1))
    at = (utcnow() - timedelta(minutes=5)).isoformat()
    text = HEADER + "".join(f"SN-1,10,TORQUE,{2.0 + n % 2 / 100:.2f},{at},olga,G1\n" for n in range(40))
    times, operators = _counted(monkeypatch, "result_time_problems"), _counted(monkeypatch, "operator_problems")
    readings = _counted(monkeypatch, "parse_result")
    result = imports.import_measurements(session, admin, text=text, source="station.csv")
    assert (result.rows, result.units, result.out_of_spec) == (40, 1, 0)
    assert (len(times), len(operators), sorted(raw for _, raw in readings)) == (1, 1, ["2.00", "2.01"])
