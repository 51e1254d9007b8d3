"""Issue 13: the AS9102 forms show the revision of every lot built in (Form 2) and the gauge of every result,
with the calibration it was in then (Form 3): today Form 2 has no revisions, and Form 3 printed whatever was
typed as a gauge (NOSUCHGAUGE) as tooling."""
from datetime import timedelta

from factory import ADMIN, TODAY, actor, build_line
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.execution import service as execution
from lrip.inspection import first_article
from lrip.settings import service as settings


def test_the_forms_show_the_revisions_built_in_and_each_results_gauge(session):
    build_line(session)
    admin = actor(session, ADMIN)
    settings.set_setting(session, admin, key="organization", value="Actuators Inc., plant 1", reason="test")
    create_user(session, admin, username="ina", full_name="Ina Inspector", roles=["inspector"])
    catalog.create_tool(session, admin, code="TA-1", kind="torque analyser", description="Torque analyser",
                        category="gauge", calibration_due=TODAY + timedelta(days=300), certificate="TA-1-C1",
                        calibrated_on=TODAY - timedelta(days=65))
    olga = actor(session, "olga")
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    execution.start_operation(session, olga, serial="SN-1", operation=10, tools=["TQ-1"])
    execution.consume(session, olga, serial="SN-1", operation=10, identifier="M-001")
    execution.consume(session, olga, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=4)
    execution.record_measurement(session, olga, serial="SN-1", characteristic="TORQUE", result="2.0", gauge="TA-1")
    fai = first_article.create_fai(session, actor(session, "ina"), serial="SN-1")
    forms = first_article.fai_record(session, actor(session, "ina"), number=fai.number)
    assert [(m["identifier"], m["part"], m["revision"]) for m in forms.form2["materials"]] == [
        ("M-001", "MTR-1", "A"), ("SCR-LOT-1", "SCR-4", "A")]
    torque = next(r for r in forms.form3 if r["code"] == "TORQUE")
    assert torque["gauge"] == {"code": "TA-1", "kind": "torque analyser",
                               "calibration_due": (TODAY + timedelta(days=300)).isoformat()}
    assert torque["tooling"] == ["TQ-1", "TA-1"]
