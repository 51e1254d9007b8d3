"""Catalog services on a real database: parts, BOMs, work instructions, work centers, tools,
qualifications and routings. Each refusal lists every reason and writes nothing; the use cases are
the engineer's, and the identifiers are unique regardless of case."""
import hashlib
import math
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from factory import actor
from lrip.audit import AuditEvent
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.catalog import models as m
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.errors import Forbidden, NotFound, Refused

TABLES = (m.Part, m.PartRevision, m.BomLine, m.Document, m.DocumentRevision, m.WorkCenter, m.Tool,
          m.Qualification, m.Routing, m.Operation, m.Characteristic, AuditEvent)


def counts(session) -> dict:
    """Rows per table as this unit of work sees them (anything a refusal left behind would be flushed)."""
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def refused(call, session, who, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(session, who, **kw)
    return exc.value.reasons


def events(session, action) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.seq)).scalars())


def setup_version(session) -> int:
    """0 before the first change (the PostgreSQL tests empty every table, the migration's row too)."""
    return session.scalar(select(m.SetupVersion.version)) or 0


@pytest.fixture
def admin(session):
    """An admin, an operator and an engineer, a serialized product with revision A, a lot-tracked screw,
    a work center and one instruction."""
    create_user(session, INSTALLATION, username="admin", full_name="Ada Admin", roles=["admin"])
    admin = actor(session, "admin")
    create_user(session, admin, username="olga", full_name="Olga Operator", roles=["operator"])
    create_user(session, admin, username="mel", full_name="Mel Engineer", roles=["manufacturing_engineer"])
    catalog.create_part(session, admin, number="ACT-100", description="Actuator", tracking="serial")
    catalog.add_part_revision(session, admin, number="ACT-100", revision="A")
    catalog.create_part(session, admin, number="SCR-4", description="Screw", tracking="lot")
    catalog.create_part(session, admin, number="MTR-1", description="Motor", tracking="serial")
    catalog.create_work_center(session, admin, code="ASSY", name="Assembly", hours_per_day=8)
    catalog.create_document(session, admin, number="WI-10", title="Assemble")
    catalog.add_document_revision(session, admin, number="WI-10", revision="A", content="Torque to 2 N·m.")
    return admin


# ---------------------------------------------------------------- parts and BOMs

def test_part_refusals_all_at_once(session, admin):
    before = counts(session)
    assert refused(catalog.create_part, session, admin, number="ACT-100", description="again", tracking="batch") == [
        "tracking is serial, lot or none, not 'batch'", "part ACT-100 already exists"]
    assert refused(catalog.create_part, session, admin, number=" ", description="x", tracking="lot") == [
        "a part number is 1 to 60 of the characters A-Z, a-z, 0-9, '-', '_' and '.', beginning with a letter or "
        "digit, without '..', not ''"]
    assert refused(catalog.add_part_revision, session, admin, number="ACT-100", revision="A") == [
        "ACT-100 rev A already exists"]
    assert counts(session) == before
    rev = catalog.add_part_revision(session, admin, number="act-100", revision="B", release=True)
    assert (rev.part, rev.revision, rev.status) == ("ACT-100", "B", "released")
    assert [(e.record_id, e.after) for e in events(session, "part.created")][0] == (
        "ACT-100", {"description": "Actuator", "tracking": "serial"})


@pytest.mark.parametrize("number", ["act-100", "Act-100", " ACT-100 ", "ACT\u2011100", "ACT/100", "ACT..1"])
def test_part_numbers_are_identifiers_unique_regardless_of_case(session, admin, number):
    before = counts(session)
    assert refused(catalog.create_part, session, admin, number=number, description="again", tracking="serial")
    assert counts(session) == before


@pytest.mark.parametrize("create, taken", [
    (lambda s, a: catalog.create_document(s, a, number="wi-10", title="again"), "document wi-10 already exists"),
    (lambda s, a: catalog.create_work_center(s, a, code="assy", name="again", hours_per_day=8),
     "work center assy already exists"),
    (lambda s, a: catalog.create_tool(s, a, code="tq-1", kind="torque driver", description="again",
                                      category="production", calibration_due=None), "tool tq-1 already exists"),
    (lambda s, a: catalog.add_document_revision(s, a, number="WI-10", revision="a", content="again"),
     "WI-10 rev a already exists"),
], ids=["document", "work center", "tool", "document revision"])
def test_codes_are_unique_regardless_of_case(session, admin, create, taken):
    catalog.create_tool(session, admin, code="TQ-1", kind="torque driver", description="2 Nm", category="production",
                        calibration_due=None)
    with pytest.raises(Refused) as exc:
        create(session, admin)
    assert exc.value.reasons == [taken]


def test_codes_and_revisions_longer_than_their_columns_are_refused_in_words(session, admin):
    assert refused(catalog.create_tool, session, admin, code="T" * 41, kind="torque driver", description="x",
                   category="production", calibration_due=None) == ["a tool code has at most 40 characters, not 41"]
    assert refused(catalog.add_part_revision, session, admin, number="ACT-100", revision="B" * 11) == [
        "a revision has at most 10 characters, not 11"]


def test_the_database_refuses_a_part_number_that_differs_only_by_case(session, admin):
    """The unique index on lower(number) holds even if a service forgot to look."""
    session.commit()
    session.add(m.Part(number="act-100", description="sneaked in", tracking="serial"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_bom_refusals_all_at_once(session, admin):
    catalog.add_bom_line(session, admin, parent="ACT-100", revision="A", child="SCR-4", quantity=4, operation_sequence=10)
    before = counts(session)
    assert refused(catalog.add_bom_line, session, admin, parent="ACT-100", revision="A", child="scr-4", quantity=0,
                   operation_sequence=10) == [
        "a BOM quantity is positive, not 0", "SCR-4 is already on the BOM of ACT-100 rev A"]
    assert refused(catalog.add_bom_line, session, admin, parent="ACT-100", revision="A", child="MTR-1", quantity=1.5,
                   operation_sequence=10) == ["MTR-1 is serialized; its quantity is a whole number"]
    assert refused(catalog.add_bom_line, session, admin, parent="ACT-100", revision="A", child="ACT-100", quantity=1,
                   operation_sequence=10) == ["ACT-100 cannot contain itself"]
    with pytest.raises(NotFound) as exc:
        catalog.add_bom_line(session, admin, parent="ACT-100", revision="Z", child="MTR-1", quantity=1,
                             operation_sequence=10)
    assert exc.value.reasons == ["No revision of ACT-100 with revision Z"]
    assert counts(session) == before


@pytest.mark.parametrize("q", [math.nan, math.inf])
def test_a_non_finite_bom_quantity_is_refused(session, admin, q):
    assert refused(catalog.add_bom_line, session, admin, parent="ACT-100", revision="A", child="SCR-4", quantity=q,
                   operation_sequence=10) == [f"a BOM quantity is positive, not {q}"]


# ---------------------------------------------------------------- work instructions

def test_releasing_a_revision_supersedes_the_one_before(session, admin):
    catalog.release_document_revision(session, admin, number="WI-10", revision="A")
    rev_b = catalog.add_document_revision(session, admin, number="WI-10", revision="B", content="Torque to 2.1 N·m.",
                                          status="redline")
    assert rev_b.content_hash == hashlib.sha256("Torque to 2.1 N·m.".encode()).hexdigest()
    released = catalog.release_document_revision(session, admin, number="wi-10", revision="B")
    assert (released.document, released.revision, released.status) == ("WI-10", "B", "released")
    assert {r: catalog.get_document_revision(session, "WI-10", r).status for r in "AB"} == {
        "A": "superseded", "B": "released"}
    assert released.released_at is not None
    assert [e.record_id for e in events(session, "document_revision.superseded")] == ["WI-10/A"]
    assert refused(catalog.release_document_revision, session, admin, number="WI-10", revision="A") == [
        "WI-10 rev A is superseded; only a draft or redline is released"]


def test_document_refusals_all_at_once(session, admin):
    before = counts(session)
    assert refused(catalog.add_document_revision, session, admin, number="WI-10", revision="A", content=" ",
                   status="released") == [
        "a new revision starts as draft or redline, not released; release it afterwards",
        "WI-10 rev A already exists", "a work instruction has text"]
    assert refused(catalog.create_document, session, admin, number="WI-10", title="again") == [
        "document WI-10 already exists"]
    assert counts(session) == before


# ---------------------------------------------------------------- work centers, tools, qualifications

def test_work_center_refusals_all_at_once(session, admin):
    assert refused(catalog.create_work_center, session, admin, code="ASSY", name="x", hours_per_day=25, stations=0,
                   efficiency=1.5) == [
        "work center ASSY already exists", "hours per day are between 0 and 24, not 25",
        "a work center has at least 1 station, not 0", "efficiency is above 0 and at most 1, not 1.5"]
    assert refused(catalog.create_work_center, session, admin, code="NEW", name="x", hours_per_day=math.nan) == [
        "hours per day are between 0 and 24, not nan"]


def test_tools_and_calibration_are_audited(session, admin):
    catalog.create_tool(session, admin, code="TQ-1", kind="torque driver", description="2 Nm", category="production",
                        calibration_due=date(2026, 1, 31))
    assert refused(catalog.create_tool, session, admin, code="TQ-1", kind="torque driver", description="x",
                   category="borrowed", calibration_due=None) == [
        "tool TQ-1 already exists", "a tool is production, temporary or gauge, not 'borrowed'"]
    tool = catalog.calibrate_tool(session, admin, code="tq-1", due=date(2026, 7, 31), certificate="CAL-1",
                                  calibrated_on=date(2026, 1, 30))
    assert (tool.code, tool.calibration_due, tool.certificate) == ("TQ-1", date(2026, 7, 31), "CAL-1")
    [ev] = events(session, "tool.calibrated")
    assert (ev.before, ev.after) == ({"calibration_due": "2026-01-31"}, {
        "calibration_due": "2026-07-31", "calibrated_on": "2026-01-30", "certificate": "CAL-1", "as_found": None})


def test_qualifications_expire_after_they_are_granted_and_renew_in_place(session, admin):
    assert refused(catalog.grant_qualification, session, admin, username="olga", skill="assembly",
                   granted_on=date(2026, 3, 1), expires_on=date(2026, 3, 1)) == [
        "a qualification expires after it is granted (2026-03-01 .. 2026-03-01)"]
    catalog.grant_qualification(session, admin, username="olga", skill="assembly", granted_on=date(2026, 1, 1),
                                expires_on=date(2026, 6, 30))
    q = catalog.grant_qualification(session, admin, username="OLGA", skill="assembly", granted_on=date(2026, 6, 1),
                                    expires_on=date(2027, 6, 30))
    assert (q.username, q.expires_on) == ("olga", date(2027, 6, 30))
    assert session.execute(select(m.Qualification.skill, m.Qualification.expires_on)).all() == [
        ("assembly", date(2027, 6, 30))]
    assert [(e.before, e.after) for e in events(session, "qualification.granted")] == [
        (None, {"skill": "assembly", "expires_on": "2026-06-30"}),
        ({"expires_on": "2026-06-30"}, {"skill": "assembly", "expires_on": "2027-06-30"})]
    with pytest.raises(NotFound):
        catalog.grant_qualification(session, admin, username="ghost", skill="assembly", granted_on=date(2026, 1, 1),
                                    expires_on=date(2026, 2, 1))


# ---------------------------------------------------------------- who may

@pytest.mark.parametrize("call", [
    lambda s, a: catalog.create_part(s, a, number="NEW-1", description="x", tracking="lot"),
    lambda s, a: catalog.release_document_revision(s, a, number="WI-10", revision="A"),
    lambda s, a: catalog.create_routing(s, a, part="ACT-100", part_revision="A", revision="1",
                                        operations=[O(10, "Assemble", "ASSY", 30)]),
    lambda s, a: catalog.grant_qualification(s, a, username="olga", skill="assembly", granted_on=date(2026, 1, 1),
                                             expires_on=date(2027, 1, 1)),
], ids=["part", "release", "routing", "qualification"])
def test_an_operator_may_not_change_the_catalog(session, admin, call):
    before = counts(session)
    with pytest.raises(Forbidden) as exc:
        call(session, actor(session, "olga"))
    assert exc.value.reasons[0].startswith("olga (operator) may not ")
    assert counts(session) == before


def test_a_manufacturing_engineer_may(session, admin):
    part = catalog.create_part(session, actor(session, "mel"), number="NEW-1", description="x", tracking="lot")
    assert part.number == "NEW-1" and events(session, "part.created")[-1].actor == "mel"


# ---------------------------------------------------------------- routings

def test_a_routing_is_created_with_its_operations_and_characteristics(session, admin):
    catalog.create_tool(session, admin, code="TQ-1", kind="torque driver", description="2 Nm", category="production",
                        calibration_due=None)
    r = catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1", operations=[
        O(20, "Test", "ASSY", 10, None, (), "test", (C("NOISE", "Noise", usl=45.0, units="dB"),)),
        O(10, "Assemble", "assy", 30, ("WI-10", "A"), ("torque driver",), "assembly",
          (C("TORQUE", "Torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True), C("LOOK", "Look", "attribute"))),
    ])
    assert (r.part, r.part_revision, r.revision, r.status) == ("ACT-100", "A", "1", "draft")
    assert [(o.sequence, o.work_center, o.instruction, o.tool_kinds, o.skill) for o in r.operations] == [
        (10, "ASSY", "WI-10 rev A", ["torque driver"], "assembly"), (20, "ASSY", None, [], "test")]
    assert [(c.code, c.kind, c.lsl, c.usl, c.key) for c in r.operations[0].characteristics] == [
        ("LOOK", "attribute", None, None, False), ("TORQUE", "variable", 1.8, 2.2, True)]
    [ev] = events(session, "routing.created")
    assert (ev.record_id, ev.after) == ("ACT-100/A/1", {"status": "draft", "operations": [20, 10]})


def test_a_bad_routing_gets_every_reason_and_writes_nothing(session, admin):
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1",
                           operations=[O(10, "Assemble", "ASSY", 30)])
    before = counts(session)
    reasons = refused(catalog.create_routing, session, admin, part="ACT-100", part_revision="A", revision="1",
                      operations=[
                          O(10, "Assemble", "PAINT", 0, ("WI-99", "A"), (), None,
                            (C("T", "t", "variable"), C("K", "k", "gauge"))),
                          O(10, "Again", "ASSY", 5, ("WI-10", "Z"), (), None,
                            (C("t", "t2", "variable", None, 3.0, 2.0), C("A B", "spaced", "attribute"))),
                      ])
    assert reasons == [
        "operation sequence numbers are unique in a routing",
        "characteristic T appears twice; codes are unique in a routing",
        "operation 10 needs positive standard minutes",
        "T is variable and needs a lower or upper limit",
        "K is variable or attribute, not 'gauge'",
        "t lower limit 3.0 is not below upper limit 2.0",
        "a characteristic code is 1 to 60 of the characters A-Z, a-z, 0-9, '-', '_' and '.', beginning with a "
        "letter or digit, without '..', not 'A B'",
        "routing rev 1 of ACT-100 rev A already exists",
        "operation 10: no work center PAINT",
        "operation 10: No document with number WI-99",
        "operation 10: No revision of WI-10 with revision Z",
    ]
    assert refused(catalog.create_routing, session, admin, part="ACT-100", part_revision="A", revision="2",
                   operations=[], release=True) == ["a routing has at least one operation"]
    assert counts(session) == before


@pytest.mark.parametrize("op", [
    O(10, "A", "ASSY", math.nan),
    O(10, "A", "ASSY", 5, characteristics=(C("T", "t", "variable", None, math.nan, math.nan),)),
], ids=["nan-minutes", "nan-limits"])
def test_non_finite_numbers_in_a_routing_are_refused(session, admin, op):
    assert refused(catalog.create_routing, session, admin, part="ACT-100", part_revision="A", revision="9",
                   operations=[op])


def test_find_operation_by_sequence_or_name_and_in_words_when_missing(session, admin):
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1",
                           operations=[O(10, "Assemble", "ASSY", 30), O(20, "Final test", "ASSY", 10)])
    routing = catalog.get_routing(session, "ACT-100", "A", "1")
    assert catalog.find_operation(routing, 20).name == "Final test"
    assert catalog.find_operation(routing, " 10 ").sequence == 10
    assert catalog.find_operation(routing, "FINAL TEST").sequence == 20
    with pytest.raises(NotFound) as exc:
        catalog.find_operation(routing, "Paint")
    assert exc.value.reasons == ["routing 1 of ACT-100 rev A has no operation Paint; it has 10 Assemble, 20 Final test"]


def test_what_the_shop_floor_builds_from_bumps_the_setup_version(session, admin):
    """A process keeping released routings in memory reads them again after any of these; a new draft
    does not make it."""
    versions = [setup_version(session)]

    def after(call) -> bool:
        call()
        versions.append(setup_version(session))
        return versions[-1] > versions[-2]

    ops = [O(10, "Assemble", "ASSY", 30, ("WI-10", "A"))]
    assert not after(lambda: catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1",
                                                    operations=ops))
    assert after(lambda: catalog.release_document_revision(session, admin, number="WI-10", revision="A"))
    assert after(lambda: catalog.release_routing(session, admin, part="ACT-100", part_revision="A", revision="1"))
    assert after(lambda: catalog.add_bom_line(session, admin, parent="ACT-100", revision="A", child="SCR-4",
                                              quantity=4, operation_sequence=10))
    catalog.add_document_revision(session, admin, number="WI-10", revision="B", content="Torque to 2.1 N·m.")
    assert after(lambda: catalog.set_operation_instruction(
        session, admin, routing=catalog.get_routing(session, "ACT-100", "A", "1"), sequence=10, document="WI-10",
        revision="B"))
    assert after(lambda: catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="2",
                                                operations=ops, release=True))
    assert after(lambda: catalog.supersede_document_revision(session, admin, number="WI-10", revision="A"))
