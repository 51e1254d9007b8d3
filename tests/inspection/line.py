"""The factory line with SN-1 through every operation, an inspector and a quality engineer who can sign:
the smallest record a full first article inspection is built from."""
from sqlalchemy.orm import Session

from factory import ADMIN, actor, build_line, run_op10
from lrip.auth.service import create_user
from lrip.execution import service as execution


def finished_line(session: Session, password: str) -> None:
    build_line(session)
    admin = actor(session, ADMIN)
    create_user(session, admin, username="ins", full_name="Ina Inspector", roles=["inspector"], password=password)
    create_user(session, admin, username="qe", full_name="Quinn Quality", roles=["quality_engineer"],
                password=password)
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    run_op10(session, "SN-1", "M-001")
    olga = actor(session, "olga")
    for op, results in ((20, [("VISUAL", "pass")]), (30, [("CURRENT", "1.01"), ("NOISE", "40")])):
        execution.start_operation(session, olga, serial="SN-1", operation=op)
        for code, value in results:
            execution.record_measurement(session, olga, serial="SN-1", characteristic=code, result=value)
        execution.complete_operation(session, olga, serial="SN-1", operation=op)
