"""The engineer's use cases one at a time: revisions through their lifecycles, BOM lines, instructions
with images, gauges and their calibration history, qualifications granted and revoked, routings drafted
operation by operation and released. Every refusal lists every reason and writes nothing; every change is
audited."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from catalog.conftest import EXAMPLE, load
from factory import actor, build_line
from lrip.audit import AuditEvent
from lrip.catalog import markdown, rules
from lrip.catalog import models as m
from lrip.catalog import service as catalog
from lrip.catalog.rules import CharacteristicSpec as C
from lrip.catalog.rules import OperationSpec as O
from lrip.errors import NotFound, Refused
from lrip.execution import service as execution

TODAY = date.today()
PNG = (EXAMPLE.parent / "datum-a.png").read_bytes()


def written(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent))


def actions(session, since: int) -> list[str]:
    return list(session.execute(select(AuditEvent.action).where(AuditEvent.seq > since)
                                .order_by(AuditEvent.seq)).scalars())


def refused(session, call, **kw) -> list[str]:
    before = written(session)
    with pytest.raises(Refused) as exc:
        call(session, actor(session, "mel"), **kw)
    assert written(session) == before
    return exc.value.reasons


# ---------------------------------------------------------------- rules

@pytest.mark.parametrize("current, after", [("A", "B"), ("Z", "AA"), ("AZ", "BA"), ("C2", "C3"), ("1", "2"),
                                            ("09", "10"), ("-", "A"), ("b", "c")])
def test_the_next_revision(current, after):
    assert rules.next_revision(current) == after


def test_limit_problems_name_the_field():
    assert rules.limit_problems("variable", 12.0, 11.98, 11.97) == {"usl": "11.97 is below lsl 11.98"}
    assert rules.limit_problems("variable", 13.0, 11.98, 12.02) == {"nominal": "13 is outside the limits 11.98..12.02"}
    assert rules.limit_problems("variable", None, None, None) == {
        "usl": "a variable characteristic needs a lower or an upper limit (lsl, usl)"}
    assert set(rules.limit_problems("attribute", 1.0, None, 2.0)) == {"nominal", "usl"}


def test_markdown_is_rendered_without_scripts_and_images_come_from_the_revision():
    html = markdown.render('Clamp **FX-10**. ![datum](datum-a.png)\n\n<script>alert(1)</script> '
                           '[x](javascript:alert(1)) <img src=x onerror=alert(1)>', lambda n: f"/img/{n}")
    assert '<strong>FX-10</strong>' in html and '<img src="/img/datum-a.png" alt="datum">' in html
    assert "<script" not in html and "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert "onerror" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert markdown.image_problems("![a](http://example.com/a.png) ![b](b.png)", {}) == [
        "image 'http://example.com/a.png' is not a file name; attach the image beside the instruction and name it, "
        "like datum-a.png", "image b.png is not attached (it is not beside the file)"]


# ---------------------------------------------------------------- parts and BOMs

def test_part_revisions_draft_released_obsolete(team):
    mel, before = actor(team, "mel"), written(team)
    catalog.create_part(team, mel, number="PMP-40", description="Pump", tracking="serial")
    catalog.create_part(team, mel, number="SCR-M5", description="Screw", tracking="lot")
    catalog.add_part_revision(team, mel, number="PMP-40", revision="A", release=True)
    catalog.add_part_revision(team, mel, number="PMP-40", revision="B")
    catalog.add_bom_line(team, mel, parent="PMP-40", revision="B", child="SCR-M5", quantity=6, operation_sequence=20)
    assert catalog.release_part(team, mel, number="PMP-40", revision="B", reason="ECO 12").status == "released"
    assert [(r.revision, r.status) for r in catalog.part_detail(team, mel, number="PMP-40").revisions] == [
        ("A", "obsolete"), ("B", "released")]
    assert refused(team, catalog.remove_bom_line, parent="PMP-40", revision="B", child="SCR-M5") == [
        "PMP-40 rev B is released; its BOM changes by a new revision"]
    assert refused(team, catalog.release_part, number="PMP-40", revision="A") == [
        "PMP-40 rev A is obsolete; only a draft revision is released"]
    catalog.obsolete_part(team, mel, number="PMP-40", revision="B", reason="replaced by the PMP-50")
    assert refused(team, catalog.add_bom_line, parent="PMP-40", revision="B", child="SCR-M5", quantity=0,
                   operation_sequence=20) == [
        "PMP-40 rev B is obsolete; its BOM does not change", "a BOM quantity is positive, not 0",
        "SCR-M5 is already on the BOM of PMP-40 rev B"]
    assert refused(team, catalog.create_routing, part="PMP-40", part_revision="B", revision="1") == [
        "PMP-40 rev B is obsolete"]  # a routing, empty or whole, is never made for an obsolete revision
    assert refused(team, catalog.create_routing, part="PMP-40", part_revision="B", revision="1", release=True) == [
        "a routing has at least one operation", "PMP-40 rev B is obsolete"]
    assert actions(team, before) == [
        "part.created", "part.created", "part_revision.created", "part_revision.created", "bom_line.added",
        "part_revision.obsoleted", "part_revision.released", "part_revision.obsoleted"]


def test_the_bom_tree_goes_every_level_down_at_each_childs_current_revision(team):
    load(team)
    mel = actor(team, "mel")
    catalog.create_part(team, mel, number="CST-40", description="Raw casting", tracking="lot")
    catalog.add_part_revision(team, mel, number="BODY-40", revision="D")
    catalog.add_bom_line(team, mel, parent="BODY-40", revision="D", child="CST-40", quantity=1, operation_sequence=10)
    tree = catalog.bom_tree(team, mel, number="PMP-40", revision="A")
    assert [(n.part, n.revision, [c.part for c in n.children]) for n in tree.lines] == [
        ("BODY-40", "C", []), ("IMP-40", "B", []), ("SCR-M5", "-", [])]
    catalog.release_part(team, mel, number="BODY-40", revision="D")
    tree = catalog.bom_tree(team, mel, number="PMP-40", revision="A")
    assert [(n.part, n.revision, [c.part for c in n.children]) for n in tree.lines][0] == ("BODY-40", "D", ["CST-40"])


# ---------------------------------------------------------------- instructions

def test_an_instruction_with_images_drafted_edited_released_superseded(team):
    mel, before = actor(team, "mel"), written(team)
    catalog.create_document(team, mel, number="WI-310", title="Machine")
    assert refused(team, catalog.add_document_revision, number="WI-310", revision="A",
                   content="Clamp. ![datum](datum-a.png) ![b](b.png)", images={"datum-a.png": b"not an image"}) == [
        "image b.png is not attached (it is not beside the file)",
        "image datum-a.png: it is not a PNG, JPEG, GIF or WebP image"]
    catalog.add_document_revision(team, mel, number="WI-310", revision="A", content="Clamp. ![datum](datum-a.png)",
                                  images={"datum-a.png": PNG, "unused.png": PNG})
    edited = catalog.edit_document_revision(team, mel, number="WI-310", revision="A",
                                            content="Clamp on datum A. ![datum](datum-a.png)")
    detail = catalog.document_detail(team, mel, number="WI-310")
    assert [i.name for i in detail.revisions[0].images] == ["datum-a.png"]  # kept from before, by name
    assert catalog.document_image(team, mel, number="WI-310", revision="A", name="datum-a.png").data == PNG
    catalog.release_document_revision(team, mel, number="WI-310", revision="A")
    assert refused(team, catalog.edit_document_revision, number="WI-310", revision="A", content=" ") == [
        "WI-310 rev A is released; it does not change: draft the next revision", "a work instruction has text"]
    b = catalog.add_document_revision(team, mel, number="WI-310", revision="B",
                                      content="Clamp on datum A, torque 4 N·m. ![datum](datum-a.png)")
    assert b.content_hash != edited.content_hash
    catalog.release_document_revision(team, mel, number="WI-310", revision="B")
    catalog.supersede_document(team, mel, number="WI-310", revision="B", reason="withdrawn")
    assert [(r.revision, r.status) for r in catalog.document_detail(team, mel, number="WI-310").revisions] == [
        ("A", "superseded"), ("B", "superseded")]
    assert actions(team, before) == [
        "document.created", "document_revision.created", "document_revision.edited", "document_revision.released",
        "document_revision.created", "document_revision.superseded", "document_revision.released",
        "document_revision.superseded"]


# ---------------------------------------------------------------- tools, gauges, calibrations

def test_a_gauges_calibration_history_the_newest_sets_the_due_date(team):
    mel, before = actor(team, "mel"), written(team)
    catalog.create_tool(team, mel, code="MIC-2", kind="micrometer", description="", category="gauge",
                        calibration_due=date(2026, 6, 30), certificate="CAL-1", calibrated_on=date(2025, 12, 30))
    assert refused(team, catalog.calibrate_tool, code="MIC-2", due=date(2026, 1, 1), certificate=" ",
                   as_found="bent", calibrated_on=date(2026, 1, 2)) == [
        "the next calibration is due after this one (2026-01-02), not on 2026-01-01",
        "as found is in or out, not 'bent'", "a calibration names its certificate"]
    out = catalog.calibrate_tool(team, mel, code="mic-2", due=date(2026, 12, 31), certificate="CAL-2",
                                 as_found="out", calibrated_on=date(2026, 6, 28))
    assert (out.calibration_due, out.certificate, out.as_found) == (date(2026, 12, 31), "CAL-2", "out")
    late = catalog.calibrate_tool(team, mel, code="MIC-2", due=date(2026, 9, 1), certificate="CAL-1b",
                                  calibrated_on=date(2026, 3, 1))  # an older certificate, entered late
    assert late.calibration_due == date(2026, 12, 31)
    assert [(c.certificate, c.as_found, c.due) for c in catalog.calibrations(team, "MIC-2")] == [
        ("CAL-1", None, date(2026, 6, 30)), ("CAL-1b", None, date(2026, 9, 1)), ("CAL-2", "out", date(2026, 12, 31))]
    assert actions(team, before) == ["tool.created", "tool.calibrated", "tool.calibrated"]
    assert catalog.gauges_in_calibration(team, {"micrometer", "cmm"}, date(2026, 12, 1)) == {
        "micrometer": ["MIC-2"], "cmm": []}
    assert [t.code for t in catalog.list_tools(team, mel, category="gauge", due_within=10000)] == ["MIC-2"]


# ---------------------------------------------------------------- qualifications

def test_a_revoked_qualification_is_kept_and_no_longer_held(session):
    build_line(session)
    admin, before = actor(session, "admin"), written(session)
    q = catalog.revoke_qualification(session, admin, username="olga", skill="assembly", reason="failed the audit")
    assert (q.status, q.revoked_on) == ("revoked", TODAY)
    with pytest.raises(Refused) as exc:
        catalog.revoke_qualification(session, admin, username="olga", skill="assembly", reason="again")
    assert exc.value.reasons == [f"olga's assembly qualification was revoked on {TODAY}"]
    execution.create_unit(session, admin, lot="L1", serial="SN-R")
    with pytest.raises(Refused) as exc:
        execution.start_operation(session, actor(session, "olga"), serial="SN-R", operation=10, tools=["TQ-1"])
    assert "operator olga is not qualified for 'assembly'" in exc.value.reasons
    assert catalog.qualified_holders(session, {"assembly"}, TODAY) == {"assembly": ["oscar"]}
    renewed = catalog.grant_qualification(session, admin, username="olga", skill="assembly", granted_on=TODAY,
                                          expires_on=TODAY + timedelta(days=20), training="TR-2026-14")
    assert (renewed.status, renewed.training, renewed.revoked_on) == ("expiring", "TR-2026-14", None)
    assert [(x.username, x.skill) for x in catalog.list_qualifications(session, admin, expiring_within=30)] == [
        ("olga", "assembly")]
    assert actions(session, before)[:1] + actions(session, before)[-1:] == ["qualification.revoked",
                                                                            "qualification.granted"]


# ---------------------------------------------------------------- routings, one operation at a time

def test_a_routing_drafted_operation_by_operation_then_released(team):
    load(team)
    mel, before = actor(team, "mel"), written(team)
    catalog.create_routing(team, mel, part="PMP-40", part_revision="A", revision="2")
    assert refused(team, catalog.release_routing_revision, part="PMP-40", part_revision="A", revision="2") == [
        "a routing has at least one operation"]
    assert refused(team, catalog.add_operation, part="PMP-40", part_revision="A", revision="2",
                   operation=O(10, "Machine", "MILL", 0, ("WI-310", "Z"), ("lathe",), "machining")) == [
        "operation 10 needs positive standard minutes", "operation 10: no work center MILL",
        "operation 10: No revision of WI-310 with revision Z", "operation 10: no tool is of kind lathe"]
    catalog.add_operation(team, mel, part="PMP-40", part_revision="A", revision="2",
                          operation=O(10, "Machine", "MACH", 28, ("WI-310", "A"), ("machining fixture",), "machining"))
    assert refused(team, catalog.add_characteristic, part="PMP-40", part_revision="A", revision="2", sequence=10,
                   characteristic=C("BORE-D", "Bore", "variable", 13.0, 11.98, 12.02, "mm", gauge_kind="laser")) == [
        "BORE-D nominal: 13 is outside the limits 11.98..12.02", "BORE-D: no gauge is of kind laser"]
    r = catalog.add_characteristic(team, mel, part="PMP-40", part_revision="A", revision="2", sequence=10,
                                   characteristic=C("BORE-D", "Bore", "variable", 12.0, 11.98, 12.02, "mm", True,
                                                    "3", "B4", "cmm"))
    assert [(c.code, c.balloon, c.gauge_kind) for c in r.operations[0].characteristics] == [("BORE-D", "3", "cmm")]
    catalog.add_operation(team, mel, part="PMP-40", part_revision="A", revision="2",
                          operation=O(20, "Spare", "ASSY", 5))
    catalog.remove_operation(team, mel, part="PMP-40", part_revision="A", revision="2", sequence=20)
    released = catalog.release_routing_revision(team, mel, part="PMP-40", part_revision="A", revision="2")
    assert (released.status, [op.sequence for op in released.operations]) == ("released", [10])
    assert catalog.routing_detail(team, mel, part="PMP-40", part_revision="A", revision="1").status == "superseded"
    assert refused(team, catalog.add_operation, part="PMP-40", part_revision="A", revision="2",
                   operation=O(30, "Test", "TEST", 10)) == [
        "routing 2 of PMP-40 rev A is released; it does not change: draft the next revision"]
    assert actions(team, before) == [
        "routing.created", "routing.operation_added", "routing.characteristic_added", "routing.operation_added",
        "routing.operation_removed", "routing.superseded", "routing.released"]


def test_what_was_recorded_against_is_never_deleted(session):
    """Operation 10 of the factory's routing was worked in the pilot lot; a new draft's operation was not."""
    build_line(session)
    admin = actor(session, "admin")
    worked = catalog.find_operation(catalog.get_routing(session, "ACT-100", "A", "1"), 10)
    assert catalog.in_use(session, m.Operation, [worked.id], besides=(m.Characteristic,))
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="9",
                           operations=[O(10, "Assemble", "ASSY", 30, characteristics=(C("T", "t", usl=1.0),))])
    fresh = catalog.find_operation(catalog.get_routing(session, "ACT-100", "A", "9"), 10)
    assert not catalog.in_use(session, m.Operation, [fresh.id], besides=(m.Characteristic,))
    assert catalog.in_use(session, m.Operation, [fresh.id])  # its characteristic refers to it
    catalog.remove_operation(session, admin, part="ACT-100", part_revision="A", revision="9", sequence=10)
    with pytest.raises(Refused) as exc:
        catalog.remove_operation(session, admin, part="ACT-100", part_revision="A", revision="1", sequence=10)
    assert exc.value.reasons == ["routing 1 of ACT-100 rev A is released; it does not change: draft the next "
                                 "revision", "operation 10 has records against it; it stays"]


def test_skills_say_who_holds_them_and_what_needs_them(team):
    load(team)
    catalog.grant_qualification(team, actor(team, "quinn"), username="olga", skill="machining", granted_on=TODAY,
                                expires_on=TODAY + timedelta(days=365))
    skills = {s.skill: s for s in catalog.list_skills(team, actor(team, "vera"))}
    assert skills["machining"].holders == ["olga"] and skills["assembly"].holders == []
    assert skills["machining"].operations == ["PMP-40/A routing 1, operation 10"]
    with pytest.raises(NotFound):
        catalog.revoke_qualification(team, actor(team, "quinn"), username="ghost", skill="x", reason="r")
