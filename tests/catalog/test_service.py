"""Catalog services on a real database: parts, BOMs, work instructions, work centers, tools,
qualifications and routings. Each refusal lists every reason and writes nothing."""
import hashlib
import math
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.audit import AuditEvent
from lrip.auth.service import create_user
from lrip.catalog import models as m
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.errors import NotFound, Refused

TABLES = (m.Part, m.PartRevision, m.BomLine, m.Document, m.DocumentRevision, m.WorkCenter, m.Tool,
          m.Qualification, m.Routing, m.Operation, m.Characteristic, AuditEvent)


def counts(session) -> dict:
    with Session(session.get_bind()) as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}


def refused(call, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(**kw)
    return exc.value.reasons


def events(session, action) -> list[AuditEvent]:
    with Session(session.get_bind()) as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).scalars())


@pytest.fixture
def base(session):
    """An admin, a serialized product with revision A, a lot-tracked screw, a work center and one instruction."""
    with session.begin():
        create_user(session, username="admin", full_name="Ada Admin", roles=["admin"], actor="system")
        create_user(session, username="olga", full_name="Olga Operator", roles=["operator"], actor="admin")
        catalog.create_part(session, number="ACT-100", description="Actuator", tracking="serial", actor="admin")
        catalog.add_part_revision(session, number="ACT-100", revision="A", actor="admin")
        catalog.create_part(session, number="SCR-4", description="Screw", tracking="lot", actor="admin")
        catalog.create_part(session, number="MTR-1", description="Motor", tracking="serial", actor="admin")
        catalog.create_work_center(session, code="ASSY", name="Assembly", hours_per_day=8, actor="admin")
        catalog.create_document(session, number="WI-10", title="Assemble", actor="admin")
        catalog.add_document_revision(session, number="WI-10", revision="A", content="Torque to 2 N·m.", actor="admin")
    return session


# ---------------------------------------------------------------- parts and BOMs

def test_part_refusals_all_at_once(base):
    before = counts(base)
    assert refused(catalog.create_part, session=base, number="ACT-100", description="again", tracking="batch",
                   actor="admin") == ["tracking is serial, lot or none, not 'batch'", "part ACT-100 already exists"]
    assert refused(catalog.create_part, session=base, number=" ", description="x", tracking="lot", actor="admin") == [
        "a part needs a number"]
    assert refused(catalog.add_part_revision, session=base, number="ACT-100", revision="A", actor="admin") == [
        "ACT-100 rev A already exists"]
    assert counts(base) == before
    assert catalog.add_part_revision(base, number="ACT-100", revision="B", actor="admin", release=True).status == "released"
    assert [(e.record_id, e.after) for e in events(base, "part.created")][0] == (
        "ACT-100", {"description": "Actuator", "tracking": "serial"})


def test_bom_refusals_all_at_once(base):
    catalog.add_bom_line(base, parent="ACT-100", revision="A", child="SCR-4", quantity=4, operation_sequence=10,
                         actor="admin")
    before = counts(base)
    assert refused(catalog.add_bom_line, session=base, parent="ACT-100", revision="A", child="SCR-4", quantity=0,
                   operation_sequence=10, actor="admin") == [
        "a BOM quantity is positive, not 0", "SCR-4 is already on the BOM of ACT-100 rev A"]
    assert refused(catalog.add_bom_line, session=base, parent="ACT-100", revision="A", child="MTR-1", quantity=1.5,
                   operation_sequence=10, actor="admin") == ["MTR-1 is serialized; its quantity is a whole number"]
    assert refused(catalog.add_bom_line, session=base, parent="ACT-100", revision="A", child="ACT-100", quantity=1,
                   operation_sequence=10, actor="admin") == ["ACT-100 cannot contain itself"]
    with pytest.raises(NotFound) as exc:
        catalog.add_bom_line(base, parent="ACT-100", revision="Z", child="MTR-1", quantity=1, operation_sequence=10,
                             actor="admin")
    assert exc.value.reasons == ["No revision of ACT-100 with revision Z"]
    assert counts(base) == before


@pytest.mark.parametrize("q", [math.nan, math.inf])
def test_a_non_finite_bom_quantity_is_refused(base, q):
    assert refused(catalog.add_bom_line, session=base, parent="ACT-100", revision="A", child="SCR-4", quantity=q,
                   operation_sequence=10, actor="admin") == [f"a BOM quantity is positive, not {q}"]


# ---------------------------------------------------------------- work instructions

def test_releasing_a_revision_supersedes_the_one_before(base):
    catalog.release_document_revision(base, number="WI-10", revision="A", actor="admin")
    rev_b = catalog.add_document_revision(base, number="WI-10", revision="B", content="Torque to 2.1 N·m.",
                                          actor="admin", status="redline")
    assert rev_b.content_hash == hashlib.sha256("Torque to 2.1 N·m.".encode()).hexdigest()
    catalog.release_document_revision(base, number="WI-10", revision="B", actor="admin")
    with Session(base.get_bind()) as s:
        assert {r: catalog.get_document_revision(s, "WI-10", r).status for r in "AB"} == {
            "A": "superseded", "B": "released"}
        assert catalog.get_document_revision(s, "WI-10", "B").released_at is not None
    assert [e.record_id for e in events(base, "document_revision.superseded")] == ["WI-10/A"]
    assert refused(catalog.release_document_revision, session=base, number="WI-10", revision="A", actor="admin") == [
        "WI-10 rev A is superseded; only a draft or redline is released"]


def test_document_refusals_all_at_once(base):
    before = counts(base)
    assert refused(catalog.add_document_revision, session=base, number="WI-10", revision="A", content=" ",
                   actor="admin", status="released") == [
        "a new revision starts as draft or redline, not released; release it afterwards",
        "WI-10 rev A already exists", "a work instruction has text"]
    assert refused(catalog.create_document, session=base, number="WI-10", title="again", actor="admin") == [
        "document WI-10 already exists"]
    assert counts(base) == before


# ---------------------------------------------------------------- work centers, tools, qualifications

def test_work_center_refusals_all_at_once(base):
    assert refused(catalog.create_work_center, session=base, code="ASSY", name="x", hours_per_day=25, stations=0,
                   efficiency=1.5, actor="admin") == [
        "work center ASSY already exists", "hours per day are between 0 and 24, not 25",
        "a work center has at least 1 station, not 0", "efficiency is above 0 and at most 1, not 1.5"]
    assert refused(catalog.create_work_center, session=base, code="NEW", name="x", hours_per_day=math.nan,
                   actor="admin") == ["hours per day are between 0 and 24, not nan"]


def test_tools_and_calibration_are_audited(base):
    catalog.create_tool(base, code="TQ-1", kind="torque driver", description="2 Nm", category="production",
                        calibration_due=date(2026, 1, 31), actor="admin")
    assert refused(catalog.create_tool, session=base, code="TQ-1", kind="torque driver", description="x",
                   category="borrowed", calibration_due=None, actor="admin") == [
        "tool TQ-1 already exists", "a tool is production or temporary, not 'borrowed'"]
    catalog.calibrate_tool(base, code="TQ-1", due=date(2026, 7, 31), actor="admin")
    [ev] = events(base, "tool.calibrated")
    assert (ev.before, ev.after) == ({"calibration_due": "2026-01-31"}, {"calibration_due": "2026-07-31"})


def test_qualifications_expire_after_they_are_granted_and_renew_in_place(base):
    assert refused(catalog.grant_qualification, session=base, username="olga", skill="assembly",
                   granted_on=date(2026, 3, 1), expires_on=date(2026, 3, 1), actor="admin") == [
        "a qualification expires after it is granted (2026-03-01 .. 2026-03-01)"]
    catalog.grant_qualification(base, username="olga", skill="assembly", granted_on=date(2026, 1, 1),
                                expires_on=date(2026, 6, 30), actor="admin")
    catalog.grant_qualification(base, username="olga", skill="assembly", granted_on=date(2026, 6, 1),
                                expires_on=date(2027, 6, 30), actor="admin")
    with Session(base.get_bind()) as s:
        assert s.execute(select(m.Qualification.skill, m.Qualification.expires_on)).all() == [
            ("assembly", date(2027, 6, 30))]
    assert [(e.before, e.after) for e in events(base, "qualification.granted")] == [
        (None, {"skill": "assembly", "expires_on": "2026-06-30"}),
        ({"expires_on": "2026-06-30"}, {"skill": "assembly", "expires_on": "2027-06-30"})]
    with pytest.raises(NotFound):
        catalog.grant_qualification(base, username="ghost", skill="assembly", granted_on=date(2026, 1, 1),
                                    expires_on=date(2026, 2, 1), actor="admin")


# ---------------------------------------------------------------- routings

def test_a_routing_is_created_with_its_operations_and_characteristics(base):
    r = catalog.create_routing(base, part="ACT-100", part_revision="A", revision="1", actor="admin", operations=[
        O(20, "Test", "ASSY", 10, None, (), "test", (C("NOISE", "Noise", usl=45.0, units="dB"),)),
        O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
          (C("TORQUE", "Torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True), C("LOOK", "Look", "attribute"))),
    ])
    assert r.status == "draft"
    with Session(base.get_bind()) as s:
        routing = catalog.get_routing(s, "ACT-100", "A", "1")
        ops = routing.operations
        assert [(o.sequence, o.name, o.required_tool_kinds, o.required_skill) for o in ops] == [
            (10, "Assemble", ["torque driver"], "assembly"), (20, "Test", [], "test")]
        assert ops[0].document_revision.label == "WI-10 rev A"
        assert [(c.code, c.kind, c.lsl, c.usl, c.key) for c in ops[0].characteristics] == [
            ("LOOK", "attribute", None, None, False), ("TORQUE", "variable", 1.8, 2.2, True)]
    [ev] = events(base, "routing.created")
    assert (ev.record_id, ev.after) == ("ACT-100/A/1", {"status": "draft", "operations": [20, 10]})


def test_a_bad_routing_gets_every_reason_and_writes_nothing(base):
    catalog.create_routing(base, part="ACT-100", part_revision="A", revision="1", actor="admin",
                           operations=[O(10, "Assemble", "ASSY", 30)])
    before = counts(base)
    reasons = refused(catalog.create_routing, session=base, part="ACT-100", part_revision="A", revision="1",
                      actor="admin", operations=[
                          O(10, "Assemble", "PAINT", 0, ("WI-99", "A"), (), None,
                            (C("T", "t", "variable"), C("K", "k", "gauge"))),
                          O(10, "Again", "ASSY", 5, ("WI-10", "Z"), (), None,
                            (C("T", "t2", "variable", None, 3.0, 2.0),)),
                      ])
    assert reasons == [
        "operation sequence numbers are unique in a routing",
        "characteristic T appears twice; codes are unique in a routing",
        "operation 10 needs positive standard minutes",
        "T is variable and needs a lower or upper limit",
        "K is variable or attribute, not 'gauge'",
        "T lower limit 3.0 is not below upper limit 2.0",
        "routing rev 1 of ACT-100 rev A already exists",
        "operation 10: no work center PAINT",
        "operation 10: No document with number WI-99",
        "operation 10: No revision of WI-10 with revision Z",
    ]
    assert refused(catalog.create_routing, session=base, part="ACT-100", part_revision="A", revision="2",
                   actor="admin", operations=[]) == ["a routing has at least one operation"]
    assert counts(base) == before


@pytest.mark.parametrize("op", [
    O(10, "A", "ASSY", math.nan),
    O(10, "A", "ASSY", 5, characteristics=(C("T", "t", "variable", None, math.nan, math.nan),)),
], ids=["nan-minutes", "nan-limits"])
def test_non_finite_numbers_in_a_routing_are_refused(base, op):
    assert refused(catalog.create_routing, session=base, part="ACT-100", part_revision="A", revision="9",
                   actor="admin", operations=[op])
