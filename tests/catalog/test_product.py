"""The product definition file: checked whole, every error by its path and line, nothing written when
anything is wrong; idempotent; drafts change in place, a released revision never does (a changed one
becomes the next revision, refused in LRIP and FRP naming the change request that must carry it);
export → import changes nothing; spreadsheets go through the same import; the database is read once
per kind of record, whatever the file's size."""
import base64
import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from catalog.conftest import EXAMPLE, example, load
from factory import actor, build_line
from lrip.audit import AuditEvent
from lrip.catalog import models as m
from lrip.catalog import product, productfile
from lrip.catalog import service as catalog
from lrip.change import service as change
from lrip.change.rules import ItemSpec
from lrip.errors import Forbidden, Invalid, Refused
from reading import counting

TABLES = (m.Part, m.PartRevision, m.BomLine, m.Document, m.DocumentRevision, m.DocumentImage, m.WorkCenter, m.Tool,
          m.ToolCalibration, m.Routing, m.Operation, m.Characteristic, AuditEvent)


def counts(session) -> dict:
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def events(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent))


def edited(*pairs: tuple[str, str]) -> str:
    text = EXAMPLE.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def invalid(session, text: str, who: str = "mel") -> list[str]:
    before = counts(session)
    with pytest.raises(Invalid) as exc:
        load(session, text, who=who)
    assert counts(session) == before
    return exc.value.reasons


# ---------------------------------------------------------------- importing, idempotent

def test_the_example_imports_each_change_audited_and_the_same_file_again_changes_nothing(team):
    before = events(team)
    report = load(team)
    assert (report.changes, report.unchanged, report.dry_run) == (31, 0, False)
    assert events(team) - before == report.changes  # one audit event per change
    assert [(i.kind, i.record, i.action) for i in report.items if i.kind == "routing"] == [
        ("routing", "PMP-40/A routing 1", "created"), ("routing", "PMP-40/A routing 1", "released")]
    r = catalog.routing_detail(team, actor(team, "mel"), part="PMP-40", part_revision="A", revision="1")
    assert r.status == "released"
    [bore] = [c for op in r.operations for c in op.characteristics if c.code == "BORE-D"]
    assert (bore.lsl, bore.usl, bore.key, bore.balloon, bore.drawing_zone, bore.gauge_kind) == (
        11.98, 12.02, True, "3", "B4", "cmm")
    [cmm] = catalog.calibrations(team, "CMM-1")
    assert (str(cmm.due), cmm.certificate, cmm.as_found) == ("2027-06-30", "CAL-2026-118", None)
    after = counts(team)
    again = load(team)
    assert (again.changes, again.unchanged, again.items) == (0, 16, [])
    assert counts(team) == after


def test_a_calibration_in_the_file_is_recorded_once_and_an_older_file_never_rolls_one_back(team):
    load(team)
    catalog.calibrate_tool(team, actor(team, "mel"), code="CMM-1", due=date(2028, 6, 30), certificate="CAL-2027-004",
                           as_found="out")
    assert load(team).changes == 0  # the file's certificate is on record already
    assert catalog.list_tools(team, actor(team, "mel"), category="gauge")[0].calibration_due == date(2028, 6, 30)
    report = load(team, edited(("calibration_due: 2027-01-31, certificate: CAL-2026-121",
                                "calibration_due: 2028-01-31, certificate: CAL-2027-010")))
    assert [(i.record, i.action, i.detail) for i in report.items] == [
        ("MIC-2", "calibrated", "due 2028-01-31, CAL-2027-010")]
    assert [c.certificate for c in catalog.calibrations(team, "MIC-2")] == ["CAL-2026-121", "CAL-2027-010"]


def test_a_dry_run_says_what_would_change_and_writes_nothing(team):
    before = counts(team)
    dry = load(team, dry_run=True)
    assert counts(team) == before
    real = load(team)
    assert dry.dry_run and (dry.changes, dry.items) == (real.changes, real.items)


def test_only_an_engineer_imports(team):
    before = counts(team)
    with pytest.raises(Forbidden):
        load(team, who="olga")
    assert counts(team) == before


# ---------------------------------------------------------------- bad files change nothing

def test_every_error_of_a_bad_file_by_path_and_line_references_included(team):
    text = edited(("hours_per_day: 16", "hours_per_day: 26"),
                  ("{code: CMM-1, kind: cmm, category: gauge, calibration_due: 2027-06-30, certificate: CAL-2026-118}",
                   "{code: CMM-1, kind: cmm, category: gauge}"),
                  ("![datum A](datum-a.png)", "![datum A](datum-b.png)"),
                  ("{part: IMP-40, quantity: 1, operation: 20}", "{part: IMP-41, quantity: 1, operation: 20}"),
                  ("usl: 12.02", "usl: 11.97"),
                  ("work_center: MACH\n", "work_center: MILL\n"),
                  ("instruction: {document: WI-320, revision: A}", "instruction: {document: WI-320, revision: B}"),
                  ("tool_kinds: [torque driver]", "tool_kinds: [torque wrench]"),
                  ("gauge_kind: micrometer", "gauge_kind: caliper"))
    assert invalid(team, text) == [
        "line 5: work_centers[0].hours_per_day: is between 0 and 24, not 26",
        "line 12: tools[2].calibration_due: is missing: a gauge is calibrated",
        "line 19: documents[0].content: image datum-b.png is not attached (it is not beside the file)",
        "line 39: parts[0].bom[1].part: no part IMP-41: define it in the file",
        "line 52: routings[0].operations[0].work_center: no work center MILL",
        "line 58: routings[0].operations[0].characteristics[0].usl: 11.97 is below lsl 11.98",
        "line 61: routings[0].operations[0].characteristics[1].gauge_kind: no gauge is of kind caliper",
        "line 67: routings[0].operations[1].instruction: no document WI-320 rev B",
        "line 69: routings[0].operations[1].tool_kinds[0]: no tool is of kind torque wrench",
    ]


def test_shape_errors_and_the_rules_of_well_formed_entries_come_together(team):
    text = edited(("tracking: lot, revision: C", "tracking: batch, revision: C"),
                  ("        skill: machining\n", "        skill: machining\n        colour: red\n"),
                  ("{code: TQ-5, kind: torque driver", "{code: TQ-5, kind: torque driver, efficiency: 2"),
                  ("stations: 2, efficiency: 0.85", "stations: 0, efficiency: 0.85"))
    assert invalid(team, text) == [
        "line 5: work_centers[0].stations: is at least 1, not 0",
        "line 10: tools[1].efficiency: is not a field here (check the spelling)",
        "line 41: parts[1].tracking: Input should be 'serial', 'lot' or 'none'",
        "line 56: routings[0].operations[0].colour: is not a field here (check the spelling)",
    ]


@pytest.mark.parametrize("text, reason", [
    ("parts:\n  - {number: A-1, description: x\n", "line 3: product.yaml is not YAML or JSON: expected ',' or '}', "
                                                   "but got '<stream end>'"),
    ("parts:\n  - number: A-1\n    number: A-2\n", "line 3: parts[0].number: appears twice"),
    ("- just a list\n", "product.yaml holds a mapping of work_centers, tools, documents, parts and routings"),
    ("\x1f", "product.yaml is not YAML or JSON: character #x001f at position 0 is not allowed"),  # was a 500 (schemathesis)
], ids=["syntax", "duplicate-key", "not-a-mapping", "control-character"])
def test_a_file_that_is_not_one_says_where(text, reason):
    with pytest.raises(Invalid) as exc:
        productfile.read(text, "product.yaml")
    assert exc.value.reasons == [reason]


def test_json_reads_as_yaml_does_with_its_lines(team):
    text = '{"work_centers": [\n  {"code": "MACH", "name": "Machining",\n   "hours_per_day": 30}\n]}'
    assert invalid(team, text) == ["line 3: work_centers[0].hours_per_day: is between 0 and 24, not 30"]


def test_an_image_that_is_not_an_image_is_refused(team):
    data, lines, _ = example()
    with pytest.raises(Invalid) as exc:
        product.import_product(team, actor(team, "mel"), data, {"datum-a.png": b"<svg onload=alert(1)>"}, lines=lines)
    assert exc.value.reasons == ["line 19: documents[0].content: image datum-a.png: it is not a PNG, JPEG, GIF or "
                                 "WebP image"]


# ---------------------------------------------------------------- drafts and released revisions

def test_a_draft_changes_in_place(team):
    draft = ('revision: "1"\n    release: true', 'revision: "1"\n    release: false')
    load(team, edited(draft))
    before = counts(team)
    report = load(team, edited(draft, ("usl: 12.02", "usl: 12.03"), ("standard_minutes: 15", "standard_minutes: 14")))
    assert [(i.record, i.action) for i in report.items] == [("PMP-40/A routing 1", "updated")]
    after = counts(team)
    assert after["routing"] == before["routing"] and after["characteristic"] == before["characteristic"]
    r = catalog.routing_detail(team, actor(team, "mel"), part="PMP-40", part_revision="A", revision="1")
    assert (r.status, r.operations[1].standard_minutes, r.operations[0].characteristics[0].usl) == (
        "draft", 14, 12.03)


def test_a_changed_released_revision_becomes_the_next_one_and_the_file_again_changes_nothing(team):
    """No program builds on it yet, so the import releases it; the instruction's new revision takes the
    routing that names it to a new revision too."""
    load(team)
    text = edited(("3. Deburr the bore edge; no burrs may remain.", "3. Deburr the bore edge with the DB-2 tool."))
    report = load(team, text)
    assert [(i.record, i.action, i.detail) for i in report.items] == [
        ("WI-310 rev B", "new revision", "the changes to released rev A"), ("WI-310 rev B", "released", None),
        ("PMP-40/A routing 2", "new revision", "the changes to released routing 1"),
        ("PMP-40/A routing 2", "released", None)]
    statuses = dict(team.execute(select(m.DocumentRevision.revision, m.DocumentRevision.status)
                                 .join(m.Document).where(m.Document.number == "WI-310")).all())
    assert statuses == {"A": "superseded", "B": "released"}
    routings = dict(team.execute(select(m.Routing.revision, m.Routing.status)).all())
    assert routings == {"1": "superseded", "2": "released"}
    r2 = catalog.routing_detail(team, actor(team, "mel"), part="PMP-40", part_revision="A", revision="2")
    assert r2.operations[0].instruction == "WI-310 rev B"
    assert load(team, text).changes == 0


@pytest.fixture
def lrip_line(session):
    """The factory's program ACT in LRIP on ACT-100 rev A, routing 1; an engineer with a password."""
    build_line(session)
    return session


def _act_file(session, *pairs) -> str:
    text = productfile.dump(product.export_product(session, actor(session, "admin"), part="ACT-100").data)
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _import(session, text: str, who: str = "admin"):
    data, lines = productfile.read(text, "act.yaml")
    return product.import_product(session, actor(session, who), data, {}, lines=lines)


def test_in_lrip_a_released_change_is_refused_naming_the_change_request_that_must_carry_it(lrip_line):
    s = lrip_line
    text = _act_file(s, ("usl: 2.2", "usl: 2.1"))
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t.startswith("- part: ACT-100")) + 3
    before = counts(s)
    with pytest.raises(Refused) as exc:
        _import(s, text)
    assert exc.value.reasons == [
        f"line {line}: routings[0].release: routing 1 of ACT-100 rev A is released and program ACT builds on it in "
        "LRIP: a change request must carry rev 2 — keep it a draft and raise one for ACT with the item "
        "routing:ACT-100/A:1:2"]
    assert counts(s) == before
    draft = _import(s, text.replace("release: true\n  operations:", "release: false\n  operations:"))
    assert [(i.record, i.action) for i in draft.items] == [("ACT-100/A routing 2", "new revision")]
    assert draft.notes == ["routing 1 of ACT-100 rev A is released and program ACT builds on it in LRIP: a change "
                           "request must carry rev 2 — keep it a draft and raise one for ACT with the item "
                           "routing:ACT-100/A:1:2"]
    change.create_change(s, actor(s, "admin"), program="ACT", title="Tighter torque", reason="field data",
                         description="TORQUE usl 2.1", change_class="minor",
                         items=[ItemSpec("routing", "ACT-100/A", "1", "2")])
    with pytest.raises(Refused) as exc:
        _import(s, text)
    assert exc.value.reasons == [
        f"line {line}: routings[0].release: routing 1 of ACT-100 rev A is released and program ACT builds on it in "
        "LRIP: change request CR-0001 (draft) carries rev 2; it is released when CR-0001 is implemented"]


def test_in_lrip_an_engineer_may_not_release_the_next_revision_by_hand_either(lrip_line):
    s, mel = lrip_line, actor(lrip_line, "admin")
    catalog.add_document_revision(s, mel, number="WI-10", revision="B", content="Do WI-10 with care.")
    with pytest.raises(Refused) as exc:
        catalog.release_document_revision(s, mel, number="WI-10", revision="B")
    assert exc.value.reasons == [
        "WI-10 rev A is released and program ACT builds on it in LRIP: a change request must carry rev B — keep it "
        "a draft and raise one for ACT with the item document:WI-10:A:B"]


def _bytes(images: dict[str, str]) -> dict[str, bytes]:
    return {name: base64.b64decode(text) for name, text in images.items()}


def test_export_then_import_changes_nothing(lrip_line):
    s = lrip_line
    exported = product.export_product(s, actor(s, "admin"), part="ACT-100")
    assert [p["number"] for p in exported.data["parts"]] == ["ACT-100", "MTR-1", "SCR-4"]
    again, lines = productfile.read(productfile.dump(exported.data))
    assert again == exported.data
    before = counts(s)
    report = product.import_product(s, actor(s, "admin"), again, _bytes(exported.images), lines=lines)
    assert (report.changes, report.items) == (0, [])
    assert counts(s) == before


def test_the_example_exports_as_it_was_imported(team):
    load(team)
    exported = product.export_product(team, actor(team, "mel"), part="PMP-40")
    data, _, images = example()
    assert _bytes(exported.images) == images
    assert {k: len(v) for k, v in exported.data.items()} == {k: len(v) for k, v in data.items()}
    assert load(team, productfile.dump(exported.data)).changes == 0


# ---------------------------------------------------------------- spreadsheets

def _draft_pump(session):
    load(session, edited(('revision: "1"\n    release: true', 'revision: "1"\n    release: false')))


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


CAL_HEADER = ["Balloon", "Characteristic", "Description", "Nominal", "Tol +", "Tol -", "Units", "KC", "Op"]


def test_a_characteristic_accountability_list_changes_a_draft_routing(team):
    _draft_pump(team)
    sheet = _csv([CAL_HEADER, ["3", "BORE-D", "Bore diameter", "12.0", "0.015", "0.015", "mm", "yes", "10"],
                  ["12", "DEPTH", "Bore depth", "20", "0.1", "0.1", "mm", "", "10"]])
    report = product.import_characteristics(team, actor(team, "mel"), part="PMP-40", revision="A", routing="1",
                                            filename="cal.csv", data=sheet)
    assert [(i.record, i.action) for i in report.items] == [("PMP-40/A routing 1", "updated")]
    r = catalog.routing_detail(team, actor(team, "mel"), part="PMP-40", part_revision="A", revision="1")
    chars = {c.code: c for c in r.operations[0].characteristics}
    assert (chars["BORE-D"].lsl, chars["BORE-D"].usl) == (pytest.approx(11.985), pytest.approx(12.015))
    assert (chars["DEPTH"].balloon, chars["DEPTH"].key, chars["DEPTH"].usl) == ("12", False, pytest.approx(20.1))
    assert "VIS-10" in chars  # the sheet changes what it names; the rest stays


def test_an_xlsx_list_with_bad_rows_changes_nothing_and_names_each_row(team):
    _draft_pump(team)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Balloon", "Char", "Name", "Nominal", "LSL", "USL", "Units", "Key", "Operation"],
                ["3", "BORE-D", "Bore diameter", 12.0, 11.98, 11.97, "mm", "yes", 10],
                ["14", "SLOT", "Slot width", "wide", None, None, "mm", "", 10],
                ["15", "SEAL", "Seal seat", 5.0, 4.9, 5.1, "mm", "", 40]):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    before = counts(team)
    with pytest.raises(Invalid) as exc:
        product.import_characteristics(team, actor(team, "mel"), part="PMP-40", revision="A", routing="1",
                                       filename="cal.xlsx", data=data.getvalue())
    assert exc.value.reasons == ["row 3: nominal: 'wide' is not a number",
                                 "row 4: operation: routing 1 of PMP-40 rev A has no operation 40; it has 10, 20, 30"]
    with pytest.raises(Invalid) as exc:
        product.import_characteristics(team, actor(team, "mel"), part="PMP-40", revision="A", routing="1",
                                       filename="cal.csv", data=_csv([CAL_HEADER[:3] + ["LSL", "USL", "Op"],
                                                                      ["3", "BORE-D", "Bore", "11.98", "11.97", "10"]]))
    assert exc.value.reasons == ["row 2: usl: 11.97 is below lsl 11.98"]
    assert counts(team) == before


def test_a_bom_from_plm_replaces_a_released_bom_by_the_next_revision(team):
    load(team)
    sheet = _csv([["Part Number", "Description", "Qty", "Op", "Tracking"],
                  ["BODY-40", "Pump body casting", "1", "10", ""], ["IMP-40", "Impeller", "1", "20", ""],
                  ["SCR-M5", "Screw M5x12", "8", "20", ""], ["GSK-40", "Cover gasket", "1", "20", "lot"]])
    report = product.import_bom(team, actor(team, "mel"), part="PMP-40", revision="A", filename="bom.csv", data=sheet)
    assert [(i.record, i.action) for i in report.items] == [
        ("GSK-40", "created"), ("PMP-40 rev B", "new revision"), ("PMP-40 rev B", "released")]
    tree = catalog.bom_tree(team, actor(team, "mel"), number="PMP-40", revision="B")
    assert [(n.part, n.quantity) for n in tree.lines] == [("BODY-40", 1), ("IMP-40", 1), ("SCR-M5", 8), ("GSK-40", 1)]
    bad = _csv([["Part", "Qty", "Op"], ["NOPE-1", "1", "10"], ["SCR-M5", "x", "20"]])
    with pytest.raises(Invalid) as exc:
        product.import_bom(team, actor(team, "mel"), part="PMP-40", revision="B", filename="bom.csv", data=bad)
    assert exc.value.reasons == ["row 3: quantity: 'x' is not a number"]
    with pytest.raises(Invalid) as exc:
        product.import_bom(team, actor(team, "mel"), part="PMP-40", revision="B", filename="bom.csv",
                           data=_csv([["Part", "Qty", "Op"], ["NOPE-1", "1", "10"]]))
    assert exc.value.reasons == ["row 2: part: no part NOPE-1: define it in the file"]


# ---------------------------------------------------------------- set-based

def _parts_file(n: int) -> str:
    lines = ["work_centers:", "  - {code: WC, name: Work, hours_per_day: 8}", "parts:"]
    lines += [f"  - {{number: P-{i}, description: Part {i}, tracking: lot, revision: A, release: true}}"
              for i in range(n)]
    lines += ["  - {number: TOP, description: Top, tracking: serial, revision: A, release: true, bom: ["]
    lines += [f"      {{part: P-{i}, quantity: 2, operation: 10}}," for i in range(n)] + ["    ]}"]
    return "\n".join(lines)


def test_the_import_reads_the_database_once_per_kind_whatever_the_files_size(team):
    """Importing a file whose records are all there already: as many statements for 60 parts as for 6."""
    sent = {}
    for n in (5, 50):
        load(team, _parts_file(n))
        with counting(team) as statements:
            assert load(team, _parts_file(n)).changes == 0
        sent[n] = len(statements)
    assert sent[5] == sent[50]
